// Why this file exists: issue 14, CCP failures that say their real cause, through the real Streams 2.28.2 and the
// workbench's fake CCP: blocked third-party storage (initCCP throws a SecurityError), auth_fail, access_denied and
// terminated each put a status-line message naming the cause and what to do, with the Retry button.

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, provider, providerStatus, sleep } from './helpers.mjs';

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

test('blocked third-party storage: initCCP throws a SecurityError → the page says the browser blocks storage and what to allow', async (t) => {
  const wb = await openBridge(t);
  // Chromium with third-party storage blocked: reading window.localStorage in the cross-site provider frame throws.
  await wb.context.addInitScript((providerOrigin) => {
    if (location.origin !== providerOrigin) return;
    Object.defineProperty(window, 'localStorage', {
      configurable: true,
      get() { throw new DOMException("Failed to read the 'localStorage' property from 'Window': Access is denied for this document.", 'SecurityError'); },
    });
  }, wb.server.providerOrigin);
  await wb.eval(() => window.workbench.reloadProvider());
  await wb.waitFor(() => window.workbench.cifLoads >= 2, null, 20000);
  const status = await waitCcpStatus(wb, /failed/);
  assert.match(status.ccp, /failed: the browser blocks storage for this frame \(SecurityError/, status.ccp);
  assert.match(status.ccp, /allow third-party cookies and site data for this page's origin and the Amazon Connect origin/);
  assert.match(status.ccp, /open the CCP in its own window/);
  assert.ok(status.retryVisible, 'Retry is offered');
  assert.ok(status.errors.some((e) => /blocks storage for this frame/.test(e)), JSON.stringify(status.errors));
  await wb.shot('ccp-storage-blocked');
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

test('auth_fail with the login pop-up blocked by the browser → the page names the blocked pop-up', async (t) => {
  const wb = await openBridge(t);
  // the browser's pop-up blocker: window.open gives no window in the provider frame
  await wb.context.addInitScript((providerOrigin) => {
    if (location.origin !== providerOrigin) return;
    window.open = () => null;
  }, wb.server.providerOrigin);
  await wb.eval(() => window.workbench.reloadProvider());
  await wb.waitFor(() => window.workbench.cifLoads >= 2, null, 20000);
  await waitCcpStatus(wb, /ready/, 20000);
  await wb.eval(() => window.workbench.ccpCommand('authFail'));
  await waitCcpStatus(wb, /not signed in/);
  const status = await waitCcpStatus(wb, /failed: the browser blocked the Amazon Connect login pop-up/, 15000);
  assert.match(status.ccp, /allow pop-ups for this page's origin.*Retry/);
  assert.ok(status.retryVisible);
  await wb.shot('ccp-login-popup-blocked');
});
