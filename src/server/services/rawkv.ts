// RawKV service: unary calls, and the batched bidirectional stream the SDK
// uses (operations run concurrently; results finished in one event-loop turn
// leave in one BatchResponse; every operation is admitted against the node's
// bounds first or refused with OVERLOADED).

import type * as grpc from '@grpc/grpc-js';
import { KvError, encodeKvError } from '../../api/errors.js';
import { toKvError } from '../../node/errors.js';
import type { BatchRequest__Output } from '../../proto-gen/ferrykv/v1/BatchRequest.js';
import type { BatchResponse } from '../../proto-gen/ferrykv/v1/BatchResponse.js';
import type { Op__Output } from '../../proto-gen/ferrykv/v1/Op.js';
import type { OpResult } from '../../proto-gen/ferrykv/v1/OpResult.js';
import type { RawKVHandlers } from '../../proto-gen/ferrykv/v1/RawKV.js';
import { opBytes } from '../admission.js';
import type { NodeContext } from '../context.js';
import { beginTxn, txnCommit } from './txn.js';
import { unary } from './unary.js';

export function rawKvService(ctx: NodeContext): RawKVHandlers {
  const kv = ctx.kv;
  return {
    Get: unary(ctx, 'Get', (r) => kv.get(r), true),
    BatchGet: unary(ctx, 'BatchGet', (r) => kv.batchGet(r), true),
    Put: unary(ctx, 'Put', (r) => kv.put(r), true),
    Delete: unary(ctx, 'Delete', (r) => kv.delete(r), true),
    DeleteRange: unary(ctx, 'DeleteRange', (r) => kv.deleteRange(r), true),
    BatchWrite: unary(ctx, 'BatchWrite', (r) => kv.batchWrite(r), true),
    Scan: unary(ctx, 'Scan', (r) => kv.scan(r), true),
    CompareAndSwap: unary(ctx, 'CompareAndSwap', (r) => kv.compareAndSwap(r), true),
    Batch: (call) => serveBatch(ctx, call),
  };
}

/** The batched stream. It ends after the client ends it and every operation has answered. */
function serveBatch(ctx: NodeContext, call: grpc.ServerDuplexStream<BatchRequest__Output, BatchResponse>): void {
  let out: OpResult[] = [];
  let scheduled = false;
  let inFlight = 0;
  let ended = false;
  const flush = (): void => {
    scheduled = false;
    if (out.length === 0) return;
    const results = out;
    out = [];
    if (!call.cancelled) call.write({ results });
    if (ended && inFlight === 0) call.end();
  };
  const answer = (r: OpResult): void => {
    out.push(r);
    inFlight--;
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  call.on('data', (req: BatchRequest__Output) => {
    for (const op of req.ops) {
      // Bounded work: beyond the node's and the stream's limits, OVERLOADED at once (src/server/admission.ts).
      const bytes = opBytes(op);
      const refused = ctx.admission.admit(bytes, inFlight);
      inFlight++;
      runCounted(ctx, op, refused, bytes).then(answer, () => {});
    }
  });
  call.on('end', () => {
    ended = true;
    if (inFlight === 0) call.end();
  });
  call.on('error', () => {
    /* client went away; in-flight results are dropped */
  });
}

/** One operation of a stream, timed and counted; its answer (a result or an encoded typed error). */
async function runCounted(ctx: NodeContext, op: Op__Output, refused: KvError | undefined, bytes: number): Promise<OpResult> {
  const method = `batch.${op.request ?? 'none'}`;
  if (refused) {
    ctx.metrics.requests.inc({ method, code: refused.code });
    return { id: op.id, error: Buffer.from(encodeKvError(refused)) };
  }
  const end = ctx.metrics.requestDuration.startTimer({ method });
  try {
    const res = await runOp(ctx, op);
    ctx.metrics.requests.inc({ method, code: 'OK' });
    return { id: op.id, ...res };
  } catch (e) {
    const err = toKvError(e);
    ctx.metrics.requests.inc({ method, code: err.code });
    return { id: op.id, error: Buffer.from(encodeKvError(err)) };
  } finally {
    ctx.admission.release(bytes);
    end();
  }
}

async function runOp(ctx: NodeContext, op: Op__Output): Promise<Omit<OpResult, 'id'>> {
  if (ctx.stopping()) throw new KvError('UNAVAILABLE', 'node is shutting down');
  const kv = ctx.kv;
  switch (op.request) {
    case 'get':
      return { get: await kv.get(op.get!) };
    case 'put':
      return { write: await kv.put(op.put!) };
    case 'delete':
      return { write: await kv.delete(op.delete!) };
    case 'compareAndSwap':
      return { compareAndSwap: await kv.compareAndSwap(op.compareAndSwap!) };
    case 'batchGet':
      return { batchGet: await kv.batchGet(op.batchGet!) };
    case 'batchWrite':
      return { write: await kv.batchWrite(op.batchWrite!) };
    case 'deleteRange':
      return { deleteRange: await kv.deleteRange(op.deleteRange!) };
    case 'scan':
      return { scan: await kv.scan(op.scan!) };
    case 'beginTxn':
      return { beginTxn: beginTxn(ctx, op.beginTxn!) };
    case 'txnGet':
      return { get: await kv.get({ key: op.txnGet!.key, readTs: op.txnGet!.startTs }, true) };
    case 'txnBatchGet':
      return { batchGet: await kv.batchGet({ keys: op.txnBatchGet!.keys, readTs: op.txnBatchGet!.startTs }, true) };
    case 'txnScan': {
      const q = op.txnScan!;
      return { scan: await kv.scan({ start: q.start, end: q.end, limit: q.limit, reverse: q.reverse, readTs: q.startTs }, true) };
    }
    case 'txnCommit':
      return { txnCommit: await txnCommit(ctx, op.txnCommit!) };
    default:
      throw new KvError('INVALID_ARGUMENT', 'op: no request set', { field: 'op.request' });
  }
}
