// Why this file exists: Dynamics faults. Every CIF call the pop uses (notifyEvent, cancelEvent,
// canCreateSession, createSession, createTab, getAllSessions, getEnvironment) is made to reject
// (NotificationTemplateNotFoundError, RejectAfterClientError), hang past CIF's time limit (shortened to 1.5 s with
// wbCifTimeoutMs), answer late, or answer garbage, through the workbench's fault injection. What must hold: bounded
// retries, template fallback, never a duplicate session or tab (even when a hung createSession resolves late), no
// contact lost, and a visible degraded state on the provider page naming what failed and the contact.

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, cifCalls, waitCifCalls, input, sleep, providerNotices, waitNotice, sessionsFor, providerStatus } from './helpers.mjs';

const LIMIT_MS = 1500; // the CIF double's time limit in these tests (CIF's own is 10 s)
const RETRIES = 3; // cifRetryAttempts default

/** CIF calls of `method` for one contact (by the contactId template parameter or the correlation id). */
async function callsFor(wb, method, contactId) {
  const all = await cifCalls(wb, method);
  return all.filter((c) => {
    const i = input(c);
    const p = i && i.templateParameters;
    return (p && p.contactId === contactId) || JSON.stringify(c.args || []).includes(contactId) || String(c.correlationId || '').includes(contactId);
  });
}

/** Places a ringing contact and waits for its notifyEvent; returns its id. */
async function ring(wb, overrides = {}) {
  const before = (await cifCalls(wb, 'notifyEvent')).length;
  const id = await wb.eval((o) => window.workbench.placeContact('voice-single', o), overrides);
  await waitCifCalls(wb, 'notifyEvent', before + 1);
  return id;
}

/** Accepts the contact's toast in Dynamics (waits for it to be shown). */
async function acceptToast(wb, id, timeout = 5000) {
  await wb.waitFor((cid) => window.workbench.notifications.some((n) => n.contactId === cid || (n.params && n.params.contactId === cid)), id, timeout);
  await wb.eval((cid) => window.workbench.acceptNotification(cid), id);
}

const answerInCcp = (wb, id) => wb.eval((cid) => window.workbench.contactAction(cid, 'connect'), id);

/** Ends the contact and closes its sessions, so the next scenario starts clean. */
async function cleanUp(wb, id) {
  await wb.eval(() => window.workbench.clearFaults());
  for (const s of await sessionsFor(wb, id)) if (!s.closed) await wb.eval((sid) => window.workbench.closeSession(sid), s.id);
  await wb.eval((cid) => window.workbench.contactAction(cid, 'remove'), id).catch(() => {});
  await sleep(300);
}

async function openSessionsFor(wb, id) {
  return (await sessionsFor(wb, id)).filter((s) => !s.closed);
}

function noDuplicateTabs(sessions) {
  for (const s of sessions) {
    const keys = s.tabs.filter((t) => !t.anchor).map((t) => `${t.templateName}|${t.params.entityName || ''}|${t.params.entityId || ''}|${t.params.searchType || ''}`);
    assert.equal(new Set(keys).size, keys.length, `duplicated tabs in ${s.title}: ${keys.join(', ')}`);
  }
}

const open = (t) => openBridge(t, { query: { wbCifTimeoutMs: String(LIMIT_MS) } });

test('notifyEvent faults: template fallback, bounded retries, hang, garbage → the contact still pops once', async (t) => {
  const wb = await open(t);

  await t.test('notifyEvent NotificationTemplateNotFoundError → the channel default notification template', async () => {
    await wb.eval(() => window.workbench.setFault('notifyEvent', 'reject-notfound', { count: 1 }));
    const id = await ring(wb, { attributes: { ms_notify_template: 'extn_flow_notification' } });
    await waitCifCalls(wb, 'notifyEvent', 2);
    const calls = await callsFor(wb, 'notifyEvent', id);
    assert.equal(calls.length, 2, 'one retry with the fallback template');
    assert.equal(input(calls[0]).templateName, 'extn_flow_notification');
    assert.equal(input(calls[1]).templateName, 'extn_voice_notification');
    await acceptToast(wb, id);
    await wb.waitFor((cid) => window.workbench.openSessions.some((s) => s.params.contactId === cid), id);
    assert.equal((await openSessionsFor(wb, id)).length, 1);
    await cleanUp(wb, id);
  });

  await t.test('notifyEvent RejectAfterClientError every time → bounded retries, visible notice, pops on answer in the CCP', async () => {
    await wb.eval(() => window.workbench.setFault('notifyEvent', 'reject-client', { scope: 'all' }));
    const id = await ring(wb);
    const notice = await waitNotice(wb, new RegExp(`${id}.*notification`), 12000);
    assert.match(notice, /no Dynamics notification/);
    await sleep(1000);
    const n = (await callsFor(wb, 'notifyEvent', id)).length;
    assert.ok(n >= 2 && n <= 1 + RETRIES, `notifyEvent retried a bounded number of times (${n})`);
    await answerInCcp(wb, id);
    await wb.waitFor((cid) => window.workbench.openSessions.some((s) => s.params.contactId === cid), id);
    assert.equal((await callsFor(wb, 'createSession', id)).length, 1);
    await cleanUp(wb, id);
  });

  await t.test('notifyEvent that never answers → answering in the CCP withdraws it and pops once', async () => {
    await wb.eval(() => window.workbench.setFault('notifyEvent', 'hang', { scope: 'all' }));
    const id = await ring(wb);
    await sleep(LIMIT_MS + 500);
    await answerInCcp(wb, id);
    await wb.waitFor((cid) => window.workbench.openSessions.some((s) => s.params.contactId === cid), id);
    await sleep(1000);
    assert.equal((await callsFor(wb, 'createSession', id)).length, 1);
    assert.equal((await callsFor(wb, 'notifyEvent', id)).length, 1, 'a hanging notification is not repeated');
    await cleanUp(wb, id);
  });

  await t.test('notifyEvent answering garbage → visible notice, pops on answer in the CCP', async () => {
    await wb.eval(() => window.workbench.setFault('notifyEvent', 'garbage', { scope: 'all' }));
    const id = await ring(wb);
    await sleep(500);
    await answerInCcp(wb, id);
    await wb.waitFor((cid) => window.workbench.openSessions.some((s) => s.params.contactId === cid), id);
    assert.equal((await callsFor(wb, 'createSession', id)).length, 1);
    const notices = await providerNotices(wb);
    await cleanUp(wb, id);
    assert.ok(notices.some((x) => x.includes(id) && /notifyEvent result/.test(x)), `a notice names the contact: ${JSON.stringify(notices)}`);
  });
  await wb.assertNoPageErrors();
});

test('cancelEvent faults (answered in the CCP while the toast is up) → the contact pops once', async (t) => {
  const wb = await open(t);
  for (const mode of ['reject-notfound', 'reject-client', 'hang', 'garbage']) {
    await t.test(`cancelEvent ${mode}`, async () => {
      await wb.eval((m) => window.workbench.setFault('cancelEvent', m, { scope: 'all' }), mode);
      const id = await ring(wb);
      await wb.waitFor((cid) => window.workbench.notifications.some((n) => n.contactId === cid || (n.params && n.params.contactId === cid)), id);
      await answerInCcp(wb, id);
      await waitCifCalls(wb, 'cancelEvent', 1);
      await wb.waitFor((cid) => window.workbench.openSessions.some((s) => s.params.contactId === cid), id);
      await sleep(mode === 'hang' ? LIMIT_MS + 2000 : 2500);
      const cancels = (await callsFor(wb, 'cancelEvent', id)).length;
      assert.ok(cancels >= 1 && cancels <= 1 + RETRIES, `bounded cancelEvent retries (${cancels})`);
      assert.equal((await callsFor(wb, 'createSession', id)).length, 1);
      assert.equal((await openSessionsFor(wb, id)).length, 1);
      await cleanUp(wb, id);
    });
  }
  await wb.assertNoPageErrors();
});

test('canCreateSession faults → bounded retries, then createSession anyway: one session', async (t) => {
  const wb = await open(t);
  for (const mode of ['reject-notfound', 'reject-client', 'hang', 'garbage']) {
    await t.test(`canCreateSession ${mode}`, async () => {
      await wb.eval((m) => window.workbench.setFault('canCreateSession', m, { scope: 'all' }), mode);
      const before = (await cifCalls(wb, 'canCreateSession')).length;
      const id = await ring(wb);
      await acceptToast(wb, id);
      await wb.waitFor((cid) => window.workbench.openSessions.some((s) => s.params.contactId === cid), id, 20000);
      const checks = (await cifCalls(wb, 'canCreateSession')).length - before;
      assert.ok(checks >= 1 && checks <= 1 + RETRIES, `bounded canCreateSession retries (${checks})`);
      assert.equal((await callsFor(wb, 'createSession', id)).length, 1);
      assert.equal((await openSessionsFor(wb, id)).length, 1);
      await cleanUp(wb, id);
    });
  }
  await wb.assertNoPageErrors();
});

test('createSession faults: template fallback, bounded retries, hang, late answer, garbage → never two sessions', async (t) => {
  const wb = await open(t);

  await t.test('createSession NotificationTemplateNotFoundError → the channel default session template', async () => {
    await wb.eval(() => window.workbench.setFault('createSession', 'reject-notfound', { count: 1 }));
    const id = await ring(wb, { attributes: { ms_session_template: 'extn_flow_session' } });
    await acceptToast(wb, id);
    await wb.waitFor((cid) => window.workbench.openSessions.some((s) => s.params.contactId === cid), id);
    const calls = await callsFor(wb, 'createSession', id);
    assert.equal(calls.length, 2);
    assert.equal(input(calls[0]).templateName, 'extn_flow_session');
    assert.equal(input(calls[1]).templateName, 'extn_voice_identified_session');
    assert.equal((await openSessionsFor(wb, id)).length, 1);
    await cleanUp(wb, id);
  });

  await t.test('createSession RejectAfterClientError every time → bounded retries, visible notice naming the contact', async () => {
    await wb.eval(() => window.workbench.setFault('createSession', 'reject-client', { scope: 'all' }));
    const id = await ring(wb);
    await acceptToast(wb, id);
    const notice = await waitNotice(wb, new RegExp(`${id}.*session`), 15000);
    assert.match(notice, /session/);
    const n = (await callsFor(wb, 'createSession', id)).length;
    assert.ok(n >= 1 && n <= 1 + RETRIES, `bounded createSession retries (${n})`);
    assert.equal((await openSessionsFor(wb, id)).length, 0);
    await cleanUp(wb, id);
  });

  await t.test('createSession hanging past the CIF time limit → not blindly repeated, visible notice', async () => {
    await wb.eval(() => window.workbench.setFault('createSession', 'hang', { scope: 'all' }));
    const id = await ring(wb);
    await acceptToast(wb, id);
    await waitNotice(wb, new RegExp(`${id}.*(did not answer|session)`), 15000);
    await sleep(3000);
    const calls = await cifCalls(wb);
    const cs = calls.filter((c) => c.method === 'createSession' && JSON.stringify(c.args).includes(id));
    for (let i = 1; i < cs.length; i++) {
      assert.ok(calls.some((c) => c.method === 'getAllSessions' && c.seq > cs[i - 1].seq && c.seq < cs[i].seq), 'getAllSessions before any repeat');
    }
    assert.ok((await openSessionsFor(wb, id)).length <= 1);
    await cleanUp(wb, id);
  });

  await t.test('createSession answered after the time limit (Dynamics did create it) → exactly one session', async () => {
    await wb.eval((d) => window.workbench.setFault('createSession', 'late', { delayMs: d }), LIMIT_MS + 1000);
    const id = await ring(wb);
    await acceptToast(wb, id);
    await wb.waitFor((cid) => window.workbench.openSessions.some((s) => s.params.contactId === cid), id, 10000);
    await sleep(4000);
    assert.equal((await openSessionsFor(wb, id)).length, 1, 'one session in Dynamics');
    noDuplicateTabs(await sessionsFor(wb, id));
    await cleanUp(wb, id);
  });

  await t.test('createSession answering garbage → visible notice, no second createSession', async () => {
    await wb.eval(() => window.workbench.setFault('createSession', 'garbage', { scope: 'all' }));
    const id = await ring(wb);
    await acceptToast(wb, id);
    const notice = await waitNotice(wb, /createSession result|not a session id/, 10000);
    assert.ok(notice.length > 0);
    await sleep(2000);
    assert.equal((await callsFor(wb, 'createSession', id)).length, 1);
    await cleanUp(wb, id);
  });
  await wb.assertNoPageErrors();
});

test('createTab faults → bounded retries, visible notice, no duplicated tab', async (t) => {
  const wb = await open(t);
  for (const mode of ['reject-notfound', 'reject-client', 'hang', 'garbage']) {
    await t.test(`createTab ${mode}`, async (tt) => {
      await wb.eval((m) => window.workbench.setFault('createTab', m, { scope: 'all' }), mode);
      const id = await ring(wb);
      await acceptToast(wb, id);
      await wb.waitFor((cid) => window.workbench.openSessions.some((s) => s.params.contactId === cid), id);
      await waitCifCalls(wb, 'createTab', 1);
      await sleep(mode === 'hang' ? LIMIT_MS + 2500 : 4000);
      const tabs = await callsFor(wb, 'createTab', id);
      const perKind = {};
      for (const c of tabs) { const k = input(c).templateName; perKind[k] = (perKind[k] || 0) + 1; }
      for (const [k, n] of Object.entries(perKind)) assert.ok(n <= 1 + RETRIES, `bounded createTab retries for ${k} (${n})`);
      noDuplicateTabs(await sessionsFor(wb, id));
      assert.equal((await openSessionsFor(wb, id)).length, 1);
      const notices = await providerNotices(wb);
      if (mode !== 'garbage') {
        assert.ok(notices.some((x) => x.includes(id) && /tab/.test(x)), `a notice names the contact and the tab: ${JSON.stringify(notices)}`);
      } else if (!notices.some((x) => x.includes(id))) {
        tt.diagnostic('a garbage createTab answer is treated as done (the tab may exist): no notice');
      }
      await cleanUp(wb, id);
    });
  }
  await wb.assertNoPageErrors();
});

test('getAllSessions faults after a reload → restored sessions trusted, no second session', async (t) => {
  const wb = await open(t);
  const id = await ring(wb);
  await acceptToast(wb, id);
  await wb.waitFor((cid) => window.workbench.openSessions.some((s) => s.params.contactId === cid), id);
  await sleep(1000);
  let loads = 1;
  for (const mode of ['reject-client', 'hang', 'garbage']) {
    await t.test(`getAllSessions ${mode}`, async () => {
      await wb.eval((m) => window.workbench.setFault('getAllSessions', m, { scope: 'all' }), mode);
      await wb.eval(() => window.workbench.reloadProvider());
      loads += 1;
      await wb.waitFor((n) => window.workbench.cifLoads >= n, loads, 20000);
      await sleep(mode === 'hang' ? LIMIT_MS + 3000 : 3000);
      assert.equal((await callsFor(wb, 'createSession', id)).length, 1);
      assert.equal((await openSessionsFor(wb, id)).length, 1);
      await wb.eval(() => window.workbench.clearFaults());
    });
  }
  await wb.assertNoPageErrors();
});

test('getEnvironment faults → Custom Parameters skipped, Dynamics still connected, contacts still pop', async (t) => {
  const wb = await open(t);
  let loads = 1;
  for (const mode of ['reject-client', 'hang', 'garbage']) {
    await t.test(`getEnvironment ${mode}`, async () => {
      await wb.eval((m) => window.workbench.setFault('getEnvironment', m, { scope: 'all' }), mode);
      await wb.eval(() => window.workbench.reloadProvider());
      loads += 1;
      await wb.waitFor((n) => window.workbench.cifLoads >= n, loads, 20000);
      await wb.waitFor(() => window.workbench.handlerCounts && Object.values(window.workbench.handlerCounts).some((n) => n > 0), null, LIMIT_MS + 8000);
      let status = await providerStatus(wb);
      for (let i = 0; i < 100 && !/ready/.test(status.ccp); i++) { await sleep(100); status = await providerStatus(wb); }
      assert.match(status.ccp, /ready/, 'the reloaded page has its CCP before a contact is placed');
      assert.match(status.dynamics, /connected/);
      const id = await ring(wb);
      await acceptToast(wb, id);
      await wb.waitFor((cid) => window.workbench.openSessions.some((s) => s.params.contactId === cid), id);
      assert.equal((await callsFor(wb, 'createSession', id)).length, 1);
      await cleanUp(wb, id);
    });
  }
  await wb.assertNoPageErrors();
});
