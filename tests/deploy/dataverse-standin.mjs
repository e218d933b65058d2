// Why this file exists: a local stand-in for the part of the Dataverse Web API that deploy/provision.mjs uses,
// so that its tests run without a Dynamics org. It listens on 127.0.0.1 only, on a port the OS picks, and is
// started and stopped by the tests themselves.
//
// It is written from Microsoft's entity reference for Channel Integration Framework 2.0 (pages
// …/channel-integration-framework/v2/develop/reference/entities-attributes/<entity>), independently of the
// provisioner's own tables, and refuses what Dataverse would refuse: unknown entity sets, unknown attributes,
// option values outside the option set, text over its maximum length, numbers out of range, writes to
// msdyn_uniquename on update, binds to records that do not exist, unknown navigation properties, and a missing
// bearer token. It also insists on every attribute the reference marks ApplicationRequired or SystemRequired.
// (Dataverse itself only enforces SystemRequired on a Web API create; the admin center enforces the rest. The
// stand-in is stricter on purpose: a template without them is broken in the admin center.)
//
// Supported: GET <set>?$select=…&$filter=<a> eq <v>[ and <b> eq <v>], GET <set>(<id>)/<N:N nav>?$select=…,
// POST <set>, PATCH <set>(<id>) (If-Match: * — update only), POST <set>(<id>)/<nav>/$ref,
// DELETE <set>(<id>)/<nav>(<id>)/$ref.

import http from 'node:http';
import { randomUUID } from 'node:crypto';

const S = (max, required = null, extra = {}) => ({ type: 'string', max, required, ...extra });
const UNIQUE = S(128, 'system', { updatable: false });
const BOOL = (required = null) => ({ type: 'boolean', required });
const PICK = (options, required = null) => ({ type: 'picklist', options, required });
const INT = (min, max, required = null) => ({ type: 'integer', min, max, required });

/** Entity sets: attributes writable on create/update, lookups (bind name → target set), N:N navigation. */
export const SCHEMA = {
  // msdyn_applicationtabtemplate
  msdyn_applicationtabtemplates: {
    logical: 'msdyn_applicationtabtemplate',
    id: 'msdyn_applicationtabtemplateid',
    attrs: {
      msdyn_uniquename: UNIQUE,
      msdyn_name: S(100, 'application'),
      msdyn_title: S(200),
      msdyn_description: S(2000),
      msdyn_pagetype: PICK([509180000, 509180001, 509180002, 509180003, 509180004, 509180005, 509180006], 'application'),
      msdyn_pinned: BOOL(),
      msdyn_templateparameters: S(2048),
    },
    lookups: {},
    nn: { msdyn_sessiontemplate_applicationtab: 'msdyn_sessiontemplates' },
  },
  // msdyn_templateparameter
  msdyn_templateparameters: {
    logical: 'msdyn_templateparameter',
    id: 'msdyn_templateparameterid',
    attrs: { msdyn_uniquename: UNIQUE, msdyn_name: S(100, 'application'), msdyn_value: S(2048) },
    lookups: { msdyn_applicationtabtemplateid: { target: 'msdyn_applicationtabtemplates', required: 'application' } },
    nn: {},
  },
  // msdyn_notificationtemplate
  msdyn_notificationtemplates: {
    logical: 'msdyn_notificationtemplate',
    id: 'msdyn_notificationtemplateid',
    attrs: {
      msdyn_uniquename: UNIQUE,
      msdyn_name: S(100, 'application'),
      msdyn_title: S(100, 'application'),
      msdyn_description: S(2000),
      msdyn_acceptbuttontext: S(100),
      msdyn_rejectbuttontext: S(100),
      msdyn_showrejectbutton: BOOL(),
      msdyn_showtimeout: BOOL(),
      msdyn_autoacceptnotification: BOOL(),
      msdyn_timeout: INT(0, 500),
      msdyn_icon: S(1024),
      msdyn_theme: PICK([509180000, 509180001]),
      msdyn_desktopnotificationmode: PICK([509180000, 509180001]),
    },
    lookups: {},
    nn: { msdyn_notificationtemplate_notificationfield: 'msdyn_notificationfields' },
  },
  // msdyn_notificationfield
  msdyn_notificationfields: {
    logical: 'msdyn_notificationfield',
    id: 'msdyn_notificationfieldid',
    attrs: {
      msdyn_uniquename: UNIQUE,
      msdyn_name: S(100, 'application'),
      msdyn_title: S(200, 'application'),
      msdyn_value: S(1028),
      msdyn_order: INT(0, 2147483647),
    },
    lookups: {},
    nn: { msdyn_notificationtemplate_notificationfield: 'msdyn_notificationtemplates' },
  },
  // msdyn_sessiontemplate
  msdyn_sessiontemplates: {
    logical: 'msdyn_sessiontemplate',
    id: 'msdyn_sessiontemplateid',
    attrs: {
      msdyn_uniquename: UNIQUE,
      msdyn_name: S(100, 'application'),
      msdyn_title: S(200),
      msdyn_description: S(2000),
      msdyn_entity: S(100),
      msdyn_sessiontype: PICK([0, 1], 'application'),
      msdyn_type: BOOL('application'),
      msdyn_panelstate: PICK([162450000, 162450001, 162450002], 'application'),
      msdyn_enablebuildexpression: BOOL(),
      msdyn_expressiondata: S(1048576),
    },
    lookups: { msdyn_anchortab: { target: 'msdyn_applicationtabtemplates', required: null } },
    nn: { msdyn_sessiontemplate_applicationtab: 'msdyn_applicationtabtemplates' },
  },
  // msdyn_channelprovider
  msdyn_channelproviders: {
    logical: 'msdyn_channelprovider',
    id: 'msdyn_channelproviderid',
    attrs: {
      msdyn_uniquename: UNIQUE,
      msdyn_name: S(100, 'application'),
      msdyn_label: S(100, 'application'),
      msdyn_channelurl: S(1024, 'application'),
      msdyn_apiversion: PICK([162450000], 'application'),
      msdyn_customparams: S(2000),
      msdyn_enableanalytics: BOOL(),
      msdyn_enableoutbound: BOOL('application'),
      msdyn_sortorder: INT(0, 1000, 'application'),
      msdyn_trusteddomain: S(2000),
    },
    lookups: {},
    nn: {},
  },
};

class Refusal extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

/**
 * Start the stand-in. @returns {Promise<{url:string, token:string, records:Map, links:Set, requests:object[],
 *   inject:(f:{method?:string, match?:RegExp, when?:(req:object)=>boolean, status:number, body?:any, headers?:object,
 *     times?:number})=>void,
 *   seed:(set:string, record:object)=>string, find:(set:string, uniqueName:string)=>object|undefined,
 *   linked:(set:string, id:string, nav:string)=>string[], close:()=>Promise<void>}>}
 */
export async function startStandin({ token = 'standin-token' } = {}) {
  const records = new Map(Object.keys(SCHEMA).map((s) => [s, new Map()])); // set → id → record
  const links = new Set(); // "<nav>|<id of the side listed first in SCHEMA order>|<other id>"
  const requests = [];
  const faults = [];
  let base = '';

  const linkKey = (nav, setA, idA, idB) => {
    const setB = SCHEMA[setA].nn[nav];
    return setA < setB ? `${nav}|${idA}|${idB}` : `${nav}|${idB}|${idA}`;
  };

  function check(set, body, { create }) {
    const e = SCHEMA[set];
    const out = {};
    for (const [k, v] of Object.entries(body)) {
      if (k.endsWith('@odata.bind')) {
        const nav = k.slice(0, -'@odata.bind'.length);
        const lk = e.lookups[nav];
        if (!lk) throw new Refusal(400, '0x80060888', `An undeclared property '${nav}' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.`);
        const m = /^\/?([a-z_]+)\(([0-9a-f-]{36})\)$/.exec(String(v));
        if (!m || m[1] !== lk.target) throw new Refusal(400, '0x80048d19', `Error identified in Payload provided by the user for Entity :'${set}', ${k} must reference /${lk.target}(<id>), got ${JSON.stringify(v)}`);
        if (!records.get(lk.target).has(m[2])) throw new Refusal(404, '0x80040217', `${SCHEMA[lk.target].logical} With Id = ${m[2]} Does Not Exist`);
        out[`_${nav}_value`] = m[2];
        continue;
      }
      const a = e.attrs[k];
      if (!a) throw new Refusal(400, '0x80060888', `The property '${k}' does not exist on type 'Microsoft.Dynamics.CRM.${e.logical}'. Make sure to only use property names that are defined by the type.`);
      if (!create && a.updatable === false) throw new Refusal(400, '0x80048d19', `Attribute '${k}' of entity '${e.logical}' is not valid for update.`);
      if (v === null) { out[k] = null; continue; }
      if (a.type === 'string' && (typeof v !== 'string' || v.length > a.max)) {
        throw new Refusal(400, '0x80044331', `A validation error occurred. The length of the '${k}' attribute of the '${e.logical}' entity exceeded the maximum allowed length of '${a.max}', or it is not text.`);
      }
      if (a.type === 'boolean' && typeof v !== 'boolean') throw new Refusal(400, '0x80048d19', `Cannot convert the literal '${JSON.stringify(v)}' to the expected type 'Edm.Boolean' (${k}).`);
      if ((a.type === 'integer' || a.type === 'picklist') && !Number.isInteger(v)) throw new Refusal(400, '0x80048d19', `Cannot convert the literal '${JSON.stringify(v)}' to the expected type 'Edm.Int32' (${k}).`);
      if (a.type === 'picklist' && !a.options.includes(v)) throw new Refusal(400, '0x8004431a', `A validation error occurred. The value ${v} of '${k}' on record of type '${e.logical}' is outside the valid range. Accepted Values: ${a.options.join(',')}`);
      if (a.type === 'integer' && (v < a.min || v > a.max)) throw new Refusal(400, '0x80044330', `A validation error occurred. The value of '${k}' on record of type '${e.logical}' is outside the valid range (${a.min} to ${a.max}).`);
      out[k] = v;
    }
    if (create) {
      const missing = [
        ...Object.entries(e.attrs).filter(([k, a]) => a.required && (out[k] === undefined || out[k] === null || out[k] === '')).map(([k]) => k),
        ...Object.entries(e.lookups).filter(([k, l]) => l.required && !out[`_${k}_value`]).map(([k]) => k),
      ];
      if (missing.length) throw new Refusal(400, '0x80040200', `A required attribute is missing on ${e.logical}: ${missing.join(', ')}`);
      if (out.msdyn_uniquename && [...records.get(set).values()].some((r) => r.msdyn_uniquename === out.msdyn_uniquename)) {
        throw new Refusal(412, '0x80040237', `A record that has the attribute values Unique Name already exists (${out.msdyn_uniquename}).`);
      }
    }
    return out;
  }

  function select(set, rec, sel) {
    if (!sel) return { ...rec };
    const e = SCHEMA[set];
    const o = {};
    for (const a of sel.split(',')) {
      const known = a === e.id || e.attrs[a] || Object.keys(e.lookups).some((l) => a === `_${l}_value`);
      if (!known) throw new Refusal(400, '0x80060888', `Could not find a property named '${a}' on type 'Microsoft.Dynamics.CRM.${e.logical}'.`);
      o[a] = rec[a] ?? null;
    }
    return o;
  }

  function filter(set, f) {
    const e = SCHEMA[set];
    const terms = f.split(' and ').map((t) => {
      const m = /^([A-Za-z_]+) eq ('(?:[^']|'')*'|[0-9a-f-]{36})$/.exec(t.trim());
      if (!m) throw new Refusal(400, '0x80060888', `The stand-in does not understand the filter term ${JSON.stringify(t)}`);
      const [, attr, lit] = m;
      const known = attr === e.id || e.attrs[attr] || Object.keys(e.lookups).some((l) => attr === `_${l}_value`);
      if (!known) throw new Refusal(400, '0x80060888', `Could not find a property named '${attr}' on type 'Microsoft.Dynamics.CRM.${e.logical}'.`);
      return [attr, lit.startsWith("'") ? lit.slice(1, -1).replace(/''/g, "'") : lit];
    });
    return [...records.get(set).values()].filter((r) => terms.every(([a, v]) => r[a] === v));
  }

  function handle(method, pathname, query, body) {
    const rel = pathname.slice('/api/data/v9.2/'.length);
    let m;
    if ((m = /^([a-z_]+)$/.exec(rel))) {
      const set = m[1];
      if (!SCHEMA[set]) throw new Refusal(404, '0x8006088a', `Resource not found for the segment '${set}'.`);
      if (method === 'GET') {
        const rows = query.get('$filter') ? filter(set, query.get('$filter')) : [...records.get(set).values()];
        return { status: 200, json: { '@odata.context': `${base}/api/data/v9.2/$metadata#${set}`, value: rows.map((r) => select(set, r, query.get('$select'))) } };
      }
      if (method === 'POST') {
        const rec = check(set, body, { create: true });
        const id = randomUUID();
        rec[SCHEMA[set].id] = id;
        records.get(set).set(id, rec);
        return { status: 204, headers: { 'OData-EntityId': `${base}/api/data/v9.2/${set}(${id})` } };
      }
    }
    if ((m = /^([a-z_]+)\(([0-9a-f-]{36})\)$/.exec(rel))) {
      const [, set, id] = m;
      if (!SCHEMA[set]) throw new Refusal(404, '0x8006088a', `Resource not found for the segment '${set}'.`);
      const rec = records.get(set).get(id);
      if (method === 'PATCH') {
        if (!rec) throw new Refusal(404, '0x80040217', `${SCHEMA[set].logical} With Id = ${id} Does Not Exist`);
        Object.assign(rec, check(set, body, { create: false }));
        return { status: 204 };
      }
      if (method === 'GET') {
        if (!rec) throw new Refusal(404, '0x80040217', `${SCHEMA[set].logical} With Id = ${id} Does Not Exist`);
        return { status: 200, json: select(set, rec, query.get('$select')) };
      }
    }
    if ((m = /^([a-z_]+)\(([0-9a-f-]{36})\)\/([a-z_]+)(?:\(([0-9a-f-]{36})\))?(\/\$ref)?$/.exec(rel))) {
      const [, set, id, nav, otherId, ref] = m;
      if (!SCHEMA[set]) throw new Refusal(404, '0x8006088a', `Resource not found for the segment '${set}'.`);
      const target = SCHEMA[set].nn[nav];
      if (!target) throw new Refusal(400, '0x80060888', `Could not find a property named '${nav}' on type 'Microsoft.Dynamics.CRM.${SCHEMA[set].logical}'.`);
      if (!records.get(set).has(id)) throw new Refusal(404, '0x80040217', `${SCHEMA[set].logical} With Id = ${id} Does Not Exist`);
      if (method === 'GET' && !ref && !otherId) {
        const ids = [...records.get(target).keys()].filter((t) => links.has(linkKey(nav, set, id, t)));
        return { status: 200, json: { value: ids.map((t) => select(target, records.get(target).get(t), query.get('$select'))) } };
      }
      if (method === 'POST' && ref && !otherId) {
        const mm = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/api/data/v9\\.2/([a-z_]+)\\(([0-9a-f-]{36})\\)$`).exec(String(body?.['@odata.id'] ?? ''));
        if (!mm || mm[1] !== target) throw new Refusal(400, '0x80048d19', `@odata.id must be the absolute URL of a ${target} record, got ${JSON.stringify(body?.['@odata.id'])}`);
        if (!records.get(target).has(mm[2])) throw new Refusal(404, '0x80040217', `${SCHEMA[target].logical} With Id = ${mm[2]} Does Not Exist`);
        const key = linkKey(nav, set, id, mm[2]);
        if (links.has(key)) throw new Refusal(400, '0x80040237', 'Cannot insert duplicate key.');
        links.add(key);
        return { status: 204 };
      }
      if (method === 'DELETE' && ref && otherId) {
        const key = linkKey(nav, set, id, otherId);
        if (!links.has(key)) throw new Refusal(404, '0x80040217', `The records are not associated (${nav}).`);
        links.delete(key);
        return { status: 204 };
      }
    }
    throw new Refusal(405, '0x8006088a', `The stand-in does not support ${method} ${rel}`);
  }

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const u = new URL(req.url, base);
      let body;
      const entry = { method: req.method, path: u.pathname, query: u.search, headers: req.headers, body: undefined };
      requests.push(entry);
      const reply = (status, json, headers = {}) => {
        res.writeHead(status, { 'OData-Version': '4.0', ...(json !== undefined ? { 'Content-Type': 'application/json; odata.metadata=minimal' } : {}), ...headers });
        res.end(json !== undefined ? JSON.stringify(json) : '');
      };
      try {
        if (raw) {
          try { body = JSON.parse(raw); } catch { throw new Refusal(400, '0x80048d19', 'The request body is not JSON.'); }
          entry.body = body;
        }
        const fault = faults.find((f) => f.times > 0 && (!f.method || f.method === req.method) && (!f.match || f.match.test(decodeURIComponent(u.pathname + u.search))) && (!f.when || f.when(entry)));
        if (fault) {
          fault.times--;
          return reply(fault.status, fault.body, fault.headers);
        }
        if (req.headers.authorization !== `Bearer ${token}`) {
          return reply(401, { error: { code: '0x80072560', message: 'The user is not a member of the organization.' } }, { 'WWW-Authenticate': 'Bearer authorization_uri=https://login.microsoftonline.com/common/oauth2/authorize' });
        }
        if (!u.pathname.startsWith('/api/data/v9.2/')) throw new Refusal(404, '0x8006088a', `No API at ${u.pathname}`);
        if (req.method === 'PATCH' && req.headers['if-match'] !== '*') throw new Refusal(400, '0x80048d19', 'The stand-in expects If-Match: * on PATCH (update, never create).');
        const r = handle(req.method, u.pathname, u.searchParams, body);
        return reply(r.status, r.json, r.headers);
      } catch (e) {
        if (!(e instanceof Refusal)) return reply(500, { error: { code: '0x80040216', message: String(e.stack || e) } });
        return reply(e.status, { error: { code: e.code, message: e.message } });
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;

  return {
    url: base,
    token,
    records,
    links,
    requests,
    inject(f) { faults.push({ times: 1, ...f }); },
    seed(set, rec) {
      const id = randomUUID();
      records.get(set).set(id, { ...rec, [SCHEMA[set].id]: id });
      return id;
    },
    find(set, uniqueName) { return [...records.get(set).values()].find((r) => r.msdyn_uniquename === uniqueName); },
    linked(set, id, nav) {
      const target = SCHEMA[set].nn[nav];
      return [...records.get(target).keys()].filter((t) => links.has(linkKey(nav, set, id, t)));
    },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}
