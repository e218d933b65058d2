// Why this file exists: global resiliency through the real Streams 2.28.2 and the fake CCP:
// `secondaryCCPUrl` / `enableGlobalResiliency` / `loginUrl` reach initCCP only when acceptable (same checks as ccpUrl)
// and complete (Streams needs all three for the two-region CCP), and a
// failover (`connect.globalResiliency.onFailoverDetected`) shows on the status line while every contact keeps
// its notification and session (none pops again).

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, cifCalls, waitCifCalls, provider, providerStatus, sleep, waitCcpStatus } from './helpers.mjs';

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

/** What the provider page's last initCCP was given (connectCifBridgeDiagnostics().initCcpParams) and the CCP iframes. */
async function initCcpSeen(wb) {
  return provider(wb).evaluate(() => ({
    params: window.connectCifBridgeDiagnostics ? window.connectCifBridgeDiagnostics().initCcpParams : undefined,
    frames: [...document.querySelectorAll('[data-bridge="ccp"] iframe')].map((f) => f.getAttribute('src')),
  }));
}

/** Re-opens the workbench host page with `query` (URLs that need the server's port are built after it started). */
async function reopenWith(wb, query) {
  const loads = await wb.eval(() => window.workbench.cifLoads);
  await wb.page.goto(`${wb.server.url}?${new URLSearchParams(query)}`);
  await wb.page.waitForFunction(() => window.workbench && window.workbench.cifLoads > 0, null, { timeout: 20000 });
  return loads;
}

test('a valid secondaryCCPUrl with enableGlobalResiliency and loginUrl reaches initCCP, and Streams starts the two-region CCP', async (t) => {
  const wb = await openBridge(t, { waitReady: false });
  const secondaryCCPUrl = `${wb.server.hostOrigin}/ccp-v2/?wbrun=replica-region`;
  const loginUrl = `${wb.server.hostOrigin}/ccp-v2/login`;
  await reopenWith(wb, { enableGlobalResiliency: 'true', secondaryCCPUrl, loginUrl });
  let seen;
  const end = Date.now() + 15000;
  while (Date.now() < end) {
    seen = await initCcpSeen(wb).catch(() => null);
    if (seen && seen.params) break;
    await sleep(100);
  }
  assert.ok(seen && seen.params, `initCCP was never called: ${JSON.stringify(seen)}`);
  assert.equal(seen.params.enableGlobalResiliency, true);
  assert.equal(seen.params.secondaryCCPUrl, secondaryCCPUrl);
  assert.equal(seen.params.loginUrl, loginUrl);
  assert.equal(seen.params.loginPopup, true);
  assert.match(seen.params.ccpUrl, /\/ccp-v2\/\?wbrun=/);
  // Streams 2.28.2 took its two-region path (initGRCCP): one CCP frame per region, the replica's at secondaryCCPUrl.
  // (The fake CCP does not speak the two-region protocol, so the CCP does not become ready here.)
  await provider(wb).waitForFunction(() => document.querySelectorAll('[data-bridge="ccp"] iframe').length === 2, null, { timeout: 10000 });
  seen = await initCcpSeen(wb);
  assert.deepEqual(seen.frames, [seen.params.ccpUrl, secondaryCCPUrl]);
  const status = await providerStatus(wb);
  assert.ok(!status.errors.some((e) => /GlobalResiliency|secondaryCCPUrl|loginUrl/.test(e)), JSON.stringify(status.errors));
});

test('enableGlobalResiliency without loginUrl: the page names the missing key and Streams is not asked for two regions', async (t) => {
  const wb = await openBridge(t, { waitReady: false });
  const secondaryCCPUrl = `${wb.server.hostOrigin}/ccp-v2/?wbrun=replica-region`;
  await reopenWith(wb, { enableGlobalResiliency: 'true', secondaryCCPUrl });
  const status = await waitCcpStatus(wb, /^ready$/, 20000);
  assert.ok(status.errors.some((e) => /^enableGlobalResiliency is on without an acceptable loginUrl: Amazon Connect Streams needs both secondaryCCPUrl and loginUrl for the two-region CCP, so the CCP starts in one region only$/.test(e)), JSON.stringify(status.errors));
  const seen = await initCcpSeen(wb);
  assert.equal(seen.params.enableGlobalResiliency, undefined);
  assert.equal(seen.params.loginUrl, undefined);
  assert.equal(seen.frames.length, 1, 'one region');
});

test('loginUrl is refused like ccpUrl (not https): the errors box names the key and what was expected; Streams signs in at ccpUrl', async (t) => {
  const wb = await openBridge(t, { query: { loginUrl: 'http://login.evil.example/saml' } });
  const status = await waitCcpStatus(wb, /ready/);
  assert.ok(status.errors.some((e) => /^configuration key `loginUrl` from the page's URL: value "http:\/\/login\.evil\.example\/saml" refused, expected an https:\/\/ sign-in URL/.test(e)), JSON.stringify(status.errors));
  const seen = await initCcpSeen(wb);
  assert.equal(seen.params.loginUrl, undefined);
});

test('secondaryCCPUrl is refused like ccpUrl (not https) and enableGlobalResiliency then says so', async (t) => {
  const wb = await openBridge(t, { query: { secondaryCCPUrl: 'http://evil.example/ccp-v2/', enableGlobalResiliency: 'true' } });
  const status = await waitCcpStatus(wb, /ready/);
  assert.ok(status.errors.some((e) => /secondaryCCPUrl/.test(e)), JSON.stringify(status.errors));
  assert.ok(status.errors.some((e) => /enableGlobalResiliency is on without an acceptable secondaryCCPUrl or loginUrl/.test(e)), JSON.stringify(status.errors));
});
