// The TypeScript SDK: a RawKV client over the public gRPC API.
//
//   const db = await connect({ endpoints: ['127.0.0.1:7001', '127.0.0.1:7002'] });
//   await db.put('hello', 'world');
//   const v = await db.get('hello');          // { value, versionTs } | undefined
//
// Retries: NOT_LEADER (go where the error points), UNAVAILABLE, OVERLOADED,
// WRITE_FENCED, RANGE_PENDING and transport failures are retried with bounded
// exponential backoff, rotating endpoints, inside the call's deadline. Writes
// carry one request id across retries, so a retry after an ambiguous failure
// applies at most once; a write whose outcome cannot be established by the
// deadline fails with UNKNOWN_RESULT. Everything else is a typed KvError.
// Concurrent calls share one batched bidirectional stream per node.
//
// Routing ('auto', the default): the client keeps a route cache fed by
// WatchRoutes (with ListRoutes as the fallback) and sends each call to the
// node it believes leads the group serving the call's key, saving the
// forwarding hop. The cache is only a hint: a stale route costs a NOT_OWNER
// answer, a refresh and a retry, never a wrong answer. With routing 'off'
// every call goes to the given endpoints and the nodes route it.

import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { KvError, fromServiceError } from '../api/errors.js';
import type { RawKVClient } from '../proto-gen/ferrykv/v1/RawKV.js';
import type { TxnKVClient } from '../proto-gen/ferrykv/v1/TxnKV.js';
import type { WatchClient } from '../proto-gen/ferrykv/v1/Watch.js';
import { watchRange, type WatchBatch, type WatchOptions } from './watch.js';
import { Transaction, runTxn, type TxnCalls, type TxnOptions } from './txn.js';
import { CHANNEL_OPTIONS, protos } from '../api/protos.js';
import { RouteCache } from '../routing/route-cache.js';
import { RouteWatcher } from '../routing/route-watcher.js';
import { BATCH_FIELDS, BatchStream, type BatchMethod } from './batch-stream.js';
import type { Bytes, CallOptions, Versioned } from './types.js';
import { retryCall } from '../api/retry.js';
import { CLIENT_BACKOFF } from '../runtime/backoff.js';

export type { Bytes, CallOptions, Versioned } from './types.js';

export { KvError } from '../api/errors.js';
export { Transaction, type TxnOptions } from './txn.js';
export type { KvErrorCode } from '../api/errors.js';

export interface ConnectOptions {
  /** host:port of one or more nodes; any node serves any key. */
  readonly endpoints: readonly string[];
  /** Default deadline of each call (ms). */
  readonly timeoutMs?: number;
  /**
   * 'stream' (default): concurrent calls share one batched stream per node.
   * 'unary': one gRPC call per operation (simpler for debugging, far more CPU).
   */
  readonly transport?: 'stream' | 'unary';
  /** 'auto' (default): route each call to its group's leader by the route cache. 'off': send to `endpoints` only. */
  readonly routing?: 'auto' | 'off';
  /**
   * The first attempt of a call waits this long for an answer (ms, default
   * 1500: above an election timeout) before it tries another node; each
   * further attempt waits twice as long, within the call's deadline. A node
   * that let an attempt time out is avoided, for every group, for a few
   * seconds. A write keeps its request id across attempts, so it applies once.
   */
  readonly attemptTimeoutMs?: number;
}

export interface ReadOptions extends CallOptions {
  /** Read at this HLC timestamp instead of the latest (linearizable) value. */
  readonly readTs?: bigint;
}

export interface ScanOptions extends ReadOptions {
  readonly start?: Bytes;
  /** Exclusive; omitted: to the end of the key space. */
  readonly end?: Bytes;
  /** Total rows to return (default: all). */
  readonly limit?: number;
  readonly reverse?: boolean;
  /** Rows fetched per request (1..10000, default 1000). */
  readonly pageSize?: number;
}

export type Mutation = { readonly op: 'put'; readonly key: Bytes; readonly value: Bytes } | { readonly op: 'delete'; readonly key: Bytes };

const TXN_METHODS = { beginTxn: 1, txnGet: 1, txnBatchGet: 1, txnScan: 1, txnCommit: 1 } as const;
type TxnMethod = keyof typeof TXN_METHODS;

/** How long a node that let an attempt time out is avoided (ms). */
const SUSPECT_MS = 3000;

export function toBytes(b: Bytes): Buffer {
  return typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

const EMPTY = Buffer.alloc(0);

export class FerryClient {
  private readonly clients = new Map<string, RawKVClient>();
  private readonly txnClients = new Map<string, TxnKVClient>();
  private readonly watchClients = new Map<string, WatchClient>();
  private readonly streams = new Map<string, BatchStream>();
  private readonly transport: 'stream' | 'unary';
  private readonly endpoints: string[];
  private preferred = 0;
  private readonly timeoutMs: number;
  private closed = false;
  /** The client's copy of the route catalog (version 0 until the first answer). */
  readonly routes: RouteCache;
  private readonly watcher: RouteWatcher | undefined;
  private hintTimer: NodeJS.Timeout | undefined;
  private readonly attemptTimeoutMs: number;
  /** Endpoints that let an attempt time out, until when they are avoided (shared by every group they lead). */
  private readonly suspect = new Map<string, number>();

  constructor(opts: ConnectOptions) {
    if (opts.endpoints.length === 0) throw new KvError('INVALID_ARGUMENT', 'endpoints: give at least one host:port', { field: 'endpoints' });
    for (const e of opts.endpoints) {
      if (!/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(e)) throw new KvError('INVALID_ARGUMENT', `endpoints: "${e}" is not host:port`, { field: 'endpoints' });
    }
    this.endpoints = [...opts.endpoints];
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.attemptTimeoutMs = opts.attemptTimeoutMs ?? 1500;
    if (!(this.attemptTimeoutMs > 0)) throw new KvError('INVALID_ARGUMENT', 'attemptTimeoutMs: must be positive', { field: 'attemptTimeoutMs' });
    this.transport = opts.transport ?? 'stream';
    // Until the catalog arrives every key maps to group 0 (unknown): calls go to the endpoints.
    this.routes = new RouteCache();
    if ((opts.routing ?? 'auto') === 'auto') {
      this.watcher = new RouteWatcher({ cache: this.routes, endpoints: () => this.endpoints, timeoutMs: Math.min(5000, this.timeoutMs) });
    }
  }

  /** Starts route watching on first use (connect() does no network round trip). */
  private startRouting(): void {
    if (!this.watcher || this.hintTimer) return;
    this.watcher.start();
    this.watcher.refresh().catch(() => {});
    // Leader hints age as leaders move; a periodic listing keeps them fresh.
    this.hintTimer = setInterval(() => void this.watcher?.refresh().catch(() => {}), 5000);
    this.hintTimer.unref();
  }

  /**
   * TEST HOOK: stop applying route updates (the cache goes stale on purpose),
   * to show that stale routes cost retries, never wrong answers.
   */
  pauseRouteUpdates(): void {
    this.watcher?.pause();
  }

  resumeRouteUpdates(): void {
    this.watcher?.resume();
  }

  private txnClient(endpoint: string): TxnKVClient {
    return stubFor(this.txnClients, endpoint, (e) => new (protos().pub.ferrykv.v1.TxnKV)(e, grpc.credentials.createInsecure(), CHANNEL_OPTIONS));
  }

  private client(endpoint: string): RawKVClient {
    return stubFor(this.clients, endpoint, (e) => new (protos().pub.ferrykv.v1.RawKV)(e, grpc.credentials.createInsecure(), CHANNEL_OPTIONS));
  }

  /** The group the cache says serves `key`, and the node it says leads it (unless routing is off or that node timed out lately). */
  private hinted(key: Uint8Array): { group: number; endpoint: string } | undefined {
    if (!this.watcher) return undefined;
    const group = this.routes.lookup(key).groupId;
    const hint = group > 0 ? this.routes.leader(group) : undefined;
    return hint && !this.suspected(hint.address) ? { group, endpoint: hint.address } : undefined;
  }

  /** Whether an endpoint let an attempt time out lately (then it is tried last). */
  private suspected(endpoint: string): boolean {
    const until = this.suspect.get(endpoint);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.suspect.delete(endpoint);
    return false;
  }

  /** The next endpoint to try after one failed: rotates, skipping suspected ones while others remain. */
  private nextEndpoint(): string {
    for (let i = 0; i < this.endpoints.length; i++) {
      this.preferred = (this.preferred + 1) % this.endpoints.length;
      if (!this.suspected(this.endpoints[this.preferred]!)) break;
    }
    return this.endpoints[this.preferred]!;
  }

  /** Runs one RPC with retries inside the deadline. */
  private async invoke<Req, Res>(method: Extract<keyof RawKVClient, string> | TxnMethod, req: Req, opts: CallOptions, isWrite: boolean, routeKey?: Uint8Array): Promise<Res> {
    if (this.closed) throw new KvError('UNAVAILABLE', 'client is closed');
    this.startRouting();
    const deadline = Date.now() + (opts.timeoutMs ?? this.timeoutMs);
    // The group the cache says serves the key, and the node it says leads it (unless that node timed out lately).
    const routed = (): { group: number; endpoint: string } | undefined => (routeKey === undefined ? undefined : this.hinted(routeKey));
    let target = routed();
    let endpoint = target?.endpoint ?? this.endpoints[this.preferred % this.endpoints.length]!;
    if (!target && this.suspected(endpoint)) endpoint = this.nextEndpoint();
    return retryCall<Res>({
      what: method,
      deadline,
      write: isWrite,
      policy: CLIENT_BACKOFF,
      ...(opts.signal ? { signal: opts.signal } : {}),
      // An unresponsive node (paused, black-holed) costs one attempt, not the whole deadline.
      attempt: ({ n, remainingMs }) => this.once<Req, Res>(endpoint, method, req, Math.min(remainingMs, this.attemptTimeoutMs * 2 ** Math.min(n, 6)), remainingMs, opts.signal),
      onFailure: async (err, { n, remainingMs }) => {
        const timedOut = err.code === 'DEADLINE_EXCEEDED' && this.attemptTimeoutMs * 2 ** Math.min(n, 6) < remainingMs;
        if (timedOut) this.suspect.set(endpoint, Date.now() + SUSPECT_MS);
        if (err.code === 'NOT_OWNER' || err.code === 'ROUTE_MOVED') {
          // Our routes are stale: re-read the catalog before going again.
          await this.watcher?.refresh().catch(() => {});
          target = routed();
          endpoint = target?.endpoint ?? endpoint;
        } else if (err.code === 'NOT_LEADER' && err.detail.leaderAddress && !this.suspected(err.detail.leaderAddress)) {
          if (target) this.routes.setLeader(target.group, { nodeId: err.detail.leaderNodeId ?? 0, address: err.detail.leaderAddress });
          endpoint = err.detail.leaderAddress;
        } else {
          // The hinted node failed us: forget the hint, rotate through the endpoints.
          if (target && endpoint === target.endpoint) this.routes.setLeader(target.group, undefined);
          target = undefined;
          endpoint = this.nextEndpoint();
        }
        return timedOut ? 'now' : 'backoff'; // a timed-out attempt already waited
      },
    });
  }

  private once<Req, Res>(endpoint: string, method: string, req: Req, timeoutMs: number, deadlineMs: number, signal?: AbortSignal): Promise<Res> {
    if (this.transport === 'stream' && method in BATCH_FIELDS) {
      let s = this.streams.get(endpoint);
      if (!s) {
        s = new BatchStream(this.client(endpoint));
        this.streams.set(endpoint, s);
      }
      const p = s.call<Res>(method as BatchMethod, req as object, timeoutMs, deadlineMs);
      if (!signal) return p;
      return new Promise<Res>((resolve, reject) => {
        const onAbort = (): void => reject(new KvError('DEADLINE_EXCEEDED', 'aborted by the caller'));
        signal.addEventListener('abort', onAbort, { once: true });
        p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    }
    const target = method in TXN_METHODS ? this.txnClient(endpoint) : this.client(endpoint);
    const c = target as unknown as Record<string, (r: Req, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: Res) => void) => grpc.ClientUnaryCall>;
    return new Promise<Res>((resolve, reject) => {
      const call = c[method]!.call(target, req, { deadline: Date.now() + timeoutMs }, (err, res) => {
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(fromServiceError(err));
        else resolve(res as Res);
      });
      const onAbort = (): void => call.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async get(key: Bytes, opts: ReadOptions = {}): Promise<Versioned | undefined> {
    const res = await this.invoke<object, { found: boolean; value: Buffer; versionTs: string }>('get', { key: toBytes(key), readTs: (opts.readTs ?? 0n).toString() }, opts, false, toBytes(key));
    return res.found ? { key: toBytes(key), value: res.value, versionTs: BigInt(res.versionTs) } : undefined;
  }

  async batchGet(keys: readonly Bytes[], opts: ReadOptions = {}): Promise<Versioned[]> {
    const res = await this.invoke<object, { pairs: { key: Buffer; value: Buffer; versionTs: string }[] }>(
      'batchGet',
      { keys: keys.map(toBytes), readTs: (opts.readTs ?? 0n).toString() },
      opts,
      false,
      keys.length > 0 ? toBytes(keys[0]!) : undefined,
    );
    return res.pairs.map((p) => ({ key: p.key, value: p.value, versionTs: BigInt(p.versionTs) }));
  }

  async put(key: Bytes, value: Bytes, opts: CallOptions = {}): Promise<bigint> {
    const res = await this.invoke<object, { commitTs: string }>('put', { key: toBytes(key), value: toBytes(value), requestId: requestId() }, opts, true, toBytes(key));
    return BigInt(res.commitTs);
  }

  async delete(key: Bytes, opts: CallOptions = {}): Promise<bigint> {
    const res = await this.invoke<object, { commitTs: string }>('delete', { key: toBytes(key), requestId: requestId() }, opts, true, toBytes(key));
    return BigInt(res.commitTs);
  }

  async deleteRange(start: Bytes, end: Bytes | undefined, opts: CallOptions = {}): Promise<{ deleted: number; commitTs: bigint }> {
    const res = await this.invoke<object, { commitTs: string; deleted: string }>(
      'deleteRange',
      { start: toBytes(start), end: end === undefined ? EMPTY : toBytes(end), requestId: requestId() },
      opts,
      true,
      toBytes(start),
    );
    return { deleted: Number(res.deleted), commitTs: BigInt(res.commitTs) };
  }

  async batchWrite(mutations: readonly Mutation[], opts: CallOptions = {}): Promise<bigint> {
    const res = await this.invoke<object, { commitTs: string }>(
      'batchWrite',
      {
        mutations: mutations.map((m) => (m.op === 'put' ? { op: 'PUT', key: toBytes(m.key), value: toBytes(m.value) } : { op: 'DELETE', key: toBytes(m.key), value: EMPTY })),
        requestId: requestId(),
      },
      opts,
      true,
      mutations.length > 0 ? toBytes(mutations[0]!.key) : undefined,
    );
    return BigInt(res.commitTs);
  }

  /** Puts `value` if the current value equals `expected` (`null`: if the key is absent). */
  async compareAndSwap(key: Bytes, expected: Bytes | null, value: Bytes, opts: CallOptions = {}): Promise<{ succeeded: boolean; current?: Uint8Array; commitTs?: bigint }> {
    const res = await this.invoke<object, { succeeded: boolean; currentFound: boolean; current: Buffer; commitTs: string }>(
      'compareAndSwap',
      { key: toBytes(key), expected: expected === null ? EMPTY : toBytes(expected), expectAbsent: expected === null, value: toBytes(value), requestId: requestId() },
      opts,
      true,
      toBytes(key),
    );
    if (res.succeeded) return { succeeded: true, commitTs: BigInt(res.commitTs) };
    return res.currentFound ? { succeeded: false, current: res.current } : { succeeded: false };
  }

  /** Iterates rows in key order (or reverse), fetching pages as needed. */
  async *scan(opts: ScanOptions = {}): AsyncGenerator<Versioned> {
    let start = opts.start === undefined ? EMPTY : toBytes(opts.start);
    let end = opts.end === undefined ? EMPTY : toBytes(opts.end);
    let left = opts.limit ?? Number.POSITIVE_INFINITY;
    const page = opts.pageSize ?? 1000;
    while (left > 0) {
      const res = await this.invoke<object, { pairs: { key: Buffer; value: Buffer; versionTs: string }[]; more: boolean }>(
        'scan',
        { start, end, limit: Math.min(page, left), reverse: opts.reverse ?? false, readTs: (opts.readTs ?? 0n).toString() },
        opts,
        false,
        start,
      );
      for (const p of res.pairs) {
        yield { key: p.key, value: p.value, versionTs: BigInt(p.versionTs) };
        left--;
      }
      if (!res.more || res.pairs.length === 0) return;
      const last = res.pairs[res.pairs.length - 1]!.key;
      if (opts.reverse) end = last;
      else start = Buffer.concat([last, Buffer.from([0])]);
    }
  }

  // ----------------------------------------------------------- transactions

  /**
   * Runs `fn` in a transaction and commits it; a retryable abort (a conflict,
   * an uncertain read) runs `fn` again from the start with a new snapshot, up
   * to `retries` times. `fn` must have no effects outside `tx` (it may run
   * more than once). Resolves with what `fn` returned.
   */
  txn<T>(fn: (tx: Transaction) => Promise<T>, opts: TxnOptions = {}): Promise<T> {
    return runTxn(this.txnCalls(), fn, opts);
  }

  /** Starts a transaction to drive by hand: get/scan/put/delete, then commit() or rollback(). */
  async begin(opts: TxnOptions = {}): Promise<Transaction> {
    const calls = this.txnCalls();
    return new Transaction(calls, await calls.begin(0n, opts), opts);
  }

  private txnCalls(): TxnCalls {
    return {
      begin: async (afterTs, o) => BigInt((await this.invoke<object, { startTs: string }>('beginTxn', { afterTs: afterTs.toString() }, o, false)).startTs),
      get: (key, startTs, o) => this.invoke<object, { found: boolean; value: Buffer; versionTs: string }>('txnGet', { key, startTs: startTs.toString() }, o, false, key),
      batchGet: (keys, startTs, o) => this.invoke<object, { pairs: { key: Buffer; value: Buffer; versionTs: string }[] }>('txnBatchGet', { keys, startTs: startTs.toString() }, o, false, keys[0]),
      scan: (req, o) => this.invoke<object, { pairs: { key: Buffer; value: Buffer; versionTs: string }[]; more: boolean }>('txnScan', { ...req, startTs: req.startTs.toString() }, o, false, req.start),
      commit: (req, o) =>
        this.invoke<object, { commitTs: string; onePhase: boolean }>('txnCommit', { ...req, startTs: req.startTs.toString(), requestId: requestId() }, o, true, req.mutations[0]?.key),
    };
  }

  // ------------------------------------------------------------------ watch

  /**
   * The changes of a range (a prefix, or start/end) after `fromTs` (default:
   * now), as batches with the watch's resolved timestamp; resumes by itself
   * after any break (docs/watch.md). Stop by leaving the loop or aborting.
   */
  watch(opts: WatchOptions = {}): AsyncGenerator<WatchBatch> {
    if (this.closed) throw new KvError('UNAVAILABLE', 'client is closed');
    this.startRouting();
    return watchRange(
      {
        watchClient: (endpoint) => stubFor(this.watchClients, endpoint, (e) => new (protos().pub.ferrykv.v1.Watch)(e, grpc.credentials.createInsecure(), CHANNEL_OPTIONS)),
        endpointFor: (key) => this.hinted(key)?.endpoint,
        nextEndpoint: () => this.nextEndpoint(),
        refreshRoutes: () => this.watcher?.refresh() ?? Promise.resolve(),
      },
      opts,
      toBytes,
    );
  }

  close(): void {
    this.closed = true;
    clearInterval(this.hintTimer);
    this.watcher?.close();
    for (const s of this.streams.values()) s.close();
    this.streams.clear();
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    for (const c of this.txnClients.values()) c.close();
    this.txnClients.clear();
    for (const c of this.watchClients.values()) c.close();
    this.watchClients.clear();
  }
}

/** Opens a client. No network round trip happens until the first call. */
export function connect(opts: ConnectOptions): Promise<FerryClient> {
  return Promise.resolve(new FerryClient(opts));
}

/** The service stub for an endpoint, made once and kept (one channel per service and node). */
function stubFor<T>(stubs: Map<string, T>, endpoint: string, make: (endpoint: string) => T): T {
  let c = stubs.get(endpoint);
  if (!c) stubs.set(endpoint, (c = make(endpoint)));
  return c;
}

function requestId(): Buffer {
  return randomBytes(16);
}
