// Internal service: what nodes ask each other. Raft and snapshot streams go to
// the transport's inbound side (src/transport/inbound.ts); group commands,
// range import/export, digests, forwarding and store identity are answered
// here, each as a typed error on failure (encoded in the response where the
// protocol carries it there).

import * as grpc from '@grpc/grpc-js';
import { KvError, encodeKvError, toServiceError } from '../../api/errors.js';
import { EMPTY_RESULT, decodeCommand, encodeCommand, encodeResult, type KvCommand, type KvResult } from '../../apply/commands.js';
import { packRows, unpackRows } from '../../apply/packed-rows.js';
import { fromWireRow } from '../../apply/rows.js';
import { checkClientTimestamp } from '../../kv/validate.js';
import { RateLimiter, exportRange } from '../../migration/exporter.js';
import { unhex } from '../../migration/group-state.js';
import { toKvError } from '../../node/errors.js';
import type { DigestEntriesRequest__Output } from '../../proto-gen/ferrykv/internal/v1/DigestEntriesRequest.js';
import type { DigestLeavesRequest__Output } from '../../proto-gen/ferrykv/internal/v1/DigestLeavesRequest.js';
import type { ExportRangeChunk } from '../../proto-gen/ferrykv/internal/v1/ExportRangeChunk.js';
import type { ExportRangeRequest__Output } from '../../proto-gen/ferrykv/internal/v1/ExportRangeRequest.js';
import type { GroupCommandRequest__Output } from '../../proto-gen/ferrykv/internal/v1/GroupCommandRequest.js';
import type { ImportRangeRequest__Output } from '../../proto-gen/ferrykv/internal/v1/ImportRangeRequest.js';
import type { InternalHandlers } from '../../proto-gen/ferrykv/internal/v1/Internal.js';
import type { Inbound } from '../../transport/inbound.js';
import { replicaEntries, replicaLeaves } from '../../verify/replica-check.js';
import { groupLeader, onGroupLeader, proposeOnLeader, withTimeout, type NodeContext } from '../context.js';
import { forwardable } from '../forwarding.js';
import { GroupState } from '../group-state.js';
import { atDigest } from '../replica-verify.js';

/** Command kinds another node may propose here: migration steps, digests, transaction steps. */
const REMOTE_KINDS: ReadonlySet<KvCommand['kind']> = new Set(['MIGRATION', 'DIGEST', 'TXN']);

/** A command result, or the typed error, as GroupCommand and ImportRangeVersions answer. */
function answerResult(p: Promise<KvResult>, callback: grpc.sendUnaryData<{ result: Buffer; error: Buffer }>): void {
  p.then(
    (res) => callback(null, { result: Buffer.from(encodeResult(res)), error: Buffer.alloc(0) }),
    (e: unknown) => callback(null, { result: Buffer.alloc(0), error: Buffer.from(encodeKvError(toKvError(e))) }),
  );
}

/** A migration job's per-group state, read after a barrier on the group's leader (the source adds a size estimate). */
function readJobState(ctx: NodeContext, group: number, jobId: number): Promise<KvResult> {
  return onGroupLeader(ctx, group, async (r) => {
    await withTimeout(ctx, r.readBarrier(), `group ${group} read barrier`);
    const sm = GroupState.of(r);
    const st = sm.jobs.get(jobId);
    if (!st) return { ...EMPTY_RESULT };
    const approxBytes = st.role === 'source' ? await sm.mvcc.approximateBytes(unhex(st.start), unhex(st.end)) : undefined;
    return { ...EMPTY_RESULT, stateJson: JSON.stringify({ ...st, ...(approxBytes !== undefined ? { approxBytes } : {}) }) };
  });
}

/**
 * The command as this leader proposes it. A step sent without a clock reading
 * (migration steps) is stamped by this leader's clock; otherwise the sender's
 * clock decided the timestamps and this clock follows them, within the drift bound.
 */
function stamped(ctx: NodeContext, raw: Uint8Array): Uint8Array {
  let cmd: KvCommand;
  try {
    cmd = decodeCommand(raw);
  } catch (e) {
    throw new KvError('INVALID_ARGUMENT', `command: ${(e as Error).message}`);
  }
  if (!REMOTE_KINDS.has(cmd.kind)) throw new KvError('INVALID_ARGUMENT', `command: only migration steps, digests and transaction steps travel this way, not ${cmd.kind}`);
  if (cmd.proposedTs === 0n) return encodeCommand({ ...cmd, proposedTs: ctx.hlc.now() });
  checkClientTimestamp(ctx.hlc, 'command.proposed_ts', cmd.proposedTs);
  if (cmd.txn) {
    checkClientTimestamp(ctx.hlc, 'command.txn.start_ts', cmd.txn.startTs);
    checkClientTimestamp(ctx.hlc, 'command.txn.commit_ts', cmd.txn.commitTs ?? 0n);
  }
  return raw;
}

function groupCommand(ctx: NodeContext, req: GroupCommandRequest__Output): Promise<KvResult> {
  if (Number(req.readJobId) > 0) return readJobState(ctx, req.groupId, Number(req.readJobId));
  try {
    return proposeOnLeader(ctx, req.groupId, stamped(ctx, req.command));
  } catch (e) {
    return Promise.reject(toKvError(e));
  }
}

function importRange(ctx: NodeContext, req: ImportRangeRequest__Output): Promise<KvResult> {
  const command = encodeCommand({
    kind: 'MIGRATION',
    requestId: new Uint8Array(0),
    // Imported timestamps may run ahead of this clock by at most MAX_COMMAND_AHEAD (src/apply/clock-bound.ts).
    proposedTs: ctx.hlc.now(),
    migration: {
      kind: 'IMPORT',
      jobId: Number(req.jobId),
      attempt: req.attempt,
      fromCursor: req.fromCursor,
      toCursor: req.toCursor,
      rows: req.rowsPacked.byteLength > 0 ? unpackRows(req.rowsPacked) : req.rows.map((r) => fromWireRow(r)),
    },
  });
  return proposeOnLeader(ctx, req.groupId, command);
}

/** Streams a range's versions (backfill, change log or verify) from this group leader, paced and with back-pressure. */
function exportRangeStream(ctx: NodeContext, call: grpc.ServerWritableStream<ExportRangeRequest__Output, ExportRangeChunk>): void {
  const req = call.request;
  let cancelled = false;
  call.on('cancelled', () => (cancelled = true));
  const run = async (): Promise<void> => {
    const r = groupLeader(ctx, req.groupId);
    if (req.mode === 'CHANGE_LOG') await withTimeout(ctx, r.readBarrier(), `group ${req.groupId} read barrier`);
    if (Number(req.minApplied) > 0) await withTimeout(ctx, r.waitApplied(Number(req.minApplied)), `group ${req.groupId} applying the capture`);
    const chunks = exportRange(
      GroupState.of(r).machine,
      {
        mode: req.mode as 'BACKFILL' | 'CHANGE_LOG' | 'VERIFY',
        jobId: Number(req.jobId),
        attempt: req.attempt,
        start: req.start,
        end: req.end,
        cursor: req.cursor,
        afterSeq: Number(req.afterSeq),
        chunkBytes: req.chunkBytes,
        rateLimitBytesPerSec: Number(req.rateLimitBytesPerSec),
        maxTs: BigInt(req.maxTs),
      },
      () => cancelled || ctx.stopping(),
      ctx.exportLimiter,
    );
    for await (const c of chunks) {
      if (cancelled) return;
      const ok = call.write({ rowsPacked: Buffer.from(packRows(c.rows)), nextCursor: Buffer.from(c.nextCursor), lastSeq: String(c.lastSeq), done: c.done, scannedBytes: String(c.scannedBytes) });
      if (!ok) await new Promise<void>((res) => call.once('drain', () => res()));
    }
  };
  run().then(
    () => {
      if (!cancelled) call.end();
    },
    (e: unknown) => {
      if (!cancelled) call.emit('error', toServiceError(toKvError(e)));
    },
  );
}

async function digestLeaves(ctx: NodeContext, req: DigestLeavesRequest__Output): Promise<{ boundaries: Buffer[]; hashes: Buffer[]; counts: number[]; bytes: string }> {
  const { sm, snapshot } = await atDigest(ctx, req.groupId, req.digestId, Number(req.index));
  const limiter = Number(req.rateLimitBytesPerSec) > 0 ? new RateLimiter(Number(req.rateLimitBytesPerSec)) : undefined;
  const leaves = await replicaLeaves(sm, snapshot, {
    start: req.start,
    end: req.end,
    readTs: BigInt(req.readTs),
    boundaries: req.boundaries,
    maxLeafBytes: req.maxLeafBytes || undefined,
    upTo: req.versionsUpTo,
    ...(req.excludeKeys.length > 0 ? { exclude: new Set(req.excludeKeys.map((k) => Buffer.from(k).toString('hex'))) } : {}),
    ...(limiter ? { pace: (n: number) => limiter.take(n) } : {}),
  });
  return { boundaries: leaves.boundaries.map((b) => Buffer.from(b)), hashes: [...leaves.hashes], counts: [...leaves.counts], bytes: String(leaves.bytes) };
}

async function digestEntries(ctx: NodeContext, req: DigestEntriesRequest__Output): Promise<{ entries: { key: Buffer; ts: string; value: Buffer; tombstone: boolean }[]; truncated: boolean }> {
  const { sm, snapshot } = await atDigest(ctx, req.groupId, req.digestId, Number(req.index));
  const ranges = req.starts.map((start, i) => ({ start, end: req.ends[i] ?? Buffer.alloc(0) }));
  const { entries, truncated } = await replicaEntries(sm, snapshot, ranges, BigInt(req.readTs), req.maxEntries || 10_000);
  return { entries: entries.map((e) => ({ key: Buffer.from(e.key), ts: e.ts.toString(), value: Buffer.from(e.value ?? new Uint8Array(0)), tombstone: e.value === null })), truncated };
}

/** A unary call whose failure is a gRPC status carrying the typed error. */
function statusCall<Req, Res>(fn: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (res) => callback(null, res),
        (e: unknown) => callback(toServiceError(toKvError(e)) as grpc.ServiceError),
      );
  };
}

export function internalService(ctx: NodeContext, inbound: Inbound): InternalHandlers {
  return {
    Raft: (call, callback) => inbound.raft(call, callback),
    Snapshot: (call, callback) => inbound.snapshot(call, callback),
    GroupCommand: (call, callback) => answerResult(groupCommand(ctx, call.request), callback),
    ImportRangeVersions: (call, callback) => answerResult(importRange(ctx, call.request), callback),
    ExportRangeVersions: (call) => exportRangeStream(ctx, call),
    DigestLeaves: statusCall((req) => digestLeaves(ctx, req)),
    DigestEntries: statusCall((req) => digestEntries(ctx, req)),
    Identify: (call, callback) => {
      const known = ctx.guard.knownStore(call.request.fromNode);
      callback(null, { clusterId: ctx.identity.clusterId, nodeId: ctx.cfg.nodeId, storeId: Buffer.from(ctx.identity.storeId), knownStore: Buffer.from(known ?? new Uint8Array(0)) });
    },
    Forward: (call, callback) => {
      const f = forwardable(call.request.method);
      if (!f) {
        callback(null, { response: Buffer.alloc(0), error: Buffer.from(encodeKvError(new KvError('INVALID_ARGUMENT', `method ${call.request.method} cannot be forwarded`))) });
        return;
      }
      const codec = f.codec();
      Promise.resolve()
        .then(() => f.run(ctx, codec.requestDeserialize(call.request.request), call.request.hops, call.request.groupId))
        .then(
          (res) => callback(null, { response: codec.responseSerialize(res), error: Buffer.alloc(0) }),
          (e: unknown) => callback(null, { response: Buffer.alloc(0), error: Buffer.from(encodeKvError(toKvError(e))) }),
        );
    },
  };
}
