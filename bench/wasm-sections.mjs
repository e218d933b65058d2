// Why this file exists: the bench's own look inside a .wasm file, so "what dominates the wasm" needs no tool that
// CI lacks (twiggy is used too when it is installed). It reads the binary's sections, sizes every function body,
// and — when the file still has a "name" section (the linker's output, before wasm-opt strips it) — adds the
// bodies up per crate (the first path segment of each demangled function name).

import fs from 'node:fs';

function leb(buf, pos) {
  let result = 0;
  let shift = 0;
  let byte;
  do {
    byte = buf[pos++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [result, pos];
}

const SECTION_NAMES = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount', 'tag'];

/** {total, sections: [{name, size}], functions: [{index, size, name}], importedFunctions} */
export function parseWasm(file) {
  const buf = fs.readFileSync(file);
  if (buf.readUInt32LE(0) !== 0x6d736100) throw new Error(`${file} is not a wasm module`);
  let pos = 8;
  const sections = [];
  let importedFunctions = 0;
  let bodies = [];
  const names = new Map();
  while (pos < buf.length) {
    const id = buf[pos++];
    let size;
    [size, pos] = leb(buf, pos);
    const start = pos;
    const end = pos + size;
    let name = SECTION_NAMES[id] || `section${id}`;
    if (id === 0) {
      let n;
      let p;
      [n, p] = leb(buf, pos);
      const custom = buf.subarray(p, p + n).toString('utf8');
      name = `custom:${custom}`;
      if (custom === 'name') readNames(buf, p + n, end, names);
    } else if (id === 2) {
      let count;
      let p;
      [count, p] = leb(buf, pos);
      for (let i = 0; i < count; i++) {
        let len;
        [len, p] = leb(buf, p); p += len; // module
        [len, p] = leb(buf, p); p += len; // field
        const kind = buf[p++];
        if (kind === 0) { [, p] = leb(buf, p); importedFunctions++; } else if (kind === 1) { p += 1; let f; [f, p] = leb(buf, p); [, p] = leb(buf, p); if (f & 1) [, p] = leb(buf, p); } else if (kind === 2) { let f; [f, p] = leb(buf, p); [, p] = leb(buf, p); if (f & 1) [, p] = leb(buf, p); } else if (kind === 3) { p += 2; } else if (kind === 4) { p += 1; [, p] = leb(buf, p); }
      }
    } else if (id === 10) {
      let count;
      let p;
      [count, p] = leb(buf, pos);
      bodies = [];
      for (let i = 0; i < count; i++) {
        let len;
        const at = p;
        [len, p] = leb(buf, p);
        bodies.push(p + len - at);
        p += len;
      }
    }
    sections.push({ name, size: end - start + 1 + (start - (start - 0)) });
    sections[sections.length - 1].size = end - start;
    pos = end;
  }
  const functions = bodies.map((size, i) => ({ index: importedFunctions + i, size, name: names.get(importedFunctions + i) || null }));
  return { total: buf.length, sections, functions, importedFunctions, hasNames: names.size > 0 };
}

function readNames(buf, pos, end, names) {
  while (pos < end) {
    const sub = buf[pos++];
    let size;
    [size, pos] = leb(buf, pos);
    const subEnd = pos + size;
    if (sub === 1) {
      let count;
      let p;
      [count, p] = leb(buf, pos);
      for (let i = 0; i < count; i++) {
        let idx;
        let len;
        [idx, p] = leb(buf, p);
        [len, p] = leb(buf, p);
        names.set(idx, buf.subarray(p, p + len).toString('utf8'));
        p += len;
      }
    }
    pos = subEnd;
  }
}

/** The crate a demangled Rust function name belongs to (best effort). */
export function crateOf(name) {
  if (!name) return '(unnamed)';
  if (name.startsWith('_ZN')) return legacyCrate(name);
  if (name.startsWith('_R')) return v0Crate(name);
  let s = name.replace(/^[<&\s]+/, '').replace(/^(mut|dyn|const)\s+/, '').replace(/^[<&\s]+/, '');
  if (/^(__wbg|__wbindgen|__externref|__wbg_)/.test(s)) return 'wasm_bindgen (generated)';
  const m = s.match(/^[A-Za-z_][A-Za-z0-9_]*/);
  if (!m) return '(other)';
  const c = m[0];
  if (['core', 'alloc', 'std', 'compiler_builtins', 'dlmalloc', 'hashbrown', 'memchr', 'ryu', 'itoa', 'serde', 'serde_core', 'serde_json', 'wasm_bindgen', 'wasm_bindgen_futures', 'js_sys', 'web_sys', 'gloo_timers', 'gloo_utils', 'gloo_events', 'gloo_storage', 'gloo_console', 'serde_wasm_bindgen', 'console_error_panic_hook', 'bridge_core', 'connect_cif_bridge', 'futures_util', 'futures_core', 'futures_channel', 'once_cell', 'rustc_demangle', 'unicode_ident', 'smallvec', 'indexmap'].includes(c)) return c;
  // generic instantiations named after a local type (e.g. `T as Trait`), or an unknown crate
  return /^[a-z_][a-z0-9_]*$/.test(c) ? c : '(generic/other)';
}

/** Summary for the report: section sizes, and code bytes per crate when names exist. */
export function summarizeWasm(file, top = 12) {
  const w = parseWasm(file);
  const code = w.functions.reduce((a, f) => a + f.size, 0);
  const byCrate = new Map();
  for (const f of w.functions) {
    const c = crateOf(f.name);
    byCrate.set(c, (byCrate.get(c) || 0) + f.size);
  }
  const crates = [...byCrate.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([crate, bytes]) => ({ crate, bytes, shareOfCode: +(bytes / code).toFixed(4) }));
  const largest = [...w.functions].sort((a, b) => b.size - a.size).slice(0, top)
    .map((f) => ({ name: f.name ? readable(f.name) : `func[${f.index}]`, crate: crateOf(f.name), bytes: f.size }));
  return {
    file,
    bytes: w.total,
    sections: w.sections.map((s) => ({ name: s.name, bytes: s.size })),
    functions: w.functions.length,
    codeBytes: code,
    hasNames: w.hasNames,
    byCrate: w.hasNames ? crates : null,
    largestFunctions: largest,
  };
}

/** Rust legacy mangling: `_ZN11bridge_core6bridge…` or `_ZN60_$LT$serde_json..ser…`. */
function legacyCrate(name) {
  const m = name.match(/^_ZN(\d+)/);
  if (!m) return '(other)';
  let comp = name.substr(3 + m[1].length, Number(m[1]));
  for (;;) {
    const next = comp.replace(/^(_|\$LT\$|\$RF\$|\$BP\$|\$u20\$|mut\$u20\$|dyn\$u20\$|const\$u20\$)/, '');
    if (next === comp) break;
    comp = next;
  }
  const id = comp.match(/^[A-Za-z_][A-Za-z0-9_]*/);
  return id ? id[0] : '(other)';
}

/** Rust v0 mangling: the first crate root `C[s<disambiguator>_]<len><ident>`. */
function v0Crate(name) {
  const re = /C(?:s[0-9A-Za-z]*_)?(\d+)([A-Za-z_][A-Za-z0-9_]*)/g;
  let m;
  while ((m = re.exec(name))) {
    const len = Number(m[1]);
    if (m[2].length >= len) return m[2].slice(0, len);
  }
  return '(other)';
}

/** A short readable form of a mangled name: its identifiers joined with `::` (legacy) or as given. */
function readable(name) {
  if (name.startsWith('_ZN')) {
    const parts = [];
    let p = 3;
    while (p < name.length && name[p] !== 'E') {
      const m = name.slice(p).match(/^(\d+)/);
      if (!m) break;
      p += m[1].length;
      parts.push(name.substr(p, Number(m[1])));
      p += Number(m[1]);
    }
    return parts.filter((x) => !/^h[0-9a-f]{16}$/.test(x)).join('::').replace(/\$LT\$/g, '<').replace(/\$GT\$/g, '>').replace(/\$RF\$/g, '&').replace(/\$u20\$/g, ' ').replace(/\.\./g, '::');
  }
  if (name.startsWith('_R')) {
    const ids = [...name.matchAll(/(\d+)([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[2].slice(0, Number(m[1]))).filter(Boolean);
    return ids.join('::');
  }
  return name;
}
