// Why this file exists: email contacts through the real Streams 2.28.2 and the fake CCP: an inbound email
// notifies with the email templates and carries the sender and subject (`connect:EmailSubject`) as template
// parameters; an agent-started draft (outbound, arriving connected) is never announced as an incoming contact.

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, cifCalls, waitCifCalls, input, sleep } from './helpers.mjs';

test('inbound email → extn_email_notification with emailAddress and emailSubject, then extn_email_session', async (t) => {
  const wb = await openBridge(t);
  const id = await wb.eval(() => window.workbench.placeContact('email'));
  const [n] = await waitCifCalls(wb, 'notifyEvent');
  const p = input(n).templateParameters;
  assert.equal(input(n).templateName, 'extn_email_notification');
  assert.equal(p.channel, 'email');
  assert.equal(p.contactId, id);
  assert.equal(p.emailAddress, 'alex.rivera@example.com');
  assert.equal(p.emailSubject, 'Where is my parcel?');
  await wb.waitFor(() => window.workbench.notifications.length === 1);
  await wb.shot('notify-email');
  await wb.eval(() => window.workbench.acceptNotification());
  const [cs] = await waitCifCalls(wb, 'createSession');
  assert.equal(input(cs).templateName, 'extn_email_session');
  assert.equal(input(cs).templateParameters.emailSubject, 'Where is my parcel?');
  await wb.assertNoPageErrors();
});

test('decision: an agent-started email draft (outbound, arrives connected) never raises a notification but gets its session (README, Email contacts)', async (t) => {
  const wb = await openBridge(t);
  const id = await wb.eval(() => window.workbench.placeContact('email-draft'));
  // like any contact the agent started, it gets its session at once (so the bridge did see it) …
  const [cs] = await waitCifCalls(wb, 'createSession', 1, 10000);
  assert.equal(input(cs).templateName, 'extn_email_session');
  assert.equal(input(cs).templateParameters.contactId, id);
  assert.equal(input(cs).templateParameters.emailSubject, 'Your refund');
  await sleep(1000);
  // … but no incoming notification, ever
  assert.deepEqual(await cifCalls(wb, 'notifyEvent'), []);
  assert.equal(await wb.eval(() => window.workbench.notifications.length), 0);
  await wb.assertNoPageErrors();
});
