// One long-lived RawKV.Batch stream to one node. Operations issued during an
// event-loop turn leave together in one BatchRequest; results come back
// matched by id. If the stream breaks, every operation in flight on it fails
// with UNAVAILABLE (the caller's retry policy takes over) and the next call
// opens a new stream. In-flight operations are bounded.

import type * as grpc from '@grpc/grpc-js';
import { KvError, decodeKvError } from '../kv/errors.js';
import type { BatchRequest } from '../proto-gen/ferrykv/v1/BatchRequest.js';
import type { BatchResponse__Output } from '../proto-gen/ferrykv/v1/BatchResponse.js';
import type { Op } from '../proto-gen/ferrykv/v1/Op.js';
import type { RawKVClient } from '../proto-gen/ferrykv/v1/RawKV.js';

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
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: KvError) => void;
  readonly timer: NodeJS.Timeout;
}

const MAX_IN_FLIGHT = 100_000;

export class BatchStream {
  private stream: grpc.ClientDuplexStream<BatchRequest, BatchResponse__Output> | undefined;
  private readonly pending = new Map<number, Pending>();
  private queue: Op[] = [];
  private scheduled = false;
  private nextId = 1;

  constructor(private readonly client: RawKVClient) {}

  call<Res>(method: BatchMethod, request: object, timeoutMs: number): Promise<Res> {
    if (this.pending.size >= MAX_IN_FLIGHT) {
      return Promise.reject(new KvError('OVERLOADED', `${this.pending.size} operations in flight on one stream`, { retryAfterMs: 10 }));
    }
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    return new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.pending.delete(id)) reject(new KvError('DEADLINE_EXCEEDED', `${method}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject, timer });
      this.queue.push({ id, [BATCH_FIELDS[method][0]]: request });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const ops = this.queue;
    this.queue = [];
    this.open().write({ ops });
  }

  private open(): grpc.ClientDuplexStream<BatchRequest, BatchResponse__Output> {
    if (this.stream) return this.stream;
    const s = this.client.batch();
    s.on('data', (res: BatchResponse__Output) => {
      for (const r of res.results) {
        const p = this.pending.get(r.id);
        if (!p) continue; // timed out already
        this.pending.delete(r.id);
        clearTimeout(p.timer);
        if (r.response === 'error' && r.error) p.reject(decodeKvError(r.error));
        else p.resolve((r as unknown as Record<string, unknown>)[BATCH_FIELDS[p.method][1]]);
      }
    });
    const broken = (why: string): void => {
      if (this.stream !== s) return;
      this.stream = undefined;
      const e = new KvError('UNAVAILABLE', `batch stream closed: ${why}`);
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
