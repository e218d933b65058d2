// Why this file exists: email contacts through the real Streams 2.28.2 and the fake CCP: an inbound email
// notifies with the email templates and carries the sender and subject (`connect:EmailSubject`) as template
// parameters; an agent-started draft (outbound, arriving connected) is neither announced nor popped.

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, cifCalls, waitCifCalls, input, provider, sleep } from './helpers.mjs';

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

test('an agent-started email draft (outbound, arrives connected) never pops: no notification, no session (spec §4)', async (t) => {
  const wb = await openBridge(t);
  const draft = await wb.eval(() => window.workbench.placeContact('email-draft'));
  // The bridge does see it: it holds the contact (and, below, pops the next one normally) …
  const diagnostics = () => provider(wb).evaluate(() => window.connectCifBridgeDiagnostics());
  for (let i = 0; (await diagnostics()).coreContacts !== 1; i++) {
    assert.ok(i < 200, 'the bridge never saw the draft');
    await sleep(25);
  }
  const inbound = await wb.eval(() => window.workbench.placeContact('email'));
  const [n] = await waitCifCalls(wb, 'notifyEvent');
  assert.equal(input(n).templateParameters.contactId, inbound);
  await sleep(1000);
  // … but neither a notification nor a session for the draft, ever.
  const calls = await cifCalls(wb);
  const forDraft = calls.filter((c) => JSON.stringify(c).includes(draft));
  assert.deepEqual(forDraft.map((c) => c.method), []);
  assert.equal((await cifCalls(wb, 'createSession')).length, 0);
  assert.equal(await wb.eval(() => window.workbench.notifications.length), 1);
  await wb.assertNoPageErrors();
});
