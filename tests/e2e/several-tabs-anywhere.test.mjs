// Why this file exists: spec §3.16 — one agent with Dynamics open in two browser tabs: "exactly one page per agent
// and browser raises notifications and pops … no contact lost, none doubled". several-tabs.test.mjs stops at chosen
// points; this one sweeps the moment. Each case is drawn from a seed: one contact or two, Dynamics answering at
// once or late (in both tabs' Dynamics), and at a random delay after a random point of the pop (ringing, just
// accepted, `createSession` sent, `createTab` sent) the leading tab's provider page reloads, the following tab's
// reloads, or the agent presses "Handle contacts here" in the following tab. The agent then accepts whatever toast
// either tab shows. What must hold: each contact has exactly one session, in one of the two tabs' Dynamics, with
// each of its tabs once and the ones its slugs ask for; no frame threw.
//
// A failure names its seed and case: TABS_SWEEP_SEED=<seed> TABS_SWEEP_CASES=<n> repeats the sweep.

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, openSameRunTab, provider, sleep, sessionsFor, assertOneSessionWithTabs } from './helpers.mjs';
import { POPS, STAGES, generator, countCalls, moreCalls, acceptNewestToasts, popped, describe, finishCase } from './sweep.mjs';

const SEED = Number(process.env.TABS_SWEEP_SEED ?? 20261203);
const CASES = Number(process.env.TABS_SWEEP_CASES ?? 8);
const EVENTS = ['reload the leader', 'reload the follower', 'take over'];

/** One case of the sweep, drawn from `seed`. */
function drawCase(seed) {
  const random = generator(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const presets = [pick(Object.keys(POPS))];
  if (random() < 0.3) presets.push('chat');
  const slowMethod = pick([null, null, 'createSession', 'createTab']);
  return {
    presets,
    stage: pick(STAGES),
    delayMs: Math.floor(random() * 400),
    event: pick(EVENTS),
    dynamics: slowMethod && { method: slowMethod, mode: pick(['slow', 'queued']), delayMs: 100 + Math.floor(random() * 700) },
  };
}

/** The provider page's `tabRole` in a tab, or null while it (re)loads. */
const tabRole = (wb) => provider(wb).evaluate(() => window.connectCifBridgeDiagnostics().tabRole).catch(() => null);

/** The tab that leads now and the other, waiting until one leads. */
async function roles(tabs) {
  for (let i = 0; i < 150; i++) {
    const seen = await Promise.all(tabs.map(tabRole));
    const at = seen.indexOf('leading');
    if (at >= 0 && seen.every((r) => r === 'leading' || r === 'following')) return { leader: tabs[at], follower: tabs[1 - at] };
    await sleep(100);
  }
  throw new Error('no tab leads, or a tab neither leads nor follows');
}

/** Whether every contact popped in one of the tabs' Dynamics. */
async function poppedAnywhere(tabs, wanted) {
  for (const w of wanted) {
    const found = await Promise.all(tabs.map((wb) => popped(wb, [w])));
    if (!found.some(Boolean)) return false;
  }
  return true;
}

async function runCase(tabs, seed) {
  const c = drawCase(seed);
  const label = `seed ${seed} ${JSON.stringify(c)}: `;
  const describeBoth = async (ids) => (await Promise.all(tabs.map((wb) => describe(wb, ids)))).map((d, i) => `tab ${i}: ${d}`).join('\n');
  const { leader, follower } = await roles(tabs);
  if (c.dynamics) {
    for (const wb of tabs) await wb.eval(({ method, mode, delayMs }) => window.workbench.setFault(method, mode, { delayMs }), c.dynamics);
  }
  const sessionsBefore = await countCalls(leader, 'createSession');
  const tabsBefore = await countCalls(leader, 'createTab');
  const ids = [];
  for (const preset of c.presets) ids.push(await leader.eval((p) => window.workbench.placeContact(p), preset));

  if (c.stage !== 'ringing') {
    const shown = await leader.waitFor((list) => list.every((id) => window.workbench.notifications.some((n) => n.contactId === id)), ids, 15000)
      .then(() => true, () => false);
    assert.ok(shown, `${label}every contact got its toast in the leading tab: ${await describeBoth(ids)}`);
    await acceptNewestToasts(leader, ids);
    if (c.stage === 'createSession') await moreCalls(leader, 'createSession', sessionsBefore);
    if (c.stage === 'createTab') await moreCalls(leader, 'createTab', tabsBefore);
  }
  await sleep(c.delayMs);
  if (c.event === 'reload the leader') await leader.eval(() => window.workbench.reloadProvider());
  if (c.event === 'reload the follower') await follower.eval(() => window.workbench.reloadProvider());
  if (c.event === 'take over') await provider(follower).locator('[data-bridge="take-over"]').click();

  // The agent answers whatever toast either tab shows, until every contact popped.
  const wanted = ids.map((id, i) => ({ id, ...POPS[c.presets[i]] }));
  const end = Date.now() + 30000;
  while (!(await poppedAnywhere(tabs, wanted))) {
    assert.ok(Date.now() < end, `${label}every contact pops: ${await describeBoth(ids)}`);
    for (const wb of tabs) await acceptNewestToasts(wb, ids).catch(() => 0);
    await sleep(150);
  }
  await sleep(2000); // a second session, toast or tab would show by now

  for (const [i, id] of ids.entries()) {
    const where = await Promise.all(tabs.map((wb) => sessionsFor(wb, id)));
    assert.equal(where.flat().length, 1, `${label}one session ever made for ${id}, in one tab: ${await describeBoth(ids)}`);
    const home = tabs[where.findIndex((list) => list.length === 1)];
    await assertOneSessionWithTabs(home, id, POPS[c.presets[i]].entities, label);
  }
  for (const wb of tabs) await wb.assertNoPageErrors();

  // Done with: the customers hang up, the agent closes the sessions, and any toast left is dismissed.
  await finishCase(leader, ids, tabs, 800);
}

test(`several Dynamics tabs, a reload or take-over at any moment (${CASES} cases from seed ${SEED}) → every contact one session in one tab`, async (t) => {
  const a = await openBridge(t);
  const b = await openSameRunTab(a, { via: 'button' });
  const tabs = [a, b];
  await roles(tabs);
  for (let k = 0; k < CASES; k++) await runCase(tabs, SEED + k);
});
