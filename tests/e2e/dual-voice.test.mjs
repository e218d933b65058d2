// Why this file exists: two voice contacts at once (Streams 2.26 "dual call") through the real Streams
// 2.28.2 and the fake CCP: each has its own notification and its own session, in whatever order they are accepted.

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, cifCalls, waitCifCalls, input, sleep } from './helpers.mjs';

test('two voice contacts at once: one notification each, one session each', async (t) => {
  const wb = await openBridge(t);
  const a = await wb.eval(() => window.workbench.placeContact('voice-single'));
  const b = await wb.eval(() => window.workbench.placeContact('voice-single', { phoneNumber: '+14255550177' }));
  const notes = await waitCifCalls(wb, 'notifyEvent', 2);
  const ids = notes.map((n) => input(n).templateParameters.contactId).sort();
  assert.deepEqual(ids, [a, b].sort(), 'one notification per voice contact');
  assert.notEqual(input(notes[0]).cancellationToken, input(notes[1]).cancellationToken);
  await wb.waitFor(() => window.workbench.notifications.length === 2);
  await wb.shot('dual-voice-two-toasts');
  // the second call is accepted first; the first's toast stays up
  await wb.eval((cid) => window.workbench.acceptNotification(cid), b);
  await waitCifCalls(wb, 'createSession', 1);
  assert.equal(await wb.eval(() => window.workbench.notifications.length), 1);
  await wb.eval((cid) => window.workbench.acceptNotification(cid), a);
  const sessions = await waitCifCalls(wb, 'createSession', 2, 15000);
  await sleep(1000);
  assert.deepEqual(sessions.map((s) => input(s).templateParameters.contactId), [b, a]);
  assert.equal((await cifCalls(wb, 'createSession')).length, 2, 'no third session');
  await wb.assertNoPageErrors();
});
