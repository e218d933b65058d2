// Why this file exists: end-to-end test of spec §3 item 9 and §4 click-to-dial: the bridge enables click-to-act,
// an onclicktoact phone value becomes createOutboundContact with an E.164 number, and the outbound contact gets
// no incoming notification but pops on connect.

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, cifCalls, waitCifCalls, waitApiRequests, sleep } from './helpers.mjs';

test('§3.9 + §4 click-to-dial → createOutboundContact (E.164, default +1) → no notification, pop on connect', async (t) => {
  const wb = await openBridge(t);
  const [c2a] = await waitCifCalls(wb, 'setClickToAct');
  assert.equal(c2a.args[0], true);
  await wb.waitFor(() => (window.workbench.handlerCounts.onclicktoact || 0) > 0);
  await wb.eval(() => window.workbench.clickToDial('(425) 555-0142'));
  const [req] = await waitApiRequests(wb, 'createOutboundContact');
  assert.equal(req.params.endpoint.phoneNumber, '+14255550142');
  await waitCifCalls(wb, 'createSession', 1, 10000);
  await sleep(1000);
  assert.deepEqual(await cifCalls(wb, 'notifyEvent'), []);
  assert.equal((await cifCalls(wb, 'createSession')).length, 1);
  await wb.assertNoPageErrors();
});

test('§3.9 an outbound contact placed from the CCP itself: no notification, one pop when connected', async (t) => {
  const wb = await openBridge(t);
  await wb.eval(() => window.workbench.placeContact('outbound'));
  await waitCifCalls(wb, 'createSession', 1, 10000);
  await sleep(1000);
  assert.deepEqual(await cifCalls(wb, 'notifyEvent'), []);
  assert.equal((await cifCalls(wb, 'createSession')).length, 1);
  await wb.assertNoPageErrors();
});
