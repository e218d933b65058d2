// A controllable fake of `Microsoft.CIFramework` (Dynamics 365 CIF 2.0) for the shell's browser tests.
//
// Every method records {method, args} (args deep-copied as JSON, functions left out) and returns a Promise the
// test settles with `fakeCifResolve(i, value)` / `fakeCifReject(i, value)` — any JS value, so a test can answer
// with a JSON string or with an object — unless an automatic answer was set for that method with
// `fakeCifAutoResolve(method, value)`. addHandler/removeHandler keep the live handler set; `fakeCifRaise`
// calls the handlers of one event and reports whether each returned a Promise.

let state;

const METHODS = [
  "notifyEvent", "cancelEvent", "canCreateSession", "createSession", "getAllSessions", "getFocusedSession",
  "createTab", "renderSearchPage", "searchAndOpenRecords", "getEnvironment", "setClickToAct", "setPresence",
  "updateRecord", "getSession", "updateContext",
];

function reset() {
  state = { calls: [], pending: [], auto: new Map(), handlers: new Map(), added: 0, removed: 0 };
}
reset();

function copy(v) {
  if (typeof v === "function") return "<function>";
  if (v === undefined) return null;
  return JSON.parse(JSON.stringify(v));
}

function record(method, args) {
  (globalThis.fakeOrder ??= []).push(`cif ${method}`);
  const index = state.calls.length;
  state.calls.push({ method, args: args.map(copy) });
  if (state.auto.has(method)) {
    const { kind, value } = state.auto.get(method);
    return kind === "resolve" ? Promise.resolve(value) : Promise.reject(value);
  }
  return new Promise((resolve, reject) => {
    state.pending[index] = { resolve, reject };
  });
}

// Values in the shapes the real library uses (see ../../../shared/reference/cif-v2.md): its time-limit rejection
// is a Map, getSession resolves to a Map whose context holds the template parameters.
export function fakeCifShape(kind) {
  const TIME_LIMIT = "Timeout occurred as no response was received from listener window";
  switch (kind) {
    case "time-limit-map":
      return new Map([["message", TIME_LIMIT], ["msdyn_name", "CreateSession"]]);
    case "error":
      return Object.assign(new Error("RejectAfterClientError"), { msdyn_name: "CreateTab" });
    case "nested":
      return { outer: new Map([["inner", new Map([[1, new Set(["a", "b"])]])]]), n: NaN, f() {} };
    case "undefined-fields":
      return { sessionId: "s-1", focused: undefined, focussed: true, context: new Map([["gone", undefined], ["kept", null]]) };
    case "cycle": {
      const o = { name: "loop" };
      o.self = o;
      return o;
    }
    default:
      return null;
  }
}

export function fakeCifSessionMap(sessionId, contactId) {
  return new Map([
    ["sessionId", sessionId],
    ["conversationId", "conv-1"],
    ["context", new Map([["templateParameters", { contactId }]])],
    ["isFocused", true],
  ]);
}

export function fakeCifInstall() {
  reset();
  const api = {};
  for (const m of METHODS) api[m] = (...args) => record(m, args);
  api.addHandler = (name, f) => {
    state.calls.push({ method: "addHandler", args: [name] });
    if (typeof f !== "function") throw new Error("handler must be a function");
    if (!state.handlers.has(name)) state.handlers.set(name, []);
    state.handlers.get(name).push(f);
    state.added++;
    return Promise.resolve();
  };
  api.removeHandler = (name, f) => {
    state.calls.push({ method: "removeHandler", args: [name] });
    const list = state.handlers.get(name) || [];
    const i = list.indexOf(f);
    if (i >= 0) {
      list.splice(i, 1);
      state.removed++;
    }
    return Promise.resolve();
  };
  window.Microsoft = { CIFramework: api };
}

export function fakeCifUninstall() {
  delete window.Microsoft;
}

export function fakeCifFireInitDone() {
  window.dispatchEvent(new CustomEvent("CIFInitDone", { detail: ["https://org.example.crm.dynamics.com"] }));
}

export function fakeCifAutoResolve(method, value) {
  state.auto.set(method, { kind: "resolve", value });
}

export function fakeCifAutoReject(method, value) {
  state.auto.set(method, { kind: "reject", value });
}

export function fakeCifResolve(index, value) {
  const p = state.pending[index];
  if (!p) throw new Error("no pending CIF call #" + index);
  delete state.pending[index];
  p.resolve(value);
}

export function fakeCifReject(index, value) {
  const p = state.pending[index];
  if (!p) throw new Error("no pending CIF call #" + index);
  delete state.pending[index];
  p.reject(value);
}

// Index of the first call to `method` at or after `from`, or -1.
export function fakeCifIndexOf(method, from) {
  for (let i = from || 0; i < state.calls.length; i++) if (state.calls[i].method === method) return i;
  return -1;
}

export function fakeCifCalls() {
  return JSON.stringify(state.calls);
}

// Calls every handler registered for `name` with `payload`; returns how many returned a thenable.
export function fakeCifRaise(name, payload) {
  let promises = 0;
  for (const f of [...(state.handlers.get(name) || [])]) {
    const r = f(payload);
    if (r && typeof r.then === "function") promises++;
  }
  return promises;
}

export function fakeCifLiveHandlers() {
  let n = 0;
  for (const list of state.handlers.values()) n += list.length;
  return n;
}
