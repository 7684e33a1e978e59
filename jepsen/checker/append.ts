// List-append checker for multi-key transactions, after Elle (Kingsbury &
// Alvaro, "Elle: Inferring Isolation Anomalies from Experimental
// Observations", 2020) and Adya's dependency graphs.
//
// Each transaction is a list of micro-ops on keys whose values are lists:
// `append` a value, or `r` (read) the whole list. Values appended to a key are
// unique per key, so a read tells exactly which appends it saw and in which
// order. Outcomes: `ok` (committed; reads carry what they saw), `fail`
// (definitely did not commit), `info` (may or may not have committed; its
// reads are unknown). An ok read of null means the key is absent: [].
//
// Per key, the version order is the longest list any ok read returned; every
// other read must be a prefix of it (else `incompatible-order`, and no
// dependency is inferred on that key). Transactions in the dependency graph
// are the ok ones and the info ones some read observed an append of (those
// committed). Edges, all between distinct transactions:
//   - ww  T1 → T2: in some key's order, T2's element comes right after T1's
//         (elements of transactions outside the graph are skipped over);
//   - wr  T1 → T2: T2 read a list whose last element T1 appended;
//   - rw  T1 → T2: T1 read a list (possibly empty) and the next element of
//         the order that a graph transaction appended is T2's.
// wr and rw edges come only from a transaction's external reads: the first
// micro-op on that key in the transaction, before any of its own appends.
// Only data dependencies are used — no real-time or process order — so the
// cycles are Adya's plain "G" anomalies (not strict-serializability ones).
//
// Cycle search: Tarjan's algorithm (iterative) splits the graph into strongly
// connected components; inside each non-trivial one, one cycle, the most
// specific, is reported: ww edges only (G0), else ww + wr (G1c), else exactly one rw
// edge (G-single: an rw edge a → b such that b reaches a over ww/wr edges;
// reachability between the ww/wr components is computed with bitsets), else
// any cycle, which then has two or more rw edges (G2-item). A cycle is a
// shortest one found by BFS (through the first few start nodes), rotated to
// start at its lowest transaction.
//
// Non-cycle anomalies, checked on every ok read:
//   - G1a (aborted read): a read contains an element whose append failed;
//   - G1b (intermediate read): a read ends at an element another transaction
//     appended to that key but was not its last append to it;
//   - internal: a read disagrees with the transaction's own earlier micro-ops
//     on that key (after reading L and appending a, b the next read must be
//     L ++ [a, b]; with no earlier read it must end with [a, b]), or contains
//     an element the transaction appends only later;
//   - duplicate-elements: a read contains an element twice (it is then left
//     out of the version order);
//   - garbage-read: a read contains an element nobody appended to that key.
// G1a, G1b and garbage-read are reported once per element, naming the first
// reader in invocation order (`readers` counts the reads).
//
// `notJudged` counts the info transactions left out of the graph (nothing
// they appended was read, so whether they committed is unknown) and lists the
// keys without a version order.
//
// Transactions are named by the history index of their invoke event ("T12"
// is the transaction invoked at event 12); `ops` lists those indices — for a
// cycle in cycle order, for G1a/G1b [writer, first reader], otherwise sorted.
// Snapshot isolation forbids everything but G2-item, which is reported in
// `anomalies` and `allowed` but keeps the history valid; serializable forbids
// all of them.

import { HistoryError, pairOperations, type HistoryEvent, type MicroOp, type Outcome, type TxnOp } from './history.js';

export type Isolation = 'snapshot-isolation' | 'serializable';
export type AnomalyType =
  | 'G0'
  | 'G1a'
  | 'G1b'
  | 'G1c'
  | 'G-single'
  | 'G2-item'
  | 'internal'
  | 'incompatible-order'
  | 'duplicate-elements'
  | 'garbage-read';
export type DependencyKind = 'ww' | 'wr' | 'rw';

/** At most this many incompatible reads are listed in full per key. */
const SHOWN_READS = 10;

/** Canonical order of anomaly types in results. */
const TYPE_ORDER: readonly AnomalyType[] = [
  'G0',
  'G1a',
  'G1b',
  'G1c',
  'G-single',
  'G2-item',
  'internal',
  'incompatible-order',
  'duplicate-elements',
  'garbage-read',
];

/** What each isolation level allows; everything else is forbidden. */
const ALLOWED: Record<Isolation, ReadonlySet<AnomalyType>> = {
  'snapshot-isolation': new Set<AnomalyType>(['G2-item']),
  serializable: new Set<AnomalyType>(),
};

/**
 * A dependency `from` → `to` (transactions, by invoke index) on `key`.
 * `value`: ww — the element `to` appended right after `from`'s `prev`;
 * wr — the last element `to` read, appended by `from` (`prev` null);
 * rw — the element `to` appended next after `from`'s read, whose last element
 * was `prev` (null: the read was empty).
 */
export interface DependencyEdge {
  from: number;
  to: number;
  kind: DependencyKind;
  key: string;
  value: number;
  prev: number | null;
}

export interface AppendAnomaly {
  type: AnomalyType;
  /** Transactions involved (invoke indices); see the header for the order. */
  ops: number[];
  explanation: string;
  key?: string;
  /** Cycle anomalies: the edges in order; edge i goes from ops[i] to ops[i + 1] (wrapping). */
  cycle?: DependencyEdge[];
  /** G1a, G1b, garbage-read, duplicate-elements: the element in question. */
  element?: number;
  /** G1a, G1b, garbage-read: how many ok reads contained the element. */
  readers?: number;
  /** internal: the list the read should have returned (or, with `suffixOnly`, ended with). */
  expected?: number[];
  suffixOnly?: boolean;
  /** internal, duplicate-elements: what the read returned. */
  observed?: number[];
  /** incompatible-order: the longest read, then (the first few) reads that are not prefixes of it. */
  reads?: { op: number; value: number[] }[];
}

export interface AppendResult {
  valid: boolean;
  isolation: Isolation;
  anomalies: AppendAnomaly[];
  /** Distinct anomaly types found, allowed or not. */
  anomalyTypes: AnomalyType[];
  /** The types found that the isolation level allows (reported, but valid). */
  allowed: AnomalyType[];
  txns: { ok: number; fail: number; info: number };
  /** What could not be judged; absent when everything could. */
  notJudged?: {
    /** Info transactions left out of the graph: no read observed any append of theirs. */
    infoTxns: number;
    /** Keys without a version order (incompatible reads): no dependencies inferred on them. */
    keys: string[];
  };
}

export interface AppendCheckOptions {
  isolation: Isolation;
}

interface Txn {
  /** Invoke event index. */
  readonly id: number;
  readonly outcome: Outcome;
  /** The completion's micro-ops when ok, else the invoke's. */
  readonly ops: readonly MicroOp[];
  /** Node in the dependency graph, or -1. */
  node: number;
}

interface Writer {
  readonly txn: Txn;
  /** Whether this is the transaction's last append to the key. */
  readonly final: boolean;
}

interface Read {
  readonly txn: Txn;
  readonly value: readonly number[];
  /** The transaction's first micro-op on the key (no own appends before it). */
  readonly external: boolean;
}

interface KeyState {
  readonly writers: Map<number, Writer>;
  readonly reads: Read[];
}

export function checkAppend(history: readonly HistoryEvent<TxnOp>[], opts: AppendCheckOptions): AppendResult {
  const txns = parse(history);
  const anomalies: AppendAnomaly[] = [];
  const keys = new Map<string, KeyState>();
  const keyState = (key: string): KeyState => {
    let s = keys.get(key);
    if (!s) keys.set(key, (s = { writers: new Map(), reads: [] }));
    return s;
  };

  // Writers of every element, and the reads of ok transactions.
  for (const t of txns) {
    const last = new Map<string, number>(); // key → micro-op index of its last append
    t.ops.forEach((m, i) => {
      if (m[0] === 'append') last.set(m[1], i);
    });
    const touched = new Set<string>();
    t.ops.forEach((m, i) => {
      const [f, key] = m;
      const s = keyState(key);
      if (f === 'append') {
        if (s.writers.has(m[2])) throw new HistoryError(`value ${m[2]} is appended to key ${key} more than once (T${s.writers.get(m[2])!.txn.id}, T${t.id})`);
        s.writers.set(m[2], { txn: t, final: last.get(key) === i });
      } else if (t.outcome === 'ok') {
        s.reads.push({ txn: t, value: m[2] ?? [], external: !touched.has(key) });
      }
      touched.add(key);
    });
    if (t.outcome === 'ok') anomalies.push(...internal(t));
  }

  // Per key: bad elements, and the version order.
  const observed = new Set<Txn>(); // writers of elements some read returned
  const orders = new Map<string, { order: readonly number[]; reads: readonly Read[] }>();
  const unordered: string[] = [];
  for (const key of [...keys.keys()].sort()) {
    const { writers, reads } = keys.get(key)!;
    // The longest read without duplicates; reads that are prefixes of it have none either.
    const dups = new Map<Read, number>();
    let longest: Read | undefined;
    for (const r of [...reads].sort((x, y) => y.value.length - x.value.length)) {
      const dup = duplicate(r.value);
      if (dup === undefined) {
        longest = r;
        break;
      }
      dups.set(r, dup);
    }
    const order = longest?.value ?? [];
    const prefix = new Set<Read>();
    const usable: Read[] = [];
    const incompatible: Read[] = [];
    for (const r of reads) {
      if (dups.has(r)) continue;
      if (isPrefix(r.value, order)) {
        prefix.add(r);
        usable.push(r);
        continue;
      }
      const dup = duplicate(r.value);
      if (dup === undefined) {
        usable.push(r);
        incompatible.push(r);
      } else dups.set(r, dup);
    }
    anomalies.push(...badElements(key, writers, reads, order, prefix));
    for (const values of [order, ...reads.filter((r) => !prefix.has(r)).map((r) => r.value)]) {
      for (const v of values) {
        const w = writers.get(v);
        if (w) observed.add(w.txn);
      }
    }
    for (const r of reads) {
      const dup = dups.get(r);
      if (dup === undefined) continue;
      anomalies.push({
        type: 'duplicate-elements',
        ops: [r.txn.id],
        key,
        element: dup,
        observed: [...r.value],
        explanation: `T${r.txn.id} read ${key} = ${list(r.value)}, which contains ${dup} more than once`,
      });
    }
    if (!longest || incompatible.length === 0) {
      orders.set(key, { order, reads: usable });
      continue;
    }
    unordered.push(key);
    const shown = [longest, ...incompatible.slice(0, SHOWN_READS)];
    const more = incompatible.length - (shown.length - 1);
    anomalies.push({
      type: 'incompatible-order',
      ops: [...new Set([longest, ...incompatible].map((r) => r.txn.id))].sort(byNumber),
      key,
      reads: shown.map((r) => ({ op: r.txn.id, value: [...r.value] })),
      explanation:
        `reads of ${key} are not prefixes of one another: the longest, T${longest.txn.id}'s ${list(longest.value)}, vs ` +
        shown
          .slice(1)
          .map((r) => `T${r.txn.id}'s ${list(r.value)}`)
          .join(', ') +
        (more > 0 ? ` and ${more} more` : ''),
    });
  }

  // Graph nodes: ok transactions and info ones whose appends were observed.
  const nodes: Txn[] = [];
  let infoUnobserved = 0;
  for (const t of txns) {
    if (t.outcome === 'ok' || (t.outcome === 'info' && observed.has(t))) {
      t.node = nodes.length;
      nodes.push(t);
    } else if (t.outcome === 'info') infoUnobserved++;
  }

  const graph = new Graph(nodes.length);
  for (const [key, { order, reads }] of orders) {
    const writer = order.map((v) => {
      const t = keys.get(key)!.writers.get(v)?.txn;
      return t && t.node >= 0 ? t : undefined;
    });
    let prev: { txn: Txn; value: number } | undefined;
    writer.forEach((t, i) => {
      if (!t) return;
      if (prev && prev.txn !== t) graph.addEdge(prev.txn.node, t.node, WW, key, order[i]!, prev.value);
      prev = { txn: t, value: order[i]! };
    });
    const next = new Int32Array(order.length + 1).fill(-1); // position of the next graph writer's element
    for (let i = order.length - 1; i >= 0; i--) next[i] = writer[i] ? i : next[i + 1]!;
    for (const r of reads) {
      if (!r.external) continue;
      const last = r.value.at(-1);
      if (last !== undefined) {
        const t = writer[r.value.length - 1];
        if (t && t !== r.txn) graph.addEdge(t.node, r.txn.node, WR, key, last, null);
      }
      const q = next[r.value.length]!;
      const t = q >= 0 ? writer[q] : undefined;
      if (t && t !== r.txn) graph.addEdge(r.txn.node, t.node, RW, key, order[q]!, last ?? null);
    }
  }
  anomalies.push(...cycles(graph, nodes));

  anomalies.sort((a, b) => TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type) || (a.ops[0] ?? 0) - (b.ops[0] ?? 0));
  const found = new Set(anomalies.map((a) => a.type));
  const anomalyTypes = TYPE_ORDER.filter((t) => found.has(t));
  const allowed = anomalyTypes.filter((t) => ALLOWED[opts.isolation].has(t));
  const result: AppendResult = {
    valid: allowed.length === anomalyTypes.length,
    isolation: opts.isolation,
    anomalies,
    anomalyTypes,
    allowed,
    txns: { ok: 0, fail: 0, info: 0 },
  };
  for (const t of txns) result.txns[t.outcome]++;
  if (infoUnobserved > 0 || unordered.length > 0) result.notJudged = { infoTxns: infoUnobserved, keys: unordered };
  return result;
}

/** Pairs the history into transactions, checking that ok completions match their invokes. */
function parse(history: readonly HistoryEvent<TxnOp>[]): Txn[] {
  return pairOperations(history).map((o) => {
    const inv = o.invoke.op;
    if (inv.f !== 'txn' || !Array.isArray(inv.value)) throw new HistoryError(`event ${o.invoke.index} is not a txn`);
    if (o.outcome !== 'ok') return { id: o.invoke.index, outcome: o.outcome, ops: inv.value, node: -1 };
    const done = o.completion!;
    const ops = done.op.value;
    const mismatch = (why: string): HistoryError => new HistoryError(`txn completed ok at event ${done.index} ${why} (invoked at event ${o.invoke.index})`);
    if (!Array.isArray(ops) || ops.length !== inv.value.length) throw mismatch('with a different number of micro-ops');
    ops.forEach((m, i) => {
      const asked = inv.value[i]!;
      if (!Array.isArray(m) || m[0] !== asked[0] || m[1] !== asked[1]) throw mismatch(`with micro-op ${i} differing from its invoke`);
      if (m[0] === 'append' && m[2] !== asked[2]) throw mismatch(`appending a different value in micro-op ${i}`);
      if (m[0] === 'r' && m[2] !== null && !Array.isArray(m[2])) throw mismatch(`with a read in micro-op ${i} that is not a list`);
    });
    return { id: o.invoke.index, outcome: 'ok', ops, node: -1 };
  });
}

/** Reads of an ok transaction that contradict its own earlier micro-ops. */
function internal(t: Txn): AppendAnomaly[] {
  const out: AppendAnomaly[] = [];
  /** Per key: the last read (null: none yet) and the appends since. */
  const state = new Map<string, { known: readonly number[] | null; since: number[] }>();
  const lastAppend = new Map<string, number>(); // key → index of the txn's last append to it
  t.ops.forEach((m, i) => {
    if (m[0] === 'append') lastAppend.set(m[1], i);
  });
  t.ops.forEach((m, i) => {
    const key = m[1];
    let s = state.get(key);
    if (!s) state.set(key, (s = { known: null, since: [] }));
    if (m[0] === 'append') {
      s.since.push(m[2]);
      return;
    }
    const observed = m[2] ?? [];
    let early: number | undefined;
    if ((lastAppend.get(key) ?? -1) > i) {
      const later = new Set(t.ops.slice(i + 1).flatMap((n) => (n[0] === 'append' && n[1] === key ? [n[2]] : [])));
      early = observed.find((v) => later.has(v));
    }
    const { known, since } = s;
    const matches = known
      ? observed.length === known.length + since.length && isPrefix(known, observed) && endsWith(observed, since)
      : endsWith(observed, since);
    if (!matches || early !== undefined) {
      const expected = known ? [...known, ...since] : [...since];
      out.push({
        type: 'internal',
        ops: [t.id],
        key,
        expected,
        suffixOnly: known === null,
        observed: [...observed],
        explanation:
          early !== undefined
            ? `T${t.id} read ${key} = ${list(observed)}, containing ${early}, which it appends only later`
            : `T${t.id} read ${key} = ${list(observed)}, but its own earlier micro-ops require it ${known ? 'to be' : 'to end with'} ${list(expected)}`,
      });
    }
    s.known = observed;
    s.since = [];
  });
  return out;
}

/**
 * G1a, G1b and garbage-read on one key, once per element. The elements of
 * reads in `prefix` (prefixes of `order`) are judged once, through `order`.
 */
function badElements(
  key: string,
  writers: ReadonlyMap<number, Writer>,
  reads: readonly Read[],
  order: readonly number[],
  prefix: ReadonlySet<Read>,
): AppendAnomaly[] {
  const isBad = (v: number): boolean => {
    const outcome = writers.get(v)?.txn.outcome;
    return outcome === undefined || outcome === 'fail';
  };
  const badInOrder = order.flatMap((value, pos) => (isBad(value) ? [{ value, pos }] : []));
  const found = new Map<string, AppendAnomaly>(); // `${type} ${element}` → anomaly
  /** Records the anomaly of `type` at `element` once; later readers of the same element only count. */
  const note = (type: AnomalyType, element: number, ops: number[], explanation: () => string): void => {
    const id = `${type} ${element}`;
    const a = found.get(id);
    if (a) a.readers = (a.readers ?? 0) + 1;
    else found.set(id, { type, ops, key, element, readers: 1, explanation: explanation() });
  };
  for (const r of reads) {
    const bad = prefix.has(r) ? badInOrder.filter((b) => b.pos < r.value.length).map((b) => b.value) : r.value.filter(isBad);
    for (const v of bad) {
      const w = writers.get(v);
      if (!w) {
        note('garbage-read', v, [r.txn.id], () => `T${r.txn.id} read ${key} = ${list(r.value)}, containing ${v}, which no transaction appended to ${key}`);
      } else if (w.txn.outcome === 'fail') {
        note('G1a', v, [w.txn.id, r.txn.id], () => `aborted read: T${r.txn.id} read ${key} = ${list(r.value)}, containing ${v}, appended by T${w.txn.id}, which failed`);
      }
    }
    const last = r.value.at(-1);
    const w = last === undefined ? undefined : writers.get(last);
    if (last !== undefined && w && !w.final && w.txn !== r.txn && w.txn.outcome !== 'fail') {
      note('G1b', last, [w.txn.id, r.txn.id], () => `intermediate read: T${r.txn.id} read ${key} = ${list(r.value)}, ending at ${last}, which T${w.txn.id} appended but then appended more to ${key}`);
    }
  }
  return [...found.values()];
}

// --- dependency graph -------------------------------------------------------

const WW = 1;
const WR = 2;
const RW = 4;
const ALL = WW | WR | RW;
const KIND: Record<number, DependencyKind> = { [WW]: 'ww', [WR]: 'wr', [RW]: 'rw' };

interface Edge {
  readonly from: number;
  readonly to: number;
  readonly bit: number;
  readonly key: string;
  readonly value: number;
  readonly prev: number | null;
}

/** How many start nodes (or rw candidates) a shortest-cycle search tries. */
const TRIES = 16;
/** Targets per bitset pass of the G-single reachability. */
const BATCH = 1024;

class Graph {
  readonly out: Edge[][];
  private readonly seenEdges = new Set<number>();
  private sorted = false;
  /** Restriction of the searches: member[v] === stamp. */
  private readonly member: Int32Array;
  private stamp = 0;
  private readonly localId: Int32Array;
  private readonly seen: Int32Array;
  private bfsStamp = 0;
  private readonly via: (Edge | undefined)[];

  constructor(readonly n: number) {
    this.out = Array.from({ length: n }, () => []);
    this.member = new Int32Array(n);
    this.localId = new Int32Array(n);
    this.seen = new Int32Array(n);
    this.via = new Array<Edge | undefined>(n);
  }

  addEdge(from: number, to: number, bit: number, key: string, value: number, prev: number | null): void {
    const id = (from * this.n + to) * 8 + bit;
    if (this.seenEdges.has(id)) return;
    this.seenEdges.add(id);
    this.out[from]!.push({ from, to, bit, key, value, prev });
  }

  /** ww before wr before rw, so that searches prefer the more specific of parallel edges. */
  sortEdges(): void {
    if (this.sorted) return;
    for (const edges of this.out) edges.sort((a, b) => a.bit - b.bit);
    this.sorted = true;
  }

  private restrict(nodes: readonly number[]): void {
    this.stamp++;
    for (const v of nodes) this.member[v] = this.stamp;
  }

  private inside(v: number): boolean {
    return this.member[v] === this.stamp;
  }

  /**
   * Strongly connected components of the subgraph induced by `nodes` over the
   * `mask` edges (iterative Tarjan), in reverse topological order: an edge
   * between two components goes to one listed earlier. Restricts later
   * searches to `nodes`.
   */
  components(nodes: readonly number[], mask: number): number[][] {
    this.restrict(nodes);
    const k = nodes.length;
    nodes.forEach((v, i) => (this.localId[v] = i));
    const index = new Int32Array(k).fill(-1);
    const low = new Int32Array(k);
    const onStack = new Uint8Array(k);
    const stack: number[] = [];
    const callV: number[] = [];
    const callE: number[] = [];
    const comps: number[][] = [];
    let counter = 0;
    const enter = (v: number): void => {
      index[v] = low[v] = counter++;
      stack.push(v);
      onStack[v] = 1;
      callV.push(v);
      callE.push(0);
    };
    for (let s = 0; s < k; s++) {
      if (index[s] !== -1) continue;
      enter(s);
      while (callV.length > 0) {
        const top = callV.length - 1;
        const v = callV[top]!;
        const edges = this.out[nodes[v]!]!;
        let i = callE[top]!;
        let descended = false;
        while (i < edges.length) {
          const e = edges[i++]!;
          if ((e.bit & mask) === 0 || !this.inside(e.to)) continue;
          const w = this.localId[e.to]!;
          if (index[w] === -1) {
            callE[top] = i;
            enter(w);
            descended = true;
            break;
          }
          if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        }
        if (descended) continue;
        callV.pop();
        callE.pop();
        const parent = callV.at(-1);
        if (parent !== undefined) low[parent] = Math.min(low[parent]!, low[v]!);
        if (low[v] === index[v]) {
          const comp: number[] = [];
          let w: number;
          do {
            w = stack.pop()!;
            onStack[w] = 0;
            comp.push(nodes[w]!);
          } while (w !== v);
          comps.push(comp);
        }
      }
    }
    return comps;
  }

  /** A shortest path start ⇝ target over `mask` edges inside the restriction; target === start finds a cycle. */
  path(start: number, target: number, mask: number): Edge[] | null {
    const stamp = ++this.bfsStamp;
    this.seen[start] = stamp;
    const queue = [start];
    for (let h = 0; h < queue.length; h++) {
      const u = queue[h]!;
      for (const e of this.out[u]!) {
        if ((e.bit & mask) === 0 || !this.inside(e.to)) continue;
        if (e.to === target) {
          const edges = [e];
          for (let x = u; x !== start; ) {
            const p = this.via[x]!;
            edges.push(p);
            x = p.from;
          }
          return edges.reverse();
        }
        if (this.seen[e.to] === stamp) continue;
        this.seen[e.to] = stamp;
        this.via[e.to] = e;
        queue.push(e.to);
      }
    }
    return null;
  }

  /** A short cycle over `mask` edges among `nodes` (strongly connected under `mask`). */
  shortestCycle(nodes: readonly number[], mask: number): Edge[] | null {
    this.restrict(nodes);
    let best: Edge[] | null = null;
    for (const v of nodes.slice(0, TRIES)) {
      const c = this.path(v, v, mask);
      if (c && (!best || c.length < best.length)) best = c;
      if (best?.length === 2) break;
    }
    return best;
  }

  /**
   * A cycle among `nodes` with exactly one rw edge: an rw edge a → b such
   * that b reaches a over ww/wr edges. `comps` are the ww/wr components of
   * `nodes` from components(), which must be the last restriction.
   */
  singleRw(comps: readonly number[][]): Edge[] | null {
    const compOf = new Map<number, number>();
    comps.forEach((c, i) => c.forEach((v) => compOf.set(v, i)));
    const candidates: Edge[] = [];
    const pending: Edge[] = [];
    for (const c of comps) {
      for (const v of c) {
        for (const e of this.out[v]!) {
          if (e.bit !== RW || !this.inside(e.to)) continue;
          const ca = compOf.get(e.from)!;
          const cb = compOf.get(e.to)!;
          if (ca === cb) candidates.push(e);
          else if (ca < cb) pending.push(e); // b can only reach a's component if it is listed after it
        }
      }
    }
    // Reachability between components by bitsets over the targets (the rw sources' components), in batches.
    const targets = [...new Set(pending.map((e) => compOf.get(e.from)!))];
    for (let start = 0; start < targets.length && candidates.length < TRIES; start += BATCH) {
      const batch = targets.slice(start, start + BATCH);
      const words = Math.ceil(batch.length / 32);
      const bitOf = new Map(batch.map((c, i) => [c, i]));
      const reach = new Uint32Array(comps.length * words);
      comps.forEach((c, ci) => {
        const own = bitOf.get(ci);
        if (own !== undefined) reach[ci * words + (own >>> 5)]! |= 1 << (own & 31);
        for (const v of c) {
          for (const e of this.out[v]!) {
            if ((e.bit & (WW | WR)) === 0 || !this.inside(e.to)) continue;
            const d = compOf.get(e.to)!;
            if (d === ci) continue;
            for (let w = 0; w < words; w++) reach[ci * words + w]! |= reach[d * words + w]!;
          }
        }
      });
      for (const e of pending) {
        const bit = bitOf.get(compOf.get(e.from)!);
        if (bit === undefined) continue;
        if ((reach[compOf.get(e.to)! * words + (bit >>> 5)]! & (1 << (bit & 31))) !== 0) candidates.push(e);
      }
    }
    let best: Edge[] | null = null;
    for (const e of candidates.slice(0, TRIES)) {
      const p = this.path(e.to, e.from, WW | WR);
      if (p && (!best || p.length + 1 < best.length)) best = [e, ...p];
      if (best?.length === 2) break;
    }
    return best;
  }
}

/** The most specific cycle anomaly of each non-trivial strongly connected component. */
function cycles(graph: Graph, nodes: readonly Txn[]): AppendAnomaly[] {
  graph.sortEdges();
  const all = nodes.map((_, i) => i);
  const out: AppendAnomaly[] = [];
  for (const scc of graph.components(all, ALL)) {
    if (scc.length < 2) continue; // no self-edges: a single node has no cycle
    out.push(describeCycle(...mostSpecific(graph, scc), nodes));
  }
  return out;
}

function mostSpecific(graph: Graph, scc: readonly number[]): [AnomalyType, Edge[]] {
  const strong = (c: readonly number[]): boolean => c.length > 1;
  const g0 = graph.components(scc, WW).find(strong);
  if (g0) return ['G0', cycleIn(graph, g0, WW)];
  const comps = graph.components(scc, WW | WR);
  const g1c = comps.find(strong);
  if (g1c) return ['G1c', cycleIn(graph, g1c, WW | WR)];
  const single = graph.singleRw(comps);
  if (single) return ['G-single', single];
  return ['G2-item', cycleIn(graph, scc, ALL)];
}

function cycleIn(graph: Graph, comp: readonly number[], mask: number): Edge[] {
  const c = graph.shortestCycle(comp, mask);
  if (!c) throw new Error('no cycle in a strongly connected component (checker bug)');
  return c;
}

const LEAD: Partial<Record<AnomalyType, string>> = {
  G0: 'write cycle (G0, ww edges only)',
  G1c: 'circular information flow (G1c, ww and wr edges)',
  'G-single': 'read skew (G-single, one rw edge)',
  'G2-item': 'write skew / anti-dependency cycle (G2-item, two or more rw edges)',
};

function describeCycle(type: AnomalyType, edges: readonly Edge[], nodes: readonly Txn[]): AppendAnomaly {
  const txn = (v: number): number => nodes[v]!.id;
  let first = 0;
  edges.forEach((e, i) => {
    if (txn(e.from) < txn(edges[first]!.from)) first = i;
  });
  const rotated = [...edges.slice(first), ...edges.slice(0, first)];
  const cycle: DependencyEdge[] = rotated.map((e) => ({
    from: txn(e.from),
    to: txn(e.to),
    kind: KIND[e.bit]!,
    key: e.key,
    value: e.value,
    prev: e.prev,
  }));
  const step = (e: DependencyEdge): string => {
    const head = `T${e.from} -${e.kind}-> T${e.to}`;
    switch (e.kind) {
      case 'ww':
        return `${head} (T${e.to} appended ${e.value} to ${e.key} right after T${e.from}'s ${e.prev})`;
      case 'wr':
        return `${head} (T${e.to} read ${e.key} ending in ${e.value}, appended by T${e.from})`;
      case 'rw':
        return `${head} (T${e.from} read ${e.key} ${e.prev === null ? 'empty' : `ending in ${e.prev}`}; T${e.to} appended the next element, ${e.value})`;
    }
  };
  return {
    type,
    ops: cycle.map((e) => e.from),
    cycle,
    explanation: `${LEAD[type]}: ${cycle.map(step).join('; ')}`,
  };
}

function isPrefix(a: readonly number[], b: readonly number[]): boolean {
  if (a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function endsWith(xs: readonly number[], suffix: readonly number[]): boolean {
  const offset = xs.length - suffix.length;
  if (offset < 0) return false;
  for (let i = 0; i < suffix.length; i++) if (xs[offset + i] !== suffix[i]) return false;
  return true;
}

/** Some element that occurs twice in `xs`, if any. */
function duplicate(xs: readonly number[]): number | undefined {
  const seen = new Set<number>();
  for (const x of xs) {
    if (seen.has(x)) return x;
    seen.add(x);
  }
  return undefined;
}

/** A list for explanations, eliding the middle of long ones. */
function list(xs: readonly number[]): string {
  if (xs.length <= 12) return `[${xs.join(', ')}]`;
  return `[${xs.slice(0, 3).join(', ')}, …${xs.length - 8} more…, ${xs.slice(-5).join(', ')}]`;
}

function byNumber(a: number, b: number): number {
  return a - b;
}
