// Why this file exists: end-to-end tests of spec §4 through the workbench: click-to-dial works again
// and again with E.164 numbers and the outbound contact pops without a notification; a presence rule round trip
// settles without a loop; switching and closing sessions change what the provider page says the agent is looking
// at; the exported trace of the seed's single-match call lists every step under one correlation id (per page load).

import fs from 'node:fs';
import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, cifCalls, apiRequests, waitCifCalls, waitApiRequests, waitNotice, input, placeAndNotify, sleep } from './helpers.mjs';

/** The provider page's "Looking at:" value, read through its frame. */
async function lookingAt(wb) {
  return wb.providerFrame().locator('[data-bridge="focus-status"]').textContent();
}

async function waitLookingAt(wb, predicate, what) {
  const end = Date.now() + 8000;
  let last = null;
  while (Date.now() < end) {
    last = await lookingAt(wb);
    if (predicate(last)) return last;
    await sleep(100);
  }
  throw new Error(`status line never showed ${what}; last: ${JSON.stringify(last)}`);
}

test('§4 click-to-dial twice in a row dials twice in E.164; each outbound contact pops without a notification', async (t) => {
  const wb = await openBridge(t);
  await waitCifCalls(wb, 'setClickToAct');
  await wb.waitFor(() => (window.workbench.handlerCounts.onclicktoact || 0) > 0);
  await wb.eval(() => window.workbench.clickToDial('(425) 555-0142'));
  const [first] = await waitApiRequests(wb, 'createOutboundContact');
  assert.equal(first.params.endpoint.phoneNumber, '+14255550142');
  await waitCifCalls(wb, 'createSession', 1, 10000);
  // the first call ends and is cleared, then the agent clicks another number: no reload, no state left behind
  const state = await wb.eval(() => window.workbench.ccp);
  const out = state.contacts.map((c) => c.contactId);
  assert.equal(out.length, 1, JSON.stringify(state.contacts));
  await wb.eval((id) => window.workbench.contactAction(id, 'end'), out[0]);
  await wb.eval((id) => window.workbench.contactAction(id, 'clear'), out[0]);
  await sleep(500);
  await wb.eval(() => window.workbench.clickToDial('+44 20 7946 0018'));
  const reqs = await waitApiRequests(wb, 'createOutboundContact', 2);
  assert.deepEqual(reqs.map((r) => r.params.endpoint.phoneNumber), ['+14255550142', '+442079460018']);
  await waitCifCalls(wb, 'createSession', 2, 10000);
  await sleep(800);
  assert.deepEqual(await cifCalls(wb, 'notifyEvent'), [], 'outbound contacts get no incoming notification');
  assert.equal((await cifCalls(wb, 'createSession')).length, 2, 'one session per outbound contact');
  // an unusable number is reported on the provider page, not dialled
  await wb.eval(() => window.workbench.clickToDial('call me later'));
  await sleep(500);
  assert.equal((await apiRequests(wb, 'createOutboundContact')).length, 2);
  const notices = await wb.providerFrame().locator('[data-bridge="notices"] li').allTextContents();
  assert.ok(notices.some((n) => n.includes('cannot be dialled')), JSON.stringify(notices));
  await wb.assertNoPageErrors();
});

test('§4 a click whose value Dynamics hands over as a JSON number dials nothing, and the agent is told so', async (t) => {
  const wb = await openBridge(t, { query: { defaultCountryCode: '44' } });
  await waitCifCalls(wb, 'setClickToAct');
  await wb.waitFor(() => (window.workbench.handlerCounts.onclicktoact || 0) > 0);
  await wb.eval(() => window.workbench.raise('onclicktoact', { value: 2079460018, name: 'telephone1', format: 'phone', entityLogicalName: 'contact' }, { raw: true }));
  const notice = await waitNotice(wb, /^click-to-dial: nothing dialled: onclicktoact payload refused/);
  assert.ok(!notice.includes('2079460018'), notice);
  assert.deepEqual(await apiRequests(wb, 'createOutboundContact'), []);
  await wb.assertNoPageErrors();
});

test('§4 presence rules: Connect → Dynamics and back settle without a loop (echoes on)', async (t) => {
  const rules = [
    { connect: 'Available', dynamics: 'Available', direction: 'both' },
    { connect: 'Lunch', dynamics: 'Away', direction: 'both' },
    { connect: 'Break', dynamics: 'Busy - DND' },
    { connect: 'Offline', dynamics: 'Offline', direction: 'both' },
  ];
  const wb = await openBridge(t, { query: { presenceRules: JSON.stringify(rules), presenceSync: 'both', wbEchoPresence: '1' } });
  const presenceTexts = async () => (await cifCalls(wb, 'setPresence')).map((c) => c.args[0]);
  // the initial agent state (Available) is mirrored once CIF is ready
  await waitCifCalls(wb, 'setPresence', 1);
  // the agent goes to Lunch in the CCP → Dynamics shows Away; Dynamics' echo is not mirrored back
  await wb.eval(() => window.workbench.agentState('Lunch'));
  await wb.waitFor(() => window.workbench.state().presence === 'Away');
  // the agent picks Available in Dynamics → Connect follows; Streams' echo is not mirrored back
  await wb.eval(() => window.workbench.setPresence('Available'));
  const [put] = await waitApiRequests(wb, 'putAgentState');
  assert.equal(put.params.state.name, 'Available');
  await wb.waitFor(() => window.workbench.ccp.agentState && window.workbench.ccp.agentState.name === 'Available');
  // Break maps one way only: Dynamics shows Busy - DND, and Connect stays on Break
  await wb.eval(() => window.workbench.agentState('Break'));
  await wb.waitFor(() => window.workbench.state().presence === 'Busy - DND');
  await sleep(2500);
  const settled = { presence: await presenceTexts(), puts: (await apiRequests(wb, 'putAgentState')).length };
  assert.deepEqual(settled.presence, ['Available', 'Away', 'Busy - DND']);
  assert.equal(settled.puts, 1);
  await sleep(1500);
  assert.deepEqual({ presence: await presenceTexts(), puts: (await apiRequests(wb, 'putAgentState')).length }, settled, 'nothing more: no loop');
  assert.equal((await wb.eval(() => window.workbench.ccp.agentState)).name, 'Break');
  await wb.assertNoPageErrors();
});

test('§4 switching and closing sessions change what the provider page says the agent is looking at', async (t) => {
  const wb = await openBridge(t);
  assert.equal(await lookingAt(wb), 'no contact');
  await placeAndNotify(wb, 'voice-single');
  await wb.eval(() => window.workbench.acceptNotification());
  await waitCifCalls(wb, 'createSession');
  const voice = await waitLookingAt(wb, (s) => s.startsWith('voice with M…'), 'the voice contact');
  assert.ok(!voice.includes('Maria'), 'no customer name on the page');
  await placeAndNotify(wb, 'chat');
  await wb.eval(() => window.workbench.acceptNotification());
  await waitCifCalls(wb, 'createSession', 2);
  await waitLookingAt(wb, (s) => s.startsWith('chat with'), 'the chat (its new session is focused)');
  const [s1, s2] = (await wb.eval(() => window.workbench.openSessions)).map((s) => s.id);
  await wb.eval((id) => window.workbench.switchSession(id), s1);
  await waitLookingAt(wb, (s) => s === voice, 'the voice contact again');
  await wb.eval((id) => window.workbench.closeSession(id), s1);
  await waitLookingAt(wb, (s) => s.startsWith('chat with'), 'the chat after the voice session closed');
  await wb.eval((id) => window.workbench.closeSession(id), s2);
  await waitLookingAt(wb, (s) => s === 'no contact', 'no contact once every session closed');
  await wb.assertNoPageErrors();
});

test('§4 the exported trace of the seed single-match call lists every step under one correlation id', async (t) => {
  const wb = await openBridge(t);
  const id = await placeAndNotify(wb, 'voice-single');
  await wb.eval(() => window.workbench.acceptNotification());
  await waitCifCalls(wb, 'createTab');
  await sleep(1000);
  const [download] = await Promise.all([
    wb.page.waitForEvent('download', { timeout: 10000 }),
    wb.providerFrame().locator('[data-bridge="download-trace"]').click(),
  ]);
  const file = await download.path();
  const trace = JSON.parse(fs.readFileSync(file, 'utf8'));
  const mine = trace.filter((e) => e.contact === id);
  const correlations = [...new Set(mine.map((e) => e.correlationId))];
  assert.equal(correlations.length, 1, `one correlation id for the contact: ${correlations}`);
  const [correlation] = correlations;
  assert.match(correlation, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'GUID-shaped, as CIF expects');
  assert.notEqual(correlation, id, 'derived from the contact id and this page load (a reload gets new ones)');
  const kinds = new Set(mine.map((e) => e.kind));
  for (const step of ['input.contact', 'cif.notifyEvent', 'reply.notifyEvent', 'decision', 'streams', 'reply.streams',
    'cif.canCreateSession', 'reply.canCreateSession', 'cif.createSession', 'reply.createSession', 'cif.createTab', 'reply.createTab', 'state']) {
    assert.ok(kinds.has(step), `${step} missing from ${[...kinds]}`);
  }
  // the same correlation id reached CIF with every call for the contact
  for (const method of ['notifyEvent', 'canCreateSession', 'createSession', 'createTab']) {
    for (const c of await cifCalls(wb, method)) assert.ok(c.args.includes(correlation), `${method} args ${JSON.stringify(c.args).slice(0, 200)}`);
  }
  assert.ok(!JSON.stringify(trace).includes('Maria'), 'no customer name in the trace');
  assert.ok(input((await cifCalls(wb, 'createSession'))[0]).templateName);
  await wb.assertNoPageErrors();
});
