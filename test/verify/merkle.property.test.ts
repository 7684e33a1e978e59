// Merkle trees over a range's MVCC versions (src/verify/merkle.ts): the rules
// that make anti-entropy comparison correct and cheap.
//   1. equal data ⇒ equal roots, no differing leaves;
//   2. one differing version ⇒ roots differ, diffTrees names exactly the leaf
//      holding it, and diffEntries on that leaf names exactly that version;
//   3. comparison cost grows with the number of differences, not the range;
//   4. the reference replica's leaves: full (≥ maxLeafBytes, except the last),
//      never splitting one key's versions, boundaries strictly increasing;
//   5. tree shapes.
// Versions are in storage order: key ascending (byte order), ts descending.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareBytes } from '../../src/storage/keys.js';
import { buildTree, diffEntries, diffTrees, LeafBuilder, root, type Leaves, type VersionEntry } from '../../src/verify/merkle.js';

const START = new Uint8Array(0); // the range starts at the beginning of the key space
const U64_MAX = (1n << 64n) - 1n;
const ALPHABET = [0x00, 0x01, 0x61, 0xff];
const TS_POOL = [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 1n << 63n, U64_MAX];

const keyArb = (maxLength: number) => fc.array(fc.constantFrom(...ALPHABET), { maxLength }).map((a) => Uint8Array.from(a));
const tsArb = fc.constantFrom(...TS_POOL);
const valueArb = fc.option(fc.uint8Array({ maxLength: 8 }), { nil: null, freq: 4 });
// Keys of ≤ 2 bytes over a 4-letter alphabet (21 keys): keys repeat with several versions.
const entriesArb = fc.array(fc.record({ key: keyArb(2), ts: tsArb, value: valueArb }), { maxLength: 80 }).map(normalize);

function cmpEntry(a: VersionEntry, b: VersionEntry): number {
  return compareBytes(a.key, b.key) || (a.ts === b.ts ? 0 : a.ts > b.ts ? -1 : 1);
}

/** Storage order, one version per (key, ts). */
function normalize(es: readonly VersionEntry[]): VersionEntry[] {
  const sorted = [...es].sort(cmpEntry);
  return sorted.filter((e, i) => i === 0 || cmpEntry(sorted[i - 1]!, e) !== 0);
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const show = (e: VersionEntry): string => `${hex(e.key)}@${e.ts}=${e.value === null ? 'TOMB' : hex(e.value)}`;
const copy = (es: readonly VersionEntry[]): VersionEntry[] => es.map((e) => ({ key: e.key.slice(), ts: e.ts, value: e.value === null ? null : e.value.slice() }));
const entryBytes = (e: VersionEntry): number => e.key.byteLength + (e.value?.byteLength ?? 0) + 17;

function build(entries: readonly VersionEntry[], opts: { boundaries?: readonly Uint8Array[]; maxLeafBytes?: number }): Leaves {
  const b = new LeafBuilder(START, opts);
  for (const e of entries) b.add(e);
  return b.finish();
}

/** Leaf i covers [boundaries[i], boundaries[i+1]) — computed independently of LeafBuilder. */
function leafOf(key: Uint8Array, boundaries: readonly Uint8Array[]): number {
  let i = 0;
  while (i + 1 < boundaries.length && compareBytes(key, boundaries[i + 1]!) >= 0) i++;
  return i;
}

function partition(entries: readonly VersionEntry[], boundaries: readonly Uint8Array[]): VersionEntry[][] {
  const out: VersionEntry[][] = boundaries.map(() => []);
  for (const e of entries) out[leafOf(e.key, boundaries)]!.push(e);
  return out;
}

const POOL = Array.from({ length: 4096 }, (_, i) => createHash('sha256').update(`leaf ${i}`).digest());

/** ceil(log_f(L)) + 1 by the definition of ceil(log): the least k with f^k ≥ L. */
function expectedLevels(leaves: number, fanout: number): number {
  let k = 0;
  let p = 1;
  while (p < leaves) {
    p *= fanout;
    k++;
  }
  return k + 1;
}

describe('Merkle: equal data', () => {
  it('equal versions ⇒ equal leaves and roots, no differing leaves, one node visited', () => {
    fc.assert(
      fc.property(entriesArb, fc.integer({ min: 1, max: 200 }), fc.integer({ min: 2, max: 6 }), (entries, maxLeafBytes, fanout) => {
        const a = build(entries, { maxLeafBytes });
        const b = build(copy(entries), { boundaries: a.boundaries });
        expect(b.hashes.map(hex)).toEqual(a.hashes.map(hex));
        expect(b.counts).toEqual(a.counts);
        expect(b.bytes).toBe(a.bytes);
        const ta = buildTree(a.hashes, fanout);
        const tb = buildTree(b.hashes, fanout);
        expect(root(tb).equals(root(ta))).toBe(true);
        expect(diffTrees(ta, tb, fanout)).toEqual({ leaves: [], visited: 1 });
        expect(diffEntries(entries, copy(entries))).toEqual({ onlyA: [], onlyB: [], changed: [] });
        // Deterministic: the reference replica rebuilding the same data chooses the same leaves.
        const again = build(copy(entries), { maxLeafBytes });
        expect(again.boundaries.map(hex)).toEqual(a.boundaries.map(hex));
        expect(again.hashes.map(hex)).toEqual(a.hashes.map(hex));
      }),
      { seed: 901, numRuns: 120 },
    );
  });
});

type Kind = 'value' | 'tomb' | 'ts' | 'missing' | 'extra';

interface Mutation {
  b: VersionEntry[];
  key: Uint8Array;
  onlyA: VersionEntry[];
  onlyB: VersionEntry[];
  changed: VersionEntry[];
  tags: string[];
}

function freeTs(entries: readonly VersionEntry[], key: Uint8Array, from: number): bigint {
  const taken = new Set(entries.filter((e) => compareBytes(e.key, key) === 0).map((e) => e.ts));
  for (let k = 0; k < TS_POOL.length; k++) {
    const t = TS_POOL[(from + k) % TS_POOL.length]!;
    if (!taken.has(t)) return t;
  }
  throw new Error('no free timestamp');
}

/** Replica B = replica A with exactly one version changed, missing or extra. */
function mutate(a: readonly VersionEntry[], m: { kind: Kind; pos: number; delta: number; key: Uint8Array; tsPick: number; value: Uint8Array | null; fresh: Uint8Array }): Mutation {
  let kind = m.kind;
  const withValue = a.map((e, i) => (e.value !== null && e.value.byteLength > 0 ? i : -1)).filter((i) => i >= 0);
  if (a.length === 0) kind = 'extra';
  else if (kind === 'value' && withValue.length === 0) kind = 'tomb';
  const b = copy(a);
  const i = kind === 'value' ? withValue[m.pos % withValue.length]! : m.pos % Math.max(1, a.length);
  const old = a[i]!;
  switch (kind) {
    case 'value': {
      const v = old.value!.slice();
      const at = m.delta % v.byteLength;
      v[at] = (v[at]! + 1 + (m.delta % 255)) & 0xff;
      b[i] = { ...b[i]!, value: v };
      return { b, key: old.key, onlyA: [], onlyB: [], changed: [old], tags: ['value'] };
    }
    case 'tomb': {
      // A tombstone and an empty value are different versions.
      b[i] = { ...b[i]!, value: old.value === null ? m.fresh : null };
      return { b, key: old.key, onlyA: [], onlyB: [], changed: [old], tags: [old.value === null ? 'tomb→value' : 'value→tomb', ...(m.fresh.byteLength === 0 && old.value === null ? ['tomb→empty'] : [])] };
    }
    case 'ts': {
      const moved = { ...b[i]!, ts: freeTs(a, old.key, m.tsPick) };
      b[i] = moved;
      return { b: normalize(b), key: old.key, onlyA: [old], onlyB: [moved], changed: [], tags: ['ts'] };
    }
    case 'missing': {
      b.splice(i, 1);
      const wholeKey = !b.some((e) => compareBytes(e.key, old.key) === 0);
      return { b, key: old.key, onlyA: [old], onlyB: [], changed: [], tags: ['missing', ...(wholeKey ? ['missing whole key'] : [])] };
    }
    case 'extra': {
      const added = { key: m.key, ts: freeTs(a, m.key, m.tsPick), value: m.value };
      const exists = a.some((e) => compareBytes(e.key, m.key) === 0);
      const where =
        a.length === 0 ? 'into empty range'
        : exists ? 'extra version of an existing key'
        : compareBytes(m.key, a[0]!.key) < 0 ? 'new key before the first'
        : compareBytes(m.key, a[a.length - 1]!.key) > 0 ? 'new key after the last'
        : 'new key between keys';
      return { b: normalize([...b, added]), key: m.key, onlyA: [], onlyB: [added], changed: [], tags: ['extra', where] };
    }
  }
}

describe('Merkle: one differing version', () => {
  it('roots differ, diffTrees returns exactly the leaf holding it, diffEntries on that leaf returns exactly that version', () => {
    const seen = new Map<string, number>();
    const mutationArb = fc.record({
      kind: fc.constantFrom<Kind>('value', 'tomb', 'ts', 'missing', 'extra'),
      pos: fc.nat(),
      delta: fc.nat(),
      key: keyArb(3),
      tsPick: fc.nat(TS_POOL.length - 1),
      value: valueArb,
      fresh: fc.uint8Array({ maxLength: 3 }),
    });
    fc.assert(
      fc.property(
        entriesArb,
        mutationArb,
        fc.boolean(),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 2, max: 5 }),
        (a, m, referenceIsA, maxLeafBytes, fanout) => {
          const mut = mutate(a, m);
          const b = mut.b;
          // Either replica may be the reference (so a key that is only on the reference can be a boundary).
          const ref = build(referenceIsA ? a : b, { maxLeafBytes });
          const boundaries = ref.boundaries;
          const la = referenceIsA ? ref : build(a, { boundaries });
          const lb = referenceIsA ? build(b, { boundaries }) : ref;
          expect(la.hashes).toHaveLength(boundaries.length);
          expect(lb.hashes).toHaveLength(boundaries.length);

          const ta = buildTree(la.hashes, fanout);
          const tb = buildTree(lb.hashes, fanout);
          expect(root(ta).equals(root(tb))).toBe(false);

          // Exactly correct: every returned leaf contains a difference, and every difference is in a
          // returned leaf. One version lies in exactly one leaf [b_i, b_{i+1}) — also when its key is a
          // boundary (it then starts leaf i and is in no other) — so that is exactly one leaf.
          const pa = partition(a, boundaries);
          const pb = partition(b, boundaries);
          const differing = boundaries.map((_, i) => i).filter((i) => pa[i]!.map(show).join() !== pb[i]!.map(show).join());
          const leaf = leafOf(mut.key, boundaries);
          expect(differing).toEqual([leaf]);
          const { leaves, visited } = diffTrees(ta, tb, fanout);
          expect(leaves).toEqual([leaf]);
          expect(visited).toBeLessThanOrEqual(fanout * (ta.length - 1) + 1);

          const d = diffEntries(pa[leaf]!, pb[leaf]!);
          expect({ onlyA: d.onlyA.map(show), onlyB: d.onlyB.map(show), changed: d.changed.map(show) }).toEqual({
            onlyA: mut.onlyA.map(show),
            onlyB: mut.onlyB.map(show),
            changed: mut.changed.map(show),
          });
          // The same over the whole range, and the other way round.
          expect(diffEntries(a, b).onlyA.map(show)).toEqual(mut.onlyA.map(show));
          const r = diffEntries(b, a);
          expect(r.onlyA.map(show)).toEqual(mut.onlyB.map(show));
          expect(r.onlyB.map(show)).toEqual(mut.onlyA.map(show));
          expect(r.changed.length).toBe(mut.changed.length);

          for (const t of mut.tags) seen.set(t, (seen.get(t) ?? 0) + 1);
          if (boundaries.slice(1).some((k) => compareBytes(k, mut.key) === 0)) seen.set('boundary key', (seen.get('boundary key') ?? 0) + 1);
          if (leaf > 0 && leaf === boundaries.length - 1) seen.set('last leaf', (seen.get('last leaf') ?? 0) + 1);
          if (boundaries.length > fanout) seen.set('multi-level', (seen.get('multi-level') ?? 0) + 1);
        },
      ),
      { seed: 902, numRuns: 300 },
    );
    // The generators reach every case the rule is about.
    for (const tag of [
      'value', 'tomb→value', 'value→tomb', 'tomb→empty', 'ts', 'missing', 'missing whole key', 'extra',
      'extra version of an existing key', 'new key before the first', 'new key after the last', 'new key between keys', 'into empty range',
      'boundary key', 'last leaf', 'multi-level',
    ]) {
      expect(seen.get(tag) ?? 0, tag).toBeGreaterThan(0);
    }
  });

  it('a tombstone and an empty value hash differently', () => {
    const key = Uint8Array.of(0x61);
    const a = build([{ key, ts: 1n, value: null }], {});
    const b = build([{ key, ts: 1n, value: new Uint8Array(0) }], { boundaries: a.boundaries });
    expect(a.hashes[0]!.equals(b.hashes[0]!)).toBe(false);
    expect(diffEntries([{ key, ts: 1n, value: null }], [{ key, ts: 1n, value: new Uint8Array(0) }]).changed).toHaveLength(1);
  });
});

describe('Merkle: comparison cost', () => {
  const N = 4096;
  const FANOUT = 16;
  const base = POOL.slice(0, N);
  const tree = buildTree(base, FANOUT);
  const nodes = tree.reduce((n, level) => n + level.length, 0);
  const depth = tree.length - 1; // 4096 = 16^3

  it('d = 0 visits only the root', () => {
    expect(depth).toBe(3);
    expect(diffTrees(tree, buildTree([...base], FANOUT), FANOUT)).toEqual({ leaves: [], visited: 1 });
  });

  for (const d of [1, 4, 16]) {
    it(`d = ${d} of ${N} leaves: finds exactly them, visited ≤ d × fanout × depth + 1 ≪ nodes`, () => {
      fc.assert(
        fc.property(fc.uniqueArray(fc.nat(N - 1), { minLength: d, maxLength: d }), (changed) => {
          const other = [...base];
          for (const i of changed) other[i] = createHash('sha256').update(`changed ${i}`).digest();
          const { leaves, visited } = diffTrees(tree, buildTree(other, FANOUT), FANOUT);
          expect(leaves).toEqual([...changed].sort((x, y) => x - y));
          // Exactly: the root, plus every child of every differing inner node.
          let expected = 1;
          for (let level = 1; level < tree.length; level++) {
            const span = FANOUT ** level;
            for (const node of new Set(changed.map((i) => Math.floor(i / span)))) {
              expected += Math.min(FANOUT, tree[level - 1]!.length - node * FANOUT);
            }
          }
          expect(visited).toBe(expected);
          expect(visited).toBeLessThanOrEqual(d * FANOUT * depth + 1);
          expect(visited * 4).toBeLessThan(nodes);
        }),
        { seed: 903 + d, numRuns: 20 },
      );
    });
  }

  it('cost does not grow with the range: one difference costs ≤ fanout × depth + 1 for any size and fan-out', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1500 }), fc.integer({ min: 2, max: 20 }), fc.nat(), (n, fanout, pick) => {
        const leaves = base.slice(0, n);
        const t = buildTree(leaves, fanout);
        const other = [...leaves];
        const i = pick % n;
        other[i] = createHash('sha256').update('other').digest();
        const r = diffTrees(t, buildTree(other, fanout), fanout);
        expect(r.leaves).toEqual([i]);
        expect(r.visited).toBeLessThanOrEqual(fanout * (t.length - 1) + 1);
      }),
      { seed: 907, numRuns: 30 },
    );
  });
});

describe('Merkle: leaf sizes (reference replica)', () => {
  it('full leaves except the last, one key never split, boundaries strictly increasing from the range start', () => {
    fc.assert(
      fc.property(entriesArb, fc.integer({ min: 0, max: 150 }), (entries, maxLeafBytes) => {
        const l = build(entries, { maxLeafBytes });
        const bs = l.boundaries;
        expect(bs[0]!).toEqual(START);
        for (let i = 1; i < bs.length; i++) expect(compareBytes(bs[i - 1]!, bs[i]!)).toBeLessThan(0);
        expect(l.hashes).toHaveLength(bs.length);
        expect(l.counts).toHaveLength(bs.length);
        expect(l.bytes).toBe(entries.reduce((n, e) => n + entryBytes(e), 0));

        const parts = partition(entries, bs);
        expect(l.counts).toEqual(parts.map((p) => p.length));
        parts.forEach((p, i) => {
          const bytes = p.reduce((n, e) => n + entryBytes(e), 0);
          if (i < parts.length - 1) {
            expect(bytes).toBeGreaterThanOrEqual(maxLeafBytes);
            // ... and no fuller than needed: before its last key, the leaf was empty or not yet full.
            const lastKey = p[p.length - 1]!.key;
            const before = p.filter((e) => compareBytes(e.key, lastKey) !== 0).reduce((n, e) => n + entryBytes(e), 0);
            if (before > 0) expect(before).toBeLessThan(maxLeafBytes);
          }
          // Every leaf after the first starts at its boundary key, so no key's versions straddle two leaves.
          if (i > 0) expect(hex(p[0]!.key)).toBe(hex(bs[i]!));
        });
        // Leaf hashes are the hashes of exactly those versions: rebuilding any leaf alone gives its hash.
        parts.forEach((p, i) => {
          const alone = build(p, { boundaries: [START] });
          expect(hex(alone.hashes[0]!)).toBe(hex(l.hashes[i]!));
        });
      }),
      { seed: 904, numRuns: 150 },
    );
  });

  it('versions of one key stay in one leaf however small maxLeafBytes is', () => {
    const key = Uint8Array.of(0x61);
    const entries = [5n, 4n, 3n, 2n, 1n].map((ts) => ({ key, ts, value: new Uint8Array(100) }));
    const l = build([...entries, { key: Uint8Array.of(0x62), ts: 1n, value: null }], { maxLeafBytes: 1 });
    expect(l.boundaries.map(hex)).toEqual(['', '62']);
    expect(l.counts).toEqual([5, 1]);
  });
});

describe('Merkle: shapes', () => {
  it('buildTree of L leaves has ceil(log_fanout(L)) + 1 levels, each ceil(below / fanout) wide, ending in one root', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 2, max: 40 }), (n, fanout) => {
        const leaves = POOL.slice(0, n);
        const t = buildTree(leaves, fanout);
        expect(t).toHaveLength(expectedLevels(n, fanout));
        expect(t[0]).toHaveLength(n);
        for (let l = 1; l < t.length; l++) expect(t[l]).toHaveLength(Math.ceil(t[l - 1]!.length / fanout));
        expect(t[t.length - 1]).toHaveLength(1);
        expect(root(t)).toBe(t[t.length - 1]![0]);
      }),
      { seed: 905, numRuns: 100 },
    );
    expect(buildTree(Array.from({ length: 4096 }, () => Buffer.alloc(32)), 16)).toHaveLength(4);
    expect(buildTree(Array.from({ length: 4097 }, () => Buffer.alloc(32)), 16)).toHaveLength(5);
  });

  it('an empty range has one empty leaf; with given boundaries, every leaf is empty', () => {
    const l = build([], {});
    expect(l.boundaries).toEqual([START]);
    expect(l.counts).toEqual([0]);
    expect(l.bytes).toBe(0);
    expect(l.hashes).toHaveLength(1);
    const t = buildTree(l.hashes);
    expect(t).toHaveLength(1);
    expect(buildTree([])).toHaveLength(1);
    expect(root(buildTree([])).equals(root(t))).toBe(true);

    const fixed = build([], { boundaries: [START, Uint8Array.of(1), Uint8Array.of(2)] });
    expect(fixed.counts).toEqual([0, 0, 0]);
    expect(fixed.hashes.every((h) => h.equals(l.hashes[0]!))).toBe(true);
    // An empty leaf is not the same as a non-empty one.
    const one = build([{ key: Uint8Array.of(1), ts: 1n, value: null }], { boundaries: fixed.boundaries });
    expect(one.counts).toEqual([0, 1, 0]);
    expect(diffTrees(buildTree(fixed.hashes, 2), buildTree(one.hashes, 2), 2).leaves).toEqual([1]);
  });

  it('diffTrees throws on trees of different shapes', () => {
    const leaves = (n: number) => POOL.slice(0, n);
    // Different depth.
    expect(() => diffTrees(buildTree(leaves(16), 16), buildTree(leaves(17), 16), 16)).toThrow(/different shapes/);
    // Same depth, different leaf count.
    expect(() => diffTrees(buildTree(leaves(17), 16), buildTree(leaves(18), 16), 16)).toThrow(/different shapes/);
    expect(() => diffTrees(buildTree(leaves(1), 16), buildTree([], 16), 16)).not.toThrow();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 2, max: 8 }), (n, m, fanout) => {
        const a = buildTree(leaves(n), fanout);
        const b = buildTree(leaves(m), fanout);
        if (Math.max(n, 1) === Math.max(m, 1)) expect(() => diffTrees(a, b, fanout)).not.toThrow();
        else expect(() => diffTrees(a, b, fanout)).toThrow(/different shapes/);
      }),
      { seed: 906, numRuns: 100 },
    );
  });
});
