// Why this file exists: the permanent self-test of the workbench itself. It serves a tiny provider stand-in
// (tests/e2e/fixtures/standin — not the product) that uses the real amazon-connect-streams 2.28.2 (+ TaskJS) from
// node_modules, and proves that the fake CCP makes the real library fire real contact events for voice, chat,
// task, queue callback, outbound, missed and abandoned contacts, survives reloads and snapshot storms, that the
// CIF library double round-trips calls and events to the host page like the real CIF library, and that the CCP
// faults work. Unlike the product tests, this one must pass without dist/.

import test from 'node:test';
import assert from 'node:assert/strict';
import { openWorkbench, makeStandinDist, sleep } from './helpers.mjs';

const DIST = makeStandinDist();

async function open(t, opts = {}) {
  const wb = await openWorkbench(t, { dist: DIST, ...opts });
  wb.standin = () => wb.providerFrame();
  wb.events = async (id) => (await wb.standin().evaluate((cid) => window.standin.events
    .filter((e) => !cid || e.contactId === cid).map((e) => e.name), id));
  wb.waitEvents = async (id, names, timeout = 8000) => {
    const deadline = Date.now() + timeout;
    let ev = [];
    while (Date.now() < deadline) {
      ev = await wb.events(id).catch(() => []);
      if (names.every((n) => ev.includes(n))) return ev;
      await sleep(50);
    }
    throw new Error(`expected events ${names.join(', ')} for ${id}; got ${ev.join(', ')}`);
  };
  return wb;
}

const api = (wb) => wb.eval(() => window.workbench.apiRequests.map((r) => r.method));

test('voice: toast Accept (real click) → acceptContact; real Streams events init→connecting→accepted→connected→ACW→ended→destroy', async (t) => {
  const wb = await open(t);
  const id = await wb.eval(() => window.workbench.placeContact('voice-single'));
  await wb.waitFor(() => window.workbench.notifications.length === 1);
  const n = (await wb.eval(() => window.workbench.notifications))[0];
  assert.equal(n.title, 'Incoming call: Maria Campbell');
  assert.equal(n.templateName, 'extn_voice_notification');
  assert.equal(n.cancellationToken, id);
  await wb.page.locator('.toast .accept').click();
  await wb.waitEvents(id, ['init', 'connecting', 'accepted', 'connected']);
  // the real library resolved notifyEvent with a JSON string
  const results = await wb.standin().evaluate(() => window.standin.cifResults);
  assert.equal(typeof results[0].result, 'string');
  assert.deepEqual(JSON.parse(results[0].result), { actionName: 'Accept', responseReason: 'Accept' });
  await wb.standin().evaluate((cid) => window.standin.hangup(cid), id);
  await wb.waitEvents(id, ['acw', 'ended']);
  await wb.standin().evaluate((cid) => window.standin.clear(cid), id);
  const ev = (await wb.waitEvents(id, ['destroy'])).filter((e) => !e.endsWith('-success') && e !== 'notify-result');
  // onAccepted is the page's own broadcast echoed by the CCP frame, and the snapshot that says "connected" follows
  // the accept answer by wbSnapshotDelayMs (50 ms): on a loaded machine the echo can come second.
  const eitherOrder = [...ev.slice(0, 2), ...ev.slice(2, 4).sort(), ...ev.slice(4)];
  assert.deepEqual(eitherOrder, ['init', 'connecting', 'accepted', 'connected', 'acw', 'ended', 'destroy'], ev.join());
  assert.deepEqual((await api(wb)).filter(Boolean), ['acceptContact', 'destroyConnection', 'clearContact']);
  const cif = await wb.eval(() => window.workbench.cifCalls.map((c) => [c.method, c.status]));
  assert.deepEqual(cif, [['notifyEvent', 'ok']]);
  await wb.assertNoPageErrors();
});

test('voice: customer ends, agent clears via host actions; attributes and phone number reach Streams getters', async (t) => {
  const wb = await open(t);
  const id = await wb.eval(() => window.workbench.placeContact('voice-multi', { attributes: { CallReason: '<img src=x onerror=alert(1)>' } }));
  await wb.waitEvents(id, ['connecting']);
  const init = await wb.standin().evaluate((cid) => window.standin.events.find((e) => e.name === 'init' && e.contactId === cid).extra, id);
  assert.equal(init.type, 'voice');
  assert.equal(init.inbound, true);
  assert.equal(init.endpoint, '+14255550188');
  assert.equal(init.queue, 'Customer Service');
  assert.equal(init.attributes.LookupSatus, 'MultiMatch');
  assert.equal(init.attributes.CallReason, '<img src=x onerror=alert(1)>');
  assert.deepEqual(init.connections, ['agent', 'inbound']);
  // the hostile value is shown as text in the toast, never as markup
  await wb.waitFor(() => window.workbench.notifications.length === 1);
  assert.equal(await wb.page.locator('.toast img').count(), 0);
  await wb.eval((cid) => window.workbench.contactAction(cid, 'answer'), id);
  await wb.waitEvents(id, ['accepted', 'connected']);
  await wb.eval((cid) => window.workbench.contactAction(cid, 'end'), id);
  await wb.waitEvents(id, ['acw', 'ended']);
  await wb.eval((cid) => window.workbench.contactAction(cid, 'clear'), id);
  await wb.waitEvents(id, ['destroy']);
  await wb.assertNoPageErrors();
});

test('chat: init→connecting→accepted→connected→ended→destroy', async (t) => {
  const wb = await open(t);
  const id = await wb.eval(() => window.workbench.placeContact('chat'));
  await wb.waitFor(() => window.workbench.notifications.length === 1);
  assert.equal((await wb.eval(() => window.workbench.notifications))[0].templateName, 'extn_chat_notification');
  await wb.eval(() => window.workbench.acceptNotification());
  await wb.waitEvents(id, ['init', 'connecting', 'accepted', 'connected']);
  const init = await wb.standin().evaluate((cid) => window.standin.events.find((e) => e.name === 'init' && e.contactId === cid).extra, id);
  assert.equal(init.type, 'chat');
  await wb.standin().evaluate((cid) => window.standin.hangup(cid), id);
  await wb.waitEvents(id, ['ended']);
  await wb.standin().evaluate((cid) => window.standin.clear(cid), id);
  await wb.waitEvents(id, ['destroy']);
  await wb.shot('self-test-chat');
  await wb.assertNoPageErrors();
});

test('task (TaskJS loaded after Streams): init→connecting→accepted→connected→ended→destroy without page errors', async (t) => {
  const wb = await open(t);
  const id = await wb.eval(() => window.workbench.placeContact('task'));
  await wb.waitEvents(id, ['init', 'connecting']);
  const init = await wb.standin().evaluate((cid) => window.standin.events.find((e) => e.name === 'init' && e.contactId === cid).extra, id);
  assert.equal(init.type, 'task');
  assert.equal(init.inbound, true, JSON.stringify(init));
  assert.ok(!init.getterError, init.getterError);
  await wb.waitFor(() => window.workbench.notifications.length === 1);
  await wb.eval(() => window.workbench.acceptNotification());
  await wb.waitEvents(id, ['accepted', 'connected']);
  await wb.eval((cid) => window.workbench.contactAction(cid, 'end'), id);
  await wb.waitEvents(id, ['ended']);
  await wb.eval((cid) => window.workbench.contactAction(cid, 'clear'), id);
  await wb.waitEvents(id, ['destroy']);
  await wb.assertNoPageErrors();
});

test('missed and abandoned contacts; a queue callback arrives incoming', async (t) => {
  const wb = await open(t);
  const missed = await wb.eval(() => window.workbench.placeContact('voice-nomatch'));
  await wb.waitEvents(missed, ['connecting']);
  await wb.eval((cid) => window.workbench.contactAction(cid, 'miss'), missed);
  const ev = await wb.waitEvents(missed, ['ended', 'missed']);
  assert.ok(ev.indexOf('ended') < ev.indexOf('missed'), ev.join());
  await wb.eval((cid) => window.workbench.contactAction(cid, 'clear'), missed);
  await wb.waitEvents(missed, ['destroy']);

  await wb.eval(() => window.workbench.setNotificationTimeout(600));
  const gone = await wb.eval(() => window.workbench.placeContact('voice-single'));
  await wb.waitEvents(gone, ['connecting']);
  await wb.eval((cid) => window.workbench.contactAction(cid, 'abandon'), gone);
  const ev2 = await wb.waitEvents(gone, ['ended', 'destroy']); // 2.28.1+: ENDED synthesised before DESTROYED
  assert.ok(!ev2.includes('connected'));

  const cb = await wb.eval(() => window.workbench.placeContact('callback'));
  await wb.waitEvents(cb, ['init', 'incoming']);
  await wb.assertNoPageErrors();
});

test('outbound: agent.connect → createOutboundContact → connecting (outbound) → connected', async (t) => {
  const wb = await open(t);
  await wb.standin().evaluate(() => window.standin.dial('+14255550142'));
  await wb.waitFor(() => window.workbench.ccp.contacts.length === 1);
  const c = (await wb.eval(() => window.workbench.ccp)).contacts[0];
  assert.equal(c.initiationMethod, 'outbound');
  assert.equal(c.phoneNumber, '+14255550142');
  const ev = await wb.waitEvents(c.contactId, ['init', 'connecting', 'connected']);
  assert.ok(!ev.includes('notify-result'));
  const init = await wb.standin().evaluate((cid) => window.standin.events.find((e) => e.name === 'init' && e.contactId === cid).extra, c.contactId);
  assert.equal(init.inbound, false);
  const req = (await wb.eval(() => window.workbench.apiRequests)).find((r) => r.method === 'createOutboundContact');
  assert.equal(req.params.endpoint.phoneNumber, '+14255550142');
  assert.equal((await wb.eval(() => window.workbench.cifCalls)).length, 0);
  await wb.assertNoPageErrors();
});

test('reload: contacts that exist when the provider page reloads come back in the first snapshot', async (t) => {
  const wb = await open(t);
  const id = await wb.eval(() => window.workbench.placeContact('voice-single'));
  await wb.waitFor(() => window.workbench.notifications.length === 1);
  await wb.eval(() => window.workbench.acceptNotification());
  await wb.waitEvents(id, ['connected']);
  await wb.eval(() => window.workbench.reloadProvider());
  await wb.waitFor(() => window.workbench.cifLoads === 2);
  const ev = await wb.waitEvents(id, ['init', 'connected']);
  assert.ok(!ev.includes('connecting'), ev.join());
  assert.equal(await wb.eval(() => window.workbench.providerLoads), 2);
  await wb.assertNoPageErrors();
});

test('storm of identical snapshots, held-back snapshots: one init per contact', async (t) => {
  const wb = await open(t);
  await wb.eval(() => window.workbench.holdSnapshots(true));
  const id = await wb.eval(() => window.workbench.placeContact('voice-single'));
  await sleep(300);
  assert.deepEqual(await wb.events(id), []);
  await wb.eval(() => window.workbench.holdSnapshots(false));
  await wb.waitEvents(id, ['init', 'connecting']);
  await wb.eval(() => window.workbench.storm(100, 0));
  await sleep(500);
  const ev = await wb.events(id);
  assert.equal(ev.filter((e) => e === 'init').length, 1);
  assert.equal(ev.filter((e) => e === 'connecting').length, 1);
  assert.equal(await wb.eval(() => window.workbench.cifCalls.filter((c) => c.method === 'notifyEvent').length), 1);
  await wb.assertNoPageErrors();
});

test('CIF double: getEnvironment JSON string with customParams, time limit, faults, handler payloads as JSON strings', async (t) => {
  const wb = await open(t, { query: { wbCustomParams: '{"region":"eu-west-2"}', wbCifTimeoutMs: '400' } });
  const f = wb.standin();
  const env = await f.evaluate(() => Microsoft.CIFramework.getEnvironment());
  assert.equal(typeof env, 'string');
  assert.equal(JSON.parse(env).customParams, '{"region":"eu-west-2"}');
  // sessions: plain id strings, getAllSessions a JSON string array
  const sid = await f.evaluate(() => Microsoft.CIFramework.createSession({ templateName: 'extn_voice_identified_session', templateParameters: { customerName: 'Ann', ms_customer_entity_name: 'contact', ms_contact_id: '5f8e2b1a-3c4d-4e6f-9a0b-1c2d3e4f5a6b' } }));
  assert.equal(sid, 'session-id-1');
  assert.equal(await f.evaluate(() => Microsoft.CIFramework.getAllSessions()), '["session-id-1"]');
  const s = (await wb.eval(() => window.workbench.sessions))[0];
  assert.equal(s.title, 'Voice-Ann');
  assert.equal(s.tabs[0].title, 'contact 5f8e2b1a-3c4d-4e6f-9a0b-1c2d3e4f5a6b');
  const tab = await f.evaluate(() => Microsoft.CIFramework.createTab({ templateName: 'extn_entity_record', templateParameters: { entityName: 'phonecall', entityId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d' }, isFocused: true }));
  assert.match(tab, /^tab-id-\d+$/);
  // unknown template → NotificationTemplateNotFoundError
  const bad = await f.evaluate(() => Microsoft.CIFramework.notifyEvent({ templateName: 'nope_x', templateParameters: {} }).then(() => null, (e) => e));
  assert.deepEqual(bad, { message: 'NotificationTemplateNotFoundError', msdyn_name: 'NotifyEvent' });
  // hang → the library gives up after the (shortened) limit with a Map {message, msdyn_name}, as the real one
  await wb.eval(() => window.workbench.setFault('canCreateSession', 'hang'));
  const t0 = Date.now();
  const hung = await f.evaluate(() => Microsoft.CIFramework.canCreateSession().then(() => null,
    (e) => ({ isMap: e instanceof Map, asJson: JSON.stringify(e), entries: Object.fromEntries(e) })));
  assert.ok(Date.now() - t0 >= 350);
  assert.equal(hung.isMap, true, 'a Map, which JSON.stringify turns into {}');
  assert.equal(hung.asJson, '{}');
  assert.equal(hung.entries.msdyn_name, 'CanCreateSession');
  assert.match(hung.entries.message, /Timeout/);
  // late → Dynamics acts, the library has already rejected
  await wb.eval(() => window.workbench.setFault('createSession', 'late', { delayMs: 700 }));
  const late = await f.evaluate(() => Microsoft.CIFramework.createSession({ templateName: 'extn_chat_session', templateParameters: { customerName: 'Bo' } }).then(() => null, (e) => Object.fromEntries(e)));
  assert.match(late.message, /Timeout/);
  assert.equal(await f.evaluate(() => Microsoft.CIFramework.getAllSessions()), '["session-id-1","session-id-2"]');
  // garbage
  await wb.eval(() => window.workbench.setFault('getAllSessions', 'garbage'));
  assert.equal(await f.evaluate(() => Microsoft.CIFramework.getAllSessions()), 'session-id-1,session-id-2');
  // handlers: payloads are JSON strings; counts tracked
  await f.evaluate(() => Microsoft.CIFramework.setClickToAct(true));
  await wb.eval(() => window.workbench.clickToDial('+14255550100'));
  await sleep(200);
  const c2a = await f.evaluate(() => window.standin.events.find((e) => e.name === 'onclicktoact').extra);
  assert.equal(typeof c2a, 'string');
  assert.equal(JSON.parse(c2a).value, '+14255550100');
  assert.deepEqual(await wb.eval(() => window.workbench.handlerCounts), { onclicktoact: 1 });
  // switching sessions raises onSessionSwitched twice (old false, new true)
  await wb.eval(() => window.workbench.switchSession('session-id-1'));
  const sw = (await wb.eval(() => window.workbench.events)).filter((e) => e.eventName === 'onSessionSwitched').slice(-2);
  assert.deepEqual(sw.map((e) => e.payload), [{ sessionId: 'session-id-2', focused: false }, { sessionId: 'session-id-1', focused: true }]);
  await wb.shot('self-test-cif-double');
  await wb.assertNoPageErrors();
});

test('CIF double: cancelEvent removes the toast; Reject and Timeout outcomes', async (t) => {
  const wb = await open(t);
  const f = wb.standin();
  const call = (name, token) => f.evaluate(([n, tk]) => {
    window.__r = window.__r || {};
    Microsoft.CIFramework.notifyEvent({ templateName: n, templateParameters: { customerName: 'Zed' }, cancellationToken: tk })
      .then((r) => { window.__r[tk] = r; });
  }, [name, token]);
  await call('extn_voice_notification', 'tok-1');
  await wb.waitFor(() => window.workbench.notifications.length === 1);
  assert.equal(await f.evaluate(() => Microsoft.CIFramework.cancelEvent('tok-1')), 'tok-1');
  await wb.waitFor(() => window.workbench.notifications.length === 0);
  await call('extn_chat_notification', 'tok-2');
  await wb.waitFor(() => window.workbench.notifications.length === 1);
  // This toast's own button: the cancelled one's may still be in the DOM until the host page renders again.
  await wb.page.locator('.toast[data-token="tok-2"] .reject').click();
  await wb.eval(() => window.workbench.setNotificationTimeout(0.3));
  await call('extn_task_notification', 'tok-3');
  await sleep(700);
  const r = await f.evaluate(() => window.__r);
  assert.deepEqual(Object.keys(r).sort(), ['tok-2', 'tok-3']);
  assert.deepEqual(JSON.parse(r['tok-2']), { actionName: 'Reject', responseReason: 'DeclinedByAgent' });
  assert.deepEqual(JSON.parse(r['tok-3']), { actionName: 'Timeout', responseReason: 'DisplayTimeout' });
  await wb.assertNoPageErrors();
});

test('CCP fault: never acknowledging → Streams refreshes the iframe until onIframeRetriesExhausted', async (t) => {
  const wb = await open(t, { query: { ccpLoadTimeout: '200' } });
  await wb.eval(() => window.workbench.setCcpFault('noAck', true));
  await wb.eval(() => window.workbench.reloadProvider());
  const deadline = Date.now() + 15000;
  let ev = [];
  while (Date.now() < deadline) {
    ev = await wb.events().catch(() => []);
    if (ev.includes('iframe-retries-exhausted')) break;
    await sleep(200);
  }
  assert.ok(ev.includes('iframe-retries-exhausted'), ev.join());
  assert.ok(!ev.includes('core-init'));
});

test('CCP fault: auth_fail reaches onAuthFail', async (t) => {
  const wb = await open(t);
  await wb.eval(() => window.workbench.ccpCommand('authFail'));
  await wb.waitEvents(null, ['auth-fail']);
});

test('strict CSP on the provider page (/provider-csp/): Streams + CIF double still run, violations are collected', async (t) => {
  const wb = await open(t, { query: { wbCsp: 'strict' } });
  const id = await wb.eval(() => window.workbench.placeContact('voice-single'));
  await wb.waitFor(() => window.workbench.notifications.length === 1);
  await wb.eval(() => window.workbench.acceptNotification());
  await wb.waitEvents(id, ['connected']);
  const res = await fetch(`${wb.server.hostOrigin}/workbench/csp-reports`);
  const reports = await res.json();
  // report, do not fail: Streams' own violations (if any) are information for the product's CSP
  if (reports.length) t.diagnostic(`CSP reports: ${JSON.stringify(reports.map((r) => r['csp-report'] && [r['csp-report']['violated-directive'], r['csp-report']['blocked-uri']]))}`);
  await wb.assertNoPageErrors();
});
