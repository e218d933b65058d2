// The plain-JavaScript bridge the spec's §6 compares the wasm bridge with: "a plain-JavaScript bridge doing the same
// job in the same run". Bench only — never shipped, never configured. It does the seed's screen pop the way a
// straightforward hand-written channel provider would: read the slug attributes, notifyEvent, and on Accept
// accept in Connect, canCreateSession, createSession, one createTab on the flow's record. It does none of the
// rest (validation, de-duplication, retries, reload state, several tabs, search tabs), so it is a lower bound
// for the job's cost, and the comparison favours it.
//
// It records the same bench samples as the wasm bridge's src/metrics.rs (`window.__bridgeBench.samples`:
// `[start, duration, kind]`, kind 1 = a Streams contact callback, kind 4 = a CIF call leaving, measured from the
// start of the callback or promise continuation it was made in), so bench.mjs reads both the same way.
import "amazon-connect-streams";

const query = new URLSearchParams(location.search);
const bench = window.__bridgeBench;
const perf = performance;
let outerStart = null;

function record(start, kind) {
  if (!bench) return;
  const s = bench.samples;
  const at = 1 + s[0] * 3;
  if (at + 3 > s.length) return;
  s[at] = perf.timeOrigin + start;
  s[at + 1] = perf.now() - start;
  s[at + 2] = kind;
  s[0] += 1;
}

/** Runs `work` as one outermost span of `kind` (1: Streams callback, 2: anything else). */
function span(kind, work) {
  if (outerStart !== null) return work();
  outerStart = perf.now();
  try {
    return work();
  } finally {
    record(outerStart, kind);
    outerStart = null;
  }
}

function cif(method, ...args) {
  if (outerStart !== null) record(outerStart, 4);
  return window.Microsoft.CIFramework[method](...args);
}

const parse = (v) => (typeof v === "string" ? JSON.parse(v) : v);

const SLUGS = [
  "ms_customer_entity_name", "ms_contact_id", "ms_id", "ms_account_id", "ms_customer_name", "LookupSatus",
  "ms_session_template", "ms_notify_template", "CallReason", "ms_searchType", "ms_searchText", "CreateTimeline",
  "ms_activity_id", "ms_entityrecord_entity_name", "ms_entityrecord_record_id",
];

function templateParameters(contact) {
  const attributes = contact.getAttributes() || {};
  const p = {};
  for (const name of SLUGS) {
    const a = attributes[name];
    if (a && typeof a.value === "string" && a.value !== "") p[name] = a.value;
  }
  const connection = contact.getInitialConnection();
  const endpoint = connection && connection.getEndpoint();
  const phone = (endpoint && endpoint.phoneNumber) || "";
  const queue = contact.getQueue();
  p.customerName = p.ms_customer_name || phone;
  p.phoneNumber = phone;
  p.channel = contact.getType();
  p.queueName = (queue && queue.name) || "";
  p.contactId = contact.getContactId();
  return p;
}

const seen = new Set();

function onContact(contact) {
  span(1, () => {
    const id = contact.getContactId();
    if (seen.has(id)) return;
    seen.add(id);
    contact.onDestroy(() => seen.delete(id));
    if (!contact.isInbound()) return;
    const params = templateParameters(contact);
    const correlation = crypto.randomUUID();
    const token = crypto.randomUUID();
    const notify = cif("notifyEvent", {
      templateName: params.ms_notify_template || "extn_voice_notification",
      templateParameters: params,
      cancellationToken: token,
    }, correlation);
    notify.then((answer) => span(2, () => {
      const a = parse(answer) || {};
      if (a.actionName !== "Accept") return;
      contact.accept({});
      return cif("canCreateSession", correlation).then((can) => span(2, () => {
        if (!parse(can)) return;
        return cif("createSession", {
          templateName: params.ms_session_template || "extn_voice_identified_session",
          templateParameters: params,
        }, correlation).then(() => span(2, () => cif("createTab", {
          templateName: "extn_entity_record",
          templateParameters: {
            ...params,
            entityName: params.ms_entityrecord_entity_name || "phonecall",
            entityId: params.ms_entityrecord_record_id,
          },
          isFocused: true,
        }, correlation)));
      }));
    })).catch((e) => console.error("js-bridge:", e));
  });
}

function start() {
  window.Microsoft.CIFramework.getEnvironment().catch(() => {});
  connect.core.initCCP(document.getElementById("ccp"), {
    ccpUrl: query.get("ccpUrl"),
    loginPopup: false,
    softphone: { allowFramedSoftphone: true },
  });
  connect.contact(onContact);
}

window.addEventListener("CIFInitDone", start, { once: true });
const script = document.createElement("script");
script.src = query.get("ucilib");
script.dataset.crmurl = new URL(script.src).origin;
script.dataset.cifid = "CIFMainLibrary";
document.head.appendChild(script);
