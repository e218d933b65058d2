// Why this file exists: reloads and late start. The channel provider page is reloaded at each step of a
// contact's life (notified, accepted with createSession in flight, session created with tabs in flight, tabs
// opened, ended), and started with contacts already ringing, connected and in after-contact work. What must hold:
// exactly one session per contact, no duplicated tab, no page error, and a ringing contact still pops.

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, cifCalls, waitCifCalls, input, sleep, sessionsFor } from './helpers.mjs';

const notified = (wb, id) => wb.waitFor((cid) => window.workbench.notifications.some((n) => n.contactId === cid || (n.params && n.params.contactId === cid)), id, 15000);
const hasSession = (wb, id, timeout = 15000) => wb.waitFor((cid) => window.workbench.openSessions.some((s) => s.params.contactId === cid), id, timeout);

async function reload(wb) {
  const n = await wb.eval(() => window.workbench.cifLoads);
  await wb.eval(() => window.workbench.reloadProvider());
  await wb.waitFor((k) => window.workbench.cifLoads > k, n, 20000);
  await sleep(1500);
}

async function createSessionsFor(wb, id) {
  return (await cifCalls(wb, 'createSession')).filter((c) => input(c).templateParameters.contactId === id);
}

/** Exactly one session for the contact in Dynamics, without duplicated tabs. */
async function assertOneSession(wb, id) {
  const sessions = await sessionsFor(wb, id);
  assert.equal(sessions.length, 1, `one session for ${id}: ${sessions.map((s) => s.title).join(', ')}`);
  const keys = sessions[0].tabs.filter((t) => !t.anchor)
    .map((t) => `${t.templateName}|${t.params.entityName || ''}|${t.params.entityId || ''}|${t.params.searchType || ''}`);
  assert.equal(new Set(keys).size, keys.length, `no duplicated tab: ${keys.join(', ')}`);
  return sessions[0];
}

test('reload while the notification is up → the contact still pops once when answered', async (t) => {
  const wb = await openBridge(t);
  const id = await wb.eval(() => window.workbench.placeContact('voice-single'));
  await notified(wb, id);
  await reload(wb);
  await wb.eval((cid) => window.workbench.contactAction(cid, 'connect'), id);
  await hasSession(wb, id);
  await sleep(2000);
  assert.equal((await createSessionsFor(wb, id)).length, 1);
  await assertOneSession(wb, id);
  await wb.assertNoPageErrors();
});

test('reload right after accept, with createSession in flight → one session, no duplicated tab', async (t) => {
  const wb = await openBridge(t);
  await wb.eval(() => window.workbench.setFault('createSession', 'slow', { delayMs: 2500 }));
  const id = await wb.eval(() => window.workbench.placeContact('voice-single'));
  await notified(wb, id);
  await wb.eval((cid) => window.workbench.acceptNotification(cid), id);
  await waitCifCalls(wb, 'createSession', 1);
  await reload(wb);
  await sleep(3500);
  await assertOneSession(wb, id);
  await wb.assertNoPageErrors();
});

test('reload after the session was created, with its tabs in flight → one session, no duplicated tab', async (t) => {
  const wb = await openBridge(t);
  await wb.eval(() => window.workbench.setFault('createTab', 'slow', { delayMs: 2500, scope: 'all' }));
  const id = await wb.eval(() => window.workbench.placeContact('voice-multi'));
  await notified(wb, id);
  await wb.eval((cid) => window.workbench.acceptNotification(cid), id);
  await hasSession(wb, id);
  await waitCifCalls(wb, 'createTab', 1);
  await reload(wb);
  await sleep(4000);
  assert.equal((await createSessionsFor(wb, id)).length, 1);
  await assertOneSession(wb, id);
  await wb.assertNoPageErrors();
});

test('reload after the tabs were opened, then again after the contact ended → one session, tabs not reopened', async (t) => {
  const wb = await openBridge(t);
  const id = await wb.eval(() => window.workbench.placeContact('voice-single'));
  await notified(wb, id);
  await wb.eval((cid) => window.workbench.acceptNotification(cid), id);
  await hasSession(wb, id);
  await sleep(1500);
  const tabsBefore = (await cifCalls(wb, 'createTab')).length;
  await reload(wb);
  await wb.eval((cid) => window.workbench.contactAction(cid, 'end'), id);
  await sleep(800);
  await reload(wb);
  await wb.eval((cid) => window.workbench.contactAction(cid, 'clear'), id).catch(() => {});
  await sleep(1500);
  assert.equal((await createSessionsFor(wb, id)).length, 1);
  assert.equal((await cifCalls(wb, 'createTab')).length, tabsBefore, 'no tab opened again after a reload');
  await assertOneSession(wb, id);
  await wb.assertNoPageErrors();
});

test('late start with contacts already ringing, connected and in after-contact work', async (t) => {
  const wb = await openBridge(t);
  await wb.eval(() => window.workbench.holdSnapshots(true)); // the current page never hears of them
  const ringing = await wb.eval(() => window.workbench.placeContact('voice-single'));
  const connected = await wb.eval(() => window.workbench.placeContact('chat'));
  await wb.eval((cid) => window.workbench.contactAction(cid, 'connect'), connected);
  const acw = await wb.eval(() => window.workbench.placeContact('voice-nomatch'));
  await wb.eval((cid) => window.workbench.contactAction(cid, 'connect'), acw);
  await wb.eval((cid) => window.workbench.contactAction(cid, 'acw'), acw);
  await reload(wb);
  await wb.eval(() => window.workbench.holdSnapshots(false));
  // the connected contact pops at once; the ringing one is notified
  await hasSession(wb, connected);
  await notified(wb, ringing);
  await wb.eval((cid) => window.workbench.acceptNotification(cid), ringing);
  await hasSession(wb, ringing);
  await sleep(2000);
  for (const id of [ringing, connected]) {
    assert.equal((await createSessionsFor(wb, id)).length, 1, `one createSession for ${id}`);
    await assertOneSession(wb, id);
  }
  // a contact already in after-contact work is never notified and gets at most one session
  const notifies = (await cifCalls(wb, 'notifyEvent')).filter((c) => input(c).templateParameters.contactId === acw);
  assert.equal(notifies.length, 0, 'no notification for a contact in ACW');
  assert.ok((await createSessionsFor(wb, acw)).length <= 1);
  // and a second reload changes nothing
  await reload(wb);
  await sleep(1500);
  for (const id of [ringing, connected, acw]) assert.ok((await createSessionsFor(wb, id)).length <= 1);
  await wb.assertNoPageErrors();
});
