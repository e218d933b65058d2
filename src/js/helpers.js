// The page's JS helpers, in one module: wasm-bindgen gives each bound module its own file, and every file is one
// more request before the wasm can start (the wasm-bindgen-test runner's server stalls with several at once).
// Four parts, each with its own reason below: faithful value conversion, awaiting a CIF call's answer, reading a
// Streams contact in one call, and the Web Lock and channel shared by the agent's Dynamics tabs.

// ---------------------------------------------------------------------------------------------- values
// The JSON text of a value CIF or Streams handed to the page, converted faithfully: a `Map` becomes an object
// (JSON.stringify alone turns it into `{}`, which hid CIF's time-limit rejection), a `Set` an array, an `Error`
// its name, message, `cause` / `errors` and own enumerable fields. Nothing is interpreted here: the Rust core
// judges every value.
// Bounded (depth, entries) and cycle-safe, so a hostile value cannot hang or blow the page up.

const MAX_DEPTH = 32;
const MAX_ENTRIES = 10000;
const NO_LIMITS = { entries: MAX_ENTRIES, chars: Infinity };

const tag = (v) => Object.prototype.toString.call(v);

// Every string leaves this file well-formed: a lone UTF-16 surrogate (half an emoji, cut by a flow, a chat
// client or a length limit) would be written by JSON.stringify as a `\udXXX` escape, which is not Unicode, and
// the Rust side's JSON parser rightly refuses the whole text: one such character would cost the whole value (a
// contact's every read). It becomes U+FFFD instead.
const wellFormed =
  typeof String.prototype.isWellFormed === 'function'
    ? (s) => (s.isWellFormed() ? s : s.toWellFormed())
    : (s) => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

// The first `max` UTF-16 units of `s`, one fewer when the cut would split a surrogate pair.
function cut(s, max) {
  if (s.length <= max) return s;
  const last = s.charCodeAt(max - 1);
  return s.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

// For `JSON.stringify(…, wellFormedStrings)` of an object this file built from getters' strings.
const wellFormedStrings = (_key, v) => (typeof v === 'string' ? wellFormed(v) : v);

// `limits`: at most `entries` per object or array (never more than MAX_ENTRIES), strings cut at `chars`. One part
// that cannot be read (a getter or `toJSON` that throws, a key `String()` refuses) becomes '[unreadable]' and
// costs nothing else: a CIF rejection keeps its `message` beside it. A value is walked once per path, and the
// whole walk visits at most MAX_NODES values (shared sub-objects are visited again on each path). Whenever a
// limit leaves entries or nested values out, `budget.cut` is set, so that a caller can say so.
const MAX_NODES = 50000;
const UNREADABLE = '[unreadable]';

// `out[key] = value` as an own property whatever the key: an assignment to `__proto__` would set the prototype
// and lose the entry (a flow may name an attribute anything).
function put(out, key, value) {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

export function plain(v, depth, seen, limits = NO_LIMITS, budget = { nodes: MAX_NODES }) {
  if (v === undefined || v === null) return null;
  switch (typeof v) {
    case 'string':
      return wellFormed(cut(v, limits.chars));
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'bigint':
      return v.toString();
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  if (depth > MAX_DEPTH) {
    budget.cut = true;
    return '[too deep]';
  }
  if (--budget.nodes < 0) {
    budget.cut = true;
    return '[too large]';
  }
  if (seen.has(v)) return '[cycle]';
  seen.add(v);
  // Every part that cannot be read becomes UNREADABLE and is counted in the budget: the marker is text, so a
  // caller that must not take it for a value (an attribute) asks `budget.unreadable`.
  const unreadable = () => {
    budget.unreadable = true;
    return UNREADABLE;
  };
  const inner = (x) => {
    try {
      return plain(x, depth + 1, seen, limits, budget);
    } catch (_) {
      return unreadable();
    }
  };
  // A field read and made text, or UNREADABLE when reading it or `String()` of it throws.
  const field = (k) => {
    try {
      const x = v[k];
      return wellFormed(cut(typeof x === 'string' ? x : String(x), limits.chars));
    } catch (_) {
      return unreadable();
    }
  };
  // Each entry costs the walk's budget too: one object may hold thousands of references to another.
  const spend = () => {
    if (--budget.nodes >= 0) return true;
    budget.cut = true;
    return false;
  };
  const leftOut = () => {
    budget.cut = true;
    return true;
  };
  try {
    const kind = tag(v);
    // A boxed primitive (`new String('s1')`) is its value, as JSON.stringify has it, not a map of its indices.
    if (kind === '[object String]' || kind === '[object Number]' || kind === '[object Boolean]') {
      return inner(v.valueOf());
    }
    if (kind === '[object Map]') {
      const out = {};
      let n = 0;
      for (const [key, value] of v) {
        if ((++n > limits.entries && leftOut()) || !spend()) break;
        // As in JSON, an entry holding `undefined` is absent (`get` cannot tell the two apart either).
        if (value === undefined) continue;
        let k;
        try {
          k = wellFormed(typeof key === 'string' ? key : String(key));
        } catch (_) {
          k = unreadable();
        }
        if (k !== UNREADABLE || !Object.hasOwn(out, k)) put(out, k, inner(value));
      }
      return out;
    }
    if (kind === '[object Set]') {
      const out = [];
      for (const x of v) {
        if ((out.length >= limits.entries && leftOut()) || !spend()) break;
        out.push(inner(x) ?? null);
      }
      return out;
    }
    if (Array.isArray(v)) {
      // By index, at most `entries`: a sparse array may claim millions of slots, and one element whose getter
      // throws costs only itself.
      const out = [];
      const n = Math.min(v.length, limits.entries);
      if (v.length > n) leftOut();
      for (let i = 0; i < n && spend(); i++) {
        let x;
        try {
          x = inner(v[i]);
        } catch (_) {
          x = unreadable();
        }
        out.push(x ?? null);
      }
      return out;
    }
    const out = {};
    if (kind === '[object Error]' || kind === '[object DOMException]' || v instanceof Error) {
      out.name = field('name');
      out.message = field('message');
      // Own but not enumerable, like `message`: what a wrapping Error wraps (CIF's time-limit rejection may be
      // the `cause`), an AggregateError's `errors`. Bounded by the walk's depth and budget like any nested value.
      for (const k of ['cause', 'errors']) {
        let has = false;
        try {
          has = Object.hasOwn(v, k) && !Object.prototype.propertyIsEnumerable.call(v, k);
        } catch (_) {
          has = false;
        }
        if (has) {
          let x;
          try {
            x = inner(v[k]);
          } catch (_) {
            x = unreadable();
          }
          if (x !== undefined) put(out, k, x);
        }
      }
    } else if (typeof v.toJSON === 'function') {
      let json;
      try {
        json = v.toJSON();
      } catch (_) {
        return unreadable();
      }
      return inner(json);
    }
    const keys = Object.keys(v);
    if (keys.length > limits.entries) leftOut();
    for (const key of keys.slice(0, limits.entries)) {
      if (!spend()) break;
      let value;
      try {
        const raw = v[key];
        // As in JSON, a property holding `undefined` is absent: `{focused: undefined, focussed: true}` has one
        // flag, not a `null` one beside it.
        if (raw === undefined) continue;
        value = inner(raw);
      } catch (_) {
        value = unreadable();
      }
      if (value !== undefined) put(out, wellFormed(key), value);
    }
    return out;
  } finally {
    seen.delete(v);
  }
}

// `null` when even this fails (a revoked proxy): the caller falls back to the value's text.
export function plainJson(value) {
  try {
    return JSON.stringify(plain(value, 0, new Set())) ?? 'null';
  } catch (_) {
    return null;
  }
}

// Like `plainJson`, but `null` when any part of the value could not be read (a getter or `toJSON` that threw, a
// proxy that refuses): for a CIF call's answer, where the '[unreadable]' marker standing in for a field (a
// session id) would be taken for data.
export function readableJson(value) {
  const budget = { nodes: MAX_NODES, unreadable: false };
  try {
    const text = JSON.stringify(plain(value, 0, new Set(), NO_LIMITS, budget)) ?? 'null';
    return budget.unreadable ? null : text;
  } catch (_) {
    return null;
  }
}

// `name: message` of an Error from any realm (another frame's Error is no `instanceof Error` here), `null` for
// anything else; never throws, whatever its fields hold.
export function errorText(value) {
  try {
    if (value === null || typeof value !== 'object') return null;
    const kind = tag(value);
    if (kind !== '[object Error]' && kind !== '[object DOMException]' && !(value instanceof Error)) return null;
    const field = (k) => {
      try {
        const f = value[k];
        return wellFormed(typeof f === 'string' ? f : String(f));
      } catch (_) {
        return UNREADABLE;
      }
    };
    return `${field('name')}: ${field('message')}`;
  } catch (_) {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------- answers

// Hands what a CIF call returned to `onResolved` / `onRejected`, each called at most once and never in this call;
// throws when the answer cannot be read (a `then` that throws or cannot be read, a native promise whose
// `constructor` getter throws), so that the shell reports a call that went out with an unreadable answer.
// Why not `Promise.resolve(value).then(…)`: for a thenable that is no native promise, `Promise.resolve` calls its
// `then` later and turns that throw into a rejection, which the core reads as CIF failing the call and retries
// (a second session for a `createSession` Dynamics carried out). `then` is read once and called here, so a
// getter cannot answer differently the second time.
const NATIVE_THEN = Promise.prototype.then;
export function settleAnswer(value, onResolved, onRejected) {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    Promise.resolve().then(() => onResolved(value));
    return;
  }
  const then = value.then;
  if (typeof then !== 'function') {
    Promise.resolve().then(() => onResolved(value));
    return;
  }
  if (then === NATIVE_THEN) {
    // A native promise (every CIF build's answer) already settles once and later, and its `then` throws only
    // before it takes the handlers (not a promise, or a `constructor` getter that throws). The handlers are
    // handed over as they are: an answer Dynamics never gives (a cancelled notification's) keeps them as long as
    // the CIF library keeps its promise, so they stay two bound functions, not two closures besides.
    then.call(value, onResolved, onRejected);
    return;
  }
  let settled = false;
  let returned = false;
  // The first settlement counts; one made before `then` returned waits for a microtask, as a promise's would.
  const once = (on) => (x) => {
    if (settled) return;
    settled = true;
    if (returned) on(x);
    else Promise.resolve().then(() => on(x));
  };
  try {
    then.call(value, once(onResolved), once(onRejected));
  } catch (e) {
    // A `then` that settled before throwing has given its answer, as the Promises spec has it.
    if (!settled) {
      settled = true;
      throw e;
    }
  }
  returned = true;
}

// ---------------------------------------------------------------------------------------------- contact

// Reads a Streams contact view in one call, as JSON text: what its getters returned, copied, never judged (the
// Rust core parses attributes, phone numbers and states). Why one call: each Streams getter re-finds the contact
// in the agent snapshot, and reading a contact's connections builds live connection objects whose media controllers log;
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
// The result: `{c, s, h, a?, i?, q?, p?, n?, e?, g?, m?, k?, brief?, err?}` (channel, state type, attributes
// hash, attributes, inbound, queue name, phone number, customer name, email address, segment attributes,
// initiation method, the agent's connection type; `brief` when only the first four were read), `{gone: true}`
// when `getType()` threw (Streams no longer knows the contact) or the view could not be read at all. `err` lists `[field, expected, found]` for each getter that threw or gave the wrong type.


// Connect allows 32 KB of attributes per contact; anything far beyond is cut here, before it is copied into wasm.
// The core's longest attribute field is 2,000 characters, so a cut value still reads as too long there. The
// entries are bounded only by the walk's own limits (10,000 per map, 50,000 values in all): 32 KB may hold
// thousands of short attributes, and the slug fields come wherever the flow set them. Entries left out are
// reported as an error of `getAttributes()`.
const MAX_ATTRIBUTE_CHARS = 8192;
const ATTRIBUTE_LIMITS = { entries: MAX_ENTRIES, chars: MAX_ATTRIBUTE_CHARS };

const typeName = (v) => (v === null ? 'null' : typeof v);
const thrown = (e) => {
  if (typeof e === 'string') return e;
  const error = errorText(e);
  if (error !== null) return error;
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
  // Nothing may throw into wasm: a part the reads below do not guard (a hostile proxy's `typeof` trap) costs
  // this read, reported, as if the contact were gone.
  try {
    return readContactGetters(contact, reading, knownState, knownHash);
  } catch (e) {
    return JSON.stringify({ gone: true, err: [['readContact()', 'a readable contact view', thrown(e)]] }, wellFormedStrings);
  }
}

function readContactGetters(contact, reading, knownState, knownHash) {
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
    const body = JSON.stringify(out, wellFormedStrings);
    return attributesText === undefined ? body : `${body.slice(0, -1)},"a":${attributesText}}`;
  };

  let channel;
  try {
    channel = contact.getType();
  } catch (e) {
    fail('getType()', 'a channel name', thrown(e));
    return JSON.stringify({ gone: true, err }, wellFormedStrings);
  }
  out.c = str(channel, 'getType()', 'a channel name such as voice or chat') ?? '';
  out.s = str(get('getState().type', 'a state object with a string `type`', () => contact.getState().type), 'getState().type') ?? '';

  // A map Streams handed over that cannot be walked at all (a revoked proxy, an iterator that throws) is
  // reported, like a getter that threw; `undefined` then.
  // `cut` is told whether the walk's limits left part of the map out.
  const copied = (value, name, expected, cut = () => {}) => {
    const budget = { nodes: MAX_NODES, cut: false, unreadable: false };
    try {
      const text = JSON.stringify(plain(value, 0, new Set(), ATTRIBUTE_LIMITS, budget)) ?? 'null';
      if (budget.unreadable) {
        // Not sent with '[unreadable]' standing in for a value (the slugs would take it for the customer's
        // name): the map counts as unreadable this time, like a getter that threw.
        fail(name, expected, 'a map with an entry that could not be read (a getter threw)');
        return undefined;
      }
      if (budget.cut) cut();
      return text;
    } catch (e) {
      fail(name, expected, thrown(e));
      return undefined;
    }
  };
  const failedBefore = err.length;
  const attributes = get('getAttributes()', 'an attribute map', () => contact.getAttributes());
  let attributesCut = false;
  let text =
    attributes === undefined
      ? 'null'
      : copied(attributes, 'getAttributes()', 'an attribute map', () => {
          attributesCut = true;
        });
  if (err.length > failedBefore) {
    // Unreadable this time: not "no attributes". The caller keeps what it read before (`au`), and the hash
    // stays the last one so that the next good read is compared with that.
    out.au = true;
    text = undefined;
    out.h = typeof knownHash === 'number' && !Number.isNaN(knownHash) ? knownHash : hash53('null');
  } else {
    out.h = hash53(text);
  }
  // Reported with the attributes it concerns: an unchanged map is not sent again, nor is its cut.
  const sendsAttributes = text !== undefined && out.h !== knownHash;
  if (attributesCut && sendsAttributes) {
    fail('getAttributes()', 'at most 10,000 attributes, nested at most 32 deep (Connect allows 32 KB)', 'a larger map: the rest was left out');
  }
  if (knownState !== null && knownState !== undefined && out.s === knownState) {
    out.brief = true;
    return done(sendsAttributes ? text : undefined);
  }

  const full = reading === 1;
  const views = full ? connectionViews(contact, get, fail) : undefined;
  const initialConnection = () => views.find("getConnections(): the initial one", (c) => c.isInitialConnection());
  const agentConnection = () =>
    views.find("getConnections(): the agent's", (c) => {
      const type = c.getType();
      return type === 'agent' || type === 'monitoring';
    });
  // How the contact began (any channel): an agent's own email draft or reply, or a supervisor's monitoring. Older
  // Streams builds lack the getter: then it is simply not known.
  let method;
  if (full) {
    const getter = get('getInitiationMethod', 'a function or nothing', () => contact.getInitiationMethod);
    if (typeof getter === 'function') {
      method = get('getInitiationMethod()', 'a string', () => getter.call(contact));
      out.m = str(method, 'getInitiationMethod()');
    }
  }
  if (full) {
    const inbound = views.inbound(out.c, method);
    if (typeof inbound === 'boolean') out.i = inbound;
    else if (inbound !== undefined) fail('isInbound()', 'a boolean', typeName(inbound));
  }
  const queue = get('getQueue().name', 'a queue object or null', () => contact.getQueue());
  out.q = field(queue, 'name', 'getQueue().name');
  if (full && (out.c === 'voice' || out.c === 'queue_callback')) {
    const name = 'initial connection getEndpoint().phoneNumber';
    const initial = initialConnection();
    const endpoint = initial && get(name, 'an endpoint with a phone number', () => initial.getEndpoint());
    out.p = field(endpoint, 'phoneNumber', name);
  } else if (full && out.c === 'chat') {
    out.n = chatCustomerName(initialConnection(), get, field);
  } else if (out.c === 'task') {
    const name = get('getName()', 'a string', () => contact.getName());
    if (typeof name === 'string') out.n = name;
  }
  if (full && out.c === 'email') {
    const endpoint = get('getCustomerEndpoint()', 'an email endpoint', () => contact.getCustomerEndpoint());
    out.e = field(endpoint, 'emailAddress', 'getCustomerEndpoint().emailAddress');
    const segments = get('getSegmentAttributes()', 'a segment attribute map', () => contact.getSegmentAttributes());
    const segmentsText = segments === undefined ? undefined : copied(segments, 'getSegmentAttributes()', 'a segment attribute map');
    if (segmentsText !== undefined) out.g = JSON.parse(segmentsText);
  }
  // Which connection the agent holds (Streams' own `getAgentConnection()`): `monitoring` for a supervisor
  // listening in, whose snapshot may say nothing else about it (`initiationMethod` null, no queue, no attributes).
  if (full) {
    const agent = agentConnection();
    if (agent !== undefined) {
      out.k = str(get("agent's connection getType()", 'a string', () => agent.getType()), "agent's connection getType()");
    }
  }
  return done(text);
}

// The contact's connections, for the getters below. Streams builds a live connection object for every
// connection each time `getConnections()`, `getInitialConnection()`, `getAgentConnection()` or `isInbound()` is
// called, and each one built starts a media controller for its connection (a voice call's logs, and Streams
// broadcasts every log entry of the page to the CCP by postMessage): on a contact's first read that was most of
// the read's time and all of its slowest cases, and the controller of a contact abandoned while ringing stays in
// Streams for good. So the connections are read from the contact's snapshot (`toSnapshot()`), as data, with
// the answers Streams' own getters give from the same data: `isInitialConnection()` is `initial`, `getType()` is
// `type`, `getEndpoint()` is `endpoint`, a chat customer's `getParticipantName()` is `chatMediaInfo.customerName`,
// and `isInbound()` is Streams' rule (below). A Streams whose snapshot does not hold its connections that way gets
// its own getters, as before.
function connectionViews(contact, get, fail) {
  let data;
  try {
    const snapshot = typeof contact.toSnapshot === 'function' ? contact.toSnapshot() : undefined;
    const list = snapshot && snapshot.contactData && snapshot.contactData.connections;
    if (Array.isArray(list) && list.every((c) => c !== null && typeof c === 'object')) data = list;
  } catch (_) {
    data = undefined;
  }
  return data === undefined ? liveConnections(contact, get, fail) : snapshotConnections(data, fail);
}

// A connection's data answering the getters this file asks of a live connection.
class ConnectionData {
  constructor(data) {
    this.data = data;
  }
  isInitialConnection() {
    return this.data.initial;
  }
  getType() {
    return this.data.type;
  }
  getEndpoint() {
    return this.data.endpoint;
  }
  getParticipantName() {
    const info = this.data.chatMediaInfo;
    return info === null || info === undefined ? undefined : info.customerName;
  }
}

function snapshotConnections(list, fail) {
  const connections = list.map((c) => new ConnectionData(c));
  return {
    find: (name, test) => pick(connections, name, test, fail),
    // Streams' `isInbound()`: by the initiation method for a task, an email or a campaign preview, else whether
    // the initial connection is the caller's (`inbound`). No initial connection: not known (Streams throws).
    inbound(channel, method) {
      if (channel === 'task' || channel === 'email' || method === 'campaign_preview') return method !== 'outbound';
      const initial = pick(connections, 'getConnections(): the initial one', (c) => c.isInitialConnection(), fail);
      return initial === undefined ? undefined : initial.getType() === 'inbound';
    },
  };
}

// Streams' own connection objects, built once for this read: `getInitialConnection()` and
// `getAgentConnection()` each build every connection anew, so both are picked here from one `getConnections()`.
function liveConnections(contact, get, fail) {
  let connections;
  const all = () => {
    if (connections === undefined) {
      const list = get('getConnections()', 'a list of connections', () => contact.getConnections());
      connections = Array.isArray(list) ? list : [];
      if (list !== undefined && !Array.isArray(list)) fail('getConnections()', 'a list of connections', typeName(list));
    }
    return connections;
  };
  return {
    find: (name, test) => pick(all(), name, test, fail),
    inbound: () => get('isInbound()', 'a boolean', () => contact.isInbound()),
  };
}

// The first connection `test` accepts; a test that throws is reported and ends the search.
function pick(connections, name, test, fail) {
  for (const c of connections) {
    try {
      if (test(c)) return c;
    } catch (e) {
      fail(name, 'a connection', thrown(e));
      return undefined;
    }
  }
  return undefined;
}

// The customer's name on a chat: `getParticipantName()` where this Streams has it, else the chat media info's.
function chatCustomerName(connection, get, field) {
  if (connection === undefined) return undefined;
  let named;
  try {
    named = connection.getParticipantName;
  } catch (_) {
    named = undefined;
  }
  if (typeof named === 'function') {
    const name = get('initial connection getParticipantName()', 'a string', () => named.call(connection));
    return typeof name === 'string' ? name : undefined;
  }
  const info = get('initial connection getMediaInfo()', 'chat media info', () => connection.getMediaInfo());
  if (info === undefined) return undefined;
  let original;
  try {
    original = info.originalInfo;
  } catch (_) {
    return undefined;
  }
  return field(original === null ? undefined : original, 'customerName', 'chatMediaInfo.customerName');
}

// ---------------------------------------------------------------------------------------------- tabs

// Several Dynamics tabs, one agent: the Web Lock that elects the one page that pops, and the BroadcastChannel
// of the same name on which the pages talk. This file decides nothing: it reports what the lock and the channel
// did to `report(kind, detail)`, and the Rust core decides (crates/bridge-core/src/bridge/leadership.rs).
//
// kinds: 'held' (this page holds the lock), 'waiting' (another page holds it; this one waits in line),
// 'lost' (the lock was taken from this page: detail = what the browser said), 'unavailable' (no Web Locks or
// BroadcastChannel here, or a request failed: detail), 'message' (detail = what another page posted).
//
// A lock is released by the browser when its page dies (closed, crashed, reloaded), so the next page in line
// gets it without anyone's timer.

export class TabLeadership {
  constructor(report) {
    this.report = report;
    this.name = null;
    this.channel = null;
    this.waitingRequest = null;
    this.releaseHeld = null;
  }

  /** Ask for the lock if it is free, else wait in line for it; listen on the channel of the same name. */
  seek(name) {
    const locks = globalThis.navigator && globalThis.navigator.locks;
    if (!locks || typeof locks.request !== 'function') {
      this.report('unavailable', 'navigator.locks is not available in this frame');
      return;
    }
    if (this.name !== name) {
      this.release();
      this.name = name;
      try {
        this.channel = new BroadcastChannel(name);
        this.channel.onmessage = (event) => this.report('message', event.data);
      } catch (e) {
        this.report('unavailable', describeThrown(e));
        return;
      }
    }
    this.request({ ifAvailable: true });
  }

  /** Take the lock from the page that holds it. */
  takeOver() {
    if (this.name !== null) {
      this.request({ steal: true });
    }
  }

  /** Post on the channel; a failure is reported, never thrown into the caller. */
  post(text) {
    if (this.channel === null) {
      return;
    }
    try {
      this.channel.postMessage(text);
    } catch (e) {
      this.report('unavailable', describeThrown(e));
    }
  }

  /** Release everything and report nothing more: the page's driver is going away, and its `report` closure with
   * it (a request still in flight would call a dropped closure, which throws). */
  close() {
    this.release();
    this.report = () => {};
  }

  /** Release the lock, a request waiting in line and the channel. */
  release() {
    this.withdrawWaiting();
    if (this.releaseHeld !== null) {
      this.releaseHeld();
      this.releaseHeld = null;
    }
    if (this.channel !== null) {
      this.channel.close();
      this.channel = null;
    }
    this.name = null;
  }

  withdrawWaiting() {
    if (this.waitingRequest !== null) {
      this.waitingRequest.abort();
      this.waitingRequest = null;
    }
  }

  request(options) {
    this.withdrawWaiting();
    const waiting = !options.ifAvailable && !options.steal;
    const abort = waiting ? new AbortController() : null;
    if (abort !== null) {
      this.waitingRequest = abort;
    }
    const name = this.name;
    let held = false;
    let granted;
    try {
      granted = globalThis.navigator.locks.request(
        name,
        { mode: 'exclusive', ...options, ...(abort !== null ? { signal: abort.signal } : {}) },
        (lock) => {
          if (lock === null) {
            // Another page holds it: say so, then wait in line.
            this.report('waiting');
            if (this.name === name) {
              this.request({});
            }
            return undefined;
          }
          held = true;
          if (this.waitingRequest === abort) {
            this.waitingRequest = null;
          }
          this.report('held');
          // Held until this page dies, close() releases it, or another page steals it.
          return new Promise((resolve) => {
            this.releaseHeld = resolve;
          });
        },
      );
    } catch (e) {
      this.report('unavailable', describeThrown(e));
      return;
    }
    granted.then(
      () => {},
      (e) => {
        if (held) {
          this.releaseHeld = null;
          this.report('lost', describeThrown(e));
        } else if (abort !== null && abort.signal.aborted) {
          // This page withdrew the request itself (a take-over replaced it, or release()).
        } else {
          this.report('unavailable', describeThrown(e));
        }
      },
    );
  }
}

/** `{agentArn, username}` from a Streams agent, without letting a throwing getter escape. */
export function agentIdentity(agent) {
  try {
    const configuration = agent.getConfiguration();
    const text = (v) => (typeof v === 'string' ? v : null);
    return { agentArn: text(configuration && configuration.agentARN), username: text(configuration && configuration.username) };
  } catch (e) {
    return { agentArn: null, username: null };
  }
}

// What a lock or channel call threw or rejected with, as text; never throws (`thrown`, contact part): a reason
// `String()` refuses must not leave a lost lock unreported, the page popping on beside the new leader.
function describeThrown(e) {
  return thrown(e);
}
