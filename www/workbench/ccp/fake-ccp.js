// Why this file exists: the fake Amazon Connect CCP. The real, unmodified amazon-connect-streams library in the
// channel provider page embeds this page as its CCP iframe; we imitate the CCP's SharedWorker on the wire
// (reference amazon-connect-streams.md §5–6): `acknowledge {id}` on load, `acknowledge` per `synchronize`,
// `agent::update {configuration, snapshot}` with Date timestamps, `api_request` → `api_response`,
// `master_request` → `master_response`, and `broadcast` echoes (the only source of `onAccepted`).
//
// The workbench host page (window.top, same origin as this page) scripts it with postMessage:
//   host → ccp  {wb:'host', type:'command', id, cmd, args}
//   ccp → host  {wb:'ccp', type:'hello'|'reply'|'request'|'state'|'error', …}
// (A BroadcastChannel is not used: this frame is nested in the cross-site provider page, so Chromium's
// storage partitioning puts it in a different partition from the top-level host page.)
// State (agent + contacts) is kept in sessionStorage per run (`?wbrun=` on the CCP URL), so a reloaded
// provider page — and so a reloaded CCP frame — sees the contacts that already exist, as with the real CCP.
// Several Dynamics tabs of one run (the host's "Open a second Dynamics tab") share the agent and its
// contacts, as Connect's view is per agent, not per tab: the fake CCP frames of one run talk on the
// BroadcastChannel `wb-ccp-<run>` (all of them sit in the same storage partition: top-level site of the host,
// under a cross-site provider frame). Every change is posted as the whole shared state with a revision; a new
// frame says hello and adopts the newest state it hears; the highest (revision, frame id) wins everywhere.

import { throttled } from '/workbench/throttle.js';

// At most every 100 ms (throttle.js says why); `render` is hoisted, so calls made while this module loads work.
const scheduleRender = throttled(() => render(), 100);

const params = new URLSearchParams(location.search);
const RUN = (params.get('wbrun') || 'default').replace(/[^A-Za-z0-9_-]/g, '').slice(0, 40) || 'default';
const STORE_KEY = `wb-fake-ccp:${RUN}`;
const SNAPSHOT_DELAY_MS = Number(params.get('wbSnapshotDelayMs') || 50);

const REGION = 'us-east-1';
const ACCOUNT = '111122223333';
const INSTANCE = '3f0b7c9e-5a1d-4c2b-9e8f-6d7a1b2c3d4e';
const ARN = `arn:aws:connect:${REGION}:${ACCOUNT}:instance/${INSTANCE}`;
const AGENT_ID = '8a1f5c2d-9b3e-4f6a-a7d8-0c1e2f3a4b5c';

const QUEUES = {
  'Customer Service': 'b1c2d3e4-0001-4a5b-8c9d-0e1f2a3b4c5d',
  'Billing': 'b1c2d3e4-0002-4a5b-8c9d-0e1f2a3b4c5d',
  'Chat Support': 'b1c2d3e4-0003-4a5b-8c9d-0e1f2a3b4c5d',
  'Back Office Tasks': 'b1c2d3e4-0004-4a5b-8c9d-0e1f2a3b4c5d',
  'BasicQueue': 'b1c2d3e4-0005-4a5b-8c9d-0e1f2a3b4c5d',
};
const queueObj = (name) => {
  const id = QUEUES[name] || QUEUES['Customer Service'];
  return { name, queueARN: `${ARN}/queue/${id}`, queueId: `${ARN}/queue/${id}` };
};

const stateArn = (n) => `${ARN}/agent-state/${n}`;
const AGENT_STATES = [
  { agentStateARN: stateArn('a0000000-0000-4000-8000-000000000001'), type: 'routable', name: 'Available' },
  { agentStateARN: stateArn('a0000000-0000-4000-8000-000000000002'), type: 'not_routable', name: 'Break' },
  { agentStateARN: stateArn('a0000000-0000-4000-8000-000000000003'), type: 'not_routable', name: 'Lunch' },
  { agentStateARN: stateArn('a0000000-0000-4000-8000-000000000004'), type: 'not_routable', name: 'Training' },
  { agentStateARN: stateArn('a0000000-0000-4000-8000-000000000005'), type: 'offline', name: 'Offline' },
];
const SYSTEM_STATES = {
  Busy: 'system', PendingBusy: 'system', CallingCustomer: 'system', Dialing: 'system', Joining: 'system',
  AfterCallWork: 'not_routable', MissedCallAgent: 'error', MissedCallCustomer: 'error', FailedConnectAgent: 'error',
  Init: 'init',
};
const RP_ARN = `${ARN}/routing-profile/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9`;

const CONFIGURATION = {
  name: 'Jordan Lee',
  username: 'jordan.lee',
  agentARN: `${ARN}/agent/${AGENT_ID}`,
  extension: '',
  softphoneEnabled: true,
  softphoneAutoAccept: false,
  agentPreferences: { LANGUAGE: 'en_US' },
  permissions: ['outboundCall', 'voiceId'],
  dialableCountries: ['us', 'ca', 'gb', 'ie', 'de', 'fr'],
  agentStates: AGENT_STATES,
  routingProfile: {
    name: 'Customer Service Tier 1',
    routingProfileARN: RP_ARN,
    routingProfileId: RP_ARN,
    defaultOutboundQueue: queueObj('BasicQueue'),
    // Connect lists the agent's own queue too; Streams' Agent._getResourceId looks for it
    queues: [...Object.keys(QUEUES).map(queueObj),
      { name: null, queueARN: `${ARN}/queue/agent/${AGENT_ID}`, queueId: `${ARN}/queue/agent/${AGENT_ID}` }],
    channelConcurrencyMap: { VOICE: 1, CHAT: 3, TASK: 5, EMAIL: 1 },
  },
};

// ---------------------------------------------------------------------------------------------------------
// State and persistence

let state = load() || freshState();
const FRAME_ID = crypto.randomUUID();
let snapshotTimer = null;
let pendingSnapshot = false;
let ackCount = 0;

function freshState() {
  return {
    agent: { name: 'Available', type: 'routable', agentStateARN: AGENT_STATES[0].agentStateARN, startTimestamp: new Date() },
    nextState: null,
    contacts: [],
    holdSnapshots: false,
    faults: { noAck: false, authFailOnLoad: false, ignoreApi: [] },
    master: { isMaster: true },
    apiErrors: {},
  };
}

function reviver(_k, v) {
  return v && typeof v === 'object' && typeof v.$date === 'string' && Object.keys(v).length === 1 ? new Date(v.$date) : v;
}
function replacer(_k, v) {
  return v;
}
function encode(obj) {
  // Date.prototype.toJSON runs before the replacer sees it, so walk explicitly.
  const walk = (x) => {
    if (x instanceof Date) return { $date: x.toISOString() };
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === 'object') { const o = {}; for (const k of Object.keys(x)) o[k] = walk(x[k]); return o; }
    return x;
  };
  return JSON.stringify(walk(obj), replacer);
}
function load() {
  try {
    const raw = sessionStorage.getItem(STORE_KEY);
    return raw ? JSON.parse(raw, reviver) : null;
  } catch { return null; }
}
function save() {
  clearTimeout(saveTimer);
  saveTimer = null;
  try { sessionStorage.setItem(STORE_KEY, encode(state)); } catch { /* storage may be blocked; state stays in memory */ }
}
// A change is stored within SAVE_EVERY_MS, and at once when the frame goes (Streams removing it, a reload):
// storing the whole state on every API request cost the host's thread, which also answers the provider.
const SAVE_EVERY_MS = 50;
let saveTimer = null;
function saveSoon() {
  if (saveTimer === null) saveTimer = setTimeout(save, SAVE_EVERY_MS);
}
addEventListener('pagehide', () => { if (saveTimer !== null) save(); });

// ---------------------------------------------------------------------------------------------------------
// Sharing between tabs (the fake CCP frames of one run in several Dynamics tabs)

/** What Connect knows per agent (shared by every tab); faults, held snapshots, forced API errors and the
 *  softphone master stay per frame (they are the workbench's knobs on one CCP). */
const SHARED_KEYS = ['agent', 'nextState', 'availability', 'contacts'];
let peers = null;
try { peers = new BroadcastChannel(`wb-ccp-${RUN}`); } catch { peers = null; }
const rank = (s) => [s.shareRev || 0, s.shareFrom || ''];
const newer = (a, b) => a[0] !== b[0] ? a[0] > b[0] : a[1] > b[1];

/** A local change: bump the revision and post the shared part of the state to the other tabs. */
function shareState() {
  state.shareRev = (state.shareRev || 0) + 1;
  state.shareFrom = FRAME_ID;
  postShared('state');
}
// Posted only once another tab's frame has spoken: a frame that comes later says hello and is answered with
// the whole state, so a lone tab need not encode its state for nobody on every change.
let peerHeard = false;
function postShared(type) {
  if (!peers || !peerHeard) return;
  const shared = { shareRev: state.shareRev || 0, shareFrom: state.shareFrom || '' };
  for (const k of SHARED_KEYS) shared[k] = state[k];
  try { peers.postMessage({ type, from: FRAME_ID, state: encode(shared) }); } catch { /* channel closed */ }
}
if (peers) {
  peers.onmessage = (e) => {
    const m = e.data;
    if (!m || m.from === FRAME_ID) return;
    peerHeard = true;
    if (m.type === 'hello') { postShared('state'); return; }
    if (m.type !== 'state' || typeof m.state !== 'string') return;
    let incoming;
    try { incoming = JSON.parse(m.state, reviver); } catch { return; }
    if (!newer(rank(incoming), rank(state))) return;
    for (const k of SHARED_KEYS) state[k] = incoming[k] ?? (k === 'contacts' ? [] : null);
    state.shareRev = incoming.shareRev;
    state.shareFrom = incoming.shareFrom;
    scheduleSnapshot(SNAPSHOT_DELAY_MS, { share: false });
  };
}

// ---------------------------------------------------------------------------------------------------------
// Wire

const isEmbedded = window.parent !== window;
const hostWin = window.top !== window.parent ? window.top : null; // the workbench host page, when there is one

function toPage(event, data) {
  if (isEmbedded) window.parent.postMessage({ event, data }, '*');
}
function toHost(msg) {
  if (hostWin) hostWin.postMessage({ wb: 'ccp', run: RUN, ...msg }, location.origin);
}

const uuid = () => crypto.randomUUID();
const now = () => new Date();

function contactWire(c) {
  // deep copy, Dates kept (structured clone preserves them; the real worker unmarshals timestamps into Dates)
  return structuredClone(c);
}

function buildSnapshot() {
  const t = now();
  return {
    configuration: structuredClone(CONFIGURATION),
    snapshot: {
      state: structuredClone(state.agent),
      status: undefined,
      nextState: state.nextState ? structuredClone(state.nextState) : null,
      agentAvailabilityState: { state: state.availability || state.agent.name, timeStamp: state.agent.startTimestamp },
      snapshotTimestamp: t,
      localTimestamp: t.getTime(),
      skew: 0,
      contentLength: 0,
      contacts: [...state.contacts].sort((a, b) => a.state.timestamp - b.state.timestamp).map(contactWire),
    },
  };
}

function pushSnapshot() {
  snapshotTimer = null;
  pendingSnapshot = false;
  if (state.holdSnapshots) { pendingSnapshot = true; return; }
  const snapshot = buildSnapshot();
  // When it was posted, on a clock comparable across frames: the benchmark (bench/) times the screen pop from it.
  const at = performance.timeOrigin + performance.now();
  toPage('agent::update', snapshot);
  reportState(at);
}
/** Push a snapshot about SNAPSHOT_DELAY_MS after a change (several changes in that window make one snapshot). */
function scheduleSnapshot(delay = SNAPSHOT_DELAY_MS, { share = true } = {}) {
  if (share) shareState();
  saveSoon();
  scheduleRender();
  if (snapshotTimer) return;
  snapshotTimer = setTimeout(pushSnapshot, delay);
}

function summary(c) {
  const cust = customerConnection(c);
  return {
    contactId: c.contactId, type: c.type, state: c.state.type,
    queue: c.queue && c.queue.name,
    phoneNumber: cust && cust.endpoint && cust.endpoint.phoneNumber || null,
    customerName: cust && cust.chatMediaInfo && cust.chatMediaInfo.customerName || null,
    initiationMethod: c.initiationMethod,
    attributes: Object.fromEntries(Object.values(c.attributes || {}).map((a) => [a.name, a.value])),
    connections: c.connections.map((k) => ({ type: k.type, state: k.state.type })),
  };
}
function reportState(snapshotAt = null) {
  toHost({ type: 'state', agentState: { name: state.agent.name, type: state.agent.type },
    contacts: state.contacts.map(summary), holdSnapshots: state.holdSnapshots, faults: state.faults, snapshotAt });
}

// ---------------------------------------------------------------------------------------------------------
// Contact model

const agentConnection = (c) => c.connections.find((k) => k.type === 'agent');
const customerConnection = (c) => c.connections.find((k) => k.type === 'inbound' || k.type === 'outbound');
const findContact = (id) => state.contacts.find((c) => c.contactId === id);
function mustFind(id) {
  const c = findContact(id);
  if (!c) throw new Error(`no contact ${id}`);
  return c;
}

function agentEndpoint() {
  return { endpointARN: CONFIGURATION.agentARN, type: 'agent', name: CONFIGURATION.name, displayName: CONFIGURATION.name,
    phoneNumber: null, agentLogin: CONFIGURATION.username, queue: null };
}
function phoneEndpoint(number) {
  return { endpointARN: null, type: 'phone_number', name: null, displayName: null, phoneNumber: number, agentLogin: null, queue: null };
}
function connection({ type, initial, connState, endpoint = null, softphone = false, chat = null }) {
  const t = now();
  return {
    connectionId: uuid(), type, initial, state: { type: connState, timestamp: t },
    endpoint, address: endpoint,
    softphoneMediaInfo: softphone ? { callType: 'audio_only', autoAccept: false, mediaLegContextToken: `mlct-${uuid()}`,
      callContextToken: `cct-${uuid()}`, callConfigJson: '{}' } : null,
    chatMediaInfo: chat,
    monitoringInfo: null, mute: false, forcedMute: false, quickConnectName: null,
  };
}

/**
 * Adds a contact. spec: {type: voice|queue_callback|chat|task|email, direction: inbound|outbound, contactId?,
 * attributes: {name: value}, phoneNumber, customerName, queue, state?, name?, description?, references?}
 */
function addContact(spec = {}) {
  const type = spec.type || 'voice';
  const outbound = spec.direction === 'outbound';
  const contactId = spec.contactId || uuid();
  if (findContact(contactId)) throw new Error(`contact ${contactId} already exists`);
  const t = now();
  const initialState = spec.state || (outbound ? 'connecting' : type === 'queue_callback' ? 'incoming' : 'connecting');
  const queueName = spec.queue || (type === 'chat' ? 'Chat Support' : type === 'task' ? 'Back Office Tasks' : outbound ? 'BasicQueue' : 'Customer Service');
  const attrs = {};
  for (const [k, v] of Object.entries(spec.attributes || {})) {
    if (v === null || v === undefined) continue;
    attrs[k] = { name: k, value: typeof v === 'string' ? v : JSON.stringify(v) };
  }
  const connections = [];
  const voiceLike = type === 'voice' || type === 'queue_callback';
  if (type === 'task') {
    connections.push(connection({ type: 'agent', initial: true, connState: 'connecting', endpoint: agentEndpoint() }));
  } else if (type === 'email') {
    connections.push(connection({ type: 'agent', initial: false, connState: 'connecting', endpoint: agentEndpoint() }));
    connections.push(connection({ type: 'inbound', initial: true, connState: 'connected',
      endpoint: { endpointARN: null, type: 'email_address', name: spec.customerName || null, emailAddress: spec.emailAddress || 'customer@example.com' } }));
  } else if (type === 'chat') {
    connections.push(connection({ type: 'agent', initial: false, connState: 'connecting', endpoint: agentEndpoint() }));
    connections.push(connection({ type: 'inbound', initial: true, connState: 'connected', endpoint: null,
      chat: { customerName: spec.customerName ?? 'Customer', chatAutoAccept: null, connectionData: null } }));
  } else if (outbound) {
    connections.push(connection({ type: 'agent', initial: false, connState: 'connected', endpoint: agentEndpoint(), softphone: true }));
    connections.push(connection({ type: 'outbound', initial: true, connState: 'connecting', endpoint: phoneEndpoint(spec.phoneNumber || '+15555550100') }));
  } else {
    connections.push(connection({ type: 'agent', initial: false, connState: initialState === 'incoming' ? 'init' : 'connecting',
      endpoint: agentEndpoint(), softphone: true }));
    connections.push(connection({ type: 'inbound', initial: true, connState: 'connected', endpoint: phoneEndpoint(spec.phoneNumber || '+15555550100') }));
  }
  const contact = {
    contactId,
    initialContactId: spec.initialContactId ?? null,
    relatedContactId: null,
    contactAssociationId: null,
    type,
    state: { type: initialState, timestamp: t },
    status: { type: initialState, timestamp: t },
    queue: queueObj(queueName),
    queueTimestamp: new Date(t.getTime() - 4000),
    attributes: attrs,
    connections,
    contactDuration: '0',
    name: spec.name ?? null,
    description: spec.description ?? null,
    references: spec.references || {},
    initiationMethod: outbound ? 'outbound' : type === 'task' ? 'api' : 'inbound',
    contactFeatures: { attachmentsEnabled: false, messagingMarkdownEnabled: false, multiPartyConferenceEnabled: false, screenRecordingConfig: null },
    channelContext: type === 'task' ? { scheduledTime: null, taskTemplateId: null, taskTemplateVersion: null } : {},
    segmentAttributes: { 'connect:Subtype': { ValueString: type === 'chat' ? 'connect:Chat' : type === 'task' ? 'connect:Task' : type === 'email' ? 'connect:Email' : 'connect:Telephony' } },
  };
  if (type === 'email') {
    contact.customerEndpoint = connections[1].endpoint;
    // the subject travels as a segment attribute (Streams: getSegmentAttributes()['connect:EmailSubject'])
    if (spec.subject != null) contact.segmentAttributes['connect:EmailSubject'] = { ValueString: String(spec.subject) };
  }
  if (initialState === 'connected') for (const k of connections) k.state = { type: 'connected', timestamp: t };
  state.contacts.push(contact);
  if (voiceLike && outbound) setAgent('CallingCustomer');
  if (outbound) {
    const delay = spec.connectAfterMs ?? 800;
    if (delay >= 0) setTimeout(() => { const c = findContact(contactId); if (c && c.state.type === 'connecting') { actions.connect(c); scheduleSnapshot(); } }, delay);
  }
  return contactId;
}

function setContactState(c, type) {
  const t = now();
  c.state = { type, timestamp: t };
  c.status = { type, timestamp: t };
}
function setConn(k, type) { if (k) k.state = { type, timestamp: now() }; }
function setAgent(name) {
  const known = AGENT_STATES.find((s) => s.name === name);
  const type = known ? known.type : SYSTEM_STATES[name] || 'not_routable';
  state.agent = { agentStateARN: known ? known.agentStateARN : null, name, type, startTimestamp: now() };
  state.availability = null;
}
const isVoice = (c) => c.type === 'voice' || c.type === 'queue_callback';
/** Agent state after a voice contact left the agent: back to Available unless another voice contact is active. */
function afterVoice() {
  const busy = state.contacts.some((c) => isVoice(c) && ['connecting', 'connected', 'incoming'].includes(c.state.type));
  const acw = state.contacts.some((c) => isVoice(c) && c.state.type === 'ended');
  if (!busy && ['Busy', 'CallingCustomer', 'AfterCallWork', 'MissedCallAgent', 'PendingBusy'].includes(state.agent.name)) {
    setAgent(acw ? 'AfterCallWork' : 'Available');
  }
}

const actions = {
  /** incoming/pending/init → connecting (the offer reaches the agent) */
  ring(c) {
    setContactState(c, 'connecting');
    setConn(agentConnection(c), 'connecting');
  },
  /** contact connected (answered, auto-accepted, or the outbound callee picked up) */
  connect(c) {
    setContactState(c, 'connected');
    for (const k of c.connections) setConn(k, 'connected');
    if (isVoice(c)) setAgent('Busy');
  },
  /** the agent answers in the CCP UI: the CCP's own Streams broadcasts contact::accepted, then connected */
  answer(c) {
    toPage('contact::accepted', { contactId: c.contactId });
    toPage(`contact::accepted::${c.contactId}`, { contactId: c.contactId });
    actions.connect(c);
  },
  /** the customer (or agent) hangs up a connected contact: ended = after-contact work */
  end(c) {
    setContactState(c, 'ended');
    for (const k of c.connections) setConn(k, 'disconnected');
    if (isVoice(c)) setAgent('AfterCallWork');
  },
  acw(c) { actions.end(c); },
  /** the offer times out at the agent */
  miss(c) {
    setContactState(c, 'missed');
    for (const k of c.connections) setConn(k, 'disconnected');
    if (isVoice(c)) setAgent('MissedCallAgent');
  },
  /** the caller hangs up while it is still ringing: the contact disappears from the snapshot */
  abandon(c) {
    state.contacts = state.contacts.filter((x) => x !== c);
    if (isVoice(c)) afterVoice();
  },
  reject(c) {
    setContactState(c, 'rejected');
    for (const k of c.connections) setConn(k, 'disconnected');
  },
  error(c) {
    setContactState(c, 'error');
    if (isVoice(c)) setAgent('FailedConnectAgent');
  },
  /** after-contact work done (clearContact) */
  clear(c) {
    state.contacts = state.contacts.filter((x) => x !== c);
    if (isVoice(c)) afterVoice();
  },
  /** the contact vanishes from the snapshot without any state change */
  remove(c) {
    state.contacts = state.contacts.filter((x) => x !== c);
  },
  hold(c) { setConn(customerConnection(c), 'hold'); },
  resume(c) { setConn(customerConnection(c), 'connected'); },
};

// ---------------------------------------------------------------------------------------------------------
// api_request handling (the Streams page → CCP)

function apiResponse(requestId, data, err) {
  toPage('api_response', { event: 'api_response', requestId, data, err: err == null ? null : err });
}
const apiErr = (type, message) => JSON.stringify({ type, message, statusCode: 400 });

function handleApi(req) {
  const { requestId, method, params: p = {} } = req;
  if (state.faults.ignoreApi.includes(method)) return; // never answered (Streams callbacks never fire)
  const forced = state.apiErrors[method];
  if (forced) {
    if (forced.once) delete state.apiErrors[method];
    save();
    return apiResponse(requestId, {}, apiErr(forced.type || 'InternalServiceException', forced.message || `forced failure of ${method}`));
  }
  const needContact = () => {
    const c = findContact(p.contactId);
    if (!c) throw Object.assign(new Error(`Contact ${p.contactId} not found`), { apiType: 'ResourceNotFoundException' });
    return c;
  };
  try {
    switch (method) {
      case 'acceptContact': {
        const c = needContact();
        apiResponse(requestId, {});
        if (c.state.type === 'incoming') actions.ring(c);
        actions.connect(c);
        return scheduleSnapshot();
      }
      case 'rejectContact': {
        const c = needContact();
        apiResponse(requestId, {});
        actions.reject(c);
        return scheduleSnapshot();
      }
      case 'destroyConnection': {
        const c = needContact();
        apiResponse(requestId, {});
        const k = c.connections.find((x) => x.connectionId === p.connectionId);
        if (k && k.type !== 'agent' && c.connections.filter((x) => x.type !== 'agent' && x.state.type !== 'disconnected').length > 1) {
          setConn(k, 'disconnected'); // third-party leg only
        } else if (['connecting', 'incoming', 'pending'].includes(c.state.type)) {
          actions.reject(c); // hanging up an offer
        } else {
          actions.end(c);
        }
        return scheduleSnapshot();
      }
      case 'clearContact':
      case 'completeContact': {
        const c = needContact();
        apiResponse(requestId, {});
        actions.clear(c);
        return scheduleSnapshot();
      }
      case 'createOutboundContact': {
        const ep = p.endpoint || {};
        const number = ep.phoneNumber || ep.address || (ep.endpointARN ? null : null);
        if (!number) throw Object.assign(new Error('endpoint.phoneNumber missing'), { apiType: 'InvalidParameterException' });
        const id = addContact({ type: 'voice', direction: 'outbound', phoneNumber: number,
          queue: queueNameFromArn(p.queueARN) || 'BasicQueue', attributes: {} });
        apiResponse(requestId, { contactId: id });
        return scheduleSnapshot();
      }
      case 'putAgentState': {
        const s = p.state || {};
        apiResponse(requestId, {});
        if (p.enqueueNextState && state.contacts.length) {
          state.nextState = { ...s, startTimestamp: now() };
        } else {
          state.agent = { agentStateARN: s.agentStateARN ?? null, name: s.name, type: s.type, startTimestamp: now() };
        }
        return scheduleSnapshot();
      }
      case 'getAgentStates':
        return apiResponse(requestId, { states: structuredClone(AGENT_STATES), nextToken: null });
      case 'getDialableCountryCodes':
        return apiResponse(requestId, { countryCodes: CONFIGURATION.dialableCountries, nextToken: null });
      case 'getRoutingProfileQueues':
        return apiResponse(requestId, { queues: CONFIGURATION.routingProfile.queues, nextToken: null });
      case 'getAgentPermissions':
        return apiResponse(requestId, { permissions: CONFIGURATION.permissions, nextToken: null });
      case 'getAgentConfiguration':
        return apiResponse(requestId, { configuration: structuredClone(CONFIGURATION) });
      case 'getAgentSnapshot':
        return apiResponse(requestId, buildSnapshot());
      case 'getEndpoints':
        return apiResponse(requestId, {
          endpoints: [
            { endpointARN: `${ARN}/transfer-destination/qc-billing`, endpointId: `${ARN}/transfer-destination/qc-billing`, type: 'queue', name: 'Billing', queue: queueObj('Billing').queueARN },
            { endpointARN: `${ARN}/transfer-destination/qc-supervisor`, endpointId: `${ARN}/transfer-destination/qc-supervisor`, type: 'phone_number', name: 'Supervisor desk', phoneNumber: '+14255550199' },
          ],
          nextToken: null,
        });
      case 'holdConnection':
      case 'resumeConnection': {
        const c = needContact();
        apiResponse(requestId, {});
        const k = c.connections.find((x) => x.connectionId === p.connectionId);
        setConn(k, method === 'holdConnection' ? 'hold' : 'connected');
        return scheduleSnapshot();
      }
      case 'sendClientLogs':
      case 'sendSoftphoneCallReport':
      case 'sendSoftphoneCallMetrics':
      case 'notifyContactIssue':
        return apiResponse(requestId, {});
      case 'updateContactAttributes': {
        const c = needContact();
        for (const [k, v] of Object.entries(p.attributes || {})) c.attributes[k] = { name: k, value: String(v) };
        apiResponse(requestId, {});
        return scheduleSnapshot();
      }
      default:
        return apiResponse(requestId, {}, apiErr('NotImplemented', `The workbench's fake CCP does not implement ${method}`));
    }
  } catch (e) {
    apiResponse(requestId, {}, apiErr(e.apiType || 'InternalServiceException', e.message));
  }
}

function queueNameFromArn(arn) {
  if (!arn) return null;
  const hit = Object.entries(QUEUES).find(([, id]) => arn.endsWith(id));
  return hit ? hit[0] : null;
}

// ---------------------------------------------------------------------------------------------------------
// Messages from the Streams page

const QUIET = new Set(['synchronize', 'log', 'server_bound_internal_log', 'iframe_style', 'client_metric', 'api_metric']);

window.addEventListener('message', (e) => {
  if (isEmbedded && e.source === window.parent) return onPageMessage(e);
  if (hostWin && e.source === hostWin && e.origin === location.origin) return onHostMessage(e);
});

function onPageMessage(e) {
  const m = e.data;
  if (!m || typeof m.event !== 'string') return;
  const d = m.data;
  if (!QUIET.has(m.event) && !(m.event === 'broadcast' && d && QUIET.has(d.event))) {
    let params;
    try { params = structuredClone(d && d.params); } catch { params = String(d && d.params); }
    toHost({ type: 'request', event: m.event, method: d && d.method || (m.event === 'broadcast' ? d && d.event : null),
      requestId: d && d.requestId || null, params: params ?? null, time: Date.now() });
  }
  switch (m.event) {
    case 'synchronize':
      if (!state.faults.noAck) toPage('acknowledge');
      return;
    case 'api_request':
      return handleApi(d || {});
    case 'master_request':
      return toPage('master_response', { event: 'master_response', requestId: d.requestId,
        data: { masterId: 'fake-ccp-tab', isMaster: !!state.master.isMaster, topic: d.params && d.params.topic }, err: null });
    case 'broadcast':
      if (d && typeof d.event === 'string') toPage(d.event, d.data);
      return;
    default:
      return; // configure, outer_context_info, iframe_style, log, reload_agent_configuration, …: ignored
  }
}

// ---------------------------------------------------------------------------------------------------------
// Commands from the workbench host page

const commands = {
  addContact: (spec) => { const id = addContact(spec); scheduleSnapshot(); return id; },
  /** many contacts in one command and one snapshot (the memory test's fast path) */
  addContacts: ({ specs }) => { const ids = specs.map((spec) => addContact(spec)); scheduleSnapshot(); return ids; },
  /** one action on many contacts, one snapshot */
  actionAll: ({ contactIds, action }) => {
    if (!actions[action]) throw new Error(`unknown contact action ${action}`);
    for (const id of contactIds) actions[action](mustFind(id));
    scheduleSnapshot();
    return contactIds.length;
  },
  action: ({ contactId, action }) => {
    const c = mustFind(contactId);
    if (!actions[action]) throw new Error(`unknown contact action ${action}`);
    actions[action](c);
    scheduleSnapshot();
    return summary(c);
  },
  /** the contact flow (or a Lambda) changes a live contact's attributes: `null` removes one */
  setAttributes: ({ contactId, attributes }) => {
    const c = mustFind(contactId);
    for (const [k, v] of Object.entries(attributes || {})) {
      if (v === null) delete c.attributes[k]; else c.attributes[k] = { name: k, value: typeof v === 'string' ? v : JSON.stringify(v) };
    }
    scheduleSnapshot();
    return summary(c);
  },
  agentState: ({ name }) => { setAgent(name); scheduleSnapshot(); return state.agent.name; },
  /** hold = true: changes accumulate, no snapshot is pushed until released (then one snapshot) */
  holdSnapshots: ({ hold }) => {
    state.holdSnapshots = !!hold;
    save();
    if (!hold && (pendingSnapshot || true)) scheduleSnapshot(0, { share: false });
    return state.holdSnapshots;
  },
  /** push `count` identical snapshots, `intervalMs` apart (0 = all in one burst) */
  storm: ({ count = 20, intervalMs = 0 }) => {
    const snap = buildSnapshot();
    if (!intervalMs) { for (let i = 0; i < count; i++) toPage('agent::update', snap); return count; }
    let i = 0;
    const t = setInterval(() => { toPage('agent::update', snap); if (++i >= count) clearInterval(t); }, intervalMs);
    return count;
  },
  /** push the current snapshot again now */
  push: () => { toPage('agent::update', buildSnapshot()); reportState(); return true; },
  /** faults: noAck (persisted: survives Streams' iframe refreshes), authFailOnLoad, ignoreApi [methods] */
  setFault: ({ name, value }) => {
    if (!(name in state.faults)) throw new Error(`unknown CCP fault ${name}`);
    state.faults[name] = value;
    save();
    reportState();
    return state.faults;
  },
  authFail: () => { toPage('auth_fail'); return true; },
  accessDenied: () => { toPage('access_denied'); return true; },
  /** enqueue a next state (what putAgentState with enqueueNextState does while a contact is live) */
  enqueueNextState: ({ name }) => {
    const s = AGENT_STATES.find((x) => x.name === name) || { agentStateARN: null, type: 'not_routable', name };
    state.nextState = { ...s, startTimestamp: now() };
    scheduleSnapshot();
    return true;
  },
  /** clear the enqueued next state (Streams fires agent::cleared_next_state, streams#1063); `availability` sets
   *  agentAvailabilityState.state in the same snapshot while the CTI state (snapshot.state) stays as it is */
  clearNextState: ({ availability = null } = {}) => {
    state.nextState = null;
    state.availability = availability;
    scheduleSnapshot();
    return true;
  },
  /** the Connect session ended (logout elsewhere, expiry): the worker posts `terminated` */
  terminated: () => { toPage('terminated'); return true; },
  /** make the next (once) or every api_request of `method` fail */
  apiError: ({ method, type, message, once = true }) => {
    if (type === null) delete state.apiErrors[method]; else state.apiErrors[method] = { type, message, once };
    save();
    return true;
  },
  setMaster: ({ isMaster }) => { state.master.isMaster = !!isMaster; save(); return true; },
  reset: () => { const rev = state.shareRev || 0; state = freshState(); state.shareRev = rev; scheduleSnapshot(); return true; },
  state: () => ({ agent: state.agent.name, contacts: state.contacts.map(summary) }),
  /** raw event to the page, e.g. {event:'agent::update', data:…} with hostile content */
  raw: ({ event, data }) => { toPage(event, data); return true; },
};

function onHostMessage(e) {
  const m = e.data;
  if (!m || m.wb !== 'host' || m.type !== 'command') return;
  let reply;
  try {
    const fn = commands[m.cmd];
    if (!fn) throw new Error(`unknown CCP command ${m.cmd}`);
    reply = { type: 'reply', id: m.id, ok: true, value: fn(m.args || {}) };
  } catch (err) {
    reply = { type: 'reply', id: m.id, ok: false, error: String(err && err.message || err) };
  }
  try { toHost(reply); } catch (err) { toHost({ type: 'reply', id: m.id, ok: false, error: `unclonable result: ${err.message}` }); }
}

// ---------------------------------------------------------------------------------------------------------
// Tiny UI (textContent only: contact data is hostile input)

function render() {
  const st = document.getElementById('agent-state');
  if (!st) return;
  st.textContent = state.agent.name;
  st.className = `ccp-state ${state.agent.type}`;
  const ul = document.getElementById('contacts');
  ul.replaceChildren(...state.contacts.map((c) => {
    const s = summary(c);
    const li = document.createElement('li');
    const type = document.createElement('span'); type.className = 'type'; type.textContent = s.type.replace('_', ' ');
    const stt = document.createElement('span'); stt.className = 'st'; stt.textContent = s.state;
    const who = document.createElement('span'); who.className = 'who';
    who.textContent = [s.initiationMethod === 'outbound' ? '→' : '←', s.phoneNumber || s.customerName || c.name || '', '·', s.queue || ''].join(' ');
    li.append(type, stt, who);
    return li;
  }));
  const status = document.getElementById('status');
  status.textContent = state.faults.noAck ? 'fault: not acknowledging' : state.holdSnapshots ? 'snapshots held back' : `connected · ${ackCount ? 'acknowledged' : ''}`;
}

// ---------------------------------------------------------------------------------------------------------
// Start

function start() {
  render();
  toHost({ type: 'hello', href: location.href });
  if (peers) peers.postMessage({ type: 'hello', from: FRAME_ID }); // other tabs of this run answer with their state
  if (!isEmbedded) {
    document.getElementById('status').textContent = 'This is the workbench\'s fake CCP; it only works inside a Streams page.';
    return;
  }
  if (state.faults.authFailOnLoad) { toPage('auth_fail'); return; }
  if (state.faults.noAck) { render(); return; }
  ackCount++;
  toPage('acknowledge', { id: `fake-ccp-port-${uuid().slice(0, 8)}` });
  setTimeout(() => { toPage('agent::update', buildSnapshot()); reportState(); }, SNAPSHOT_DELAY_MS);
  render();
}

window.addEventListener('error', (e) => toHost({ type: 'error', message: String(e.message), where: 'fake-ccp' }));
start();
