// Click-to-dial's numbering-plan table and its agreement fixture are generated from the
// libphonenumber-js version pinned in package.json. This fails when the committed files are not what
// `node scripts/gen-phone-metadata.mjs` makes now (the table was edited by hand, or the pin moved without
// regenerating), and checks that the generator refuses patterns the core's matcher would not understand.
// Run: node --test tests/phone/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { generate, parsePattern, PLANS_PATH, FIXTURE_PATH } from '../../scripts/gen-phone-metadata.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

test('the committed table and fixture are what the generator makes now', () => {
  const files = generate();
  for (const path of [PLANS_PATH, FIXTURE_PATH]) {
    const committed = readFileSync(join(ROOT, path), 'utf8');
    assert.ok(committed === files[path], `${path} differs: run node scripts/gen-phone-metadata.mjs`);
  }
});

test('the table is generated from the exact pinned libphonenumber-js', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const pinned = pkg.devDependencies['libphonenumber-js'];
  assert.match(pinned, /^\d+\.\d+\.\d+$/, 'an exact version, not a range');
  assert.equal(require('libphonenumber-js/package.json').version, pinned);
  assert.ok(readFileSync(join(ROOT, PLANS_PATH), 'utf8').includes(`libphonenumber-js ${pinned} `));
});

test('the pattern subset refuses what the core cannot match', () => {
  for (const ok of ['00', '0|180020', '001[14-689]|14(?:1[14]|34)0011', '([59]\\d{7})$|0', '0(1\\d)?', '\\d{4,6}']) {
    assert.doesNotThrow(() => parsePattern(ok), ok);
  }
  for (const bad of ['0+', '0*', 'a', '(?=0)', '\\s', '[^0]', '0{2', '0??', '.']) {
    assert.throws(() => parsePattern(bad), bad);
  }
});

test('the fixture covers many countries, both number types and every shape', () => {
  const fixture = JSON.parse(readFileSync(join(ROOT, FIXTURE_PATH), 'utf8'));
  const cases = fixture.cases;
  assert.ok(fixture.about.countries >= 200 && cases.length >= 1000);
  const types = new Set(cases.map((c) => c[5]));
  const shapes = new Set(cases.map((c) => c[6]));
  for (const t of ['mobile', 'fixed', 'issue']) assert.ok(types.has(t), t);
  for (const s of ['intl', 'nat', 'digits', 'nsn', 'exit', 'nat-ext', 'intl-ext', 'no-plus', '(0)', 'short']) {
    assert.ok(shapes.has(s), s);
  }
});
