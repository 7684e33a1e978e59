// The parts of a running node that its services share, built once by the
// composition root (src/server/server.ts) and handed to each service: the
// services are thin adapters from a proto service to these parts.

import type { Logger } from 'pino';
import { KvError } from '../api/errors.js';
import { toKvError } from '../node/errors.js';
import type { KvResult } from '../apply/commands.js';
import type { Hlc } from '../hlc/hlc.js';
import type { KvService } from '../kv/kv-service.js';
import type { Migrator } from '../migration/migrator.js';
import type { RateLimiter } from '../migration/exporter.js';
import type { WatchService } from '../watch/watch-service.js';
import type { Phase } from '../migration/job.js';
import type { NodeHost } from '../node/node-host.js';
import { ReplicaError, type Replica } from '../node/replica.js';
import type { RouteCache } from '../routing/route-cache.js';
import type { RouteWatcher } from '../routing/route-watcher.js';
import type { GroupClient } from '../rpc/group-client.js';
import type { StoreIdentity } from '../storage/identity.js';
import type { PeerGuard } from '../transport/peer-guard.js';
import type { Transport } from '../transport/transport.js';
import type { TxnCoordinator } from '../txn/coordinator.js';
import type { Admission } from './admission.js';
import type { NodeConfig } from './config.js';
import { GroupState } from './group-state.js';
import type { Metrics } from './metrics.js';

/** The group that holds the route catalog. */
export const DEFAULT_GROUP = 1;

/** Test hooks set through Admin.SetFaults (with FERRYKV_TEST_HOOKS=1 only). */
export interface TestPauses {
  pauseTxnAfterPrewrite: boolean;
  pauseMigrationAt: Phase | undefined;
}

export interface NodeContext {
  readonly cfg: NodeConfig;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly admission: Admission;
  readonly hlc: Hlc;
  readonly host: NodeHost;
  readonly transport: Transport;
  readonly guard: PeerGuard;
  readonly identity: StoreIdentity;
  readonly routes: RouteCache;
  readonly watcher: RouteWatcher;
  readonly kv: KvService;
  readonly watch: WatchService;
  readonly txn: TxnCoordinator;
  readonly groupClient: GroupClient;
  readonly migrator: Migrator;
  readonly exportLimiter: RateLimiter;
  readonly pauses: TestPauses;
  /** The latest background replica check of each group this node led. */
  readonly consistency: Map<number, { consistent: boolean; at: number; differing: number }>;
  /** Long-lived streams to end when the node stops (route and job watches, inbound raft). */
  readonly closers: Set<() => void>;
  readonly started: number;
  stopping(): boolean;
  /** This node's gRPC port once bound. */
  boundPort(): number;
}

/** Rejects with DEADLINE_EXCEEDED if `p` has not settled within the request timeout. */
export function withTimeout<T>(ctx: NodeContext, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new KvError('DEADLINE_EXCEEDED', `${what}: no answer within ${ctx.cfg.requestTimeoutMs} ms`)), ctx.cfg.requestTimeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** This node's replica of `group` if it leads it; otherwise NOT_LEADER with the leader's address (UNAVAILABLE without one). */
export function groupLeader(ctx: NodeContext, group: number): Replica {
  const r = ctx.host.replica(group);
  if (!r) throw new KvError('UNAVAILABLE', `node ${ctx.cfg.nodeId} holds no replica of group ${group}`, { groupId: group });
  if (!r.isLeader()) {
    const lead = r.leader();
    if (lead === 0) throw new KvError('UNAVAILABLE', `group ${group} has no leader yet`, { groupId: group, retryAfterMs: 100 });
    throw new KvError('NOT_LEADER', `node ${ctx.cfg.nodeId} does not lead group ${group}; node ${lead} does`, {
      groupId: group,
      leaderNodeId: lead,
      leaderAddress: ctx.transport.peerAddress(lead) ?? '',
    });
  }
  return r;
}

export function onGroupLeader<T>(ctx: NodeContext, group: number, fn: (r: Replica) => Promise<T>): Promise<T> {
  try {
    return fn(groupLeader(ctx, group));
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}

/** Proposes an encoded command on this node's leader replica of `group`; the result as applied (refusals included). */
export function proposeOnLeader(ctx: NodeContext, group: number, command: Uint8Array): Promise<KvResult> {
  return onGroupLeader(ctx, group, (r) => withTimeout(ctx, r.propose(command), `group ${group} proposal`).then((res) => res as KvResult)).catch((e: unknown) => {
    throw e instanceof ReplicaError ? toKvError(e) : e;
  });
}

/** The default group's state on this node while it leads it (NOT_LEADER otherwise). */
export function defaultLeader(ctx: NodeContext): { r: Replica; sm: GroupState } {
  const r = groupLeader(ctx, DEFAULT_GROUP);
  return { r, sm: GroupState.of(r) };
}

/** This node's gRPC address as its peers reach it. */
export function selfAddress(ctx: NodeContext): string {
  return ctx.cfg.cluster.nodes.find((n) => n.id === ctx.cfg.nodeId)?.address ?? ctx.cfg.listen;
}
