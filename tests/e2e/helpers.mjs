// Why this file exists: the shared harness of the end-to-end tests (node --test tests/e2e/). It starts the
// workbench server on a free port (serving the built provider page from dist/, or another directory), launches
// Debian's /usr/bin/chromium through playwright-core (never a downloaded browser), opens the workbench host page,
// collects uncaught errors from every frame (a test fails on any), and saves screenshots to tests/e2e/artifacts/.
// Each test gets its own browser context (its own storage, Web Locks, channels and renderer processes) in one
// Chromium per test file: a launch costs about 2 CPU-seconds here, and the suite shares two cores.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startWorkbench } from '../../www/workbench/server.mjs';
import { launchBrowser } from './browser.mjs';

export const E2E = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(E2E, '..', '..');
export const ARTIFACTS = path.join(E2E, 'artifacts');
export const DIST = process.env.WORKBENCH_DIST ? path.resolve(process.env.WORKBENCH_DIST) : path.join(REPO, 'dist');

/** Fails fast, with a useful message, when the provider page has not been built. */
export function requireDist(dist = DIST) {
  if (!fs.existsSync(path.join(dist, 'index.html'))) {
    throw new Error(`${path.join(dist, 'index.html')} is missing: build the channel provider page first (npm run build)`);
  }
  return dist;
}

let shared = null;

/** This test file's Chromium, launched on first use and again if it went away (a crash); closed after the file. */
export async function sharedBrowser() {
  if (shared) {
    const browser = await shared.catch(() => null);
    if (browser && browser.isConnected()) return browser;
  }
  shared = launchBrowser();
  return shared;
}

after(async () => {
  if (!shared) return;
  const browser = await shared.catch(() => null);
  shared = null;
  if (browser) await browser.close().catch(() => {});
});

/** Marker used by the init script to report uncaught errors of any frame through the console. */
const UNCAUGHT = '__workbench_uncaught__';

function initScript(marker) {
  // runs in every frame (host page, provider page, fake CCP) before its own scripts
  const report = (kind, message, stack) => {
    try { console.error(marker, JSON.stringify({ kind, message: String(message), stack: stack ? String(stack) : null, href: location.href })); } catch { /* ignore */ }
  };
  window.addEventListener('error', (e) => report('error', e.message, e.error && e.error.stack));
  window.addEventListener('unhandledrejection', (e) => {
    const r = e.reason;
    let m;
    try { m = r && r.message ? r.message : typeof r === 'string' ? r : JSON.stringify(r); } catch { m = String(r); }
    report('unhandledrejection', m, r && r.stack);
  });
}

/** Attach error collection to a page; returns the live array of problems. */
export function watchErrors(page) {
  const errors = [];
  const consoleErrors = [];
  page.on('pageerror', (err) => errors.push({ source: 'pageerror', message: err.message, stack: err.stack }));
  page.on('console', (msg) => {
    const text = msg.text();
    if (text.startsWith(UNCAUGHT)) {
      let d;
      try { d = JSON.parse(text.slice(UNCAUGHT.length).trim()); } catch { d = { message: text }; }
      errors.push({ source: 'frame', ...d });
    } else if (msg.type() === 'error') {
      consoleErrors.push({ text, url: msg.location() && msg.location().url });
    }
  });
  page.on('crash', () => errors.push({ source: 'crash', message: 'page crashed' }));
  return { errors, consoleErrors };
}

/**
 * Start the server + browser and open the workbench host page.
 * opts: {dist, csp ('strict'|'off'), query: {…} (host page query: wb* options and pass-through provider keys),
 *        viewport, waitReady (default true), directProvider: false}
 */
export async function openWorkbench(t, opts = {}) {
  const dist = opts.dist || DIST;
  const server = await startWorkbench({ host: 'localhost', port: 0, dist, csp: opts.csp || 'off' });
  const browser = await sharedBrowser();
  const context = await browser.newContext({ viewport: opts.viewport || { width: 1400, height: 900 } });
  await context.addInitScript(initScript, UNCAUGHT);
  const page = await context.newPage();
  const { errors, consoleErrors } = watchErrors(page);
  const q = new URLSearchParams(opts.query || {});
  const url = `${server.url}${q.toString() ? '?' + q : ''}`;
  const close = async () => {
    await context.close().catch(() => {});
    await server.close().catch(() => {});
  };
  if (t && t.after) t.after(close);
  await page.goto(url);
  await page.waitForFunction(() => !!window.workbench, null, { timeout: 10000 });
  const wb = workbenchHandle({ server, browser, context, page, errors, consoleErrors, url, close });
  if (opts.waitReady !== false) await waitWorkbenchReady(wb, opts.readyTimeout || 20000);
  return wb;
}

/** The test handle of one workbench host page (what openWorkbench returns). */
function workbenchHandle({ server, browser, context, page, errors, consoleErrors, url, close }) {
  const wb = {
    server, browser, context, page, errors, consoleErrors, url, close,
    /** page.evaluate in the host page; fn uses window.workbench */
    eval: (fn, arg) => page.evaluate(fn, arg),
    /** wait until fn(arg) (evaluated in the host page) is truthy; returns its value */
    waitFor: async (fn, arg, timeout = 15000) => {
      const h = await page.waitForFunction(fn, arg, { timeout, polling: 50 });
      return h.jsonValue();
    },
    providerFrame: () => page.frames().find((f) => f.url().startsWith(server.providerOrigin)),
    ccpFrame: () => page.frames().find((f) => f.url().startsWith(`${server.hostOrigin}/ccp-v2/`)),
    shot: (name) => screenshot(page, name),
    /** throws if any frame had an uncaught error (or the provider reported one through the CIF double) */
    assertNoPageErrors: async () => {
      let reported = [];
      try { reported = await page.evaluate(() => window.workbench.pageErrors); } catch { /* page gone */ }
      const all = [...errors, ...reported.map((r) => ({ source: `reported:${r.frame}`, ...r }))];
      if (all.length) throw new Error(`uncaught page errors:\n${all.map((e) => `  [${e.source}] ${e.message}${e.href ? ` (${e.href})` : ''}`).join('\n')}`);
    },
  };
  return wb;
}

/** Waits until the host page's CIF double loaded and its fake CCP pushed a snapshot. */
async function waitWorkbenchReady(wb, timeout) {
  const { page } = wb;
  await page.waitForFunction(() => window.workbench && window.workbench.cifLoads > 0 && window.workbench.ccp.agentState, null,
    { timeout }).catch(async (e) => {
    const s = await page.evaluate(() => ({ cifLoads: window.workbench.cifLoads, ccp: window.workbench.ccp, log: window.workbench.log.slice(-20) })).catch(() => null);
    throw new Error(`workbench not ready (CIF double loaded and fake CCP snapshot pushed): ${e.message}\n${JSON.stringify(s, null, 1)}`);
  });
}

/**
 * Another Dynamics tab of the same run: a second host page in the same browser context (profile),
 * whose fake CCP shares the agent and contacts of `wb`'s. via 'button' presses the host control "Open a second
 * Dynamics tab" in `wb`'s page; via 'url' (default) opens `workbench.sameRunUrl` in a new page. Returns a handle
 * like openWorkbench's (its close() closes only this page).
 */
export async function openSameRunTab(wb, opts = {}) {
  let page;
  let watched;
  if (opts.via === 'button') {
    const popup = wb.context.waitForEvent('page');
    await wb.page.locator('details.ctl > summary', { hasText: 'Several Dynamics tabs' }).click();
    await wb.page.locator('#second-tab').click();
    page = await popup;
    watched = watchErrors(page);
    await page.waitForLoadState('domcontentloaded');
  } else {
    const url = await wb.eval(() => window.workbench.sameRunUrl);
    page = await wb.context.newPage();
    watched = watchErrors(page);
    await page.goto(url);
  }
  await page.waitForFunction(() => !!window.workbench, null, { timeout: 10000 });
  const other = workbenchHandle({ server: wb.server, browser: wb.browser, context: wb.context, page, ...watched, url: page.url(),
    close: () => page.close().catch(() => {}) });
  if (opts.waitReady !== false) await waitWorkbenchReady(other, opts.readyTimeout || 30000);
  await sleep(opts.settleMs ?? 300);
  return other;
}

/** Open a page directly (no workbench host page), with error collection. */
export async function openDirect(t, url, opts = {}) {
  const browser = opts.browser || await sharedBrowser();
  const context = await browser.newContext({ viewport: opts.viewport || { width: 1000, height: 800 } });
  await context.addInitScript(initScript, UNCAUGHT);
  const page = await context.newPage();
  const { errors, consoleErrors } = watchErrors(page);
  if (t && t.after) t.after(() => context.close().catch(() => {}));
  await page.goto(url);
  return { browser, context, page, errors, consoleErrors };
}

export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * A provider "dist" made of the stand-in fixture plus connect-streams.js and amazon-connect-task.js from
 * node_modules (for the fake-CCP self-test; the real provider page is dist/).
 */
export function makeStandinDist({ taskjs = true } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wb-standin-'));
  const src = path.join(E2E, 'fixtures', 'standin');
  for (const f of fs.readdirSync(src)) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  fs.copyFileSync(path.join(REPO, 'node_modules/amazon-connect-streams/release/connect-streams.js'), path.join(dir, 'connect-streams.js'));
  if (taskjs) fs.copyFileSync(path.join(REPO, 'node_modules/amazon-connect-taskjs/dist/amazon-connect-task.js'), path.join(dir, 'amazon-connect-task.js'));
  else fs.writeFileSync(path.join(dir, 'amazon-connect-task.js'), '// TaskJS deliberately absent\n');
  return dir;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------
// Helpers for the product tests (the built channel provider page in dist/, driven through the workbench)

/** Open the workbench around the built provider page; fails clearly when dist/ is missing. */
export async function openBridge(t, opts = {}) {
  requireDist(opts.dist || DIST);
  const wb = await openWorkbench(t, { ...opts, readyTimeout: opts.readyTimeout || 30000 });
  // the bridge registers its handlers and settles its start-up calls right after CIFInitDone
  await sleep(opts.settleMs ?? 300);
  return wb;
}

/** CIF calls of `method` seen by the host (all provider loads). */
export const cifCalls = (wb, method) => wb.eval((m) => window.workbench.cifCalls.filter((c) => !m || c.method === m), method);
/** Streams api_requests of `method` seen by the fake CCP. */
export const apiRequests = (wb, method) => wb.eval((m) => window.workbench.apiRequests.filter((r) => !m || r.method === m), method);

/** Wait until at least `n` CIF calls of `method` were made; returns them. */
export async function waitCifCalls(wb, method, n = 1, timeout = 10000) {
  try {
    await wb.waitFor(([m, k]) => window.workbench.cifCalls.filter((c) => c.method === m).length >= k, [method, n], timeout);
  } catch (e) {
    const seen = await wb.eval(() => window.workbench.cifCalls.map((c) => `${c.method}:${c.status}`)).catch(() => []);
    throw new Error(`expected ${n} × ${method}; CIF calls so far: ${seen.join(', ') || 'none'} (${e.message.split('\n')[0]})`);
  }
  return cifCalls(wb, method);
}

/** Wait until at least `n` Streams api_requests of `method` reached the fake CCP. */
export async function waitApiRequests(wb, method, n = 1, timeout = 10000) {
  try {
    await wb.waitFor(([m, k]) => window.workbench.apiRequests.filter((r) => r.method === m).length >= k, [method, n], timeout);
  } catch (e) {
    const seen = await wb.eval(() => window.workbench.apiRequests.map((r) => r.method)).catch(() => []);
    throw new Error(`expected ${n} × api_request ${method}; seen: ${seen.join(', ') || 'none'}`);
  }
  return apiRequests(wb, method);
}

/** The first argument of a CIF call (the input object), parsed if the bridge passed a JSON string. */
export function input(call) {
  const a = call.args && call.args[0];
  if (typeof a === 'string') { try { return JSON.parse(a); } catch { return a; } }
  return a;
}

/** Place a preset contact and wait for its notification toast. */
export async function placeAndNotify(wb, preset, overrides) {
  const before = (await cifCalls(wb, 'notifyEvent')).length;
  const id = await wb.eval(([p, o]) => window.workbench.placeContact(p, o), [preset, overrides || {}]);
  await waitCifCalls(wb, 'notifyEvent', before + 1);
  await wb.waitFor((cid) => window.workbench.notifications.some((n) => n.contactId === cid || n.params.contactId === cid) || window.workbench.notifications.length > 0, id);
  return id;
}

export const normGuid = (g) => String(g).replace(/[{}]/g, '').toLowerCase();

// ---------------------------------------------------------------------------------------------------------
// Helpers for the reliability tests: what the agent sees on the provider page, per contact state.

/** The provider page's frame (a Playwright Frame; `frame.locator` reads its DOM). */
export function provider(wb) {
  const f = wb.providerFrame();
  if (!f) throw new Error('the provider frame is not loaded');
  return f;
}

/** The texts of the provider page's notices area (what the agent is told), oldest first. */
export async function providerNotices(wb) {
  return provider(wb).locator('[data-bridge="notices"] li').allTextContents();
}

/** The provider page's status line: {dynamics, ccp, errors, retryVisible}. */
/** Waits until the provider page's CCP status line matches `re` (e.g. /^ready$/ after a reload). */
export async function waitCcpStatus(wb, re, timeout = 15000) {
  const end = Date.now() + timeout;
  let status;
  while (Date.now() < end) {
    status = await providerStatus(wb).catch(() => null);
    if (status && re.test(status.ccp)) return status;
    await sleep(100);
  }
  throw new Error(`CCP status never matched ${re}: ${JSON.stringify(status)}`);
}

export async function providerStatus(wb) {
  return provider(wb).evaluate(() => {
    const q = (s) => document.querySelector(s);
    const retry = q('[data-bridge="ccp-retry"]');
    return {
      dynamics: q('[data-bridge="dynamics-status"]')?.textContent ?? null,
      ccp: q('[data-bridge="ccp-status"]')?.textContent ?? null,
      errors: [...document.querySelectorAll('[data-bridge="errors"] li')].map((li) => li.textContent),
      retryVisible: !!retry && !retry.hidden,
    };
  });
}

/** Wait until a notice matching `re` is shown on the provider page; returns its text. */
export async function waitNotice(wb, re, timeout = 15000) {
  const end = Date.now() + timeout;
  let seen = [];
  while (Date.now() < end) {
    seen = await providerNotices(wb).catch(() => []);
    const hit = seen.find((t) => re.test(t));
    if (hit) return hit;
    await sleep(100);
  }
  throw new Error(`no notice matching ${re} on the provider page; notices: ${JSON.stringify(seen)}`);
}

/** Sessions (open or closed) the host holds for a contact (by the contactId template parameter). */
export const sessionsFor = (wb, contactId) => wb.eval((cid) => window.workbench.sessions.filter((s) => s.params && s.params.contactId === cid), contactId);

// ---------------------------------------------------------------------------------------------------------
// Helpers for the reload and source-of-truth tests.

/** Reloads the provider page and waits until its CCP is ready again. */
export async function reloadProvider(wb) {
  const n = await wb.eval(() => window.workbench.cifLoads);
  await wb.eval(() => window.workbench.reloadProvider());
  await wb.waitFor((k) => window.workbench.cifLoads > k, n, 20000);
  await waitProviderReady(wb);
}

/** Waits until the provider page's status line says `CCP: ready` (after a load or reload). */
export async function waitProviderReady(wb) {
  for (let i = 0; i < 150; i++) {
    const status = await providerStatus(wb).catch(() => ({ ccp: '' }));
    if (/ready/.test(status.ccp || '')) return;
    await sleep(100);
  }
  throw new Error('the reloaded provider page never said CCP: ready');
}

/** Makes web storage throw in the provider frame (storage-partitioned or locked-down browsers), from its next load. */
export async function blockProviderStorage(wb) {
  await wb.context.addInitScript((origin) => {
    if (location.origin !== origin) return;
    Object.defineProperty(window, 'sessionStorage', {
      configurable: true,
      get() { throw new DOMException('The operation is insecure.', 'SecurityError'); },
    });
  }, wb.server.providerOrigin);
}

/** The contact's one session in Dynamics, each of its tabs once, and the tabs `expected` (entity names) there. */
export async function assertOneSessionWithTabs(wb, id, expected, context = '') {
  const sessions = (await sessionsFor(wb, id)).filter((s) => !s.closed);
  assert.equal(sessions.length, 1, `${context}one session for ${id}: ${sessions.map((s) => s.title).join(', ')}`);
  const tabs = sessions[0].tabs.filter((t) => !t.anchor);
  const keys = tabs.map((t) => `${t.templateName}|${t.params.entityName || ''}|${t.params.entityId || ''}|${t.params.searchText || ''}`);
  assert.equal(new Set(keys).size, keys.length, `${context}each tab once: ${keys.join(', ')}`);
  for (const entity of expected) {
    assert.ok(tabs.some((t) => t.params.entityName === entity), `${context}the ${entity} tab is open: ${keys.join(', ')}`);
  }
  return sessions[0];
}
