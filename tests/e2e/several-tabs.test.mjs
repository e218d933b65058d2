// Why this file exists: end-to-end tests of spec §3.16, one agent with Dynamics open in several
// browser tabs: two workbench host pages in ONE browser context (one profile), the same run, so their fake CCPs
// share the agent's contacts (BroadcastChannel wb-ccp-<run>) while each tab has its own Dynamics (toasts,
// sessions). Exactly one provider page pops: the Web Lock elects it; the others follow, say so on their tabs line,
// and take over by button, when the leader's tab closes, or when it reloads — no contact lost, none doubled.

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, openSameRunTab, cifCalls, waitCifCalls, input, provider, sleep } from './helpers.mjs';

const TABS_TEXT = 'Contacts are being handled in another Dynamics tab.';

/** The provider page's `tabRole` (alone|seeking|leading|following). */
const tabRole = (wb) => provider(wb).evaluate(() => window.connectCifBridgeDiagnostics().tabRole);

async function waitRole(wb, role, timeout = 15000) {
  const end = Date.now() + timeout;
  let seen;
  while (Date.now() < end) {
    seen = await tabRole(wb).catch((e) => `(${e.message.split('\n')[0]})`);
    if (seen === role) return;
    await sleep(100);
  }
  throw new Error(`tabRole stayed ${JSON.stringify(seen)}, expected ${role}`);
}

/** The tabs line as the agent sees it: its text when shown, else null. */
const tabsLine = (wb) => provider(wb).evaluate(() => {
  const line = document.querySelector('[data-bridge="tabs"]');
  return line && !line.hidden ? line.textContent : null;
});

/** Two tabs of one run: `a` opened first (it leads), `b` opened from a's control (it follows). */
async function twoTabs(t, opts = {}) {
  const a = await openBridge(t, opts);
  await waitRole(a, 'leading');
  const b = await openSameRunTab(a, { via: 'button' });
  await waitRole(b, 'following');
  return { a, b };
}

const contactIdOf = (call) => {
  const i = input(call);
  return i && i.templateParameters && i.templateParameters.contactId;
};
/** CIF calls of `method` for one contact in one tab. */
const callsFor = async (wb, method, id) => (await cifCalls(wb, method)).filter((c) => contactIdOf(c) === id);
/** The contact's state in a tab's fake CCP (as the host page last heard it). */
const ccpState = (wb, id) => wb.eval((cid) => (window.workbench.ccp.contacts.find((c) => c.contactId === cid) || {}).state, id);
async function waitCcpState(wb, id, st, timeout = 10000) {
  try {
    await wb.waitFor(([cid, s]) => (window.workbench.ccp.contacts.find((c) => c.contactId === cid) || {}).state === s, [id, st], timeout);
  } catch (e) {
    const seen = await wb.eval(() => window.workbench.ccp).catch(() => null);
    throw new Error(`contact ${id} not ${st} in this tab's fake CCP: ${JSON.stringify(seen)}`);
  }
}

async function noErrors(...tabs) {
  for (const wb of tabs) await wb.assertNoPageErrors();
}

test('two tabs and one contact → one notification and one session in all', async (t) => {
  const { a, b } = await twoTabs(t);
  // the follower says so, with the take-over button; the leader shows no tabs line
  const line = await tabsLine(b);
  assert.ok(line && line.includes(TABS_TEXT), `follower's tabs line: ${JSON.stringify(line)}`);
  assert.ok(line.includes('Handle contacts here'), line);
  assert.equal(await tabsLine(a), null, 'the leader shows no tabs line');

  // placed from the follower's host: Connect's view is per agent, so the leader's CCP has it too
  const id = await b.eval(() => window.workbench.placeContact('voice-single'));
  await waitCcpState(a, id, 'connecting');
  const [n] = await waitCifCalls(a, 'notifyEvent', 1, 15000);
  assert.equal(input(n).templateParameters?.contactId ?? id, id);
  await a.eval(() => window.workbench.acceptNotification());
  await waitCifCalls(a, 'createSession', 1, 15000);
  // the leader's Streams accepted it: the follower's CCP (and its Streams) hears it connected
  await waitCcpState(b, id, 'connected');
  await sleep(2500);
  const all = async (m) => (await cifCalls(a, m)).length + (await cifCalls(b, m)).length;
  assert.equal(await all('notifyEvent'), 1, 'one notification across both tabs');
  assert.equal(await all('createSession'), 1, 'one session across both tabs');
  assert.equal((await b.eval(() => window.workbench.openSessions)).length, 0, 'the follower made no session');
  assert.equal(await tabRole(a), 'leading');
  assert.equal(await tabRole(b), 'following');
  await noErrors(a, b);
});

test('closing the leader mid-notification → the follower notifies once', async (t) => {
  const { a, b } = await twoTabs(t);
  const id = await a.eval(() => window.workbench.placeContact('voice-single'));
  await waitCifCalls(a, 'notifyEvent', 1, 15000);
  await a.waitFor(() => window.workbench.notifications.length === 1);
  assert.equal((await cifCalls(b, 'notifyEvent')).length, 0, 'the follower has not notified yet');
  await noErrors(a);

  await a.page.close(); // the leader's tab goes away while its toast is open
  await waitRole(b, 'leading', 10000);
  assert.equal(await tabsLine(b), null, 'the new leader hides its tabs line');
  await waitCifCalls(b, 'notifyEvent', 1, 10000);
  await b.waitFor(() => window.workbench.notifications.length === 1);
  await sleep(2000);
  assert.equal((await cifCalls(b, 'notifyEvent')).length, 1, 'exactly one toast in the remaining tab');
  assert.equal(await ccpState(b, id), 'connecting');

  await b.eval(() => window.workbench.acceptNotification());
  await waitCifCalls(b, 'createSession', 1, 15000);
  await waitCcpState(b, id, 'connected');
  await sleep(2000);
  assert.equal((await cifCalls(b, 'createSession')).length, 1, 'one session');
  assert.equal((await callsFor(b, 'createSession', id)).length, 1);
  await noErrors(b);
});

test('take-over by button → no contact doubled', async (t) => {
  const { a, b } = await twoTabs(t);
  // a contact popped by the leader…
  const popped = await a.eval(() => window.workbench.placeContact('voice-single'));
  await waitCifCalls(a, 'notifyEvent', 1, 15000);
  await a.eval(() => window.workbench.acceptNotification());
  await waitCifCalls(a, 'createSession', 1, 15000);
  await waitCcpState(b, popped, 'connected');
  // …and one ringing, its toast open in the leader's tab
  const ringing = await b.eval(() => window.workbench.placeContact('chat'));
  await waitCifCalls(a, 'notifyEvent', 2, 15000);
  await a.waitFor(() => window.workbench.notifications.length === 1);
  await sleep(500);
  assert.equal((await cifCalls(b, 'notifyEvent')).length, 0);

  await provider(b).locator('[data-bridge="take-over"]').click();
  await waitRole(b, 'leading', 10000);
  await waitRole(a, 'following', 10000);
  // the old leader cancels its toast; the new one raises it once
  await waitCifCalls(a, 'cancelEvent', 1, 10000);
  await a.waitFor(() => window.workbench.notifications.length === 0, null, 10000);
  await waitCifCalls(b, 'notifyEvent', 1, 10000);
  await sleep(3000);
  assert.equal((await cifCalls(b, 'notifyEvent')).length, 1, 'the new leader notifies the ringing contact once');
  assert.equal((await cifCalls(a, 'notifyEvent')).length, 2, 'the old leader notifies nothing more');
  assert.equal((await callsFor(b, 'createSession', popped)).length, 0, 'the popped contact gets no second session');
  assert.equal((await cifCalls(a, 'createSession')).length, 1);
  const line = await tabsLine(a);
  assert.ok(line && line.includes(TABS_TEXT), `old leader's tabs line: ${JSON.stringify(line)}`);
  assert.equal(await tabsLine(b), null);

  await b.eval(() => window.workbench.acceptNotification());
  await waitCifCalls(b, 'createSession', 1, 15000);
  await sleep(2000);
  assert.equal((await cifCalls(b, 'createSession')).length, 1);
  assert.equal((await callsFor(b, 'createSession', ringing)).length, 1, 'the ringing contact pops in the new leader');
  assert.equal((await cifCalls(a, 'createSession')).length, 1, 'and nowhere else');
  await noErrors(a, b);
});

test('two tabs plus a reload of the leader', async (t) => {
  const { a, b } = await twoTabs(t);
  const first = await a.eval(() => window.workbench.placeContact('voice-single'));
  await waitCifCalls(a, 'notifyEvent', 1, 15000);
  await a.eval(() => window.workbench.acceptNotification());
  await waitCifCalls(a, 'createSession', 1, 15000);
  await waitCcpState(b, first, 'connected');
  await sleep(1000);

  await a.page.reload(); // the whole leader tab: its provider page and its Dynamics start again
  await waitRole(b, 'leading', 10000);
  await a.page.waitForFunction(() => window.workbench && window.workbench.cifLoads > 0 && window.workbench.ccp.agentState, null, { timeout: 30000 });
  await waitRole(a, 'following', 15000);
  // the reloaded tab's CCP still has the connected contact (shared state)
  await waitCcpState(a, first, 'connected');
  await sleep(2000);
  assert.equal((await cifCalls(b, 'notifyEvent')).length, 0, 'the contact popped before is not notified again');
  assert.equal((await cifCalls(b, 'createSession')).length, 0, 'nor popped again');
  assert.equal((await cifCalls(a, 'createSession')).length, 0, 'nor by the reloaded tab');

  const second = await a.eval(() => window.workbench.placeContact('chat'));
  await waitCifCalls(b, 'notifyEvent', 1, 15000);
  await b.eval(() => window.workbench.acceptNotification());
  await waitCifCalls(b, 'createSession', 1, 15000);
  await sleep(2500);
  const all = async (m) => [...await cifCalls(a, m), ...await cifCalls(b, m)];
  assert.equal((await all('notifyEvent')).length, 1, 'the new contact is notified once');
  assert.equal((await all('createSession')).length, 1, 'and popped once');
  assert.equal(contactIdOf((await all('createSession'))[0]), second);
  await noErrors(a, b);
});

test('a second tab opened while a contact is connected starts with it and pops nothing', async (t) => {
  const a = await openBridge(t);
  await waitRole(a, 'leading');
  const id = await a.eval(() => window.workbench.placeContact('voice-single'));
  await waitCifCalls(a, 'notifyEvent', 1, 15000);
  await a.eval(() => window.workbench.acceptNotification());
  await waitCifCalls(a, 'createSession', 1, 15000);
  await waitCcpState(a, id, 'connected');
  // opened by URL (no sessionStorage of its own): the hello→state handshake brings the live contact
  const b = await openSameRunTab(a);
  await waitCcpState(b, id, 'connected');
  await waitRole(b, 'following');
  await sleep(2500);
  assert.equal((await cifCalls(b, 'notifyEvent')).length, 0);
  assert.equal((await cifCalls(b, 'createSession')).length, 0);
  assert.equal((await cifCalls(a, 'createSession')).length, 1);
  await noErrors(a, b);
});
