// Why this file exists: the tests of deploy/provision.mjs: arguments, the choice of sign-in flow and
// the MSAL configuration (without reaching Microsoft), the template kit's checks, and whole runs against the
// local Dataverse stand-in — first run, re-run, a redeploy that overwrote the Channel URL, dry runs, and
// failures that must name the record and what Dataverse said. Run: node --test tests/deploy/

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  main, parseArgs, chooseAuth, tokenSource, checkKit, loadKit, UsageError, HELP, DEFAULT_TEMPLATES, fieldUniqueName,
} from '../../deploy/provision.mjs';
import { startStandin } from './dataverse-standin.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const KIT = JSON.parse(fs.readFileSync(DEFAULT_TEMPLATES, 'utf8'));
const CHANNEL_URL = 'https://cti.contoso.com/index.html?crmUrl=https://contoso.crm.dynamics.com&ccpUrl=https://contoso.my.connect.aws/ccp-v2/&region=eu-west-2';

/** Run the command, capturing its output. */
async function run(argv, { env = {}, ...rest } = {}) {
  const out = [];
  const err = [];
  const code = await main(argv, { env, out: (s) => out.push(s), err: (s) => err.push(s), sleep: async () => {}, ...rest });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function writeKit(kit) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kit-'));
  const file = path.join(dir, 'templates.json');
  fs.writeFileSync(file, JSON.stringify(kit));
  return file;
}

async function withStandin(fn) {
  const s = await startStandin();
  try { return await fn(s, { DATAVERSE_ACCESS_TOKEN: s.token }); } finally { await s.close(); }
}

const writes = (s) => s.requests.filter((r) => r.method !== 'GET');

// ---------------------------------------------------------------------------------------------------------
// Arguments

test('--help prints the usage and every option it names is documented in the README', async () => {
  const r = await run(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.out, /^Usage: npm run provision -- --org <url>/);
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const options = [...new Set(HELP.match(/--[a-z][a-z-]+/g))];
  assert.ok(options.length >= 18, `options found in --help: ${options}`);
  for (const o of options) assert.ok(readme.includes(`\`${o}`), `README does not document ${o}`);
  for (const v of ['DATAVERSE_ACCESS_TOKEN', 'DATAVERSE_CLIENT_SECRET']) assert.ok(readme.includes(v), `README does not mention ${v}`);
});

test('arguments are checked, each error naming the option', () => {
  const bad = [
    [[], /--org is required/],
    [['--org', 'http://contoso.crm.dynamics.com', '--skip-provider'], /--org: .* must be https/],
    [['--org', 'https://contoso.crm.dynamics.com/main.aspx', '--skip-provider'], /--org: .* the org's address only/],
    [['--org', 'not a url', '--skip-provider'], /--org: .* is not a URL/],
    [['--org', 'https://o.crm.dynamics.com'], /--channel-url is required .* --skip-provider/],
    [['--org', 'https://o.crm.dynamics.com', '--skip-provider', '--channel-url', CHANNEL_URL], /exclude each other/],
    [['--org', 'https://o.crm.dynamics.com', '--channel-url', 'http://cti.contoso.com/'], /--channel-url: .* must be https/],
    [['--org', 'https://o.crm.dynamics.com', '--channel-url', `https://x.com/?q=${'a'.repeat(1020)}`], /at most 1024/],
    [['--org', 'https://o.crm.dynamics.com', '--channel-url', CHANNEL_URL, '--enable-outbound', 'maybe'], /--enable-outbound .* true or false/],
    [['--org', 'https://o.crm.dynamics.com', '--channel-url', CHANNEL_URL, '--channel-order', '1001'], /--channel-order .* 0–1000/],
    [['--org', 'https://o.crm.dynamics.com', '--channel-url', CHANNEL_URL, '--custom-params', '{nope'], /not JSON/],
    [['--org', 'https://o.crm.dynamics.com', '--channel-url', CHANNEL_URL, '--custom-params', '[1]'], /must be a JSON object/],
    [['--org', 'https://o.crm.dynamics.com', '--channel-url', CHANNEL_URL, '--custom-params', JSON.stringify({ a: 'x'.repeat(2000) })], /at most 2000/],
    [['--org', 'https://o.crm.dynamics.com', '--channel-url', CHANNEL_URL, '--custom-params-file', '/nonexistent/cp.json'], /cannot read/],
    [['--org', 'https://o.crm.dynamics.com', '--channel-url', CHANNEL_URL, '--provider-unique-name', 'ab_x'], /--provider-unique-name .* prefix 3–8/],
    [['--org', 'https://o.crm.dynamics.com', '--channel-url', CHANNEL_URL, '--auth', 'password'], /--auth .* device-code, client-secret or token/],
    [['--org', 'https://o.crm.dynamics.com', '--channel-url', CHANNEL_URL, '--offline'], /--offline only works with --dry-run/],
    [['--org', 'https://o.crm.dynamics.com', '--channel-url', CHANNEL_URL, '--bogus'], /unknown option "--bogus"/],
    [['--org'], /--org needs a value/],
    [['--org', 'https://o.crm.dynamics.com', '--channel-url', '--dry-run'], /--channel-url needs a value/],
  ];
  for (const [argv, re] of bad) assert.throws(() => parseArgs(argv), (e) => e instanceof UsageError && re.test(e.message), `argv ${JSON.stringify(argv)}`);
});

test('defaults: trusted domain is the Channel URL origin, outbound on, order 0, Custom Parameters untouched', () => {
  const o = parseArgs(['--org', 'https://contoso.crm.dynamics.com/', `--channel-url=${CHANNEL_URL}`]);
  assert.equal(o.org, 'https://contoso.crm.dynamics.com');
  assert.equal(o.trustedDomain, 'https://cti.contoso.com');
  assert.equal(o.enableOutbound, true);
  assert.equal(o.channelOrder, 0);
  assert.equal(o.customParams, null);
  assert.equal(o.providerUniqueName, 'extn_connect_cif_bridge');
  const p = parseArgs(['--org', 'http://127.0.0.1:9', '--channel-url', CHANNEL_URL, '--custom-params', '{ "region": "eu-west-2" }', '--enable-outbound', 'no', '--channel-order', '7']);
  assert.equal(p.customParams, '{"region":"eu-west-2"}');
  assert.equal(p.enableOutbound, false);
  assert.equal(p.channelOrder, 7);
});

test('a bad argument exits 2 with a message and sends nothing', async () => {
  const r = await run(['--org', 'https://o.crm.dynamics.com']);
  assert.equal(r.code, 2);
  assert.match(r.err, /^provision: --channel-url is required/);
});

// ---------------------------------------------------------------------------------------------------------
// Sign-in

const base = () => parseArgs(['--org', 'https://contoso.crm.dynamics.com', '--channel-url', CHANNEL_URL]);
const CLIENT = '11111111-2222-4333-8444-555555555555';

test('sign-in flow: explicit --auth wins; else token, else client secret, else device code', () => {
  const withIds = { ...base(), tenant: 'contoso.onmicrosoft.com', clientId: CLIENT };
  assert.deepEqual(chooseAuth(base(), { DATAVERSE_ACCESS_TOKEN: 't' }), { flow: 'token', reason: 'DATAVERSE_ACCESS_TOKEN is set' });
  assert.equal(chooseAuth(withIds, { DATAVERSE_CLIENT_SECRET: 's' }).flow, 'client-secret');
  assert.equal(chooseAuth(withIds, { DATAVERSE_ACCESS_TOKEN: 't', DATAVERSE_CLIENT_SECRET: 's' }).flow, 'token');
  assert.equal(chooseAuth(withIds, {}).flow, 'device-code');
  assert.equal(chooseAuth({ ...withIds, auth: 'device-code' }, { DATAVERSE_ACCESS_TOKEN: 't' }).flow, 'device-code');
  assert.equal(chooseAuth({ ...base(), dryRun: true, offline: true }, {}).flow, 'none');
});

test('sign-in flow: what each flow needs is checked before anything is sent', () => {
  const cases = [
    [{ auth: 'token' }, {}, /DATAVERSE_ACCESS_TOKEN/],
    [{ auth: 'client-secret', tenant: 't.onmicrosoft.com', clientId: CLIENT }, {}, /DATAVERSE_CLIENT_SECRET \(never on the command line\)/],
    [{}, {}, /device-code sign-in needs --tenant/],
    [{ tenant: 'contoso.onmicrosoft.com' }, {}, /device-code sign-in needs --client-id/],
    [{ tenant: 'contoso.onmicrosoft.com', clientId: 'my-app' }, {}, /--client-id "my-app" is not a GUID/],
    [{ tenant: 'contoso/../evil' , clientId: CLIENT }, {}, /--tenant .* is not a tenant id or domain/],
    [{}, { DATAVERSE_CLIENT_SECRET: 's' }, /client-secret sign-in needs --tenant/],
  ];
  for (const [extra, env, re] of cases) {
    assert.throws(() => chooseAuth({ ...base(), ...extra }, env), (e) => e instanceof UsageError && re.test(e.message), JSON.stringify(extra));
  }
});

function fakeMsal() {
  const calls = [];
  class PublicClientApplication {
    constructor(cfg) { calls.push(['public', cfg]); }
    async acquireTokenByDeviceCode(req) {
      calls.push(['deviceCode', req]);
      req.deviceCodeCallback({ message: 'To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABC123.' });
      return { accessToken: 'device-token' };
    }
  }
  class ConfidentialClientApplication {
    constructor(cfg) { calls.push(['confidential', cfg]); }
    async acquireTokenByClientCredential(req) { calls.push(['clientCredential', req]); return { accessToken: 'app-token' }; }
  }
  return { calls, PublicClientApplication, ConfidentialClientApplication };
}

test('device code: MSAL public client for the tenant, org scope, the sign-in message shown, one sign-in per run', async () => {
  const o = { ...base(), tenant: 'contoso.onmicrosoft.com', clientId: CLIENT };
  const msal = fakeMsal();
  const printed = [];
  const source = tokenSource(o, {}, chooseAuth(o, {}), { msal, print: (s) => printed.push(s) });
  assert.equal(await source(), 'device-token');
  assert.equal(await source(), 'device-token');
  assert.deepEqual(msal.calls[0], ['public', { auth: { clientId: CLIENT, authority: 'https://login.microsoftonline.com/contoso.onmicrosoft.com' } }]);
  assert.deepEqual(msal.calls[1][1].scopes, ['https://contoso.crm.dynamics.com/.default']);
  assert.equal(msal.calls.length, 2, 'signed in once');
  assert.match(printed.join('\n'), /devicelogin .* ABC123/);
});

test('client secret: MSAL confidential client with the secret from the environment', async () => {
  const o = { ...base(), tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47', clientId: CLIENT };
  const env = { DATAVERSE_CLIENT_SECRET: 'shh' };
  const msal = fakeMsal();
  const source = tokenSource(o, env, chooseAuth(o, env), { msal });
  assert.equal(await source(), 'app-token');
  assert.deepEqual(msal.calls[0], ['confidential', { auth: { clientId: CLIENT, authority: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47', clientSecret: 'shh' } }]);
  assert.deepEqual(msal.calls[1], ['clientCredential', { scopes: ['https://contoso.crm.dynamics.com/.default'] }]);
});

test('the real @azure/msal-node is installed at the pinned version and has the two flows', async () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  const pinned = pkg.dependencies['@azure/msal-node'];
  assert.match(pinned, /^\d+\.\d+\.\d+$/, 'exact version in package.json');
  const installed = JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules/@azure/msal-node/package.json'), 'utf8')).version;
  assert.equal(installed, pinned);
  const msal = await import('@azure/msal-node');
  assert.equal(typeof msal.PublicClientApplication.prototype.acquireTokenByDeviceCode, 'function');
  assert.equal(typeof msal.ConfidentialClientApplication.prototype.acquireTokenByClientCredential, 'function');
});

// ---------------------------------------------------------------------------------------------------------
// The template kit

test('the shipped kit is valid and names the templates the bridge defaults to', () => {
  assert.deepEqual(checkKit(KIT), []);
  for (const n of ['extn_voice_notification', 'extn_chat_notification', 'extn_task_notification', 'extn_email_notification']) assert.ok(KIT.notificationTemplates[n], n);
  for (const n of ['extn_voice_identified_session', 'extn_chat_session', 'extn_task_session', 'extn_email_session']) assert.ok(KIT.sessionTemplates[n], n);
  for (const n of ['extn_entity_record', 'extn_search']) assert.ok(KIT.applicationTabTemplates[n], n);
  // The defaults the bridge names (crates/bridge-core/src/config/mod.rs) are all in the kit.
  const config = fs.readFileSync(path.join(REPO, 'crates/bridge-core/src/config/mod.rs'), 'utf8');
  const named = [...new Set(config.match(/"extn_[a-z_]+"/g).map((s) => s.slice(1, -1)))];
  assert.ok(named.length >= 10, `names found in config/mod.rs: ${named}`);
  const all = { ...KIT.notificationTemplates, ...KIT.sessionTemplates, ...KIT.applicationTabTemplates };
  for (const n of named) assert.ok(all[n], `config/mod.rs names ${n}, which deploy/templates.json lacks`);
});

test('kit problems are all reported, each naming the template', () => {
  const kit = structuredClone(KIT);
  kit.notificationTemplates.extn_voice_notification.fields.push({ header: 'Fifth', value: '{x}' });
  kit.notificationTemplates.extn_chat_notification.timeoutSeconds = 600;
  kit.notificationTemplates.extn_task_notification.fields.push({ header: 'queue', value: '{queueName}' });
  kit.applicationTabTemplates.extn_search.pageType = 'search';
  kit.sessionTemplates.extn_chat_session.anchorTab = 'extn_nowhere';
  kit.sessionTemplates.extn_task_session.type = 'Entity';
  kit.sessionTemplates.ab_bad = { type: 'Generic', title: 'x' };
  kit.sessionTemplates.extn_email_session.title = 'x'.repeat(201);
  const p = checkKit(kit);
  const expect = [
    /notificationTemplates\.extn_voice_notification\.fields: 5 fields; a notification shows at most 4/,
    /notificationTemplates\.extn_chat_notification\.timeoutSeconds must be a whole number 0–500/,
    /notificationTemplates\.extn_task_notification\.fields\[3\]: header "queue" repeats/,
    /applicationTabTemplates\.extn_search\.pageType "search" must be one of/,
    /sessionTemplates\.extn_chat_session\.anchorTab "extn_nowhere" is not in applicationTabTemplates/,
    /sessionTemplates\.extn_task_session\.type: CIF's createSession only opens Generic/,
    /sessionTemplates\.ab_bad: unique name must be <prefix>_<name>/,
    /sessionTemplates\.extn_email_session\.title is 201 characters; Dataverse keeps at most 200/,
  ];
  for (const re of expect) assert.ok(p.some((x) => re.test(x)), `missing ${re} in\n${p.join('\n')}`);
  assert.equal(p.length, expect.length, p.join('\n'));
});

test('a bad kit exits 2 before signing in or sending anything', async () => {
  const kit = structuredClone(KIT);
  kit.applicationTabTemplates.extn_search.pageType = 'search';
  const r = await run(['--org', 'https://o.crm.dynamics.com', '--skip-provider', '--templates', writeKit(kit)]);
  assert.equal(r.code, 2);
  assert.match(r.err, /template kit has problems: .*\n  applicationTabTemplates\.extn_search\.pageType/);
  assert.throws(() => loadKit('/nonexistent/templates.json'), /nonexistent\/templates\.json/);
});

// ---------------------------------------------------------------------------------------------------------
// Whole runs against the stand-in

/** Check that the stand-in holds exactly what `kit` says. */
function assertOrgMatchesKit(s, kit) {
  for (const [name, t] of Object.entries(kit.applicationTabTemplates)) {
    const rec = s.find('msdyn_applicationtabtemplates', name);
    assert.ok(rec, `tab template ${name}`);
    assert.equal(rec.msdyn_title, t.title);
    assert.equal(rec.msdyn_pagetype, { entityrecord: 509180001, entitysearch: 509180005 }[t.pageType]);
    assert.equal(rec.msdyn_pinned, t.canClose === false, `${name}: msdyn_pinned (1 = "Can close: No")`);
    const params = [...s.records.get('msdyn_templateparameters').values()].filter((p) => p._msdyn_applicationtabtemplateid_value === rec.msdyn_applicationtabtemplateid);
    assert.deepEqual(Object.fromEntries(params.map((p) => [p.msdyn_name, p.msdyn_value])), t.parameters, `${name}: parameters`);
  }
  for (const [name, t] of Object.entries(kit.notificationTemplates)) {
    const rec = s.find('msdyn_notificationtemplates', name);
    assert.ok(rec, `notification template ${name}`);
    assert.equal(rec.msdyn_title, t.title);
    assert.equal(rec.msdyn_timeout, t.timeoutSeconds);
    assert.equal(rec.msdyn_showrejectbutton, t.showReject);
    assert.equal(rec.msdyn_acceptbuttontext, t.acceptText);
    const fields = s.linked('msdyn_notificationtemplates', rec.msdyn_notificationtemplateid, 'msdyn_notificationtemplate_notificationfield')
      .map((id) => s.records.get('msdyn_notificationfields').get(id))
      .sort((a, b) => a.msdyn_order - b.msdyn_order)
      .map((f) => ({ header: f.msdyn_title, value: f.msdyn_value }));
    assert.deepEqual(fields, t.fields, `${name}: fields in order`);
  }
  for (const [name, t] of Object.entries(kit.sessionTemplates)) {
    const rec = s.find('msdyn_sessiontemplates', name);
    assert.ok(rec, `session template ${name}`);
    assert.equal(rec.msdyn_title, t.title);
    assert.equal(rec.msdyn_sessiontype, 0);
    assert.equal(rec.msdyn_type, false);
    assert.equal(rec.msdyn_panelstate, 162450002);
    assert.equal(rec._msdyn_anchortab_value, s.find('msdyn_applicationtabtemplates', t.anchorTab).msdyn_applicationtabtemplateid, `${name}: anchor tab`);
    const extra = s.linked('msdyn_sessiontemplates', rec.msdyn_sessiontemplateid, 'msdyn_sessiontemplate_applicationtab')
      .map((id) => s.records.get('msdyn_applicationtabtemplates').get(id).msdyn_uniquename).sort();
    assert.deepEqual(extra, [...t.additionalTabs].sort(), `${name}: additional tabs`);
  }
}

function kitWithAdditionalTab() {
  const kit = structuredClone(KIT);
  kit.sessionTemplates.extn_voice_identified_session.additionalTabs = ['extn_entity_record', 'extn_search'];
  return kit;
}

test('first run creates every template, parameter, field, link and the channel provider', () => withStandin(async (s, env) => {
  const kit = kitWithAdditionalTab();
  const r = await run(['--org', s.url, '--channel-url', CHANNEL_URL, '--templates', writeKit(kit), '--custom-params', '{"searchTabTemplate":"extn_search"}'], { env });
  assert.equal(r.code, 0, r.err + r.out);
  assertOrgMatchesKit(s, kit);
  const p = s.find('msdyn_channelproviders', 'extn_connect_cif_bridge');
  assert.deepEqual(
    { url: p.msdyn_channelurl, api: p.msdyn_apiversion, trusted: p.msdyn_trusteddomain, custom: p.msdyn_customparams, outbound: p.msdyn_enableoutbound, order: p.msdyn_sortorder, label: p.msdyn_label },
    { url: CHANNEL_URL, api: 162450000, trusted: 'https://cti.contoso.com', custom: '{"searchTabTemplate":"extn_search"}', outbound: true, order: 0, label: 'Amazon Connect' },
  );
  assert.match(r.out, /created session template extn_voice_identified_session \(anchor tab extn_customer_record, additional tabs extn_entity_record, extn_search\)/);
  assert.match(r.err, /sign-in: token \(DATAVERSE_ACCESS_TOKEN is set\)/);
  assert.match(r.err, /12 record\(s\) written, 0 failed, 0 skipped/);
  // Every request carried the bearer token and the OData headers; PATCHes never create.
  for (const q of s.requests) {
    assert.equal(q.headers.authorization, `Bearer ${s.token}`);
    assert.equal(q.headers['odata-version'], '4.0');
    if (q.method === 'PATCH') assert.equal(q.headers['if-match'], '*');
  }
}));

test('a re-run is idempotent: same records, only updates, no duplicate links', () => withStandin(async (s, env) => {
  const kit = kitWithAdditionalTab();
  const file = writeKit(kit);
  const argv = ['--org', s.url, '--channel-url', CHANNEL_URL, '--templates', file];
  assert.equal((await run(argv, { env })).code, 0);
  const sizes = () => [...s.records.entries()].map(([set, m]) => `${set}:${m.size}`).join(' ') + ` links:${s.links.size}`;
  const before = sizes();
  s.requests.length = 0;
  const r = await run(argv, { env });
  assert.equal(r.code, 0, r.err);
  assert.equal(sizes(), before);
  assert.deepEqual([...new Set(writes(s).map((q) => q.method))], ['PATCH'], 'a re-run only updates');
  assert.ok(!writes(s).some((q) => 'msdyn_uniquename' in (q.body || {})), 'msdyn_uniquename is never written on update');
  assert.match(r.out, /updated channel provider extn_connect_cif_bridge/);
  assertOrgMatchesKit(s, kit);
}));

test('after an app-profile redeploy overwrote the Channel URL, a re-run puts it back (and leaves Custom Parameters alone)', () => withStandin(async (s, env) => {
  const argv = ['--org', s.url, '--channel-url', CHANNEL_URL, '--custom-params', '{"maxSessions":5}'];
  assert.equal((await run(argv, { env })).code, 0);
  const p = s.find('msdyn_channelproviders', 'extn_connect_cif_bridge');
  p.msdyn_channelurl = 'https://old-host.example.com/';
  p.msdyn_trusteddomain = 'https://old-host.example.com';
  const r = await run(['--org', s.url, '--channel-url', CHANNEL_URL], { env });
  assert.equal(r.code, 0, r.err);
  assert.equal(p.msdyn_channelurl, CHANNEL_URL);
  assert.equal(p.msdyn_trusteddomain, 'https://cti.contoso.com');
  assert.equal(p.msdyn_customparams, '{"maxSessions":5}', 'not given this time, so not touched');
}));

test('templates changed in the kit are changed in the org: a removed field and a removed tab are unlinked', () => withStandin(async (s, env) => {
  const kit = kitWithAdditionalTab();
  assert.equal((await run(['--org', s.url, '--skip-provider', '--templates', writeKit(kit)], { env })).code, 0);
  kit.sessionTemplates.extn_voice_identified_session.additionalTabs = ['extn_search'];
  kit.notificationTemplates.extn_voice_notification.fields.splice(1, 1); // drop "Queue"
  kit.notificationTemplates.extn_voice_notification.title = 'Call from {customerName}';
  kit.applicationTabTemplates.extn_search.parameters.searchType = '1';
  const r = await run(['--org', s.url, '--skip-provider', '--templates', writeKit(kit)], { env });
  assert.equal(r.code, 0, r.err);
  assertOrgMatchesKit(s, kit);
  assert.match(r.out, /updated notification template extn_voice_notification \(3 fields, 1 other field\(s\) unlinked\)/);
  assert.match(r.out, /1 other tab\(s\) unlinked/);
}));

test('a parameter Dynamics created for the page type under its own unique name is updated, not duplicated', () => withStandin(async (s, env) => {
  const tab = s.seed('msdyn_applicationtabtemplates', { msdyn_uniquename: 'extn_search', msdyn_name: 'Search', msdyn_pagetype: 509180005 });
  s.seed('msdyn_templateparameters', { msdyn_uniquename: 'msdyn_auto_searchText_1', msdyn_name: 'searchText', msdyn_value: '', _msdyn_applicationtabtemplateid_value: tab });
  const r = await run(['--org', s.url, '--skip-provider'], { env });
  assert.equal(r.code, 0, r.err);
  const params = [...s.records.get('msdyn_templateparameters').values()].filter((p) => p._msdyn_applicationtabtemplateid_value === tab);
  assert.deepEqual(params.map((p) => [p.msdyn_uniquename, p.msdyn_name, p.msdyn_value]).sort(), [
    ['extn_search_searchType', 'searchType', '0'],
    ['msdyn_auto_searchText_1', 'searchText', '{searchText}'],
  ]);
}));

test('--dry-run reads but writes nothing, and prints every write with its body', () => withStandin(async (s, env) => {
  const r = await run(['--org', s.url, '--channel-url', CHANNEL_URL, '--dry-run'], { env });
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(writes(s), [], 'nothing written');
  assert.ok(s.requests.length > 0, 'it did read');
  for (const set of ['msdyn_applicationtabtemplates', 'msdyn_templateparameters', 'msdyn_notificationtemplates', 'msdyn_notificationfields', 'msdyn_sessiontemplates', 'msdyn_channelproviders']) {
    assert.match(r.out, new RegExp(`^POST ${s.url}/api/data/v9\\.2/${set}   \\(not sent: --dry-run\\)$`, 'm'), set);
  }
  assert.match(r.out, /\/msdyn_notificationtemplate_notificationfield\/\$ref {3}\(not sent: --dry-run\)/);
  assert.match(r.out, /"msdyn_channelurl": "https:\/\/cti\.contoso\.com\/index\.html\?crmUrl=/);
  assert.match(r.out, /"msdyn_anchortab@odata\.bind": "\/msdyn_applicationtabtemplates\(<id of new application tab template extn_customer_record>\)"/);
  assert.match(r.out, /would create channel provider extn_connect_cif_bridge/);
  assert.match(r.err, /dry run: nothing is written/);
  assert.equal([...s.records.values()].reduce((n, m) => n + m.size, 0), 0);
}));

test('--dry-run --offline contacts nothing and needs no sign-in', async () => {
  const calls = [];
  const r = await run(['--org', 'https://contoso.crm.dynamics.com', '--channel-url', CHANNEL_URL, '--dry-run', '--offline'],
    { env: {}, fetch: async (...a) => { calls.push(a); throw new Error('no network in this test'); } });
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(calls, []);
  assert.match(r.err, /sign-in: none/);
  const posts = r.out.match(/^POST \S+\/api\/data\/v9\.2\/[a-z_]+ /gm);
  // 3 tabs + 6 parameters + 4 notification templates + 13 fields + 4 sessions + 1 provider
  assert.equal(posts.length, 3 + 6 + 4 + 13 + 4 + 1);
  assert.equal((r.out.match(/\/\$ref {3}\(not sent/g) || []).length, 13, 'one link per notification field');
  assert.match(r.out, /^GET \S+msdyn_uniquename eq 'extn_voice_notification' {3}\(not sent: --offline\)$/m);
});

test('a record Dataverse refuses is named with what Dataverse said; what depends on it is skipped; the rest is written', () => withStandin(async (s, env) => {
  s.inject({
    method: 'POST',
    match: /\/msdyn_applicationtabtemplates$/,
    when: (q) => q.body?.msdyn_uniquename === 'extn_customer_record',
    status: 400,
    body: { error: { code: '0x80040265', message: 'The plug-in rejected the record: tab limit reached.' } },
  });
  const r = await run(['--org', s.url, '--channel-url', CHANNEL_URL], { env });
  assert.equal(r.code, 1);
  assert.match(r.out, /^FAILED {2}application tab template extn_customer_record: POST http:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2\/msdyn_applicationtabtemplates failed: HTTP 400 0x80040265: The plug-in rejected the record: tab limit reached\.$/m);
  assert.match(r.err, /failed: {2}application tab template extn_customer_record: HTTP 400 0x80040265: The plug-in rejected the record/);
  for (const n of ['extn_voice_identified_session', 'extn_chat_session', 'extn_task_session', 'extn_email_session']) {
    assert.match(r.err, new RegExp(`skipped: session template ${n}: not written, because application tab template extn_customer_record failed`));
    assert.equal(s.find('msdyn_sessiontemplates', n), undefined);
  }
  assert.ok(s.find('msdyn_applicationtabtemplates', 'extn_search'));
  assert.ok(s.find('msdyn_notificationtemplates', 'extn_voice_notification'));
  assert.ok(s.find('msdyn_channelproviders', 'extn_connect_cif_bridge'));
  assert.match(r.err, /7 record\(s\) written, 1 failed, 4 skipped/);
}));

test('a missing privilege (403) is reported naming the record, with what to check', () => withStandin(async (s, env) => {
  s.inject({ method: 'PATCH', match: /msdyn_channelproviders\(/, status: 403, body: { error: { code: '0x80040220', message: 'Principal user is missing prvWritemsdyn_channelprovider privilege.' } } });
  assert.equal((await run(['--org', s.url, '--channel-url', CHANNEL_URL], { env })).code, 0);
  const r = await run(['--org', s.url, '--channel-url', CHANNEL_URL], { env });
  assert.equal(r.code, 1);
  assert.match(r.err, /failed: {2}channel provider extn_connect_cif_bridge: HTTP 403 0x80040220: Principal user is missing prvWritemsdyn_channelprovider privilege\. \(the account lacks a privilege/);
}));

test('a refused token is reported as such', () => withStandin(async (s) => {
  const r = await run(['--org', s.url, '--skip-provider'], { env: { DATAVERSE_ACCESS_TOKEN: 'wrong' } });
  assert.equal(r.code, 1);
  assert.match(r.out, /HTTP 401 0x80072560: The user is not a member of the organization\. \(the token was refused/);
}));

test('service protection limits (429 + Retry-After) are waited out', () => withStandin(async (s, env) => {
  s.inject({ method: 'GET', status: 429, headers: { 'Retry-After': '7' }, body: { error: { code: '0x80072322', message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.' } }, times: 2 });
  const waits = [];
  const r = await run(['--org', s.url, '--skip-provider'], { env, sleep: async (ms) => { waits.push(ms); } });
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(waits, [7000, 7000]);
  assertOrgMatchesKit(s, KIT);
}));

test('no answer from the org names the record and the address', async () => {
  const r = await run(['--org', 'http://127.0.0.1:9', '--skip-provider'], { env: { DATAVERSE_ACCESS_TOKEN: 't' } });
  assert.equal(r.code, 1);
  assert.match(r.out, /FAILED {2}application tab template extn_entity_record: GET http:\/\/127\.0\.0\.1:9\/api\/data\/v9\.2\/msdyn_applicationtabtemplates\?.* failed: HTTP no answer: /);
});

// ---------------------------------------------------------------------------------------------------------
// The stand-in has teeth (so that a passing run above means something)

test('the stand-in refuses what Dataverse refuses', () => withStandin(async (s) => {
  const call = async (method, rel, body, headers = {}) => {
    const res = await fetch(`${s.url}/api/data/v9.2/${rel}`, { method, headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json', ...headers }, body: body && JSON.stringify(body) });
    return { status: res.status, text: await res.text() };
  };
  const ok = { msdyn_uniquename: 'extn_t', msdyn_name: 't', msdyn_pagetype: 509180001 };
  assert.equal((await call('POST', 'msdyn_applicationtabtemplates', { ...ok, msdyn_pagetype: 7 })).status, 400);
  assert.match((await call('POST', 'msdyn_applicationtabtemplates', { ...ok, msdyn_canclose: true })).text, /does not exist on type/);
  assert.match((await call('POST', 'msdyn_applicationtabtemplates', { msdyn_uniquename: 'extn_t', msdyn_pagetype: 509180001 })).text, /required attribute is missing .*msdyn_name/);
  assert.match((await call('POST', 'msdyn_applicationtabtemplate', ok)).text, /Resource not found for the segment/);
  assert.match((await call('POST', 'msdyn_templateparameters', { msdyn_uniquename: 'extn_p', msdyn_name: 'p' })).text, /required attribute is missing .*msdyn_applicationtabtemplateid/);
  assert.match((await call('POST', 'msdyn_sessiontemplates', { msdyn_uniquename: 'extn_s', msdyn_name: 's', msdyn_sessiontype: 0, msdyn_type: false, msdyn_panelstate: 162450002, 'msdyn_anchortab@odata.bind': '/msdyn_applicationtabtemplates(00000000-0000-4000-8000-000000000000)' })).text, /Does Not Exist/);
  assert.match((await call('POST', 'msdyn_notificationtemplates', { msdyn_uniquename: 'extn_n', msdyn_name: 'n', msdyn_title: 'x', msdyn_timeout: 501 })).text, /outside the valid range/);
  assert.match((await call('POST', 'msdyn_channelproviders', { msdyn_uniquename: 'extn_c', msdyn_name: 'c', msdyn_label: 'c', msdyn_channelurl: 'https://x', msdyn_apiversion: 2, msdyn_enableoutbound: true, msdyn_sortorder: 0 })).text, /value 2 of 'msdyn_apiversion'/);
  assert.equal((await call('POST', 'msdyn_applicationtabtemplates', ok)).status, 204);
  assert.equal((await call('POST', 'msdyn_applicationtabtemplates', ok)).status, 412, 'duplicate unique name');
  const id = s.find('msdyn_applicationtabtemplates', 'extn_t').msdyn_applicationtabtemplateid;
  assert.match((await call('PATCH', `msdyn_applicationtabtemplates(${id})`, { msdyn_uniquename: 'extn_u' }, { 'If-Match': '*' })).text, /not valid for update/);
  assert.match((await call('POST', `msdyn_applicationtabtemplates(${id})/msdyn_notificationtemplate_notificationfield/$ref`, { '@odata.id': 'x' })).text, /Could not find a property named/);
  assert.equal((await call('GET', 'msdyn_applicationtabtemplates', undefined, { Authorization: 'Bearer nope' })).status, 401);
}));

test('fieldUniqueName keeps letters and digits of the header', () => {
  assert.equal(fieldUniqueName('extn_voice_notification', 'Phone'), 'extn_voice_notification_phone');
  assert.equal(fieldUniqueName('extn_x', 'Call reason / 2'), 'extn_x_call_reason_2');
});
