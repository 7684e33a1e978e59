// Replica verification (docs/verify.md): VerifyRange puts a DIGEST read point
// in the group's log, then compares every replica's Merkle leaves with the
// leader's at that index (src/verify/replica-check.ts); the background
// consistency check does it for every group this node leads, one at a time,
// paced, with results in metrics, logs and /healthz.

import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { KvError, fromServiceError } from '../api/errors.js';
import { checkRange, checkTimestamp } from '../kv/validate.js';
import type { VerifyRangeRequest__Output } from '../proto-gen/ferrykv/admin/v1/VerifyRangeRequest.js';
import type { VerifyRangeResponse } from '../proto-gen/ferrykv/admin/v1/VerifyRangeResponse.js';
import type { DigestEntriesResponse__Output } from '../proto-gen/ferrykv/internal/v1/DigestEntriesResponse.js';
import type { DigestLeavesResponse__Output } from '../proto-gen/ferrykv/internal/v1/DigestLeavesResponse.js';
import { nodeId } from '../raft/index.js';
import { compareReplicas, type versionsAt } from '../verify/replica-check.js';
import { withTimeout, type NodeContext } from './context.js';
import { GroupState } from './group-state.js';

/** This node's replica of `group` once it applied the digest read point, and the snapshot taken there. */
export async function atDigest(ctx: NodeContext, group: number, digestId: Uint8Array, index: number): Promise<{ sm: GroupState; snapshot: Parameters<typeof versionsAt>[1] }> {
  const r = ctx.host.replica(group);
  if (!r) throw new KvError('UNAVAILABLE', `node ${ctx.cfg.nodeId} holds no replica of group ${group}`, { groupId: group });
  await withTimeout(ctx, r.waitApplied(index), `group ${group} applying the verification read point`);
  const sm = GroupState.of(r);
  const d = sm.digest(Buffer.from(digestId).toString('hex'));
  if (!d) throw new KvError('UNAVAILABLE', `group ${group} on node ${ctx.cfg.nodeId}: no read point ${Buffer.from(digestId).toString('hex')} (the replica restarted or got a snapshot since, or it expired)`);
  return { sm, snapshot: d.snapshot };
}

/** Calls one replica's Internal digest method (leaves or entries of its tree at the read point). */
function digestCall<Res>(ctx: NodeContext, n: number, method: 'digestLeaves' | 'digestEntries', body: object): Promise<Res> {
  const address = ctx.transport.peerAddress(nodeId(n)) ?? ctx.cfg.cluster.nodes.find((x) => x.id === n)?.address ?? '';
  return new Promise((resolve, reject) => {
    const c = ctx.groupClient.clientFor(address) as unknown as Record<string, (r: object, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: Res) => void) => void>;
    c[method]!.call(c, body, { deadline: Date.now() + ctx.cfg.requestTimeoutMs * 6 }, (e, r) => (e ? reject(fromServiceError(e)) : resolve(r!)));
  });
}

export async function verifyRange(ctx: NodeContext, req: VerifyRangeRequest__Output, rateLimitBytesPerSec = 0): Promise<VerifyRangeResponse> {
  const started = performance.now();
  const group = req.groupId;
  const g = ctx.cfg.cluster.groups.find((x) => x.id === group);
  if (!g) throw new KvError('INVALID_ARGUMENT', `group_id: group ${group} does not exist`, { field: 'group_id' });
  const { start, end } = checkRange(req.start, req.end);
  const readTs = checkTimestamp('read_ts', req.readTs);
  const digestId = randomBytes(16);
  const { result, leader } = await ctx.groupClient.propose(group, { kind: 'DIGEST', requestId: new Uint8Array(0), proposedTs: 0n, key: digestId });
  const index = result.index ?? 0;
  const local = ctx.host.replica(group)?.raft.confState();
  const members = local ? [...local.voters, ...local.learners] : g.voters;
  const base = { groupId: group, digestId, index: String(index), readTs: String(readTs) };
  const report = await compareReplicas(
    leader,
    members.filter((m) => m !== leader),
    end,
    {
      leaves: async (n, boundaries) => {
        const r = await digestCall<DigestLeavesResponse__Output>(ctx, n, 'digestLeaves', { ...base, start, end, boundaries: boundaries.map((b) => Buffer.from(b)), rateLimitBytesPerSec: String(rateLimitBytesPerSec) });
        // Copies: the decoded bytes may be views of a receive buffer that later messages reuse.
        return { boundaries: r.boundaries.map((b) => Uint8Array.from(b)), hashes: r.hashes.map((h) => Buffer.from(Uint8Array.from(h))), counts: r.counts, bytes: Number(r.bytes) };
      },
      entries: async (n, ranges, max) => {
        const r = await digestCall<DigestEntriesResponse__Output>(ctx, n, 'digestEntries', { ...base, starts: ranges.map((x) => Buffer.from(x.start)), ends: ranges.map((x) => Buffer.from(x.end)), maxEntries: max });
        return { entries: r.entries.map((e) => ({ key: Uint8Array.from(e.key), ts: BigInt(e.ts), value: e.tombstone ? null : Uint8Array.from(e.value) })), truncated: r.truncated };
      },
    },
    req.maxKeys || 100,
  );
  ctx.log.info({ groupId: group, consistent: report.consistent, differingKeys: report.differingKeys.length, index }, 'replica verification');
  return {
    consistent: report.consistent,
    referenceNodeId: report.referenceNodeId,
    replicas: report.replicas.map((r) => ({ nodeId: r.nodeId, root: r.root, leaves: r.leaves, bytes: String(r.bytes), error: r.error })),
    differingRanges: report.differingRanges.map((r) => ({ start: Buffer.from(r.start), end: Buffer.from(r.end) })),
    differingKeys: report.differingKeys.map((k) => ({ key: Buffer.from(k.key), ts: k.ts.toString(), nodeId: k.nodeId, kind: k.kind })),
    keysTruncated: report.keysTruncated,
    durationMs: String(Math.round(performance.now() - started)),
    bytesScanned: String(report.bytesScanned),
    index: String(index),
    nodesCompared: report.nodesCompared,
  };
}

/** One background check of a group this node leads; the result in the context, metrics and logs. */
export async function checkGroupConsistency(ctx: NodeContext, group: number): Promise<void> {
  try {
    const rep = await verifyRange(ctx, { groupId: group, start: Buffer.alloc(0), end: Buffer.alloc(0), readTs: '0', maxKeys: 20 }, ctx.cfg.consistencyCheckRateLimit);
    ctx.consistency.set(group, { consistent: rep.consistent === true, at: Date.now(), differing: (rep.differingKeys ?? []).length });
    ctx.metrics.consistencyChecks.inc({ group: ctx.metrics.group(group), result: rep.consistent ? 'consistent' : 'inconsistent' });
    if (rep.consistent) ctx.log.info({ groupId: group, bytes: rep.bytesScanned, durationMs: rep.durationMs }, 'consistency check: replicas agree');
    else
      ctx.log.error(
        { groupId: group, differingKeys: (rep.differingKeys ?? []).map((k) => ({ key: Buffer.from(k.key as Uint8Array).toString('hex'), nodeId: k.nodeId, kind: k.kind })), replicas: rep.replicas },
        'consistency check: REPLICAS DIFFER',
      );
  } catch (e) {
    ctx.metrics.consistencyChecks.inc({ group: ctx.metrics.group(group), result: 'error' });
    ctx.log.warn({ groupId: group, err: (e as Error).message }, 'consistency check could not finish; will retry');
  }
}
