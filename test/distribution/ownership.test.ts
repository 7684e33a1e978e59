// A group's ownership map against a brute-force model.
//
// The model works over the universe U of every key of 0–3 bytes over the
// alphabet [0, 1, 0x61, 0x62, 0xff] (156 keys). When every interval boundary
// and every probed key is in U, U is enough to decide everything exactly:
//  - a key is owned iff some raw interval contains it;
//  - the owned set is a union of maximal runs; each run starts at a raw start
//    and ends at a raw end (or +∞), and those are in U, so the runs of owned
//    keys in sorted U are exactly the merged intervals (a run that reaches the
//    last key of U runs to +∞);
//  - [s, e) is served iff every key of U in [s, e) is owned: if some real key
//    in it is not, then either s is not owned, or the run around s ends at a
//    raw end b with s < b < e that is not owned, and both are in U.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RouteCatalog, type CatalogCommand } from '../../src/routing/catalog.js';
import { OwnershipMap, type OwnedInterval } from '../../src/distribution/ownership.js';
import { compareBytes } from '../../src/storage/keys.js';

const ALPHABET = [0, 1, 0x61, 0x62, 0xff] as const;
const INF = new Uint8Array(0);

const U: Uint8Array[] = (() => {
  const out: Uint8Array[] = [new Uint8Array(0)];
  let layer: number[][] = [[]];
  for (let len = 1; len <= 3; len++) {
    layer = layer.flatMap((p) => ALPHABET.map((b) => [...p, b]));
    out.push(...layer.map((k) => Uint8Array.from(k)));
  }
  return out.sort(compareBytes);
})();
const name = (k: Uint8Array): string => [...k].join(',');
const indexInU = new Map(U.map((k, i) => [name(k), i]));
const uIndex = (k: Uint8Array): number => {
  const i = indexInU.get(name(k));
  if (i === undefined) throw new Error(`key ${name(k)} is not in the model's universe`);
  return i;
};
/** Index in U of an exclusive end: +∞ is one past the last key. */
const uEnd = (end: Uint8Array): number => (end.byteLength === 0 ? U.length : uIndex(end));

const key = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 3 }).map((b) => Uint8Array.from(b));
const plain = (iv: { start: Uint8Array; end: Uint8Array } | undefined): unknown => (iv ? { start: name(iv.start), end: iv.end.byteLength === 0 ? '+inf' : name(iv.end) } : undefined);

interface Raw {
  start: Uint8Array;
  end: Uint8Array;
}

/** The brute-force model of a set of raw (non-overlapping, non-empty) intervals. */
class Model {
  /** owned[i]: U[i] lies in some raw interval. */
  readonly owned: boolean[];
  constructor(raw: readonly Raw[]) {
    this.owned = U.map((_, i) => raw.some((r) => uIndex(r.start) <= i && i < uEnd(r.end)));
  }
  isOwned(k: Uint8Array): boolean {
    return this.owned[uIndex(k)]!;
  }
  /** The maximal run of owned keys around U[i], as an interval. */
  runAround(i: number): Raw | undefined {
    if (!this.owned[i]) return undefined;
    let a = i;
    while (a > 0 && this.owned[a - 1]) a--;
    let b = i;
    while (b < U.length && this.owned[b]) b++;
    return { start: U[a]!, end: b === U.length ? INF : U[b]! };
  }
  runs(): Raw[] {
    const out: Raw[] = [];
    for (let i = 0; i < U.length; i++) if (this.owned[i] && (i === 0 || !this.owned[i - 1])) out.push(this.runAround(i)!);
    return out;
  }
  /** Every key in [s, e) is owned (e empty: +∞). */
  serves(s: Uint8Array, e: Uint8Array): boolean {
    for (let i = uIndex(s); i < uEnd(e); i++) if (!this.owned[i]) return false;
    return true;
  }
}

/**
 * Valid (non-overlapping) intervals: distinct sorted boundaries cut the key
 * space into segments; a random subset of them is owned, some neighbours
 * adjacent (to be merged), given in a shuffled order.
 */
const validIntervals = fc
  .record({
    bounds: fc.uniqueArray(key, { minLength: 1, maxLength: 7, selector: name }),
    take: fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
    order: fc.array(fc.nat(), { minLength: 7, maxLength: 7 }),
  })
  .map(({ bounds, take, order }) => {
    const b = [...bounds].sort(compareBytes);
    const segs: Raw[] = b.map((s, i) => ({ start: s, end: i + 1 < b.length ? b[i + 1]! : INF }));
    const chosen = segs.filter((_, i) => take[i]);
    return chosen.map((s, i) => ({ s, o: order[i]! })).sort((x, y) => x.o - y.o).map(({ s }) => s);
  });

const toOwned = (raw: readonly Raw[]): OwnedInterval[] => raw.map((r) => ({ start: r.start, end: r.end, state: 'owned' as const }));

/** [s, e) with s < e or e = +∞, from the boundaries and random probes. */
function ranges(pool: readonly Uint8Array[]): Array<[Uint8Array, Uint8Array]> {
  const out: Array<[Uint8Array, Uint8Array]> = [];
  for (const s of pool) {
    out.push([s, INF]);
    for (const e of pool) if (compareBytes(s, e) < 0) out.push([s, e]);
  }
  return out;
}

describe('OwnershipMap', () => {
  it('merges adjacent intervals into exactly the maximal owned runs, in key order', () => {
    fc.assert(
      fc.property(validIntervals, (raw) => {
        const m = new OwnershipMap(toOwned(raw));
        const model = new Model(raw);
        expect(m.intervals().map(plain)).toEqual(model.runs().map(plain));
        for (const iv of m.intervals()) expect(iv.state).toBe('owned');
      }),
      { seed: 71, numRuns: 300 },
    );
  });

  it('find and single-key check: a key is served iff some interval contains it, and find returns the merged interval around it', () => {
    fc.assert(
      fc.property(validIntervals, (raw) => {
        const m = new OwnershipMap(toOwned(raw));
        const model = new Model(raw);
        // Compared all at once (one expect per run keeps the test fast).
        const runs = model.runs();
        const around = (i: number): unknown => {
          if (!model.owned[i]) return undefined;
          const r = runs.find((x) => compareBytes(x.start, U[i]!) <= 0 && (x.end.byteLength === 0 || compareBytes(U[i]!, x.end) < 0));
          return plain(r);
        };
        // An unowned key gets NOT_OWNER with nothing owned around it.
        expect(U.map((k) => [plain(m.find(k)), m.check(k)])).toEqual(U.map((_, i) => [around(i), model.owned[i] ? undefined : { code: 'NOT_OWNER' }]));
      }),
      { seed: 72, numRuns: 300 },
    );
  });

  it('range check: [s, e) is served iff every key in it is owned; otherwise the answer is the owned interval containing s, if any', () => {
    fc.assert(
      fc.property(validIntervals, fc.array(key, { maxLength: 5 }), (raw, probes) => {
        const m = new OwnershipMap(toOwned(raw));
        const model = new Model(raw);
        const pool = [...raw.flatMap((r) => (r.end.byteLength > 0 ? [r.start, r.end] : [r.start])), ...probes];
        for (const [s, e] of ranges(pool)) {
          const bad = m.check(s, e);
          if (model.serves(s, e)) {
            expect(bad).toBeUndefined();
          } else {
            expect(bad).toBeDefined();
            expect(plain(bad!.owned)).toEqual(plain(model.runAround(uIndex(s))));
          }
        }
      }),
      { seed: 73, numRuns: 300 },
    );
  });

  it('checkKeys returns the first unowned key in the order given, or undefined if all are owned', () => {
    fc.assert(
      fc.property(validIntervals, fc.array(key, { maxLength: 8 }), (raw, keys) => {
        const m = new OwnershipMap(toOwned(raw));
        const model = new Model(raw);
        const first = keys.find((k) => !model.isOwned(k));
        const bad = m.checkKeys(keys);
        if (first === undefined) expect(bad).toBeUndefined();
        else expect(bad).toEqual({ code: 'NOT_OWNER', key: first });
        // Works on any iterable, not only arrays.
        expect(m.checkKeys(new Set(keys))).toEqual(bad);
      }),
      { seed: 74, numRuns: 300 },
    );
  });

  it('accepts intervals iff none is empty and no two share a key; accepted ones merge into the owned runs', () => {
    const interval = fc.record({ start: key, end: fc.oneof({ weight: 1, arbitrary: fc.constant(INF) }, { weight: 4, arbitrary: key }) });
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(fc.array(interval, { maxLength: 4 }), (raw) => {
        const nonEmpty = raw.every((r) => uIndex(r.start) < uEnd(r.end));
        const disjoint = U.every((_, i) => raw.filter((r) => uIndex(r.start) <= i && i < uEnd(r.end)).length <= 1);
        if (nonEmpty && disjoint) {
          accepted++;
          const m = new OwnershipMap(toOwned(raw));
          expect(m.intervals().map(plain)).toEqual(new Model(raw).runs().map(plain));
        } else {
          rejected++;
          expect(() => new OwnershipMap(toOwned(raw))).toThrow(nonEmpty ? /overlap/ : /empty or inverted|overlap/);
        }
      }),
      { seed: 75, numRuns: 300 },
    );
    // The generator exercises both outcomes.
    expect(accepted).toBeGreaterThan(30);
    expect(rejected).toBeGreaterThan(30);
  });

  it('rejects overlapping, duplicate, empty and inverted intervals', () => {
    const k = (...b: number[]): Uint8Array => Uint8Array.from(b);
    const mk = (...ivs: Array<[Uint8Array, Uint8Array]>): OwnershipMap => new OwnershipMap(ivs.map(([start, end]) => ({ start, end, state: 'owned' })));
    expect(() => mk([k(1), k(1)])).toThrow(/empty or inverted/);
    expect(() => mk([k(2), k(1)])).toThrow(/empty or inverted/);
    expect(() => mk([k(1), k(3)], [k(2), k(4)])).toThrow(/overlap/);
    expect(() => mk([k(1), k(3)], [k(1), k(3)])).toThrow(/overlap/);
    expect(() => mk([k(1), INF], [k(5), k(6)])).toThrow(/overlap/);
    expect(() => mk([k(5), k(6)], [k(1), INF])).toThrow(/overlap/);
    expect(() => mk([INF, INF], [k(0), k(1)])).toThrow(/overlap/);
    // Touching is not overlapping; the whole key space is one interval.
    expect(mk([k(1), k(3)], [k(3), k(4)]).intervals().map(plain)).toEqual([plain({ start: k(1), end: k(4) })]);
    expect(mk([INF, INF]).check(k(0xff, 0xff, 0xff, 0xff), INF)).toBeUndefined();
    expect(new OwnershipMap([]).check(INF)).toEqual({ code: 'NOT_OWNER' });
    expect(new OwnershipMap([]).intervals()).toEqual([]);
  });

  it('an empty end is +∞: served only by an interval that runs to +∞', () => {
    const k = (...b: number[]): Uint8Array => Uint8Array.from(b);
    const bounded = new OwnershipMap([{ start: k(1), end: k(0xff, 0xff), state: 'owned' }]);
    expect(bounded.check(k(1), INF)).toEqual({ code: 'NOT_OWNER', owned: { start: k(1), end: k(0xff, 0xff) } });
    expect(bounded.check(k(1), k(0xff, 0xff))).toBeUndefined();
    expect(bounded.check(k(1), k(0xff, 0xff, 0))).toEqual({ code: 'NOT_OWNER', owned: { start: k(1), end: k(0xff, 0xff) } });
    expect(bounded.check(k(0xff, 0xff))).toEqual({ code: 'NOT_OWNER' });
    const open = new OwnershipMap([{ start: k(1), end: INF, state: 'owned' }]);
    expect(open.check(k(1), INF)).toBeUndefined();
    expect(open.check(k(0xff, 0xff, 0xff))).toBeUndefined();
    expect(open.check(k(0), INF)).toEqual({ code: 'NOT_OWNER' });
    expect(open.check(INF)).toEqual({ code: 'NOT_OWNER' }); // the empty key is a key, below 1
  });

  it('ofGroup owns exactly the keys the route table gives that group', () => {
    const command = fc.oneof(
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('SPLIT' as const), splitKey: key }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('REASSIGN' as const), pick: fc.nat(), group: fc.integer({ min: 1, max: 3 }) }) },
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 25 }), (cmds) => {
        const c = RouteCatalog.bootstrap([{ start: INF, end: INF, groupId: 1 }]);
        for (const raw of cmds) {
          const routes = c.list();
          let cmd: CatalogCommand;
          if (raw.kind === 'SPLIT') cmd = { kind: 'SPLIT', splitKey: raw.splitKey };
          else {
            const r = routes[raw.pick % routes.length]!;
            cmd = { kind: 'REASSIGN', routeId: r.routeId, groupId: raw.group, expectedRouteVersion: r.version };
          }
          c.apply(cmd);
        }
        for (const g of [1, 2, 3, 4]) {
          const m = OwnershipMap.ofGroup(c.list(), g);
          const model = new Model(c.list().filter((r) => r.groupId === g));
          expect(U.map((k) => m.find(k) !== undefined)).toEqual(U.map((k) => c.lookup(k).groupId === g));
          expect(m.intervals().map(plain)).toEqual(model.runs().map(plain));
        }
      }),
      { seed: 76, numRuns: 200 },
    );
  });
});
