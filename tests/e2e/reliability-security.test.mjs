// Why this file exists: security. The channel provider page served with the workbench's strict
// Content-Security-Policy (/provider-csp/: no 'unsafe-inline', no 'unsafe-eval', only 'wasm-unsafe-eval') runs
// and pops a contact with no CSP violation: no securitypolicyviolation event in any frame, no CSP report to the
// server's report-uri, no CSP console message. (Allow-lists and https-only endpoints are tested natively in
// crates/bridge-core/tests/allow_list.rs; the shell refuses an unlisted ccpUrl at the sink too.)

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, waitCifCalls, sleep, provider, providerStatus, waitCcpStatus } from './helpers.mjs';

function recordViolations() {
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample, source: e.sourceFile });
    console.error('__csp_violation__', e.violatedDirective, e.blockedURI);
  });
}

test('strict CSP: the provider page runs and pops a contact with no CSP violation', async (t) => {
  const wb = await openBridge(t, { query: { wbCsp: 'strict' } });
  // record violations in every frame from the start of the next load
  await wb.context.addInitScript(recordViolations);
  await wb.eval(() => window.workbench.reloadProvider());
  await wb.waitFor(() => window.workbench.cifLoads >= 2, null, 20000);
  // The reloaded page's CCP answers the fake CCP's commands only once Streams is up again.
  await waitCcpStatus(wb, /^ready$/, 20000);
  assert.match(provider(wb).url(), /\/provider-csp\//, 'the provider page came from the strict-CSP route');
  const res = await fetch(provider(wb).url());
  const csp = res.headers.get('content-security-policy') || '';
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(csp, /unsafe-inline|'unsafe-eval'/);

  const id = await wb.eval(() => window.workbench.placeContact('voice-single'));
  await waitCifCalls(wb, 'notifyEvent');
  await wb.waitFor((cid) => window.workbench.notifications.some((n) => n.contactId === cid || (n.params && n.params.contactId === cid)), id);
  await wb.eval((cid) => window.workbench.acceptNotification(cid), id);
  await wb.waitFor((cid) => window.workbench.openSessions.some((s) => s.params.contactId === cid), id, 15000);
  // the diagnostics buttons work under the CSP too
  await provider(wb).locator('[data-bridge="download-trace"]').click().catch(() => {});
  await sleep(1000);

  const status = await providerStatus(wb);
  assert.match(status.dynamics, /connected/);
  assert.match(status.ccp, /ready/);
  const inProvider = await provider(wb).evaluate(() => window.__cspViolations || null);
  assert.deepEqual(inProvider, [], 'no securitypolicyviolation in the provider page');
  const reports = await (await fetch(new URL('/workbench/csp-reports', wb.server.url))).json();
  assert.deepEqual(reports, [], 'no CSP report reached the server');
  const cspConsole = wb.consoleErrors.filter((m) => /Content Security Policy|__csp_violation__|Refused to/i.test(m.text));
  assert.deepEqual(cspConsole, [], 'no CSP console message');
  await wb.assertNoPageErrors();
});
