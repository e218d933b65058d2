// Why this file exists: the workbench's model of Dynamics 365 Customer Service workspace as seen by a CIF v2
// channel provider — sessions (max 10, Generic templates, anchor tab), application tabs, notification toasts
// (Accept / Reject / Timeout, cancelEvent), presence, click-to-act, Custom Parameters, addHandler events —
// plus scriptable faults. It answers the calls relayed by the CIF library double (cif/msdyn_ciLibrary.js)
// with *semantic* values; the double shapes them (JSON strings etc.) like the real library.

const GUID = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;
const MAX_SESSIONS = 10;
const MAX_QUEUED_NOTIFICATIONS = 10;

export const PRESENCES = [
  { presenceId: 'd5f3b2e0-0001-4c1a-9b3e-000000000001', presenceText: 'Available', basePresenceStatus: 'Available', presenceColor: '#00FF00' },
  { presenceId: 'd5f3b2e0-0002-4c1a-9b3e-000000000002', presenceText: 'Busy', basePresenceStatus: 'Busy', presenceColor: '#FFA500' },
  { presenceId: 'd5f3b2e0-0003-4c1a-9b3e-000000000003', presenceText: 'Busy - DND', basePresenceStatus: 'Busy - DND', presenceColor: '#FF0000' },
  { presenceId: 'd5f3b2e0-0004-4c1a-9b3e-000000000004', presenceText: 'Away', basePresenceStatus: 'Away', presenceColor: '#FFFF00' },
  { presenceId: 'd5f3b2e0-0005-4c1a-9b3e-000000000005', presenceText: 'Offline', basePresenceStatus: 'Offline', presenceColor: '#808080' },
];

export const FAULT_MODES = {
  'reject-notfound': 'reject with NotificationTemplateNotFoundError',
  'reject-client': 'reject with RejectAfterClientError',
  hang: 'never answer (no effect in Dynamics); the library times out',
  late: 'act at once but answer after the time limit (the library has already timed out)',
  slow: 'answer correctly after delayMs (default: half the time limit)',
  queued: 'carry the call out only after delayMs (a busy Dynamics), then answer at once',
  garbage: 'answer garbage instead of the documented value',
};

/** Fill `{slug}`s from params. Missing slugs become ''. */
export function fillSlugs(text, params) {
  if (typeof text !== 'string') return text;
  return text.replace(/\{([^{}]+)\}/g, (_, name) => {
    const v = params ? params[name] : undefined;
    return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}

/** The template entities, and where deploy/templates.json keeps each kind. */
const TEMPLATE_TABLES = {
  msdyn_notificationtemplate: 'notificationTemplates',
  msdyn_sessiontemplate: 'sessionTemplates',
  msdyn_applicationtabtemplate: 'applicationTabTemplates',
};

const cifErr = (message, method) => ({ message, msdyn_name: method.charAt(0).toUpperCase() + method.slice(1) });

export class Dynamics {
  /**
   * @param {object} templates  deploy/templates.json (served as /templates.json)
   * @param {{timeoutMs:number, raise:(eventName:string, payload:any, opts?:object)=>void, changed:()=>void,
   *          log:(kind:string, text:string)=>void, origin:string}} env
   */
  constructor(templates, env) {
    this.templates = templates;
    this.env = env;
    this.seq = 0;
    this.home = { id: 'session-id-0', home: true, title: 'Home', templateName: null, params: {}, tabs: [], focusedTabId: null, provider: false };
    this.home.tabs.push({ id: 'tab-id-0', title: 'Dashboard', kind: 'dashboard', params: {}, anchor: true });
    this.home.focusedTabId = 'tab-id-0';
    this.sessions = [];           // provider sessions (open and closed)
    this.focusedSessionId = this.home.id;
    this.notifications = [];      // open toasts
    this.notificationLog = [];    // every notification ever shown, with its outcome
    this.faults = {};             // method → {mode, scope, delayMs, value, remaining}
    this.presence = PRESENCES[0];
    this.clickToAct = false;
    this.mode = 1;
    this.width = 340;
    this.customParams = '';
    this.focusSpelling = 'focused';   // 'focused' | 'focussed' | 'both'
    this.echoPresence = false;        // raise onPresenceChange also when the provider calls setPresence
    this.notificationTimeoutOverride = null; // seconds, for tests
    this.cancelledNotifyOutcome = 'pending'; // what a cancelled notifyEvent's promise does: 'pending' | 'reject'
    this.context = {};                // updateContext per session
    this.records = [];                // createRecord / updateRecord calls
  }

  id(prefix) { this.seq += 1; return `${prefix}-${this.seq}`; }

  get openSessions() { return this.sessions.filter((s) => !s.closed); }
  session(id) { return id === this.home.id ? this.home : this.sessions.find((s) => s.id === id && !s.closed); }
  get focusedSession() { return this.session(this.focusedSessionId) || this.home; }

  // ---------------------------------------------------------------------------------------------------------
  // Faults

  setFault(method, mode, opts = {}) {
    if (!mode) { delete this.faults[method]; return; }
    if (!FAULT_MODES[mode]) throw new Error(`unknown fault mode ${mode}; known: ${Object.keys(FAULT_MODES).join(', ')}`);
    const scope = opts.scope || 'next';
    this.faults[method] = { mode, scope, delayMs: opts.delayMs, value: opts.value, remaining: scope === 'all' ? Infinity : (opts.count || 1) };
  }

  takeFault(method) {
    const f = this.faults[method];
    if (!f) return null;
    f.remaining -= 1;
    if (f.remaining <= 0) delete this.faults[method];
    return f;
  }

  /**
   * Handle one relayed call. Resolves {ok:true, value} | {ok:false, error} | {ok:true, value, raw:true} |
   * {hang:true}; `delayMs` on the answer delays the reply.
   */
  async handle(method, args) {
    const fault = this.takeFault(method);
    const limit = this.env.timeoutMs();
    if (fault) {
      switch (fault.mode) {
        case 'reject-notfound': return { ok: false, error: cifErr('NotificationTemplateNotFoundError', method), fault: fault.mode };
        case 'reject-client': return { ok: false, error: cifErr('RejectAfterClientError', method), fault: fault.mode };
        case 'hang': return { hang: true, fault: fault.mode };
        case 'garbage': return { ok: true, raw: true, value: fault.value !== undefined ? fault.value : garbageFor(method), fault: fault.mode };
        case 'late': {
          const answer = await this.dispatch(method, args);
          return { ...answer, delayMs: fault.delayMs ?? limit + 1500, fault: fault.mode };
        }
        case 'slow': {
          const answer = await this.dispatch(method, args);
          return { ...answer, delayMs: fault.delayMs ?? Math.floor(limit / 2), fault: fault.mode };
        }
        case 'queued': {
          // What the agent does meanwhile (a session switch) comes first: a tab opens in the session focused then.
          await new Promise((r) => setTimeout(r, fault.delayMs ?? Math.floor(limit / 2)));
          return { ...(await this.dispatch(method, args)), fault: fault.mode };
        }
        default: break;
      }
    }
    return this.dispatch(method, args);
  }

  async dispatch(method, args) {
    const fn = this[`cif_${method}`];
    try {
      if (!fn) return { ok: true, value: null, note: 'not modelled by the workbench' };
      const value = await fn.apply(this, args || []);
      return { ok: true, value };
    } catch (e) {
      if (e && e.cif) return { ok: false, error: e.cif };
      return { ok: false, error: cifErr('RejectAfterClientError', method), note: String(e && e.message || e) };
    }
  }

  fail(message, method) { const e = new Error(message); e.cif = cifErr(message, method); throw e; }

  // ---------------------------------------------------------------------------------------------------------
  // Notifications

  cif_notifyEvent(input) {
    if (!input || typeof input !== 'object') this.fail('RejectAfterClientError', 'notifyEvent');
    const tpl = this.templates.notificationTemplates[input.templateName];
    if (!tpl) this.fail('NotificationTemplateNotFoundError', 'notifyEvent');
    const params = input.templateParameters && typeof input.templateParameters === 'object' ? input.templateParameters : {};
    const token = input.cancellationToken ?? arguments[2] ?? null;
    if (this.notifications.length >= MAX_QUEUED_NOTIFICATIONS) {
      return { actionName: 'Reject', responseReason: 'NotificationQueueLimitExceeded' };
    }
    const timeoutSeconds = this.notificationTimeoutOverride ?? tpl.timeoutSeconds ?? 120;
    return new Promise((resolve) => {
      const n = {
        id: this.id('notification'),
        templateName: input.templateName,
        icon: tpl.icon || 'voice',
        title: fillSlugs(tpl.title, params),
        fields: (tpl.fields || []).slice(0, 4).map((f) => ({ header: f.header, value: fillSlugs(f.value, params) })),
        acceptText: tpl.acceptText || 'Accept',
        rejectText: tpl.showReject === false ? null : tpl.rejectText || 'Reject',
        params: structuredClone(params),
        cancellationToken: token,
        contactId: params.contactId ?? null,
        shownAt: Date.now(),
        deadline: Date.now() + timeoutSeconds * 1000,
        timeoutSeconds,
        outcome: null,
        settle: null,
      };
      n.settle = (actionName, responseReason) => {
        if (n.outcome) return;
        n.outcome = { actionName, responseReason, at: Date.now() };
        clearTimeout(n.timer);
        this.notifications = this.notifications.filter((x) => x !== n);
        if (actionName !== 'Cancelled') resolve({ actionName, responseReason });
        else if (this.cancelledNotifyOutcome === 'reject') resolve({ actionName: 'Reject', responseReason: 'Cancelled' });
        this.env.changed();
      };
      n.timer = setTimeout(() => n.settle('Timeout', 'DisplayTimeout'), timeoutSeconds * 1000);
      this.notifications.push(n);
      this.notificationLog.push(n);
      this.env.changed();
    });
  }

  cif_cancelEvent(token) {
    const n = this.notifications.find((x) => x.cancellationToken !== null && x.cancellationToken === token);
    if (!n) {
      // Dynamics resolves with the token even if the toast is already gone
      const gone = this.notificationLog.find((x) => x.cancellationToken === token);
      if (!gone) this.env.log('warn', `cancelEvent: no notification with token ${JSON.stringify(token)}`);
      return token;
    }
    n.settle('Cancelled', 'CancelEvent');
    return token;
  }

  pickNotification(sel) {
    if (sel === undefined || sel === null) return this.notifications[0];
    return this.notifications.find((n) => n.id === sel || n.cancellationToken === sel || n.contactId === sel);
  }

  acceptNotification(sel) {
    const n = this.pickNotification(sel);
    if (!n) throw new Error(`no open notification ${sel ?? ''}`);
    n.settle('Accept', 'Accept');
    return n.id;
  }

  rejectNotification(sel) {
    const n = this.pickNotification(sel);
    if (!n) throw new Error(`no open notification ${sel ?? ''}`);
    n.settle('Reject', 'DeclinedByAgent');
    return n.id;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Sessions

  cif_canCreateSession() { return this.openSessions.length < MAX_SESSIONS; }

  cif_createSession(input) {
    if (!input || typeof input !== 'object') this.fail('RejectAfterClientError', 'createSession');
    const tpl = this.templates.sessionTemplates[input.templateName];
    if (!tpl) this.fail('SessionTemplateNotFoundError', 'createSession');
    if (this.openSessions.length >= MAX_SESSIONS) this.fail('MaxSessionsReached', 'createSession');
    const params = input.templateParameters && typeof input.templateParameters === 'object' ? structuredClone(input.templateParameters) : {};
    const s = {
      id: `session-id-${this.sessions.length + 1}`,
      provider: true,
      templateName: input.templateName,
      icon: tpl.icon || 'voice',
      title: fillSlugs(tpl.title, params) || input.templateName,
      params,
      tabs: [],
      focusedTabId: null,
      createdAt: Date.now(),
      closed: false,
    };
    if (tpl.anchorTab) {
      const anchor = this.makeTab(tpl.anchorTab, { ...params, ...(params[tpl.anchorTab] || {}) }, true);
      if (anchor) { s.tabs.push(anchor); s.focusedTabId = anchor.id; }
    }
    for (const extra of tpl.additionalTabs || []) {
      const t = this.makeTab(extra, { ...params, ...(params[extra] || {}) }, false);
      if (t) s.tabs.push(t);
    }
    this.sessions.push(s);
    this.focus(s.id);
    return s.id;
  }

  focus(id) {
    const old = this.focusedSession;
    const next = this.session(id);
    if (!next) throw new Error(`no open session ${id}`);
    if (old === next) return;
    this.focusedSessionId = next.id;
    // Dynamics tells a provider only about its own sessions; a switch fires twice (old false, new true)
    if (old && old.provider && !old.closed) this.raiseSwitch(old.id, false);
    if (next.provider) this.raiseSwitch(next.id, true);
    this.env.changed();
  }

  raiseSwitch(sessionId, focused) {
    const payload = { sessionId };
    if (this.focusSpelling === 'focused' || this.focusSpelling === 'both') payload.focused = focused;
    if (this.focusSpelling === 'focussed' || this.focusSpelling === 'both') payload.focussed = focused;
    this.env.raise('onSessionSwitched', payload);
  }

  switchSession(id) { this.focus(id); return id; }

  closeSession(id) {
    const s = this.session(id);
    if (!s || s.home) throw new Error(`no closable session ${id}`);
    const wasFocused = this.focusedSessionId === id;
    s.closed = true;
    s.closedAt = Date.now();
    this.env.raise('onSessionClosed', { sessionId: id });
    if (wasFocused) {
      const rest = this.openSessions;
      const next = rest[rest.length - 1] || this.home;
      this.focusedSessionId = next.id;
      if (next.provider) this.raiseSwitch(next.id, true);
    }
    this.env.changed();
    return id;
  }

  cif_getAllSessions() { return this.openSessions.map((s) => s.id); }
  cif_getFocusedSession() { const s = this.focusedSession; return s.provider ? s.id : null; }
  cif_getSession(id) {
    const s = this.session(id);
    if (!s || !s.provider) this.fail('RejectAfterClientError', 'getSession');
    // The context holds the createSession template parameters and what updateContext wrote.
    return { sessionId: s.id, conversationId: null, context: { ...(this.context[s.id] || {}), templateParameters: { ...s.params } }, isFocused: this.focusedSessionId === s.id };
  }
  cif_setSessionTitle(input) {
    const s = input && this.session(input.sessionId);
    if (!s || !s.provider) this.fail('RejectAfterClientError', 'setSessionTitle');
    const tpl = this.templates.sessionTemplates[s.templateName];
    s.params = { ...s.params, ...input };
    s.title = fillSlugs(tpl ? tpl.title : s.title, s.params);
    this.env.changed();
    return s.title;
  }
  cif_requestFocusSession(id) { const s = this.session(id); if (s) { s.attention = true; this.env.changed(); } return null; }
  cif_notifyKpiBreach(id, shouldReset) { const s = this.session(id); if (s) { s.kpiBreach = !shouldReset; this.env.changed(); } return null; }
  cif_notifyNewActivity(id, count) {
    if (typeof count !== 'number' || count < 0) this.fail('RejectAfterClientError', 'notifyNewActivity');
    const s = this.session(id); if (s) { s.newActivity = count; this.env.changed(); } return null;
  }
  cif_updateContext(input, sessionId, isDelete) {
    const id = sessionId || this.focusedSessionId;
    const ctx = (this.context[id] = this.context[id] || {});
    for (const [k, v] of Object.entries(input || {})) { if (isDelete) delete ctx[k]; else ctx[k] = v; }
    return JSON.stringify(ctx);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Tabs

  /** Build a tab from an app tab template; `params` are the slug values (templateParameters). */
  makeTab(templateName, params, anchor) {
    const tpl = this.templates.applicationTabTemplates[templateName];
    if (!tpl) return null;
    const p = {};
    for (const [k, v] of Object.entries(tpl.parameters || {})) {
      // templateParameters override configured values; slugs fill the rest
      p[k] = params[k] !== undefined && typeof params[k] !== 'object' ? String(params[k]) : fillSlugs(v, params);
      if (p[k] === '' && tpl.defaults && tpl.defaults[k]) p[k] = tpl.defaults[k];
    }
    const tab = { id: this.id('tab-id'), templateName, pageType: tpl.pageType, params: p, anchor: !!anchor, canClose: !anchor && tpl.canClose !== false };
    if (tpl.pageType === 'entityrecord') {
      const entity = p.entityName || 'record';
      if (!p.entityId) { tab.title = `New ${entity}`; tab.kind = 'create'; }
      else if (!GUID.test(p.entityId)) { tab.title = `${entity} (invalid id)`; tab.kind = 'invalid'; tab.error = `Record not found: ${p.entityId}`; }
      else { tab.title = `${entity} ${p.entityId.replace(/[{}]/g, '').toLowerCase()}`; tab.kind = 'record'; }
    } else if (tpl.pageType === 'entitysearch') {
      // Dynamics' Search page type: searchType is 0 (relevance) or 1 (categorized), never an entity name.
      if (p.searchType !== undefined && !/^[01]$/.test(p.searchType)) {
        tab.kind = 'invalid';
        tab.title = 'Search (invalid searchType)';
        tab.error = `searchType must be 0 or 1, got ${JSON.stringify(p.searchType)}`;
        return tab;
      }
      tab.title = `Search: ${p.searchText || ''}`;
      tab.kind = 'search';
    } else {
      tab.title = fillSlugs(tpl.title, params) || templateName;
      tab.kind = tpl.pageType || 'other';
    }
    return tab;
  }

  cif_createTab(input) {
    if (!input || typeof input !== 'object') this.fail('RejectAfterClientError', 'createTab');
    if (!this.templates.applicationTabTemplates[input.templateName]) this.fail('TemplateNotFoundError', 'createTab');
    const params = input.templateParameters && typeof input.templateParameters === 'object' ? input.templateParameters : {};
    const s = this.focusedSession;
    const tab = this.makeTab(input.templateName, params, false);
    s.tabs.push(tab);
    if (input.isFocused !== false) s.focusedTabId = tab.id;
    this.env.changed();
    return tab.id;
  }

  findTab(tabId) {
    for (const s of [this.home, ...this.openSessions]) {
      const t = s.tabs.find((x) => x.id === tabId);
      if (t) return { s, t };
    }
    return null;
  }
  cif_getTabs(templateName) {
    if (!templateName) this.fail('RejectAfterClientError', 'getTabs');
    return this.focusedSession.tabs.filter((t) => t.templateName === templateName).map((t) => t.id);
  }
  cif_getFocusedTab() { return this.focusedSession.focusedTabId; }
  cif_focusTab(tabId) { const f = this.findTab(tabId); if (!f) this.fail('RejectAfterClientError', 'focusTab'); f.s.focusedTabId = tabId; this.env.changed(); return null; }
  cif_refreshTab(tabId) { if (!this.findTab(tabId)) this.fail('RejectAfterClientError', 'refreshTab'); return null; }
  cif_closeTab(tabId) {
    const f = this.findTab(tabId);
    if (!f || f.t.anchor) this.fail('RejectAfterClientError', 'closeTab');
    f.s.tabs = f.s.tabs.filter((t) => t !== f.t);
    if (f.s.focusedTabId === tabId) f.s.focusedTabId = f.s.tabs.length ? f.s.tabs[0].id : null;
    this.env.changed();
    return null;
  }
  cif_setTabTitle(tabId, input) { const f = this.findTab(tabId); if (!f) this.fail('RejectAfterClientError', 'setTabTitle'); f.t.title = String(input && input.title || ''); this.env.changed(); return f.t.title; }

  /** renderSearchPage / searchAndOpenRecords open a search tab in the focused session */
  cif_renderSearchPage(entityName, searchString) {
    const s = this.focusedSession;
    const tab = { id: this.id('tab-id'), templateName: null, pageType: 'entitysearch', kind: 'search', anchor: false, canClose: true,
      params: { entityName: String(entityName ?? ''), searchText: String(searchString ?? '') }, title: `Search: ${searchString ?? ''}` };
    s.tabs.push(tab);
    s.focusedTabId = tab.id;
    this.env.changed();
    return null;
  }
  cif_searchAndOpenRecords(entityName, query, searchOnly) {
    // The template entities answer from the templates this Dynamics holds (the bridge's preflight looks its
    // templates up this way); the workbench has no other records: an empty result. searchOnly=false opens the
    // search page.
    const table = TEMPLATE_TABLES[entityName];
    if (table) {
      const names = [...String(query).matchAll(/msdyn_uniquename eq '((?:[^']|'')*)'/g)].map((m) => m[1].replace(/''/g, "'"));
      const held = Object.keys(this.templates[table] || {});
      return names.filter((n) => held.some((h) => h.toLowerCase() === n.toLowerCase())).map((n) => ({ msdyn_uniquename: n }));
    }
    if (!searchOnly) this.cif_renderSearchPage(entityName, query);
    return [];
  }

  /** Deletes a template from this Dynamics (by unique name, any kind), as an admin might by mistake. */
  deleteTemplate(name) {
    for (const table of Object.values(TEMPLATE_TABLES)) {
      if (this.templates[table] && this.templates[table][name]) {
        delete this.templates[table][name];
        this.env.log('warn', `template ${name} deleted from Dynamics (${table})`);
        this.env.changed();
        return true;
      }
    }
    return false;
  }

  /** Every template unique name this Dynamics holds, by kind. */
  templateNames() {
    return Object.fromEntries(Object.values(TEMPLATE_TABLES).map((t) => [t, Object.keys(this.templates[t] || {})]));
  }

  // ---------------------------------------------------------------------------------------------------------
  // Environment, presence, click-to-act, panel, CRUD

  cif_getEnvironment() {
    const origin = this.env.origin;
    return {
      appid: 'b5c8d8f4-2a6e-4e9f-8d3c-1f2e3a4b5c6d', pageType: 'dashboard', id: '', orgGeo: 'NAM', navigationType: 'default',
      clientUrl: origin, appUrl: `${origin}/main.aspx?appid=b5c8d8f4-2a6e-4e9f-8d3c-1f2e3a4b5c6d`, orgLcid: 1033,
      orgUniqueName: 'unq0a1b2c3d4e5f', userId: '{6E1F2A3B-4C5D-4E6F-8A9B-0C1D2E3F4A5B}', userLcid: 1033,
      username: 'Jordan Lee', orgId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
      customParams: this.customParams,
    };
  }
  cif_setClickToAct(v) { this.clickToAct = !!v; this.env.changed(); return null; }
  cif_getClickToAct() { return this.clickToAct; }
  cif_setPresence(text) {
    const p = PRESENCES.find((x) => x.presenceText === text);
    if (!p) return false;
    const changed = p !== this.presence;
    this.presence = p;
    this.env.changed();
    if (changed && this.echoPresence) this.env.raise('onPresenceChange', { presenceInfo: { ...p } });
    return true;
  }
  cif_getPresence() { return this.presence.presenceText; }
  cif_setMode(v) { if (![0, 1, 2, 3].includes(v)) this.fail('RejectAfterClientError', 'setMode'); this.mode = v; this.env.changed(); return null; }
  cif_getMode() { return this.mode; }
  cif_setWidth(px) { if (!(px >= 300)) this.fail('RejectAfterClientError', 'setWidth'); this.width = px; this.env.changed(); return null; }
  cif_getWidth() { return this.width; }
  cif_createRecord(entity, data) {
    const id = crypto.randomUUID();
    this.records.push({ op: 'create', entity, id, data: safeParse(data) });
    return { id };
  }
  cif_updateRecord(entity, id, data) {
    if (!GUID.test(String(id))) this.fail('RejectAfterClientError', 'updateRecord');
    this.records.push({ op: 'update', entity, id, data: safeParse(data) });
    return { id };
  }
  cif_retrieveRecord(entity, id) {
    if (!GUID.test(String(id))) this.fail('RejectAfterClientError', 'retrieveRecord');
    return { [`${entity}id`]: id };
  }
  cif_logAnalyticsEvent() { return ''; }
  cif_raiseEvent(eventName, params) { this.env.raise(eventName, safeParse(params)); return true; }

  // ---------------------------------------------------------------------------------------------------------
  // Agent-side actions raising handler events

  clickToDial(number, { force = false } = {}) {
    if (!this.clickToAct && !force) {
      this.env.log('warn', 'click-to-act is off: the provider never called setClickToAct(true); nothing raised');
      return false;
    }
    this.env.raise('onclicktoact', { value: String(number), name: 'mobilephone', format: 'phone', entityLogicalName: 'contact', entityId: '5f8e2b1a-3c4d-4e6f-9a0b-1c2d3e4f5a6b' });
    return true;
  }

  pickPresence(text) {
    const p = PRESENCES.find((x) => x.presenceText === text);
    if (!p) throw new Error(`unknown presence ${text}`);
    this.presence = p;
    this.env.raise('onPresenceChange', { presenceInfo: { ...p } });
    this.env.changed();
    return text;
  }

  /** Plain data for window.workbench / the tests. */
  view() {
    const tab = (t) => ({ id: t.id, title: t.title, templateName: t.templateName, pageType: t.pageType, kind: t.kind, anchor: t.anchor, params: { ...t.params }, error: t.error || null });
    const sess = (s) => ({ id: s.id, title: s.title, templateName: s.templateName, provider: s.provider, params: structuredClone(s.params),
      tabs: s.tabs.map(tab), focusedTabId: s.focusedTabId, closed: !!s.closed, focused: this.focusedSessionId === s.id });
    return {
      focusedSessionId: this.focusedSessionId,
      home: sess(this.home),
      sessions: this.sessions.map(sess),
      notifications: this.notifications.map(notifView),
      notificationLog: this.notificationLog.map(notifView),
      presence: this.presence.presenceText,
      clickToAct: this.clickToAct,
      customParams: this.customParams,
      faults: structuredClone(Object.fromEntries(Object.entries(this.faults).map(([k, v]) => [k, { ...v, remaining: v.remaining === Infinity ? 'all' : v.remaining }]))),
      records: structuredClone(this.records),
    };
  }
}

function notifView(n) {
  return { id: n.id, templateName: n.templateName, title: n.title, fields: n.fields, params: n.params, cancellationToken: n.cancellationToken,
    contactId: n.contactId, shownAt: n.shownAt, deadline: n.deadline, outcome: n.outcome };
}

function safeParse(s) { try { return typeof s === 'string' ? JSON.parse(s) : s; } catch { return s; } }

function garbageFor(method) {
  switch (method) {
    case 'notifyEvent': return '{"actionName": <img src=x onerror=alert(1)>';
    case 'getEnvironment': return '{"customParams": ';
    case 'getAllSessions': return 'session-id-1,session-id-2';
    case 'createSession': return { sessionId: 42 };
    case 'createTab': return ['tab'];
    case 'canCreateSession': return 'maybe';
    default: return '\u0000garbage<script>';
  }
}
