// Why this file exists: when the bench's memory figure grows, the question is what the growth is made of and who
// holds it. From the two heap snapshots the bench writes (before and after the memory run) this says which kinds
// of objects grew, which strings (a value kept per contact shows up as a count near the number of contacts), and
// along which retaining paths from the GC roots the bytes sit — which is how the bench tells Streams' and the CIF
// library's own retention from the bridge's (`growthByHolder`).
//
// Usage: node bench/heap-diff.mjs DIR [--top N] [--depth STEPS]   (DIR holds before.heapsnapshot, after.heapsnapshot)

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Counts and self sizes per kind of node, and per string prefix. */
function summarise(file) {
  const snapshot = JSON.parse(fs.readFileSync(file, 'utf8'));
  const meta = snapshot.snapshot.meta;
  const fields = meta.node_fields;
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const typeNames = meta.node_types[typeAt];
  const { nodes, strings } = snapshot;
  const kinds = new Map();
  const texts = new Map();
  const add = (map, key, size) => {
    const entry = map.get(key) || { count: 0, size: 0 };
    entry.count += 1;
    entry.size += size;
    map.set(key, entry);
  };
  for (let i = 0; i < nodes.length; i += stride) {
    const type = typeNames[nodes[i + typeAt]];
    const name = strings[nodes[i + nameAt]];
    const size = nodes[i + sizeAt];
    const isText = type === 'string' || type === 'concatenated string' || type === 'sliced string';
    add(kinds, isText ? `(${type})` : `${type} ${name.slice(0, 80)}`, size);
    if (isText) add(texts, JSON.stringify(name.slice(0, 60)), size);
  }
  return { kinds, texts, total: nodes.length / stride };
}

function diff(before, after) {
  const rows = [];
  for (const [key, a] of after) {
    const b = before.get(key) || { count: 0, size: 0 };
    if (a.count !== b.count || a.size !== b.size) rows.push({ key, count: a.count - b.count, size: a.size - b.size });
  }
  for (const [key, b] of before) if (!after.has(key)) rows.push({ key, count: -b.count, size: -b.size });
  return rows;
}


/** Self sizes summed by retaining path: each node's shortest path from the GC roots (weak edges left out), as the
 *  property names along it, cut at `depth` and with digits written as 9, so that the same holder has the same path
 *  in two snapshots (node ids are not kept between them) and a map keyed by contact ids reads as one entry. */
export function byPath(file, depth) {
  const snapshot = JSON.parse(fs.readFileSync(file, 'utf8'));
  const meta = snapshot.snapshot.meta;
  const fields = meta.node_fields;
  const stride = fields.length;
  const [typeAt, nameAt, sizeAt, edgeCountAt] = ['type', 'name', 'self_size', 'edge_count'].map((f) => fields.indexOf(f));
  const edgeStride = meta.edge_fields.length;
  const [edgeTypeAt, edgeNameAt, edgeToAt] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f));
  const edgeTypes = meta.edge_types[edgeTypeAt];
  const typeNames = meta.node_types[typeAt];
  const { nodes, edges, strings } = snapshot;
  const count = nodes.length / stride;
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0, e = 0; i < count; i++) {
    firstEdge[i] = e;
    e += nodes[i * stride + edgeCountAt] * edgeStride;
  }
  firstEdge[count] = edges.length;
  const step = (e) => {
    const type = edgeTypes[edges[e + edgeTypeAt]];
    if (type === 'element' || type === 'hidden') return '[]';
    return `.${String(strings[edges[e + edgeNameAt]]).slice(0, 40).replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<uuid>').replace(/[0-9]+/g, '9')}`;
  };
  const pathOf = new Array(count);
  const levelOf = new Uint8Array(count);
  pathOf[0] = '';
  let frontier = [0];
  while (frontier.length) {
    const next = [];
    for (const v of frontier) {
      for (let e = firstEdge[v]; e < firstEdge[v + 1]; e += edgeStride) {
        const type = edgeTypes[edges[e + edgeTypeAt]];
        if (type === 'weak' || type === 'shortcut') continue;
        const to = edges[e + edgeToAt] / stride;
        if (pathOf[to] !== undefined) continue;
        levelOf[to] = Math.min(255, levelOf[v] + 1);
        pathOf[to] = levelOf[to] > depth ? pathOf[v] : pathOf[v] + step(e);
        next.push(to);
      }
    }
    frontier = next;
  }
  const sizes = new Map();
  for (let i = 0; i < count; i++) {
    const key = pathOf[i] === undefined ? '(unreachable)' : pathOf[i] || '(root)';
    const isText = typeNames[nodes[i * stride + typeAt]].includes('string');
    const entry = sizes.get(key) || { count: 0, size: 0 };
    entry.count += isText ? 0 : 1;
    entry.size += nodes[i * stride + sizeAt];
    sizes.set(key, entry);
  }
  return sizes;
}

/** Who holds what grew between the snapshots in `dir`, in bytes: Streams' media controllers (one kept per
 *  connection with media that was read while live, until read again once inactive), the CIF library's calls that
 *  were never answered (with the handlers hung on them), and all the rest — the bridge's share is in the rest. */
export function growthByHolder(dir) {
  const rows = diff(byPath(path.join(dir, 'before.heapsnapshot'), 8), byPath(path.join(dir, 'after.heapsnapshot'), 8));
  const streams = /\.(lily|connect)\.core\.mediaFactory(\.|$)/;
  const cif = /\.Microsoft\.CIFramework(\.|$)/;
  const out = { streamsMediaControllers: 0, cifLibraryCalls: 0, rest: 0, restLargest: [] };
  for (const r of rows) {
    if (streams.test(r.key)) out.streamsMediaControllers += r.size;
    else if (cif.test(r.key)) out.cifLibraryCalls += r.size;
    else out.rest += r.size;
  }
  out.restLargest = rows
    .filter((r) => !streams.test(r.key) && !cif.test(r.key))
    .sort((x, y) => y.size - x.size)
    .slice(0, 5)
    .map(({ key, size }) => ({ path: key, bytes: size }));
  return out;
}

function main() {
  const [dir, ...rest] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: node bench/heap-diff.mjs DIR [--top N] [--depth STEPS]');
    process.exit(2);
  }
  const option = (name, dflt) => (rest.indexOf(name) >= 0 ? Number(rest[rest.indexOf(name) + 1]) : dflt);
  const top = option('--top', 30);
  const depth = option('--depth', 14);
  const print = (title, rows) => {
    console.log(`\n${title}`);
    console.log(`${'count Δ'.padStart(9)} ${'bytes Δ'.padStart(10)}  kind`);
    for (const r of rows.slice(0, top)) console.log(`${String(r.count).padStart(9)} ${String(r.size).padStart(10)}  ${r.key}`);
  };
  const before = summarise(path.join(dir, 'before.heapsnapshot'));
  const after = summarise(path.join(dir, 'after.heapsnapshot'));
  console.log(`nodes: ${before.total} → ${after.total}`);
  const kinds = diff(before.kinds, after.kinds);
  print('kinds by bytes grown', [...kinds].sort((x, y) => y.size - x.size));
  print('kinds by count grown', [...kinds].sort((x, y) => y.count - x.count));
  print('strings by count grown (first 60 characters)', diff(before.texts, after.texts).sort((x, y) => y.count - x.count));
  print(`bytes by retaining path (cut at ${depth} steps; the count leaves strings out)`,
    diff(byPath(path.join(dir, 'before.heapsnapshot'), depth), byPath(path.join(dir, 'after.heapsnapshot'), depth)).sort((x, y) => y.size - x.size));
  console.log('\nby holder (bytes):', growthByHolder(dir));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
