// Why this file exists: end-to-end tests of spec §3 items 5–7 through the workbench: answering in the CCP first
// (cancelEvent, then the pop), abandoned / missed contacts (cancelEvent, no session), and the end of a contact
// (the session stays, a re-delivered contact never pops twice, no calls on a session the agent closed).

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, cifCalls, waitCifCalls, input, placeAndNotify, sleep } from './helpers.mjs';

const tokenOf = (call) => { const i = input(call); return i.cancellationToken ?? call.args[2]; };

test('§3.5 answer in the CCP first → cancelEvent(same token), then createSession', async (t) => {
  const wb = await openBridge(t);
  const id = await placeAndNotify(wb, 'voice-single');
  const [notify] = await cifCalls(wb, 'notifyEvent');
  await wb.eval((cid) => window.workbench.contactAction(cid, 'answer'), id);
  const [cancel] = await waitCifCalls(wb, 'cancelEvent');
  assert.equal(cancel.args[0], tokenOf(notify));
  const [cs] = await waitCifCalls(wb, 'createSession');
  assert.ok(cancel.seq < cs.seq, 'cancelEvent before createSession');
  await wb.waitFor(() => window.workbench.notifications.length === 0);
  await sleep(800);
  assert.equal((await cifCalls(wb, 'createSession')).length, 1);
  await wb.assertNoPageErrors();
});

for (const action of ['abandon', 'miss']) {
  test(`§3.6 ${action} while the notification is open → cancelEvent(same token), no session`, async (t) => {
    const wb = await openBridge(t);
    const id = await placeAndNotify(wb, 'voice-single');
    const [notify] = await cifCalls(wb, 'notifyEvent');
    await wb.eval(([cid, a]) => window.workbench.contactAction(cid, a), [id, action]);
    const [cancel] = await waitCifCalls(wb, 'cancelEvent');
    assert.equal(cancel.args[0], tokenOf(notify));
    await wb.waitFor(() => window.workbench.notifications.length === 0);
    await sleep(1500);
    assert.deepEqual(await cifCalls(wb, 'createSession'), []);
    if (action === 'miss') await wb.eval((cid) => window.workbench.contactAction(cid, 'clear'), id);
    await sleep(300);
    await wb.assertNoPageErrors();
  });
}

test('§3.7 contact ends: the session stays; a re-delivered contact never pops twice', async (t) => {
  const wb = await openBridge(t);
  const id = await placeAndNotify(wb, 'voice-single');
  await wb.eval(() => window.workbench.acceptNotification());
  await waitCifCalls(wb, 'createSession');
  await sleep(500);
  await wb.eval((cid) => window.workbench.contactAction(cid, 'end'), id);
  await sleep(500);
  await wb.eval((cid) => window.workbench.contactAction(cid, 'clear'), id);
  await sleep(800);
  assert.equal((await wb.eval(() => window.workbench.openSessions)).length, 1, 'the session stays after the contact ends');
  // Streams delivers the same contact again
  await wb.eval((cid) => window.workbench.placeContact('voice-single', { contactId: cid }), id);
  await sleep(1500);
  assert.equal((await cifCalls(wb, 'notifyEvent')).length, 1);
  assert.equal((await cifCalls(wb, 'createSession')).length, 1);
  await wb.assertNoPageErrors();
});

test('§3.7 no call on a session the agent already closed', async (t) => {
  const wb = await openBridge(t);
  const id = await placeAndNotify(wb, 'voice-single');
  await wb.eval(() => window.workbench.acceptNotification());
  const [cs] = await waitCifCalls(wb, 'createSession');
  await sleep(800);
  const sessionId = cs.result;
  await wb.eval((sid) => window.workbench.closeSession(sid), sessionId);
  const mark = (await cifCalls(wb)).length;
  await wb.eval((cid) => window.workbench.contactAction(cid, 'end'), id);
  await sleep(500);
  await wb.eval((cid) => window.workbench.contactAction(cid, 'clear'), id);
  await sleep(1000);
  const after = (await cifCalls(wb)).slice(mark);
  const offending = after.filter((c) => JSON.stringify(c.args).includes(sessionId) || ['createTab', 'setSessionTitle', 'requestFocusSession', 'notifyNewActivity'].includes(c.method));
  assert.deepEqual(offending.map((c) => c.method), []);
  await wb.assertNoPageErrors();
});
