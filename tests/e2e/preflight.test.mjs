// Why this file exists: spec §1 Preflight. Once CIF is up, the channel provider page looks up every
// template its configuration names (searchAndOpenRecords on the template entities) and names each missing one —
// with the configuration key that names it and where to create it — on the page and in the console, before the
// first contact; a template the flow names is checked the first time it is seen. It never blocks a pop.

import test from 'node:test';
import assert from 'node:assert/strict';
import { openBridge, cifCalls, waitCifCalls, input, sleep, providerNotices, waitNotice, reloadProvider as reload } from './helpers.mjs';

test('every template present → three lookups, nothing said; a template deleted in Dynamics → named after a reload', async (t) => {
  const wb = await openBridge(t);
  const searches = await waitCifCalls(wb, 'searchAndOpenRecords', 3);
  assert.deepEqual(searches.map((c) => c.args[0]).sort(),
    ['msdyn_applicationtabtemplate', 'msdyn_notificationtemplate', 'msdyn_sessiontemplate']);
  assert.ok(searches.every((c) => c.args[2] === true), 'search only: nothing opens');
  await sleep(500);
  assert.ok(!(await providerNotices(wb)).some((n) => /does not exist/.test(n)), 'the workbench holds every template');

  assert.equal(await wb.eval(() => window.workbench.deleteTemplate('extn_chat_notification')), true);
  await reload(wb);
  const notice = await waitNotice(wb, /extn_chat_notification/, 10000);
  assert.match(notice, /chatNotificationTemplate/, 'the key that names it');
  assert.match(notice, /Notification templates/, 'where to create it');

  // It never blocks a pop: a voice call pops as usual.
  const id = await wb.eval(() => window.workbench.placeContact('voice-single'));
  await wb.waitFor((cid) => window.workbench.notifications.some((n) => n.params && n.params.contactId === cid), id, 15000);
  await wb.eval((cid) => window.workbench.acceptNotification(cid), id);
  await wb.waitFor((cid) => window.workbench.openSessions.some((s) => s.params.contactId === cid), id, 15000);
  await wb.assertNoPageErrors();
});

test('a template the flow names is checked the first time it is seen', async (t) => {
  const wb = await openBridge(t);
  await waitCifCalls(wb, 'searchAndOpenRecords', 3);
  const overrides = { attributes: { ms_notify_template: 'extn_flow_toast' } };
  await wb.eval((o) => window.workbench.placeContact('voice-single', o), overrides);
  await wb.eval((o) => window.workbench.placeContact('voice-single', o), overrides);
  const notice = await waitNotice(wb, /extn_flow_toast/, 10000);
  assert.match(notice, /ms_notify_template/, 'named by the flow attribute');
  await sleep(500);
  const lookups = (await cifCalls(wb, 'searchAndOpenRecords')).filter((c) => String(c.args[1]).includes('extn_flow_toast'));
  assert.equal(lookups.length, 1, 'once, not per contact');
  // the contacts still get their toast, with the channel default template
  const toasts = (await cifCalls(wb, 'notifyEvent')).map(input).map((i) => i.templateName);
  assert.ok(toasts.includes('extn_voice_notification'), `fallback toasts: ${toasts}`);
  await wb.assertNoPageErrors();
});
