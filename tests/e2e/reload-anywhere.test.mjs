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

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, sleep, sessionsFor, reloadProvider, waitProviderReady, blockProviderStorage, assertOneSessionWithTabs } from './helpers.mjs';
import { POPS, STAGES, generator, countCalls, moreCalls, acceptNewestToasts, popped, describe, finishCase } from './sweep.mjs';

const SEED = Number(process.env.RELOAD_SWEEP_SEED ?? 20261203);
const CASES = Number(process.env.RELOAD_SWEEP_CASES ?? 10);

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

  await finishCase(wb, ids);
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
