// Why this file exists: spec §3.14 — "after any reload, including one while createSession or createTab was in
// flight, and with web storage unavailable, every contact ends with exactly one session and its tabs". The other
// reload tests stop at chosen points; this one sweeps the moment. Each case is drawn from a seed: one contact or
// two (voice single / multi / no match, chat), Dynamics answering at once or slowly (`slow`: acts, answers late;
// `queued`: acts late), and a reload at a random delay after a random point (ringing, just accepted,
// `createSession` sent, `createTab` sent), sometimes a second one while the first reloaded page is still
// starting. The agent then accepts whatever toast the page shows. What must hold, with web storage working and
// with it throwing: each contact has exactly one session in Dynamics, with each of its tabs once and the ones its
// slugs ask for; Connect has it connected; no frame threw.
//
// A failure names its seed and case: RELOAD_SWEEP_SEED=<seed> RELOAD_SWEEP_CASES=<n> repeats the sweep.

import fs from 'node:fs';
import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, cifCalls, sleep, sessionsFor, reloadProvider, waitProviderReady, blockProviderStorage, assertOneSessionWithTabs } from './helpers.mjs';

const SEED = Number(process.env.RELOAD_SWEEP_SEED ?? 20261203);
const CASES = Number(process.env.RELOAD_SWEEP_CASES ?? 10);

/** What each preset's pop opens: entity tabs by name, and whether a search tab. */
const POPS = {
  'voice-single': { entities: ['phonecall'], search: false },
  'voice-multi': { entities: ['phonecall'], search: true },
  'voice-nomatch': { entities: ['phonecall'], search: true },
  chat: { entities: ['msdyn_ocliveworkitem'], search: false },
};
const STAGES = ['ringing', 'accepted', 'createSession', 'createTab'];

/** mulberry32: a small seeded generator, so a case can be drawn again from its seed. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One case of the sweep, drawn from `seed`. */
function drawCase(seed) {
  const random = generator(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const presets = [pick(Object.keys(POPS))];
  if (random() < 0.3) presets.push('chat');
  const slowMethod = pick([null, 'createSession', 'createTab']);
  return {
    presets,
    stage: pick(STAGES),
    delayMs: Math.floor(random() * 400),
    dynamics: slowMethod && { method: slowMethod, mode: pick(['slow', 'queued']), delayMs: 100 + Math.floor(random() * 700) },
    secondReloadMs: random() < 0.3 ? Math.floor(random() * 600) : null,
  };
}

const countCalls = async (wb, method) => (await cifCalls(wb, method)).length;

/** Waits until the host saw more than `n` calls of `method` (false if none came within `timeout`). */
const moreCalls = (wb, method, n, timeout = 10000) =>
  wb.waitFor(([m, k]) => window.workbench.cifCalls.filter((c) => c.method === m).length > k, [method, n], timeout).then(() => true, () => false);

/** Accepts the newest open toast of each contact in `ids`, if it has one; returns how many it accepted. */
const acceptNewestToasts = (wb, ids) =>
  wb.eval((list) => {
    let accepted = 0;
    for (const id of list) {
      const toasts = window.workbench.notifications.filter((n) => n.contactId === id || (n.params && n.params.contactId === id));
      if (toasts.length) {
        window.workbench.acceptNotification(toasts[toasts.length - 1].id);
        accepted += 1;
      }
    }
    return accepted;
  }, ids);

/** Whether every contact of `ids` has an open session holding the tabs its preset pops. */
const popped = (wb, wanted) =>
  wb.eval((list) => list.every(({ id, entities, search }) => window.workbench.openSessions.some((s) => s.params.contactId === id
    && entities.every((e) => s.tabs.some((t) => t.params.entityName === e)) && (!search || s.tabs.some((t) => t.kind === 'search')))), wanted);

/** The provider page's trace lines about these contacts (its Download trace button), for a failure message. */
async function providerTrace(wb, ids) {
  try {
    const [download] = await Promise.all([
      wb.page.waitForEvent('download', { timeout: 5000 }),
      wb.providerFrame().locator('[data-bridge="download-trace"]').click(),
    ]);
    const trace = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
    return trace.filter((e) => !e.contact || ids.includes(e.contact)).slice(-60)
      .map((e) => `${e.at ?? ''} ${e.contact ? e.contact.slice(0, 8) : '-'} ${e.kind}: ${e.detail ?? e.text ?? ''}`);
  } catch (e) {
    return [`(no trace: ${e.message.split('\n')[0]})`];
  }
}

/** What the host and the provider page know of these contacts, for a failure message. */
const describe = async (wb, ids) => `${await describeHost(wb, ids)}\nprovider trace:\n  ${(await providerTrace(wb, ids)).join('\n  ')}`;

const describeHost = (wb, ids) =>
  wb.eval((list) => {
    const w = window.workbench;
    return JSON.stringify({
      sessions: w.sessions.filter((s) => list.includes(s.params.contactId))
        .map((s) => ({ id: s.id, contactId: s.params.contactId, closed: s.closed, tabs: s.tabs.map((t) => `${t.kind}:${t.params.entityName || ''}`) })),
      toasts: w.notifications.map((n) => ({ id: n.id, contactId: n.contactId })),
      ccp: w.ccp.contacts.filter((c) => list.includes(c.contactId)).map((c) => ({ id: c.contactId, state: c.state })),
      calls: w.cifCalls.slice(-25).map((c) => `${c.method}:${c.status}`),
      log: w.log.slice(-15),
    }, null, 1);
  }, ids);

async function runCase(wb, seed) {
  const c = drawCase(seed);
  const label = `seed ${seed} ${JSON.stringify(c)}: `;
  if (c.dynamics) await wb.eval(({ method, mode, delayMs }) => window.workbench.setFault(method, mode, { delayMs }), c.dynamics);
  const sessionsBefore = await countCalls(wb, 'createSession');
  const tabsBefore = await countCalls(wb, 'createTab');
  const ids = [];
  for (const preset of c.presets) ids.push(await wb.eval((p) => window.workbench.placeContact(p), preset));

  if (c.stage !== 'ringing') {
    const shown = await wb.waitFor((list) => list.every((id) => window.workbench.notifications.some((n) => n.contactId === id)), ids, 15000)
      .then(() => true, () => false);
    assert.ok(shown, `${label}every contact got its toast before the reload: ${await describe(wb, ids)}`);
    await acceptNewestToasts(wb, ids);
    if (c.stage === 'createSession') await moreCalls(wb, 'createSession', sessionsBefore);
    if (c.stage === 'createTab') await moreCalls(wb, 'createTab', tabsBefore);
  }
  await sleep(c.delayMs);

  const loads = await wb.eval(() => window.workbench.cifLoads);
  await wb.eval(() => window.workbench.reloadProvider());
  if (c.secondReloadMs !== null) {
    await wb.waitFor((k) => window.workbench.cifLoads > k, loads, 20000);
    await sleep(c.secondReloadMs);
    await wb.eval(() => window.workbench.reloadProvider());
  }
  await wb.waitFor((k) => window.workbench.cifLoads > k, loads + (c.secondReloadMs !== null ? 1 : 0), 20000);
  await waitProviderReady(wb);

  // The agent answers whatever toast the page shows now, until every contact popped.
  const wanted = ids.map((id, i) => ({ id, ...POPS[c.presets[i]] }));
  const end = Date.now() + 25000;
  while (!(await popped(wb, wanted))) {
    assert.ok(Date.now() < end, `${label}every contact pops after the reload: ${await describe(wb, ids)}`);
    await acceptNewestToasts(wb, ids);
    await sleep(150);
  }
  await sleep(1500); // a second session or tab would show by now

  for (const [i, id] of ids.entries()) {
    const all = await sessionsFor(wb, id);
    assert.equal(all.length, 1, `${label}one session ever made for ${id}: ${await describe(wb, ids)}`);
    await assertOneSessionWithTabs(wb, id, POPS[c.presets[i]].entities, label);
  }
  const states = await wb.eval((list) => window.workbench.ccp.contacts.filter((k) => list.includes(k.contactId)).map((k) => k.state), ids);
  assert.deepEqual(states, ids.map(() => 'connected'), `${label}Connect has every contact connected`);
  await wb.assertNoPageErrors();

  // Done with: the customers hang up, the agent closes the sessions, and any toast a dead page left is dismissed.
  await wb.eval(() => window.workbench.clearFaults());
  for (const id of ids) {
    await wb.eval((cid) => window.workbench.contactAction(cid, 'end'), id);
    await wb.eval((cid) => window.workbench.contactAction(cid, 'clear'), id);
  }
  await wb.eval((list) => {
    const w = window.workbench;
    for (const s of w.openSessions.filter((x) => list.includes(x.params.contactId))) w.closeSession(s.id);
    for (const n of w.notifications) w.rejectNotification(n.id);
  }, ids);
  await sleep(500);
}

for (const storage of ['working', 'throwing']) {
  test(`a reload at any moment (web storage ${storage}; ${CASES} cases from seed ${SEED}) → every contact one session, each tab once`, async (t) => {
    const wb = await openBridge(t);
    if (storage === 'throwing') {
      await blockProviderStorage(wb);
      await reloadProvider(wb);
    }
    const base = storage === 'working' ? SEED : SEED + 1_000_003;
    for (let k = 0; k < CASES; k++) await runCase(wb, base + k);
  });
}
