// Why this file exists: what the seeded end-to-end sweeps share (reload-anywhere, several-tabs-anywhere,
// faults-anywhere): a seeded generator, what each preset's pop opens, the agent answering toasts, and failure
// messages that carry what the host's Dynamics and the provider page knew.

import fs from 'node:fs';
import { cifCalls, sleep } from './helpers.mjs';

/** What each preset's pop opens: entity tabs by name, and whether a search tab. */
export const POPS = {
  'voice-single': { entities: ['phonecall'], search: false },
  'voice-multi': { entities: ['phonecall'], search: true },
  'voice-nomatch': { entities: ['phonecall'], search: true },
  chat: { entities: ['msdyn_ocliveworkitem'], search: false },
};
export const STAGES = ['ringing', 'accepted', 'createSession', 'createTab'];

/** mulberry32: a small seeded generator, so a case can be drawn again from its seed. */
export function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const countCalls = async (wb, method) => (await cifCalls(wb, method)).length;

/** Waits until the host saw more than `n` calls of `method` (false if none came within `timeout`). */
export const moreCalls = (wb, method, n, timeout = 10000) =>
  wb.waitFor(([m, k]) => window.workbench.cifCalls.filter((c) => c.method === m).length > k, [method, n], timeout).then(() => true, () => false);

/** Accepts the newest open toast of each contact in `ids`, if it has one; returns how many it accepted. */
export const acceptNewestToasts = (wb, ids) =>
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
export const popped = (wb, wanted) =>
  wb.eval((list) => list.every(({ id, entities, search }) => window.workbench.openSessions.some((s) => s.params.contactId === id
    && entities.every((e) => s.tabs.some((t) => t.params.entityName === e)) && (!search || s.tabs.some((t) => t.kind === 'search')))), wanted);

/** The provider page's trace lines about these contacts (its Download trace button), for a failure message. */
export async function providerTrace(wb, ids) {
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
export const describe = async (wb, ids) => `${await describeHost(wb, ids)}\nprovider trace:\n  ${(await providerTrace(wb, ids)).join('\n  ')}`;

export const describeHost = (wb, ids) =>
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


/** Ends a case: the faults go (in every tab), the customers hang up, the agent closes the contacts' sessions and
 * dismisses any toast left (a dead page's too), in each Dynamics tab of `tabs`. */
export async function finishCase(wb, ids, tabs = [wb], settleMs = 500) {
  for (const t of tabs) await t.eval(() => window.workbench.clearFaults());
  for (const id of ids) {
    await wb.eval((cid) => window.workbench.contactAction(cid, 'end'), id);
    await wb.eval((cid) => window.workbench.contactAction(cid, 'clear'), id);
    await wb.eval((cid) => window.workbench.contactAction(cid, 'remove'), id).catch(() => {});
  }
  for (const t of tabs) {
    await t.eval((list) => {
      const w = window.workbench;
      for (const s of w.openSessions.filter((x) => list.includes(x.params.contactId))) w.closeSession(s.id);
      for (const n of w.notifications) w.rejectNotification(n.id);
    }, ids);
  }
  await sleep(settleMs);
}
