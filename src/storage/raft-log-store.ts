// Durable Raft state of many groups in the node's LevelDB: entries, hard
// state, the compaction point and snapshot metadata.
//
// The Raft core reads storage synchronously; LevelDB writes asynchronously.
// So each group keeps its hard state, compaction point and a bounded tail of
// recent entries in memory (`GroupLogStorage`, the core's `Storage`); entries
// older than the tail are read with LevelDB's synchronous get. Writes go into
// a `StorageBatch` shared by all groups of a ready-loop turn (group commit);
// the in-memory view changes only after that batch is durable.
//
// Invariants per group: entries are contiguous in (truncated.index, last];
// term(truncated.index) is known; the tail is a suffix of the log.

import { RaftError, type ConfState, type Entry, type HardState, type NodeId, type Snapshot, type SnapshotMeta, type Storage } from '../raft/index.js';
import { EMPTY_HARD_STATE, EntryType } from '../raft/index.js';
import { BULK_SCAN, NodeDb, StorageBatch, StorageError } from './db.js';
import { NS_RAFT, RAFT_ENTRY, RAFT_HARD_STATE, RAFT_SNAPSHOT, groupPrefix, prefixEnd, raftEntryKey, raftKey, readU32 } from './keys.js';

const FORMAT_V1 = 1;
const RAFT_TRUNCATED = 0x04;

export interface RaftLogStoreOptions {
  /** Recent entries kept in memory per group... */
  readonly tailEntries?: number;
  /** ...and at most this many bytes of them (large entries: a 4,096-entry tail of 64 KiB writes held 256 MiB). */
  readonly tailBytes?: number;
}

interface Truncated {
  readonly index: number;
  readonly term: number;
}

/**
 * The entry with a payload that owns its bytes. An entry decoded from a
 * message or encoded into a pooled buffer is a view into a larger buffer
 * (an 8 KiB Buffer pool slab, a received frame): kept in the tail of an idle
 * group it pins that whole buffer — measured at 1.5 KiB per idle group, more
 * than the entries themselves. Copied once as it enters the tail.
 */
export function ownedEntry(e: Entry): Entry {
  const d = e.data;
  if (d.byteOffset === 0 && d.byteLength === d.buffer.byteLength) return e;
  // new Uint8Array(view) copies (a Buffer's slice() would be another view).
  return { term: e.term, index: e.index, type: e.type, data: new Uint8Array(d) };
}

export class GroupLogStorage implements Storage {
  hardState: HardState = EMPTY_HARD_STATE;
  snapMeta: SnapshotMeta = { index: 0, term: 0, confState: { voters: [], learners: [] } };
  truncated: Truncated = { index: 0, term: 0 };
  last = 0;
  /** Entries (last − tail.length, last]; assigned through setTail, appended in place (both keep tailSize). */
  tail: Entry[] = [];
  /** Payload bytes of the tail entries. */
  tailSize = 0;

  constructor(
    readonly group: number,
    private readonly store: RaftLogStore,
  ) {}

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hardState, confState: this.snapMeta.confState };
  }

  firstIndex(): number {
    return this.truncated.index + 1;
  }

  lastIndex(): number {
    return this.last;
  }

  term(i: number): number {
    if (i === this.truncated.index) return this.truncated.term;
    if (i < this.truncated.index) throw new RaftError('COMPACTED', `term of ${i}: compacted at ${this.truncated.index}`);
    if (i > this.last) throw new RaftError('UNAVAILABLE', `term of ${i}: beyond last index ${this.last}`);
    return this.entry(i).term;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo <= this.truncated.index) throw new RaftError('COMPACTED', `entries from ${lo}: compacted at ${this.truncated.index}`);
    if (hi > this.last + 1) throw new RaftError('UNAVAILABLE', `entries to ${hi}: beyond last index ${this.last}`);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.entry(i);
      bytes += e.data.byteLength + 24;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  snapshot(): Snapshot {
    return { meta: this.snapMeta, data: new Uint8Array(0) };
  }

  /**
   * Keeps only the newest entry in memory: the group went idle (quiesced),
   * every follower has the rest, and an older one is read from disk if it is
   * ever asked for. Every tail entry is already durable, so this is safe at
   * any time.
   */
  shrink(): void {
    if (this.tail.length > 1) this.setTail(this.tail.slice(-1));
  }

  setTail(entries: Entry[]): void {
    this.tail = entries;
    let n = 0;
    for (const e of entries) n += e.data.byteLength;
    this.tailSize = n;
  }

  private entry(i: number): Entry {
    const tailStart = this.last - this.tail.length + 1;
    if (i >= tailStart) return this.tail[i - tailStart]!;
    return this.store.readEntrySync(this.group, i);
  }
}

export class RaftLogStore {
  private readonly groups = new Map<number, GroupLogStorage>();
  private readonly tailEntries: number;
  private readonly tailBytes: number;

  private constructor(
    readonly db: NodeDb,
    opts: RaftLogStoreOptions,
  ) {
    this.tailEntries = opts.tailEntries ?? 4096;
    this.tailBytes = opts.tailBytes ?? 8 << 20;
  }

  /**
   * Keeps the tail within its bounds, dropping its oldest entries (always
   * keeping the newest one). The entry bound has a slack of an eighth: a busy
   * group's full tail is cut back once per tailEntries/8 appends, not copied
   * on every append (measured: the per-append walk and copy of a 4,096-entry
   * tail were 2 % of a node's CPU under 250 writes/s).
   */
  private boundTail(g: GroupLogStorage): void {
    const over = g.tail.length - this.tailEntries;
    if (over <= this.tailEntries >> 3 && g.tailSize <= this.tailBytes) return;
    let drop = Math.max(0, over);
    let bytes = g.tailSize;
    for (let i = 0; i < drop; i++) bytes -= g.tail[i]!.data.byteLength;
    while (bytes > this.tailBytes && drop < g.tail.length - 1) bytes -= g.tail[drop++]!.data.byteLength;
    if (drop > 0) {
      g.tail = g.tail.slice(drop);
      g.tailSize = bytes;
    }
  }

  /** Loads every group's durable raft state. */
  static async open(db: NodeDb, opts: RaftLogStoreOptions = {}): Promise<RaftLogStore> {
    const store = new RaftLogStore(db, opts);
    const lo = Uint8Array.of(NS_RAFT);
    for await (const [k, v] of db.level.iterator({ gte: lo, lt: prefixEnd(lo), ...BULK_SCAN })) {
      const group = readU32(k, 1);
      const g = store.group(group);
      switch (k[5]) {
        case RAFT_HARD_STATE:
          g.hardState = decodeHardState(v);
          break;
        case RAFT_SNAPSHOT:
          g.snapMeta = decodeSnapshotMeta(v);
          break;
        case RAFT_TRUNCATED:
          g.truncated = decodeTruncated(v);
          break;
        case RAFT_ENTRY: {
          const e = ownedEntry(decodeEntry(readIndex(k), v));
          g.tail.push(e);
          g.tailSize += e.data.byteLength;
          if (g.tail.length > 2 * store.tailEntries) store.boundTail(g);
          g.last = e.index;
          break;
        }
        default:
          throw new StorageError('CORRUPT', `unknown raft key kind ${k[5]} for group ${group}`);
      }
    }
    for (const g of store.groups.values()) {
      store.boundTail(g);
      if (g.last < g.truncated.index) g.last = g.truncated.index;
      const tailStart = g.last - g.tail.length + 1;
      if (g.tail.length > 0 && tailStart <= g.truncated.index) {
        // Entries at or below the compaction point that a crash left behind.
        g.setTail(g.tail.filter((e) => e.index > g.truncated.index));
      }
    }
    return store;
  }

  /** The group's storage, created empty if the node has never held it. */
  group(group: number): GroupLogStorage {
    let g = this.groups.get(group);
    if (!g) {
      g = new GroupLogStorage(group, this);
      this.groups.set(group, g);
    }
    return g;
  }

  hasGroup(group: number): boolean {
    const g = this.groups.get(group);
    return g !== undefined && (g.last > 0 || g.hardState.term > 0);
  }

  groupIds(): number[] {
    return [...this.groups.keys()].filter((id) => this.hasGroup(id)).sort((a, b) => a - b);
  }

  readEntrySync(group: number, index: number): Entry {
    const v = this.db.level.getSync(raftEntryKey(group, index));
    if (v === undefined) throw new StorageError('CORRUPT', `group ${group} entry ${index} missing from the log`);
    return decodeEntry(index, v);
  }

  /**
   * Bootstraps a member of a new cluster: the initial configuration as a
   * snapshot at index 1, term 1 (see docs/raft.md, "Bootstrapping").
   */
  bootstrap(b: StorageBatch, group: number, confState: ConfState): void {
    const meta: SnapshotMeta = { index: 1, term: 1, confState };
    this.applySnapshot(b, group, meta);
    this.setHardState(b, group, { term: 1, vote: 0 as NodeId, commit: 1 });
  }

  /** Appends entries (replacing any conflicting suffix). One append per group per batch. */
  append(b: StorageBatch, group: number, entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const g = this.group(group);
    const first = entries[0]!.index;
    const newLast = entries[entries.length - 1]!.index;
    if (first <= g.truncated.index) {
      throw new StorageError('INVALID_ARGUMENT', `group ${group}: append at ${first} below compaction point ${g.truncated.index}`);
    }
    if (first > g.last + 1) throw new StorageError('INVALID_ARGUMENT', `group ${group}: append at ${first} leaves a gap after ${g.last}`);
    for (const e of entries) b.put(raftEntryKey(group, e.index), encodeEntry(e));
    for (let i = newLast + 1; i <= g.last; i++) b.del(raftEntryKey(group, i));
    b.onCommit(() => {
      const tailStart = g.last - g.tail.length + 1;
      const keep = Math.max(0, first - tailStart);
      if (keep >= g.tail.length) {
        for (const e of entries) {
          const owned = ownedEntry(e);
          g.tail.push(owned);
          g.tailSize += owned.data.byteLength;
        }
      } else g.setTail(g.tail.slice(0, keep).concat(entries.map(ownedEntry)));
      this.boundTail(g);
      g.last = newLast;
    });
  }

  setHardState(b: StorageBatch, group: number, hs: HardState): void {
    const g = this.group(group);
    b.put(raftKey(group, RAFT_HARD_STATE), encodeHardState(hs));
    b.onCommit(() => {
      g.hardState = hs;
    });
  }

  /** Records a snapshot of the state machine taken at meta.index (log untouched). */
  createSnapshot(b: StorageBatch, group: number, meta: SnapshotMeta): void {
    const g = this.group(group);
    b.put(raftKey(group, RAFT_SNAPSHOT), encodeSnapshotMeta(meta));
    b.onCommit(() => {
      if (meta.index >= g.snapMeta.index) g.snapMeta = meta;
    });
  }

  /** Installs a snapshot received from a leader: the whole log is replaced. */
  applySnapshot(b: StorageBatch, group: number, meta: SnapshotMeta): void {
    const g = this.group(group);
    for (let i = g.truncated.index + 1; i <= g.last; i++) b.del(raftEntryKey(group, i));
    b.put(raftKey(group, RAFT_SNAPSHOT), encodeSnapshotMeta(meta));
    const t: Truncated = { index: meta.index, term: meta.term };
    b.put(raftKey(group, RAFT_TRUNCATED), encodeTruncated(t));
    b.onCommit(() => {
      g.snapMeta = meta;
      g.truncated = t;
      g.setTail([]);
      g.last = meta.index;
    });
  }

  /** Discards entries up to and including `index` (already applied and snapshotted). */
  compact(b: StorageBatch, group: number, index: number): void {
    const g = this.group(group);
    if (index <= g.truncated.index) return;
    if (index > g.last) throw new StorageError('INVALID_ARGUMENT', `group ${group}: compact ${index} beyond last ${g.last}`);
    const t: Truncated = { index, term: g.term(index) };
    for (let i = g.truncated.index + 1; i <= index; i++) b.del(raftEntryKey(group, i));
    b.put(raftKey(group, RAFT_TRUNCATED), encodeTruncated(t));
    b.onCommit(() => {
      g.truncated = t;
      const tailStart = g.last - g.tail.length + 1;
      if (tailStart <= index) g.setTail(g.tail.slice(index + 1 - tailStart));
    });
  }

  /** Deletes everything the node holds of a group's raft state. */
  async destroyGroup(group: number): Promise<void> {
    const p = groupPrefix(NS_RAFT, group);
    await this.db.level.clear({ gte: p, lt: prefixEnd(p) });
    this.groups.delete(group);
  }
}

// ---- encodings (each value starts with a format version byte)

function putU53(view: DataView, offset: number, n: number): void {
  view.setUint32(offset, Math.floor(n / 0x100000000));
  view.setUint32(offset + 4, n >>> 0);
}

function getU53(view: DataView, offset: number): number {
  return view.getUint32(offset) * 0x100000000 + view.getUint32(offset + 4);
}

function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function checkVersion(b: Uint8Array, what: string): void {
  if (b[0] !== FORMAT_V1) throw new StorageError('CORRUPT', `${what}: unknown format version ${b[0]}`);
}

function readIndex(k: Uint8Array): number {
  return getU53(viewOf(k), 6);
}

export function encodeEntry(e: Entry): Uint8Array {
  const out = new Uint8Array(10 + e.data.byteLength);
  const v = viewOf(out);
  out[0] = FORMAT_V1;
  putU53(v, 1, e.term);
  out[9] = e.type;
  out.set(e.data, 10);
  return out;
}

export function decodeEntry(index: number, b: Uint8Array): Entry {
  checkVersion(b, `entry ${index}`);
  const type = b[9] === EntryType.ConfChange ? EntryType.ConfChange : EntryType.Normal;
  return { index, term: getU53(viewOf(b), 1), type, data: b.subarray(10) };
}

function encodeHardState(hs: HardState): Uint8Array {
  const out = new Uint8Array(21);
  const v = viewOf(out);
  out[0] = FORMAT_V1;
  putU53(v, 1, hs.term);
  v.setUint32(9, hs.vote);
  putU53(v, 13, hs.commit);
  return out;
}

function decodeHardState(b: Uint8Array): HardState {
  checkVersion(b, 'hard state');
  const v = viewOf(b);
  return { term: getU53(v, 1), vote: v.getUint32(9) as NodeId, commit: getU53(v, 13) };
}

function encodeTruncated(t: Truncated): Uint8Array {
  const out = new Uint8Array(17);
  const v = viewOf(out);
  out[0] = FORMAT_V1;
  putU53(v, 1, t.index);
  putU53(v, 9, t.term);
  return out;
}

function decodeTruncated(b: Uint8Array): Truncated {
  checkVersion(b, 'compaction point');
  const v = viewOf(b);
  return { index: getU53(v, 1), term: getU53(v, 9) };
}

export function encodeSnapshotMeta(m: SnapshotMeta): Uint8Array {
  const { voters, learners } = m.confState;
  const out = new Uint8Array(17 + 8 + 4 * (voters.length + learners.length));
  const v = viewOf(out);
  out[0] = FORMAT_V1;
  putU53(v, 1, m.index);
  putU53(v, 9, m.term);
  let o = 17;
  v.setUint32(o, voters.length);
  o += 4;
  for (const id of voters) {
    v.setUint32(o, id);
    o += 4;
  }
  v.setUint32(o, learners.length);
  o += 4;
  for (const id of learners) {
    v.setUint32(o, id);
    o += 4;
  }
  return out;
}

export function decodeSnapshotMeta(b: Uint8Array): SnapshotMeta {
  checkVersion(b, 'snapshot meta');
  const v = viewOf(b);
  let o = 17;
  const read = (): NodeId[] => {
    const n = v.getUint32(o);
    o += 4;
    const ids: NodeId[] = [];
    for (let i = 0; i < n; i++, o += 4) ids.push(v.getUint32(o) as NodeId);
    return ids;
  };
  const voters = read();
  const learners = read();
  return { index: getU53(v, 1), term: getU53(v, 9), confState: { voters, learners } };
}
