// The node side of etcd's KV service (docs/etcd-compat.md): every request runs
// as a ferrykv transaction. Reads are at one timestamp across every route —
// the request's start timestamp, or the revision the client named — and
// writes commit serializably, so the versions, create revisions and prev_kv
// computed from the reads are exact at the commit timestamp, which is the
// request's revision. A conflict with another writer restarts the request
// inside its deadline (etcd's own requests never abort).

import { randomBytes } from 'node:crypto';
import { KvError } from '../api/errors.js';
import type { Hlc } from '../hlc/hlc.js';
import type { KvService } from '../kv/kv-service.js';
import { toKvError } from '../node/errors.js';
import { LOCAL_BACKOFF, backoffMs, sleep } from '../runtime/backoff.js';
import type { TxnCoordinator } from '../txn/coordinator.js';
import type { CompactionRequest__Output } from '../proto-gen/etcdserverpb/CompactionRequest.js';
import type { DeleteRangeRequest__Output } from '../proto-gen/etcdserverpb/DeleteRangeRequest.js';
import type { PutRequest__Output } from '../proto-gen/etcdserverpb/PutRequest.js';
import type { RangeRequest__Output } from '../proto-gen/etcdserverpb/RangeRequest.js';
import type { TxnRequest__Output } from '../proto-gen/etcdserverpb/TxnRequest.js';
import { ErrCompacted, ErrFutureRev, ErrRequestTooLarge, EtcdError, toEtcdError } from './errors.js';
import { checkTxn, execDelete, execPut, execRange, execTxn, type DeleteResult, type LeaseCheck, type PutResult, type RangeResult, type TxnResult } from './exec.js';
import { COMPACT_KEY, storeKey } from './keys.js';
import { ReadTooLarge, TxnView, type SnapshotReader, type StoredRow } from './view.js';
import { status } from '@grpc/grpc-js';

export interface EtcdKvOptions {
  readonly kv: KvService;
  readonly txn: TxnCoordinator;
  readonly hlc: Hlc;
  readonly requestTimeoutMs: number;
  /** Reads may name revisions up to this far ahead of this node's clock (another node's clock may lead). */
  readonly maxClockOffsetMs: number;
  /** etcd's --max-txn-ops. */
  readonly maxTxnOps: number;
  readonly leaseExists: LeaseCheck;
}

/** A result and the revision it carries in its header. */
export interface AtRevision<T> {
  readonly out: T;
  readonly revision: bigint;
}

export class EtcdKv {
  private readonly reader: SnapshotReader;
  /** The highest compaction revision this node has seen (it only rises). */
  private compacted = 0n;

  constructor(private readonly opts: EtcdKvOptions) {
    this.reader = kvReader(opts.kv);
  }

  range(req: RangeRequest__Output): Promise<AtRevision<RangeResult>> {
    if (req.rangeEnd.byteLength === 0 && BigInt(req.revision) === 0n && req.key.byteLength > 0) return this.rangeOneKey(req);
    return this.run(BigInt(req.revision), (view) => execRange(view, req));
  }

  /**
   * A Range of one key at no revision: one linearizable read of its group at
   * the replica's closed timestamp (KvService.getLatest), which is its
   * revision — no timestamp from the clock to close through the log first.
   */
  private async rangeOneKey(req: RangeRequest__Output): Promise<AtRevision<RangeResult>> {
    const sk = storeKey(req.key);
    try {
      const got = await this.opts.kv.getLatest({ key: sk });
      const row: StoredRow | undefined = got.found ? { key: sk, value: got.value, ts: got.versionTs } : undefined;
      const one: SnapshotReader = {
        get: () => Promise.resolve(row),
        scan: () => Promise.reject(new Error('a one-key read scans nothing')),
      };
      const revision = got.readTs > 0n ? got.readTs : 1n;
      return { out: await execRange(new TxnView(one, revision, true), req), revision };
    } catch (e) {
      throw toEtcdError(e instanceof ReadTooLarge ? new KvError('INVALID_ARGUMENT', e.message) : e);
    }
  }

  put(req: PutRequest__Output): Promise<AtRevision<PutResult>> {
    return this.run(0n, (view) => execPut(view, req, this.opts.leaseExists));
  }

  deleteRange(req: DeleteRangeRequest__Output): Promise<AtRevision<DeleteResult>> {
    return this.run(0n, (view) => execDelete(view, req));
  }

  txn(req: TxnRequest__Output): Promise<AtRevision<TxnResult>> {
    checkTxn(req, this.opts.maxTxnOps);
    return this.run(0n, (view) => execTxn(view, req, this.opts.leaseExists));
  }

  /** Runs `body` as one etcd request: reads at a fresh timestamp, its writes committed at the returned revision. */
  transact<T>(body: (view: TxnView) => Promise<T>): Promise<AtRevision<T>> {
    return this.run(0n, body);
  }

  /** Raises the compaction revision: reads below it fail with ErrCompacted from then on. */
  async compact(req: CompactionRequest__Output): Promise<AtRevision<object>> {
    const rev = BigInt(req.revision);
    const now = this.opts.hlc.now();
    if (rev > now + this.offset()) throw ErrFutureRev();
    const deadline = Date.now() + this.opts.requestTimeoutMs;
    let after = 0n;
    for (let attempt = 0; ; attempt++) {
      const startTs = this.opts.txn.begin(after);
      try {
        const cur = await this.readCompacted(startTs);
        if (rev <= cur) throw ErrCompacted();
        const value = new Uint8Array(8);
        new DataView(value.buffer).setBigUint64(0, rev);
        const { commitTs } = await this.opts.txn.commit({
          startTs,
          mutations: [{ key: COMPACT_KEY, value }],
          isolation: 'SERIALIZABLE',
          readKeys: [COMPACT_KEY],
          readRanges: [],
          requestId: randomBytes(16),
        });
        this.compacted = rev > this.compacted ? rev : this.compacted;
        return { out: {}, revision: commitTs };
      } catch (e) {
        after = await this.retryOrThrow(e, attempt, deadline);
      }
    }
  }

  /** The compaction revision now (read through the store; it only rises). */
  async compactedRevision(): Promise<bigint> {
    return this.readCompacted(this.opts.txn.begin(0n));
  }

  /** The version of a store key just below `ts` (a watch event's prev_kv), undefined when none or no longer readable. */
  readBefore(storeKey: Uint8Array, ts: bigint): Promise<StoredRow | undefined> {
    return this.reader.get(storeKey, ts - 1n, true);
  }

  private offset(): bigint {
    return BigInt(this.opts.maxClockOffsetMs) << 16n;
  }

  private async readCompacted(ts: bigint): Promise<bigint> {
    const row = await this.reader.get(COMPACT_KEY, ts, false);
    const v = row && row.value.byteLength === 8 ? new DataView(row.value.buffer, row.value.byteOffset, 8).getBigUint64(0) : 0n;
    if (v > this.compacted) this.compacted = v;
    return v;
  }

  /** A read at a revision the client named: not below the compaction revision, not in the future. */
  private async checkRevision(rev: bigint, deadline: number): Promise<void> {
    if (rev < 0n) throw new EtcdError(status.INVALID_ARGUMENT, 'etcdserver: revision must not be negative');
    const now = this.opts.hlc.now();
    if (rev > now + this.offset()) throw ErrFutureRev();
    if (rev < this.compacted) throw ErrCompacted();
    let after = 0n;
    for (let attempt = 0; ; attempt++) {
      try {
        if (rev < (await this.readCompacted(this.opts.txn.begin(after)))) throw ErrCompacted();
        return;
      } catch (e) {
        after = await this.retryOrThrow(e, attempt, deadline);
      }
    }
  }

  /**
   * Runs `body` over a view at one timestamp and commits what it wrote; a
   * conflict (another writer, a clock-uncertain read) starts it over above
   * the conflict, until the deadline.
   */
  private async run<T>(revision: bigint, body: (view: TxnView) => Promise<T>): Promise<AtRevision<T>> {
    const deadline = Date.now() + this.opts.requestTimeoutMs;
    if (revision !== 0n) await this.checkRevision(revision, deadline);
    let after = 0n;
    for (let attempt = 0; ; attempt++) {
      const exact = revision !== 0n;
      const ts = exact ? revision : this.opts.txn.begin(after);
      const view = new TxnView(this.reader, ts, exact);
      try {
        const out = await body(view);
        if (!view.hasWrites) return { out, revision: exact ? this.opts.hlc.now() : ts };
        const { commitTs } = await this.opts.txn.commit({
          startTs: ts,
          mutations: view.mutations(),
          isolation: 'SERIALIZABLE',
          readKeys: view.readKeys,
          readRanges: view.readRanges,
          requestId: randomBytes(16),
        });
        return { out, revision: commitTs };
      } catch (e) {
        after = await this.retryOrThrow(e, attempt, deadline);
      }
    }
  }

  /** Waits before the next attempt of a request that met a conflict (returning the timestamp to restart above), or throws its etcd error. */
  private async retryOrThrow(e: unknown, attempt: number, deadline: number): Promise<bigint> {
    if (e instanceof EtcdError) throw e;
    if (e instanceof ReadTooLarge) throw new EtcdError(ErrRequestTooLarge().code, `etcdserver: ${e.message}`);
    const err = toKvError(e);
    if (err.code !== 'ABORTED' || Date.now() + 20 > deadline) throw toEtcdError(err.code === 'ABORTED' ? new KvError('UNAVAILABLE', `request kept conflicting with other writers: ${err.message}`) : err);
    await sleep(backoffMs(LOCAL_BACKOFF, attempt, 0, deadline - Date.now()));
    return err.detail.retryTs ?? 0n;
  }
}

/** The node's transactional reads, as a view reads them. */
function kvReader(kv: KvService): SnapshotReader {
  return {
    async get(key, ts, exact): Promise<StoredRow | undefined> {
      const r = await kv.get({ key, readTs: ts.toString() }, true, !exact);
      return r.found ? { key, value: r.value, ts: BigInt(r.versionTs) } : undefined;
    },
    async scan(start, end, limit, reverse, ts, exact) {
      const r = await kv.scan({ start, end, limit, reverse, readTs: ts.toString() }, true, !exact);
      return { rows: r.pairs.map((p) => ({ key: p.key, value: p.value, ts: BigInt(p.versionTs) })), more: r.more };
    },
  };
}
