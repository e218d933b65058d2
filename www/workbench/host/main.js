// Why this file exists: the workbench host page — it plays Dynamics 365 Customer Service workspace around the
// real channel provider page. It loads the provider page (from the *other* loopback name, so it is cross-site as
// in production) with ucilib → the CIF library double and ccpUrl → the fake CCP, answers the double's relayed
// CIF calls through the Dynamics model (dynamics.js), drives the fake CCP (ccp-link.js), renders sessions, tabs,
// toasts, controls and a live log, and exposes window.workbench for people's consoles and the Playwright tests.

import { h, fill, brief, $ } from './dom.js';
import { Dynamics, PRESENCES, FAULT_MODES } from './dynamics.js';
import { CcpLink } from './ccp-link.js';
import { PRESETS, presetSpec } from './presets.js';
import { throttled } from '../throttle.js';

// At most every 100 ms (../throttle.js says why); `render` is hoisted, so calls made while this module loads work.
const scheduleRender = throttled(() => render(), 100);

const RESERVED = new Set(['wbCsp', 'wbCifTimeoutMs', 'wbErrorFormat', 'wbNotifyTimeout', 'wbFocusSpelling', 'wbCustomParams', 'wbEchoPresence', 'wbRun', 'wbProviderFault']);
/**
 * Browser conditions the provider page can be loaded under so their status-line texts can be seen by
 * hand: `storage` and `popup` are served under /provider-fault/<fault>/ (the server injects a small script into
 * the page's HTML, never into dist/); `frame-ancestors` makes the fake CCP refuse to be framed by the provider page
 * (`Content-Security-Policy: frame-ancestors 'self'` on ccpUrl, as an instance whose approved origins lack the page).
 */
const PROVIDER_FAULTS = {
  '': 'none',
  storage: 'third-party storage blocked (localStorage/sessionStorage throw SecurityError)',
  popup: 'pop-ups blocked (window.open gives no window; then Send auth_fail)',
  'frame-ancestors': 'CCP frame refused by frame-ancestors (not an approved origin)',
};
const query = new URLSearchParams(location.search);
const HOST_ORIGIN = location.origin;
const otherHost = location.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
const PROVIDER_ORIGIN = `${location.protocol}//${otherHost}${location.port ? ':' + location.port : ''}`;
const RUN = query.get('wbRun') || crypto.randomUUID().slice(0, 8);

const store = {
  cifCalls: [],
  ccpRequests: [],
  events: [],
  pageErrors: [],
  log: [],
  handlerCounts: {},
  providerLoads: 0,
  cifHellos: 0,
};
let cifTimeoutMs = Number(query.get('wbCifTimeoutMs')) || 10000;
let errorFormat = query.get('wbErrorFormat') === 'string' ? 'string' : 'object';

// ---------------------------------------------------------------------------------------------------------
// Templates and the Dynamics model

const templates = await (await fetch('/templates.json')).json();

const dyn = new Dynamics(templates, {
  timeoutMs: () => cifTimeoutMs,
  origin: HOST_ORIGIN,
  raise: (eventName, payload, opts) => raise(eventName, payload, opts),
  changed: () => scheduleRender(),
  log: (kind, text) => log(kind, text),
});
dyn.customParams = query.get('wbCustomParams') ?? localStorage.getItem('wb-custom-params') ?? '';
if (query.get('wbNotifyTimeout')) dyn.notificationTimeoutOverride = Number(query.get('wbNotifyTimeout'));
if (query.get('wbFocusSpelling')) dyn.focusSpelling = query.get('wbFocusSpelling');
if (query.get('wbEchoPresence') === '1') dyn.echoPresence = true;

// ---------------------------------------------------------------------------------------------------------
// The provider page

const askedFault = query.get('wbProviderFault') || '';
let providerFault = Object.hasOwn(PROVIDER_FAULTS, askedFault) ? askedFault : '';
if (askedFault !== providerFault) console.warn(`workbench: unknown wbProviderFault ${JSON.stringify(askedFault)} ignored; known: ${Object.keys(PROVIDER_FAULTS).filter(Boolean).join(', ')}`);

function checkProviderFault(name) {
  if (!Object.hasOwn(PROVIDER_FAULTS, name)) throw new Error(`unknown provider fault ${JSON.stringify(name)}; known: ${Object.keys(PROVIDER_FAULTS).filter(Boolean).join(', ')}`);
  return name;
}

function providerUrl() {
  const base = providerFault === 'storage' || providerFault === 'popup' ? `/provider-fault/${providerFault}/`
    : query.get('wbCsp') === 'strict' ? '/provider-csp/' : '/provider/';
  const p = new URLSearchParams();
  p.set('ucilib', `${HOST_ORIGIN}/webresources/Widget/msdyn_ciLibrary.js`);
  p.set('ccpUrl', `${HOST_ORIGIN}/ccp-v2/?wbrun=${RUN}${providerFault === 'frame-ancestors' ? '&wbFrameAncestors=self' : ''}`);
  for (const [k, v] of query) if (!RESERVED.has(k)) p.set(k, v); // pass-through (config keys, ucilib/ccpUrl overrides)
  return `${PROVIDER_ORIGIN}${base}?${p}`;
}
const frame = $('#provider');

function loadProvider() {
  store.providerLoads += 1;
  store.handlerCounts = {};
  const url = providerUrl();
  log(providerFault ? 'warn' : 'info', `loading channel provider page (#${store.providerLoads})${providerFault ? ` with fault "${providerFault}"` : ''} ${url}`);
  frame.src = url;
  scheduleRender();
}

// ---------------------------------------------------------------------------------------------------------
// The CIF library double ↔ Dynamics

function toLib(msg) {
  if (frame.contentWindow) frame.contentWindow.postMessage(msg, PROVIDER_ORIGIN);
}

let eventSeq = 0;
function raise(eventName, payload, opts = {}) {
  const rec = { id: ++eventSeq, eventName, payload: structuredCloneSafe(payload), raw: !!opts.raw, at: Date.now(),
    handlers: store.handlerCounts[eventName] || 0, results: [] };
  store.events.push(rec);
  log('event', `${eventName} → ${rec.handlers} handler(s) ${brief(payload, 200)}`);
  toLib({ cif: 'event', eventName, payload, raw: !!opts.raw, eventId: rec.id });
  scheduleRender();
  return rec.id;
}

let callSeq = 0;
async function onCifCall(m) {
  const rec = { seq: ++callSeq, id: m.id, method: String(m.method), args: structuredCloneSafe(m.args), at: Date.now(),
    status: 'pending', result: undefined, error: undefined, fault: null, providerLoad: store.providerLoads };
  store.cifCalls.push(rec);
  if (m.handlers) store.handlerCounts = m.handlers;
  log('cif', `→ ${rec.method}(${(rec.args || []).map((a) => brief(a, 160)).join(', ')})`);
  scheduleRender();
  let answer;
  try {
    answer = await dyn.handle(rec.method, Array.isArray(m.args) ? m.args : []);
  } catch (e) {
    answer = { ok: false, error: { message: 'RejectAfterClientError', msdyn_name: rec.method }, note: String(e) };
  }
  rec.fault = answer.fault || null;
  if (answer.hang) {
    rec.status = rec.status === 'timeout' ? 'timeout' : 'hang';
    log('warn', `✕ ${rec.method} #${rec.seq}: no answer (fault: hang)`);
    scheduleRender();
    return;
  }
  const reply = () => {
    if (answer.ok) {
      rec.result = answer.value;
      if (rec.status !== 'timeout') rec.status = 'ok';
    } else {
      rec.error = answer.error;
      if (rec.status !== 'timeout') rec.status = 'error';
    }
    rec.settledAt = Date.now();
    if (answer.delayMs) rec.answeredLate = rec.status === 'timeout';
    toLib({ cif: 'reply', id: m.id, ok: !!answer.ok, value: answer.value, error: answer.error, raw: !!answer.raw });
    log(answer.ok ? 'cif' : 'warn', `← ${rec.method} #${rec.seq} ${answer.ok ? brief(answer.value, 200) : 'rejected ' + brief(answer.error, 200)}${answer.fault ? ` (fault: ${answer.fault})` : ''}`);
    scheduleRender();
  };
  if (answer.delayMs) setTimeout(reply, answer.delayMs); else reply();
}

function onLibMessage(m) {
  switch (m.cif) {
    case 'hello':
      store.cifHellos += 1;
      store.handlerCounts = {};
      log('info', `CIF library loaded in the provider page (${brief(m.scriptSrc, 120)})`);
      toLib({ cif: 'hello-ack', config: { timeoutMs: cifTimeoutMs, errorFormat } });
      break;
    case 'call':
      onCifCall(m);
      break;
    case 'timeout': {
      const rec = store.cifCalls.find((c) => c.id === m.id && c.providerLoad === store.providerLoads);
      if (rec) { rec.status = 'timeout'; rec.timedOutAt = Date.now(); }
      log('warn', `⏱ ${m.method}: the library gave up after ${cifTimeoutMs} ms`);
      break;
    }
    case 'handlers':
      store.handlerCounts = m.counts || {};
      break;
    case 'handler-result': {
      const rec = store.events.find((x) => x.id === m.eventId);
      if (rec) rec.results.push({ ok: m.ok, error: m.error || null });
      if (!m.ok) log('error', `handler for ${m.eventName} failed: ${m.error}`);
      break;
    }
    case 'page-error':
      store.pageErrors.push({ frame: 'provider', kind: m.kind, message: m.message, stack: m.stack, at: Date.now() });
      log('error', `provider page ${m.kind}: ${m.message}`);
      break;
    default:
      break;
  }
  scheduleRender();
}

// ---------------------------------------------------------------------------------------------------------
// The fake CCP

const ccp = new CcpLink({
  run: RUN,
  origin: HOST_ORIGIN,
  onHello: () => log('info', 'fake CCP loaded'),
  onRequest: (r) => {
    store.ccpRequests.push({ event: r.event, method: r.method, requestId: r.requestId, params: r.params, at: r.time, providerLoad: store.providerLoads });
    if (r.event === 'api_request' || r.event === 'master_request' || r.event === 'broadcast') {
      log('ccp', `${r.event} ${r.method || ''} ${r.params ? brief(r.params, 160) : ''}`);
    }
    scheduleRender();
  },
  onState: () => scheduleRender(),
  onError: (e) => { store.pageErrors.push({ frame: 'ccp', kind: 'error', message: e.message, at: Date.now() }); log('error', `fake CCP: ${e.message}`); },
});

window.addEventListener('message', (e) => {
  if (e.source === frame.contentWindow && e.origin === PROVIDER_ORIGIN && e.data && typeof e.data.cif === 'string') {
    onLibMessage(e.data);
    return;
  }
  ccp.accept(e);
});

// ---------------------------------------------------------------------------------------------------------
// Log

const LOG_MAX = 2000;
// Entries wait for the next (throttled) redraw to reach the panel: a DOM change per CIF call or Streams message
// kept the host's thread, which also answers the provider, busy in a burst.
let logPending = [];
function log(kind, text) {
  const entry = { at: Date.now(), kind, text: String(text) };
  store.log.push(entry);
  if (store.log.length > LOG_MAX) store.log.splice(0, store.log.length - LOG_MAX);
  logPending.push(entry);
  scheduleRender();
}
function flushLog() {
  const entries = logPending.slice(-400);
  logPending = [];
  for (const e of entries) appendLog(e);
}

let logFilter = 'all';
function appendLog(entry) {
  const ol = $('#log');
  if (!ol || (logFilter !== 'all' && !logKinds(logFilter).includes(entry.kind))) return;
  const t = new Date(entry.at);
  const stamp = `${String(t.getHours()).padStart(2, '0')}:${String(t.getMinutes()).padStart(2, '0')}:${String(t.getSeconds()).padStart(2, '0')}.${String(t.getMilliseconds()).padStart(3, '0')}`;
  ol.prepend(h(`li.log-${entry.kind}`, h('span.log-time', stamp), h('span.log-kind', entry.kind), h('span.log-text', entry.text)));
  while (ol.childElementCount > 400) ol.lastElementChild.remove();
}
const logKinds = (f) => ({ cif: ['cif'], ccp: ['ccp'], events: ['event'], problems: ['warn', 'error'] }[f] || []);
function redrawLog() {
  logPending = [];
  fill($('#log'));
  for (const e of store.log.slice(-400)) appendLog(e);
}

// ---------------------------------------------------------------------------------------------------------
// Rendering

const ICON = { voice: '☎', chat: '💬', task: '✔', email: '✉', queue_callback: '↺', home: '⌂' };

function render() {
  flushLog();
  renderStatus();
  renderSessionBar();
  renderTabs();
  renderToasts();
  renderContacts();
  renderFaults();
}

function renderStatus() {
  const handlers = Object.entries(store.handlerCounts).filter(([, n]) => n > 0);
  const cifOk = store.cifHellos > 0;
  fill($('#cif-status'), h(`span.chip.${cifOk ? 'ok' : 'off'}`, cifOk ? `CIF connected · ${handlers.reduce((a, [, n]) => a + n, 0)} handler(s)` : 'CIF not loaded'));
  const agent = ccp.state.agentState;
  fill($('#ccp-status'), h(`span.chip.${agent ? 'ok' : 'off'}`, agent ? `CCP · ${agent.name}` : 'CCP not connected'));
  const errs = store.pageErrors.length;
  fill($('#err-status'), errs ? h('span.chip.bad', `${errs} page error(s)`) : null);
  const sel = $('#presence');
  if (sel && sel.value !== dyn.presence.presenceText) sel.value = dyn.presence.presenceText;
  const c2a = $('#c2a-state');
  if (c2a) c2a.textContent = dyn.clickToAct ? 'click-to-act on' : 'click-to-act off (provider has not enabled it)';
}

function renderSessionBar() {
  const bar = $('#sessionbar');
  const items = [dyn.home, ...dyn.openSessions].map((s) => {
    const focused = dyn.focusedSessionId === s.id;
    return h(`div.session${focused ? '.focused' : ''}${s.attention ? '.attention' : ''}`, { dataset: { sessionId: s.id }, role: 'tab', 'aria-selected': String(focused) },
      h('button.session-title', { type: 'button', title: s.id, on: { click: () => { s.attention = false; dyn.switchSession(s.id); } } },
        h('span.session-icon', s.home ? ICON.home : ICON[s.icon] || '•'), h('span', s.title)),
      s.home ? null : h('button.session-close', { type: 'button', title: 'Close session', 'aria-label': `Close ${s.title}`, on: { click: () => dyn.closeSession(s.id) } }, '×'));
  });
  items.push(h('span.session-count', `${dyn.openSessions.length}/10 sessions`));
  fill(bar, items);
}

function renderTabs() {
  const s = dyn.focusedSession;
  fill($('#tabbar'), s.tabs.map((t) => h(`button.apptab${s.focusedTabId === t.id ? '.focused' : ''}${t.kind === 'invalid' ? '.invalid' : ''}`,
    { type: 'button', dataset: { tabId: t.id }, on: { click: () => { s.focusedTabId = t.id; scheduleRender(); } } },
    t.anchor ? h('span.anchor', '⚓') : null, t.title)));
  const t = s.tabs.find((x) => x.id === s.focusedTabId) || s.tabs[0];
  const body = $('#tabcontent');
  if (!t) return fill(body, h('p.muted', 'No tabs.'));
  fill(body, tabPage(s, t));
}

function tabPage(s, t) {
  const rows = (obj) => h('dl.kv', Object.entries(obj).flatMap(([k, v]) => [h('dt', k), h('dd', v === '' || v === null || v === undefined ? '—' : String(v))]));
  if (t.kind === 'dashboard') {
    return h('div.page',
      h('h2', 'Customer Service workspace (workbench)'),
      h('p', 'This page plays Dynamics 365 around the real channel provider page on the left. Place a contact from the controls on the right; the provider page receives it from the fake CCP through amazon-connect-streams and drives the notification, session and tabs you see here.'),
      h('p.muted', `Provider page: ${providerUrl()}`));
  }
  if (t.kind === 'search') {
    const how = t.params.searchType === '1' ? 'categorized' : t.params.searchType === '0' ? 'relevance' : undefined;
    return h('div.page', h('h2', 'Search results'), rows({ Entity: t.params.entityName, 'Search type': how, 'Search text': t.params.searchText }),
      h('p.muted', 'The workbench has no Dataverse records; a real org would list the matches here.'));
  }
  if (t.kind === 'invalid') return h('div.page', h('h2.error', 'Record not found'), h('p', t.error), rows(t.params));
  if (t.kind === 'create') return h('div.page', h('h2', `New ${t.params.entityName || 'record'}`), h('p.muted', 'No record id was given, so Dynamics opens a create form.'), rows(t.params));
  if (t.kind === 'record') {
    const ctx = s.params || {};
    const details = { Entity: t.params.entityName, 'Record id': t.params.entityId };
    if (t.anchor && ctx.customerName) details.Name = ctx.customerName;
    if (t.anchor && ctx.phoneNumber) details.Phone = ctx.phoneNumber;
    return h('div.page', h('h2', `${t.params.entityName}`), rows(details),
      h('h3', 'Session context (template parameters)'), rows(Object.fromEntries(Object.entries(ctx).filter(([, v]) => typeof v !== 'object'))));
  }
  return h('div.page', h('h2', t.title), rows(t.params));
}

function renderToasts() {
  const box = $('#toasts');
  fill(box, dyn.notifications.map((n) => h(`section.toast.toast-${n.icon}`, { dataset: { notificationId: n.id, token: String(n.cancellationToken ?? '') }, role: 'alertdialog', 'aria-label': n.title },
    h('header.toast-head', h('span.toast-icon', ICON[n.icon] || '•'), h('span.toast-title', n.title), h('span.toast-countdown', { dataset: { deadline: String(n.deadline) } }, countdown(n.deadline))),
    n.fields.length ? h('dl.toast-fields', n.fields.flatMap((f) => [h('dt', f.header), h('dd', f.value || '—')])) : null,
    h('div.toast-actions',
      h('button.btn.primary.accept', { type: 'button', on: { click: () => dyn.acceptNotification(n.id) } }, n.acceptText),
      n.rejectText ? h('button.btn.reject', { type: 'button', on: { click: () => dyn.rejectNotification(n.id) } }, n.rejectText) : null))));
}
function countdown(deadline) {
  const s = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
setInterval(() => { for (const el of document.querySelectorAll('.toast-countdown')) el.textContent = countdown(Number(el.dataset.deadline)); }, 250);

function renderContacts() {
  const ul = $('#ccp-contacts');
  const contacts = ccp.state.contacts || [];
  if (!contacts.length) return fill(ul, h('li.muted', 'No contacts in the CCP.'));
  fill(ul, contacts.map((c) => h('li.contact', { dataset: { contactId: c.contactId } },
    h('div.contact-head', h('span.contact-type', `${ICON[c.type] || ''} ${c.type}${c.initiationMethod === 'outbound' ? ' (outbound)' : ''}`), h(`span.contact-state.st-${c.state}`, c.state)),
    h('div.contact-who', c.phoneNumber || c.customerName || '', ' · ', c.queue || ''),
    h('div.contact-id', c.contactId),
    h('div.contact-actions', ['answer', 'end', 'miss', 'abandon', 'clear', 'remove'].map((a) =>
      h('button.btn.small', { type: 'button', title: ACTION_HELP[a], on: { click: () => contactAction(c.contactId, a).catch((e) => log('error', e.message)) } }, a))))));
}
const ACTION_HELP = {
  answer: 'The agent answers in the CCP (contact::accepted broadcast, then connected)',
  end: 'The customer hangs up: contact ended (after-contact work)',
  miss: 'The offer times out: contact missed',
  abandon: 'The caller hangs up while ringing: the contact disappears',
  clear: 'After-contact work done: contact cleared',
  remove: 'The contact vanishes from the snapshot without any state change',
};

function renderFaults() {
  const ul = $('#fault-list');
  const f = Object.entries(dyn.faults);
  fill(ul, f.length ? f.map(([m, v]) => h('li', `${m}: ${v.mode} (${v.remaining === Infinity ? 'every call' : `next ${v.remaining}`})`,
    h('button.btn.small', { type: 'button', on: { click: () => { dyn.setFault(m, null); scheduleRender(); } } }, 'clear'))) : h('li.muted', 'No CIF faults armed.'));
  const noAck = $('#ccp-noack');
  if (noAck && ccp.state.faults) noAck.checked = !!ccp.state.faults.noAck;
  const hold = $('#ccp-hold');
  if (hold) hold.checked = !!ccp.state.holdSnapshots;
}

// ---------------------------------------------------------------------------------------------------------
// Controls (built once)

function section(title, open, ...body) {
  return h('details.ctl', { open: open || undefined }, h('summary', title), h('div.ctl-body', body));
}

function buildControls() {
  const presetSel = h('select#preset', Object.entries(PRESETS).map(([k, p]) => h('option', { value: k }, p.label)));
  const attrs = h('textarea#attrs.mono', { rows: 12, spellcheck: 'false', 'aria-label': 'Contact attributes (JSON)' });
  const phone = h('input#phone', { type: 'text', placeholder: 'phone number', 'aria-label': 'Phone number' });
  const cust = h('input#custname', { type: 'text', placeholder: 'chat customer name', 'aria-label': 'Chat customer name' });
  const showPreset = () => {
    const p = PRESETS[presetSel.value];
    attrs.value = JSON.stringify(p.attributes, null, 2);
    phone.value = p.phoneNumber || '';
    cust.value = p.customerName || '';
    phone.disabled = !p.phoneNumber;
    cust.disabled = p.type !== 'chat';
  };
  presetSel.addEventListener('change', showPreset);
  const attrErr = h('p.form-error');
  const place = async () => {
    attrErr.textContent = '';
    let a;
    try { a = JSON.parse(attrs.value || '{}'); } catch (e) { attrErr.textContent = `Attributes are not valid JSON: ${e.message}`; return; }
    const o = { replaceAttributes: a };
    if (phone.value && !phone.disabled) o.phoneNumber = phone.value;
    if (cust.value && !cust.disabled) o.customerName = cust.value;
    try { await placeContact(presetSel.value, o); } catch (e) { attrErr.textContent = e.message; }
  };

  const faultSel = h('select#provider-fault', { 'aria-label': 'Provider fault' },
    Object.entries(PROVIDER_FAULTS).map(([k, v]) => h('option', { value: k, selected: k === providerFault }, v)));
  const agentSel = h('select#agent-state', ['Available', 'Break', 'Lunch', 'Training', 'Offline'].map((n) => h('option', n)));
  const c2a = h('input#c2d', { type: 'tel', value: '+14255550142', 'aria-label': 'Number to dial' });
  const customParams = h('textarea#custom-params.mono', { rows: 5, spellcheck: 'false', 'aria-label': 'Custom Parameters' });
  customParams.value = dyn.customParams;
  const cpMsg = h('p.muted');
  const tplSel = h('select#template-select', { 'aria-label': 'Template to delete' },
    Object.values(dyn.templateNames()).flat().map((n) => h('option', { value: n }, n)));
  const tplMsg = h('p.muted');

  const methods = ['notifyEvent', 'cancelEvent', 'canCreateSession', 'createSession', 'createTab', 'getAllSessions', 'getSession',
    'updateContext', 'getEnvironment', 'renderSearchPage', 'searchAndOpenRecords', 'setClickToAct', 'setPresence', 'getPresence', 'updateRecord', 'getFocusedSession'];
  const fMethod = h('select#fault-method', methods.map((m) => h('option', m)));
  const fMode = h('select#fault-mode', Object.entries(FAULT_MODES).map(([k, v]) => h('option', { value: k, title: v }, k)));
  const fScope = h('select#fault-scope', h('option', { value: 'next' }, 'next call'), h('option', { value: 'all' }, 'every call'));

  fill($('#controls'),
    section('Place a contact', true,
      h('label', 'Preset', presetSel),
      h('div.row', phone, cust),
      h('label', 'Attributes (slug data)', attrs),
      attrErr,
      h('div.row', h('button.btn.primary#place', { type: 'button', on: { click: place } }, 'Place contact'))),
    section('Contacts in the CCP', true, h('ul#ccp-contacts.contacts')),
    section('Agent & Connect', false,
      h('div.row', h('label', 'CCP agent state', agentSel),
        h('button.btn', { type: 'button', on: { click: () => agentState(agentSel.value) } }, 'Set')),
      h('div.row', h('label.check', h('input#ccp-hold', { type: 'checkbox', on: { change: (e) => holdSnapshots(e.target.checked) } }), 'Hold snapshots back')),
      h('div.row', h('button.btn', { type: 'button', on: { click: () => storm(50, 0) } }, 'Storm: 50 identical snapshots'),
        h('button.btn', { type: 'button', on: { click: () => ccp.command('push') } }, 'Re-push snapshot')),
      h('div.row', h('label.check', h('input#ccp-noack', { type: 'checkbox', on: { change: (e) => setCcpFault('noAck', e.target.checked) } }), 'CCP never acknowledges (persists; reload the provider)')),
      h('div.row', h('button.btn', { type: 'button', on: { click: () => ccp.command('authFail') } }, 'Send auth_fail'),
        h('button.btn', { type: 'button', on: { click: () => ccp.command('accessDenied') } }, 'Send access_denied'),
        h('button.btn', { type: 'button', on: { click: () => ccp.command('terminated') } }, 'Send terminated'),
        h('button.btn', { type: 'button', on: { click: () => reloadProvider() } }, 'Reload provider page')),
      h('div.row', h('label', 'Provider fault', faultSel),
        h('button#provider-fault-load.btn', { type: 'button', on: { click: () => { setProviderFault(faultSel.value); reloadProvider(); } } }, 'Reload provider with it')),
      h('p.muted', 'Blocked storage shows at once; with pop-ups blocked, Send auth_fail (the text changes after 5.5 s); a refused frame shows "not answering" after 15 s and "did not answer" after about a minute.')),
    section('Several Dynamics tabs', false,
      h('div.row', h('button#second-tab.btn', { type: 'button', on: { click: () => openSecondTab() } }, 'Open a second Dynamics tab')),
      h('p.muted', `Opens this page again in a new browser tab with the same run (${RUN}): its fake CCP shares this agent's contacts (Connect's view is per agent), while its Dynamics — toasts, sessions — is its own. Only one tab's provider page pops; the others say so and offer "Handle contacts here".`)),
    section('Dynamics', false,
      h('div.row', c2a, h('button.btn', { type: 'button', on: { click: () => clickToDial(c2a.value) } }, 'Click to dial')),
      h('p.muted#c2a-state', ''),
      h('div.row', h('label', 'onSessionSwitched flag', h('select#focus-spelling', { on: { change: (e) => { dyn.focusSpelling = e.target.value; } } },
        ['focused', 'focussed', 'both'].map((v) => h('option', { value: v, selected: dyn.focusSpelling === v }, v))))),
      h('label', 'Custom Parameters (channel provider record; returned by getEnvironment)', customParams),
      h('div.row', h('button.btn', { type: 'button', on: { click: () => { setCustomParams(customParams.value); cpMsg.textContent = 'Saved. Reload the provider page to apply at start-up.'; } } }, 'Save'),
        h('button.btn', { type: 'button', on: { click: () => reloadProvider() } }, 'Reload provider page')),
      cpMsg,
      h('div.row', tplSel, h('button.btn', { type: 'button', on: { click: () => { deleteTemplate(tplSel.value); tplMsg.textContent = `Deleted ${tplSel.value}. Reload the provider page: its preflight names it.`; } } }, 'Delete template')),
      tplMsg),
    section('Faults (CIF)', false,
      h('div.row', fMethod, fMode, fScope),
      h('div.row', h('button.btn', { type: 'button', on: { click: () => { setFault(fMethod.value, fMode.value, { scope: fScope.value }); } } }, 'Arm'),
        h('button.btn', { type: 'button', on: { click: () => { dyn.faults = {}; scheduleRender(); } } }, 'Clear all')),
      h('ul#fault-list.fault-list')),
  );
  showPreset();

  fill($('#presence-box'), h('label.presence', 'Presence ', h('select#presence', { on: { change: (e) => setPresence(e.target.value) } },
    PRESENCES.map((p) => h('option', { value: p.presenceText }, p.presenceText)))));

  fill($('#log-filters'), ['all', 'cif', 'ccp', 'events', 'problems'].map((f) => h(`button.btn.small${f === logFilter ? '.on' : ''}`, { type: 'button', dataset: { filter: f },
    on: { click: (e) => { logFilter = f; for (const b of document.querySelectorAll('#log-filters button')) b.classList.toggle('on', b.dataset.filter === f); redrawLog(); } } }, f)),
  h('button.btn.small', { type: 'button', on: { click: () => { store.log.length = 0; redrawLog(); } } }, 'clear'));
}

// ---------------------------------------------------------------------------------------------------------
// Actions (shared by the UI and window.workbench)

async function placeContact(preset, overrides) {
  const spec = presetSpec(preset, overrides);
  const id = await ccp.command('addContact', spec);
  log('info', `placed ${preset} contact ${id}`);
  return id;
}
const contactAction = (contactId, action) => ccp.command('action', { contactId, action });
/** `count` contacts of one preset in one fake-CCP command (one snapshot); resolves to their ids */
const placeContacts = (preset, count, overrides) =>
  ccp.command('addContacts', { specs: Array.from({ length: count }, () => presetSpec(preset, overrides)) }, 30000);
const contactActions = (contactIds, action) => ccp.command('actionAll', { contactIds, action }, 30000);
const agentState = (name) => ccp.command('agentState', { name });
const holdSnapshots = (hold) => ccp.command('holdSnapshots', { hold });
const storm = (count = 50, intervalMs = 0) => ccp.command('storm', { count, intervalMs });
const setCcpFault = (name, value) => ccp.command('setFault', { name, value });

/** The host URL of this run: the same page and query, with `wbRun` set, so its fake CCP joins this one's. */
function sameRunUrl() {
  const u = new URL(location.href);
  u.searchParams.set('wbRun', RUN);
  return u.href;
}
/** Opens another Dynamics tab of this run; returns its URL. This tab's address gets `wbRun` too
 *  (history.replaceState), so that reloading either tab keeps the shared run. */
function openSecondTab() {
  const url = sameRunUrl();
  if (location.href !== url) history.replaceState(history.state, '', url);
  window.open(url, '_blank', 'noopener');
  log('info', `opened another Dynamics tab of run ${RUN}: ${url}`);
  return url;
}

function clickToDial(number, opts) { return dyn.clickToDial(number, opts); }
function setPresence(text) { return dyn.pickPresence(text); }
function setFault(method, mode, opts) { dyn.setFault(method, mode, opts); scheduleRender(); log('info', mode ? `fault armed: ${method} → ${mode}` : `fault cleared: ${method}`); }
/** Deletes a template from the Dynamics stand-in (the provider page's preflight then names it). */
function deleteTemplate(name) {
  const done = dyn.deleteTemplate(name);
  const sel = $('#template-select');
  if (sel) fill(sel, Object.values(dyn.templateNames()).flat().map((n) => h('option', { value: n }, n)));
  return done;
}

function setCustomParams(v) {
  dyn.customParams = typeof v === 'string' ? v : JSON.stringify(v);
  localStorage.setItem('wb-custom-params', dyn.customParams);
  const ta = $('#custom-params');
  if (ta) ta.value = dyn.customParams;
}
/** Sets the browser condition the next provider load runs under ('' for none); see PROVIDER_FAULTS. */
function setProviderFault(name) {
  providerFault = checkProviderFault(name || '');
  const sel = $('#provider-fault');
  if (sel && sel.value !== providerFault) sel.value = providerFault;
  log('info', providerFault ? `provider fault set: ${providerFault} (${PROVIDER_FAULTS[providerFault]})` : 'provider fault cleared');
  return providerFault;
}
function reloadProvider() {
  loadProvider();
  return new Promise((resolve) => frame.addEventListener('load', () => resolve(store.providerLoads), { once: true }));
}

function structuredCloneSafe(v) {
  try { return structuredClone(v); } catch { return brief(v, 2000); }
}
const clone = (v) => structuredCloneSafe(v);

// ---------------------------------------------------------------------------------------------------------
// window.workbench — the test API

let readyResolve;
const readyPromise = new Promise((r) => { readyResolve = r; });
(async () => {
  await ccp.ready();
  await new Promise((r) => { const t = setInterval(() => { if (store.cifHellos) { clearInterval(t); r(); } }, 20); });
  readyResolve(true);
})();

window.workbench = Object.freeze({
  version: 1,
  run: RUN,
  get providerUrl() { return providerUrl(); },
  /** this host page's URL with wbRun set: another tab opened on it shares the fake CCP's agent and contacts */
  get sameRunUrl() { return sameRunUrl(); },
  openSecondTab,
  get providerFault() { return providerFault; },
  providerFaults: { ...PROVIDER_FAULTS },
  hostOrigin: HOST_ORIGIN,
  providerOrigin: PROVIDER_ORIGIN,
  presets: Object.keys(PRESETS),
  faultModes: { ...FAULT_MODES },
  /** resolves once the CIF double said hello and the fake CCP pushed a snapshot */
  ready: () => readyPromise,
  /** resolves once the fake CCP pushed a snapshot (Streams initialised) */
  ccpReady: () => ccp.ready(),
  get cifCalls() { return clone(store.cifCalls); },
  get ccpRequests() { return clone(store.ccpRequests); },
  get apiRequests() { return clone(store.ccpRequests.filter((r) => r.event === 'api_request')); },
  get events() { return clone(store.events); },
  get pageErrors() { return clone(store.pageErrors); },
  get handlerCounts() { return { ...store.handlerCounts }; },
  get sessions() { return dyn.view().sessions; },
  get openSessions() { return dyn.view().sessions.filter((s) => !s.closed); },
  get home() { return dyn.view().home; },
  get focusedSessionId() { return dyn.focusedSessionId; },
  get notifications() { return dyn.view().notifications; },
  get notificationLog() { return dyn.view().notificationLog; },
  get ccp() { return clone(ccp.state); },
  get providerLoads() { return store.providerLoads; },
  get cifLoads() { return store.cifHellos; },
  get log() { return clone(store.log); },
  /** calls of one CIF method (settled or not) */
  calls: (method) => clone(store.cifCalls.filter((c) => c.method === method)),
  /** everything at once (for debugging a failed test) */
  state: () => clone({ ...dyn.view(), cifCalls: store.cifCalls, ccpRequests: store.ccpRequests, events: store.events,
    pageErrors: store.pageErrors, handlerCounts: store.handlerCounts, ccp: ccp.state, providerLoads: store.providerLoads }),
  placeContact,
  placeContacts,
  contactAction,
  contactActions,
  agentState,
  holdSnapshots,
  storm,
  setCcpFault,
  ccpCommand: (cmd, args) => ccp.command(cmd, args),
  acceptNotification: (sel) => dyn.acceptNotification(sel),
  rejectNotification: (sel) => dyn.rejectNotification(sel),
  switchSession: (id) => dyn.switchSession(id),
  closeSession: (id) => dyn.closeSession(id),
  clickToDial,
  setPresence,
  setFault,
  clearFaults: () => { dyn.faults = {}; scheduleRender(); },
  raise: (eventName, payload, opts) => raise(eventName, payload, opts),
  reloadProvider,
  setProviderFault,
  setCustomParams,
  deleteTemplate,
  setCifTimeout: (ms) => { cifTimeoutMs = ms; toLib({ cif: 'config', config: { timeoutMs: ms } }); },
  setErrorFormat: (fmt) => { errorFormat = fmt; toLib({ cif: 'config', config: { errorFormat: fmt } }); },
  setFocusSpelling: (s) => { dyn.focusSpelling = s; },
  setNotificationTimeout: (seconds) => { dyn.notificationTimeoutOverride = seconds; },
  setEchoPresence: (on) => { dyn.echoPresence = !!on; },
  setCancelledNotifyOutcome: (o) => { dyn.cancelledNotifyOutcome = o; },
});

// ---------------------------------------------------------------------------------------------------------
// Start

buildControls();
render();
loadProvider();
