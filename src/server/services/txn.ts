// TxnKV service: BeginTxn (a start timestamp from this node's clock),
// transactional reads at the start timestamp, and TxnCommit (this node
// coordinates the commit: src/txn/coordinator.ts).

import { checkClientTimestamp } from '../../kv/validate.js';
import type { BeginTxnRequest__Output } from '../../proto-gen/ferrykv/v1/BeginTxnRequest.js';
import type { TxnCommitRequest__Output } from '../../proto-gen/ferrykv/v1/TxnCommitRequest.js';
import type { TxnKVHandlers } from '../../proto-gen/ferrykv/v1/TxnKV.js';
import { parseCommitRequest } from '../../txn/coordinator.js';
import type { NodeContext } from '../context.js';
import { unary } from './unary.js';

export function beginTxn(ctx: NodeContext, r: BeginTxnRequest__Output): { startTs: string } {
  const after = checkClientTimestamp(ctx.hlc, 'after_ts', r.afterTs);
  return { startTs: ctx.txn.begin(after).toString() };
}

export async function txnCommit(ctx: NodeContext, r: TxnCommitRequest__Output): Promise<{ commitTs: string; onePhase: boolean }> {
  const req = parseCommitRequest(r);
  // The start timestamp names the transaction and bounds its commit: the
  // clock observes it (refused beyond the drift bound, so no commit can move a group's clock).
  checkClientTimestamp(ctx.hlc, 'start_ts', req.startTs);
  const out = await ctx.txn.commit(req);
  ctx.metrics.txnCommits.inc({ kind: out.onePhase ? 'one_phase' : 'two_phase' });
  return { commitTs: out.commitTs.toString(), onePhase: out.onePhase };
}

export function txnService(ctx: NodeContext): TxnKVHandlers {
  const kv = ctx.kv;
  return {
    BeginTxn: unary(ctx, 'BeginTxn', (r) => Promise.resolve(beginTxn(ctx, r)), true),
    TxnGet: unary(ctx, 'TxnGet', (r) => kv.get({ key: r.key, readTs: r.startTs }, true), true),
    TxnBatchGet: unary(ctx, 'TxnBatchGet', (r) => kv.batchGet({ keys: r.keys, readTs: r.startTs }, true), true),
    TxnScan: unary(ctx, 'TxnScan', (r) => kv.scan({ start: r.start, end: r.end, limit: r.limit, reverse: r.reverse, readTs: r.startTs }, true), true),
    TxnCommit: unary(ctx, 'TxnCommit', (r) => txnCommit(ctx, r), true),
  };
}
