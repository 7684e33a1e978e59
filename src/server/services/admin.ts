// Admin service: node status, group membership and leadership, routes and
// splits, migration jobs, replica verification, and (with test hooks only)
// fault injection. Each method is a thin adapter to the module that owns the
// work; none is bounded by client admission (operators must get through an
// overloaded node).

import { KvError } from '../../api/errors.js';
import type { Phase } from '../../migration/job.js';
import { toJobMessage } from '../../migration/job-proto.js';
import type { AdminHandlers } from '../../proto-gen/ferrykv/admin/v1/Admin.js';
import type { GroupStatus } from '../../proto-gen/ferrykv/admin/v1/GroupStatus.js';
import type { NodeStatusResponse } from '../../proto-gen/ferrykv/admin/v1/NodeStatusResponse.js';
import type { SetFaultsRequest__Output } from '../../proto-gen/ferrykv/admin/v1/SetFaultsRequest.js';
import { nodeId, type NodeId } from '../../raft/index.js';
import { RouteCatalog } from '../../routing/catalog.js';
import { fromRawRoute } from '../../routing/codec.js';
import type { PeerFault } from '../../transport/transport.js';
import type { NodeContext } from '../context.js';
import { GroupState } from '../group-state.js';
import { abandonJob, jobOf, listJobs, repairJob, startMigration, watchJob } from '../jobs.js';
import { changeMembership, confChanges, transferLeader } from '../membership.js';
import { verifyRange } from '../replica-verify.js';
import { splitRange } from '../routes-admin.js';
import { listRoutes } from './routing.js';
import { unary } from './unary.js';

export const VERSION = '0.1.0';

/** One group's raft status as this node's replica sees it. */
export function groupStatus(ctx: NodeContext, group: number): GroupStatus | undefined {
  const r = ctx.host.replica(group);
  if (!r) return undefined;
  const s = r.raft.status();
  return {
    groupId: group,
    role: s.role,
    leaderId: s.leader,
    term: s.term,
    commit: s.commit,
    applied: r.sm.appliedIndex(),
    firstIndex: s.firstIndex,
    lastIndex: s.lastIndex,
    voters: [...s.confState.voters],
    learners: [...s.confState.learners],
    progress: [...s.progress].map(([id, p]) => ({ nodeId: id, match: p.match, next: p.next, state: p.state, learner: p.isLearner, recentActive: p.recentActive })),
  };
}

/**
 * Lock counts by group, with the write generation they were counted at: locks
 * change only by writes, so a count is scanned again only after one. A scan
 * per group on every NodeStatus cost seconds at thousands of groups.
 */
const lockCounts = new WeakMap<NodeContext, Map<number, { generation: number; count: number }>>();

async function txnLocks(ctx: NodeContext, group: number): Promise<number | undefined> {
  const r = ctx.host.replica(group);
  if (!r) return undefined;
  let counts = lockCounts.get(ctx);
  if (!counts) lockCounts.set(ctx, (counts = new Map<number, { generation: number; count: number }>()));
  const state = GroupState.of(r);
  const generation = state.machine.writeGeneration;
  const known = counts.get(group);
  if (known?.generation === generation) return known.count;
  const count = await state.locks.countVersions(100_000);
  counts.set(group, { generation, count });
  return count;
}

async function nodeStatus(ctx: NodeContext): Promise<NodeStatusResponse> {
  const groups = [...ctx.host.replicas.keys()].sort((a, b) => a - b).flatMap((g) => groupStatus(ctx, g) ?? []);
  for (const g of groups) {
    const n = await txnLocks(ctx, g.groupId!);
    if (n !== undefined) g.txnLocks = String(n);
  }
  return {
    nodeId: ctx.cfg.nodeId,
    address: ctx.cfg.listen,
    version: VERSION,
    uptimeMs: String(Date.now() - ctx.started),
    groups,
    peers: ctx.transport.peerStatus().map((p) => ({ ...p, live: ctx.host.quiescence.isLive(nodeId(p.nodeId)) })),
    routeCacheVersion: String(ctx.routes.version),
    staleRouteRetries: String(ctx.kv.staleRoutes),
    routeWatchOpen: ctx.watcher.watching,
    migratingJobs: ctx.migrator.active.map(String),
  };
}

/** Replaces the fault rules (test hooks only): per-peer drops and delays, stale routes, pauses. */
function setFaults(ctx: NodeContext, req: SetFaultsRequest__Output): Promise<Record<string, never>> {
  if (!ctx.cfg.testHooks) throw new KvError('INVALID_ARGUMENT', 'SetFaults is a test hook: start the node with FERRYKV_TEST_HOOKS=1', { field: 'faults' });
  const m = new Map<NodeId, PeerFault>();
  for (const f of req.faults) {
    if (!(f.drop >= 0 && f.drop <= 1)) throw new KvError('INVALID_ARGUMENT', 'faults.drop: must be in [0, 1]', { field: 'faults.drop' });
    m.set(nodeId(f.nodeId), { drop: f.drop, delayMs: f.delayMs });
  }
  if (req.staleRoutes.length > 0) {
    const routes = req.staleRoutes.map(fromRawRoute);
    const problem = RouteCatalog.tilingProblem(routes);
    if (problem) throw new KvError('INVALID_ARGUMENT', `stale_routes: ${problem}`, { field: 'stale_routes' });
    ctx.routes.force(routes);
  }
  ctx.pauses.pauseMigrationAt = req.pauseMigrationAt ? (req.pauseMigrationAt as Phase) : undefined;
  ctx.pauses.pauseTxnAfterPrewrite = req.pauseTxnAfterPrewrite;
  if (req.pauseRouteWatch) ctx.watcher.pause();
  else ctx.watcher.resume();
  ctx.transport.setFaults(m);
  ctx.log.warn({ faults: req.faults, pauseRouteWatch: req.pauseRouteWatch, staleRoutes: req.staleRoutes.length }, 'fault rules replaced');
  return Promise.resolve({});
}

export function adminService(ctx: NodeContext): AdminHandlers {
  return {
    NodeStatus: unary(ctx, 'NodeStatus', () => nodeStatus(ctx)),
    AddMember: unary(ctx, 'AddMember', (req) => changeMembership(ctx, req.groupId, confChanges.add(req))),
    PromoteMember: unary(ctx, 'PromoteMember', (req) => changeMembership(ctx, req.groupId, confChanges.promote(req), 'promote')),
    RemoveMember: unary(ctx, 'RemoveMember', (req) => changeMembership(ctx, req.groupId, confChanges.remove(req))),
    TransferLeader: unary(ctx, 'TransferLeader', (req) => transferLeader(ctx, req.groupId, req.toNodeId)),
    ListRoutes: unary(ctx, 'ListRoutes', (req) => listRoutes(ctx, req.local)),
    SplitRange: unary(ctx, 'SplitRange', (req) => splitRange(ctx, req)),
    StartSplitMigration: unary(ctx, 'StartSplitMigration', (req) => startMigration(ctx, req)),
    VerifyRange: unary(ctx, 'VerifyRange', (req) => verifyRange(ctx, req)),
    GetSplitJob: unary(ctx, 'GetSplitJob', async (req) => toJobMessage(await jobOf(ctx, Number(req.jobId)))),
    ListSplitJobs: unary(ctx, 'ListSplitJobs', (req) => listJobs(ctx, req)),
    AbandonSplitJob: unary(ctx, 'AbandonSplitJob', (req) => abandonJob(ctx, Number(req.jobId))),
    RepairSplitJob: unary(ctx, 'RepairSplitJob', (req) => repairJob(ctx, Number(req.jobId))),
    WatchSplitJob: (call) => watchJob(ctx, call),
    SetFaults: unary(ctx, 'SetFaults', (req) => setFaults(ctx, req)),
  };
}
