// Why this file exists: issue 14, global resiliency through the real Streams 2.28.2 and the fake CCP:
// `secondaryCCPUrl` / `enableGlobalResiliency` reach initCCP only when acceptable (same checks as ccpUrl), and a
// failover (`connect.globalResiliency.onFailoverDetected`) shows on the status line while every contact keeps
// its notification and session (none pops again).

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, cifCalls, waitCifCalls, providerStatus, sleep } from './helpers.mjs';

async function waitCcpStatus(wb, re, timeout = 15000) {
  const end = Date.now() + timeout;
  let status;
  while (Date.now() < end) {
    status = await providerStatus(wb).catch(() => null);
    if (status && re.test(status.ccp)) return status;
    await sleep(100);
  }
  throw new Error(`CCP status never matched ${re}: ${JSON.stringify(status)}`);
}

test('a failover shows on the status line and every contact keeps its pop state', async (t) => {
  const wb = await openBridge(t);
  await waitCcpStatus(wb, /^ready$/);
  // one contact popped, one still ringing
  const popped = await wb.eval(() => window.workbench.placeContact('voice-single'));
  await waitCifCalls(wb, 'notifyEvent');
  await wb.eval((cid) => window.workbench.acceptNotification(cid), popped);
  await waitCifCalls(wb, 'createSession');
  const ringing = await wb.eval(() => window.workbench.placeContact('chat'));
  await waitCifCalls(wb, 'notifyEvent', 2);
  // the CCP worker announces the failover (Streams re-triggers it on the page bus as FAILOVER_DETECTED_CRM)
  await wb.eval(() => window.workbench.ccpCommand('raw', { event: 'globalResiliency::failover_detected_crm', data: { activeRegion: 'us-west-2' } }));
  const status = await waitCcpStatus(wb, /failover/);
  assert.match(status.ccp, /^ready — failover: Amazon Connect switched this CCP to the other region; every contact keeps its notification and session$/);
  await wb.shot('ccp-failover');
  // the snapshots after the failover deliver the same contacts: nothing is notified or popped again
  await wb.eval(() => window.workbench.ccpCommand('push'));
  await sleep(1500);
  assert.equal((await cifCalls(wb, 'notifyEvent')).length, 2, 'no second notification');
  assert.equal((await cifCalls(wb, 'createSession')).length, 1, 'no second session');
  assert.equal((await cifCalls(wb, 'cancelEvent')).length, 0, 'the ringing contact keeps its toast');
  // and the ringing one still pops when accepted
  await wb.eval((cid) => window.workbench.acceptNotification(cid), ringing);
  await waitCifCalls(wb, 'createSession', 2);
  await wb.assertNoPageErrors();
});

test('secondaryCCPUrl is refused like ccpUrl (not https) and enableGlobalResiliency then says so', async (t) => {
  const wb = await openBridge(t, { query: { secondaryCCPUrl: 'http://evil.example/ccp-v2/', enableGlobalResiliency: 'true' } });
  const status = await waitCcpStatus(wb, /ready/);
  assert.ok(status.errors.some((e) => /secondaryCCPUrl/.test(e)), JSON.stringify(status.errors));
  assert.ok(status.errors.some((e) => /enableGlobalResiliency is on but no acceptable secondaryCCPUrl/.test(e)), JSON.stringify(status.errors));
});
