// Why this file exists: end-to-end test of spec §3 item 9 and §4 click-to-dial: the bridge enables click-to-act,
// an onclicktoact phone value becomes createOutboundContact with an E.164 number, and the outbound contact gets
// no incoming notification but pops on connect.

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, cifCalls, waitCifCalls, waitApiRequests, waitNotice, sleep } from './helpers.mjs';

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

test('a dial the CCP never answers (streams#1090) → agent.connect({timeout}) fails and the agent is told', async (t) => {
  const wb = await openBridge(t);
  await wb.waitFor(() => (window.workbench.handlerCounts.onclicktoact || 0) > 0);
  // the CCP drops the createOutboundContact answer: without a timeout Streams would never call back
  await wb.eval(() => window.workbench.setCcpFault('ignoreApi', ['createOutboundContact']));
  await wb.eval(() => window.workbench.clickToDial('(425) 555-0142'));
  await waitApiRequests(wb, 'createOutboundContact');
  const notice = await waitNotice(wb, /click-to-dial: Amazon Connect (could not place the call|did not answer)/, 35000);
  assert.match(notice, /timed out after 20000 ms|did not answer the request/, notice);
  assert.doesNotMatch(notice, /4255550142/, 'the number is not shown whole');
  await wb.shot('dial-timeout');
  await wb.assertNoPageErrors();
});
