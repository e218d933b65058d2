// Why this file exists: end-to-end tests of spec §3 item 13 (tasks through the bundled amazon-connect-taskjs,
// no exception in a Streams callback) and of the chat and queue-callback pops, with screenshots of a chat and a
// task pop.

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, cifCalls, waitCifCalls, input, sleep } from './helpers.mjs';

test('§3.13 a task pops (extn_task_notification → extn_task_session) with no page error', async (t) => {
  const wb = await openBridge(t);
  const id = await wb.eval(() => window.workbench.placeContact('task'));
  const [n] = await waitCifCalls(wb, 'notifyEvent');
  assert.equal(input(n).templateName, 'extn_task_notification');
  assert.equal(input(n).templateParameters.channel, 'task');
  assert.equal(input(n).templateParameters.contactId, id);
  await wb.waitFor(() => window.workbench.notifications.length === 1);
  await wb.shot('notify-task');
  await wb.eval(() => window.workbench.acceptNotification());
  const [cs] = await waitCifCalls(wb, 'createSession');
  assert.equal(input(cs).templateName, 'extn_task_session');
  await sleep(1000);
  await wb.shot('pop-task');
  await wb.eval((cid) => window.workbench.contactAction(cid, 'end'), id);
  await wb.eval((cid) => window.workbench.contactAction(cid, 'clear'), id);
  await sleep(500);
  await wb.assertNoPageErrors();
});

test('chat pops with the customer name from the chat connection', async (t) => {
  const wb = await openBridge(t);
  const id = await wb.eval(() => window.workbench.placeContact('chat'));
  const [n] = await waitCifCalls(wb, 'notifyEvent');
  const p = input(n).templateParameters;
  assert.equal(input(n).templateName, 'extn_chat_notification');
  assert.equal(p.channel, 'chat');
  assert.equal(p.customerName, 'Alex Rivera');
  await wb.waitFor(() => window.workbench.notifications.length === 1);
  await wb.eval(() => window.workbench.acceptNotification());
  const [cs] = await waitCifCalls(wb, 'createSession');
  assert.equal(input(cs).templateName, 'extn_chat_session');
  await sleep(1000);
  assert.equal((await wb.eval(() => window.workbench.openSessions))[0].title, 'Chat-Alex Rivera');
  await wb.shot('pop-chat');
  assert.ok(id);
  await wb.assertNoPageErrors();
});

test('queue callback (arrives incoming) notifies once and pops on accept', async (t) => {
  const wb = await openBridge(t);
  await wb.eval(() => window.workbench.placeContact('callback'));
  await waitCifCalls(wb, 'notifyEvent');
  await wb.eval(() => window.workbench.acceptNotification());
  await waitCifCalls(wb, 'createSession');
  await sleep(800);
  assert.equal((await cifCalls(wb, 'notifyEvent')).length, 1);
  await wb.assertNoPageErrors();
});
