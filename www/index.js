// Entry of the channel provider page. Order matters: Streams defines `connect`, TaskJS extends it (README of
// amazon-connect-streams: ChatJS/TaskJS after Streams), then the wasm bridge starts and uses both.
import "amazon-connect-streams";
import "amazon-connect-taskjs";
import { start } from "../pkg/connect_cif_bridge.js";

start();
