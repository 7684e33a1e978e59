// Specification of the list-append checker (see jepsen/checker/append.ts).
//
// Transactions that run alone take two events, so in the crafted histories
// the n-th transaction (from 0) is T(2n): its invoke is event 2n.

import { describe, expect, it } from 'vitest';
import { checkAppend, type AppendResult, type Isolation } from '../../jepsen/checker/append.js';
import { HistoryError, type HistoryEvent, type MicroOp, type TxnOp } from '../../jepsen/checker/history.js';
import { HistoryBuilder, rng } from './histories.js';

const a = (key: string, value: number): MicroOp => ['append', key, value];
const r = (key: string, value: number[] | null = null): MicroOp => ['r', key, value];
const txn = (value: MicroOp[]): TxnOp => ({ f: 'txn', value });
/** What the client sends: the same micro-ops with every read's value null. */
const asked = (ops: MicroOp[]): TxnOp => txn(ops.map((m): MicroOp => (m[0] === 'r' ? ['r', m[1], null] : m)));

class AppendHistory extends HistoryBuilder<TxnOp> {
  /** A transaction that runs alone: ok completions carry `ops` (with the reads' results). */
  t(process: number, ops: MicroOp[], type: 'ok' | 'fail' | 'info' = 'ok'): this {
    this.invoke(process, asked(ops));
    return type === 'ok' ? this.ok(process, txn(ops)) : this.complete(type, process);
  }
}

const si = (h: AppendHistory | readonly HistoryEvent<TxnOp>[]): AppendResult =>
  checkAppend(h instanceof AppendHistory ? h.events : h, { isolation: 'snapshot-isolation' });
const ser = (h: AppendHistory | readonly HistoryEvent<TxnOp>[]): AppendResult =>
  checkAppend(h instanceof AppendHistory ? h.events : h, { isolation: 'serializable' });

describe('list-append checker: anomalies', () => {
  it('detects G0: a cycle of ww edges', () => {
    const h = new AppendHistory()
      .t(0, [a('x', 1), a('y', 2)]) // T0
      .t(1, [a('x', 2), a('y', 1)]) // T2
      .t(2, [r('x', [1, 2]), r('y', [1, 2])]); // T4
    const res = si(h);
    expect(res).toMatchObject({ valid: false, anomalyTypes: ['G0'], allowed: [], txns: { ok: 3, fail: 0, info: 0 } });
    expect(res.anomalies).toHaveLength(1);
    expect(res.anomalies[0]).toMatchObject({
      type: 'G0',
      ops: [0, 2],
      cycle: [
        { from: 0, to: 2, kind: 'ww', key: 'x', value: 2, prev: 1 },
        { from: 2, to: 0, kind: 'ww', key: 'y', value: 2, prev: 1 },
      ],
    });
    expect(res.anomalies[0]!.explanation).toContain('G0');
    expect(ser(h)).toMatchObject({ valid: false, anomalyTypes: ['G0'] });
  });

  it('detects G1a: a read of an element whose append failed', () => {
    const h = new AppendHistory()
      .t(0, [a('x', 1)], 'fail') // T0
      .t(1, [r('x', [1])]) // T2
      .t(1, [r('x', [1])]); // T4
    const res = si(h);
    expect(res).toMatchObject({ valid: false, anomalyTypes: ['G1a'], txns: { ok: 2, fail: 1, info: 0 } });
    expect(res.anomalies).toEqual([expect.objectContaining({ type: 'G1a', ops: [0, 2], key: 'x', element: 1, readers: 2 })]);
  });

  it('detects G1b: a read ending at an intermediate append of another transaction', () => {
    const h = new AppendHistory()
      .t(0, [a('x', 1), a('x', 2)]) // T0
      .t(1, [r('x', [1])]); // T2
    const res = si(h);
    expect(res).toMatchObject({ valid: false, anomalyTypes: ['G1b'] });
    expect(res.anomalies).toEqual([expect.objectContaining({ type: 'G1b', ops: [0, 2], key: 'x', element: 1 })]);
  });

  it('does not call a read of the last of several appends intermediate', () => {
    const h = new AppendHistory().t(0, [a('x', 1), a('x', 2)]).t(1, [r('x', [1, 2])]);
    expect(si(h)).toMatchObject({ valid: true, anomalies: [] });
  });

  it('detects G1c: a cycle of ww and wr edges', () => {
    const h = new AppendHistory()
      .t(0, [a('x', 1), r('y', [1])]) // T0
      .t(1, [a('y', 1), r('x', [1])]); // T2
    const res = si(h);
    expect(res).toMatchObject({ valid: false, anomalyTypes: ['G1c'] });
    expect(res.anomalies).toHaveLength(1);
    expect(res.anomalies[0]).toMatchObject({
      type: 'G1c',
      ops: [0, 2],
      cycle: [
        { from: 0, to: 2, kind: 'wr', key: 'x', value: 1 },
        { from: 2, to: 0, kind: 'wr', key: 'y', value: 1 },
      ],
    });
  });

  it('detects G1c mixing ww and wr edges', () => {
    const h = new AppendHistory()
      .t(0, [a('x', 1), r('y', [1])]) // T0: reads T2's y
      .t(1, [a('x', 2), a('y', 1)]) // T2: appends to x after T0
      .t(2, [r('x', [1, 2])]); // T4
    const res = si(h);
    expect(res.anomalyTypes).toEqual(['G1c']);
    expect(res.anomalies[0]).toMatchObject({
      ops: [0, 2],
      cycle: [
        { from: 0, to: 2, kind: 'ww', key: 'x' },
        { from: 2, to: 0, kind: 'wr', key: 'y' },
      ],
    });
  });

  it('detects G-single (read skew) and forbids it under both levels', () => {
    const h = new AppendHistory()
      .t(0, [a('x', 1), a('y', 1)]) // T0
      .t(0, [a('x', 2), a('y', 2)]) // T2
      .t(1, [r('x', [1]), r('y', [1, 2])]) // T4: old x, new y
      .t(2, [r('x', [1, 2])]); // T6
    for (const res of [si(h), ser(h)]) {
      expect(res).toMatchObject({ valid: false, anomalyTypes: ['G-single'], allowed: [] });
      expect(res.anomalies).toHaveLength(1);
      expect(res.anomalies[0]).toMatchObject({
        type: 'G-single',
        ops: [2, 4],
        cycle: [
          { from: 2, to: 4, kind: 'wr', key: 'y', value: 2 },
          { from: 4, to: 2, kind: 'rw', key: 'x', value: 2, prev: 1 },
        ],
      });
    }
  });

  it('detects G-single through a longer ww/wr path', () => {
    // T4 misses T0's x, but sees y from T2, which read T0's z.
    const h = new AppendHistory()
      .t(0, [a('x', 1), a('z', 1)]) // T0
      .t(1, [r('z', [1]), a('y', 1)]) // T2
      .t(2, [r('x', []), r('y', [1])]) // T4
      .t(3, [r('x', [1])]); // T6
    const res = ser(h);
    expect(res.anomalyTypes).toEqual(['G-single']);
    expect(res.anomalies[0]).toMatchObject({
      ops: [0, 2, 4],
      cycle: [
        { from: 0, to: 2, kind: 'wr', key: 'z' },
        { from: 2, to: 4, kind: 'wr', key: 'y' },
        { from: 4, to: 0, kind: 'rw', key: 'x', value: 1, prev: null },
      ],
    });
  });

  it('detects G2-item (write skew): allowed under snapshot isolation, not under serializable', () => {
    const h = new AppendHistory()
      .t(0, [r('x', []), r('y', []), a('x', 1)]) // T0
      .t(1, [r('x', []), r('y', []), a('y', 1)]) // T2
      .t(2, [r('x', [1]), r('y', [1])]); // T4
    const expected = {
      type: 'G2-item',
      ops: [0, 2],
      cycle: [
        { from: 0, to: 2, kind: 'rw', key: 'y', value: 1, prev: null },
        { from: 2, to: 0, kind: 'rw', key: 'x', value: 1, prev: null },
      ],
    };
    const atSi = si(h);
    expect(atSi).toMatchObject({ valid: true, isolation: 'snapshot-isolation', anomalyTypes: ['G2-item'], allowed: ['G2-item'] });
    expect(atSi.anomalies).toEqual([expect.objectContaining(expected)]);
    const atSer = ser(h);
    expect(atSer).toMatchObject({ valid: false, isolation: 'serializable', anomalyTypes: ['G2-item'], allowed: [] });
    expect(atSer.anomalies).toEqual([expect.objectContaining(expected)]);
  });

  it('reports the most specific cycle of a component', () => {
    // T0 and T2 form a G0 cycle on x, y; T2 and T4 add rw/wr edges into the same component.
    const h = new AppendHistory()
      .t(0, [a('x', 1), a('y', 2)]) // T0
      .t(1, [a('x', 2), a('y', 1), r('z', [])]) // T2
      .t(2, [a('z', 1), r('x', [1, 2]), r('y', [1, 2])]) // T4
      .t(3, [r('z', [1])]); // T6
    const res = ser(h);
    expect(res.anomalyTypes).toEqual(['G0']);
    expect(res.anomalies).toHaveLength(1);
    expect(res.anomalies[0]).toMatchObject({ type: 'G0', ops: [0, 2] });
  });

  it('detects internal inconsistency within a transaction', () => {
    const h = new AppendHistory()
      .t(0, [a('y', 5)]) // T0
      .t(0, [a('x', 1), r('x', [])]) // T2: its own append is missing
      .t(1, [r('y', [5]), r('y', [5, 6])]) // T4: y changed under it
      .t(0, [a('y', 6)]) // T6
      .t(2, [r('z', []), a('z', 7), r('z', [7])]) // T8: fine
      .t(3, [r('w', [8]), a('w', 8)]); // T10: reads its own later append
    const res = si(h);
    expect(res).toMatchObject({ valid: false, anomalyTypes: ['internal'] });
    expect(res.anomalies.map((x) => x.ops)).toEqual([[2], [4], [10]]);
    expect(res.anomalies[0]).toMatchObject({ key: 'x', expected: [1], suffixOnly: true, observed: [] });
    expect(res.anomalies[1]).toMatchObject({ key: 'y', expected: [5], suffixOnly: false, observed: [5, 6] });
    expect(res.anomalies[2]).toMatchObject({ key: 'w', observed: [8] });
    expect(res.anomalies[2]!.explanation).toContain('appends only later');
  });

  it('detects reads that are not prefixes of one another as incompatible-order', () => {
    const h = new AppendHistory()
      .t(0, [a('x', 1)]) // T0
      .t(0, [a('x', 2)]) // T2
      .t(1, [r('x', [1])]) // T4
      .t(1, [r('x', [2])]); // T6
    const res = si(h);
    expect(res).toMatchObject({ valid: false, anomalyTypes: ['incompatible-order'], notJudged: { infoTxns: 0, keys: ['x'] } });
    expect(res.anomalies).toEqual([
      expect.objectContaining({
        type: 'incompatible-order',
        ops: [4, 6],
        key: 'x',
        reads: [
          { op: 4, value: [1] },
          { op: 6, value: [2] },
        ],
      }),
    ]);
  });

  it('detects duplicate elements and garbage reads', () => {
    const h = new AppendHistory()
      .t(0, [a('x', 1)]) // T0
      .t(1, [r('x', [1, 1])]) // T2
      .t(1, [r('x', [1, 9])]); // T4
    const res = si(h);
    expect(res).toMatchObject({ valid: false, anomalyTypes: ['duplicate-elements', 'garbage-read'] });
    expect(res.anomalies).toEqual([
      expect.objectContaining({ type: 'duplicate-elements', ops: [2], key: 'x', element: 1 }),
      expect.objectContaining({ type: 'garbage-read', ops: [4], key: 'x', element: 9 }),
    ]);
  });

  it('rejects histories it cannot interpret', () => {
    const twice = new AppendHistory().t(0, [a('x', 1)]).t(1, [a('x', 1)]);
    expect(() => si(twice)).toThrow(HistoryError);
    const mismatch = new AppendHistory().invoke(0, asked([a('x', 1), r('y')])).ok(0, txn([a('x', 1)]));
    expect(() => si(mismatch)).toThrow(HistoryError);
    const wrongKey = new AppendHistory().invoke(0, asked([r('y')])).ok(0, txn([r('z', [])]));
    expect(() => si(wrongKey)).toThrow(HistoryError);
  });
});

describe('list-append checker: valid histories', () => {
  it('accepts an empty history', () => {
    expect(ser([])).toEqual({
      valid: true,
      isolation: 'serializable',
      anomalies: [],
      anomalyTypes: [],
      allowed: [],
      txns: { ok: 0, fail: 0, info: 0 },
    });
  });

  it('accepts a serial history and treats a null read as empty', () => {
    const h = new AppendHistory()
      .t(0, [r('x', null), a('x', 1), a('y', 1)])
      .t(1, [r('x', [1]), a('x', 2), r('x', [1, 2])])
      .t(0, [r('y', [1]), r('x', [1, 2]), a('y', 3)])
      .t(2, [r('x', [1, 2]), r('y', [1, 3])]);
    expect(ser(h)).toEqual({
      valid: true,
      isolation: 'serializable',
      anomalies: [],
      anomalyTypes: [],
      allowed: [],
      txns: { ok: 4, fail: 0, info: 0 },
    });
  });

  it('accepts concurrent transactions with failed and indeterminate ones that serialize', () => {
    const h = new AppendHistory()
      .invoke(0, asked([a('x', 1)])) // T0: info, observed later
      .invoke(1, asked([r('x'), a('y', 1)])) // T1
      .ok(1, txn([r('x', []), a('y', 1)]))
      .info(0)
      .t(2, [a('x', 2)], 'fail') // T4: failed, never observed
      .t(3, [a('y', 2)], 'info') // T6: info, never observed
      .invoke(1, asked([r('x'), r('y')])) // T8
      .ok(1, txn([r('x', [1]), r('y', [1])]));
    const res = ser(h);
    expect(res).toMatchObject({
      valid: true,
      anomalies: [],
      txns: { ok: 2, fail: 1, info: 2 },
      notJudged: { infoTxns: 1, keys: [] },
    });
  });

  it('accepts long serializable histories with crashes (simulated), under both levels', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const h = simulate(seed, { processes: 6, txns: 600, keys: 4, isolation: 'serializable' });
      for (const res of [ser(h), si(h)]) expect(res.anomalies, `seed ${seed}`).toEqual([]);
    }
  });

  it('finds only G2-item in snapshot-isolated histories (simulated)', () => {
    let g2 = 0;
    for (const seed of [11, 12, 13, 14, 15]) {
      const h = simulate(seed, { processes: 8, txns: 800, keys: 5, isolation: 'snapshot-isolation' });
      const atSi = si(h);
      expect(atSi.valid, `seed ${seed}: ${atSi.anomalies[0]?.explanation}`).toBe(true);
      expect(atSi.anomalyTypes.every((t) => t === 'G2-item')).toBe(true);
      const atSer = ser(h);
      expect(atSer.valid).toBe(atSi.anomalies.length === 0);
      g2 += atSi.anomalies.length;
    }
    expect(g2).toBeGreaterThan(0); // the simulation does produce write skew
  });

  it('checks a large serial history (5,000 transactions over 20 keys)', () => {
    const h = serial(42, 5_000, 20);
    const res = ser(h);
    expect(res).toMatchObject({ valid: true, anomalies: [], txns: { ok: 5_000, fail: 0, info: 0 } });
  });

  it('checks a 10,000-transaction serial history', () => {
    expect(si(serial(7, 10_000, 50)).anomalies).toEqual([]);
  });

  it('reports well-formed, most specific cycles on histories with stale reads (simulated)', () => {
    const rwCount: Record<string, (n: number) => boolean> = {
      G0: (n) => n === 0,
      G1c: (n) => n === 0,
      'G-single': (n) => n === 1,
      'G2-item': (n) => n >= 2,
    };
    let cycles = 0;
    for (const seed of [21, 22, 23, 24]) {
      const res = ser(stale(seed, 1_500, 6 + seed - 21, 0.3));
      for (const x of res.anomalies) {
        if (!x.cycle) continue;
        cycles++;
        const edges = x.cycle;
        expect(x.ops).toEqual(edges.map((e) => e.from));
        expect(Math.min(...x.ops)).toBe(x.ops[0]);
        edges.forEach((e, i) => expect(e.to).toBe(edges[(i + 1) % edges.length]!.from));
        expect(rwCount[x.type]!(edges.filter((e) => e.kind === 'rw').length)).toBe(true);
        if (x.type === 'G0') expect(edges.every((e) => e.kind === 'ww')).toBe(true);
        if (x.type === 'G1c') expect(edges.some((e) => e.kind === 'wr')).toBe(true);
      }
      expect(res.anomalyTypes.filter((t) => !['G1b', 'G-single', 'G2-item'].includes(t))).toEqual([]);
    }
    expect(cycles).toBeGreaterThan(0);
  });

  it('finds a G-single planted in a large history', () => {
    const h = serial(3, 3_000, 10);
    // One more pair: T_w appends to two fresh keys, T_r sees the second but not the first.
    const b = new AppendHistory();
    b.events.push(...h);
    const w = b.events.length;
    b.t(0, [a('p', 1), a('q', 1)])
      .t(1, [r('p', []), r('q', [1])])
      .t(2, [r('p', [1])]);
    const res = si(b);
    expect(res.anomalyTypes).toEqual(['G-single']);
    expect(res.anomalies[0]!.ops).toEqual([w, w + 2]);
  });
});

/** A serial history: every transaction runs alone against one copy of the lists. */
function serial(seed: number, n: number, keys: number): HistoryEvent<TxnOp>[] {
  const random = rng(seed);
  const lists = new Map<string, number[]>();
  let next = 1;
  const b = new AppendHistory();
  for (let i = 0; i < n; i++) {
    const ops: MicroOp[] = [];
    for (let j = 1 + Math.floor(random() * 4); j > 0; j--) {
      const key = `k${Math.floor(random() * keys)}`;
      const list = lists.get(key) ?? [];
      lists.set(key, list);
      if (random() < 0.5) ops.push(r(key, [...list]));
      else {
        list.push(next);
        ops.push(a(key, next++));
      }
    }
    b.t(i % 5, ops);
  }
  return b.events;
}

/**
 * A serial history from a store whose reads of keys a transaction does not
 * append to return a random prefix of the list (stale, with probability
 * `staleness`), the same one for every read of the key in the transaction.
 */
function stale(seed: number, n: number, keys: number, staleness: number): HistoryEvent<TxnOp>[] {
  const random = rng(seed);
  const lists = new Map<string, number[]>();
  let next = 1;
  const b = new AppendHistory();
  for (let i = 0; i < n; i++) {
    const raw: MicroOp[] = [];
    for (let j = 1 + Math.floor(random() * 4); j > 0; j--) {
      const key = `k${Math.floor(random() * keys)}`;
      raw.push(random() < 0.5 ? r(key) : a(key, next++));
    }
    const appends = new Set(raw.flatMap((m) => (m[0] === 'append' ? [m[1]] : [])));
    const snapshot = new Map<string, number[]>();
    const ops = raw.map((m): MicroOp => {
      const key = m[1];
      const list = lists.get(key) ?? [];
      lists.set(key, list);
      if (m[0] === 'append') {
        list.push(m[2]);
        return m;
      }
      if (appends.has(key)) return r(key, [...list]);
      let seen = snapshot.get(key);
      if (!seen) snapshot.set(key, (seen = list.slice(0, random() < staleness ? Math.floor(random() * (list.length + 1)) : list.length)));
      return r(key, [...seen]);
    });
    b.t(i % 5, ops);
  }
  return b.events;
}

interface SimOptions {
  processes: number;
  txns: number;
  keys: number;
  isolation: Isolation;
}

interface Running {
  readonly ops: MicroOp[];
  /** Snapshot: list lengths at start (snapshot isolation). */
  readonly start: Map<string, number>;
  done?: { type: 'ok' | 'fail'; ops: MicroOp[] };
}

/**
 * Concurrent clients against one copy of the lists. Serializable: each
 * transaction takes effect atomically at one step between its invoke and
 * completion. Snapshot isolation: it reads the lists as of its invoke (plus
 * its own appends) and commits at one later step unless a transaction that
 * committed since it started appended to a key it appends to
 * (first-committer-wins); so write skew happens. Some transactions crash:
 * they complete info before or after taking effect, and may never take effect.
 */
function simulate(seed: number, opts: SimOptions): HistoryEvent<TxnOp>[] {
  const random = rng(seed);
  const lists = new Map<string, number[]>();
  const list = (key: string): number[] => {
    let l = lists.get(key);
    if (!l) lists.set(key, (l = []));
    return l;
  };
  const b = new AppendHistory();
  const running: (Running | undefined)[] = new Array<Running | undefined>(opts.processes).fill(undefined);
  let next = 1;
  let invoked = 0;

  const newTxn = (): MicroOp[] => {
    const ops: MicroOp[] = [];
    for (let j = 1 + Math.floor(random() * 4); j > 0; j--) {
      const key = `k${Math.floor(random() * opts.keys)}`;
      ops.push(random() < 0.5 ? r(key) : a(key, next++));
    }
    return ops;
  };
  const apply = (t: Running): { type: 'ok' | 'fail'; ops: MicroOp[] } => {
    const own = new Map<string, number[]>();
    const appended = new Set<string>();
    const ops = t.ops.map((m): MicroOp => {
      const key = m[1];
      if (m[0] === 'append') {
        own.set(key, [...(own.get(key) ?? []), m[2]]);
        appended.add(key);
        return m;
      }
      const base = opts.isolation === 'serializable' ? list(key) : list(key).slice(0, t.start.get(key) ?? 0);
      return r(key, [...base, ...(own.get(key) ?? [])]);
    });
    if (opts.isolation === 'snapshot-isolation') {
      for (const key of appended) if (list(key).length !== (t.start.get(key) ?? 0)) return { type: 'fail', ops: t.ops };
    }
    for (const [key, values] of own) list(key).push(...values);
    return { type: 'ok', ops };
  };

  while (invoked < opts.txns || running.some((t) => t !== undefined)) {
    const p = Math.floor(random() * opts.processes);
    const t = running[p];
    if (!t) {
      if (invoked >= opts.txns) continue;
      const ops = newTxn();
      const start = new Map<string, number>();
      for (const m of ops) start.set(m[1], list(m[1]).length);
      running[p] = { ops, start };
      invoked++;
      b.invoke(p, asked(ops));
      continue;
    }
    const x = random();
    if (!t.done) {
      if (x < 0.7) t.done = apply(t);
      else if (x < 0.75) {
        b.info(p); // crashed before taking effect: maybe later, maybe never
        running[p] = undefined;
        if (random() < 0.5) apply(t);
      }
      continue;
    }
    if (x < 0.9) b.complete(t.done.type, p, txn(t.done.ops));
    else b.info(p);
    running[p] = undefined;
  }
  return b.events;
}
