// The JSON text of a value CIF or Streams handed to the page, converted faithfully: a `Map` becomes an object
// (JSON.stringify alone turns it into `{}`, which hid CIF's time-limit rejection), a `Set` an array, an `Error`
// its name, message and own fields. Nothing is interpreted here: the Rust core judges every value.
// Bounded (depth, entries) and cycle-safe, so a hostile value cannot hang or blow the page up.

const MAX_DEPTH = 32;
const MAX_ENTRIES = 10000;
const NO_LIMITS = { entries: MAX_ENTRIES, chars: Infinity };

const tag = (v) => Object.prototype.toString.call(v);

// `limits`: at most `entries` per object or array (never more than MAX_ENTRIES), strings cut at `chars`.
export function plain(v, depth, seen, limits = NO_LIMITS) {
  if (v === undefined || v === null) return null;
  switch (typeof v) {
    case 'string':
      return v.length > limits.chars ? v.slice(0, limits.chars) : v;
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'bigint':
      return v.toString();
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  if (depth > MAX_DEPTH) return '[too deep]';
  if (seen.has(v)) return '[cycle]';
  seen.add(v);
  try {
    const kind = tag(v);
    if (kind === '[object Map]') {
      const out = {};
      let n = 0;
      for (const [key, value] of v) {
        if (++n > limits.entries) break;
        out[typeof key === 'string' ? key : String(key)] = plain(value, depth + 1, seen, limits);
      }
      return out;
    }
    if (kind === '[object Set]' || Array.isArray(v)) {
      return Array.from(v, (x) => plain(x, depth + 1, seen, limits) ?? null).slice(0, limits.entries);
    }
    const out = {};
    if (kind === '[object Error]' || v instanceof Error) {
      out.name = String(v.name);
      out.message = String(v.message);
    } else if (typeof v.toJSON === 'function') {
      return plain(v.toJSON(), depth + 1, seen, limits);
    }
    for (const key of Object.keys(v).slice(0, limits.entries)) {
      const value = plain(v[key], depth + 1, seen, limits);
      if (value !== undefined) out[key] = value;
    }
    return out;
  } finally {
    seen.delete(v);
  }
}

// `null` when even this fails (a getter that throws, a revoked proxy): the caller falls back to the value's text.
export function plainJson(value) {
  try {
    return JSON.stringify(plain(value, 0, new Set())) ?? 'null';
  } catch (_) {
    return null;
  }
}
