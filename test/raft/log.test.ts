import { describe, expect, it } from 'vitest';
import { MemoryStorage, type Entry, type Snapshot } from '../../src/raft/index.js';
import { RaftLog } from '../../src/raft/log.js';
import { enc, ids, makeEntries } from './harness.js';
import { expectRaftError } from './helpers.js';

/** Entries given as [index, term] pairs. */
const ents = (...pairs: [number, number][]): Entry[] => pairs.map(([index, term]) => makeEntries(index, [term])[0]!);

/** A log whose stable part (in storage) holds `stable` and whose unstable part holds `unstable`. */
function logWith(stable: [number, number][], unstable: [number, number][] = [], committed = 0): RaftLog {
  const s = new MemoryStorage();
  s.append(ents(...stable));
  const log = new RaftLog(s, 0);
  if (unstable.length > 0) log.append(ents(...unstable));
  log.commitTo(committed);
  return log;
}

function termsOf(log: RaftLog): [number, number][] {
  const out: [number, number][] = [];
  for (let i = log.firstIndex(); i <= log.lastIndex(); i++) out.push([i, log.term(i)!]);
  return out;
}

describe('RaftLog', () => {
  describe('maybeAppend: append after a matching (index, term), truncating a conflicting suffix', () => {
    // The log: (1,1) (2,2) (3,3), committed through 1.
    const base: [number, number][] = [[1, 1], [2, 2], [3, 3]];
    it.each<{ name: string; index: number; logTerm: number; commit: number; append: [number, number][]; lastNew: number | undefined; wantCommit: number; want: [number, number][] }>([
      { name: 'previous term mismatch is refused', index: 3, logTerm: 2, commit: 3, append: [[4, 4]], lastNew: undefined, wantCommit: 1, want: base },
      { name: 'previous index beyond the log is refused', index: 4, logTerm: 4, commit: 3, append: [[5, 4]], lastNew: undefined, wantCommit: 1, want: base },
      { name: 'empty append at the last entry', index: 3, logTerm: 3, commit: 3, append: [], lastNew: 3, wantCommit: 3, want: base },
      { name: 'commit is capped at the last new entry', index: 3, logTerm: 3, commit: 4, append: [], lastNew: 3, wantCommit: 3, want: base },
      { name: 'commit is capped at the last new entry, not the log end', index: 1, logTerm: 1, commit: 3, append: [], lastNew: 1, wantCommit: 1, want: base },
      { name: 'commit never goes backwards', index: 3, logTerm: 3, commit: 0, append: [], lastNew: 3, wantCommit: 1, want: base },
      { name: 'new entries extend the log', index: 3, logTerm: 3, commit: 4, append: [[4, 4]], lastNew: 4, wantCommit: 4, want: [...base, [4, 4]] },
      { name: 'several new entries', index: 3, logTerm: 3, commit: 5, append: [[4, 4], [5, 4]], lastNew: 5, wantCommit: 5, want: [...base, [4, 4], [5, 4]] },
      { name: 'entries already present change nothing', index: 1, logTerm: 1, commit: 2, append: [[2, 2], [3, 3]], lastNew: 3, wantCommit: 2, want: base },
      { name: 'a conflicting entry truncates the suffix', index: 2, logTerm: 2, commit: 3, append: [[3, 4]], lastNew: 3, wantCommit: 3, want: [[1, 1], [2, 2], [3, 4]] },
      { name: 'a conflict earlier in the log', index: 1, logTerm: 1, commit: 3, append: [[2, 4]], lastNew: 2, wantCommit: 2, want: [[1, 1], [2, 4]] },
      { name: 'a conflict after matching entries', index: 1, logTerm: 1, commit: 1, append: [[2, 2], [3, 4], [4, 4]], lastNew: 4, wantCommit: 1, want: [[1, 1], [2, 2], [3, 4], [4, 4]] },
    ])('$name', ({ index, logTerm, commit, append, lastNew, wantCommit, want }) => {
      const log = logWith(base, [], 1);
      const res = log.maybeAppend(index, logTerm, commit, ents(...append));
      expect(res?.lastNew).toBe(lastNew);
      expect(log.committed).toBe(wantCommit);
      expect(termsOf(log)).toEqual(want);
    });

    it('a conflict with a committed entry is an invariant violation', () => {
      const log = logWith(base, [], 2);
      expect(() => log.maybeAppend(1, 1, 3, ents([2, 4]))).toThrow(/committed/);
    });
  });

  it.each<{ append: [number, number][]; want: number }>([
    { append: [], want: 0 },
    { append: [[1, 1], [2, 2], [3, 3]], want: 0 },
    { append: [[2, 2], [3, 3]], want: 0 },
    { append: [[3, 3]], want: 0 },
    { append: [[1, 1], [2, 2], [3, 3], [4, 4], [5, 4]], want: 4 },
    { append: [[3, 3], [4, 4]], want: 4 },
    { append: [[4, 4]], want: 4 },
    { append: [[1, 4], [2, 4]], want: 1 },
    { append: [[2, 1], [3, 4], [4, 4]], want: 2 },
    { append: [[3, 1], [4, 2]], want: 3 },
  ])('findConflict($append) → $want: the first entry that differs from or extends the log', ({ append, want }) => {
    expect(logWith([[1, 1], [2, 2], [3, 3]]).findConflict(ents(...append))).toBe(want);
  });

  describe('findConflictByTerm: the last index ≤ i whose term ≤ t (fast log repair)', () => {
    // The log: (1,1) (2,2) (3,2) (4,3) (5,5) (6,5).
    const LOG: [number, number][] = [[1, 1], [2, 2], [3, 2], [4, 3], [5, 5], [6, 5]];
    it.each([
      { i: 6, t: 5, want: { index: 6, term: 5 } },
      { i: 6, t: 4, want: { index: 4, term: 3 } },
      { i: 6, t: 2, want: { index: 3, term: 2 } },
      { i: 6, t: 1, want: { index: 1, term: 1 } },
      { i: 6, t: 0, want: { index: 0, term: 0 } },
      { i: 3, t: 5, want: { index: 3, term: 2 } },
      { i: 0, t: 5, want: { index: 0, term: 0 } },
      { i: 9, t: 5, want: { index: 9, term: 0 } }, // beyond the log: unknown term, caller must cap i
    ])('($i, $t) → $want', ({ i, t, want }) => {
      expect(logWith(LOG).findConflictByTerm(i, t)).toEqual(want);
    });

    it('below the compaction point it answers with that index and the unknown term 0', () => {
      const s = new MemoryStorage();
      s.append(ents(...LOG));
      s.compact(3);
      const log = new RaftLog(s, 0);
      expect(log.findConflictByTerm(6, 1)).toEqual({ index: 2, term: 0 });
      expect(log.findConflictByTerm(6, 2)).toEqual({ index: 3, term: 2 });
    });
  });

  it.each([
    { lastIndex: 3, term: 3, want: true, why: 'same last entry' },
    { lastIndex: 4, term: 3, want: true, why: 'same last term, longer' },
    { lastIndex: 2, term: 3, want: false, why: 'same last term, shorter' },
    { lastIndex: 1, term: 4, want: true, why: 'higher last term, shorter' },
    { lastIndex: 9, term: 2, want: false, why: 'lower last term, longer' },
  ])('isUpToDate($lastIndex, $term) → $want: $why', ({ lastIndex, term, want }) => {
    expect(logWith([[1, 1], [2, 2], [3, 3]]).isUpToDate(lastIndex, term)).toBe(want);
  });

  it('term() covers the snapshot point through the last entry, stable or unstable, and nothing else', () => {
    const s = new MemoryStorage();
    s.append(ents([1, 1], [2, 2], [3, 3]));
    s.compact(2);
    const log = new RaftLog(s, 0);
    log.append(ents([4, 4]));
    expect([1, 2, 3, 4, 5].map((i) => log.term(i))).toEqual([undefined, 2, 3, 4, undefined]);
    expect(log.firstIndex()).toBe(3);
    expect(log.lastIndex()).toBe(4);
  });

  it('slice spans stable and unstable entries, honours maxBytes (at least one entry), and throws COMPACTED below the first index', () => {
    const s = new MemoryStorage();
    s.append(ents([1, 1], [2, 1], [3, 1], [4, 1]));
    s.compact(1);
    const log = new RaftLog(s, 0);
    log.append(ents([5, 2], [6, 2]));
    expect(log.slice(2, 7, Infinity).map((e) => e.index)).toEqual([2, 3, 4, 5, 6]);
    expect(log.slice(3, 6, Infinity).map((e) => e.index)).toEqual([3, 4, 5]);
    expect(log.slice(5, 5, Infinity)).toEqual([]);
    // Each entry costs 4 + 24 = 28 bytes.
    expect(log.slice(2, 7, 0).map((e) => e.index)).toEqual([2]);
    expect(log.slice(2, 7, 28 * 3).map((e) => e.index)).toEqual([2, 3, 4]);
    expect(log.slice(4, 7, 28 * 2).map((e) => e.index)).toEqual([4, 5]);
    expectRaftError(() => log.slice(1, 3, Infinity), 'COMPACTED');
  });

  it('maybeCommit commits only an entry of the given (current) term, unless previous terms are allowed', () => {
    const log = logWith([[1, 1], [2, 2], [3, 2], [4, 3]]);
    expect(log.maybeCommit(3, 3, false)).toBe(false);
    expect(log.committed).toBe(0);
    expect(log.maybeCommit(4, 3, false)).toBe(true);
    expect(log.committed).toBe(4);
    expect(log.maybeCommit(2, 3, false)).toBe(false); // never backwards
    expect(log.committed).toBe(4);

    const unsafe = logWith([[1, 1], [2, 2], [3, 2], [4, 3]]);
    expect(unsafe.maybeCommit(3, 3, true)).toBe(true);
    expect(unsafe.committed).toBe(3);
  });

  it('commitTo never moves backwards and refuses to pass the last index', () => {
    const log = logWith([[1, 1], [2, 1]]);
    log.commitTo(2);
    log.commitTo(1);
    expect(log.committed).toBe(2);
    expect(() => log.commitTo(3)).toThrow(/beyond last index/);
  });

  it('appended entries stay unstable until stableTo, which ignores a stale (index, term)', () => {
    const log = logWith([[1, 1]]);
    log.append(ents([2, 1], [3, 1]));
    expect(log.unstableEntries().map((e) => e.index)).toEqual([2, 3]);
    log.unstable.stableTo(3, 9); // not the term handed out: ignored
    expect(log.unstableEntries().map((e) => e.index)).toEqual([2, 3]);
    log.unstable.stableTo(2, 1);
    expect(log.unstableEntries().map((e) => e.index)).toEqual([3]);
    // A replacement of the unstable tail is again unstable.
    log.append(ents([3, 2]));
    expect(log.unstableEntries().map((e) => [e.index, e.term])).toEqual([[3, 2]]);
  });

  it('committed entries are handed out from applied + 1 through the commit index, bounded by bytes', () => {
    const log = logWith([[1, 1], [2, 1], [3, 1], [4, 1]], [], 3);
    expect(log.nextCommittedEntries(Infinity).map((e) => e.index)).toEqual([1, 2, 3]);
    expect(log.nextCommittedEntries(1).map((e) => e.index)).toEqual([1]);
    log.appliedTo(2);
    expect(log.hasNextCommittedEntries()).toBe(true);
    expect(log.nextCommittedEntries(Infinity).map((e) => e.index)).toEqual([3]);
    log.appliedTo(3);
    expect(log.hasNextCommittedEntries()).toBe(false);
    expect(() => log.appliedTo(4)).toThrow(/applied/);
  });

  it('restoring a snapshot resets the log to its point and marks it committed', () => {
    const log = logWith([[1, 1], [2, 1]], [[3, 2]], 1);
    const snap: Snapshot = { meta: { index: 10, term: 5, confState: { voters: ids(1), learners: [] } }, data: enc('s') };
    log.restore(snap);
    expect(log.committed).toBe(10);
    expect(log.firstIndex()).toBe(11);
    expect(log.lastIndex()).toBe(10);
    expect(log.term(10)).toBe(5);
    expect(log.term(9)).toBeUndefined();
    expect(log.hasNextCommittedEntries()).toBe(false);
  });
});
