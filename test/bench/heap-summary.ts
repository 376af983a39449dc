// What holds a process's heap, from a V8 .heapsnapshot file (`bench:streams --heap-snapshot DIR`,
// or any node run with --heapsnapshot-signal): nodes grouped by type and constructor name, with
// their count and self size summed, largest first.
//
// "owned" adds to each group what hangs only off its members: a node with exactly one (strong)
// retainer is charged to that retainer, climbing until an object of a named constructor is
// reached. So a Map's hash table and a class's elements array count as theirs, a string held by
// one Entry counts as the Entry's. It is a cheap stand-in for retained size that is exact for
// tree-shaped data and never counts a shared node twice.
//
// The file is parsed from bytes, not with JSON.parse: a snapshot of a large heap is longer than
// the longest string V8 can build.
// Run: node --import tsx test/bench/heap-summary.ts FILE [--top N] [--retainers GROUP]
//   --retainers GROUP: who holds that group's nodes, e.g. "object Array", "string"

import { readFileSync } from 'node:fs';

interface Snapshot {
  readonly nodeFields: readonly string[];
  readonly nodeTypes: readonly string[];
  readonly edgeFields: readonly string[];
  readonly edgeTypes: readonly string[];
  readonly nodes: Float64Array;
  readonly edges: Float64Array;
  readonly strings: readonly string[];
}

/** The numbers of the JSON array that follows `"key":[` in `bytes`. */
function numberArray(bytes: Buffer, key: string): Float64Array {
  const start = bytes.indexOf(`"${key}":[`);
  if (start < 0) throw new Error(`no "${key}" array in the snapshot`);
  let at = start + key.length + 4;
  let out = new Float64Array(1 << 20);
  let length = 0;
  let value = 0;
  let inNumber = false;
  for (; ; at++) {
    const c = bytes[at]!;
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      inNumber = true;
      continue;
    }
    if (inNumber) {
      if (length === out.length) {
        const grown = new Float64Array(out.length * 2);
        grown.set(out);
        out = grown;
      }
      out[length++] = value;
      value = 0;
      inNumber = false;
    }
    if (c === 93) break; // ']'
  }
  return out.subarray(0, length);
}

/** The JSON value that starts right after `"key":` (an object or array without nested strings of brackets). */
function jsonValue(bytes: Buffer, key: string, from = 0): unknown {
  const start = bytes.indexOf(`"${key}":`, from);
  if (start < 0) throw new Error(`no "${key}" in the snapshot`);
  const open = start + key.length + 3;
  const close = bytes[open] === 91 ? 93 : 125;
  let depth = 0;
  let inString = false;
  for (let at = open; at < bytes.length; at++) {
    const c = bytes[at]!;
    if (inString) {
      if (c === 92) at++;
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === bytes[open]) depth++;
    else if (c === close && --depth === 0) return JSON.parse(bytes.toString('utf8', open, at + 1));
  }
  throw new Error(`unterminated "${key}"`);
}

/** The strings table, parsed a slice at a time (it alone can pass V8's string length limit). */
function stringsTable(bytes: Buffer): string[] {
  const start = bytes.lastIndexOf('"strings":[');
  const out: string[] = [];
  let at = start + '"strings":['.length;
  while (bytes[at] !== 93) {
    while (bytes[at] !== 34) at++;
    let end = at + 1;
    while (bytes[end] !== 34) end += bytes[end] === 92 ? 2 : 1;
    out.push(JSON.parse(bytes.toString('utf8', at, end + 1)) as string);
    at = end + 1;
    while (bytes[at] === 44 || bytes[at] === 10 || bytes[at] === 13 || bytes[at] === 32) at++;
  }
  return out;
}

export function readSnapshot(file: string): Snapshot {
  const bytes = readFileSync(file);
  const meta = jsonValue(bytes, 'meta') as { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] };
  return {
    nodeFields: meta.node_fields,
    nodeTypes: meta.node_types[0],
    edgeFields: meta.edge_fields,
    edgeTypes: meta.edge_types[0],
    nodes: numberArray(bytes, 'nodes'),
    edges: numberArray(bytes, 'edges'),
    strings: stringsTable(bytes),
  };
}

export interface Group {
  readonly key: string;
  count: number;
  self: number;
  owned: number;
}

/** Where each field sits in the snapshot's flat node and edge arrays. */
function layoutOf({ nodeFields, edgeFields }: Snapshot) {
  return {
    nodeWidth: nodeFields.length,
    edgeWidth: edgeFields.length,
    typeAt: nodeFields.indexOf('type'),
    nameAt: nodeFields.indexOf('name'),
    sizeAt: nodeFields.indexOf('self_size'),
    edgeCountAt: nodeFields.indexOf('edge_count'),
    edgeTypeAt: edgeFields.indexOf('type'),
    edgeNameAt: edgeFields.indexOf('name_or_index'),
    edgeToAt: edgeFields.indexOf('to_node'),
  };
}

/** Groups by "type name" (objects and closures by constructor); see the header for "owned". */
export function summarize(snapshot: Snapshot): Group[] {
  const { nodes, edges, strings, nodeTypes, edgeTypes } = snapshot;
  const { nodeWidth, edgeWidth, typeAt, nameAt, sizeAt, edgeCountAt, edgeTypeAt, edgeToAt } = layoutOf(snapshot);
  const weak = edgeTypes.indexOf('weak');
  const shortcut = edgeTypes.indexOf('shortcut');
  const count = nodes.length / nodeWidth;
  const named = new Set(['object', 'closure', 'regexp'].map((t) => nodeTypes.indexOf(t)));

  // The one strong retainer of each node (-1: none yet, -2: more than one).
  const retainer = new Int32Array(count).fill(-1);
  let edge = 0;
  for (let n = 0; n < count; n++) {
    const edgeCount = nodes[n * nodeWidth + edgeCountAt]!;
    for (let e = 0; e < edgeCount; e++, edge += edgeWidth) {
      const type = edges[edge + edgeTypeAt]!;
      if (type === weak || type === shortcut) continue;
      const to = edges[edge + edgeToAt]! / nodeWidth;
      if (to === n) continue;
      retainer[to] = retainer[to] === -1 ? n : retainer[to] === n ? n : -2;
    }
  }

  const groupOf = new Int32Array(count);
  const groups: Group[] = [];
  const byKey = new Map<string, number>();
  for (let n = 0; n < count; n++) {
    const type = nodeTypes[nodes[n * nodeWidth + typeAt]!]!;
    const name = strings[nodes[n * nodeWidth + nameAt]!]!;
    const key = named.has(nodes[n * nodeWidth + typeAt]!) ? `${type} ${name}` : type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number' || type === 'bigint' ? type : `${type} ${name.slice(0, 60)}`;
    let g = byKey.get(key);
    if (g === undefined) {
      g = groups.length;
      groups.push({ key, count: 0, self: 0, owned: 0 });
      byKey.set(key, g);
    }
    groupOf[n] = g;
    const group = groups[g]!;
    group.count++;
    group.self += nodes[n * nodeWidth + sizeAt]!;
  }

  // Charge each node to the nearest named object above it along single-retainer links.
  for (let n = 0; n < count; n++) {
    let owner = n;
    for (let hops = 0; hops < 64 && !named.has(nodes[owner * nodeWidth + typeAt]!); hops++) {
      const up = retainer[owner]!;
      if (up < 0) break;
      owner = up;
    }
    groups[groupOf[owner]!]!.owned += nodes[n * nodeWidth + sizeAt]!;
  }
  return groups;
}

/**
 * Who holds the members of one group: their self size summed by the retainer's group and the
 * edge's name (element indexes as "[]"), over every strong edge into them.
 */
export function retainersOf(snapshot: Snapshot, groupKey: string): Array<{ key: string; count: number; self: number }> {
  const { nodes, edges, strings, nodeTypes, edgeTypes } = snapshot;
  const { nodeWidth, edgeWidth, typeAt, nameAt, sizeAt, edgeCountAt, edgeTypeAt, edgeNameAt, edgeToAt } = layoutOf(snapshot);
  const byName = new Set(['element', 'hidden'].map((t) => edgeTypes.indexOf(t)));
  const skip = new Set(['weak', 'shortcut'].map((t) => edgeTypes.indexOf(t)));
  const keyOf = (n: number): string => `${nodeTypes[nodes[n * nodeWidth + typeAt]!]} ${strings[nodes[n * nodeWidth + nameAt]!]!.slice(0, 60)}`;
  const out = new Map<string, { key: string; count: number; self: number }>();
  let edge = 0;
  for (let n = 0; n < nodes.length / nodeWidth; n++) {
    const edgeCount = nodes[n * nodeWidth + edgeCountAt]!;
    for (let e = 0; e < edgeCount; e++, edge += edgeWidth) {
      const type = edges[edge + edgeTypeAt]!;
      if (skip.has(type)) continue;
      const to = edges[edge + edgeToAt]! / nodeWidth;
      const target = keyOf(to);
      if (target !== groupKey && !target.startsWith(`${groupKey} `) && target.split(' ')[0] !== groupKey) continue;
      const edgeName = byName.has(type) ? '[]' : strings[edges[edge + edgeNameAt]!]!;
      const key = `${keyOf(n)} .${edgeName}`;
      const row = out.get(key) ?? { key, count: 0, self: 0 };
      row.count++;
      row.self += nodes[to * nodeWidth + sizeAt]!;
      out.set(key, row);
    }
  }
  return [...out.values()].sort((a, b) => b.self - a.self);
}

function main(): void {
  const args = process.argv.slice(2);
  const file = args.find((arg) => !arg.startsWith('--'));
  if (file === undefined) throw new Error('usage: heap-summary.ts FILE [--top N] [--retainers GROUP]');
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 40;
  const snapshot = readSnapshot(file);
  const retainersAt = args.indexOf('--retainers');
  if (retainersAt >= 0) {
    const group = args[retainersAt + 1]!;
    console.log(`retainers of "${group}":\n      self       count  retainer .edge`);
    for (const row of retainersOf(snapshot, group).slice(0, top)) {
      console.log(`${(row.self / 1024 / 1024).toFixed(1).padStart(8)} ${row.count.toLocaleString('en-US').padStart(11)}  ${row.key}`);
    }
    return;
  }
  const groups = summarize(snapshot);
  const total = groups.reduce((sum, group) => sum + group.self, 0);
  const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1).padStart(8);
  console.log(`${file}: ${(snapshot.nodes.length / snapshot.nodeFields.length).toLocaleString('en-US')} nodes, ${mib(total).trim()} MiB self size`);
  for (const [label, by] of [['by owned size', 'owned'], ['by self size', 'self']] as const) {
    console.log(`\n${label}:\n     owned     self       count  group`);
    for (const group of [...groups].sort((a, b) => b[by] - a[by]).slice(0, top)) {
      console.log(`${mib(group.owned)} ${mib(group.self)} ${group.count.toLocaleString('en-US').padStart(11)}  ${group.key}`);
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) main();
