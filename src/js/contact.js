// Reads a Streams contact view in one call, as JSON text: what its getters returned, copied, never judged (the
// Rust core parses attributes, phone numbers and states). Why one call: each Streams getter re-finds the contact
// in the agent snapshot, and `getInitialConnection()` builds live connection objects whose media controllers log;
// a dozen `catch` imports per event cost more than the bridge's decisions. So every getter here runs at most
// once per read, a throw is caught here (a throwing `catch` import would leak an externref slot), and the
// expensive ones run only when asked for.
//
// `reading`: 0 = the contact's own data (channel, state, queue, attributes, task name: what a snapshot Streams has
// already dropped still answers), 1 = everything, connections included (number, chat name, direction, email).
// `knownState` / `knownHash`: the state type and attributes hash of the caller's last read of this contact
// (`null` / NaN for none). When the state type is unchanged only the channel, state and attributes are read, and
// the attributes are sent only when their hash changed.
//
// The result: `{c, s, h, a?, i?, q?, p?, n?, e?, g?, m?, brief?, err?}` (channel, state type, attributes hash,
// attributes, inbound, queue name, phone number, customer name, email address, segment attributes, initiation
// method; `brief` when only the first four were read), `{gone: true}` when `getType()` threw (Streams no longer
// knows the contact). `err` lists `[field, expected, found]` for each getter that threw or gave the wrong type.

import { plain } from './values.js';

// Connect allows 32 KB of attributes per contact; anything far beyond is cut here, before it is copied into wasm.
// The core's longest attribute field is 2,000 characters, so a cut value still reads as too long there.
const MAX_ATTRIBUTE_ENTRIES = 500;
const MAX_ATTRIBUTE_CHARS = 8192;
const ATTRIBUTE_LIMITS = { entries: MAX_ATTRIBUTE_ENTRIES, chars: MAX_ATTRIBUTE_CHARS };

const typeName = (v) => (v === null ? 'null' : typeof v);
const thrown = (e) => {
  if (typeof e === 'string') return e;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  try {
    return JSON.stringify(e) ?? 'undefined';
  } catch (_) {
    return '<unprintable JS value>';
  }
};

// cyrb53: a 53-bit string hash (a JS number), so an unchanged attribute map is recognised without copying it.
function hash53(text) {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export function readContact(contact, reading, knownState, knownHash) {
  const out = {};
  const err = [];
  const fail = (field, expected, found) => err.push([field, expected, found]);
  // Runs a getter: `undefined` for a throw (reported) and for null/undefined (not an error).
  const get = (field, expected, read) => {
    try {
      const v = read();
      return v === null || v === undefined ? undefined : v;
    } catch (e) {
      fail(field, expected, thrown(e));
      return undefined;
    }
  };
  const str = (v, field, expected = 'a string') => {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    fail(field, expected, typeName(v));
    return undefined;
  };
  // An optional string property of an object a getter returned (reading the property is not reported).
  const field = (obj, key, name) => {
    if (obj === undefined) return undefined;
    let v;
    try {
      v = obj[key];
    } catch (_) {
      return undefined;
    }
    return str(v, name);
  };
  // The JSON text of `out`, with the attributes' JSON text spliced in when they are sent.
  const done = (attributesText) => {
    if (err.length) out.err = err;
    const body = JSON.stringify(out);
    return attributesText === undefined ? body : `${body.slice(0, -1)},"a":${attributesText}}`;
  };

  let channel;
  try {
    channel = contact.getType();
  } catch (e) {
    fail('getType()', 'a channel name', thrown(e));
    return JSON.stringify({ gone: true, err });
  }
  out.c = str(channel, 'getType()', 'a channel name such as voice or chat') ?? '';
  out.s = str(get('getState().type', 'a state object with a string `type`', () => contact.getState().type), 'getState().type') ?? '';

  const attributes = get('getAttributes()', 'an attribute map', () => contact.getAttributes());
  const text = attributes === undefined ? 'null' : JSON.stringify(plain(attributes, 0, new Set(), ATTRIBUTE_LIMITS)) ?? 'null';
  out.h = hash53(text);
  if (knownState !== null && knownState !== undefined && out.s === knownState) {
    out.brief = true;
    return done(out.h === knownHash ? undefined : text);
  }

  const full = reading === 1;
  if (full) {
    const inbound = get('isInbound()', 'a boolean', () => contact.isInbound());
    if (typeof inbound === 'boolean') out.i = inbound;
    else if (inbound !== undefined) fail('isInbound()', 'a boolean', typeName(inbound));
  }
  const queue = get('getQueue().name', 'a queue object or null', () => contact.getQueue());
  out.q = field(queue, 'name', 'getQueue().name');
  if (full && (out.c === 'voice' || out.c === 'queue_callback')) {
    const name = 'getInitialConnection().getEndpoint().phoneNumber';
    const endpoint = get(name, 'an endpoint with a phone number', () => contact.getInitialConnection().getEndpoint());
    out.p = field(endpoint, 'phoneNumber', name);
  } else if (full && out.c === 'chat') {
    out.n = chatCustomerName(contact, get, field);
  } else if (out.c === 'task') {
    const name = get('getName()', 'a string', () => contact.getName());
    if (typeof name === 'string') out.n = name;
  }
  if (full && out.c === 'email') {
    const endpoint = get('getCustomerEndpoint()', 'an email endpoint', () => contact.getCustomerEndpoint());
    out.e = field(endpoint, 'emailAddress', 'getCustomerEndpoint().emailAddress');
    const segments = get('getSegmentAttributes()', 'a segment attribute map', () => contact.getSegmentAttributes());
    if (segments !== undefined) out.g = plain(segments, 0, new Set(), ATTRIBUTE_LIMITS);
    out.m = str(get('getInitiationMethod()', 'a string', () => contact.getInitiationMethod()), 'getInitiationMethod()');
  }
  return done(text);
}

// The customer's name on a chat: `getParticipantName()` where this Streams has it, else the chat media info's.
function chatCustomerName(contact, get, field) {
  const connection = get('getInitialConnection() customer name', "the customer's chat connection", () => contact.getInitialConnection());
  if (connection === undefined) return undefined;
  let named;
  try {
    named = connection.getParticipantName;
  } catch (_) {
    named = undefined;
  }
  if (typeof named === 'function') {
    const name = get('getInitialConnection().getParticipantName()', 'a string', () => named.call(connection));
    return typeof name === 'string' ? name : undefined;
  }
  const info = get('getInitialConnection().getMediaInfo()', 'chat media info', () => connection.getMediaInfo());
  if (info === undefined) return undefined;
  let original;
  try {
    original = info.originalInfo;
  } catch (_) {
    return undefined;
  }
  return field(original === null ? undefined : original, 'customerName', 'chatMediaInfo.customerName');
}
