// Transactions in the SDK (docs/transactions.md).
//
//   const total = await db.txn(async (tx) => {
//     const a = Number(await tx.getString('acct/a'));
//     const b = Number(await tx.getString('acct/b'));
//     tx.put('acct/a', String(a - 10));
//     tx.put('acct/b', String(b + 10));
//     return a + b;
//   }, { isolation: 'serializable' });
//
// A transaction reads a snapshot at its start timestamp (and its own buffered
// writes); writes stay in the client until commit, which sends them in one
// TxnCommit. db.txn() retries the whole function on a retryable abort
// (ABORTED: a write-write or read conflict, a lock that would not clear, an
// uncertain read) with a fresh snapshot, with backoff, up to `retries` times.

import { KvError } from '../api/errors.js';
import type { Bytes, CallOptions, Versioned } from './types.js';
import { backoffMs, sleep, type BackoffPolicy } from '../runtime/backoff.js';

/** A transaction that aborted runs again after this backoff (a conflict clears in about one commit round). */
const TXN_RETRY_BACKOFF: BackoffPolicy = { baseMs: 2, maxMs: 500 };

export interface TxnOptions extends CallOptions {
  /** 'snapshot' (default) or 'serializable' (the read set is validated at commit). */
  readonly isolation?: 'snapshot' | 'serializable';
  /** How many times db.txn() runs the function again after a retryable abort (default 10). */
  readonly retries?: number;
}

type WireMutation = { op: 'PUT' | 'DELETE'; key: Buffer; value: Buffer };

/** The calls a transaction makes (the client supplies them). */
export interface TxnCalls {
  begin(afterTs: bigint, o: CallOptions): Promise<bigint>;
  get(key: Buffer, startTs: bigint, o: CallOptions): Promise<{ found: boolean; value: Buffer; versionTs: string }>;
  batchGet(keys: Buffer[], startTs: bigint, o: CallOptions): Promise<{ pairs: { key: Buffer; value: Buffer; versionTs: string }[] }>;
  scan(
    req: { start: Buffer; end: Buffer; limit: number; reverse: boolean; startTs: bigint },
    o: CallOptions,
  ): Promise<{ pairs: { key: Buffer; value: Buffer; versionTs: string }[]; more: boolean }>;
  commit(
    req: { startTs: bigint; mutations: WireMutation[]; isolation: 'SNAPSHOT' | 'SERIALIZABLE'; readKeys: Buffer[]; readRanges: { start: Buffer; end: Buffer }[] },
    o: CallOptions,
  ): Promise<{ commitTs: string; onePhase: boolean }>;
}

const EMPTY = Buffer.alloc(0);

function bytes(b: Bytes): Buffer {
  return typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

const hex = (b: Buffer): string => b.toString('hex');

export class Transaction {
  private readonly writes = new Map<string, { key: Buffer; value: Buffer | null }>();
  private readonly readKeys = new Map<string, Buffer>();
  private readonly readRanges: { start: Buffer; end: Buffer }[] = [];
  private state: 'open' | 'committed' | 'rolled_back' = 'open';
  readonly isolation: 'snapshot' | 'serializable';

  constructor(
    private readonly calls: TxnCalls,
    /** The snapshot every read sees. */
    readonly startTs: bigint,
    private readonly opts: TxnOptions = {},
  ) {
    this.isolation = opts.isolation ?? 'snapshot';
  }

  /** Neither committed nor rolled back yet. */
  get isOpen(): boolean {
    return this.state === 'open';
  }

  private open(): void {
    if (this.state !== 'open') throw new KvError('INVALID_ARGUMENT', `the transaction is already ${this.state === 'committed' ? 'committed' : 'rolled back'}`, { field: 'transaction' });
  }

  /** The value at the snapshot (or written by this transaction); undefined if absent. */
  async get(key: Bytes): Promise<Uint8Array | undefined> {
    this.open();
    const k = bytes(key);
    const own = this.writes.get(hex(k));
    if (own) return own.value ?? undefined;
    this.readKeys.set(hex(k), k);
    const res = await this.calls.get(k, this.startTs, this.opts);
    return res.found ? res.value : undefined;
  }

  async getString(key: Bytes): Promise<string | undefined> {
    const v = await this.get(key);
    return v === undefined ? undefined : Buffer.from(v).toString('utf8');
  }

  /** Several keys at the snapshot; a Map from the key (as given, utf-8 or hex for bytes) to its value, absent keys left out. */
  async batchGet(keys: readonly Bytes[]): Promise<Map<string, Uint8Array>> {
    this.open();
    const out = new Map<string, Uint8Array>();
    const ask: Buffer[] = [];
    const name = (k: Bytes): string => (typeof k === 'string' ? k : hex(bytes(k)));
    const names = new Map<string, string>();
    for (const key of keys) {
      const k = bytes(key);
      const own = this.writes.get(hex(k));
      if (own) {
        if (own.value) out.set(name(key), own.value);
        continue;
      }
      this.readKeys.set(hex(k), k);
      names.set(hex(k), name(key));
      ask.push(k);
    }
    if (ask.length > 0) {
      const res = await this.calls.batchGet(ask, this.startTs, this.opts);
      for (const p of res.pairs) out.set(names.get(hex(p.key)) ?? hex(p.key), p.value);
    }
    return out;
  }

  /** Rows of [start, end) at the snapshot, with this transaction's own writes merged in. */
  async scan(opts: { start?: Bytes; end?: Bytes; limit?: number; reverse?: boolean } = {}): Promise<Versioned[]> {
    this.open();
    const start = opts.start === undefined ? EMPTY : bytes(opts.start);
    const end = opts.end === undefined ? EMPTY : bytes(opts.end);
    const limit = opts.limit ?? 1000;
    const reverse = opts.reverse ?? false;
    const res = await this.calls.scan({ start, end, limit: Math.min(10_000, limit), reverse, startTs: this.startTs }, this.opts);
    // The range the answer covers (what serializable validates).
    const lastKey = res.pairs[res.pairs.length - 1]?.key;
    const covered = !res.more || !lastKey ? { start, end } : reverse ? { start: lastKey, end } : { start, end: Buffer.concat([lastKey, Buffer.from([0])]) };
    this.readRanges.push(covered);
    const rows = new Map<string, Versioned>(res.pairs.map((p) => [hex(p.key), { key: p.key, value: p.value, versionTs: BigInt(p.versionTs) }]));
    for (const [h, w] of this.writes) {
      const inside = Buffer.compare(w.key, covered.start) >= 0 && (covered.end.byteLength === 0 || Buffer.compare(w.key, covered.end) < 0);
      if (!inside) continue;
      if (w.value === null) rows.delete(h);
      else rows.set(h, { key: w.key, value: w.value, versionTs: 0n });
    }
    const sorted = [...rows.values()].sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)) * (reverse ? -1 : 1));
    return sorted.slice(0, limit);
  }

  put(key: Bytes, value: Bytes): void {
    this.open();
    const k = bytes(key);
    this.writes.set(hex(k), { key: k, value: bytes(value) });
  }

  delete(key: Bytes): void {
    this.open();
    const k = bytes(key);
    this.writes.set(hex(k), { key: k, value: null });
  }

  /** Commits the buffered writes atomically; resolves with the commit timestamp. */
  async commit(): Promise<bigint> {
    this.open();
    const mutations: WireMutation[] = [...this.writes.values()].map((w) => (w.value === null ? { op: 'DELETE', key: w.key, value: EMPTY } : { op: 'PUT', key: w.key, value: w.value }));
    mutations.sort((a, b) => Buffer.compare(a.key, b.key));
    if (mutations.length === 0) {
      // Read-only: the snapshot was consistent; nothing to write, no locks ever taken.
      this.state = 'committed';
      return this.startTs;
    }
    const serializable = this.isolation === 'serializable';
    try {
      const res = await this.calls.commit(
        {
          startTs: this.startTs,
          mutations,
          isolation: serializable ? 'SERIALIZABLE' : 'SNAPSHOT',
          readKeys: serializable ? [...this.readKeys.values()] : [],
          readRanges: serializable ? this.readRanges : [],
        },
        this.opts,
      );
      this.state = 'committed';
      return BigInt(res.commitTs);
    } catch (e) {
      if (e instanceof KvError && e.code !== 'UNKNOWN_RESULT') this.state = 'rolled_back';
      throw e;
    }
  }

  /** Drops the buffered writes (nothing was written: locks exist only during commit). */
  rollback(): void {
    if (this.state === 'open') this.state = 'rolled_back';
  }
}


/** Whether a transaction should run again from the start. */
function retryable(e: unknown): e is KvError {
  return e instanceof KvError && (e.code === 'ABORTED' || e.code === 'TXN_CONFLICT');
}

export async function runTxn<T>(calls: TxnCalls, fn: (tx: Transaction) => Promise<T>, opts: TxnOptions): Promise<T> {
  const retries = opts.retries ?? 10;
  let afterTs = 0n;
  for (let attempt = 0; ; attempt++) {
    const tx = new Transaction(calls, await calls.begin(afterTs, opts), opts);
    try {
      const out = await fn(tx);
      if (tx.isOpen) await tx.commit();
      return out;
    } catch (e) {
      tx.rollback();
      if (!retryable(e) || attempt >= retries) throw e;
      if (e.detail.retryTs !== undefined) afterTs = e.detail.retryTs;
      await sleep(backoffMs(TXN_RETRY_BACKOFF, attempt));
    }
  }
}
