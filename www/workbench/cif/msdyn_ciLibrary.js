// Why this file exists: the workbench's double of Dynamics 365's CIF v2 widget library (msdyn_ciLibrary.js).
// The channel provider page injects it exactly as in production (ucilib, data-crmurl, data-cifid="CIFMainLibrary").
// It defines window.Microsoft.CIFramework, relays every call to the workbench host page (which plays Dynamics)
// and settles with its answer, with the real library's habits (reference cif-v2.md):
//   - notifyEvent resolves a JSON string {"actionName","responseReason"} and has no time limit;
//   - every other call rejects after 10 s without an answer (?timeoutMs=N on this script's URL, or the host's
//     hello-ack, changes that) with a Map {message, msdyn_name}, as the real library does (JSON.stringify makes
//     it "{}"); other errors reject with {message, msdyn_name} (a JSON string when the host chose errorFormat
//     "string");
//   - getSession resolves a Map whose context is a Map holding the session's template parameters;
//   - getEnvironment / getAllSessions / CRUD results are JSON strings; createSession / createTab resolve id strings;
//   - CIFInitDone is a window CustomEvent fired (setTimeout) after a handshake with the host;
//   - addHandler callbacks receive the event payload as a JSON string.
// Wire (window.postMessage, origin-checked both ways; the host is the data-crmurl origin):
//   lib → host  {cif:'hello', lib, href}                       host → lib  {cif:'hello-ack', config:{timeoutMs, errorFormat}}
//   lib → host  {cif:'call', id, method, args, handlers}       host → lib  {cif:'reply', id, ok, value | error, raw?}
//   host → lib  {cif:'event', eventName, payload, raw?}         lib → host  {cif:'handler-result', eventName, handlers, ok, error?}
//   lib → host  {cif:'timeout', id, method}  {cif:'page-error', message, stack, kind}  {cif:'handlers', counts}
(function () {
  'use strict';
  if (window.Microsoft && window.Microsoft.CIFramework && window.Microsoft.CIFramework.__workbench) return;

  // --- where we were loaded from ------------------------------------------------------------------------
  var script = document.currentScript || document.querySelector('script[data-cifid="CIFMainLibrary"]');
  var scriptUrl = new URL(script && script.src ? script.src : location.href, location.href);
  var crmUrl = (script && script.getAttribute('data-crmurl')) || document.referrer || scriptUrl.origin;
  var hostOrigin;
  try { hostOrigin = new URL(crmUrl).origin; } catch (e) { hostOrigin = scriptUrl.origin; }
  var host = window.parent !== window ? window.parent : null;

  var config = {
    timeoutMs: Number(scriptUrl.searchParams.get('timeoutMs')) || 10000,
    errorFormat: scriptUrl.searchParams.get('errorFormat') === 'string' ? 'string' : 'object',
  };

  // How each method's answer is shaped, as the real library does it.
  var JSON_RESULT = {
    notifyEvent: 1, getEnvironment: 1, getAllSessions: 1, createRecord: 1, retrieveRecord: 1, updateRecord: 1,
    deleteRecord: 1, searchAndOpenRecords: 1, updateConversation: 1, openForm: 1, logAnalyticsEvent: 1,
  };
  var NO_TIMEOUT = { notifyEvent: 1, openForm: 1, insertNotes: 1 };
  var METHODS = [
    'setMode', 'getMode', 'setWidth', 'getWidth',
    'createRecord', 'retrieveRecord', 'updateRecord', 'deleteRecord',
    'notifyEvent', 'cancelEvent',
    'canCreateSession', 'createSession', 'getSession', 'getFocusedSession', 'getAllSessions', 'setSessionTitle',
    'requestFocusSession',
    'createTab', 'getTabs', 'getFocusedTab', 'focusTab', 'refreshTab', 'closeTab', 'setTabTitle',
    'setPresence', 'getPresence',
    'notifyKpiBreach', 'notifyNewActivity', 'logAnalyticsEvent', 'initLogAnalytics', 'updateConversation',
    'getEnvironment', 'setClickToAct', 'getClickToAct', 'searchAndOpenRecords', 'renderSearchPage', 'openForm',
    'getEntityMetadata', 'raiseEvent', 'updateContext',
  ];

  var nextId = 1;
  var pending = {};
  var handlers = {}; // eventName -> [fn]

  function post(msg) {
    if (!host) return;
    try { host.postMessage(msg, hostOrigin); } catch (e) {
      // unclonable arguments: send a description instead, so the host still sees the call
      try { host.postMessage(JSON.parse(JSON.stringify(msg, function (k, v) { return typeof v === 'function' ? '[function]' : v; })), hostOrigin); } catch (e2) { /* give up */ }
    }
  }

  function cifError(message, method) {
    var err = { message: message, msdyn_name: method.charAt(0).toUpperCase() + method.slice(1) };
    return config.errorFormat === 'string' ? JSON.stringify(err) : err;
  }

  // The real library's own time-limit rejection: a Map, not an object.
  function timeLimitError(method) {
    return new Map([
      ['message', 'Timeout occurred as no response was received from listener window'],
      ['msdyn_name', method.charAt(0).toUpperCase() + method.slice(1)],
    ]);
  }

  function toMap(value) {
    var m = new Map();
    Object.keys(value).forEach(function (k) { m.set(k, value[k]); });
    return m;
  }

  function handlerCounts() {
    var c = {};
    Object.keys(handlers).forEach(function (k) { c[k] = handlers[k].length; });
    return c;
  }

  function call(method, args) {
    return new Promise(function (resolve, reject) {
      if (!host) { reject(cifError('Channel Integration Framework is not loaded inside Dynamics 365', method)); return; }
      var id = 'cif-' + (nextId++);
      var entry = { resolve: resolve, reject: reject, method: method, timer: null };
      pending[id] = entry;
      if (!NO_TIMEOUT[method]) {
        entry.timer = setTimeout(function () {
          if (!pending[id]) return;
          delete pending[id];
          post({ cif: 'timeout', id: id, method: method });
          reject(timeLimitError(method));
        }, config.timeoutMs);
      }
      // t: when the call reached the library, on a clock comparable across frames (the benchmark, bench/, reads it)
      post({ cif: 'call', id: id, method: method, args: args, handlers: handlerCounts(), t: performance.timeOrigin + performance.now() });
    });
  }

  function shape(method, value) {
    if (JSON_RESULT[method]) return typeof value === 'string' ? value : JSON.stringify(value === undefined ? null : value);
    if (method === 'getSession' && value && typeof value === 'object' && !(value instanceof Map)) {
      var m = toMap(value);
      if (value.context && typeof value.context === 'object') m.set('context', toMap(value.context));
      return m;
    }
    return value;
  }

  function onReply(m) {
    var entry = pending[m.id];
    if (!entry) return; // already timed out: the late answer is dropped, as the real library does
    delete pending[m.id];
    if (entry.timer) clearTimeout(entry.timer);
    if (m.ok) {
      entry.resolve(m.raw ? m.value : shape(entry.method, m.value));
    } else if (m.raw) {
      entry.reject(m.error);
    } else {
      var e = m.error || {};
      entry.reject(cifError(e.message || 'RejectAfterClientError', e.msdyn_name ? e.msdyn_name.charAt(0).toLowerCase() + e.msdyn_name.slice(1) : entry.method));
    }
  }

  function onEvent(m) {
    var list = (handlers[m.eventName] || []).slice();
    var payload = m.raw ? m.payload : JSON.stringify(m.payload);
    list.forEach(function (fn) {
      var done = function (ok, error) {
        post({ cif: 'handler-result', eventName: m.eventName, eventId: m.eventId, ok: ok, error: error ? String(error && error.message || error) : undefined });
      };
      try {
        var r = fn(payload);
        if (r && typeof r.then === 'function') r.then(function () { done(true); }, function (e) { done(false, e); });
        else done(true);
      } catch (e) {
        done(false, e);
        setTimeout(function () { throw e; }); // like an uncaught exception in the real library's dispatcher
      }
    });
    if (!list.length) post({ cif: 'handler-result', eventName: m.eventName, eventId: m.eventId, ok: true, handlers: 0 });
  }

  window.addEventListener('message', function (e) {
    if (!host || e.source !== host || e.origin !== hostOrigin) return;
    var m = e.data;
    if (!m || typeof m.cif !== 'string') return;
    if (m.cif === 'hello-ack') {
      if (m.config) {
        if (m.config.timeoutMs && !scriptUrl.searchParams.get('timeoutMs')) config.timeoutMs = Number(m.config.timeoutMs);
        if (m.config.errorFormat) config.errorFormat = m.config.errorFormat;
      }
      if (!initDone) {
        initDone = true;
        setTimeout(function () {
          window.dispatchEvent(new CustomEvent('CIFInitDone', { detail: [hostOrigin] }));
        }, 0);
      }
    } else if (m.cif === 'reply') onReply(m);
    else if (m.cif === 'event') onEvent(m);
    else if (m.cif === 'config' && m.config) {
      if (m.config.timeoutMs) config.timeoutMs = Number(m.config.timeoutMs);
      if (m.config.errorFormat) config.errorFormat = m.config.errorFormat;
    }
  });
  var initDone = false;

  // --- Microsoft.CIFramework ------------------------------------------------------------------------------
  var api = { __workbench: true };
  METHODS.forEach(function (method) {
    api[method] = function () { return call(method, Array.prototype.slice.call(arguments)); };
  });
  api.addHandler = function (eventName, fn) {
    if (typeof fn !== 'function') return Promise.reject(cifError('handler is not a function', 'addHandler'));
    (handlers[eventName] = handlers[eventName] || []).push(fn);
    post({ cif: 'handlers', counts: handlerCounts(), change: { add: eventName } });
    return Promise.resolve(true);
  };
  api.removeHandler = function (eventName, fn) {
    var list = handlers[eventName] || [];
    var i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
    post({ cif: 'handlers', counts: handlerCounts(), change: { remove: eventName, found: i >= 0 } });
    return Promise.resolve(i >= 0);
  };
  window.Microsoft = window.Microsoft || {};
  window.Microsoft.CIFramework = api;

  // --- report the provider frame's uncaught errors to the host (the workbench's "page errors") -------------
  window.addEventListener('error', function (e) {
    post({ cif: 'page-error', kind: 'error', message: String(e.message), stack: e.error && e.error.stack ? String(e.error.stack) : null,
      source: e.filename || null, line: e.lineno || null });
  });
  window.addEventListener('unhandledrejection', function (e) {
    var r = e.reason;
    var msg;
    try { msg = r && r.message ? r.message : typeof r === 'string' ? r : JSON.stringify(r); } catch (x) { msg = String(r); }
    post({ cif: 'page-error', kind: 'unhandledrejection', message: String(msg), stack: r && r.stack ? String(r.stack) : null });
  });

  post({ cif: 'hello', lib: 'workbench-cif-double', href: location.href, scriptSrc: scriptUrl.href, crmUrl: crmUrl });
})();
