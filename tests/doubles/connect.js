// A controllable fake of the `connect` global of amazon-connect-streams, for the shell's browser tests.
//
// It keeps the parts of Streams the shell relies on: `connect.core.initCCP` and the lifecycle subscriptions,
// `connect.contact` (no replay), `connect.agent` (synchronous call-back once initialised), per-contact `onX`
// returning `{unsubscribe}`, getters that throw once a contact is gone (and task connection getters that throw
// as without TaskJS when asked to), `new connect.Contact(id)`, and accept/reject/clear with callbacks.
// Removing a contact works as in Streams 2.28: ENDED fires first if it has not (with a snapshot), then DESTROYED
// with a snapshot, and a snapshot's own data survives while its connection getters (isInbound,
// getConnections) look up live data and throw "no longer exists" (Streams builds live Connection objects
// even for a ContactSnapshot).
// Unlike Streams it does NOT drop a contact's subscriptions on destroy, so the live-subscription count shows
// whether the shell released them itself.

let state;

function reset() {
  state = {
    bus: new Map(), // eventName -> Map(subId -> f)
    nextSub: 1,
    contacts: new Map(), // id -> data
    agentInitialised: false,
    agentConfiguration: null, // getConfiguration(): null until a test gives the agent an identity
    agentState: { name: "Available", type: "routable" },
    agentStates: [
      { name: "Available", type: "routable", agentStateARN: "arn:available" },
      { name: "Offline", type: "offline", agentStateARN: "arn:offline" },
    ],
    calls: [],
    threw: 0,
    connectionReads: 0, // isInbound(), getConnections() and toSnapshot() calls: each reads every connection
    liveConnectionBuilds: 0, // isInbound() and getConnections() calls: each makes Streams build every connection
    autoSucceed: true,
  };
}
reset();

function subscribe(event, f) {
  if (typeof f !== "function") throw new Error("f must be a function");
  (globalThis.fakeOrder ??= []).push(`subscribe ${event}`);
  const id = state.nextSub++;
  if (!state.bus.has(event)) state.bus.set(event, new Map());
  state.bus.get(event).set(id, f);
  return {
    unsubscribe() {
      const subs = state.bus.get(event);
      if (subs) {
        subs.delete(id);
        if (subs.size === 0) state.bus.delete(event);
      }
    },
  };
}

function trigger(event, data) {
  const subs = state.bus.get(event);
  if (!subs) return true;
  let ok = true;
  for (const f of [...subs.values()]) {
    try {
      f(data);
    } catch (e) {
      // Streams would swallow and log this; the tests count it, since the shell must never throw.
      state.threw++;
      ok = false;
      console.error("fake connect: handler for " + event + " threw", e);
    }
  }
  return ok;
}

function data(id) {
  const d = state.contacts.get(id);
  if (!d || d.removed) throw new Error("Contact " + id + " no longer exists.");
  return d;
}

class Connection {
  constructor(d) {
    this.d = d;
  }
  isInitialConnection() {
    return true;
  }
  getType() {
    return this.d.inbound === false ? "outbound" : "inbound";
  }
  getEndpoint() {
    return { phoneNumber: this.d.phoneNumber ?? null, type: "phone_number" };
  }
  getParticipantName() {
    return this.d.customerName ?? null;
  }
  getMediaInfo() {
    return { originalInfo: { customerName: this.d.customerName ?? null } };
  }
}

// The agent's own connection: `agent`, or `monitoring` for a supervisor listening in.
class AgentConnection {
  constructor(d) {
    this.d = d;
  }
  isInitialConnection() {
    return false;
  }
  getType() {
    return this.d.agentConnectionType ?? "agent";
  }
}

class Contact {
  constructor(contactId) {
    this.contactId = contactId;
  }
  _data() {
    return data(this.contactId);
  }
  getContactId() {
    // A contact whose id cannot be read (`idThrows`): a list holding it cannot say which contacts are gone.
    if (state.contacts.get(this.contactId)?.idThrows) throw new Error("getContactId: contact data unavailable");
    return this.contactId;
  }
  getType() {
    return this._data().type;
  }
  getState() {
    return { type: this._data().state, timestamp: new Date() };
  }
  getAttributes() {
    return this._data().attributes;
  }
  getQueue() {
    return this._data().queue ?? null;
  }
  getName() {
    return this._data().name ?? null;
  }
  getInitiationMethod() {
    return this._data().initiationMethod ?? null;
  }
  isInbound() {
    state.connectionReads++;
    state.liveConnectionBuilds++;
    const d = data(this.contactId);
    if (d.type === "task" && d.withoutTaskJs) throw new TypeError("Cannot read properties of undefined (reading 'create')");
    return d.inbound !== false;
  }
  // Every connection, built anew (as Streams does), the agent's first as in Connect's snapshots.
  getConnections() {
    state.connectionReads++;
    state.liveConnectionBuilds++;
    const d = data(this.contactId);
    if (d.type === "task" && d.withoutTaskJs) throw new TypeError("Cannot read properties of undefined (reading 'create')");
    return [new AgentConnection(d), new Connection(d)];
  }
  // A snapshot of the contact's data as Streams' `toSnapshot()` gives it: a `ContactSnapshot` whose
  // `contactData` holds the connections as data (none built). `snapshotWithoutConnections` plays a Streams whose
  // snapshot does not.
  toSnapshot() {
    state.connectionReads++;
    return new ContactSnapshot(Object.assign({}, this._data()));
  }
  accept(cb) {
    this._act("accept", cb);
  }
  reject(cb) {
    this._act("reject", cb);
  }
  clear(cb) {
    this._act("clear", cb);
  }
  _act(method, cb) {
    state.calls.push({ method, contactId: this.contactId });
    if (state.autoSucceed && cb && cb.success) cb.success({});
  }
}
for (const [name, event] of [
  ["onRefresh", "refresh"],
  ["onIncoming", "incoming"],
  ["onPending", "pending"],
  ["onConnecting", "connecting"],
  ["onAccepted", "accepted"],
  ["onConnected", "connected"],
  ["onMissed", "missed"],
  ["onEnded", "ended"],
  ["onACW", "acw"],
  ["onError", "error"],
  ["onDestroy", "destroyed"],
]) {
  Contact.prototype[name] = function (f) {
    return subscribe("contact::" + event + "::" + this.contactId, f);
  };
}

// A snapshot keeps its data after removal, as connect.ContactSnapshot does.
class ContactSnapshot extends Contact {
  constructor(d) {
    super(d.contactId);
    this.frozen = d;
  }
  _data() {
    return this.frozen;
  }
  get contactData() {
    const d = this.frozen;
    return { contactId: d.contactId, type: d.type, connections: d.snapshotWithoutConnections ? undefined : connectionData(d) };
  }
}

// A contact's connections in the snapshot's shape (the agent's first, as in Connect's snapshots).
function connectionData(d) {
  return [
    { connectionId: `${d.contactId}-agent`, type: d.agentConnectionType ?? "agent", initial: false, endpoint: { type: "agent", phoneNumber: null } },
    {
      connectionId: `${d.contactId}-customer`,
      type: d.inbound === false ? "outbound" : "inbound",
      initial: true,
      endpoint: { type: "phone_number", phoneNumber: d.phoneNumber ?? null },
      chatMediaInfo: d.type === "chat" ? { customerName: d.customerName ?? null } : null,
    },
  ];
}

class Agent {
  constructor() {
    if (!state.agentInitialised) throw new Error("agent data not initialised");
  }
  getContacts() {
    return [...state.contacts.values()].filter((d) => !d.removed).map((d) => new Contact(d.contactId));
  }
  getState() {
    return state.agentState;
  }
  // What the agent chose, not the system's state: `Available` during a call, as in Streams' sample snapshots.
  getAvailabilityState() {
    return { state: state.agentState.type === "system" ? "Available" : state.agentState.name, timeStamp: new Date() };
  }
  getAgentStates() {
    return state.agentStates;
  }
  getConfiguration() {
    return state.agentConfiguration;
  }
  onStateChange(f) {
    return subscribe("agent::statechange", f);
  }
  setState(s, cb) {
    state.calls.push({ method: "setState", state: s.name });
    if (state.autoSucceed && cb && cb.success) cb.success({});
  }
  connect(endpoint, params) {
    state.calls.push({ method: "connect", phoneNumber: endpoint.phoneNumber, queueARN: params && params.queueARN });
    if (state.autoSucceed && params && params.success) params.success({});
  }
}

export function fakeConnectInstall() {
  reset();
  window.connect = {
    core: {
      initCCP(container, params) {
        state.calls.push({ method: "initCCP", params: JSON.parse(JSON.stringify(params)), hasContainer: !!container });
      },
      onInitialized: (f) => subscribe("core::init", f),
      onIframeRetriesExhausted: (f) => subscribe("core::retries", f),
      onAuthFail: (f) => subscribe("core::authfail", f),
      onAccessDenied: (f) => subscribe("core::accessdenied", f),
      // Streams' page bus: `terminated` is subscribed there (fakeConnectFireCore("terminated") fires it)
      getEventBus: () => ({ subscribe: (event, f) => subscribe("core::" + event, f) }),
    },
    contact: (f) => subscribe("contact::init", f),
    agent(f) {
      const sub = subscribe("agent::init", f);
      if (state.agentInitialised) f(new Agent());
      return sub;
    },
    Contact,
    ContactSnapshot,
    Agent,
    Endpoint: { byPhoneNumber: (n) => ({ type: "phone_number", phoneNumber: n }) },
  };
}

export function fakeConnectUninstall() {
  delete window.connect;
}

// Adds a contact ({contactId, type, state, attributes, phoneNumber, customerName, queue, inbound, name,
// initiationMethod, withoutTaskJs, snapshotWithoutConnections}) and fires connect.contact for it. Returns false if a handler threw.
export function fakeConnectAddContact(d) {
  const copy = Object.assign({ removed: false }, d);
  state.contacts.set(copy.contactId, copy);
  return trigger("contact::init", new Contact(copy.contactId));
}

// Adds a contact without firing connect.contact (it was there before the page loaded).
export function fakeConnectPreloadContact(d) {
  state.contacts.set(d.contactId, Object.assign({ removed: false }, d));
}

export function fakeConnectSetState(contactId, s) {
  data(contactId).state = s;
}

// Sets (or, with null, clears) the customer's phone number on the contact's initial connection.
export function fakeConnectSetPhoneNumber(contactId, phoneNumber) {
  data(contactId).phoneNumber = phoneNumber;
}

// Makes the agent's connection to a contact a supervisor's `monitoring` one.
export function fakeConnectSetMonitoring(contactId) {
  data(contactId).agentConnectionType = "monitoring";
}

// How many times the page called isInbound(), getConnections() or toSnapshot() so far.
export function fakeConnectConnectionReads() {
  return state.connectionReads;
}

// How many times the page called isInbound() or getConnections() so far (each builds every connection).
export function fakeConnectLiveConnectionBuilds() {
  return state.liveConnectionBuilds;
}

// Sets one contact attribute (`{name, value}`), as a flow's Set contact attributes block does.
export function fakeConnectSetAttribute(contactId, name, value) {
  const d = data(contactId);
  d.attributes = { ...d.attributes, [name]: { name, value } };
}

// Fires a per-contact event ("connecting", "ended", "missed", …) with a live view. False if a handler threw.
export function fakeConnectFire(contactId, event) {
  const d = state.contacts.get(contactId);
  if (d && event === "ended") d.endedFired = true;
  return trigger("contact::" + event + "::" + contactId, new Contact(contactId));
}

// Removes a contact: later getters on live views throw; ENDED (if it has not fired) and DESTROYED fire with
// snapshots, as Streams does.
export function fakeConnectRemove(contactId) {
  const d = state.contacts.get(contactId);
  if (!d) return true;
  d.removed = true;
  let ok = true;
  if (!d.endedFired) ok = trigger("contact::ended::" + contactId, new ContactSnapshot(Object.assign({}, d))) && ok;
  ok = trigger("contact::destroyed::" + contactId, new ContactSnapshot(Object.assign({}, d))) && ok;
  state.contacts.delete(contactId);
  return ok;
}

export function fakeConnectSetAgentConfiguration(configuration) {
  state.agentConfiguration = configuration;
}

export function fakeConnectInitAgent() {
  state.agentInitialised = true;
  return trigger("agent::init", new Agent());
}

export function fakeConnectAgentStateChange(name, type) {
  const old = state.agentState.name;
  state.agentState = { name, type };
  return trigger("agent::statechange", { agent: new Agent(), oldState: old, newState: name });
}

export function fakeConnectFireCore(which) {
  return trigger("core::" + which, {});
}

export function fakeConnectSetAutoSucceed(on) {
  state.autoSucceed = on;
}

// Live subscriptions: all, or only the per-contact ones.
export function fakeConnectLiveSubscriptions() {
  let n = 0;
  for (const subs of state.bus.values()) n += subs.size;
  return n;
}

export function fakeConnectLiveContactSubscriptions() {
  let n = 0;
  for (const [event, subs] of state.bus.entries()) {
    if (event.split("::").length === 3) n += subs.size;
  }
  return n;
}

export function fakeConnectCalls() {
  return JSON.stringify(state.calls);
}

export function fakeConnectHandlerThrows() {
  return state.threw;
}

// The console.error lines the shell wrote since the last call (it prefixes every line with "[connect-cif-bridge]").
let consoleErrors = null;
export function fakeConsoleErrorsTaken() {
  if (!consoleErrors) {
    consoleErrors = [];
    const original = console.error.bind(console);
    console.error = (...args) => {
      const line = args.map(String).join(" ");
      if (line.includes("[connect-cif-bridge]")) consoleErrors.push(line);
      original(...args);
    };
  }
  return JSON.stringify(consoleErrors.splice(0));
}

// What the page did, in order, across the doubles: Streams subscriptions (`subscribe <event>`) and CIF calls
// (`cif <method>`), one per line, since the last call.
export function fakeOrderTaken() {
  const out = (globalThis.fakeOrder ?? []).join("\n");
  globalThis.fakeOrder = [];
  return out;
}
