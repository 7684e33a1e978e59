// The durable state the Raft core reads, and an in-memory implementation.
//
// The interface is synchronous: a host backed by an asynchronous store (LevelDB)
// keeps what the core reads (log tail, terms, hard state) in memory and persists
// behind it. Invariant: entries are contiguous from firstIndex() to lastIndex();
// the entry at firstIndex()-1 is represented only by the snapshot's (index, term).

import { RaftError, assert } from './errors.js';
import {
  EMPTY_HARD_STATE,
  entrySize,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
} from './types.js';

export interface InitialState {
  readonly hardState: HardState;
  readonly confState: ConfState;
}

export interface Storage {
  initialState(): InitialState;
  /** Entries in [lo, hi), at most `maxBytes` (but always at least one if any). */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** Term of entry i, for i in [firstIndex()-1, lastIndex()]. */
  term(i: number): number;
  firstIndex(): number;
  lastIndex(): number;
  /** The most recent snapshot (the core sends it to followers behind the log). */
  snapshot(): Snapshot;
  /** The group went idle: release what is kept in memory only to make reads fast (every entry stays readable). */
  shrink(): void;
}

const EMPTY_CONF: ConfState = { voters: [], learners: [] };

/**
 * An in-memory Storage for tests, the simulator and benchmarks. The host writes
 * into it with `append`, `setHardState`, `applySnapshot`, and compacts it with
 * `createSnapshot` + `compact`.
 */
export class MemoryStorage implements Storage {
  private hardState: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot;
  /** ents[0] is a dummy entry holding the snapshot's (index, term). */
  private ents: Entry[];

  /**
   * With a configuration: bootstraps a member of a new cluster. The initial
   * configuration becomes a snapshot at index 1, term 1 (committed), so that a
   * node added later learns it from that snapshot instead of replaying
   * membership changes against an empty base. Without one: an empty replica
   * that waits for a leader's snapshot.
   */
  constructor(confState: ConfState = EMPTY_CONF, data: Uint8Array = new Uint8Array(0)) {
    const bootstrap = confState.voters.length > 0;
    const index = bootstrap ? 1 : 0;
    const term = bootstrap ? 1 : 0;
    this.snap = { meta: { index, term, confState }, data };
    this.ents = [{ index, term, type: 0, data: new Uint8Array(0) }];
    if (bootstrap) this.hardState = { term, vote: 0 as HardState['vote'], commit: index };
  }

  initialState(): InitialState {
    return { hardState: this.hardState, confState: this.snap.meta.confState };
  }

  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  hardStateNow(): HardState {
    return this.hardState;
  }

  private offset(): number {
    return this.ents[0]!.index;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const off = this.offset();
    if (lo <= off) throw new RaftError('COMPACTED', `entries from ${lo} compacted (first ${off + 1})`);
    if (hi > this.lastIndex() + 1) {
      throw new RaftError('UNAVAILABLE', `entries to ${hi} beyond last index ${this.lastIndex()}`);
    }
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.ents[i - off]!;
      bytes += entrySize(e);
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  term(i: number): number {
    const off = this.offset();
    if (i < off) throw new RaftError('COMPACTED', `term of ${i} compacted (first ${off + 1})`);
    if (i - off >= this.ents.length) throw new RaftError('UNAVAILABLE', `term of ${i} beyond last index`);
    return this.ents[i - off]!.term;
  }

  firstIndex(): number {
    return this.offset() + 1;
  }

  lastIndex(): number {
    return this.offset() + this.ents.length - 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Nothing to release: this storage is memory. */
  shrink(): void {}

  /** Installs a snapshot received from a leader, discarding the whole log. */
  applySnapshot(snap: Snapshot): void {
    if (snap.meta.index <= this.snap.meta.index) return; // older than what we have
    this.snap = snap;
    this.ents = [{ index: snap.meta.index, term: snap.meta.term, type: 0, data: new Uint8Array(0) }];
  }

  /** Records a snapshot of the state machine at `index` (which must be applied and in the log). */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.meta.index) return this.snap;
    assert(index <= this.lastIndex(), `snapshot index ${index} beyond last ${this.lastIndex()}`);
    this.snap = { meta: { index, term: this.term(index), confState }, data };
    return this.snap;
  }

  /** Discards entries up to and including `index` (which must be covered by a snapshot or applied). */
  compact(index: number): void {
    const off = this.offset();
    if (index <= off) return;
    assert(index <= this.lastIndex(), `compact ${index} beyond last ${this.lastIndex()}`);
    const keep = this.ents.slice(index - off);
    keep[0] = { index, term: keep[0]!.term, type: 0, data: new Uint8Array(0) };
    this.ents = keep;
  }

  /** Appends entries, truncating any conflicting suffix. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    const off = this.offset();
    // Entries at or below the snapshot are already covered by it.
    let es = entries;
    if (first <= off) es = entries.slice(off + 1 - first);
    if (es.length === 0) return;
    const start = es[0]!.index;
    assert(start <= this.lastIndex() + 1, `append gap: ${start} after last ${this.lastIndex()}`);
    this.ents = this.ents.slice(0, start - off);
    for (const e of es) this.ents.push(e);
  }
}
