// One long-lived RawKV.Batch stream to one node. Operations issued during an
// event-loop turn leave together in one BatchRequest; results come back
// matched by id. If the stream breaks, every operation in flight on it fails
// with UNAVAILABLE (the caller's retry policy takes over) and the next call
// opens a new stream. In-flight operations are bounded.

import type * as grpc from '@grpc/grpc-js';
import { KvError, decodeKvError } from '../api/errors.js';
import type { BatchRequest } from '../proto-gen/ferrykv/v1/BatchRequest.js';
import type { BatchResponse__Output } from '../proto-gen/ferrykv/v1/BatchResponse.js';
import type { Op } from '../proto-gen/ferrykv/v1/Op.js';
import type { RawKVClient } from '../proto-gen/ferrykv/v1/RawKV.js';
import { requestBytes } from '../api/request-bytes.js';

/** The op field a method travels in, and the result field it comes back in. */
export const BATCH_FIELDS = {
  get: ['get', 'get'],
  put: ['put', 'write'],
  delete: ['delete', 'write'],
  compareAndSwap: ['compareAndSwap', 'compareAndSwap'],
  batchGet: ['batchGet', 'batchGet'],
  batchWrite: ['batchWrite', 'write'],
  deleteRange: ['deleteRange', 'deleteRange'],
  scan: ['scan', 'scan'],
  beginTxn: ['beginTxn', 'beginTxn'],
  txnGet: ['txnGet', 'get'],
  txnBatchGet: ['txnBatchGet', 'batchGet'],
  txnScan: ['txnScan', 'scan'],
  txnCommit: ['txnCommit', 'txnCommit'],
} as const;

export type BatchMethod = keyof typeof BATCH_FIELDS;

interface Pending {
  readonly method: BatchMethod;
  readonly bytes: number;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: KvError) => void;
  timer: NodeJS.Timeout;
}

const MAX_IN_FLIGHT = 100_000;
/** Operations and bytes with the node at once on one stream (below the node's admission bounds: 2,048 per stream, 8 MiB per node). */
const SEND_WINDOW_OPS = 1024;
const SEND_WINDOW_BYTES = 4 << 20;

export class BatchStream {
  private stream: grpc.ClientDuplexStream<BatchRequest, BatchResponse__Output> | undefined;
  private readonly pending = new Map<number, Pending>();
  private queue: Op[] = [];
  /** Operations sent on the stream and not answered yet: id → bytes. */
  private readonly sent = new Map<number, number>();
  private sentBytes = 0;
  private scheduled = false;
  private nextId = 1;
  /** When this stream last delivered an answer (ms since the epoch). */
  private lastAnswerAt = 0;

  constructor(private readonly client: RawKVClient) {}

  /**
   * Sends one operation. It fails with DEADLINE_EXCEEDED after `attemptMs`
   * without an answer — unless the stream answered other operations within
   * the last `attemptMs`: then the node is alive and only busy, and the operation keeps
   * waiting (up to `deadlineMs`). A retry elsewhere would only add the same
   * work again (metastable overload); a node that answers nothing (paused,
   * cut off) is given up on after `attemptMs`.
   */
  call<Res>(method: BatchMethod, request: object, attemptMs: number, deadlineMs = attemptMs): Promise<Res> {
    if (this.pending.size >= MAX_IN_FLIGHT) {
      return Promise.reject(new KvError('OVERLOADED', `${this.pending.size} operations in flight on one stream`, { retryAfterMs: 10 }));
    }
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    const started = Date.now();
    return new Promise<Res>((resolve, reject) => {
      const expire = (): void => {
        const p = this.pending.get(id);
        if (!p) return;
        const now = Date.now();
        const left = started + deadlineMs - now;
        if (left > 0 && now - this.lastAnswerAt < attemptMs) {
          p.timer = setTimeout(expire, Math.min(left, attemptMs));
          return;
        }
        this.pending.delete(id);
        const wasSent = this.sent.has(id);
        this.answered(id);
        // Still waiting for the send window: it never left this process, so nothing can have applied.
        if (!wasSent) reject(new KvError('OVERLOADED', `${method}: not sent within ${now - started} ms (the stream's window to the node stayed full)`, { retryAfterMs: 0 }));
        else reject(new KvError('DEADLINE_EXCEEDED', `${method}: no answer within ${now - started} ms`));
      };
      const timer = setTimeout(expire, Math.min(attemptMs, deadlineMs));
      this.pending.set(id, { method, bytes: requestBytes(request), resolve: resolve as (v: unknown) => void, reject, timer });
      this.queue.push({ id, [BATCH_FIELDS[method][0]]: request });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    // At most SEND_WINDOW operations are with the node at a time; the rest wait
    // here (cheap) instead of being refused there with OVERLOADED and retried.
    const ops: Op[] = [];
    while (this.queue.length > 0 && this.sent.size < SEND_WINDOW_OPS) {
      const op = this.queue[0]!;
      const p = this.pending.get(op.id!);
      if (!p) {
        this.queue.shift(); // timed out while waiting
        continue;
      }
      // The byte window: one large operation may go alone.
      if (this.sent.size > 0 && this.sentBytes + p.bytes > SEND_WINDOW_BYTES) break;
      this.queue.shift();
      this.sent.set(op.id!, p.bytes);
      this.sentBytes += p.bytes;
      ops.push(op);
    }
    if (ops.length > 0) this.open().write({ ops });
  }

  private answered(id: number): void {
    const bytes = this.sent.get(id);
    if (bytes !== undefined) {
      this.sent.delete(id);
      this.sentBytes -= bytes;
    }
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private open(): grpc.ClientDuplexStream<BatchRequest, BatchResponse__Output> {
    if (this.stream) return this.stream;
    const s = this.client.batch();
    s.on('data', (res: BatchResponse__Output) => {
      this.lastAnswerAt = Date.now();
      for (const r of res.results) {
        const p = this.pending.get(r.id);
        if (!p) continue; // timed out already
        this.pending.delete(r.id);
        this.answered(r.id);
        clearTimeout(p.timer);
        if (r.response === 'error' && r.error) p.reject(decodeKvError(r.error));
        else p.resolve((r as unknown as Record<string, unknown>)[BATCH_FIELDS[p.method][1]]);
      }
    });
    const broken = (why: string): void => {
      if (this.stream !== s) return;
      this.stream = undefined;
      const e = new KvError('UNAVAILABLE', `batch stream closed: ${why}`);
      this.sent.clear();
      this.sentBytes = 0;
      this.queue = [];
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(e);
        this.pending.delete(id);
      }
    };
    s.on('error', (e: Error) => broken(e.message));
    s.on('end', () => broken('ended by the server'));
    this.stream = s;
    return s;
  }

  close(): void {
    const s = this.stream;
    this.stream = undefined;
    s?.cancel();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new KvError('UNAVAILABLE', 'client closed'));
    }
    this.pending.clear();
  }
}
