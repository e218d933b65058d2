// Why this file exists: CCP failures that say their real cause, through the real Streams 2.28.2 and the
// workbench's fake CCP: blocked third-party storage (initCCP throws a SecurityError), auth_fail, access_denied,
// terminated, a blocked login pop-up and a CCP frame refused by frame-ancestors each put a status-line message
// naming the cause and what to do, with the Retry button — the browser conditions produced by the workbench's own
// controls, so a person sees the same texts by hand.

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, provider, waitCcpStatus } from './helpers.mjs';

// The browser conditions below are the workbench's own "Provider fault" control (so every error text is
// shown in the workbench): `wbProviderFault=<fault>` on the host page, or the control panel's select and button.
// storage/popup serve the provider page under /provider-fault/<fault>/ with a small injected script (never in
// dist/); frame-ancestors makes the fake CCP refuse to be framed by the provider page.

test('blocked third-party storage (workbench control wbProviderFault=storage): initCCP throws a SecurityError → the page says the browser blocks storage and what to allow', async (t) => {
  const wb = await openBridge(t, { query: { wbProviderFault: 'storage' }, waitReady: false });
  assert.match(await wb.eval(() => window.workbench.providerUrl), /\/provider-fault\/storage\//);
  const status = await waitCcpStatus(wb, /failed/, 20000);
  assert.match(status.ccp, /^failed: the browser blocks storage for this frame \(SecurityError/, status.ccp);
  assert.match(status.ccp, /allow third-party cookies and site data for this page's origin and the Amazon Connect origin/);
  assert.match(status.ccp, /open the CCP in its own window/);
  assert.ok(status.retryVisible, 'Retry is offered');
  assert.ok(status.errors.some((e) => /blocks storage for this frame/.test(e)), JSON.stringify(status.errors));
  await wb.shot('ccp-storage-blocked');
  // the product's own bundle is unchanged: the fault script comes from the workbench route only
  const scripts = await provider(wb).evaluate(() => [...document.scripts].map((s) => s.getAttribute('src')));
  assert.equal(scripts[0], '/workbench/faults/provider-fault.js');
  // clearing the fault and reloading brings the CCP up again
  await wb.eval(() => { window.workbench.setProviderFault(''); return window.workbench.reloadProvider(); });
  await waitCcpStatus(wb, /^ready$/, 20000);
});

for (const [cmd, re] of [
  ['authFail', /failed: not signed in to Amazon Connect \(authentication failed\).*allow pop-ups for this page's origin.*Retry/],
  ['accessDenied', /failed: access denied: the user lacks Amazon Connect CCP permissions.*Retry/],
  ['terminated', /failed: the Amazon Connect session ended \(signed out, or the sign-in expired\).*Retry/],
]) {
  test(`${cmd} from the CCP → a status line naming the cause, and Retry recovers`, async (t) => {
    const wb = await openBridge(t);
    await waitCcpStatus(wb, /ready/);
    await wb.eval((c) => window.workbench.ccpCommand(c), cmd);
    const status = await waitCcpStatus(wb, re);
    assert.ok(status.retryVisible, 'Retry is offered');
    await wb.shot(`ccp-${cmd}`);
    await provider(wb).locator('[data-bridge="ccp-retry"]').click();
    const after = await waitCcpStatus(wb, /ready/, 20000);
    assert.equal(after.retryVisible, false);
    await wb.assertNoPageErrors();
  });
}

test('auth_fail with the login pop-up blocked (control panel: Provider fault "pop-ups blocked") → the page names the blocked pop-up', async (t) => {
  const wb = await openBridge(t);
  await waitCcpStatus(wb, /ready/, 20000);
  // by hand: open "Agent & Connect", pick the fault, reload the provider page with it, send auth_fail
  const loads = await wb.eval(() => window.workbench.cifLoads);
  await wb.page.locator('#controls summary', { hasText: 'Agent & Connect' }).click();
  await wb.page.selectOption('#provider-fault', 'popup');
  await wb.page.locator('#provider-fault-load').click();
  await wb.waitFor((n) => window.workbench.cifLoads > n, loads, 20000);
  assert.equal(await wb.eval(() => window.workbench.providerFault), 'popup');
  await waitCcpStatus(wb, /ready/, 20000);
  await wb.page.locator('#controls button', { hasText: 'Send auth_fail' }).click();
  await waitCcpStatus(wb, /not signed in/);
  const status = await waitCcpStatus(wb, /failed: the browser blocked the Amazon Connect login pop-up/, 15000);
  assert.match(status.ccp, /allow pop-ups for this page's origin.*Retry/);
  assert.ok(status.retryVisible);
  await wb.shot('ccp-login-popup-blocked');
});

test('CCP frame refused by frame-ancestors (wbProviderFault=frame-ancestors) → after 15 s "not answering" names approved origins, frame-ancestors and Referrer-Policy', async (t) => {
  const wb = await openBridge(t, { query: { wbProviderFault: 'frame-ancestors' }, waitReady: false });
  await wb.waitFor(() => window.workbench.cifLoads >= 1, null, 20000);
  const started = Date.now();
  const status = await waitCcpStatus(wb, /not answering/, 30000);
  assert.ok(Date.now() - started > 8000, 'not before the bound');
  assert.match(status.ccp, /^not answering: the CCP has not answered for 15 s \(Amazon Connect Streams keeps trying\)/, status.ccp);
  for (const needle of [/frame-ancestors/, /Refused to frame/, /approved origin of the instance/, /ccpUrl/, /Referrer-Policy keeps the origin \(strict-origin-when-cross-origin\)/, /press Retry$/]) {
    assert.match(status.ccp, needle);
  }
  assert.ok(status.retryVisible, 'Retry is offered');
  // the refusal was real: the browser refused the frame and the fake CCP never spoke to Streams
  assert.ok(wb.consoleErrors.some((e) => /Refused to frame/.test(e.text) && /frame-ancestors/.test(e.text)), JSON.stringify(wb.consoleErrors.slice(0, 5)));
  assert.equal(await wb.eval(() => window.workbench.ccp.agentState), null);
  await wb.shot('ccp-frame-refused');
});
