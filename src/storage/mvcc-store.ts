// Multi-version data of one group: versions (key, commitTs) → value | tombstone.
//
// A read at ts sees, per key, the newest version with commitTs ≤ ts; a
// tombstone hides the key. Versions are stored newest first (keys.ts), so a
// point read is one seek. Writes go into a StorageBatch with the group's
// applied index (setApplied), so a restart resumes exactly where the data is.
//
// Bulk work (GC, range clear, export) is bounded per call and resumable by an
// opaque cursor; a cursor resumes strictly after the last position scanned.
// GC never makes an older version visible: a tombstone at or below the safe
// point is removed only in the same batch as the last older version of its key.

import { BULK_SCAN, NodeDb, StorageBatch, StorageError } from './db.js';
import {
  FAMILY_MVCC,
  compareBytes,
  concat,
  dataPrefix,
  decodeVersionKey,
  prefixEnd,
  readU64,
  stateKey,
  u64,
  versionKey,
  versionKeyLength,
  versionPrefix,
  writeVersionKey,
} from './keys.js';

const VALUE_FORMAT_V1 = 1;
const KIND_VALUE = 1;
const KIND_TOMBSTONE = 2;
const CURSOR_FORMAT_V1 = 1;

/** One version; `value === null` is a tombstone. */
export interface Version {
  readonly key: Uint8Array;
  readonly ts: bigint;
  readonly value: Uint8Array | null;
}

export interface KeyValue {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  /** Commit timestamp of the version read. */
  readonly ts: bigint;
}

export interface ScanOptions {
  /** Inclusive lower bound (default: the first key). */
  readonly start?: Uint8Array;
  /** Exclusive upper bound (default: past the last key). */
  readonly end?: Uint8Array;
  readonly readTs: bigint;
  readonly limit?: number;
  readonly reverse?: boolean;
}

export interface ExportOptions {
  readonly start?: Uint8Array;
  readonly end?: Uint8Array;
  /** Resume strictly after this cursor (from a previous chunk). */
  readonly cursor?: Uint8Array;
  /** Stop once this many bytes were emitted (at least one row is emitted if any). */
  readonly maxBytes: number;
  /** Stop once this many bytes were scanned, emitted or not. */
  readonly maxScannedBytes: number;
  /** Emit only versions with ts ≤ maxTs. */
  readonly maxTs?: bigint;
}

export interface ExportChunk {
  readonly rows: Version[];
  /** Opaque; pass back to resume. Undefined only when nothing was scanned. */
  readonly cursor: Uint8Array | undefined;
  readonly done: boolean;
  readonly scannedBytes: number;
}

export interface BoundedResult {
  readonly deleted: number;
  /** Undefined when the work is complete. */
  readonly cursor: Uint8Array | undefined;
}

/**
 * Iterator options of foreground reads (point reads, getMany, scans): fill
 * LevelDB's block cache. classic-level's iterators default to fillCache:
 * false, so every point read re-read and re-decompressed its blocks from the
 * files: after one compressible 4 MiB value and a memtable flush, reads cost
 * 0.8–1.7 ms each instead of ~0.05 ms (a Batch of 5,000 gets: 4.5 s instead of
 * 0.4 s, with the node's main thread idle). LevelDB caches only blocks it had
 * to decompress. Bulk walks (export, GC, clearing, verify) leave the cache alone.
 */
const FOREGROUND = { fillCache: true } as const;

/** Bytes the stored form of `value` takes: a format byte, a kind byte, the value. */
export function encodedValueLength(value: Uint8Array | null): number {
  return 2 + (value?.byteLength ?? 0);
}

/** Writes the stored form of `value` into `out` at `offset`; returns the offset after it. */
export function writeValue(out: Uint8Array, offset: number, value: Uint8Array | null): number {
  out[offset] = VALUE_FORMAT_V1;
  out[offset + 1] = value === null ? KIND_TOMBSTONE : KIND_VALUE;
  if (value !== null) out.set(value, offset + 2);
  return offset + encodedValueLength(value);
}

export function encodeValue(value: Uint8Array | null): Uint8Array {
  const out = new Uint8Array(encodedValueLength(value));
  writeValue(out, 0, value);
  return out;
}

export function decodeValue(b: Uint8Array): Uint8Array | null {
  if (b[0] !== VALUE_FORMAT_V1) throw new StorageError('CORRUPT', `unknown value format version ${b[0]}`);
  if (b[1] === KIND_TOMBSTONE) return null;
  if (b[1] !== KIND_VALUE) throw new StorageError('CORRUPT', `unknown value kind ${b[1]}`);
  return b.subarray(2);
}

/** The raw key without its 8 timestamp bytes: identifies the user key. */
function keyPart(raw: Uint8Array): Uint8Array {
  return raw.subarray(0, raw.byteLength - 8);
}

function sameKey(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && compareBytes(a, b) === 0;
}

export class MvccStore {
  constructor(
    readonly db: NodeDb,
    readonly group: number,
    readonly family: number = FAMILY_MVCC,
  ) {}

  // Built when used, not kept: a store per group of thousands, three small
  // byte arrays each cost 0.6 KiB a group.
  private get famPrefix(): Uint8Array {
    return dataPrefix(this.group, this.family);
  }

  private get famEnd(): Uint8Array {
    return prefixEnd(dataPrefix(this.group, this.family));
  }

  private get appliedKey(): Uint8Array {
    return stateKey(this.group, 'applied');
  }

  private lower(start: Uint8Array | undefined): Uint8Array {
    return start ? versionPrefix(this.group, this.family, start) : this.famPrefix;
  }

  private upper(end: Uint8Array | undefined): Uint8Array {
    return end ? versionPrefix(this.group, this.family, end) : this.famEnd;
  }

  // ---------------------------------------------------------------- writes

  /** Told the timestamp of every version written (the group machine keeps the lowest: version GC skips passes below it). */
  onWrite: ((ts: bigint) => void) | undefined;

  putVersion(b: StorageBatch, key: Uint8Array, ts: bigint, value: Uint8Array): void {
    b.put(versionKey(this.group, this.family, key, ts), encodeValue(value));
    this.onWrite?.(ts);
  }

  deleteVersion(b: StorageBatch, key: Uint8Array, ts: bigint): void {
    b.put(versionKey(this.group, this.family, key, ts), encodeValue(null));
    this.onWrite?.(ts);
  }

  /**
   * Writes many versions (a migration chunk's rows): every key is cut from one
   * buffer and every encoded value from another, where putVersion allocates
   * two arrays a row (4,000 rows of a 4 MiB chunk made 8,000 allocations of
   * about 1 KiB, and the garbage collector paid for them). The batch copies
   * what it is given, so the views do not outlive this call.
   */
  putVersions(b: StorageBatch, versions: readonly Version[]): void {
    let keyBytes = 0;
    let valueBytes = 0;
    for (const v of versions) {
      keyBytes += versionKeyLength(v.key);
      valueBytes += encodedValueLength(v.value);
    }
    const keys = new Uint8Array(keyBytes);
    const values = new Uint8Array(valueBytes);
    let k = 0;
    let o = 0;
    for (const v of versions) {
      const kEnd = writeVersionKey(keys, k, this.group, this.family, v.key, v.ts);
      const vEnd = writeValue(values, o, v.value);
      b.put(keys.subarray(k, kEnd), values.subarray(o, vEnd));
      this.onWrite?.(v.ts);
      k = kEnd;
      o = vEnd;
    }
  }

  /** LevelDB's estimate of the bytes [start, end) takes on disk (files only; cheap). */
  approximateBytes(start: Uint8Array, end: Uint8Array): Promise<number> {
    return this.db.level.approximateSize(this.lower(start.byteLength > 0 ? start : undefined), this.upper(end.byteLength > 0 ? end : undefined));
  }

  /** Imports versions exactly as given (idempotent: a repeat rewrites the same bytes). */
  importVersions(b: StorageBatch, rows: readonly Version[]): void {
    for (const r of rows) {
      b.put(versionKey(this.group, this.family, r.key, r.ts), encodeValue(r.value));
      this.onWrite?.(r.ts);
    }
  }

  setApplied(b: StorageBatch, index: number): void {
    b.put(this.appliedKey, u64(BigInt(index)));
  }

  async appliedIndex(): Promise<number> {
    const v = await this.db.level.get(this.appliedKey);
    return v === undefined ? 0 : Number(readU64(v, 0));
  }

  // ----------------------------------------------------------------- reads

  /** The newest version of `key` with ts ≤ readTs, unless it is a tombstone. */
  async get(key: Uint8Array, readTs: bigint): Promise<KeyValue | undefined> {
    const it = this.db.level.iterator({
      gte: versionKey(this.group, this.family, key, readTs),
      lt: prefixEnd(versionPrefix(this.group, this.family, key)),
      limit: 1,
      ...FOREGROUND,
    });
    try {
      const entry = await it.next();
      if (!entry) return undefined;
      const [k, v] = entry;
      const value = decodeValue(v);
      if (value === null) return undefined;
      return { key, value, ts: decodeVersionKey(k).ts };
    } finally {
      await it.close();
    }
  }

  /** How many versions the family holds, counting at most `max`. */
  async countVersions(max: number): Promise<number> {
    let n = 0;
    for await (const _ of this.db.level.keys({ gte: this.famPrefix, lt: this.famEnd, limit: max })) n++;
    return n;
  }

  /** The timestamp of the newest version of `key` at or below readTs, tombstones included (0n: none). */
  async newestTs(key: Uint8Array, readTs: bigint): Promise<bigint> {
    const it = this.db.level.keys({
      gte: versionKey(this.group, this.family, key, readTs),
      lt: prefixEnd(versionPrefix(this.group, this.family, key)),
      limit: 1,
      ...FOREGROUND,
    });
    try {
      const k = await it.next();
      return k === undefined ? 0n : decodeVersionKey(k).ts;
    } finally {
      await it.close();
    }
  }

  /**
   * Point reads of many keys at one timestamp, through a single iterator
   * (seeking per key): far cheaper than one iterator per key. Results are in
   * the order of `keys`.
   */
  async getMany(keys: readonly Uint8Array[], readTs: bigint): Promise<(KeyValue | undefined)[]> {
    const order = keys.map((_, i) => i).sort((a, b) => compareBytes(keys[a]!, keys[b]!));
    const out = new Array<KeyValue | undefined>(keys.length);
    const it = this.db.level.iterator({ gte: this.famPrefix, lt: this.famEnd, ...FOREGROUND });
    try {
      for (const i of order) {
        const key = keys[i]!;
        it.seek(versionKey(this.group, this.family, key, readTs));
        const entry = await it.next();
        if (!entry) continue;
        const [k, v] = entry;
        const prefix = versionPrefix(this.group, this.family, key);
        if (k.byteLength !== prefix.byteLength + 8 || compareBytes(k.subarray(0, prefix.byteLength), prefix) !== 0) continue;
        const value = decodeValue(v);
        if (value !== null) out[i] = { key, value: value.slice(), ts: decodeVersionKey(k).ts };
      }
    } finally {
      await it.close();
    }
    return out;
  }

  async scan(opts: ScanOptions): Promise<KeyValue[]> {
    const limit = opts.limit ?? Number.MAX_SAFE_INTEGER;
    if (limit <= 0) return [];
    const lo = this.lower(opts.start);
    const hi = this.upper(opts.end);
    if (compareBytes(lo, hi) >= 0) return [];
    return opts.reverse ? this.scanReverse(lo, hi, opts.readTs, limit) : this.scanForward(lo, hi, opts.readTs, limit);
  }

  private async scanForward(lo: Uint8Array, hi: Uint8Array, readTs: bigint, limit: number): Promise<KeyValue[]> {
    const out: KeyValue[] = [];
    let decided: Uint8Array | undefined; // key whose visible version was found
    for await (const [k, v] of this.db.level.iterator({ gte: lo, lt: hi, ...FOREGROUND })) {
      const kp = keyPart(k);
      if (sameKey(decided, kp)) continue;
      const d = decodeVersionKey(k);
      if (d.ts > readTs) continue;
      decided = kp.slice();
      const value = decodeValue(v);
      if (value !== null) {
        out.push({ key: d.key, value: value.slice(), ts: d.ts });
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  private async scanReverse(lo: Uint8Array, hi: Uint8Array, readTs: bigint, limit: number): Promise<KeyValue[]> {
    // Backwards, a key's versions come oldest first: the visible one is the
    // last seen with ts ≤ readTs before the key changes.
    const out: KeyValue[] = [];
    let current: Uint8Array | undefined;
    let candidate: { raw: Uint8Array; value: Uint8Array | null } | undefined;
    const flush = (): boolean => {
      if (candidate && candidate.value !== null) {
        const d = decodeVersionKey(candidate.raw);
        out.push({ key: d.key, value: candidate.value.slice(), ts: d.ts });
      }
      candidate = undefined;
      return out.length >= limit;
    };
    for await (const [k, v] of this.db.level.iterator({ gte: lo, lt: hi, reverse: true, ...FOREGROUND })) {
      const kp = keyPart(k);
      if (!sameKey(current, kp)) {
        if (flush()) return out;
        current = kp.slice();
      }
      const ts = decodeVersionKey(k).ts;
      if (ts <= readTs) candidate = { raw: k.slice(), value: decodeValue(v) };
    }
    flush();
    return out;
  }

  // ------------------------------------------------------------ bulk work

  /**
   * Reads every version in [start, end) in storage order (key ascending, ts
   * descending), resuming strictly after `cursor`, bounded by bytes emitted
   * and bytes scanned.
   */
  async export(opts: ExportOptions): Promise<ExportChunk> {
    const lo = this.lower(opts.start);
    const hi = this.upper(opts.end);
    let from = lo;
    let exclusive = false;
    if (opts.cursor) {
      from = this.decodeCursor(opts.cursor, lo, hi).position;
      exclusive = true;
    }
    const rows: Version[] = [];
    let emitted = 0;
    let scanned = 0;
    let last: Uint8Array | undefined;
    let done = true;
    const range = exclusive ? { gt: from, lt: hi } : { gte: from, lt: hi };
    for await (const [k, v] of this.db.level.iterator({ ...range, ...BULK_SCAN })) {
      if (emitted >= opts.maxBytes || scanned >= opts.maxScannedBytes) {
        done = false;
        break;
      }
      scanned += k.byteLength + v.byteLength;
      last = k;
      const d = decodeVersionKey(k);
      if (opts.maxTs !== undefined && d.ts > opts.maxTs) continue;
      const value = decodeValue(v);
      rows.push({ key: d.key, ts: d.ts, value: value === null ? null : value.slice() });
      emitted += k.byteLength + v.byteLength;
    }
    const cursor = last ? this.encodeCursor(last, false) : opts.cursor;
    return { rows, cursor, done, scannedBytes: scanned };
  }

  /**
   * Every version in [start, end) (empty end: +∞) at or below `maxTs`, in
   * storage order, read in bounded chunks.
   */
  async *versionsIn(start: Uint8Array, end: Uint8Array, maxTs?: bigint): AsyncGenerator<Version> {
    let cursor: Uint8Array | undefined;
    for (;;) {
      const chunk = await this.export({
        ...(start.byteLength > 0 ? { start } : {}),
        ...(end.byteLength > 0 ? { end } : {}),
        ...(cursor ? { cursor } : {}),
        maxBytes: 1 << 20,
        maxScannedBytes: 4 << 20,
        ...(maxTs !== undefined ? { maxTs } : {}),
      });
      yield* chunk.rows;
      if (chunk.done) return;
      cursor = chunk.cursor;
    }
  }

  /**
   * Collects versions no read at or above `safePoint` can see, at most
   * `maxVersions` deletions per call. Resume with the returned cursor.
   * `keep(key)`: the key's versions stay. `skip(key)`: the exclusive end of an
   * interval around the key to keep whole (empty: to the end), passed over
   * with one seek instead of a scan (a range a migration holds can be large).
   */
  async gc(
    b: StorageBatch,
    safePoint: bigint,
    opts: { cursor?: Uint8Array; maxVersions: number; maxScanned?: number; maxScannedBytes?: number; keep?: (key: Uint8Array) => boolean; skip?: (key: Uint8Array) => Uint8Array | undefined },
  ): Promise<BoundedResult> {
    let from = this.famPrefix;
    let exclusive = false;
    let visibleFound = false;
    let current: Uint8Array | undefined;
    if (opts.cursor) {
      const c = this.decodeCursor(opts.cursor, this.famPrefix, this.famEnd);
      from = c.position;
      exclusive = true;
      current = keyPart(c.position).slice();
      visibleFound = c.flag;
    }
    let deleted = 0;
    let scanned = 0;
    const { maxScanned = Number.MAX_SAFE_INTEGER, maxScannedBytes = Number.MAX_SAFE_INTEGER } = opts;
    let scannedBytes = 0;
    let kept = exclusive && opts.keep !== undefined ? opts.keep(decodeVersionKey(from).key) : false;
    let pendingTombstone: Uint8Array | undefined;
    let last: Uint8Array | undefined;
    let range: { gt?: Uint8Array; gte?: Uint8Array; lt: Uint8Array } = exclusive ? { gt: from, lt: this.famEnd } : { gte: from, lt: this.famEnd };
    for (;;) {
      let jump: Uint8Array | undefined;
      for await (const [k, v] of this.db.level.iterator({ ...range, ...BULK_SCAN })) {
        const kp = keyPart(k);
        if (!sameKey(current, kp)) {
          // Key boundary: a visible tombstone with no older version left can go.
          if (pendingTombstone) {
            b.del(pendingTombstone);
            deleted++;
          }
          pendingTombstone = undefined;
          if (last !== undefined && (deleted >= opts.maxVersions || scanned >= maxScanned || scannedBytes >= maxScannedBytes)) return { deleted, cursor: this.encodeCursor(last, visibleFound) };
          const key = decodeVersionKey(k).key;
          jump = opts.skip?.(key);
          if (jump !== undefined) break;
          current = kp.slice();
          visibleFound = false;
          kept = opts.keep?.(key) ?? false;
        }
        scanned++;
        scannedBytes += k.byteLength + v.byteLength;
        last = k;
        if (kept) continue;
        const ts = decodeVersionKey(k).ts;
        if (ts > safePoint) continue;
        if (!visibleFound) {
          visibleFound = true;
          if (decodeValue(v) === null) pendingTombstone = k.slice();
          continue;
        }
        b.del(k);
        deleted++;
        if (deleted >= opts.maxVersions) {
          // Stopping inside a key: its tombstone (if any) waits for a later pass.
          return { deleted, cursor: this.encodeCursor(k, true) };
        }
      }
      if (jump === undefined || jump.byteLength === 0) break;
      // Seek past the kept interval; a cursor returned later may point before
      // it (the last version scanned), and the next call seeks past it again.
      scanned++;
      current = undefined;
      range = { gte: versionPrefix(this.group, this.family, jump), lt: this.famEnd };
    }
    if (pendingTombstone) {
      b.del(pendingTombstone);
      deleted++;
    }
    return { deleted, cursor: undefined };
  }

  /** Deletes every version in [start, end), at most `maxVersions` per call. */
  async clearRange(
    b: StorageBatch,
    opts: { start?: Uint8Array; end?: Uint8Array; cursor?: Uint8Array; maxVersions: number },
  ): Promise<BoundedResult> {
    const lo = this.lower(opts.start);
    const hi = this.upper(opts.end);
    const range = opts.cursor ? { gt: this.decodeCursor(opts.cursor, lo, hi).position, lt: hi } : { gte: lo, lt: hi };
    let deleted = 0;
    for await (const k of this.db.level.keys({ ...range, ...BULK_SCAN })) {
      b.del(k);
      deleted++;
      if (deleted >= opts.maxVersions) return { deleted, cursor: this.encodeCursor(k, false) };
    }
    return { deleted, cursor: undefined };
  }

  // --------------------------------------------------------------- cursors

  private encodeCursor(position: Uint8Array, flag: boolean): Uint8Array {
    return concat([Uint8Array.of(CURSOR_FORMAT_V1, flag ? 1 : 0), position]);
  }

  private decodeCursor(cursor: Uint8Array, lo: Uint8Array, hi: Uint8Array): { position: Uint8Array; flag: boolean } {
    if (cursor[0] !== CURSOR_FORMAT_V1 || cursor.byteLength < 3) {
      throw new StorageError('INVALID_ARGUMENT', 'malformed resume cursor');
    }
    const position = cursor.subarray(2);
    if (compareBytes(position, lo) < 0 || compareBytes(position, hi) >= 0) {
      throw new StorageError('INVALID_ARGUMENT', 'resume cursor lies outside the requested range');
    }
    return { position, flag: cursor[1] === 1 };
  }
}
