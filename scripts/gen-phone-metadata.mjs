#!/usr/bin/env node
// Generates click-to-dial's numbering-plan table and its agreement fixture from libphonenumber-js's metadata
// (the exact version pinned in package.json's devDependencies):
//
//   crates/bridge-core/src/phone/plans.txt          one line per country calling code (see FORMAT below)
//   crates/bridge-core/tests/spec/fixtures/phone-numbers.json
//       real-format numbers (mobile examples shipped by libphonenumber-js; fixed-line numbers drawn with a fixed
//       seed from libphonenumber-js's fixed-line patterns and kept only when libphonenumber-js calls them valid
//       fixed-line numbers), each written in several ways people type them, with libphonenumber-js's own result
//
// Usage:  node scripts/gen-phone-metadata.mjs           write both files
//         node scripts/gen-phone-metadata.mjs --check   exit 1 if the committed files differ from what it makes now
//
// FORMAT of plans.txt (one line per calling code, fields separated by ';'):
//   calling code ; main region ; possible national-number lengths (hex bit mask, bit n = n digits, of the
//   main region) ; international (exit) prefix pattern ; national prefix for parsing pattern ;
//   national prefix transform rule ; the pattern every national number matches, only where the national
//   prefix can also begin a national number (libphonenumber then keeps the prefix when the whole matches and the
//   rest does not; elsewhere the check never changes the result, so the table does not carry the pattern)
// The patterns are libphonenumber's own, limited to digits, \d, [classes], (?:…) and (…) groups, |, ?, {n},
// {n,m} and $; the generator refuses anything else, so the core's small matcher always understands them.

import { createRequire } from 'node:module';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { Metadata, parsePhoneNumberWithError } = require('libphonenumber-js/core');
const metadataJson = require('libphonenumber-js/metadata.max.json');
const mobileExamples = require('libphonenumber-js/examples.mobile.json');
const libVersion = require('libphonenumber-js/package.json').version;

export const PLANS_PATH = 'crates/bridge-core/src/phone/plans.txt';
export const FIXTURE_PATH = 'crates/bridge-core/tests/spec/fixtures/phone-numbers.json';
const COMMAND = 'node scripts/gen-phone-metadata.mjs';

// ---------------------------------------------------------------- the pattern subset

/** Parses a libphonenumber pattern in the subset the core understands; throws on anything else. */
export function parsePattern(src) {
  let i = 0;
  let groups = 0;
  const fail = (why) => {
    throw new Error(`pattern ${JSON.stringify(src)}: ${why} at ${i}`);
  };
  function alternation() {
    const alts = [sequence()];
    while (src[i] === '|') {
      i++;
      alts.push(sequence());
    }
    return alts;
  }
  function sequence() {
    const items = [];
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      let atom;
      const c = src[i];
      if (c >= '0' && c <= '9') {
        atom = { cls: [c] };
        i++;
      } else if (src.startsWith('\\d', i)) {
        atom = { cls: [...'0123456789'] };
        i += 2;
      } else if (c === '[') {
        i++;
        const set = new Set();
        while (src[i] !== ']') {
          const a = src[i];
          if (!(a >= '0' && a <= '9')) fail('class member');
          if (src[i + 1] === '-' && src[i + 2] !== ']') {
            const b = src[i + 2];
            if (!(b >= a && b <= '9')) fail('class range');
            for (let d = +a; d <= +b; d++) set.add(String(d));
            i += 3;
          } else {
            set.add(a);
            i++;
          }
        }
        i++;
        atom = { cls: [...set].sort() };
      } else if (c === '(') {
        i++;
        let capture = null;
        if (src.startsWith('?:', i)) i += 2;
        else capture = ++groups;
        const alts = alternation();
        if (src[i] !== ')') fail('unclosed group');
        i++;
        atom = { group: alts, capture };
      } else if (c === '$') {
        atom = { end: true };
        i++;
      } else fail(`unsupported ${JSON.stringify(c)}`);
      if (src[i] === '?') {
        atom = { rep: atom, min: 0, max: 1 };
        i++;
      } else if (src[i] === '{') {
        const m = /^\{(\d+)(?:,(\d+))?\}/.exec(src.slice(i));
        if (!m) fail('quantifier');
        atom = { rep: atom, min: +m[1], max: m[2] === undefined ? +m[1] : +m[2] };
        i += m[0].length;
      }
      if (src[i] === '?' || src[i] === '*' || src[i] === '+' || src[i] === '{') fail('quantifier');
      items.push(atom);
    }
    return items;
  }
  const alts = alternation();
  if (i !== src.length) fail('trailing text');
  return { alts, groups };
}

/** The digits a non-empty match of the parsed alternatives can start with. */
function firstDigits(alts) {
  const atom = (a) => {
    if (a.cls) return [new Set(a.cls), false];
    if (a.end) return [new Set(), true];
    if (a.group) return [firstDigits(a.group), a.group.some((seq) => seq.every((x) => atom(x)[1]))];
    const [f, empty] = atom(a.rep);
    return [f, empty || a.min === 0];
  };
  const out = new Set();
  for (const seq of alts) {
    for (const it of seq) {
      const [f, empty] = atom(it);
      f.forEach((d) => out.add(d));
      if (!empty) break;
    }
  }
  return out;
}

/** A string matching the parsed pattern, drawn with `rand` (fixed-line numbers for the fixture). */
function sample(node, rand) {
  const pick = (n) => Math.floor(rand() * n);
  const seq = (items) => items.map((it) => atom(it)).join('');
  const atom = (a) => {
    if (a.cls) return a.cls[pick(a.cls.length)];
    if (a.end) return '';
    if (a.group) return seq(a.group[pick(a.group.length)]);
    const n = a.min + pick(a.max - a.min + 1);
    let s = '';
    for (let k = 0; k < n; k++) s += atom(a.rep);
    return s;
  };
  return seq(node.alts[pick(node.alts.length)]);
}

/** A small deterministic PRNG (mulberry32), so the fixture is the same on every run. */
function mulberry32(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------- the table

function plan(m, key) {
  m.selectNumberingPlan(key);
  return m.numberingPlan;
}

/** Every calling code: [code, main region, its numbering plan, all regions sharing it]. */
function callingCodes() {
  const m = new Metadata(metadataJson);
  const out = [];
  for (const [cc, regions] of Object.entries(metadataJson.country_calling_codes)) {
    out.push({ cc, main: regions[0], regions });
  }
  for (const cc of Object.keys(metadataJson.nonGeographic || {})) {
    if (!metadataJson.country_calling_codes[cc]) out.push({ cc, main: '001', regions: [] });
  }
  out.sort((a, b) => a.cc.length - b.cc.length || a.cc.localeCompare(b.cc));
  return out.map((c) => {
    const p = c.main === '001' ? plan(m, c.cc) : plan(m, c.main);
    const main = {
      idd: p.IDDPrefix() || '',
      npfp: p.nationalPrefixForParsing() || '',
      transform: p.nationalPrefixTransformRule() || '',
      national: '',
    };
    if (main.npfp) {
      const nsnFirst = firstDigits(parsePattern(p.nationalNumberPattern()).alts);
      if ([...firstDigits(parsePattern(main.npfp).alts)].some((d) => nsnFirst.has(d))) {
        main.national = p.nationalNumberPattern();
      }
    }
    // The main region's lengths: libphonenumber checks a national number against its default country, and the
    // other regions sharing a code allow no more (except Canada's 7-digit local-only numbers, which a +1
    // default must not dial).
    let mask = 0;
    for (const n of p.possibleLengths() || []) mask |= 1 << n;
    return { ...c, ...main, mask };
  });
}

function plansText(codes) {
  const lines = [
    `# GENERATED by \`${COMMAND}\` from libphonenumber-js ${libVersion} (metadata.max.json); do not edit.`,
    '# calling code;main region;possible national lengths (hex, bit n = n digits);exit prefix;national prefix for parsing;transform;national number pattern (where needed)',
  ];
  for (const c of codes) {
    for (const p of [c.idd, c.npfp, c.national]) if (p) parsePattern(p);
    if (c.transform && !/^\d*\$[12]$/.test(c.transform)) throw new Error(`transform ${c.transform} of +${c.cc}`);
    if (/[;\n]/.test(c.idd + c.npfp + c.transform + c.national)) throw new Error(`separator in +${c.cc}`);
    lines.push([c.cc, c.main, c.mask.toString(16), c.idd, c.npfp, c.transform, c.national].join(';'));
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------- the fixture

/** libphonenumber-js's reading of `input` with the main region of `cc` as default country. */
function libphonenumber(input, mainRegion) {
  try {
    const n = parsePhoneNumberWithError(input, { defaultCountry: mainRegion, extract: false }, metadataJson);
    if (!n.isPossible()) return { refused: 'not a possible length' };
    return n.ext ? { e164: n.number, ext: n.ext } : { e164: n.number };
  } catch (e) {
    return { refused: e.message };
  }
}

function fixedLine(m, region, rand) {
  const type = plan(m, region).type('FIXED_LINE');
  if (!type || !type.pattern()) return null;
  let node;
  try {
    node = parsePattern(type.pattern());
  } catch {
    return null;
  }
  for (let attempt = 0; attempt < 40; attempt++) {
    const nsn = sample(node, rand);
    try {
      const n = parsePhoneNumberWithError(`+${plan(m, region).callingCode()}${nsn}`, metadataJson);
      const t = n.getType();
      if (n.country === region && n.isValid() && (t === 'FIXED_LINE' || t === 'FIXED_LINE_OR_MOBILE')) return nsn;
    } catch {
      // drawn from the pattern but not a number libphonenumber accepts: draw again
    }
  }
  return null;
}

function fixture(codes) {
  const m = new Metadata(metadataJson);
  const rand = mulberry32(14);
  const mainOf = Object.fromEntries(codes.map((c) => [c.cc, c.main]));
  const geographic = codes.filter((c) => c.main !== '001');
  const cases = [];
  const add = (input, cc, shape, region, type) => {
    const main = mainOf[cc];
    const want = libphonenumber(input, main === '001' ? undefined : main);
    cases.push({ input, cc, shape, region, type, ...want });
  };
  // The issue's own cases first.
  add('06 6982 1234', '39', 'nat', 'IT', 'issue');
  add('0011 44 20 7946 0018', '61', 'exit', 'GB', 'issue');
  add('0011 39 06 6982 1234', '61', 'exit', 'IT', 'issue');
  add('123456789', '1', 'digits', 'US', 'issue');
  add('020 7946 0018', '44', 'nat', 'GB', 'issue');
  add('021 123 4567', '64', 'nat', 'NZ', 'issue');

  const regions = Object.keys(metadataJson.countries).sort();
  let k = 0;
  for (const region of regions) {
    const cc = plan(m, region).callingCode();
    const numbers = [];
    if (mobileExamples[region]) numbers.push(['mobile', mobileExamples[region]]);
    const fixed = fixedLine(m, region, rand);
    if (fixed && fixed !== mobileExamples[region]) numbers.push(['fixed', fixed]);
    for (const [type, nsn] of numbers) {
      let n;
      try {
        n = parsePhoneNumberWithError(`+${cc}${nsn}`, metadataJson);
      } catch {
        continue;
      }
      const intl = n.formatInternational();
      const national = n.formatNational();
      // Someone else's country, whose exit prefix the number is dialled with.
      const from = geographic[(k * 7 + 3) % geographic.length];
      k++;
      add(intl, from.cc === cc ? '1' : from.cc, 'intl', region, type);
      add(national, cc, 'nat', region, type);
      add(national.replace(/\D/g, ''), cc, 'digits', region, type);
      if (national.replace(/\D/g, '') !== nsn) add(nsn, cc, 'nsn', region, type);
      if (from.cc !== cc) {
        let idd;
        try {
          idd = n.format('IDD', { fromCountry: from.main });
        } catch {
          idd = null;
        }
        if (idd) add(idd, from.cc, 'exit', region, type);
      }
      switch (k % 5) {
        case 0:
          add(`${national} ext. ${100 + (k % 900)}`, cc, 'nat-ext', region, type);
          break;
        case 1:
          add(`${intl} x${10 + (k % 90)}`, '1', 'intl-ext', region, type);
          break;
        case 2:
          add(intl.slice(1), cc, 'no-plus', region, type);
          break;
        case 3:
          if (national.replace(/\D/g, '') === `0${nsn}`) {
            add(intl.replace(' ', ' (0)'), cc, '(0)', region, type);
            break;
          }
        // falls through: no trunk 0 to show

        default:
          add(national.replace(/\d(?=\D*$)/, ''), cc, 'short', region, type);
      }
    }
  }
  return cases;
}

function fixtureText(cases) {
  const countries = new Set(cases.map((c) => c.region));
  const head = {
    generated: `by \`${COMMAND}\` from libphonenumber-js ${libVersion}; do not edit`,
    cases: cases.length,
    numbers: new Set(cases.map((c) => `${c.region} ${c.type} ${c.type === 'issue' ? c.input : ''}`)).size,
    countries: countries.size,
    columns: [
      'input: what a Dynamics phone field holds',
      'cc: defaultCountryCode',
      'libphonenumber-js reading input with the main region of cc as default country (parsePhoneNumberWithError, extract: false, then isPossible()): E.164, or ! and why it gives no dialable number',
      'ext: the extension it found, or null',
      'region the number belongs to',
      'type: mobile (libphonenumber-js example), fixed (drawn from its fixed-line pattern, valid by it), issue (the cases the click-to-dial requirement names)',
      'shape: intl, nat (national format), digits (national digits only), nsn (without the trunk prefix), exit (dialled with another country\'s exit prefix), nat-ext / intl-ext (with an extension), no-plus (international without +), (0) (+cc (0) ...), short (national, last digit dropped)',
    ],
  };
  const row = (c) => [c.input, c.cc, c.e164 || `!${c.refused}`, c.ext || null, c.region, c.type, c.shape];
  const body = cases.map((c) => JSON.stringify(row(c))).join(',\n');
  return `{\n"about": ${JSON.stringify(head, null, 1)},\n"cases": [\n${body}\n]\n}\n`;
}

export function generate() {
  const codes = callingCodes();
  return { [PLANS_PATH]: plansText(codes), [FIXTURE_PATH]: fixtureText(fixture(codes)) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = generate();
  const check = process.argv.includes('--check');
  let stale = false;
  for (const [path, text] of Object.entries(files)) {
    const full = join(ROOT, path);
    if (check) {
      let now = null;
      try {
        now = readFileSync(full, 'utf8');
      } catch {
        // missing counts as stale
      }
      if (now !== text) {
        console.error(`${path} is not what ${COMMAND} makes now`);
        stale = true;
      }
    } else {
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
      console.log(`wrote ${path} (${Buffer.byteLength(text)} bytes)`);
    }
  }
  process.exit(stale ? 1 : 0);
}
