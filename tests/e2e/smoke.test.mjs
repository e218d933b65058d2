// Why this file exists: the smoke test of the built channel provider page (dist/). Loaded at top level and
// inside the workbench, the page must inject the CIF library from `ucilib` (data-crmurl = its origin,
// data-cifid="CIFMainLibrary"), create the Streams iframe on `ccpUrl`, and throw nothing; outside Dynamics it says
// so on its status line; under the strict CSP it runs without violations.

import test from 'node:test';
import assert from 'node:assert/strict';
import { startWorkbench } from '../../www/workbench/server.mjs';
import { DIST, requireDist, openDirect, openBridge, screenshot, sleep } from './helpers.mjs';

async function injected(frame) {
  return frame.evaluate(() => {
    const s = document.querySelector('script[data-cifid="CIFMainLibrary"]');
    const f = document.querySelector('iframe');
    return {
      script: s && { src: s.src, crmurl: s.getAttribute('data-crmurl'), cifid: s.getAttribute('data-cifid') },
      iframe: f && { src: f.src, name: f.name },
      text: document.body.innerText,
    };
  });
}

test('top level: /provider/?ucilib=…&ccpUrl=… injects the CIF script and the CCP iframe, no page error', async (t) => {
  requireDist();
  const server = await startWorkbench({ host: 'localhost', port: 0, dist: DIST });
  t.after(() => server.close());
  const ucilib = `${server.hostOrigin}/webresources/Widget/msdyn_ciLibrary.js`;
  const ccpUrl = `${server.hostOrigin}/ccp-v2/`;
  const url = `${server.providerOrigin}/provider/?ucilib=${encodeURIComponent(ucilib)}&ccpUrl=${encodeURIComponent(ccpUrl)}&cifInitTimeoutMs=1500`;
  const { page, errors } = await openDirect(t, url);
  await page.waitForFunction(() => document.querySelector('iframe') && document.querySelector('script[data-cifid="CIFMainLibrary"]'), null, { timeout: 15000 });
  const r = await injected(page.mainFrame());
  assert.equal(r.script.src, ucilib);
  assert.equal(r.script.crmurl, server.hostOrigin);
  assert.equal(r.script.cifid, 'CIFMainLibrary');
  assert.equal(r.iframe.src, ccpUrl);
  // the fake CCP answers even without a workbench host page: Streams initialises
  await page.waitForFunction(() => window.connect && window.connect.core && window.connect.core.initialized, null, { timeout: 10000 });
  // outside Dynamics (no CIFInitDone): a visible status line says so, and nothing crashes
  await page.waitForFunction(() => /not connected/i.test(document.body.innerText), null, { timeout: 10000 });
  await sleep(500);
  await screenshot(page, 'smoke-top-level');
  assert.deepEqual(errors, []);
});

test('in the workbench: CIF connected (CIFInitDone), Streams talking to the fake CCP, no page error', async (t) => {
  const wb = await openBridge(t);
  const r = await injected(wb.providerFrame());
  assert.equal(r.script.src, `${wb.server.hostOrigin}/webresources/Widget/msdyn_ciLibrary.js`);
  assert.equal(r.script.crmurl, wb.server.hostOrigin);
  assert.equal(r.script.cifid, 'CIFMainLibrary');
  assert.ok(r.iframe.src.startsWith(`${wb.server.hostOrigin}/ccp-v2/`), r.iframe.src);
  assert.equal(r.iframe.name, 'Amazon Connect CCP');
  assert.ok((await wb.eval(() => window.workbench.ccpRequests.map((x) => x.event))).includes('outer_context_info'));
  await sleep(1000);
  await wb.shot('smoke-workbench');
  await wb.assertNoPageErrors();
});

test('strict CSP: the provider page runs under the documented Content-Security-Policy without violations', async (t) => {
  const wb = await openBridge(t, { query: { wbCsp: 'strict' } });
  const id = await wb.eval(() => window.workbench.placeContact('voice-single'));
  await wb.waitFor(() => window.workbench.notifications.length === 1);
  assert.ok(id);
  await sleep(500);
  const reports = await (await fetch(`${wb.server.hostOrigin}/workbench/csp-reports`)).json();
  assert.deepEqual(reports, []);
  await wb.assertNoPageErrors();
});
