// Why this file exists: presence from Streams 2.28.1's agent API through the real library and the fake
// CCP. The presence rules see one kind of state name: the one agent.onStateChange reports (snapshot.state, system
// states such as Busy included). A cleared next state (agent.onClearedNextState, streams#1063) makes the bridge
// read the agent's state again with getState(), the same field; getAvailabilityState(), the state the agent
// chose, can differ from it (Available during a call) and is not mirrored.

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, cifCalls, waitCifCalls, sleep } from './helpers.mjs';

test('a cleared next state re-reads the state onStateChange reports, not the availability the agent chose', async (t) => {
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
  // it is cleared while the availability the agent chose says Lunch and the agent's state (snapshot.state) did
  // not change: agent::cleared_next_state fires, the state is read again, and it is still Available
  await wb.eval(() => window.workbench.ccpCommand('clearNextState', { availability: 'Lunch' }));
  await sleep(800);
  assert.deepEqual(await presenceTexts(), ['Available']);
  // the agent's state itself changes: mirrored
  await wb.eval(() => window.workbench.ccpCommand('agentState', { name: 'Lunch' }));
  await waitCifCalls(wb, 'setPresence', 2);
  assert.deepEqual(await presenceTexts(), ['Available', 'Away']);
  await wb.assertNoPageErrors();
});
