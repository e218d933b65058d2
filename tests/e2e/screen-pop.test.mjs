// Why this file exists: end-to-end tests of spec §3 items 1–4 (incoming notification, Accept, Reject/Timeout,
// screen pop for single / multi / no match) through the workbench, asserting on the CIF calls the Dynamics
// stand-in saw and the Streams api_requests the fake CCP saw. Screenshots: single-match pop, multi-match search.

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, cifCalls, apiRequests, waitCifCalls, waitApiRequests, input, placeAndNotify, normGuid, sleep } from './helpers.mjs';

const SINGLE = {
  contact: '5f8e2b1a-3c4d-4e6f-9a0b-1c2d3e4f5a6b',
  account: '7d3c9e1f-2a4b-4c6d-8e0f-1a2b3c4d5e6f',
  activity: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
};

test('§3.1 incoming voice: exactly one notifyEvent with the slug set, nothing else yet', async (t) => {
  const wb = await openBridge(t);
  const id = await placeAndNotify(wb, 'voice-single');
  await sleep(1000);
  const calls = await cifCalls(wb, 'notifyEvent');
  assert.equal(calls.length, 1);
  const inp = input(calls[0]);
  assert.equal(inp.templateName, 'extn_voice_notification');
  const p = inp.templateParameters;
  assert.equal(p.customerName, 'Maria Campbell');
  assert.equal(p.phoneNumber, '+14255550123');
  assert.equal(p.channel, 'voice');
  assert.equal(p.queueName, 'Customer Service');
  assert.equal(p.contactId, id);
  assert.equal(p.ms_customer_entity_name, 'contact');
  assert.equal(normGuid(p.ms_contact_id), SINGLE.contact);
  assert.ok(String(p.CallReason).startsWith('transcript:'));
  const token = inp.cancellationToken ?? calls[0].args[2];
  assert.equal(typeof token, 'string');
  assert.ok(token.length > 0);
  // the toast shows the template filled from the parameters
  const n = (await wb.eval(() => window.workbench.notifications))[0];
  assert.equal(n.title, 'Incoming call: Maria Campbell');
  assert.deepEqual(await cifCalls(wb, 'createSession'), []);
  assert.deepEqual(await apiRequests(wb, 'acceptContact'), []);
  await wb.assertNoPageErrors();
});

test('§3.2 + §3.4 single match: Accept (real click) → acceptContact + createSession + phonecall tab + customer record', async (t) => {
  const wb = await openBridge(t);
  const id = await placeAndNotify(wb, 'voice-single');
  await wb.page.locator('.toast .accept').first().click();
  const [accept] = await waitApiRequests(wb, 'acceptContact');
  assert.equal(accept.params.contactId, id);
  const [cs] = await waitCifCalls(wb, 'createSession');
  const si = input(cs);
  assert.equal(si.templateName, 'extn_voice_identified_session');
  assert.equal(si.templateParameters.customerName, 'Maria Campbell');
  assert.equal(normGuid(si.templateParameters.ms_contact_id), SINGLE.contact);
  assert.equal(cs.status, 'ok');
  await waitCifCalls(wb, 'createTab');
  await sleep(800);
  const tabs = (await cifCalls(wb, 'createTab')).map(input);
  const activityTab = tabs.find((x) => x.templateParameters && x.templateParameters.entityName === 'phonecall');
  assert.ok(activityTab, JSON.stringify(tabs));
  assert.equal(normGuid(activityTab.templateParameters.entityId), SINGLE.activity);
  // the customer record is shown: by the anchor tab (slugs) or by a createTab contact/<id>
  const sessions = await wb.eval(() => window.workbench.openSessions);
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0].title, 'Voice-Maria Campbell');
  const recordTabs = sessions[0].tabs.filter((x) => x.kind === 'record' && x.params.entityName === 'contact');
  assert.ok(recordTabs.some((x) => normGuid(x.params.entityId) === SINGLE.contact), JSON.stringify(sessions[0].tabs));
  assert.ok(!sessions[0].tabs.some((x) => x.kind === 'invalid'));
  assert.equal((await cifCalls(wb, 'notifyEvent')).length, 1);
  assert.equal((await cifCalls(wb, 'createSession')).length, 1);
  await wb.shot('pop-voice-single-match');
  await wb.assertNoPageErrors();
});

test('§3.2 the screen pop does not wait for accept() to succeed', async (t) => {
  const wb = await openBridge(t);
  await wb.eval(() => window.workbench.setCcpFault('ignoreApi', ['acceptContact'])); // acceptContact is never answered
  await placeAndNotify(wb, 'voice-single');
  await wb.eval(() => window.workbench.acceptNotification());
  await waitApiRequests(wb, 'acceptContact');
  await waitCifCalls(wb, 'createSession');
  await wb.assertNoPageErrors();
});

test('§3.3 Reject in Dynamics: no session, no acceptContact', async (t) => {
  const wb = await openBridge(t);
  await placeAndNotify(wb, 'voice-single');
  await wb.page.locator('.toast .reject').first().click();
  await sleep(1500);
  assert.deepEqual(await cifCalls(wb, 'createSession'), []);
  assert.deepEqual(await apiRequests(wb, 'acceptContact'), []);
  await wb.assertNoPageErrors();
});

test('§3.3 Timeout in Dynamics: no session, no acceptContact', async (t) => {
  const wb = await openBridge(t, { query: { wbNotifyTimeout: '1' } });
  await placeAndNotify(wb, 'voice-single');
  await wb.waitFor(() => window.workbench.notificationLog.some((n) => n.outcome && n.outcome.actionName === 'Timeout'), null, 5000);
  await sleep(1000);
  assert.deepEqual(await cifCalls(wb, 'createSession'), []);
  assert.deepEqual(await apiRequests(wb, 'acceptContact'), []);
  await wb.assertNoPageErrors();
});

async function searchPop(t, preset, phone, shot) {
  const wb = await openBridge(t);
  await placeAndNotify(wb, preset);
  await wb.eval(() => window.workbench.acceptNotification());
  const [cs] = await waitCifCalls(wb, 'createSession');
  const p = input(cs).templateParameters;
  for (const k of ['ms_contact_id', 'ms_id', 'ms_account_id']) assert.ok(!p[k], `${k} must be withheld for ${preset}: ${JSON.stringify(p)}`);
  await wb.waitFor(() => window.workbench.cifCalls.some((c) => c.method === 'renderSearchPage' ||
    (c.method === 'createTab' && JSON.stringify(c.args).includes('searchText'))), null, 10000);
  await sleep(800);
  const search = (await cifCalls(wb)).find((c) => c.method === 'renderSearchPage' || (c.method === 'createTab' && JSON.stringify(c.args).includes('searchText')));
  if (search.method === 'renderSearchPage') {
    assert.equal(search.args[0], 'contact');
    assert.ok(String(search.args[1]).includes(phone.slice(2)), JSON.stringify(search.args));
  } else {
    const tp = input(search).templateParameters;
    // Dynamics' Search page type takes searchType 0 or 1, never an entity name (the template's value applies).
    assert.ok(!('searchType' in tp) || ['0', '1', 0, 1].includes(tp.searchType), JSON.stringify(tp));
    assert.ok(String(tp.searchText).includes(phone.slice(2)), JSON.stringify(tp));
  }
  const s = (await wb.eval(() => window.workbench.openSessions))[0];
  assert.ok(!s.tabs.some((x) => x.kind === 'record' && x.params.entityName === 'contact'), `no customer record tab for ${preset}: ${JSON.stringify(s.tabs)}`);
  assert.ok(!s.tabs.some((x) => x.kind === 'invalid'));
  assert.ok(s.tabs.some((x) => x.kind === 'search'), JSON.stringify(s.tabs));
  // the timeline activity still opens (CreateTimeline=true)
  assert.ok((await cifCalls(wb, 'createTab')).map(input).some((x) => x.templateParameters && x.templateParameters.entityName === 'phonecall'));
  if (shot) await wb.shot(shot);
  await wb.assertNoPageErrors();
}

test('§3.4 multi match: ids withheld, search tab/page with the phone number', (t) => searchPop(t, 'voice-multi', '+14255550188', 'pop-voice-multi-match-search'));
test('§3.4 no match: ids withheld, search tab/page with the phone number', (t) => searchPop(t, 'voice-nomatch', '+14255550177', 'pop-voice-no-match-search'));

test('§3.4 single match with an invalid customer id → search, never a record tab with that id', async (t) => {
  const wb = await openBridge(t);
  await placeAndNotify(wb, 'voice-single', { attributes: { ms_contact_id: "x' or 1 eq 1 or '", ms_id: 'nope' } });
  await wb.eval(() => window.workbench.acceptNotification());
  await waitCifCalls(wb, 'createSession');
  await wb.waitFor(() => window.workbench.cifCalls.some((c) => c.method === 'renderSearchPage' ||
    (c.method === 'createTab' && JSON.stringify(c.args).includes('searchText'))), null, 10000);
  await sleep(500);
  const s = (await wb.eval(() => window.workbench.openSessions))[0];
  assert.ok(!s.tabs.some((x) => x.kind === 'invalid'), JSON.stringify(s.tabs));
  assert.ok(!JSON.stringify((await cifCalls(wb, 'createTab')).map(input)).includes('or 1 eq 1'));
  await wb.assertNoPageErrors();
});

test('§3.4 a search tab template Dynamics does not know: the search opens with renderSearchPage instead', async (t) => {
  const wb = await openBridge(t, { query: { searchTabTemplate: 'contoso_missing_search' } });
  await placeAndNotify(wb, 'voice-multi');
  await wb.eval(() => window.workbench.acceptNotification());
  await waitCifCalls(wb, 'createSession');
  const [search] = await waitCifCalls(wb, 'renderSearchPage');
  assert.equal(search.args[0], 'contact');
  assert.ok(String(search.args[1]).includes('4255550188'), JSON.stringify(search.args));
  // the unknown template was asked for once, and Dynamics' refusal of it is not the agent's last word
  const refused = (await cifCalls(wb, 'createTab')).map(input).filter((x) => x.templateName === 'contoso_missing_search');
  assert.equal(refused.length, 1, JSON.stringify(refused));
  await wb.assertNoPageErrors();
});

test('§3.4 a customer the flow names after a search pop opens as a record tab (the anchor tab was opened without one)', async (t) => {
  const wb = await openBridge(t);
  const id = await wb.eval(() => window.workbench.placeContact('voice-nomatch'));
  await waitCifCalls(wb, 'notifyEvent', 1);
  await wb.eval(() => window.workbench.acceptNotification());
  await waitCifCalls(wb, 'createTab', 2);
  const customer = '5f8e2b1a-3c4d-4e6f-9a0b-1c2d3e4f5a6b';
  // a lookup that finished late: the flow (or a Lambda) sets the single match on the live contact
  await wb.eval(([c, g]) => window.workbench.ccpCommand('setAttributes', { contactId: c, attributes: { LookupSatus: 'SingleMatch', ms_contact_id: g, ms_id: g, ms_customer_name: 'Maria Campbell' } }), [id, customer]);
  await waitCifCalls(wb, 'createTab', 3);
  await sleep(800);
  const [session] = await wb.eval(() => window.workbench.openSessions);
  const records = session.tabs.filter((tab) => tab.params.entityName === 'contact' && tab.params.entityId === customer);
  assert.equal(records.length, 1, JSON.stringify(session.tabs.map((tab) => tab.params)));
  assert.equal((await cifCalls(wb, 'createSession')).length, 1);
  await wb.assertNoPageErrors();
});
