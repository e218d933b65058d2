#!/usr/bin/env node
// Why this file exists: issue 16's deployment kit. It writes the templates the product expects
// (deploy/templates.json) and the channel provider record into a Dynamics 365 org through the Dataverse
// Web API, so that an admin does not click ~40 records together by hand, and so that re-running it after an
// app-profile redeploy (which can overwrite the Channel URL, CIF FAQ) puts everything back. Plain ESM Node,
// no build step. `node deploy/provision.mjs --help` (or `npm run provision -- --help`) says how to use it.
//
// Every entity set, attribute and option value below was checked against Microsoft's entity reference for
// Channel Integration Framework 2.0 (learn.microsoft.com/dynamics365/channel-integration-framework/v2/develop/
// reference/entities-attributes/<entity>); each block names its page. Where those pages are silent, a comment
// says "not documented" and what was assumed.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_TEMPLATES = path.join(HERE, 'templates.json');

/** Dataverse Web API root under the org URL. The reference pages show v9.0; v9.2 is the current endpoint. */
export const API = '/api/data/v9.2/';

// ---------------------------------------------------------------------------------------------------------
// What Dataverse calls things (entity reference pages, CIF 2.0)

/** msdyn_notificationtemplate (page: …/entities-attributes/msdyn_notificationtemplate). */
export const NOTIFICATION_TEMPLATE = {
  label: 'notification template',
  set: 'msdyn_notificationtemplates',
  id: 'msdyn_notificationtemplateid',
  // N:N msdyn_notificationtemplate_notificationfield; navigation property of the same name on both sides.
  fieldsNav: 'msdyn_notificationtemplate_notificationfield',
};
/** msdyn_notificationfield (page: …/msdyn_notificationfield). No lookup: linked to templates only by the N:N. */
export const NOTIFICATION_FIELD = { label: 'notification field', set: 'msdyn_notificationfields', id: 'msdyn_notificationfieldid' };
/** msdyn_applicationtabtemplate (page: …/msdyn_applicationtabtemplate). */
export const TAB_TEMPLATE = { label: 'application tab template', set: 'msdyn_applicationtabtemplates', id: 'msdyn_applicationtabtemplateid' };
/**
 * msdyn_templateparameter (page: …/msdyn_templateparameter): one record per tab parameter, lookup
 * msdyn_applicationtabtemplateid (relationship msdyn_applicationtabtemplate_templateparameter). The admin
 * center's "Parameters" grid shows these (CS admin docs, "Manage application tab templates").
 * Not documented: the single-valued navigation property of the lookup. Dataverse names it after the lookup
 * attribute for relationships like this one, so `msdyn_applicationtabtemplateid@odata.bind` is assumed.
 */
export const TEMPLATE_PARAMETER = {
  label: 'template parameter',
  set: 'msdyn_templateparameters',
  id: 'msdyn_templateparameterid',
  tabBind: 'msdyn_applicationtabtemplateid@odata.bind',
  tabValue: '_msdyn_applicationtabtemplateid_value',
};
/**
 * msdyn_sessiontemplate (page: …/msdyn_sessiontemplate). Anchor tab: lookup msdyn_anchortab (relationship
 * msdyn_applicationtabtemplate_sessiontemplate_anchortab); additional tabs: N:N msdyn_sessiontemplate_applicationtab,
 * navigation property of the same name. Not documented: the lookup's navigation property name
 * (`msdyn_anchortab@odata.bind` assumed, as above).
 */
export const SESSION_TEMPLATE = {
  label: 'session template',
  set: 'msdyn_sessiontemplates',
  id: 'msdyn_sessiontemplateid',
  anchorBind: 'msdyn_anchortab@odata.bind',
  tabsNav: 'msdyn_sessiontemplate_applicationtab',
};
/** msdyn_channelprovider (page: …/msdyn_channelprovider). */
export const CHANNEL_PROVIDER = { label: 'channel provider', set: 'msdyn_channelproviders', id: 'msdyn_channelproviderid' };

/** msdyn_applicationtabtemplate.msdyn_pagetype options. */
export const PAGE_TYPES = {
  entitylist: 509180000,
  entityrecord: 509180001,
  webresource: 509180002,
  dashboard: 509180004,
  entitysearch: 509180005,
  thirdpartywebsite: 509180006,
};
/** msdyn_sessiontemplate.msdyn_sessiontype options (and the Boolean msdyn_type: 0 Generic, 1 Entity). */
export const SESSION_TYPES = { Generic: 0, Entity: 1 };
/** msdyn_sessiontemplate.msdyn_panelstate options ("Communication panel mode"). */
export const PANEL_STATES = { minimized: 162450000, hidden: 162450001, docked: 162450002 };
/** msdyn_channelprovider.msdyn_apiversion: the only option, labelled "2". */
export const API_VERSION_2 = 162450000;

const UNIQUE_NAME = /^[A-Za-z0-9]{3,8}_[A-Za-z0-9_]+$/; // "<prefix>_<name>", prefix 3–8 alphanumerics

// ---------------------------------------------------------------------------------------------------------
// Command line

export class UsageError extends Error {}

export const HELP = `Usage: npm run provision -- --org <url> (--channel-url <url> | --skip-provider) [options]
       node deploy/provision.mjs …

Creates or updates, in a Dynamics 365 org, the templates in deploy/templates.json (application tab
templates and their parameters, notification templates and their fields, session templates with their anchor
and additional tabs) and the channel provider record. Records are matched by unique name: running it again
updates them in place (and puts a Channel URL overwritten by an app-profile redeploy back).

Target
  --org <url>                 Dynamics org URL, e.g. https://contoso.crm.dynamics.com (https only;
                              http://localhost / http://127.0.0.1 for a local stand-in)
  --templates <file>          template kit (default: deploy/templates.json)

Channel provider (Customer Service admin center → Workspaces → Third party voice channel provider)
  --channel-url <url>         the page's URL, https (e.g. https://cti.contoso.com/index.html?crmUrl=…&ccpUrl=…)
  --skip-provider             write the templates only
  --provider-unique-name <n>  default extn_connect_cif_bridge
  --provider-name <text>      default "Amazon Connect (connect-cif-bridge)"
  --provider-label <text>     title agents see above the panel; default "Amazon Connect"
  --trusted-domain <origin>   default: the origin of --channel-url
  --custom-params <json>      JSON object for Custom Parameters (getEnvironment().customParams)
  --custom-params-file <file> the same, read from a file; without either, Custom Parameters are left as they are
  --enable-outbound <bool>    click-to-dial (Enable Outbound Communication); default true
  --channel-order <0-1000>    Channel Order (0 = first); default 0

Sign-in (Microsoft Entra ID, through @azure/msal-node)
  --auth <flow>               device-code   a person signs in in a browser (needs --tenant, --client-id)
                              client-secret a pipeline; secret from DATAVERSE_CLIENT_SECRET (needs --tenant,
                                            --client-id, and an application user in the org)
                              token         a bearer token from DATAVERSE_ACCESS_TOKEN, used as it is
                              default: token if DATAVERSE_ACCESS_TOKEN is set, else client-secret if
                              DATAVERSE_CLIENT_SECRET is set, else device-code
  --tenant <id|domain>        directory (tenant) id or domain, e.g. contoso.onmicrosoft.com
  --client-id <guid>          application (client) id of the app registration

Checking first
  --dry-run                   print every request; send only reads (GET), no write
  --offline                   with --dry-run: contact nothing, print the requests as if the org had none
                              of the records (no sign-in needed)
  -h, --help                  this text

Exit status: 0 all records written, 1 a record failed (each failure names the record and what Dataverse
said; records that depend on it are skipped), 2 bad arguments or a bad template kit.`;

const BOOL = { true: true, false: false, yes: true, no: false, 1: true, 0: false };

/** Parse argv (without node and the script) into options. Throws UsageError naming the option. */
export function parseArgs(argv) {
  const o = {
    help: false, org: null, templates: DEFAULT_TEMPLATES, channelUrl: null, skipProvider: false,
    providerUniqueName: 'extn_connect_cif_bridge', providerName: 'Amazon Connect (connect-cif-bridge)',
    providerLabel: 'Amazon Connect', trustedDomain: null, customParams: null, customParamsFile: null,
    enableOutbound: true, channelOrder: 0, auth: null, tenant: null, clientId: null, dryRun: false, offline: false,
  };
  const valued = {
    '--org': 'org', '--templates': 'templates', '--channel-url': 'channelUrl', '--provider-unique-name': 'providerUniqueName',
    '--provider-name': 'providerName', '--provider-label': 'providerLabel', '--trusted-domain': 'trustedDomain',
    '--custom-params': 'customParams', '--custom-params-file': 'customParamsFile', '--enable-outbound': 'enableOutbound',
    '--channel-order': 'channelOrder', '--auth': 'auth', '--tenant': 'tenant', '--client-id': 'clientId',
  };
  const flags = { '--skip-provider': 'skipProvider', '--dry-run': 'dryRun', '--offline': 'offline', '--help': 'help', '-h': 'help' };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    if (eq > 0) { v = a.slice(eq + 1); a = a.slice(0, eq); }
    if (flags[a]) {
      if (v !== undefined) throw new UsageError(`${a} takes no value`);
      o[flags[a]] = true;
    } else if (valued[a]) {
      if (v === undefined) {
        v = argv[++i];
        if (v === undefined || (v.startsWith('--') && v.length > 2)) throw new UsageError(`${a} needs a value`);
      }
      o[valued[a]] = v;
    } else {
      throw new UsageError(`unknown option ${JSON.stringify(argv[i])} (see --help)`);
    }
  }
  if (o.help) return o;
  return validateOptions(o);
}

function httpUrl(value, option, { allowPath }) {
  let u;
  try { u = new URL(value); } catch { throw new UsageError(`${option}: ${JSON.stringify(value)} is not a URL`); }
  const local = u.hostname === 'localhost' || u.hostname === '127.0.0.1';
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && local)) {
    throw new UsageError(`${option}: ${JSON.stringify(value)} must be https:// (http:// only for localhost / 127.0.0.1)`);
  }
  if (!allowPath && (u.pathname !== '/' || u.search || u.hash)) {
    throw new UsageError(`${option}: ${JSON.stringify(value)} must be the org's address only, e.g. https://contoso.crm.dynamics.com`);
  }
  return u;
}

function validateOptions(o) {
  if (!o.org) throw new UsageError('--org is required (the Dynamics org URL, e.g. https://contoso.crm.dynamics.com)');
  o.org = httpUrl(o.org, '--org', { allowPath: false }).origin;
  if (o.skipProvider && o.channelUrl) throw new UsageError('--channel-url and --skip-provider exclude each other');
  if (!o.skipProvider && !o.channelUrl) {
    throw new UsageError('--channel-url is required for the channel provider record (or give --skip-provider to write templates only)');
  }
  if (o.channelUrl) {
    const u = httpUrl(o.channelUrl, '--channel-url', { allowPath: true });
    if (o.channelUrl.length > 1024) throw new UsageError(`--channel-url is ${o.channelUrl.length} characters; Dataverse keeps at most 1024`);
    if (!o.trustedDomain) o.trustedDomain = u.origin;
  }
  if (o.trustedDomain !== null) {
    const t = httpUrl(o.trustedDomain, '--trusted-domain', { allowPath: false });
    o.trustedDomain = t.origin;
  }
  if (!UNIQUE_NAME.test(o.providerUniqueName) || o.providerUniqueName.length > 128) {
    throw new UsageError(`--provider-unique-name ${JSON.stringify(o.providerUniqueName)} must be <prefix>_<name>, prefix 3–8 letters or digits`);
  }
  for (const [opt, key, max] of [['--provider-name', 'providerName', 100], ['--provider-label', 'providerLabel', 100]]) {
    if (!o[key].trim() || o[key].length > max) throw new UsageError(`${opt} must be 1–${max} characters`);
  }
  if (typeof o.enableOutbound === 'string') {
    const b = BOOL[o.enableOutbound.toLowerCase()];
    if (b === undefined) throw new UsageError(`--enable-outbound ${JSON.stringify(o.enableOutbound)} must be true or false`);
    o.enableOutbound = b;
  }
  if (typeof o.channelOrder === 'string') {
    if (!/^\d{1,4}$/.test(o.channelOrder) || Number(o.channelOrder) > 1000) {
      throw new UsageError(`--channel-order ${JSON.stringify(o.channelOrder)} must be a whole number 0–1000`);
    }
    o.channelOrder = Number(o.channelOrder);
  }
  if (o.customParams !== null && o.customParamsFile !== null) throw new UsageError('give --custom-params or --custom-params-file, not both');
  if (o.customParamsFile !== null) {
    try { o.customParams = fs.readFileSync(o.customParamsFile, 'utf8'); } catch (e) {
      throw new UsageError(`--custom-params-file: cannot read ${o.customParamsFile}: ${e.message}`);
    }
  }
  if (o.customParams !== null) {
    let parsed;
    try { parsed = JSON.parse(o.customParams); } catch (e) { throw new UsageError(`custom parameters are not JSON: ${e.message}`); }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError('custom parameters must be a JSON object, e.g. {"region": "eu-west-2"}');
    o.customParams = JSON.stringify(parsed);
    if (o.customParams.length > 2000) throw new UsageError(`custom parameters are ${o.customParams.length} characters; Dataverse keeps at most 2000`);
  }
  if (o.auth !== null && !['device-code', 'client-secret', 'token'].includes(o.auth)) {
    throw new UsageError(`--auth ${JSON.stringify(o.auth)} must be device-code, client-secret or token`);
  }
  if (o.offline && !o.dryRun) throw new UsageError('--offline only works with --dry-run');
  return o;
}

/**
 * Which sign-in flow runs, and why. Pure: options and environment in, decision out.
 * @returns {{flow: 'none'|'token'|'client-secret'|'device-code', reason: string}}
 */
export function chooseAuth(o, env) {
  if (o.offline) return { flow: 'none', reason: '--dry-run --offline contacts nothing' };
  const flow = o.auth
    ?? (env.DATAVERSE_ACCESS_TOKEN ? 'token' : env.DATAVERSE_CLIENT_SECRET ? 'client-secret' : 'device-code');
  const reason = o.auth ? `--auth ${o.auth}`
    : flow === 'token' ? 'DATAVERSE_ACCESS_TOKEN is set'
      : flow === 'client-secret' ? 'DATAVERSE_CLIENT_SECRET is set' : 'no token or client secret in the environment';
  if (flow === 'token' && !env.DATAVERSE_ACCESS_TOKEN) throw new UsageError('--auth token needs the bearer token in DATAVERSE_ACCESS_TOKEN');
  if (flow === 'client-secret' && !env.DATAVERSE_CLIENT_SECRET) {
    throw new UsageError('--auth client-secret needs the secret in DATAVERSE_CLIENT_SECRET (never on the command line)');
  }
  if (flow === 'device-code' || flow === 'client-secret') {
    if (!o.tenant) throw new UsageError(`${flow} sign-in needs --tenant (directory id or domain)`);
    if (!/^[A-Za-z0-9.-]+$/.test(o.tenant)) throw new UsageError(`--tenant ${JSON.stringify(o.tenant)} is not a tenant id or domain`);
    if (!o.clientId) throw new UsageError(`${flow} sign-in needs --client-id (the app registration's application id)`);
    if (!GUID.test(o.clientId)) throw new UsageError(`--client-id ${JSON.stringify(o.clientId)} is not a GUID`);
  }
  return { flow, reason };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A function returning a bearer token for the org, for the chosen flow. `msal` is @azure/msal-node (injectable
 * so that tests can check the configuration without reaching Microsoft). Tokens are cached for the run.
 */
export function tokenSource(o, env, choice, { msal = null, print = (s) => process.stderr.write(s + '\n') } = {}) {
  const scopes = [`${o.org}/.default`];
  const authority = `https://login.microsoftonline.com/${o.tenant}`;
  let cached = null;
  const load = async () => msal ?? (await import('@azure/msal-node'));
  const acquire = {
    none: async () => { throw new Error('no sign-in in --offline mode'); },
    token: async () => env.DATAVERSE_ACCESS_TOKEN,
    'client-secret': async () => {
      const m = await load();
      const app = new m.ConfidentialClientApplication({ auth: { clientId: o.clientId, authority, clientSecret: env.DATAVERSE_CLIENT_SECRET } });
      const r = await app.acquireTokenByClientCredential({ scopes });
      if (!r || !r.accessToken) throw new Error('Microsoft Entra ID returned no access token (client credentials)');
      return r.accessToken;
    },
    'device-code': async () => {
      const m = await load();
      const app = new m.PublicClientApplication({ auth: { clientId: o.clientId, authority } });
      const r = await app.acquireTokenByDeviceCode({ scopes, deviceCodeCallback: (resp) => print(resp.message) });
      if (!r || !r.accessToken) throw new Error('Microsoft Entra ID returned no access token (device code)');
      return r.accessToken;
    },
  }[choice.flow];
  const source = async () => (cached ??= await acquire());
  source.scopes = scopes;
  source.authority = authority;
  return source;
}

// ---------------------------------------------------------------------------------------------------------
// The template kit

export class KitError extends Error {}

/** Read and check the template kit. Throws KitError listing every problem, each naming the template. */
export function loadKit(file) {
  let kit;
  try { kit = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) { throw new KitError(`${file}: ${e.message}`); }
  const problems = checkKit(kit);
  if (problems.length) throw new KitError(`${file}:\n  ${problems.join('\n  ')}`);
  return kit;
}

export function checkKit(kit) {
  const p = [];
  const str = (where, v, max, { required = false } = {}) => {
    if (v === undefined || v === null) { if (required) p.push(`${where} is required`); return; }
    if (typeof v !== 'string') p.push(`${where} must be text`);
    else if (v.length > max) p.push(`${where} is ${v.length} characters; Dataverse keeps at most ${max}`);
    else if (required && !v.trim()) p.push(`${where} is empty`);
  };
  const bool = (where, v) => { if (v !== undefined && typeof v !== 'boolean') p.push(`${where} must be true or false`); };
  const names = (group) => {
    const g = kit?.[group];
    if (!g || typeof g !== 'object' || Array.isArray(g)) { p.push(`${group} must be an object keyed by unique name`); return []; }
    for (const n of Object.keys(g)) {
      if (!UNIQUE_NAME.test(n) || n.length > 128) p.push(`${group}.${n}: unique name must be <prefix>_<name>, prefix 3–8 letters or digits`);
      if (!g[n] || typeof g[n] !== 'object') p.push(`${group}.${n} must be an object`);
    }
    return Object.keys(g).filter((n) => g[n] && typeof g[n] === 'object');
  };
  const tabs = names('applicationTabTemplates');
  for (const n of tabs) {
    const t = kit.applicationTabTemplates[n];
    const w = `applicationTabTemplates.${n}`;
    str(`${w}.name`, t.name, 100);
    if (!(t.pageType in PAGE_TYPES)) p.push(`${w}.pageType ${JSON.stringify(t.pageType)} must be one of ${Object.keys(PAGE_TYPES).join(', ')}`);
    str(`${w}.title`, t.title, 200);
    bool(`${w}.canClose`, t.canClose);
    if (t.parameters !== undefined && (typeof t.parameters !== 'object' || Array.isArray(t.parameters) || !t.parameters)) p.push(`${w}.parameters must be an object`);
    for (const [k, v] of Object.entries(t.parameters || {})) {
      if (!/^[A-Za-z][A-Za-z0-9_]{0,99}$/.test(k)) p.push(`${w}.parameters: ${JSON.stringify(k)} is not a parameter name`);
      str(`${w}.parameters.${k}`, v, 2048, { required: true });
      if (`${n}_${k}`.length > 128) p.push(`${w}.parameters.${k}: unique name ${n}_${k} is longer than 128 characters`);
    }
  }
  for (const n of names('notificationTemplates')) {
    const t = kit.notificationTemplates[n];
    const w = `notificationTemplates.${n}`;
    str(`${w}.name`, t.name, 100);
    str(`${w}.title`, t.title, 100, { required: true });
    if (t.timeoutSeconds !== undefined && !(Number.isInteger(t.timeoutSeconds) && t.timeoutSeconds >= 0 && t.timeoutSeconds <= 500)) {
      p.push(`${w}.timeoutSeconds must be a whole number 0–500`);
    }
    str(`${w}.acceptText`, t.acceptText, 100);
    str(`${w}.rejectText`, t.rejectText, 100);
    bool(`${w}.showReject`, t.showReject);
    bool(`${w}.showTimeout`, t.showTimeout);
    if (!Array.isArray(t.fields ?? [])) p.push(`${w}.fields must be a list`);
    const fields = Array.isArray(t.fields) ? t.fields : [];
    if (fields.length > 4) p.push(`${w}.fields: ${fields.length} fields; a notification shows at most 4`);
    const seen = new Set();
    fields.forEach((f, i) => {
      str(`${w}.fields[${i}].header`, f?.header, 200, { required: true });
      str(`${w}.fields[${i}].value`, f?.value, 1028);
      const u = fieldUniqueName(n, f?.header ?? '');
      if (seen.has(u)) p.push(`${w}.fields[${i}]: header ${JSON.stringify(f.header)} repeats another field's`);
      seen.add(u);
    });
  }
  for (const n of names('sessionTemplates')) {
    const t = kit.sessionTemplates[n];
    const w = `sessionTemplates.${n}`;
    str(`${w}.name`, t.name, 100);
    if (!(t.type in SESSION_TYPES)) p.push(`${w}.type ${JSON.stringify(t.type)} must be Generic or Entity`);
    else if (t.type !== 'Generic') p.push(`${w}.type: CIF's createSession only opens Generic session templates`);
    str(`${w}.title`, t.title, 200);
    if (t.panelMode !== undefined && !(t.panelMode in PANEL_STATES)) p.push(`${w}.panelMode must be one of ${Object.keys(PANEL_STATES).join(', ')}`);
    if (t.anchorTab !== undefined && !tabs.includes(t.anchorTab)) p.push(`${w}.anchorTab ${JSON.stringify(t.anchorTab)} is not in applicationTabTemplates`);
    if (!Array.isArray(t.additionalTabs ?? [])) p.push(`${w}.additionalTabs must be a list`);
    for (const a of Array.isArray(t.additionalTabs) ? t.additionalTabs : []) {
      if (!tabs.includes(a)) p.push(`${w}.additionalTabs: ${JSON.stringify(a)} is not in applicationTabTemplates`);
      if (a === t.anchorTab) p.push(`${w}.additionalTabs: ${JSON.stringify(a)} is already the anchor tab`);
    }
  }
  return p;
}

/** Unique name of a notification field: the template's unique name and the header's letters and digits. */
export function fieldUniqueName(template, header) {
  return `${template}_${String(header).toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'field'}`.slice(0, 128);
}

// ---------------------------------------------------------------------------------------------------------
// Talking to Dataverse

/** A failed request, with the record it concerns and what Dataverse said. */
export class DataverseError extends Error {
  constructor({ record, method, url, status, code, detail }) {
    super(`${record}: ${method} ${url} failed: HTTP ${status}${code ? ` ${code}` : ''}: ${detail}`);
    Object.assign(this, { record, method, url, status, code, detail });
  }
}

const odataString = (s) => `'${String(s).replace(/'/g, "''")}'`;

export class Dataverse {
  /**
   * @param {{org:string, token:()=>Promise<string>, dryRun:boolean, offline:boolean, print:(s:string)=>void,
   *          fetch?:typeof fetch, sleep?:(ms:number)=>Promise<void>, maxRetries?:number}} o
   */
  constructor(o) {
    Object.assign(this, { fetch: globalThis.fetch, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), maxRetries: 3 }, o);
    this.base = o.org + API;
    this.placeholders = 0;
  }

  url(rel) { return this.base + rel; }

  /** Print a request as it is (or would be) sent. */
  show(method, rel, body, note) {
    this.print(`${method} ${this.url(rel)}${note ? `   (${note})` : ''}`);
    if (body !== undefined) this.print(JSON.stringify(body, null, 2).replace(/^/gm, '    '));
  }

  async send(method, rel, body, record, headers = {}) {
    const url = this.url(rel);
    const token = await this.token();
    for (let attempt = 0; ; attempt++) {
      let res;
      try {
        res = await this.fetch(url, {
          method,
          headers: {
            Authorization: `Bearer ${token}`,
            Accept: 'application/json',
            'OData-MaxVersion': '4.0',
            'OData-Version': '4.0',
            ...(body !== undefined ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
            ...headers,
          },
          body: body !== undefined ? JSON.stringify(body) : undefined,
        });
      } catch (e) {
        throw new DataverseError({ record, method, url, status: 'no answer', code: null, detail: e.cause?.message || e.message });
      }
      // Service protection limits (429) and a busy service (503) say when to come back.
      if ((res.status === 429 || res.status === 503) && attempt < this.maxRetries) {
        const after = Number(res.headers.get('retry-after'));
        await res.arrayBuffer().catch(() => {});
        await this.sleep(Math.min(Number.isFinite(after) && after >= 0 ? after * 1000 : 2000 * 2 ** attempt, 60000));
        continue;
      }
      const text = await res.text();
      if (!res.ok) {
        let code = null;
        let detail = text.trim().slice(0, 2000) || res.statusText;
        try {
          const e = JSON.parse(text).error;
          if (e) { code = e.code || null; detail = e.message || detail; }
        } catch { /* not JSON: keep the text */ }
        if (res.status === 401) detail += ' (the token was refused: check the sign-in, the tenant and that the account is a user of this org)';
        if (res.status === 403) detail += ' (the account lacks a privilege: the System Administrator or System Customizer role can write these records)';
        throw new DataverseError({ record, method, url, status: res.status, code, detail });
      }
      return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
    }
  }

  /** GET (a read: sent in --dry-run too, printed there). */
  async get(rel, record) {
    if (this.offline) { this.show('GET', rel, undefined, 'not sent: --offline'); return { value: [] }; }
    if (this.dryRun) this.show('GET', rel, undefined, 'sent: read only');
    return (await this.send('GET', rel, undefined, record)).json;
  }

  /** A write: sent, or only printed in --dry-run. Returns the created record's id for POST to a set. */
  async write(method, rel, body, record, headers) {
    if (this.dryRun) { this.show(method, rel, body, 'not sent: --dry-run'); return null; }
    const r = await this.send(method, rel, body, record, headers);
    return r;
  }

  /** Find a record by unique name. @returns {Promise<string|null>} its id */
  async findByUniqueName(entity, uniqueName, record) {
    const rel = `${entity.set}?$select=${entity.id}&$filter=msdyn_uniquename eq ${odataString(uniqueName)}`;
    const rows = (await this.get(rel, record)).value || [];
    if (rows.length > 1) {
      throw new DataverseError({ record, method: 'GET', url: this.url(rel), status: 200, code: null,
        detail: `${rows.length} records have this unique name; remove the extra ones first` });
    }
    return rows.length ? rows[0][entity.id] : null;
  }

  /**
   * Create or update one record. `body` holds every attribute to write; msdyn_uniquename is written on create
   * only (it is not valid for update). @returns {Promise<{id:string, created:boolean}>}
   */
  async upsert(entity, uniqueName, body, record, existingId) {
    const id = existingId !== undefined ? existingId : await this.findByUniqueName(entity, uniqueName, record);
    if (id) {
      await this.write('PATCH', `${entity.set}(${id})`, body, record, { 'If-Match': '*' });
      return { id, created: false };
    }
    const r = await this.write('POST', entity.set, { msdyn_uniquename: uniqueName, ...body }, record);
    if (!r) return { id: this.placeholder(entity, uniqueName), created: true };
    const loc = r.headers.get('odata-entityid') || '';
    const m = /\(([0-9a-fA-F-]{36})\)\s*$/.exec(loc);
    if (!m) {
      throw new DataverseError({ record, method: 'POST', url: this.url(entity.set), status: r.status, code: null,
        detail: `created, but the answer had no OData-EntityId header naming the new record (got ${JSON.stringify(loc)})` });
    }
    return { id: m[1].toLowerCase(), created: true };
  }

  placeholder(entity, uniqueName) { return `<id of new ${entity.label} ${uniqueName}>`; }
  isPlaceholder(id) { return typeof id === 'string' && id.startsWith('<'); }

  /** Make the N:N `nav` of record (entity, id) hold exactly `wanted` (ids in targetEntity). */
  async syncLinks(entity, id, nav, targetEntity, wanted, record) {
    let current = [];
    if (!this.isPlaceholder(id)) {
      const rows = (await this.get(`${entity.set}(${id})/${nav}?$select=${targetEntity.id}`, record)).value || [];
      current = rows.map((r) => String(r[targetEntity.id]).toLowerCase());
    }
    const want = wanted.map((w) => (this.isPlaceholder(w) ? w : w.toLowerCase()));
    const added = [];
    const removed = [];
    for (const w of want) {
      if (current.includes(w)) continue;
      await this.write('POST', `${entity.set}(${id})/${nav}/$ref`, { '@odata.id': this.url(`${targetEntity.set}(${w})`) }, record);
      added.push(w);
    }
    for (const c of current) {
      if (want.includes(c)) continue;
      await this.write('DELETE', `${entity.set}(${id})/${nav}(${c})/$ref`, undefined, record);
      removed.push(c);
    }
    return { added, removed };
  }
}

// ---------------------------------------------------------------------------------------------------------
// What to write

export function tabBody(name, t) {
  return {
    msdyn_name: t.name ?? name,
    msdyn_title: t.title ?? '',
    msdyn_pagetype: PAGE_TYPES[t.pageType],
    // msdyn_pinned is shown as "Can close" but its options are 1 = No, 0 = Yes: a closable tab is not pinned.
    msdyn_pinned: t.canClose === false,
  };
}

export function notificationBody(name, t) {
  return {
    msdyn_name: t.name ?? name,
    msdyn_title: t.title,
    msdyn_timeout: t.timeoutSeconds ?? 120,
    msdyn_showtimeout: t.showTimeout ?? true,
    msdyn_acceptbuttontext: t.acceptText ?? 'Accept',
    msdyn_rejectbuttontext: t.rejectText ?? 'Reject',
    msdyn_showrejectbutton: t.showReject ?? true,
  };
}

export function fieldBody(f, order) {
  return { msdyn_name: f.header, msdyn_title: f.header, msdyn_value: f.value ?? '', msdyn_order: order };
}

export function sessionBody(name, t) {
  return {
    msdyn_name: t.name ?? name,
    msdyn_title: t.title ?? '',
    msdyn_sessiontype: SESSION_TYPES[t.type],
    msdyn_type: SESSION_TYPES[t.type] === 1, // Boolean twin of msdyn_sessiontype, also required (0 Generic, 1 Entity)
    msdyn_panelstate: PANEL_STATES[t.panelMode ?? 'docked'],
  };
}

export function providerBody(o) {
  const b = {
    msdyn_name: o.providerName,
    msdyn_label: o.providerLabel,
    msdyn_channelurl: o.channelUrl,
    msdyn_apiversion: API_VERSION_2,
    msdyn_trusteddomain: o.trustedDomain,
    msdyn_enableoutbound: o.enableOutbound,
    msdyn_sortorder: o.channelOrder,
  };
  if (o.customParams !== null) b.msdyn_customparams = o.customParams;
  return b;
}

// ---------------------------------------------------------------------------------------------------------
// The run

/**
 * Write the kit (and the provider). Records are written in dependency order; a failed record is reported and
 * whatever depends on it is skipped. @returns {Promise<{done:string[], failed:DataverseError[], skipped:string[]}>}
 */
export async function provision(kit, o, dv, print) {
  const done = [];
  const failed = [];
  const skipped = [];
  const fail = (e) => { if (!(e instanceof DataverseError)) throw e; failed.push(e); print(`FAILED  ${e.message}`); };
  const ok = (label, name, r, extra = '') => {
    const verb = o.dryRun ? (r.created ? 'would create' : 'would update') : r.created ? 'created' : 'updated';
    const line = `${verb} ${label} ${name}${extra}`;
    done.push(line);
    print(`ok      ${line}`);
  };

  // 1. Application tab templates and their parameters.
  const tabIds = {};
  for (const [name, t] of Object.entries(kit.applicationTabTemplates)) {
    const record = `${TAB_TEMPLATE.label} ${name}`;
    try {
      const r = await dv.upsert(TAB_TEMPLATE, name, tabBody(name, t), record);
      tabIds[name] = r.id;
      for (const [param, value] of Object.entries(t.parameters || {})) {
        const precord = `${TEMPLATE_PARAMETER.label} ${param} of ${record}`;
        // A parameter is matched by its tab and its name: Dynamics may have created it for the page type
        // under a unique name of its own when the tab template was saved (the admin center shows them so).
        let existing = null;
        if (!dv.isPlaceholder(r.id)) {
          const rel = `${TEMPLATE_PARAMETER.set}?$select=${TEMPLATE_PARAMETER.id}&$filter=${TEMPLATE_PARAMETER.tabValue} eq ${r.id} and msdyn_name eq ${odataString(param)}`;
          const rows = (await dv.get(rel, precord)).value || [];
          existing = rows.length ? rows[0][TEMPLATE_PARAMETER.id] : null;
        }
        const body = { msdyn_name: param, msdyn_value: value };
        if (!existing) body[TEMPLATE_PARAMETER.tabBind] = `/${TAB_TEMPLATE.set}(${r.id})`;
        await dv.upsert(TEMPLATE_PARAMETER, `${name}_${param}`, body, precord, existing);
      }
      ok(TAB_TEMPLATE.label, name, r, Object.keys(t.parameters || {}).length ? ` (parameters ${Object.keys(t.parameters).join(', ')})` : '');
    } catch (e) { fail(e); }
  }

  // 2. Notification templates and their fields.
  for (const [name, t] of Object.entries(kit.notificationTemplates)) {
    const record = `${NOTIFICATION_TEMPLATE.label} ${name}`;
    try {
      const r = await dv.upsert(NOTIFICATION_TEMPLATE, name, notificationBody(name, t), record);
      const fieldIds = [];
      for (const [i, f] of (t.fields || []).entries()) {
        const u = fieldUniqueName(name, f.header);
        const fr = await dv.upsert(NOTIFICATION_FIELD, u, fieldBody(f, i + 1), `${NOTIFICATION_FIELD.label} ${u} of ${record}`);
        fieldIds.push(fr.id);
      }
      const links = await dv.syncLinks(NOTIFICATION_TEMPLATE, r.id, NOTIFICATION_TEMPLATE.fieldsNav, NOTIFICATION_FIELD, fieldIds, record);
      ok(NOTIFICATION_TEMPLATE.label, name, r, ` (${fieldIds.length} fields${links.removed.length ? `, ${links.removed.length} other field(s) unlinked` : ''})`);
    } catch (e) { fail(e); }
  }

  // 3. Session templates: anchor tab (lookup) and additional tabs (N:N).
  for (const [name, t] of Object.entries(kit.sessionTemplates)) {
    const record = `${SESSION_TEMPLATE.label} ${name}`;
    const needs = [t.anchorTab, ...(t.additionalTabs || [])].filter(Boolean);
    const missing = needs.filter((n) => !tabIds[n]);
    if (missing.length) {
      const line = `${record}: not written, because ${missing.map((m) => `${TAB_TEMPLATE.label} ${m}`).join(' and ')} failed`;
      skipped.push(line);
      print(`SKIPPED ${line}`);
      continue;
    }
    try {
      const body = sessionBody(name, t);
      if (t.anchorTab) body[SESSION_TEMPLATE.anchorBind] = `/${TAB_TEMPLATE.set}(${tabIds[t.anchorTab]})`;
      const r = await dv.upsert(SESSION_TEMPLATE, name, body, record);
      const links = await dv.syncLinks(SESSION_TEMPLATE, r.id, SESSION_TEMPLATE.tabsNav, TAB_TEMPLATE, (t.additionalTabs || []).map((a) => tabIds[a]), record);
      const parts = [
        t.anchorTab ? `anchor tab ${t.anchorTab}` : 'no anchor tab',
        ...((t.additionalTabs || []).length ? [`additional tabs ${t.additionalTabs.join(', ')}`] : []),
        ...(links.removed.length ? [`${links.removed.length} other tab(s) unlinked`] : []),
      ];
      ok(SESSION_TEMPLATE.label, name, r, ` (${parts.join(', ')})`);
    } catch (e) { fail(e); }
  }

  // 4. The channel provider.
  if (!o.skipProvider) {
    const record = `${CHANNEL_PROVIDER.label} ${o.providerUniqueName}`;
    try {
      const r = await dv.upsert(CHANNEL_PROVIDER, o.providerUniqueName, providerBody(o), record);
      ok(CHANNEL_PROVIDER.label, o.providerUniqueName, r, ` (Channel URL ${o.channelUrl})`);
    } catch (e) { fail(e); }
  }
  return { done, failed, skipped };
}

/** The command. @returns {Promise<number>} exit status */
export async function main(argv, { env = process.env, out = (s) => process.stdout.write(s + '\n'), err = (s) => process.stderr.write(s + '\n'), fetch: fetchImpl, msal, sleep } = {}) {
  let o;
  let choice;
  let kit;
  try {
    o = parseArgs(argv);
    if (o.help) { out(HELP); return 0; }
    kit = loadKit(o.templates);
    choice = chooseAuth(o, env);
  } catch (e) {
    if (e instanceof UsageError) { err(`provision: ${e.message}`); return 2; }
    if (e instanceof KitError) { err(`provision: the template kit has problems: ${e.message}`); return 2; }
    throw e;
  }
  const counts = `${Object.keys(kit.applicationTabTemplates).length} application tab, ${Object.keys(kit.notificationTemplates).length} notification and ${Object.keys(kit.sessionTemplates).length} session templates`;
  err(`provision: ${o.org}: ${counts}${o.skipProvider ? '' : ` and channel provider ${o.providerUniqueName}`} from ${path.relative(process.cwd(), o.templates) || o.templates}`);
  err(`provision: sign-in: ${choice.flow} (${choice.reason})${o.dryRun ? `; dry run${o.offline ? ', offline' : ''}: nothing is written` : ''}`);
  const token = tokenSource(o, env, choice, { msal, print: err });
  const dv = new Dataverse({ org: o.org, token, dryRun: o.dryRun, offline: o.offline, print: out, ...(fetchImpl ? { fetch: fetchImpl } : {}), ...(sleep ? { sleep } : {}) });
  let result;
  try {
    result = await provision(kit, o, dv, out);
  } catch (e) {
    err(`provision: ${e.message}`);
    return 1;
  }
  const { done, failed, skipped } = result;
  err(`provision: ${done.length} record(s) ${o.dryRun ? 'checked' : 'written'}, ${failed.length} failed, ${skipped.length} skipped`);
  if (failed.length || skipped.length) {
    for (const f of failed) err(`  failed:  ${f.record}: HTTP ${f.status}${f.code ? ` ${f.code}` : ''}: ${f.detail}`);
    for (const s of skipped) err(`  skipped: ${s}`);
    return 1;
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  // `… | head` closes the pipe early: stop quietly instead of crashing on EPIPE.
  process.stdout.on('error', (e) => { if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); else throw e; });
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => { process.stderr.write(`provision: ${e.stack || e}\n`); process.exitCode = 1; });
}
