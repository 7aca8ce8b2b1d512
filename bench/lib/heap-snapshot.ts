/**
 * Reads a V8 heap snapshot (`.heapsnapshot`, the format of `v8.writeHeapSnapshot`) far enough to
 * say what grew between two snapshots of one process: every node gets a label, and the bytes of
 * the nodes only in the later snapshot, minus those only in the earlier one, are summed by label.
 * Node ids are stable across snapshots of one isolate, so "new" is "id not seen before".
 *
 * Labels say what holds the bytes, not only what they are:
 * - an object: its constructor (`Socket`, `Map`); a plain `Object`/`Array`/`Map`/`Set` also names
 *   the property it hangs from (`Object ← Socket.data`);
 * - a closure: its function name and source location (`closure onPacket connection-limits.ts:42`,
 *   the line of the code V8 ran, which for a transpiled file (tsx) is near, not at, the source line);
 *   its context (`system / Context`) is labelled after the closure that holds it;
 * - anything internal (backing arrays, strings, numbers, code): `(type) ← owner.edge`, the owner
 *   labelled the same way, up to a few hops.
 * @see https://v8.dev/docs/memory-leaks (the snapshot format: meta, nodes, edges, strings, locations)
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface RawSnapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
      location_fields?: string[];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
  locations?: number[];
}

/** Per label: bytes (self size) and node count. */
export type Grouped = Map<string, { bytes: number; count: number }>;

/** id → [label, self size] of every node of a snapshot. */
export interface LabelledSnapshot {
  ids: Map<number, number>;
  labels: string[];
  sizes: Float64Array;
  totalBytes: number;
}

const GENERIC = new Set(['Object', 'Array', 'Map', 'Set', 'WeakMap', 'Promise', 'system / Context']);
const WEAK_EDGE = 'weak';

export function readSnapshot(path: string): LabelledSnapshot {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as RawSnapshot;
  const { meta } = raw.snapshot;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const nType = meta.node_fields.indexOf('type');
  const nName = meta.node_fields.indexOf('name');
  const nId = meta.node_fields.indexOf('id');
  const nSize = meta.node_fields.indexOf('self_size');
  const nEdges = meta.node_fields.indexOf('edge_count');
  const eType = meta.edge_fields.indexOf('type');
  const eName = meta.edge_fields.indexOf('name_or_index');
  const eTo = meta.edge_fields.indexOf('to_node');
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const { nodes, edges, strings } = raw;
  const count = nodes.length / nf;

  const type = (i: number) => nodeTypes[nodes[i * nf + nType]!]!;
  const name = (i: number) => strings[nodes[i * nf + nName]!]!;
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0, e = 0; i < count; i++) {
    firstEdge[i] = e;
    e += nodes[i * nf + nEdges]! * ef;
  }
  firstEdge[count] = edges.length;
  // Slots of a backing store (array indices, a Map's or WeakMap's table entries) are all one '[]':
  // per-entry names would split one Map's entries into a row each.
  const edgeName = (e: number) => {
    const t = edgeTypes[edges[e + eType]!]!;
    if (t === 'element' || t === 'hidden') return '[]';
    const name = strings[edges[e + eName]!]!;
    return /^\d+$/.test(name) || name.includes(' / part of key') ? '[]' : name;
  };

  // The first strong retainer of each node (enough to name an owner).
  const retainer = new Int32Array(count).fill(-1);
  const retainerEdge = new Int32Array(count).fill(-1);
  for (let i = 0; i < count; i++) {
    for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += ef) {
      if (edgeTypes[edges[e + eType]!] === WEAK_EDGE) continue;
      const to = edges[e + eTo]! / nf;
      if (retainer[to] === -1) {
        retainer[to] = i;
        retainerEdge[to] = e;
      }
    }
  }

  // Closures: name + script + line, through closure → shared → script → name.
  const childByEdge = (i: number, wanted: string) => {
    for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += ef) if (edgeName(e) === wanted) return edges[e + eTo]! / nf;
    return -1;
  };
  const lineOf = new Map<number, string>();
  if (raw.locations && meta.location_fields) {
    const lf = meta.location_fields.length;
    const lObj = meta.location_fields.indexOf('object_index');
    const lLine = meta.location_fields.indexOf('line');
    const lColumn = meta.location_fields.indexOf('column');
    for (let l = 0; l < raw.locations.length; l += lf)
      lineOf.set(raw.locations[l + lObj]! / nf, `${raw.locations[l + lLine]! + 1}:${raw.locations[l + lColumn]! + 1}`);
  }
  const scriptNames = new Map<number, string>();
  const closureLabel = (i: number) => {
    const shared = childByEdge(i, 'shared');
    const script = shared >= 0 ? childByEdge(shared, 'script_or_debug_info') : -1;
    let file = '';
    if (script >= 0) {
      let cached = scriptNames.get(script);
      if (cached === undefined) {
        cached = type(script) === 'code' && name(script).includes('/') ? shortFile(name(script)) : '';
        scriptNames.set(script, cached);
      }
      file = cached;
    }
    const at = lineOf.get(i);
    return `closure ${name(i) || '(anonymous)'} ${file}${at ? `:${at}` : ''}`;
  };

  const labels: string[] = new Array(count);
  const ownLabel = (i: number, depth: number): string => {
    const t = type(i);
    if (t === 'closure') return closureLabel(i);
    if (t === 'object' && !GENERIC.has(name(i))) return name(i);
    if (t === 'object' && name(i) === 'system / Context') {
      // A context belongs to the closures that share it: name the first.
      const owner = retainer[i]!;
      return owner >= 0 && depth < 4 ? `Context ← ${ownLabel(owner, depth + 1)}` : 'Context';
    }
    const what = t === 'object' ? name(i) : `(${t})`;
    const owner = retainer[i]!;
    if (owner < 0 || depth >= 3) return what;
    return `${what} ← ${ownLabel(owner, depth + 1)}.${edgeName(retainerEdge[i]!)}`;
  };
  const ids = new Map<number, number>();
  const sizes = new Float64Array(count);
  let totalBytes = 0;
  for (let i = 0; i < count; i++) {
    labels[i] = ownLabel(i, 0);
    sizes[i] = nodes[i * nf + nSize]!;
    totalBytes += sizes[i]!;
    ids.set(nodes[i * nf + nId]!, i);
  }
  return { ids, labels, sizes, totalBytes };
}

function shortFile(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const inModules = path.lastIndexOf('node_modules/');
  if (inModules >= 0) return path.slice(inModules + 'node_modules/'.length);
  const inSrc = path.indexOf('/src/');
  return inSrc >= 0 ? path.slice(inSrc + 1) : basename(path);
}

/** What `after` holds that `before` did not (new nodes), minus what `before` held that is gone, by label. */
export function diffSnapshots(before: LabelledSnapshot, after: LabelledSnapshot): Grouped {
  const grouped: Grouped = new Map();
  const add = (label: string, bytes: number, count: number) => {
    const group = grouped.get(label) ?? { bytes: 0, count: 0 };
    group.bytes += bytes;
    group.count += count;
    grouped.set(label, group);
  };
  for (const [id, i] of after.ids) if (!before.ids.has(id)) add(after.labels[i]!, after.sizes[i]!, 1);
  for (const [id, i] of before.ids) if (!after.ids.has(id)) add(before.labels[i]!, -before.sizes[i]!, -1);
  return grouped;
}
