// Why this file exists: how the tests and the bench launch Debian's /usr/bin/chromium through playwright-core
// (never a downloaded browser), with the arguments that make a cross-site provider frame behave as in real Chrome.
// Apart from helpers.mjs because that one is the test harness (it registers node:test hooks), and the bench is not a
// test.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

const EXECUTABLE = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
let featureArgs = null;
const PLAYWRIGHT_VERSION = JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules/playwright-core/package.json'), 'utf8')).version;
/** Where the probe's answer is kept for the other test files: it depends on playwright-core's own arguments only. */
const FEATURE_ARGS_CACHE = path.join(os.tmpdir(), `ccb-e2e-chromium-features-${PLAYWRIGHT_VERSION}.json`);

/**
 * playwright-core launches Chromium with --disable-features=…,ThirdPartyStoragePartitioning,… . With that, and
 * third-party cookies blocked (Chromium's default here), a cross-site iframe — the channel provider page inside
 * Dynamics — gets "Access is denied" for localStorage, which real Chrome (partitioned storage) never does, and
 * Streams' initCCP throws. So we read Playwright's default --disable-features once (a probe launch, its answer
 * kept in a temporary file for the other test files) and relaunch without that item.
 */
async function realisticFeatureArgs() {
  if (featureArgs) return featureArgs;
  try {
    featureArgs = JSON.parse(fs.readFileSync(FEATURE_ARGS_CACHE, 'utf8'));
    if (Array.isArray(featureArgs.ignore) && Array.isArray(featureArgs.args)) return featureArgs;
  } catch { /* not probed yet */ }
  const probe = await chromium.launch({ executablePath: EXECUTABLE, headless: true, args: [...CHROMIUM_ARGS, '--enable-automation'] });
  try {
    const cdp = await probe.newBrowserCDPSession();
    const { arguments: argv } = await cdp.send('Browser.getBrowserCommandLine');
    const dis = argv.find((a) => a.startsWith('--disable-features='));
    if (!dis) {
      featureArgs = { ignore: [], args: [] };
    } else {
      const kept = dis.slice('--disable-features='.length).split(',').filter((f) => f && f !== 'ThirdPartyStoragePartitioning');
      featureArgs = { ignore: [dis], args: [`--disable-features=${kept.join(',')}`] };
    }
    // written whole, then renamed: another test file may be reading it
    const tmp = `${FEATURE_ARGS_CACHE}.${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(featureArgs));
    fs.renameSync(tmp, FEATURE_ARGS_CACHE);
  } catch {
    featureArgs = { ignore: [], args: [] };
  } finally {
    await probe.close();
  }
  return featureArgs;
}

/** A Chromium of its own (the tests share one per file: see sharedBrowser in helpers.mjs). */
export async function launchBrowser() {
  const f = await realisticFeatureArgs();
  return chromium.launch({ executablePath: EXECUTABLE, headless: true, args: [...CHROMIUM_ARGS, ...f.args], ignoreDefaultArgs: f.ignore });
}
