// Why this file exists: end-to-end tests of spec §3 items 8 and 10: several contacts at once (each its own
// notification and session, CIF results matched to the right contact even out of order) and duplicate / storm /
// held-back snapshots (each contact pops exactly once).

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, cifCalls, waitCifCalls, input, normGuid, sleep } from './helpers.mjs';

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
