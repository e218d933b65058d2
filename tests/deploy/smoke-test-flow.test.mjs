// Why this file exists: checks the shape of deploy/smoke-test-flow.json, the Amazon Connect flow an
// admin imports to see the Dynamics pop before any lookup integration exists. It must be valid Flow language
// JSON (Version 2019-10-30, unique identifiers, every transition pointing at an action, every action reachable,
// each action's documented errors handled), set exactly the slug attributes the bridge reads, with values the
// bridge accepts (GUIDs, logical names, template unique names that the kit provisions), and agree with the
// README's import instructions. Run: node --test tests/deploy/

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FLOW_FILE = path.join(REPO, 'deploy/smoke-test-flow.json');
const FLOW_TEXT = fs.readFileSync(FLOW_FILE, 'utf8');
const README = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
const KIT = JSON.parse(fs.readFileSync(path.join(REPO, 'deploy/templates.json'), 'utf8'));
const QUEUE_PLACEHOLDER = 'REPLACE_WITH_YOUR_QUEUE_ARN';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOGICAL_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const TEMPLATE_NAME = /^[A-Za-z0-9]{3,8}_[A-Za-z0-9_]+$/;

/** Errors each action type can raise (Amazon Connect Flow language reference, one page per action). */
const ERRORS = {
  GetParticipantInput: ['InputTimeLimitExceeded', 'NoMatchingCondition', 'NoMatchingError'],
  UpdateContactAttributes: ['NoMatchingError'],
  UpdateContactTargetQueue: ['NoMatchingError'],
  TransferContactToQueue: ['QueueAtCapacity', 'NoMatchingError'],
  MessageParticipant: ['NoMatchingError'],
  DisconnectParticipant: [],
};

/** The slug attributes the bridge reads: the README's table, each also a string in the bridge's core. */
function bridgeAttributes() {
  const section = README.slice(README.indexOf('## Slug data'), README.indexOf('## Configuration'));
  const names = new Set();
  for (const line of section.split('\n')) {
    if (!line.startsWith('| `')) continue;
    for (const m of line.split('|')[1].matchAll(/`([A-Za-z_]+)`/g)) names.add(m[1]);
  }
  return names;
}

function coreSource() {
  const dir = path.join(REPO, 'crates/bridge-core/src');
  const files = [];
  const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.rs') && files.push(path.join(d, e.name)); };
  walk(dir);
  return files.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
}

const flow = JSON.parse(FLOW_TEXT);
const byId = new Map(flow.Actions.map((a) => [a.Identifier, a]));
const targets = (a) => [
  a.Transitions?.NextAction,
  ...(a.Transitions?.Conditions || []).map((c) => c.NextAction),
  ...(a.Transitions?.Errors || []).map((e) => e.NextAction),
].filter((x) => x !== undefined);
const setters = flow.Actions.filter((a) => a.Type === 'UpdateContactAttributes');
const scenario = (status) => setters.find((a) => a.Parameters.Attributes.LookupStatus === status).Parameters.Attributes;

test('the flow is Flow language JSON: version, start, unique identifiers', () => {
  assert.equal(flow.Version, '2019-10-30');
  assert.ok(byId.has(flow.StartAction), 'StartAction names an action');
  assert.equal(byId.size, flow.Actions.length, 'identifiers are unique');
  for (const a of flow.Actions) {
    assert.ok(a.Identifier.length >= 1 && a.Identifier.length <= 50, a.Identifier);
    assert.doesNotMatch(a.Identifier, /[%:(\\/)=$,;[\]{}]/, `${a.Identifier}: a character the Flow language forbids`);
    assert.ok(a.Type in ERRORS, `${a.Identifier}: type ${a.Type}`);
    assert.equal(typeof a.Parameters, 'object');
    assert.equal(typeof a.Transitions, 'object');
  }
  assert.deepEqual(Object.keys(flow.Metadata.ActionMetadata).sort(), [...byId.keys()].sort(), 'a designer position for every action');
});

test('every transition points at an action, every action is reachable, each documented error is handled', () => {
  for (const a of flow.Actions) {
    for (const t of targets(a)) assert.ok(byId.has(t), `${a.Identifier} → ${t}`);
    const handled = (a.Transitions.Errors || []).map((e) => e.ErrorType).sort();
    assert.deepEqual(handled, [...ERRORS[a.Type]].sort(), `${a.Identifier} (${a.Type}) errors`);
    if (a.Type !== 'DisconnectParticipant') assert.ok(a.Transitions.NextAction, `${a.Identifier} has a next action`);
  }
  const seen = new Set([flow.StartAction]);
  const todo = [flow.StartAction];
  while (todo.length) for (const t of targets(byId.get(todo.pop()))) if (!seen.has(t)) { seen.add(t); todo.push(t); }
  assert.deepEqual([...byId.keys()].filter((id) => !seen.has(id)), [], 'unreachable actions');
  // Every path ends in a hang-up; no action loops back to the menu.
  assert.ok(flow.Actions.some((a) => a.Type === 'DisconnectParticipant'));
  for (const a of flow.Actions) assert.ok(!targets(a).includes(flow.StartAction), `${a.Identifier} loops to the start`);
});

test('keys 1, 2 and 3 choose single, multi and no match; silence means single match', () => {
  const menu = byId.get(flow.StartAction);
  assert.equal(menu.Type, 'GetParticipantInput');
  const pick = Object.fromEntries(menu.Transitions.Conditions.map((c) => {
    assert.equal(c.Condition.Operator, 'Equals');
    return [c.Condition.Operands[0], byId.get(c.NextAction).Parameters.Attributes.LookupStatus];
  }));
  assert.deepEqual(pick, { 1: 'SingleMatch', 2: 'MultiMatch', 3: 'NoMatch' });
  const timeout = menu.Transitions.Errors.find((e) => e.ErrorType === 'InputTimeLimitExceeded');
  assert.equal(byId.get(timeout.NextAction).Parameters.Attributes.LookupStatus, 'SingleMatch');
  assert.match(menu.Parameters.Text, /press 1.*press 2.*press 3/s);
});

test('the attributes are exactly ones the bridge reads, with values it accepts', () => {
  const known = bridgeAttributes();
  assert.ok(known.size >= 16, `slug table names: ${[...known]}`);
  const core = coreSource();
  for (const n of known) assert.ok(core.includes(`"${n}"`), `README names ${n} but crates/bridge-core does not`);
  assert.equal(setters.length, 3);
  for (const a of setters) {
    assert.equal(a.Parameters.TargetContact, 'Current');
    const attrs = a.Parameters.Attributes;
    for (const [k, v] of Object.entries(attrs)) {
      assert.ok(known.has(k), `${a.Identifier}: ${k} is not an attribute the bridge reads`);
      assert.equal(typeof v, 'string', `${a.Identifier}: ${k}`);
      if (v.startsWith('$.')) assert.match(v, /^\$\.[A-Za-z]+(\.[A-Za-z]+)*$/, `${a.Identifier}: ${k} JSONPath`);
    }
    for (const k of ['ms_contact_id', 'ms_id', 'ms_account_id', 'ms_activity_id', 'ms_entityrecord_record_id']) {
      if (k in attrs) assert.match(attrs[k], GUID, `${a.Identifier}: ${k}`);
    }
    for (const k of ['ms_customer_entity_name', 'ms_searchType', 'ms_entityrecord_entity_name']) {
      if (k in attrs) assert.match(attrs[k], LOGICAL_NAME, `${a.Identifier}: ${k}`);
    }
    assert.match(attrs.ms_session_template, TEMPLATE_NAME);
    assert.ok(KIT.sessionTemplates[attrs.ms_session_template], `${attrs.ms_session_template} is provisioned by the kit`);
    assert.match(attrs.ms_notify_template, TEMPLATE_NAME);
    assert.ok(KIT.notificationTemplates[attrs.ms_notify_template], `${attrs.ms_notify_template} is provisioned by the kit`);
    assert.match(attrs.CreateTimeline, /^(true|false)$/);
    if (attrs.CreateTimeline === 'true') assert.match(attrs.ms_entityrecord_record_id ?? attrs.ms_activity_id ?? '', GUID);
    assert.equal(attrs.ms_searchText, '$.CustomerEndpoint.Address', 'search text is the caller\'s number');
  }
});

test('single match names a customer record; multi and no match name none', () => {
  const single = scenario('SingleMatch');
  assert.equal(single.ms_customer_entity_name, 'contact');
  assert.match(single.ms_contact_id, GUID);
  assert.equal(single.ms_id, single.ms_contact_id);
  assert.ok(single.ms_customer_name);
  for (const status of ['MultiMatch', 'NoMatch']) {
    const a = scenario(status);
    for (const k of ['ms_contact_id', 'ms_id', 'ms_account_id']) assert.ok(!(k in a), `${status} sets ${k}`);
  }
});

test('the README tells how to import it: the test record id to replace and the queue to choose', () => {
  const id = scenario('SingleMatch').ms_contact_id;
  assert.ok(README.includes(id), 'README names the single-match test record id');
  assert.equal(FLOW_TEXT.split(id).length - 1, 2, 'the id appears twice (ms_contact_id and ms_id), so one sed replaces both');
  assert.equal(FLOW_TEXT.split(QUEUE_PLACEHOLDER).length - 1, 1);
  assert.equal(byId.get('set-working-queue').Parameters.QueueId, QUEUE_PLACEHOLDER);
  assert.ok(README.includes(QUEUE_PLACEHOLDER), 'README says to replace the queue placeholder');
  assert.ok(README.includes('deploy/smoke-test-flow.json'));
});
