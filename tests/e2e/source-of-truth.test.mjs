// Why this file exists: spec §3.12, §3.14, §3.15 — Dynamics, not the page's storage, is the source of truth for
// which contact has which session. Driven as Dynamics and Connect would: CIF's own time limit rejecting with a
// Map while Dynamics goes on, reloads with createSession in flight, a provider frame whose web storage throws or
// is emptied between two loads, one slow createSession beside another chat, an unknown default template, and the
// Search tab contract. What must hold: exactly one session per contact with each of its tabs once, and nobody
// waiting on someone else.

import test from 'node:test';
import assert from 'node:assert/strict';
import {
  openBridge, cifCalls, waitCifCalls, input, sleep, sessionsFor, waitNotice, reloadProvider as reload, blockProviderStorage,
  assertOneSessionWithTabs,
} from './helpers.mjs';

const LIMIT_MS = 1500; // the CIF double's time limit in these tests (CIF's own is 10 s)

const notified = (wb, id) => wb.waitFor((cid) => window.workbench.notifications.some((n) => n.contactId === cid || (n.params && n.params.contactId === cid)), id, 15000);
const openSession = (wb, id, timeout = 15000) => wb.waitFor((cid) => window.workbench.openSessions.some((s) => s.params.contactId === cid), id, timeout);
const createSessionsFor = async (wb, id) => (await cifCalls(wb, 'createSession')).filter((c) => input(c).templateParameters.contactId === id);

async function accept(wb, id) {
  await notified(wb, id);
  await wb.eval((cid) => window.workbench.acceptNotification(cid), id);
}

test('CIF time limit as a Map while Dynamics creates the session anyway → one session, and its tab opens', async (t) => {
  const wb = await openBridge(t, { query: { wbCifTimeoutMs: String(LIMIT_MS) } });
  await wb.eval((d) => window.workbench.setFault('createSession', 'late', { delayMs: d }), LIMIT_MS + 2000);
  const id = await wb.eval(() => window.workbench.placeContact('voice-single'));
  await accept(wb, id);
  await waitCifCalls(wb, 'getSession', 1, 10000);
  await openSession(wb, id);
  await sleep(LIMIT_MS + 3000); // the late answer arrives after CIF gave up: dropped by the library
  assert.equal((await createSessionsFor(wb, id)).length, 1, 'never a second createSession');
  await assertOneSessionWithTabs(wb, id, ['phonecall']);
  await wb.assertNoPageErrors();
});

test('reload with createSession in flight → the session Dynamics made is adopted and its tabs open', async (t) => {
  const wb = await openBridge(t);
  await wb.eval(() => window.workbench.setFault('createSession', 'slow', { delayMs: 2500 }));
  const id = await wb.eval(() => window.workbench.placeContact('voice-single'));
  await accept(wb, id);
  await waitCifCalls(wb, 'createSession', 1);
  await reload(wb);
  await waitCifCalls(wb, 'getSession', 1, 10000);
  await wb.waitFor((cid) => window.workbench.openSessions.some((s) => s.params.contactId === cid && s.tabs.some((x) => x.params.entityName === 'phonecall')), id, 15000);
  await sleep(1500);
  assert.equal((await createSessionsFor(wb, id)).length, 1);
  await assertOneSessionWithTabs(wb, id, ['phonecall']);
  await wb.assertNoPageErrors();
});

test('web storage throwing in the provider frame, reloads at each step → one session, each tab once', async (t) => {
  const wb = await openBridge(t);
  await blockProviderStorage(wb);
  await reload(wb); // from now on this frame cannot use sessionStorage at all
  const id = await wb.eval(() => window.workbench.placeContact('voice-multi'));
  await accept(wb, id);
  await openSession(wb, id);
  await wb.waitFor((cid) => window.workbench.openSessions.some((s) => s.params.contactId === cid && s.tabs.some((x) => x.kind === 'search')), id);
  await sleep(1000);
  for (let i = 0; i < 2; i++) {
    await reload(wb);
    await sleep(2500);
  }
  assert.equal((await createSessionsFor(wb, id)).length, 1, 'the reloaded pages asked Dynamics and created nothing');
  assert.ok((await cifCalls(wb, 'updateContext')).length >= 1, 'the tabs were recorded in the session context');
  const session = await assertOneSessionWithTabs(wb, id, ['phonecall']);
  assert.ok(session.tabs.some((x) => x.kind === 'search'), 'the search tab is there, once');
  await wb.assertNoPageErrors();
});

test('web storage that worked, then found empty and then blocked by reloads → no tab opens twice', async (t) => {
  const wb = await openBridge(t);
  const id = await wb.eval(() => window.workbench.placeContact('voice-multi'));
  await accept(wb, id);
  await wb.waitFor((cid) => window.workbench.openSessions.some((s) => s.params.contactId === cid && s.tabs.some((x) => x.kind === 'search')), id);
  await waitCifCalls(wb, 'updateContext', 1); // the page with working storage records its tabs in Dynamics too
  await sleep(500);
  const tabsBefore = (await cifCalls(wb, 'createTab')).length;
  // Cleared between two loads (a sign-out script, the user, a browser that drops it), with no failed write before.
  await wb.context.addInitScript((origin) => {
    if (location.origin === origin) sessionStorage.clear();
  }, wb.server.providerOrigin);
  await reload(wb);
  await sleep(2500);
  // And blocked from the next load on.
  await blockProviderStorage(wb);
  await reload(wb);
  await sleep(2500);
  assert.equal((await createSessionsFor(wb, id)).length, 1, 'the reloaded pages asked Dynamics and created nothing');
  assert.equal((await cifCalls(wb, 'createTab')).length, tabsBefore, 'no tab requested again');
  const session = await assertOneSessionWithTabs(wb, id, ['phonecall']);
  assert.ok(session.tabs.some((x) => x.kind === 'search'), 'the search tab is there, once');
  await wb.assertNoPageErrors();
});

test('web storage throwing: a reload while createSession is in flight still ends with one session and its tabs', async (t) => {
  const wb = await openBridge(t);
  await blockProviderStorage(wb);
  await reload(wb);
  await wb.eval(() => window.workbench.setFault('createSession', 'slow', { delayMs: 2500 }));
  const id = await wb.eval(() => window.workbench.placeContact('voice-single'));
  await accept(wb, id);
  await waitCifCalls(wb, 'createSession', 1);
  await reload(wb);
  await wb.waitFor((cid) => window.workbench.openSessions.some((s) => s.params.contactId === cid && s.tabs.some((x) => x.params.entityName === 'phonecall')), id, 15000);
  await sleep(1500);
  assert.equal((await createSessionsFor(wb, id)).length, 1);
  await assertOneSessionWithTabs(wb, id, ['phonecall']);
  await wb.assertNoPageErrors();
});

for (const blocked of [false, true]) {
  test(`Connect's accept lost to a reload after the pop (storage ${blocked ? 'throwing' : 'working'}) → accepted again, no second toast or session`, async (t) => {
    const wb = await openBridge(t);
    if (blocked) {
      await blockProviderStorage(wb);
      await reload(wb);
    }
    // The CCP frame never carries the accept out: the reload takes it away before Connect heard it.
    await wb.eval(() => window.workbench.setCcpFault('ignoreApi', ['acceptContact']));
    const id = await wb.eval(() => window.workbench.placeContact('voice-single'));
    await accept(wb, id);
    await wb.waitFor((cid) => window.workbench.openSessions.some((s) => s.params.contactId === cid && s.tabs.some((x) => x.params.entityName === 'phonecall')), id, 15000);
    await wb.eval(() => window.workbench.setCcpFault('ignoreApi', []));
    const load = await wb.eval(() => window.workbench.providerLoads);
    await reload(wb);
    await wb.waitFor((cid) => (window.workbench.ccp.contacts.find((c) => c.contactId === cid) || {}).state === 'connected', id, 10000);
    await sleep(1000);
    const accepts = await wb.eval((k) => window.workbench.apiRequests.filter((r) => r.method === 'acceptContact' && r.providerLoad > k).length, load);
    assert.equal(accepts, 1, 'the reloaded page accepted it once');
    const notifies = (await cifCalls(wb, 'notifyEvent')).filter((c) => input(c).templateParameters.contactId === id);
    assert.equal(notifies.length, 1, 'no toast for the contact popped before the reload');
    assert.equal((await createSessionsFor(wb, id)).length, 1);
    await assertOneSessionWithTabs(wb, id, ['phonecall']);
    await wb.assertNoPageErrors();
  });
}

test('one slow createSession holds no one: a chat accepted meanwhile starts its pop within 2.5 s', async (t) => {
  const wb = await openBridge(t);
  await wb.eval(() => window.workbench.setFault('createSession', 'slow', { delayMs: 8000 }));
  const activityOf = { a: 'aaaaaaaa-1111-4111-8111-000000000001', b: 'bbbbbbbb-2222-4222-8222-000000000002' };
  const place = (activity) => wb.eval((act) => window.workbench.placeContact('chat',
    { attributes: { ms_activity_id: act, ms_entityrecord_record_id: act } }), activity);
  const a = await place(activityOf.a);
  const b = await place(activityOf.b);
  await accept(wb, a);
  await waitCifCalls(wb, 'createSession', 1);
  await sleep(300);
  const acceptedB = Date.now();
  await accept(wb, b);
  await wb.waitFor((cid) => window.workbench.cifCalls.some((c) => c.method === 'createSession' && c.args[0].templateParameters.contactId === cid), b, 10000);
  const bCreate = (await createSessionsFor(wb, b))[0];
  const waited = bCreate.at - acceptedB;
  t.diagnostic(`b's createSession ${waited} ms after its accept`);
  assert.ok(waited < 2500, `b waited ${waited} ms for a's slow createSession`);
  await openSession(wb, a, 15000);
  await openSession(wb, b, 15000);
  // a's answer comes 8 s after its call, when b's session is focused: a's tab waits for a's session to be.
  await wb.waitFor(() => window.workbench.cifCalls.filter((c) => c.method === 'createSession').every((c) => c.status !== 'pending'), null, 15000);
  await sleep(500);
  // Tabs open only in the focused session: the agent looks at each in turn, as an agent would.
  for (const id of [a, b]) {
    const s = (await sessionsFor(wb, id))[0];
    await wb.eval((sid) => window.workbench.switchSession(sid), s.id);
    await sleep(800);
  }
  for (const [id, own, other] of [[a, activityOf.a, activityOf.b], [b, activityOf.b, activityOf.a]]) {
    assert.equal((await createSessionsFor(wb, id)).length, 1);
    const s = (await sessionsFor(wb, id))[0];
    const ids = s.tabs.filter((x) => !x.anchor).map((x) => x.params.entityId);
    assert.ok(ids.includes(own), `its activity tab is in its session: ${ids}`);
    assert.ok(!ids.includes(other), `no tab of the other contact in its session: ${ids}`);
  }
  await wb.assertNoPageErrors();
});

test('the channel default template unknown in Dynamics → the agent is told at once, no retries, the pop runs on answer', async (t) => {
  const wb = await openBridge(t);
  await wb.eval(() => window.workbench.setFault('notifyEvent', 'reject-notfound', { scope: 'all' }));
  const started = Date.now();
  const id = await wb.eval(() => window.workbench.placeContact('voice-single', { attributes: { ms_notify_template: '' } }));
  const notice = await waitNotice(wb, new RegExp(`${id}.*notification`), 5000);
  const told = Date.now() - started;
  t.diagnostic(`told after ${told} ms: ${notice}`);
  assert.ok(told < 3000, `told within 3 s (${told} ms)`);
  await sleep(2500);
  const notifies = (await cifCalls(wb, 'notifyEvent')).filter((c) => input(c).templateParameters.contactId === id);
  assert.equal(notifies.length, 1, 'the same unknown template is never retried');
  await wb.eval(() => window.workbench.clearFaults());
  await wb.eval((cid) => window.workbench.contactAction(cid, 'connect'), id);
  await openSession(wb, id);
  await wb.assertNoPageErrors();
});

test('the Search tab gets searchText and no entity as searchType; Dynamics shows a valid search', async (t) => {
  const wb = await openBridge(t);
  const id = await wb.eval(() => window.workbench.placeContact('voice-nomatch'));
  await accept(wb, id);
  await wb.waitFor((cid) => window.workbench.openSessions.some((s) => s.params.contactId === cid && s.tabs.some((x) => x.pageType === 'entitysearch')), id);
  const tab = (await cifCalls(wb, 'createTab')).map(input).find((i) => i.templateName === 'extn_search');
  assert.ok(tab, 'a search tab was requested');
  assert.ok(tab.templateParameters.searchText, 'searchText is passed');
  assert.ok(!('searchType' in tab.templateParameters), `searchType is left to the template: ${JSON.stringify(tab.templateParameters)}`);
  const session = (await sessionsFor(wb, id))[0];
  const search = session.tabs.find((x) => x.pageType === 'entitysearch');
  assert.equal(search.kind, 'search', `a valid Search page: ${search.error || ''}`);
  assert.equal(search.params.searchType, '0', 'relevance, from the template');
  await wb.assertNoPageErrors();
});
