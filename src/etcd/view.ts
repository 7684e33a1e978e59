// One etcd request's view of the store: every read at one timestamp, the
// request's own writes laid over it (an etcd Txn's later operations see its
// earlier ones), and the record of what it read, which the serializable
// commit validates (no other commit to a read key or range between the read
// and the commit), so the metadata computed from these reads — version,
// create_revision, prev_kv — is exact at the commit's revision.

import { compareBytes } from '../runtime/bytes.js';
import type { KvWrite } from '../apply/commands.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import { etcdKey, inRange, type StoreRange } from './keys.js';

/** One key as etcd reports it. */
export interface EtcdKv {
  /** The etcd key (without the store prefix). */
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly createRevision: bigint;
  readonly modRevision: bigint;
  readonly version: bigint;
  readonly lease: bigint;
}

/** The revision of the request's own writes, known only once it commits. */
export const PENDING = -1n;

/** A revision for comparing and sorting: the request's own (PENDING) is the newest. */
export const ordered = (rev: bigint): bigint => (rev === PENDING ? 1n << 63n : rev);

export interface StoredRow {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly ts: bigint;
}

/** What a view reads through: the node's transactional reads (any route, any group) at a timestamp. */
export interface SnapshotReader {
  /** `exact`: a read at a revision a client named (no clock-uncertainty restarts). */
  get(key: Uint8Array, ts: bigint, exact: boolean): Promise<StoredRow | undefined>;
  /** At most `limit` rows of [start, end), in key order or reversed; `more` when some were left. */
  scan(start: Uint8Array, end: Uint8Array, limit: number, reverse: boolean, ts: bigint, exact: boolean): Promise<{ rows: StoredRow[]; more: boolean }>;
}

/** Rows one scan page asks for (the node's scan limit). */
const PAGE = 10_000;
/** The most rows one request may read (count included), and their bytes. */
export const MAX_READ_ROWS = 1_000_000;
export const MAX_READ_BYTES = 256 << 20;

export class ReadTooLarge extends Error {}

/** A key as a map key. */
export const hex = (k: Uint8Array): string => Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString('hex');

/** A stored version as etcd sees it (a value the native API wrote under the prefix reads as a first version). */
export function decodeRow(row: StoredRow): EtcdKv {
  try {
    const { meta, value } = decodeEnvelope(row.value);
    return { key: etcdKey(row.key), value, createRevision: meta.createRevision === 0n ? row.ts : meta.createRevision, modRevision: row.ts, version: meta.version, lease: meta.lease };
  } catch {
    return { key: etcdKey(row.key), value: row.value, createRevision: row.ts, modRevision: row.ts, version: 1n, lease: 0n };
  }
}

/** A pending write: an etcd key's new value (kv; null deletes it), or an internal record's raw bytes (raw; null deletes it). */
interface Pending {
  readonly storeKey: Uint8Array;
  readonly kv?: EtcdKv | null;
  readonly raw?: Uint8Array | null;
}

export class TxnView {
  readonly readKeys: Uint8Array[] = [];
  readonly readRanges: { start: Uint8Array; end: Uint8Array }[] = [];
  private readonly writes = new Map<string, Pending>();
  private readBytes = 0;
  private readRows = 0;

  constructor(
    private readonly reader: SnapshotReader,
    /** The timestamp every read is at. */
    readonly ts: bigint,
    /** Reads at a revision the client named. */
    readonly exact: boolean,
  ) {}

  get hasWrites(): boolean {
    return this.writes.size > 0;
  }

  /** An internal record (outside the etcd key space), as stored. */
  async getRaw(key: Uint8Array): Promise<StoredRow | undefined> {
    const w = this.writes.get(hex(key));
    if (w) return w.raw ? { key, value: w.raw, ts: PENDING } : undefined;
    this.readKeys.push(key);
    return this.reader.get(key, this.ts, this.exact);
  }

  /** Internal records in [start, end), as stored (the request's own record writes are not laid over them). */
  async scanRaw(start: Uint8Array, end: Uint8Array): Promise<StoredRow[]> {
    this.readRanges.push({ start, end });
    const out: StoredRow[] = [];
    for (let from = start; ; ) {
      const page = await this.reader.scan(from, end, PAGE, false, this.ts, this.exact);
      for (const row of page.rows) {
        this.count(row);
        out.push(row);
      }
      const last = page.rows[page.rows.length - 1];
      if (!page.more || !last) return out;
      from = Uint8Array.from([...last.key, 0]);
    }
  }

  putRaw(key: Uint8Array, value: Uint8Array): void {
    this.writes.set(hex(key), { storeKey: key, raw: value });
  }

  deleteRaw(key: Uint8Array): void {
    this.writes.set(hex(key), { storeKey: key, raw: null });
  }

  async get(storeKey: Uint8Array): Promise<EtcdKv | undefined> {
    const w = this.writes.get(hex(storeKey));
    if (w) return w.kv ?? undefined;
    this.readKeys.push(storeKey);
    const row = await this.reader.get(storeKey, this.ts, this.exact);
    if (!row) return undefined;
    this.count(row);
    return decodeRow({ key: storeKey, value: row.value, ts: row.ts });
  }

  /** The keys of r (after this request's own writes), at most `limit` (0: all), and whether more remain. */
  async range(r: StoreRange, limit: number, reverse: boolean): Promise<{ kvs: EtcdKv[]; more: boolean }> {
    if (r.single) {
      const kv = await this.get(r.start);
      return { kvs: kv ? [kv] : [], more: false };
    }
    this.readRanges.push({ start: r.start, end: r.end });
    const mine = [...this.writes.values()].filter((w) => w.raw === undefined && inRange(w.storeKey, r));
    // Enough stored rows that, after this request's deletes hide some, `limit` (+1 to tell `more`) remain.
    const want = limit === 0 ? Infinity : limit + mine.length + 1;
    const byKey = new Map<string, { storeKey: Uint8Array; kv: EtcdKv }>();
    let start = r.start;
    let end = r.end;
    for (let got = 0; got < want; ) {
      const page = await this.reader.scan(start, end, Math.min(PAGE, want - got), reverse, this.ts, this.exact);
      for (const row of page.rows) {
        this.count(row);
        byKey.set(hex(row.key), { storeKey: row.key, kv: decodeRow(row) });
      }
      got += page.rows.length;
      const last = page.rows[page.rows.length - 1];
      if (!page.more || !last) break;
      if (reverse) end = last.key;
      else start = Uint8Array.from([...last.key, 0]);
    }
    for (const w of mine) {
      if (w.kv) byKey.set(hex(w.storeKey), { storeKey: w.storeKey, kv: w.kv });
      else byKey.delete(hex(w.storeKey));
    }
    const sorted = [...byKey.values()].sort((a, b) => (reverse ? -1 : 1) * compareBytes(a.storeKey, b.storeKey));
    if (limit > 0 && sorted.length > limit) return { kvs: sorted.slice(0, limit).map((x) => x.kv), more: true };
    return { kvs: sorted.map((x) => x.kv), more: false };
  }

  put(storeKey: Uint8Array, kv: EtcdKv): void {
    this.writes.set(hex(storeKey), { storeKey, kv });
  }

  delete(storeKey: Uint8Array): void {
    this.writes.set(hex(storeKey), { storeKey, kv: null });
  }

  /** The writes to commit: each put's value in its envelope (create_revision 0: created by this commit). */
  mutations(): KvWrite[] {
    return [...this.writes.values()].map((w) => ({
      key: w.storeKey,
      value: w.raw !== undefined ? w.raw : w.kv ? encodeEnvelope({ createRevision: w.kv.createRevision === PENDING ? 0n : w.kv.createRevision, version: w.kv.version, lease: w.kv.lease }, w.kv.value) : null,
    }));
  }

  private count(row: StoredRow): void {
    this.readRows++;
    this.readBytes += row.key.byteLength + row.value.byteLength;
    if (this.readRows > MAX_READ_ROWS || this.readBytes > MAX_READ_BYTES) throw new ReadTooLarge(`the request reads more than ${MAX_READ_ROWS} keys or ${MAX_READ_BYTES >> 20} MiB; narrow the range or set a limit`);
  }
}
