import { describe, expect, it } from 'vitest';
import { EMPTY_HARD_STATE, MemoryStorage, type Entry, type Snapshot } from '../../src/raft/index.js';
import { enc, ids, makeEntries } from './harness.js';
import { expectRaftError } from './helpers.js';

/** Entries given as [index, term] pairs. */
const ents = (...pairs: [number, number][]): Entry[] => pairs.map(([index, term]) => makeEntries(index, [term])[0]!);

/** [index, term] of every entry in [firstIndex − 1, lastIndex] (the first is the snapshot point). */
function contents(s: MemoryStorage): [number, number][] {
  const out: [number, number][] = [];
  for (let i = s.firstIndex() - 1; i <= s.lastIndex(); i++) out.push([i, s.term(i)]);
  return out;
}

/** A storage holding entries 3..5 (terms 3, 4, 5) after a compaction at 3. */
function compactedAt3(): MemoryStorage {
  const s = new MemoryStorage();
  s.append(ents([1, 1], [2, 2], [3, 3], [4, 4], [5, 5]));
  s.compact(3);
  return s;
}

describe('MemoryStorage', () => {
  it('a storage bootstrapped with a configuration starts from a committed snapshot of it at (1, 1)', () => {
    const cs = { voters: ids(1, 2, 3), learners: ids(4) };
    const s = new MemoryStorage(cs);
    expect(s.snapshot().meta).toEqual({ index: 1, term: 1, confState: cs });
    expect(s.initialState()).toEqual({ hardState: { term: 1, vote: 0, commit: 1 }, confState: cs });
    expect([s.firstIndex(), s.lastIndex()]).toEqual([2, 1]);
  });

  it('a storage without a configuration is empty and waits for a snapshot', () => {
    const s = new MemoryStorage();
    expect(s.initialState().hardState).toEqual(EMPTY_HARD_STATE);
    expect([s.firstIndex(), s.lastIndex()]).toEqual([1, 0]);
  });

  it.each<{ name: string; append: [number, number][]; want: [number, number][] | 'throws' }>([
    { name: 'entries already covered by the snapshot are ignored', append: [[1, 1], [2, 2]], want: [[3, 3], [4, 4], [5, 5]] },
    { name: 'identical entries change nothing', append: [[3, 3], [4, 4], [5, 5]], want: [[3, 3], [4, 4], [5, 5]] },
    { name: 'a conflicting suffix is truncated and replaced', append: [[3, 3], [4, 6], [5, 6]], want: [[3, 3], [4, 6], [5, 6]] },
    { name: 'entries past the end extend the log', append: [[3, 3], [4, 4], [5, 5], [6, 5]], want: [[3, 3], [4, 4], [5, 5], [6, 5]] },
    { name: 'an append straddling the snapshot keeps only its tail', append: [[2, 3], [3, 3], [4, 5]], want: [[3, 3], [4, 5]] },
    { name: 'an append in the middle truncates everything after it', append: [[4, 5]], want: [[3, 3], [4, 5]] },
    { name: 'an append right after the last entry extends', append: [[6, 5]], want: [[3, 3], [4, 4], [5, 5], [6, 5]] },
    { name: 'an append leaving a gap is refused', append: [[7, 5]], want: 'throws' },
  ])('append: $name', ({ append, want }) => {
    const s = compactedAt3();
    if (want === 'throws') {
      expect(() => s.append(ents(...append))).toThrow(/gap/);
      expect(contents(s)).toEqual([[3, 3], [4, 4], [5, 5]]);
    } else {
      s.append(ents(...append));
      expect(contents(s)).toEqual(want);
    }
  });

  it.each<{ lo: number; hi: number; maxBytes: number; want: number[] | 'COMPACTED' | 'UNAVAILABLE' }>([
    { lo: 2, hi: 6, maxBytes: Infinity, want: 'COMPACTED' },
    { lo: 3, hi: 6, maxBytes: Infinity, want: 'COMPACTED' }, // 3 is the snapshot point, not an entry
    { lo: 4, hi: 5, maxBytes: Infinity, want: [4] },
    { lo: 4, hi: 6, maxBytes: Infinity, want: [4, 5] },
    { lo: 4, hi: 7, maxBytes: Infinity, want: 'UNAVAILABLE' },
    // Each entry here costs 4 data bytes + 24: a bound below one entry still returns one.
    { lo: 4, hi: 6, maxBytes: 0, want: [4] },
    { lo: 4, hi: 6, maxBytes: 28, want: [4] },
    { lo: 4, hi: 6, maxBytes: 55, want: [4] },
    { lo: 4, hi: 6, maxBytes: 56, want: [4, 5] },
  ])('entries($lo, $hi, maxBytes=$maxBytes) → $want', ({ lo, hi, maxBytes, want }) => {
    const s = compactedAt3();
    if (typeof want === 'string') expectRaftError(() => s.entries(lo, hi, maxBytes), want);
    else expect(s.entries(lo, hi, maxBytes).map((e) => e.index)).toEqual(want);
  });

  it.each<{ i: number; want: number | 'COMPACTED' | 'UNAVAILABLE' }>([
    { i: 2, want: 'COMPACTED' },
    { i: 3, want: 3 }, // the snapshot point keeps its term
    { i: 5, want: 5 },
    { i: 6, want: 'UNAVAILABLE' },
  ])('term($i) → $want', ({ i, want }) => {
    const s = compactedAt3();
    if (typeof want === 'string') expectRaftError(() => s.term(i), want);
    else expect(s.term(i)).toBe(want);
  });

  it('compact discards entries up to the index; below the current point it is a no-op; past the end it is refused', () => {
    const s = compactedAt3();
    s.compact(4);
    expect(contents(s)).toEqual([[4, 4], [5, 5]]);
    expectRaftError(() => s.entries(4, 5, Infinity), 'COMPACTED');
    expectRaftError(() => s.term(3), 'COMPACTED');
    s.compact(2);
    expect(contents(s)).toEqual([[4, 4], [5, 5]]);
    expect(() => s.compact(6)).toThrow(/beyond last/);
  });

  it('createSnapshot records index, term, configuration and data; an older index keeps the newer snapshot', () => {
    const s = new MemoryStorage();
    s.append(ents([1, 1], [2, 2], [3, 2]));
    const cs = { voters: ids(1, 2), learners: [] };
    const snap = s.createSnapshot(2, cs, enc('image'));
    expect(snap.meta).toEqual({ index: 2, term: 2, confState: cs });
    expect(s.snapshot()).toBe(snap);
    expect(s.createSnapshot(1, cs, enc('older'))).toBe(snap);
    expect(() => s.createSnapshot(9, cs, enc('x'))).toThrow(/beyond last/);
    // Creating a snapshot does not compact by itself.
    expect(s.firstIndex()).toBe(1);
  });

  it('applySnapshot replaces the whole log; an older snapshot is ignored', () => {
    const s = new MemoryStorage();
    s.append(ents([1, 1], [2, 1], [3, 1]));
    const cs = { voters: ids(1), learners: [] };
    const snap: Snapshot = { meta: { index: 10, term: 4, confState: cs }, data: enc('s10') };
    s.applySnapshot(snap);
    expect(contents(s)).toEqual([[10, 4]]);
    expect(s.snapshot()).toBe(snap);
    expect(s.initialState().confState).toEqual(cs);
    s.applySnapshot({ meta: { index: 5, term: 3, confState: cs }, data: enc('s5') });
    expect(s.snapshot()).toBe(snap);
    s.append(ents([11, 4]));
    expect(contents(s)).toEqual([[10, 4], [11, 4]]);
  });

  it('hard state is stored as given', () => {
    const s = new MemoryStorage();
    const hs = { term: 3, vote: ids(2)[0]!, commit: 0 };
    s.setHardState(hs);
    expect(s.initialState().hardState).toEqual(hs);
    expect(s.hardStateNow()).toEqual(hs);
  });
});
