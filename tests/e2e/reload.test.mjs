// Why this file exists: end-to-end tests of spec §3 items 11 and 12: reloading the provider page after the pop
// (no second session), a late start with a contact already connected (picked up from the first snapshot), and a
// createSession that Dynamics carried out but answered after CIF's time limit (never a second session).

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, cifCalls, waitCifCalls, input, placeAndNotify, sleep } from './helpers.mjs';

test('§3.11 reload after the session was created → no second createSession', async (t) => {
  const wb = await openBridge(t);
  await wb.eval(() => window.workbench.placeContact('voice-single'));
  await waitCifCalls(wb, 'notifyEvent');
  await wb.eval(() => window.workbench.acceptNotification());
  await waitCifCalls(wb, 'createSession');
  await sleep(1000);
  await wb.eval(() => window.workbench.reloadProvider());
  await wb.waitFor(() => window.workbench.cifLoads === 2 && window.workbench.providerLoads === 2, null, 20000);
  await sleep(3000);
  assert.equal((await cifCalls(wb, 'createSession')).length, 1);
  assert.equal((await wb.eval(() => window.workbench.openSessions)).length, 1);
  await wb.assertNoPageErrors();
});

test('§3.11 the caller hangs up while the page reloads → the reloaded page withdraws the toast at once', async (t) => {
  const wb = await openBridge(t);
  const id = await placeAndNotify(wb, 'voice-single');
  const [notify] = await cifCalls(wb, 'notifyEvent');
  const token = input(notify).cancellationToken ?? notify.args[2];
  // The caller hangs up as the page goes: the old page never hears of it, the new page's CCP no longer lists it.
  await wb.eval(() => window.workbench.holdSnapshots(true));
  await wb.eval(([cid]) => window.workbench.contactAction(cid, 'abandon'), [id]);
  await wb.eval(() => window.workbench.reloadProvider());
  await wb.waitFor(() => window.workbench.cifLoads === 2, null, 20000);
  // Connect's list leaves it out: withdrawn well within restoredContactGraceMs (60 s).
  const cancels = await waitCifCalls(wb, 'cancelEvent', 1, 10000);
  assert.ok(cancels.some((c) => c.args[0] === token), JSON.stringify(cancels.map((c) => c.args)));
  await wb.waitFor(() => window.workbench.notifications.length === 0, null, 5000);
  assert.deepEqual(await cifCalls(wb, 'createSession'), []);
  await wb.assertNoPageErrors();
});

test('§3.11 late start: a contact connected before the page loaded is picked up and pops once', async (t) => {
  const wb = await openBridge(t);
  await wb.eval(() => window.workbench.holdSnapshots(true)); // the old page never hears of it
  const id = await wb.eval(() => window.workbench.placeContact('voice-single'));
  await wb.eval((cid) => window.workbench.contactAction(cid, 'connect'), id);
  await wb.eval(() => window.workbench.reloadProvider());
  await wb.waitFor(() => window.workbench.cifLoads === 2, null, 20000);
  const [cs] = await waitCifCalls(wb, 'createSession', 1, 10000);
  assert.equal(input(cs).templateParameters.contactId, id);
  await sleep(1500);
  assert.equal((await cifCalls(wb, 'createSession')).length, 1);
  await wb.assertNoPageErrors();
});

test('§3.12 createSession answered after the time limit (Dynamics did create it) → never a second session', async (t) => {
  const wb = await openBridge(t, { query: { wbCifTimeoutMs: '1500' } });
  await wb.eval(() => window.workbench.setFault('createSession', 'late', { delayMs: 2500 }));
  await wb.eval(() => window.workbench.placeContact('voice-single'));
  await waitCifCalls(wb, 'notifyEvent');
  await wb.eval(() => window.workbench.acceptNotification());
  await waitCifCalls(wb, 'createSession');
  await wb.waitFor(() => window.workbench.cifCalls.some((c) => c.method === 'createSession' && c.status === 'timeout'), null, 5000);
  await sleep(5000);
  assert.equal((await wb.eval(() => window.workbench.openSessions)).length, 1, 'one session in Dynamics');
  const calls = await cifCalls(wb);
  const cs = calls.filter((c) => c.method === 'createSession');
  if (cs.length > 1) {
    const checked = calls.some((c) => c.method === 'getAllSessions' && c.seq > cs[0].seq && c.seq < cs[1].seq);
    assert.ok(checked, 'a repeated createSession must follow a getAllSessions check');
  }
  await wb.assertNoPageErrors();
});

test('§3.12 createSession that never answers (no effect) is not blindly repeated', async (t) => {
  const wb = await openBridge(t, { query: { wbCifTimeoutMs: '1000' } });
  await wb.eval(() => window.workbench.setFault('createSession', 'hang'));
  await wb.eval(() => window.workbench.placeContact('voice-single'));
  await waitCifCalls(wb, 'notifyEvent');
  await wb.eval(() => window.workbench.acceptNotification());
  await waitCifCalls(wb, 'createSession');
  await sleep(4000);
  const calls = await cifCalls(wb);
  const cs = calls.filter((c) => c.method === 'createSession');
  for (let i = 1; i < cs.length; i++) {
    assert.ok(calls.some((c) => c.method === 'getAllSessions' && c.seq > cs[i - 1].seq && c.seq < cs[i].seq), 'getAllSessions before any retry');
  }
  assert.ok((await wb.eval(() => window.workbench.openSessions)).length <= 1);
  await wb.assertNoPageErrors();
});
