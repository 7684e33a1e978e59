// The Raft log as the core sees it: stable entries in Storage, followed by
// unstable entries (and possibly a snapshot) not yet persisted by the host.
//
// Invariants: applied ≤ committed ≤ lastIndex(); entries below firstIndex()
// are covered by a snapshot; the unstable part starts right after the stable
// part or after the unstable snapshot.

import { assert } from './errors.js';
import type { Storage } from './storage.js';
import { entrySize, type Entry, type Snapshot } from './types.js';

class Unstable {
  snapshot: Snapshot | undefined;
  entries: Entry[] = [];
  /** Index of entries[0]. */
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  maybeFirstIndex(): number | undefined {
    return this.snapshot ? this.snapshot.meta.index + 1 : undefined;
  }

  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot ? this.snapshot.meta.index : undefined;
  }

  maybeTerm(i: number): number | undefined {
    if (i < this.offset) {
      if (this.snapshot && this.snapshot.meta.index === i) return this.snapshot.meta.term;
      return undefined;
    }
    const last = this.maybeLastIndex();
    if (last === undefined || i > last) return undefined;
    return this.entries[i - this.offset]!.term;
  }

  stableTo(index: number, term: number): void {
    const t = this.maybeTerm(index);
    // Only drop entries that are still the ones handed out (not replaced since).
    if (t === term && index >= this.offset) {
      this.entries = this.entries.slice(index + 1 - this.offset);
      this.offset = index + 1;
    }
  }

  stableSnapTo(index: number): void {
    if (this.snapshot && this.snapshot.meta.index === index) this.snapshot = undefined;
  }

  restore(s: Snapshot): void {
    this.offset = s.meta.index + 1;
    this.entries = [];
    this.snapshot = s;
  }

  truncateAndAppend(ents: readonly Entry[]): void {
    const after = ents[0]!.index;
    if (after === this.offset + this.entries.length) {
      for (const e of ents) this.entries.push(e);
    } else if (after <= this.offset) {
      // Replace the whole unstable part.
      this.offset = after;
      this.entries = ents.slice();
    } else {
      this.entries = this.entries.slice(0, after - this.offset);
      for (const e of ents) this.entries.push(e);
    }
  }

  slice(lo: number, hi: number): Entry[] {
    assert(lo >= this.offset && hi <= this.offset + this.entries.length, `unstable slice [${lo},${hi}) out of bounds`);
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}

export class RaftLog {
  readonly storage: Storage;
  readonly unstable: Unstable;
  committed: number;
  applied: number;

  constructor(storage: Storage, applied: number) {
    this.storage = storage;
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
    if (applied > 0) this.applied = Math.max(this.applied, applied);
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** Term of entry i, or undefined when it is compacted or beyond the log. */
  term(i: number): number | undefined {
    const dummy = this.firstIndex() - 1;
    if (i < dummy || i > this.lastIndex()) return undefined;
    const t = this.unstable.maybeTerm(i);
    if (t !== undefined) return t;
    try {
      return this.storage.term(i);
    } catch {
      return undefined;
    }
  }

  lastTerm(): number {
    const t = this.term(this.lastIndex());
    assert(t !== undefined, 'last term must be known');
    return t;
  }

  matchTerm(i: number, term: number): boolean {
    const t = this.term(i);
    return t !== undefined && t === term;
  }

  isUpToDate(lastIndex: number, term: number): boolean {
    const myTerm = this.lastTerm();
    return term > myTerm || (term === myTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Appends leader entries after (index, logTerm). Returns the last new index
   * and the first index written (0 if every entry was already present), or
   * undefined when the log does not match at (index, logTerm).
   */
  maybeAppend(
    index: number,
    logTerm: number,
    committed: number,
    ents: readonly Entry[],
  ): { lastNew: number; conflict: number } | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      assert(ci > this.committed, `entry ${ci} conflicts with committed entry (committed ${this.committed})`);
      this.append(ents.slice(ci - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNew));
    return { lastNew, conflict: ci };
  }

  append(ents: readonly Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    assert(ents[0]!.index - 1 >= this.committed, `append at ${ents[0]!.index} below committed ${this.committed}`);
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /** First index where `ents` disagrees with the log (or extends it), 0 if all present. */
  findConflict(ents: readonly Entry[]): number {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * Largest index ≤ `index` whose term ≤ `term`, with that term: where a log
   * holding `term` at `index` may match ours (fast log repair).
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let i = index; i >= 0; i--) {
      const t = this.term(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term) return { index: i, term: t };
    }
    return { index: 0, term: 0 };
  }

  unstableEntries(): readonly Entry[] {
    return this.unstable.entries;
  }

  /** Committed entries not yet handed out for apply, bounded by `maxBytes`. */
  nextCommittedEntries(maxBytes: number): Entry[] {
    const lo = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 <= lo) return [];
    return this.slice(lo, this.committed + 1, maxBytes);
  }

  hasNextCommittedEntries(): boolean {
    return this.committed > Math.max(this.applied, this.firstIndex() - 1) && this.unstable.snapshot === undefined;
  }

  /** Entries in [lo, hi), at most maxBytes (at least one). Throws COMPACTED below firstIndex. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo >= hi) return [];
    assert(hi <= this.lastIndex() + 1, `slice to ${hi} beyond last ${this.lastIndex()}`);
    let out: Entry[] = [];
    const uo = this.unstable.offset;
    if (lo < uo) {
      out = this.storage.entries(lo, Math.min(hi, uo), maxBytes);
      if (out.length < Math.min(hi, uo) - lo) return out; // size-limited
    }
    if (hi > uo) {
      const un = this.unstable.slice(Math.max(lo, uo), hi);
      out = out.length > 0 ? out.concat(un) : un;
    }
    return limitSize(out, maxBytes);
  }

  /** Entries from `i` on, at most maxBytes. */
  entriesFrom(i: number, maxBytes: number): Entry[] {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxBytes);
  }

  commitTo(index: number): void {
    if (index > this.committed) {
      assert(index <= this.lastIndex(), `commit ${index} beyond last index ${this.lastIndex()}`);
      this.committed = index;
    }
  }

  /** Leader commit: only moves when the entry at maxIndex is of `term` (Raft §5.4.2). */
  maybeCommit(maxIndex: number, term: number, allowPreviousTerm: boolean): boolean {
    if (maxIndex > this.committed && (allowPreviousTerm || this.term(maxIndex) === term)) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    assert(i <= this.committed && i >= this.applied, `applied ${i} out of range [${this.applied}, ${this.committed}]`);
    this.applied = i;
  }

  restore(s: Snapshot): void {
    this.committed = s.meta.index;
    this.unstable.restore(s);
  }
}

function limitSize(ents: Entry[], maxBytes: number): Entry[] {
  if (ents.length === 0) return ents;
  let size = entrySize(ents[0]!);
  let n = 1;
  for (; n < ents.length; n++) {
    size += entrySize(ents[n]!);
    if (size > maxBytes) break;
  }
  return n === ents.length ? ents : ents.slice(0, n);
}
