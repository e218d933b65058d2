#!/usr/bin/env node
// Why this file exists: it generates tests/corpus/hostile.json, the hostile-input corpus, from the
// hand-written seed lists below (deterministic: no randomness, so the committed JSON is reproducible:
// `node tests/corpus/generate.mjs && git diff --exit-code tests/corpus/hostile.json`).
//
// Consumers: crates/bridge-core/tests/hostile_corpus.rs (natively through the core) and
// tests/e2e/reliability-hostile.test.mjs (through the page in the workbench). Huge values are kept small on disk
// as {"$repeat": "<text>", "times": N} markers; both consumers expand every such object (exactly those two keys)
// into the repeated string before use.
//
// Shape: {version, attributeCases: [{id, field, invalid, attributes}], payloadCases: [{id, handler, payload}],
// cifGarbage: [{id, method, value}]}. `attributes` is the Streams attribute map ({key: {name, value}}) or, for the
// structural cases, anything at all. `invalid: true` marks a case the bridge must report (a slug value that is
// not of its field's kind): the report must name the field.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const MB = 1 << 20;
const rep = (text, times) => ({ $repeat: text, times });

// The seed contact flow's attributes (SingleMatch), valid: the baseline every case perturbs.
const CUSTOMER = '0f8fad5b-d9cb-469f-a165-70867728950e';
const ACTIVITY = '9b2c3d4e-1111-4222-8333-444455556666';
const BASE = {
  ms_customer_entity_name: 'contact',
  ms_contact_id: CUSTOMER,
  ms_id: CUSTOMER,
  ms_customer_name: 'Maria Campbell',
  ms_account_id: '1a2b3c4d-0000-4000-8000-00000000a001',
  LookupSatus: 'SingleMatch',
  ms_session_template: 'extn_voice_identified_session',
  ms_notify_template: 'extn_voice_notification',
  CallReason: 'transcript',
  ms_searchType: 'contact',
  ms_searchText: '+15555550100',
  CreateTimeline: 'true',
  ms_activity_id: ACTIVITY,
  ms_entityrecord_entity_name: 'phonecall',
  ms_entityrecord_record_id: ACTIVITY,
  phoneNmber: '+15555550100',
};
// field → kind (what a valid value looks like); text fields accept any text, so hostile text there is not an error
const KIND = {
  ms_customer_entity_name: 'logical', ms_contact_id: 'guid', ms_id: 'guid', ms_customer_name: 'text',
  ms_account_id: 'guid', LookupSatus: 'lookup', ms_session_template: 'template', ms_notify_template: 'template',
  CallReason: 'text', ms_searchType: 'logical', ms_searchText: 'text', CreateTimeline: 'bool',
  ms_activity_id: 'guid', ms_entityrecord_entity_name: 'logical', ms_entityrecord_record_id: 'guid',
  phoneNmber: 'ignored', // the seed writes it, the bridge reads the phone number from Streams instead

};

// Hostile string values (hand-written seeds).
const STRINGS = {
  'odata-or': "' or 1 eq 1",
  'odata-close': "x') or (1 eq 1",
  'odata-filter': "$filter=fullname eq 'x'&$top=5000",
  'odata-pct27': '%27%20or%201%20eq%201',
  'odata-select': "?$select=*&$expand=owninguser($select=*)",
  'script': '<script>alert(document.domain)</script>',
  'img-onerror': '<img src=x onerror=alert(1)>',
  'svg-onload': '<svg/onload=alert(1)>',
  'iframe': '<iframe src="javascript:alert(1)"></iframe>',
  'js-url': 'javascript:alert(1)',
  'data-url': 'data:text/html,<script>alert(1)</script>',
  'template-injection': '{{constructor.constructor("alert(1)")()}}',
  'slug-injection': '{customerName}{ms_contact_id}',
  'proto': '__proto__',
  'constructor': 'constructor',
  'control': 'a\u0000b\u0007c\u001b[31md\r\ne\u0085f',
  'rtl-override': '\u202Egnp.exe\u202C',
  'rtl-arabic': 'مرحبا بالعالم',
  'rtl-hebrew': 'שלום עולם',
  'emoji': '😀👩‍👩‍👧‍👦🏳️‍🌈',
  'zero-width': 'Mar\u200Bia\u2060 Camp\uFEFFbell',
  'combining': 'Z̸̡̢͉a̵l̷g̶o̴',
  'nul-only': '\u0000',
  'empty': '',
  'spaces': '   \t  ',
  'guid-braces-invalid': '{0f8fad5b-d9cb-469f-a165-70867728950g}',
  'guid-braces-unbalanced': '{0f8fad5b-d9cb-469f-a165-70867728950e',
  'guid-short': '0f8fad5b-d9cb-469f-a165-70867728950',
  'guid-long': '0f8fad5b-d9cb-469f-a165-70867728950e0',
  'guid-no-dashes': '0f8fad5bd9cb469fa16570867728950e',
  'guid-quote': "0f8fad5b-d9cb-469f-a165-70867728950'",
  'guid-path': '0f8fad5b-d9cb-469f-a165-70867728950e/../../systemusers',
  'guid-fullwidth': '０f8fad5b-d9cb-469f-a165-70867728950e',
  'number-text': '12345678901234567890123456789',
  'sql': "'; DROP TABLE contact;--",
  'crlf-header': 'x\r\nSet-Cookie: a=b',
  'percent-escapes': '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  'html-entities': '&lt;script&gt;alert(1)&lt;/script&gt;',
  'backslashes': '\\u003cscript\\u003e',
  'long-10k': rep('x', 10_000),
  'huge-1mb': rep('A', MB),
};
// Non-string values for the `value` slot.
const NON_STRINGS = {
  'null': null, 'true': true, 'false': false, 'zero': 0, 'neg': -1, 'float': 3.5, 'huge-number': 1e308,
  'big-int': 123456789012345678901234567890, 'empty-array': [], 'array': ['a', 'b'], 'object': { a: 1 },
  'nested-arrays': JSON.parse('['.repeat(64) + ']'.repeat(64)),
  'proto-object': JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}'),
};

// Whether a string is a valid value of its field's kind (mirrors the §2 contract; blank means "absent").
function validFor(kind, value) {
  // the {$repeat} markers are long runs of one letter: text (to be capped), never a valid token
  if (typeof value !== 'string') return kind === 'text' || kind === 'ignored';
  const s = value.trim();
  if (s === '' || kind === 'text' || kind === 'ignored') return true;
  switch (kind) {
    case 'guid': return /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/.test(s);
    case 'logical': return /^[a-z][a-z0-9_]{0,63}$/.test(s);
    case 'template': return /^[A-Za-z0-9]{3,8}_[A-Za-z0-9_]+$/.test(s) && s.length <= 100;
    case 'lookup': return /^(SingleMatch|MultiMatch|NoMatch)$/i.test(s);
    case 'bool': return /^(true|false)$/i.test(s);
    default: return false;
  }
}

const attrs = (map) => Object.fromEntries(Object.entries(map).map(([k, v]) => [k, { name: k, value: v }]));

const attributeCases = [];
// 1. every slug field × every hostile string, the rest valid
for (const field of Object.keys(BASE)) {
  for (const [name, value] of Object.entries(STRINGS)) {
    const invalid = !validFor(KIND[field], value);
    attributeCases.push({ id: `${field}.${name}`, field, invalid, attributes: attrs({ ...BASE, [field]: value }) });
  }
}
// 2. every slug field × every non-string value
for (const field of Object.keys(BASE)) {
  for (const [name, value] of Object.entries(NON_STRINGS)) {
    if (name === 'null' || name === 'big-int' || name === 'proto-object' || name === 'nested-arrays' || name === 'true') {
      // fewer combinations of the heavier shapes: the GUID, template and text fields only
      if (!['ms_contact_id', 'ms_session_template', 'ms_customer_name', 'CreateTimeline'].includes(field)) continue;
    }
    // `true` for CreateTimeline is a valid boolean; null means "absent"; everything else is reported
    const invalid = KIND[field] !== 'ignored' && !(value === null || (field === 'CreateTimeline' && typeof value === 'boolean'));
    attributeCases.push({ id: `${field}.${name}`, field, invalid, attributes: attrs({ ...BASE, [field]: value }) });
  }
}
// 3. structural damage (hand-written)
const structural = {
  'attributes-null': null,
  'attributes-string': 'ms_contact_id=0f8fad5b-d9cb-469f-a165-70867728950e',
  'attributes-array': [{ name: 'ms_contact_id', value: CUSTOMER }],
  'attributes-number': 42,
  'attributes-empty': {},
  'bare-string-values': Object.fromEntries(Object.entries(BASE).map(([k, v]) => [k, v])),
  'missing-value-key': Object.fromEntries(Object.keys(BASE).map((k) => [k, { name: k }])),
  'value-under-wrong-key': Object.fromEntries(Object.entries(BASE).map(([k, v]) => [k, { name: k, Value: v }])),
  'name-mismatch': Object.fromEntries(Object.entries(BASE).map(([k, v]) => [k, { name: 'other', value: v }])),
  'entries-null': Object.fromEntries(Object.keys(BASE).map((k) => [k, null])),
  'entries-arrays': Object.fromEntries(Object.entries(BASE).map(([k, v]) => [k, [v]])),
  'proto-keys': JSON.parse(`{"__proto__": {"name": "__proto__", "value": "x"}, "constructor": {"name": "constructor", "value": "y"}, "prototype": {"value": "z"}, "ms_contact_id": {"name": "ms_contact_id", "value": "${CUSTOMER}"}}`),
  'case-variants': attrs({ MS_CONTACT_ID: CUSTOMER, Ms_Id: CUSTOMER, lookupstatus: 'SingleMatch' }),
  'many-keys': Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, { name: `k${i}`, value: `v${i}` }])),
  'huge-key': { [`${'K'.repeat(5000)}`]: { name: 'K', value: 'v' }, ...attrs(BASE) },
  'only-lookup-multi-with-ids': attrs({ ...BASE, LookupSatus: 'MultiMatch' }),
  'no-match-with-ids': attrs({ ...BASE, LookupSatus: 'NoMatch' }),
  'single-match-no-id': attrs({ ...BASE, ms_contact_id: '', ms_id: '' }),
  'both-lookup-spellings-conflict': attrs({ ...BASE, LookupStatus: 'NoMatch', LookupSatus: 'SingleMatch' }),
  'timeline-without-activity': attrs({ ...BASE, ms_activity_id: '', ms_entityrecord_record_id: '' }),
  'entity-name-uppercase': attrs({ ...BASE, ms_entityrecord_entity_name: 'PhoneCall', ms_customer_entity_name: 'Contact' }),
  'entity-name-odata': attrs({ ...BASE, ms_customer_entity_name: "contact?$filter=1 eq 1", ms_searchType: 'contacts/$ref' }),
  'every-field-huge': attrs(Object.fromEntries(Object.keys(BASE).map((k) => [k, rep('Z', 100_000)]))),
  'every-field-script': attrs(Object.fromEntries(Object.keys(BASE).map((k) => [k, '<img src=x onerror=alert(1)>']))),
  'every-field-odata': attrs(Object.fromEntries(Object.keys(BASE).map((k) => [k, "' or 1 eq 1 or '' eq '"]))),
};
for (const [id, attributes] of Object.entries(structural)) {
  attributeCases.push({ id: `structural.${id}`, field: null, invalid: false, attributes });
}

// Handler payloads (hand-written shapes × hostile values); the CIF double JSON-stringifies them, as CIF does.
const HANDLERS = ['onSessionSwitched', 'onSessionClosed', 'onclicktoact', 'onPresenceChange'];
const PAYLOADS = {
  'null': null, 'string': 'not json', 'json-text': '{"sessionId":"session-1"}', 'number': 7, 'array': [1, 2, 3],
  'empty': {}, 'proto': JSON.parse('{"__proto__": {"sessionId": "session-1"}, "constructor": {"prototype": {}}}'),
  'session-id-number': { sessionId: 12, focused: 'yes' }, 'session-id-object': { sessionId: { $ne: null } },
  'session-id-script': { sessionId: '<script>alert(1)</script>', focused: true, focussed: false },
  'session-id-odata': { sessionId: "session-1' or 1 eq 1", focused: true },
  'session-id-huge': { sessionId: rep('s', MB), focused: true },
  'focus-both-conflict': { sessionId: 'session-1', focused: true, focussed: false },
  'click-js-url': { value: 'javascript:alert(1)', name: 'telephone1', format: 'phone', entityLogicalName: 'contact' },
  'click-script': { value: '<img src=x onerror=alert(1)>', name: '<b>', format: 'phone', entityLogicalName: "contact' or 1 eq 1" },
  'click-huge-number': { value: 1e308, name: 'telephone1', format: 'phone' },
  'click-controls': { value: '+1\u0000555\u202E0100', format: 'phone' },
  'click-huge': { value: rep('5', MB), format: 'phone' },
  'click-nested': { value: JSON.parse('['.repeat(64) + ']'.repeat(64)), format: 'phone' },
  'presence-script': { presenceInfo: { presenceText: '<script>alert(1)</script>', presenceId: "' or 1 eq 1" } },
  'presence-wrong-types': { presenceInfo: { presenceText: 12, presenceId: [] } },
  'presence-string': { presenceInfo: 'Available' },
  'presence-huge': { presenceInfo: { presenceText: rep('P', MB) } },
};
const payloadCases = [];
for (const handler of HANDLERS) {
  for (const [id, payload] of Object.entries(PAYLOADS)) payloadCases.push({ id: `${handler}.${id}`, handler, payload });
}

// Garbage CIF results (what a broken or hostile Dynamics answers), per method the pop uses.
const GARBAGE = {
  'null': null, 'empty-string': '', 'number': 42, 'object': { a: 1 }, 'array': [], 'not-json': '{oops',
  'script': '<script>alert(1)</script>', 'proto': '{"__proto__":{"polluted":true}}', 'control': '\u0000\u0007',
  'huge': rep('G', MB), 'nested': JSON.parse('['.repeat(64) + ']'.repeat(64)),
};
const METHODS = ['notifyEvent', 'cancelEvent', 'canCreateSession', 'createSession', 'createTab', 'getAllSessions', 'getEnvironment'];
const cifGarbage = [];
for (const method of METHODS) {
  for (const [id, value] of Object.entries(GARBAGE)) cifGarbage.push({ id: `${method}.${id}`, method, value });
}

const corpus = { version: 1, generatedBy: 'tests/corpus/generate.mjs', attributeCases, payloadCases, cifGarbage };
const out = path.join(HERE, 'hostile.json');
fs.writeFileSync(out, JSON.stringify(corpus, null, 0) + '\n');
const total = attributeCases.length + payloadCases.length + cifGarbage.length;
console.log(`${out}: ${attributeCases.length} attribute cases, ${payloadCases.length} payload cases, ${cifGarbage.length} CIF results (${total} in all)`);
