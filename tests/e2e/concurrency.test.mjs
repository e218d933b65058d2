// Why this file exists: end-to-end tests of spec §3 items 8 and 10: several contacts at once (each its own
// notification and session, CIF results matched to the right contact even out of order) and duplicate / storm /
// held-back snapshots (each contact pops exactly once); a tab whose session the agent left while it was on its
// way ends up in that session only.

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, cifCalls, waitCifCalls, waitNotice, input, normGuid, sleep } from './helpers.mjs';

const chat = (name, activity) => ({
  customerName: name,
  attributes: { ms_customer_name: name, ms_activity_id: activity, ms_entityrecord_record_id: activity },
});
const A = ['Ana Lopez', '11111111-1111-4111-8111-111111111111'];
const B = ['Ben Okafor', '22222222-2222-4222-8222-222222222222'];
const C = ['Cy Tan', '33333333-3333-4333-8333-333333333333'];

test('§3.8 three chats at once, accepted in reverse order, createSession answers out of order', async (t) => {
  const wb = await openBridge(t);
  const ids = [];
  for (const [name, act] of [A, B, C]) ids.push(await wb.eval(([n, a]) => window.workbench.placeContact('chat', {
    customerName: n, attributes: { ms_customer_name: n, ms_activity_id: a, ms_entityrecord_record_id: a } }), [name, act]));
  await waitCifCalls(wb, 'notifyEvent', 3);
  await wb.waitFor(() => window.workbench.notifications.length === 3);
  const tokens = (await cifCalls(wb, 'notifyEvent')).map((c) => input(c).cancellationToken ?? c.args[2]);
  assert.equal(new Set(tokens).size, 3, 'one notification (token) per contact');
  // the first createSession answers slowly, so later ones resolve first
  await wb.eval(() => window.workbench.setFault('createSession', 'slow', { delayMs: 1200 }));
  for (const cid of [...ids].reverse()) await wb.eval((c) => window.workbench.acceptNotification(c), cid);
  await waitCifCalls(wb, 'createSession', 3, 15000);
  await sleep(2500);
  const sessions = await wb.eval(() => window.workbench.openSessions);
  assert.equal(sessions.length, 3);
  for (const [name, act] of [A, B, C]) {
    const s = sessions.find((x) => x.title === `Chat-${name}`);
    assert.ok(s, `session for ${name}: ${sessions.map((x) => x.title)}`);
    const activityTabs = sessions.flatMap((x) => x.tabs.filter((tb) => tb.params.entityId && normGuid(tb.params.entityId) === act).map(() => x.title));
    assert.deepEqual(activityTabs, [`Chat-${name}`], `the activity tab of ${name} is in ${name}'s session`);
  }
  await wb.shot('pop-three-chats');
  await wb.assertNoPageErrors();
});

test('§3.10 storms of identical snapshots while ringing and after accept: one notifyEvent, one createSession', async (t) => {
  const wb = await openBridge(t);
  const id = await wb.eval(() => window.workbench.placeContact('voice-single'));
  await wb.eval(() => window.workbench.storm(100, 0));
  await waitCifCalls(wb, 'notifyEvent');
  await wb.eval(() => window.workbench.storm(50, 5));
  await sleep(500);
  await wb.eval(() => window.workbench.acceptNotification());
  await waitCifCalls(wb, 'createSession');
  await wb.eval(() => window.workbench.storm(100, 0));
  await sleep(1500);
  assert.equal((await cifCalls(wb, 'notifyEvent')).length, 1);
  assert.equal((await cifCalls(wb, 'createSession')).length, 1);
  assert.ok(id);
  await wb.assertNoPageErrors();
});

test('§3.10 held-back snapshot: the contact is first seen already connected → one pop, no notification left open', async (t) => {
  const wb = await openBridge(t);
  await wb.eval(() => window.workbench.holdSnapshots(true));
  const id = await wb.eval(() => window.workbench.placeContact('voice-single'));
  await wb.eval((cid) => window.workbench.contactAction(cid, 'connect'), id);
  await wb.eval(() => window.workbench.holdSnapshots(false));
  await waitCifCalls(wb, 'createSession');
  await sleep(1500);
  assert.equal((await cifCalls(wb, 'createSession')).length, 1);
  assert.equal((await wb.eval(() => window.workbench.notifications)).length, 0);
  await wb.assertNoPageErrors();
});

test('§3.10 a contact removed abruptly and delivered again pops once', async (t) => {
  const wb = await openBridge(t);
  const id = await wb.eval(() => window.workbench.placeContact('voice-single'));
  await waitCifCalls(wb, 'notifyEvent');
  await wb.eval(() => window.workbench.acceptNotification());
  await waitCifCalls(wb, 'createSession');
  await wb.eval((cid) => window.workbench.contactAction(cid, 'remove'), id);
  await sleep(300);
  await wb.eval((cid) => window.workbench.placeContact('voice-single', { contactId: cid, state: 'connected' }), id);
  await sleep(1500);
  assert.equal((await cifCalls(wb, 'notifyEvent')).length, 1);
  assert.equal((await cifCalls(wb, 'createSession')).length, 1);
  await wb.assertNoPageErrors();
});

/** A's chat popped in session 1, then B's accepted: its session 2 opens and its activity tab goes to Dynamics under
 *  `tabFault` (createTab); the moment Dynamics has the call, the agent clicks back to A's session. Returns what
 *  the sessions hold once the agent has looked at B's session again. */
async function switchWhileBsTabIsOnItsWay(t, tabFault) {
  const wb = await openBridge(t);
  const a = await wb.eval(([n, act]) => window.workbench.placeContact('chat', { customerName: n, attributes: { ms_activity_id: act, ms_entityrecord_record_id: act } }), A);
  await waitCifCalls(wb, 'notifyEvent', 1);
  await wb.eval((id) => window.workbench.acceptNotification(id), a);
  await waitCifCalls(wb, 'createTab', 1);
  await wb.waitFor(() => window.workbench.calls('createTab').every((c) => c.status === 'ok'));
  const [s1] = (await wb.eval(() => window.workbench.openSessions)).map((s) => s.id);
  await wb.eval((f) => window.workbench.setFault('createTab', f, { delayMs: 800 }), tabFault);
  const b = await wb.eval(([n, act]) => window.workbench.placeContact('chat', { customerName: n, attributes: { ms_activity_id: act, ms_entityrecord_record_id: act } }), B);
  await waitCifCalls(wb, 'notifyEvent', 2);
  await wb.eval((id) => window.workbench.acceptNotification(id), b);
  await waitCifCalls(wb, 'createTab', 2);
  await wb.eval((id) => window.workbench.switchSession(id), s1);
  await sleep(2000);
  const s2 = (await wb.eval(() => window.workbench.openSessions)).find((s) => s.params.contactId === b).id;
  await wb.eval((id) => window.workbench.switchSession(id), s2);
  await sleep(1500);
  const sessions = await wb.eval(() => window.workbench.openSessions);
  const activityTabs = (id) => sessions.find((s) => s.id === id).tabs.filter((tab) => !tab.anchor && tab.params.entityId).map((tab) => normGuid(tab.params.entityId));
  await wb.assertNoPageErrors();
  return { wb, inA: activityTabs(s1), inB: activityTabs(s2), closes: (await cifCalls(wb, 'closeTab')).length };
}

test('§3.8 the agent clicks another session while a tab is on its way and Dynamics opens it there: closed there, opened in its own session', async (t) => {
  const { wb, inA, inB, closes } = await switchWhileBsTabIsOnItsWay(t, 'queued');
  assert.deepEqual(inA, [A[1]], "A's session holds A's activity only");
  assert.deepEqual(inB, [B[1]], "B's activity opens once, in B's session");
  assert.equal(closes, 1);
  await waitNotice(wb, /its activity tab opened in the session you switched to while it was opening/);
});

test('§3.8 the agent clicks another session after Dynamics opened the tab but before it answered: the tab stays', async (t) => {
  const { inA, inB, closes } = await switchWhileBsTabIsOnItsWay(t, 'slow');
  assert.deepEqual(inA, [A[1]]);
  assert.deepEqual(inB, [B[1]], 'opened once, in its own session, never closed');
  assert.equal(closes, 0);
});

test('§3.7 the agent closes a session while its tab is on its way and Dynamics opens the tab in the next session: closed there', async (t) => {
  const wb = await openBridge(t);
  const place = ([n, act]) => window.workbench.placeContact('chat', { customerName: n, attributes: { ms_activity_id: act, ms_entityrecord_record_id: act } });
  const a = await wb.eval(place, A);
  await waitCifCalls(wb, 'notifyEvent', 1);
  await wb.eval((id) => window.workbench.acceptNotification(id), a);
  await waitCifCalls(wb, 'createTab', 1);
  await wb.waitFor(() => window.workbench.calls('createTab').every((c) => c.status === 'ok'));
  await wb.eval(() => window.workbench.setFault('createTab', 'queued', { delayMs: 800 }));
  const b = await wb.eval(place, B);
  await waitCifCalls(wb, 'notifyEvent', 2);
  await wb.eval((id) => window.workbench.acceptNotification(id), b);
  await waitCifCalls(wb, 'createTab', 2);
  const s2 = (await wb.eval(() => window.workbench.openSessions)).find((s) => s.params.contactId === b).id;
  await wb.eval((id) => window.workbench.closeSession(id), s2);
  await waitCifCalls(wb, 'closeTab', 1);
  await wb.waitFor(() => window.workbench.calls('closeTab').every((c) => c.status === 'ok'));
  const [s1] = await wb.eval(() => window.workbench.openSessions);
  assert.equal(s1.params.contactId, a);
  assert.deepEqual(s1.tabs.filter((tab) => !tab.anchor && tab.params.entityId).map((tab) => normGuid(tab.params.entityId)), [A[1]],
    "A's session holds A's activity only");
  await waitNotice(wb, /opened in the session you went to; it was closed there/);
  assert.equal((await cifCalls(wb, 'createTab')).length, 2, 'never opened again');
  await wb.assertNoPageErrors();
});
