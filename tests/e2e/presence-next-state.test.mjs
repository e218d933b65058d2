// Why this file exists: presence from Streams 2.28.1's agent API through the real library and the fake
// CCP: the bridge reads the agent's state with getAvailabilityState() (not the deprecated getState()), and a
// cleared next state (agent.onClearedNextState, streams#1063) feeds the presence rules even when no state change
// event fires.

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, cifCalls, waitCifCalls, sleep } from './helpers.mjs';

test('a cleared next state feeds presence sync, read with getAvailabilityState()', async (t) => {
  const rules = [
    { connect: 'Available', dynamics: 'Available' },
    { connect: 'Lunch', dynamics: 'Away' },
  ];
  const wb = await openBridge(t, { query: { presenceRules: JSON.stringify(rules), presenceSync: 'toDynamics' } });
  const presenceTexts = async () => (await cifCalls(wb, 'setPresence')).map((c) => c.args[0]);
  await waitCifCalls(wb, 'setPresence', 1);
  assert.deepEqual(await presenceTexts(), ['Available']);
  // a next state is enqueued: no state change, nothing to mirror
  await wb.eval(() => window.workbench.ccpCommand('enqueueNextState', { name: 'Lunch' }));
  await sleep(800);
  assert.deepEqual(await presenceTexts(), ['Available']);
  // it is cleared, and the agent's availability is now Lunch while the CTI state name did not change: only
  // agent::cleared_next_state fires, and only getAvailabilityState() says Lunch
  await wb.eval(() => window.workbench.ccpCommand('clearNextState', { availability: 'Lunch' }));
  await waitCifCalls(wb, 'setPresence', 2);
  assert.deepEqual(await presenceTexts(), ['Available', 'Away']);
  await wb.assertNoPageErrors();
});
