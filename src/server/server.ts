// One ferrykv node process, wired: LevelDB, transport, multi-raft host, RawKV,
// admin and internal gRPC services, /metrics and /healthz over HTTP.

import { createServer, type Server as HttpServer } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { Hlc } from '../hlc/hlc.js';
import { KvError, decodeKvError, encodeKvError, fromServiceError, toServiceError } from '../api/errors.js';
import { KvService, toKvError } from '../kv/kv-service.js';
import { checkClientTimestamp, checkKey, checkRange, checkTimestamp } from '../kv/validate.js';
import { randomBytes } from 'node:crypto';
import { compareReplicas, replicaEntries, replicaLeaves, versionsAt } from '../verify/replica-check.js';
import type { VerifyRangeRequest__Output } from '../proto-gen/ferrykv/admin/v1/VerifyRangeRequest.js';
import type { VerifyRangeResponse } from '../proto-gen/ferrykv/admin/v1/VerifyRangeResponse.js';
import type { DigestLeavesResponse__Output } from '../proto-gen/ferrykv/internal/v1/DigestLeavesResponse.js';
import type { DigestEntriesResponse__Output } from '../proto-gen/ferrykv/internal/v1/DigestEntriesResponse.js';
import { RouteCatalog, type RouteDescriptor } from '../routing/catalog.js';
import { fromRawRoute, toRouteMessage } from '../routing/codec.js';
import { OwnershipMap } from '../distribution/ownership.js';
import { RouteCache } from '../routing/route-cache.js';
import { RouteWatcher } from '../routing/route-watcher.js';
import type { CatalogEvent } from '../distribution/catalog-state.js';
import { GroupState } from './group-state.js';
import { openGroupMachine, writeBootstrap } from './groups.js';
import { NodeHost } from '../node/node-host.js';
import { Replica, ReplicaError } from '../node/replica.js';
import { EMPTY_RESULT, decodeCommand, encodeCommand, encodeResult, type KvCommand, type KvResult } from '../apply/commands.js';
import { RateLimiter, exportRange } from '../migration/exporter.js';
import { GroupClient } from '../rpc/group-client.js';
import { TxnCoordinator, parseCommitRequest } from '../txn/coordinator.js';
import { hex, unhex } from '../migration/group-state.js';
import { AFTER_RELEASE, PHASES, TERMINAL, checkOptions, decodeJob, encodeJob, newJob, type Phase, type SplitJob } from '../migration/job.js';
import { optionsFrom, toJobMessage } from '../migration/job-proto.js';
import { Migrator } from '../migration/migrator.js';
import type { SplitJob as SplitJobMsg } from '../proto-gen/ferrykv/admin/v1/SplitJob.js';
import type { StartSplitMigrationRequest__Output } from '../proto-gen/ferrykv/admin/v1/StartSplitMigrationRequest.js';
import { packRows, unpackRows } from '../apply/packed-rows.js';
import { fromWireRow } from '../apply/rows.js';
import type { AdminHandlers } from '../proto-gen/ferrykv/admin/v1/Admin.js';
import type { GroupStatus } from '../proto-gen/ferrykv/admin/v1/GroupStatus.js';
import type { InternalHandlers } from '../proto-gen/ferrykv/internal/v1/Internal.js';
import type { BatchRequest__Output } from '../proto-gen/ferrykv/v1/BatchRequest.js';
import type { BatchResponse } from '../proto-gen/ferrykv/v1/BatchResponse.js';
import type { Op__Output } from '../proto-gen/ferrykv/v1/Op.js';
import type { OpResult } from '../proto-gen/ferrykv/v1/OpResult.js';
import type { RawKVHandlers } from '../proto-gen/ferrykv/v1/RawKV.js';
import type { TxnKVHandlers } from '../proto-gen/ferrykv/v1/TxnKV.js';
import type { BeginTxnRequest__Output } from '../proto-gen/ferrykv/v1/BeginTxnRequest.js';
import type { TxnCommitRequest__Output } from '../proto-gen/ferrykv/v1/TxnCommitRequest.js';
import type { ListRoutesResponse } from '../proto-gen/ferrykv/v1/ListRoutesResponse.js';
import type { RoutingHandlers } from '../proto-gen/ferrykv/v1/Routing.js';
import type { SplitRangeResponse } from '../proto-gen/ferrykv/admin/v1/SplitRangeResponse.js';
import { ConfChangeType, ProgressState, RaftError, StateRole, nodeId, type ConfChange, type NodeId } from '../raft/index.js';
import { CHANNEL_OPTIONS, protos } from '../api/protos.js';
import { NodeDb } from '../storage/db.js';
import type { SnapshotChunk } from '../storage/snapshot.js';
import { decodeRaftMessage } from '../transport/raft-codec.js';
import { Transport, type PeerFault } from '../transport/transport.js';
import type { NodeConfig } from './config.js';
import { Metrics } from './metrics.js';
import { Admission, opBytes } from './admission.js';
import { refuseMalformed, tolerantDefinition } from './malformed.js';
import { EXIT_STORE_REFUSED, establishIdentity } from './store-identity.js';
import { NodeReplacement } from './replace-node.js';
import { PeerGuard } from '../transport/peer-guard.js';
import { readPeerStores, writePeerStore, type StoreIdentity } from '../storage/identity.js';
import type { RaftBatch__Output } from '../proto-gen/ferrykv/internal/v1/RaftBatch.js';
import type { SnapshotChunk__Output } from '../proto-gen/ferrykv/internal/v1/SnapshotChunk.js';
import type { StoreClaim__Output } from '../proto-gen/ferrykv/internal/v1/StoreClaim.js';

const VERSION = '0.1.0';
/** The group that holds the route catalog. */
export const DEFAULT_GROUP = 1;
/** Live migration jobs at most (checked in the default group's apply). */
const MAX_LIVE_JOBS = 4;
/** A source lifts a fence this long after it first saw it (its own monotonic clock). */
const FENCE_DEADLINE_MS = 5000;
/** What a unary request counts for against the node's byte bound (gRPC already bounds its size). */
const UNARY_BYTES = 1024;
/** A learner this many entries or fewer behind the group's commit index counts as caught up (promotion). */
const PROMOTE_MAX_LAG_ENTRIES = 1000;

export class FerryServer {
  private grpcServer: grpc.Server | undefined;
  private httpServer: HttpServer | undefined;
  private readonly started = Date.now();
  private stopping = false;
  private dedupTimer: NodeJS.Timeout | undefined;
  private readonly inboundRaft = new Set<() => void>();
  private readonly routeWatches = new Set<() => void>();
  routes!: RouteCache;
  private watcher!: RouteWatcher;
  private migrator!: Migrator;
  private groupClient!: GroupClient;
  private hlc!: Hlc;
  private txn!: TxnCoordinator;
  private txnResolverTimer: NodeJS.Timeout | undefined;
  private resolvingLocks = false;
  private gcTimer: NodeJS.Timeout | undefined;
  private collecting = false;
  private pauseTxnAfterPrewrite = false;
  private pauseMigrationAt: Phase | undefined;
  private readonly exportLimiter: RateLimiter;
  private consistencyTimer: NodeJS.Timeout | undefined;
  private checkingConsistency = false;
  /** The latest background check of each group this node led. */
  private readonly consistency = new Map<number, { consistent: boolean; at: number; differing: number }>();
  private fenceWatchTimer: NodeJS.Timeout | undefined;
  /** When this node, as a source leader, first saw each fence (job:epoch → monotonic ms). */
  private readonly fenceSeen = new Map<string, number>();
  /** Source-driven Adopts confirmed or in flight (group:job:attempt:term). */
  private readonly adoptDriven = new Set<string>();
  private identity!: StoreIdentity;
  private guard!: PeerGuard;
  /** Groups whose raft traffic a node being replaced takes (all, once it is not being replaced). */
  private readonly admitted = new Set<number>();
  readonly metrics: Metrics;
  /** Bounded client work in flight (src/server/admission.ts). */
  private readonly admission = new Admission();
  host!: NodeHost;
  kv!: KvService;
  private transport!: Transport;
  private db!: NodeDb;
  boundPort = 0;
  httpPort = 0;

  constructor(
    readonly cfg: NodeConfig,
    readonly log: Logger,
  ) {
    this.metrics = new Metrics();
    this.exportLimiter = new RateLimiter(cfg.migrationRateLimit);
  }

  async start(): Promise<void> {
    const cfg = this.cfg;
    if (cfg.testHooks) this.log.warn('TEST HOOKS ENABLED (FERRYKV_TEST_HOOKS=1): fault injection RPCs are available');
    this.db = await NodeDb.open(cfg.dataDir);
    try {
      this.identity = await establishIdentity(this.db, cfg, this.log);
    } catch (e) {
      await this.db.close();
      throw e;
    }
    const replacing = this.identity.replacing;
    this.guard = new PeerGuard({
      clusterId: this.identity.clusterId,
      nodeId: cfg.nodeId,
      known: await readPeerStores(this.db),
      remember: (n, store) => writePeerStore(this.db, n, store),
      log: this.log,
    });
    const skipApplyKey = cfg.testHooks && process.env.FERRYKV_FAILPOINT_SKIP_APPLY_KEY ? new TextEncoder().encode(process.env.FERRYKV_FAILPOINT_SKIP_APPLY_KEY) : undefined;
    const skipImportKey = cfg.testHooks && process.env.FERRYKV_FAILPOINT_IMPORT_SKIP_KEY ? new TextEncoder().encode(process.env.FERRYKV_FAILPOINT_IMPORT_SKIP_KEY) : undefined;
    if (skipImportKey) this.log.warn({ key: process.env.FERRYKV_FAILPOINT_IMPORT_SKIP_KEY }, 'UNSAFE FAILPOINT: migration imports drop one key (VERIFY must fail)');
    if (skipApplyKey) this.log.warn({ key: process.env.FERRYKV_FAILPOINT_SKIP_APPLY_KEY }, 'UNSAFE FAILPOINT: this node skips applying writes of one key (replica divergence on purpose)');
    const hlc = new Hlc({ maxDriftMs: cfg.maxClockDriftMs });
    this.hlc = hlc;
    this.transport = new Transport({
      nodeId: nodeId(cfg.nodeId),
      log: this.log,
      onUnreachable: (g, p) => this.host.reportUnreachable(g, p),
      snapshotBytesPerSec: cfg.snapshotBytesPerSec,
      claim: { clusterId: this.identity.clusterId, storeId: this.identity.storeId, replaces: this.identity.replaces },
      onRefused: (peer, reason) => {
        // The cluster knows this node by another store: this data dir is not the one it had. Fail-stop.
        this.log.fatal({ peer, reason }, 'a peer refuses this node\'s store; stopping (docs/operations.md, "A lost disk")');
        process.exit(EXIT_STORE_REFUSED);
      },
    });
    for (const n of cfg.cluster.nodes) this.transport.setPeer(nodeId(n.id), n.address);
    // The initial catalog comes from the cluster file, exactly once: it is
    // written into the default group's index-1 image when the group is
    // bootstrapped (as is each group's ownership), and every later change is a
    // command in that group's log. Until the first catalog arrives the node
    // routes by the file's table (version 0).
    const initial = RouteCatalog.bootstrap(
      cfg.cluster.routes.map((r) => ({ start: new TextEncoder().encode(r.start), end: new TextEncoder().encode(r.end), groupId: r.group })),
    ).image();
    this.routes = new RouteCache(initial.routes);
    this.host = new NodeHost({
      nodeId: nodeId(cfg.nodeId),
      db: this.db,
      log: this.log,
      transport: this.transport,
      createStateMachine: (g) => openGroupMachine(this.db, g, { ...(skipApplyKey ? { skipApplyKey } : {}), ...(skipImportKey ? { skipImportKey } : {}) }),
      // A replacement store bootstraps nothing: it re-enters its groups as a learner (src/server/replace-node.ts).
      ...(replacing ? { admit: (g: number) => this.admitted.has(g) } : {}),
      bootstrap: (replacing ? [] : cfg.cluster.groups).map((g) => ({
        id: g.id,
        voters: g.voters.map(nodeId),
        initState: (b) =>
          writeBootstrap(b, g.id, { owned: OwnershipMap.ofGroup(initial.routes, g.id), ...(g.id === DEFAULT_GROUP ? { catalog: initial } : {}) }),
      })),
      tickMs: cfg.tickMs,
      electionTicks: cfg.electionTicks,
      compactLogEntries: cfg.compactLogEntries,
      logRetainMs: cfg.logRetainMs,
      onConfChange: (g, cc) => this.onConfChange(g, cc),
      onLeaderChange: (g, leader, term) => {
        this.metrics.leaderChanges.inc({ group: String(g) });
        this.log.info({ groupId: g, leader, term }, 'leader changed');
      },
      onApply: (g, n, seconds) => {
        this.metrics.applyDuration.observe({ group: String(g) }, seconds);
        this.metrics.appliedEntries.inc({ group: String(g) }, n);
      },
      onFatal: (e) => {
        this.log.fatal({ err: e.message, stack: e.stack }, 'fatal error in the ready loop; exiting');
        process.exit(70);
      },
    });
    await this.host.start();
    const unsafeStaleReads = cfg.testHooks && process.env.FERRYKV_UNSAFE_STALE_READS === '1';
    if (unsafeStaleReads) this.log.warn('UNSAFE FAILPOINT: linearizable reads are served without ReadIndex (stale reads possible)');
    this.watcher = new RouteWatcher({
      cache: this.routes,
      // The catalog's holders; this node first when it holds a default-group replica.
      endpoints: () => {
        const self = cfg.cluster.nodes.find((n) => n.id === cfg.nodeId)?.address;
        const others = cfg.cluster.nodes.filter((n) => n.id !== cfg.nodeId).map((n) => n.address);
        return this.host.replica(DEFAULT_GROUP) && self ? [self, ...others] : others;
      },
      onError: (msg, e) => this.log.debug({ err: e.message }, msg),
    });
    this.kv = new KvService({
      host: this.host,
      routes: this.routes,
      refreshRoutes: () => this.refreshRoutes(),
      hlc,
      transport: this.transport,
      requestTimeoutMs: cfg.requestTimeoutMs,
      // Two election timeouts: a new leader exists by then if the old one stopped answering.
      forwardAttemptMs: 2 * cfg.tickMs * cfg.electionTicks,
      unsafeStaleReads,
    });
    this.kv.forwarder = (to, group, method, request, hops, deadlineMs) => this.forward(to, group, method, request, hops, deadlineMs);
    this.metrics.watchHost(this.host);
    this.metrics.watchAdmission(() => ({ ops: this.admission.inFlightOps, bytes: this.admission.inFlightBytes }));
    // Bounded memory: forget request ids past their retention, on each group leader.
    const every = Math.min(60_000, Math.max(500, Math.floor(cfg.dedupRetentionMs / 2)));
    this.dedupTimer = setInterval(() => {
      for (const g of this.host.replicas.keys()) {
        this.kv.collectDedup(g, cfg.dedupRetentionMs).then(
          (n) => {
            if (n > 0) this.log.debug({ groupId: g, forgotten: n }, 'request ids past retention collected');
          },
          (e: unknown) => this.log.warn({ groupId: g, err: (e as Error).message }, 'request-id collection failed; will retry'),
        );
      }
    }, every);
    this.dedupTimer.unref();
    // Bounded storage: collect versions shadowed for longer than the GC retention, on each group leader.
    const gcEvery = Math.min(60_000, Math.max(500, Math.floor(cfg.gcRetentionMs / 4)));
    this.gcTimer = setInterval(() => {
      if (this.collecting) return;
      this.collecting = true;
      void Promise.all(
        [...this.host.replicas.keys()].map((g) =>
          this.kv.collectGarbage(g, cfg.gcRetentionMs).then(
            (n) => {
              if (n > 0) this.log.debug({ groupId: g, collected: n }, 'old versions collected');
            },
            (e: unknown) => this.log.warn({ groupId: g, err: (e as Error).message }, 'version GC failed; will retry'),
          ),
        ),
      ).finally(() => (this.collecting = false));
    }, gcEvery);
    this.gcTimer.unref();
    this.groupClient = new GroupClient({
      nodes: () => new Map(cfg.cluster.nodes.map((n) => [n.id, this.transport.peerAddress(nodeId(n.id)) ?? n.address])),
      leaderHint: (g) => this.host.replica(g)?.leader() ?? 0,
      timeoutMs: cfg.requestTimeoutMs,
    });
    this.txn = new TxnCoordinator({
      nodeId: cfg.nodeId,
      host: this.host,
      routes: this.routes,
      refreshRoutes: () => this.refreshRoutes(),
      hlc,
      groups: this.groupClient,
      requestTimeoutMs: cfg.requestTimeoutMs,
      lockTtlMs: cfg.txnLockTtlMs,
      maxClockOffsetMs: cfg.maxClockOffsetMs,
      pauseAfterPrewrite: () => this.pauseTxnAfterPrewrite,
      log: this.log,
    });
    this.kv.txn = this.txn;
    // Locks of coordinators that died: each group leader rolls them forward or back after their TTL.
    this.txnResolverTimer = setInterval(() => {
      if (this.resolvingLocks) return;
      this.resolvingLocks = true;
      void Promise.all(
        [...this.host.replicas.keys()].map((g) =>
          this.txn.resolveExpired(g).then(
            (n) => {
              if (n > 0) this.log.info({ groupId: g, resolved: n }, 'expired transaction locks resolved');
            },
            (e: unknown) => this.log.debug({ groupId: g, err: (e as Error).message }, 'lock resolver pass failed; will retry'),
          ),
        ),
      ).finally(() => (this.resolvingLocks = false));
    }, cfg.txnResolverIntervalMs);
    this.txnResolverTimer.unref();
    this.migrator = new Migrator({
      nodeId: cfg.nodeId,
      log: this.log,
      leaderSm: () => {
        const r = this.host.replica(DEFAULT_GROUP);
        return r?.isLeader() ? GroupState.of(r) : undefined;
      },
      proposeJob: (job) => this.proposeOnLeader(DEFAULT_GROUP, encodeCommand({ kind: 'JOB', requestId: new Uint8Array(0), proposedTs: 0n, job })),
      groups: this.groupClient,
      onFenceWindow: (job, ms, steps) => {
        this.metrics.fenceWindow.observe(ms / 1000);
        this.log.info({ jobId: job.jobId, fenceWindowMs: ms, stepsMs: steps }, 'cutover: write-unavailable window');
      },
      pauseAt: () => this.pauseMigrationAt,
      stallAfterMs: cfg.migrationStallAfterMs,
      onCopied: (rows, bytes) => {
        this.metrics.migrationRows.inc(rows);
        this.metrics.migrationBytes.inc(bytes);
      },
    });
    this.metrics.watchJobs(() => {
      const r = this.host.replica(DEFAULT_GROUP);
      return r?.isLeader() ? [...GroupState.of(r).splitJobs.values()] : [];
    });
    this.migrator.start();
    // A fence never outlives its deadline: the source's own leader lifts it (MIGRATION.md FENCE).
    this.fenceWatchTimer = setInterval(() => this.liftExpiredFences(), 200);
    this.fenceWatchTimer.unref();
    if (cfg.consistencyCheckIntervalMs > 0) {
      this.consistencyTimer = setInterval(() => void this.checkConsistency(), cfg.consistencyCheckIntervalMs);
      this.consistencyTimer.unref();
    }
    this.metrics.watchConsistency(() => [...this.consistency.values()].filter((c) => !c.consistent).length);
    await this.startGrpc();
    this.watcher.start();
    if (cfg.http) await this.startHttp(cfg.http);
    if (replacing) {
      const self = cfg.cluster.nodes.find((n) => n.id === cfg.nodeId)?.address ?? cfg.listen;
      const replacement = new NodeReplacement({
        cfg,
        db: this.db,
        log: this.log,
        identity: this.identity,
        address: self,
        hasReplica: (g) => this.host.replica(g) !== undefined,
        openGate: (g) => this.admitted.add(g),
        stopped: () => this.stopping,
      });
      replacement.run().catch((e: unknown) => this.log.error({ err: (e as Error).message }, 'replace-node failed; restart the node to resume it'));
    }
    this.log.info({ nodeId: cfg.nodeId, listen: cfg.listen, port: this.boundPort, http: cfg.http, groups: [...this.host.replicas.keys()] }, 'ferrykv node started');
  }

  private onConfChange(group: number, cc: ConfChange): void {
    if (cc.context && cc.context.byteLength > 0 && cc.type !== ConfChangeType.RemoveNode) {
      this.transport.setPeer(cc.nodeId, new TextDecoder().decode(cc.context));
    }
    this.metrics.confChanges.inc({ group: String(group) });
  }

  // ------------------------------------------------------------------- gRPC

  private async startGrpc(): Promise<void> {
    const server = new grpc.Server(CHANNEL_OPTIONS);
    const p = protos();
    // Malformed requests answer INVALID_ARGUMENT, never grpc-js's untyped INTERNAL (src/server/malformed.ts).
    const add = (def: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation): void => server.addService(tolerantDefinition(def), refuseMalformed(def, impl));
    add(p.pub.ferrykv.v1.RawKV.service, this.rawKvHandlers() as unknown as grpc.UntypedServiceImplementation);
    add(p.pub.ferrykv.v1.Routing.service, this.routingHandlers() as unknown as grpc.UntypedServiceImplementation);
    add(p.pub.ferrykv.v1.TxnKV.service, this.txnHandlers() as unknown as grpc.UntypedServiceImplementation);
    add(p.admin.ferrykv.admin.v1.Admin.service, this.adminHandlers() as unknown as grpc.UntypedServiceImplementation);
    add(p.internal.ferrykv.internal.v1.Internal.service, this.internalHandlers() as unknown as grpc.UntypedServiceImplementation);
    this.boundPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(this.cfg.listen, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
    this.grpcServer = server;
  }

  /** A unary handler; client work (`admit`) is bounded by the node's admission limits, admin calls are not. */
  private unary<Req, Res>(method: string, fn: (req: Req) => Promise<Res>, admit = false): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      const end = this.metrics.requestDuration.startTimer({ method });
      if (this.stopping) {
        this.metrics.requests.inc({ method, code: 'UNAVAILABLE' });
        end();
        callback(toServiceError(new KvError('UNAVAILABLE', 'node is shutting down')) as grpc.ServiceError);
        return;
      }
      const refused = admit ? this.admission.admit(UNARY_BYTES) : undefined;
      if (refused) {
        this.metrics.requests.inc({ method, code: refused.code });
        end();
        callback(toServiceError(refused) as grpc.ServiceError);
        return;
      }
      // A handler that throws synchronously answers like one that rejects (not UNKNOWN "Unknown error").
      Promise.resolve()
        .then(() => fn(call.request))
        .finally(() => {
          if (admit) this.admission.release(UNARY_BYTES);
        })
        .then(
        (res) => {
          this.metrics.requests.inc({ method, code: 'OK' });
          end();
          callback(null, res);
        },
        (e: unknown) => {
          const err = toKvError(e);
          this.metrics.requests.inc({ method, code: err.code });
          end();
          if (err.code === 'INTERNAL') this.log.error({ method, err: err.message }, 'request failed');
          callback(toServiceError(err) as grpc.ServiceError);
        },
      );
    };
  }

  // ---------------------------------------------------------------- routing

  /** Brings the route cache up to the catalog: from the local default-group replica if any, else from a peer. */
  async refreshRoutes(): Promise<void> {
    const r = this.host.replica(DEFAULT_GROUP);
    const sm = r ? GroupState.of(r) : undefined;
    if (r && sm?.catalog) {
      try {
        await this.withTimeout(r.readBarrier(), 'default-group read barrier');
        this.routes.apply({ version: sm.catalog.version, reset: true, routes: sm.catalog.list() });
        return;
      } catch {
        /* no quorum here: ask the others */
      }
    }
    await this.watcher.refresh();
  }

  private withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      p,
      new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new KvError('DEADLINE_EXCEEDED', `${what}: no answer within ${this.cfg.requestTimeoutMs} ms`)), this.cfg.requestTimeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /** This node's view of each group's leader (a routing hint for clients). */
  private leaderHints(): { groupId: number; nodeId: number; address: string }[] {
    const self = this.cfg.cluster.nodes.find((n) => n.id === this.cfg.nodeId)?.address ?? this.cfg.listen;
    return [...this.host.replicas.values()].flatMap((r) => {
      const lead = r.leader();
      if (lead === 0) return [];
      const address = lead === this.host.nodeId ? self : this.transport.peerAddress(lead);
      return address ? [{ groupId: r.group, nodeId: lead, address }] : [];
    });
  }

  private async listRoutes(local: boolean): Promise<ListRoutesResponse> {
    const r = this.host.replica(DEFAULT_GROUP);
    const sm = r ? GroupState.of(r) : undefined;
    let version: number;
    let routes: readonly RouteDescriptor[];
    if (local) {
      if (!sm?.catalog) throw new KvError('INVALID_ARGUMENT', `local: node ${this.cfg.nodeId} holds no replica of the default group`, { field: 'local' });
      ({ version } = sm.catalog);
      routes = sm.catalog.list();
    } else if (r && sm?.catalog) {
      await this.withTimeout(r.readBarrier(), 'default-group read barrier');
      ({ version } = sm.catalog);
      routes = sm.catalog.list();
    } else {
      await this.watcher.refresh();
      version = this.routes.version;
      routes = this.routes.routes();
    }
    return { version: String(version), routes: routes.map(toRouteMessage), leaders: this.leaderHints(), nodeId: this.cfg.nodeId };
  }

  private routingHandlers(): RoutingHandlers {
    return {
      ListRoutes: this.unary('ListRoutes', (req) => this.listRoutes(req.local)),
      WatchRoutes: (call) => {
        const fail = (e: KvError): void => {
          call.emit('error', toServiceError(e));
        };
        const r = this.host.replica(DEFAULT_GROUP);
        const sm = r ? GroupState.of(r) : undefined;
        if (!r || !sm?.catalog) {
          fail(new KvError('UNAVAILABLE', `node ${this.cfg.nodeId} holds no replica of the default group; watch routes on one that does`));
          return;
        }
        if (!r.isLeader()) {
          const lead = r.leader();
          fail(
            lead === 0
              ? new KvError('UNAVAILABLE', 'the default group has no leader yet; retry')
              : new KvError('NOT_LEADER', `the route watch is served by the default group's leader, node ${lead}`, {
                  leaderNodeId: lead,
                  leaderAddress: this.transport.peerAddress(lead) ?? '',
                }),
          );
          return;
        }
        const send = (ev: CatalogEvent): void => {
          if (!call.cancelled) call.write({ version: String(ev.version), reset: ev.reset, routes: ev.routes.map(toRouteMessage) });
        };
        const from = Number(call.request.fromVersion);
        // A version this leader has not reached (another leader's, or made up) gets the whole catalog, not a silent wait.
        const changes = from > 0 && from <= sm.catalog.version ? sm.catalogChangesSince(from) : undefined;
        if (changes) changes.forEach(send);
        else send({ version: sm.catalog.version, reset: true, routes: sm.catalog.list() });
        const unsubscribe = sm.onCatalogChange(send);
        // Leadership lost (or the node stops): end the stream; the client finds the new leader.
        const check = setInterval(() => {
          if (!r.isLeader() || r.removed || this.stopping) close(true);
        }, this.cfg.tickMs * 5);
        const close = (notLeader: boolean): void => {
          if (!this.routeWatches.delete(closer)) return;
          clearInterval(check);
          unsubscribe();
          if (call.cancelled) return;
          if (notLeader && !this.stopping) {
            const lead = r.leader();
            fail(new KvError('NOT_LEADER', 'this node lost the default group leadership', lead ? { leaderNodeId: lead, leaderAddress: this.transport.peerAddress(lead) ?? '' } : {}));
          } else {
            call.end();
          }
        };
        const closer = (): void => close(false);
        this.routeWatches.add(closer);
        call.on('cancelled', () => close(false));
      },
    };
  }

  private rawKvHandlers(): RawKVHandlers {
    const kv = (): KvService => this.kv;
    return {
      Get: this.unary('Get', (r) => kv().get(r), true),
      BatchGet: this.unary('BatchGet', (r) => kv().batchGet(r), true),
      Put: this.unary('Put', (r) => kv().put(r), true),
      Delete: this.unary('Delete', (r) => kv().delete(r), true),
      DeleteRange: this.unary('DeleteRange', (r) => kv().deleteRange(r), true),
      BatchWrite: this.unary('BatchWrite', (r) => kv().batchWrite(r), true),
      Scan: this.unary('Scan', (r) => kv().scan(r), true),
      CompareAndSwap: this.unary('CompareAndSwap', (r) => kv().compareAndSwap(r), true),
      Batch: (call) => this.serveBatch(call),
    };
  }

  private txnHandlers(): TxnKVHandlers {
    return {
      BeginTxn: this.unary('BeginTxn', (r) => Promise.resolve(this.beginTxn(r)), true),
      TxnGet: this.unary('TxnGet', (r) => this.kv.get({ key: r.key, readTs: r.startTs }, true), true),
      TxnBatchGet: this.unary('TxnBatchGet', (r) => this.kv.batchGet({ keys: r.keys, readTs: r.startTs }, true), true),
      TxnScan: this.unary('TxnScan', (r) => this.kv.scan({ start: r.start, end: r.end, limit: r.limit, reverse: r.reverse, readTs: r.startTs }, true), true),
      TxnCommit: this.unary('TxnCommit', (r) => this.txnCommit(r), true),
    };
  }

  private beginTxn(r: BeginTxnRequest__Output): { startTs: string } {
    const after = checkClientTimestamp(this.hlc, 'after_ts', r.afterTs);
    return { startTs: this.txn.begin(after).toString() };
  }

  private async txnCommit(r: TxnCommitRequest__Output): Promise<{ commitTs: string; onePhase: boolean }> {
    const req = parseCommitRequest(r);
    // The start timestamp names the transaction and bounds its commit: the
    // clock observes it (refused beyond the drift bound, so no commit can move a group's clock).
    checkClientTimestamp(this.hlc, 'start_ts', req.startTs);
    const out = await this.txn.commit(req);
    this.metrics.txnCommits.inc({ kind: out.onePhase ? 'one_phase' : 'two_phase' });
    return { commitTs: out.commitTs.toString(), onePhase: out.onePhase };
  }

  /**
   * The batched stream: operations run concurrently; results finished in one
   * event-loop turn leave in one BatchResponse. The stream ends after the
   * client ends it and every operation has answered.
   */
  private serveBatch(call: grpc.ServerDuplexStream<BatchRequest__Output, BatchResponse>): void {
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
        const method = op.request ?? 'none';
        // Bounded work: beyond the node's and the stream's limits, OVERLOADED at once (src/server/admission.ts).
        const bytes = opBytes(op);
        const refused = this.admission.admit(bytes, inFlight);
        inFlight++;
        if (refused) {
          this.metrics.requests.inc({ method: `batch.${method}`, code: refused.code });
          answer({ id: op.id, error: Buffer.from(encodeKvError(refused)) });
          continue;
        }
        const end = this.metrics.requestDuration.startTimer({ method: `batch.${method}` });
        this.runOp(op).then(
          (res) => {
            this.admission.release(bytes);
            this.metrics.requests.inc({ method: `batch.${method}`, code: 'OK' });
            end();
            answer({ id: op.id, ...res });
          },
          (e: unknown) => {
            this.admission.release(bytes);
            const err = toKvError(e);
            this.metrics.requests.inc({ method: `batch.${method}`, code: err.code });
            end();
            answer({ id: op.id, error: Buffer.from(encodeKvError(err)) });
          },
        );
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

  private async runOp(op: Op__Output): Promise<Omit<OpResult, 'id'>> {
    if (this.stopping) throw new KvError('UNAVAILABLE', 'node is shutting down');
    const kv = this.kv;
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
        return { beginTxn: this.beginTxn(op.beginTxn!) };
      case 'txnGet':
        return { get: await kv.get({ key: op.txnGet!.key, readTs: op.txnGet!.startTs }, true) };
      case 'txnBatchGet':
        return { batchGet: await kv.batchGet({ keys: op.txnBatchGet!.keys, readTs: op.txnBatchGet!.startTs }, true) };
      case 'txnScan': {
        const q = op.txnScan!;
        return { scan: await kv.scan({ start: q.start, end: q.end, limit: q.limit, reverse: q.reverse, readTs: q.startTs }, true) };
      }
      case 'txnCommit':
        return { txnCommit: await this.txnCommit(op.txnCommit!) };
      default:
        throw new KvError('INVALID_ARGUMENT', 'op: no request set', { field: 'op.request' });
    }
  }

  /** Runs a forwarded RawKV call locally (at most a few hops). */
  private runForwarded(method: string, request: unknown, hops: number, group: number): Promise<unknown> {
    const kv = this.kv;
    switch (method) {
      case 'BumpTs':
        // A follower serving a read at a timestamp above the group's closed one.
        return kv.bumpTs(group, checkClientTimestamp(this.hlc, 'read_ts', (request as { readTs: string }).readTs), hops).then(() => ({}));
      case 'Put':
        return kv.put(request as Parameters<KvService['put']>[0], hops, group);
      case 'Delete':
        return kv.delete(request as Parameters<KvService['delete']>[0], hops, group);
      case 'BatchWrite':
        return kv.batchWrite(request as Parameters<KvService['batchWrite']>[0], hops, group);
      case 'CompareAndSwap':
        return kv.compareAndSwap(request as Parameters<KvService['compareAndSwap']>[0], hops, group);
      case 'DeleteRange':
        return kv.deleteRange(request as Parameters<KvService['deleteRange']>[0], hops, group);
      case 'SplitRange':
        return this.splitRange(request as { splitKey: Uint8Array }, hops);
      default:
        return Promise.reject(new KvError('INVALID_ARGUMENT', `method ${method} cannot be forwarded`));
    }
  }

  private async forward(to: NodeId, group: number, method: string, request: unknown, hops: number, deadlineMs: number): Promise<unknown> {
    const m = forwardMethod(method);
    if (!m) throw new KvError('INTERNAL', `unknown method ${method}`);
    let res;
    try {
      res = await this.transport.forward(to, { groupId: group, method, request: m.requestSerialize(request), hops }, deadlineMs);
    } catch (e) {
      throw new KvError('UNAVAILABLE', `forwarding to leader node ${to} failed: ${(e as Error).message}`, {
        leaderNodeId: to,
        leaderAddress: this.transport.peerAddress(to) ?? '',
      });
    }
    if (res.error.byteLength > 0) throw decodeKvError(res.error);
    return m.responseDeserialize(res.response);
  }

  private internalHandlers(): InternalHandlers {
    return {
      Raft: (call, callback) => {
        // Peers hold these streams open forever; shutdown ends them (see stop()).
        const close = (): void => {
          this.inboundRaft.delete(close);
          callback(null, {});
        };
        this.inboundRaft.add(close);
        let refused = false;
        call.on('data', (batch: RaftBatch__Output) => {
          if (refused) return;
          const verdict = this.guard.check(batch.fromNode, claimOf(batch.claim));
          if (!verdict.ok) {
            refused = true;
            this.inboundRaft.delete(close);
            callback({ code: grpc.status.FAILED_PRECONDITION, details: verdict.reason });
            return;
          }
          for (const raw of batch.messages) {
            let gm;
            try {
              gm = decodeRaftMessage(raw);
            } catch (e) {
              this.log.warn({ from: batch.fromNode, err: (e as Error).message }, 'dropping a malformed raft message');
              continue;
            }
            this.host.deliver(gm.group, gm.message);
          }
        });
        call.on('end', close);
        call.on('error', () => {
          /* the peer went away; it reconnects */
          this.inboundRaft.delete(close);
        });
      },
      Snapshot: (call, callback) => {
        let first: ReturnType<typeof decodeRaftMessage> | undefined;
        const rows: SnapshotChunk[] = [];
        let notify: (() => void) | undefined;
        let ended = false;
        let sawDone = false;
        let receivedRows = 0;
        let receivedBytes = 0;
        let failed: Error | undefined;
        const chunks: AsyncIterable<SnapshotChunk> = {
          async *[Symbol.asyncIterator]() {
            for (;;) {
              if (rows.length > 0) {
                yield rows.shift()!;
                continue;
              }
              if (failed) throw failed;
              if (ended) return;
              await new Promise<void>((r) => (notify = r));
            }
          },
        };
        const wake = (): void => {
          const n = notify;
          notify = undefined;
          n?.();
        };
        let result: Promise<{ accepted: boolean; reason: string }> | undefined;
        let answered = false;
        call.on('data', (c: SnapshotChunk__Output) => {
          if (!first) {
            const verdict = this.guard.check(c.fromNode, claimOf(c.claim));
            if (!verdict.ok) {
              failed = new Error(verdict.reason);
              answered = true;
              callback(null, { accepted: false, reason: verdict.reason });
              call.destroy();
              return;
            }
            try {
              first = decodeRaftMessage(c.message);
            } catch (e) {
              failed = e as Error;
              answered = true;
              callback(null, { accepted: false, reason: 'malformed snapshot header' });
              call.destroy();
              return;
            }
            result = this.host.receiveSnapshot(first.group, first.message, chunks);
            return;
          }
          if (c.rows.length > 0) {
            let bytes = 0;
            for (const r of c.rows) bytes += r.key.byteLength + r.value.byteLength;
            rows.push({ rows: c.rows, bytes });
            receivedRows += c.rows.length;
            receivedBytes += bytes;
          }
          if (c.done) {
            if (Number(c.totalRows) !== receivedRows || Number(c.totalBytes) !== receivedBytes) {
              failed ??= new Error(`snapshot stream lost data: sender sent ${c.totalRows} rows / ${c.totalBytes} bytes, received ${receivedRows} / ${receivedBytes}`);
            }
            sawDone = true;
            ended = true;
          }
          wake();
        });
        call.on('cancelled', () => {
          failed ??= new Error('the sender cancelled the snapshot stream');
          wake();
        });
        call.on('end', () => {
          if (answered) return;
          // A stream that ends without its `done` chunk is truncated: never ingest it as whole.
          if (!sawDone) failed ??= new Error('snapshot stream ended before its last chunk');
          ended = true;
          wake();
          if (!result) return callback(null, { accepted: false, reason: 'empty snapshot stream' });
          result.then(
            (r) => callback(null, r),
            (e: unknown) => callback(null, { accepted: false, reason: (e as Error).message }),
          );
        });
        call.on('error', (e) => {
          failed = e;
          wake();
        });
      },
      GroupCommand: (call, callback) => {
        const req = call.request;
        const done = (p: Promise<KvResult>): void => {
          p.then(
            (res) => callback(null, { result: Buffer.from(encodeResult(res)), error: Buffer.alloc(0) }),
            (e: unknown) => callback(null, { result: Buffer.alloc(0), error: Buffer.from(encodeKvError(toKvError(e))) }),
          );
        };
        if (Number(req.readJobId) > 0) {
          done(
            this.onGroupLeader(req.groupId, async (r) => {
              await this.withTimeout(r.readBarrier(), `group ${req.groupId} read barrier`);
              const sm = GroupState.of(r);
              const st = sm.jobs.get(Number(req.readJobId));
              if (!st) return { ...EMPTY_RESULT };
              // The source adds a cheap size estimate of the range (LevelDB's, from its files).
              const approxBytes = st.role === 'source' ? await sm.mvcc.approximateBytes(unhex(st.start), unhex(st.end)) : undefined;
              return { ...EMPTY_RESULT, stateJson: JSON.stringify({ ...st, ...(approxBytes !== undefined ? { approxBytes } : {}) }) };
            }),
          );
          return;
        }
        let cmd: KvCommand;
        try {
          cmd = decodeCommand(req.command);
        } catch (e) {
          done(Promise.reject(new KvError('INVALID_ARGUMENT', `command: ${(e as Error).message}`)));
          return;
        }
        if (cmd.kind !== 'MIGRATION' && cmd.kind !== 'DIGEST' && cmd.kind !== 'TXN') {
          done(Promise.reject(new KvError('INVALID_ARGUMENT', `command: only migration steps, digests and transaction steps travel this way, not ${cmd.kind}`)));
          return;
        }
        let command = req.command;
        try {
          if (cmd.proposedTs === 0n) {
            // A step sent without a clock reading (migration steps) is stamped by this leader's clock.
            command = Buffer.from(encodeCommand({ ...cmd, proposedTs: this.hlc.now() }));
          } else {
            // The sender's clock decided the proposal timestamp; this leader's clock follows it, within the drift bound.
            checkClientTimestamp(this.hlc, 'command.proposed_ts', cmd.proposedTs);
            if (cmd.txn) {
              checkClientTimestamp(this.hlc, 'command.txn.start_ts', cmd.txn.startTs);
              checkClientTimestamp(this.hlc, 'command.txn.commit_ts', cmd.txn.commitTs ?? 0n);
            }
          }
        } catch (e) {
          done(Promise.reject(toKvError(e)));
          return;
        }
        done(this.proposeOnLeader(req.groupId, command));
      },
      ImportRangeVersions: (call, callback) => {
        const req = call.request;
        const command = encodeCommand({
          kind: 'MIGRATION',
          requestId: new Uint8Array(0),
          // Imported timestamps may run ahead of this clock by at most MAX_COMMAND_AHEAD (src/kv/clock-bound.ts).
          proposedTs: this.hlc.now(),
          migration: {
            kind: 'IMPORT',
            jobId: Number(req.jobId),
            attempt: req.attempt,
            fromCursor: req.fromCursor,
            toCursor: req.toCursor,
            rows: req.rowsPacked.byteLength > 0 ? unpackRows(req.rowsPacked) : req.rows.map((r) => fromWireRow(r)),
          },
        });
        this.proposeOnLeader(req.groupId, command).then(
          (res) => callback(null, { result: Buffer.from(encodeResult(res)), error: Buffer.alloc(0) }),
          (e: unknown) => callback(null, { result: Buffer.alloc(0), error: Buffer.from(encodeKvError(toKvError(e))) }),
        );
      },
      ExportRangeVersions: (call) => {
        const req = call.request;
        let cancelled = false;
        call.on('cancelled', () => (cancelled = true));
        const run = async (): Promise<void> => {
          const r = this.groupLeader(req.groupId);
          const sm = GroupState.of(r);
          if (req.mode === 'CHANGE_LOG') await this.withTimeout(r.readBarrier(), `group ${req.groupId} read barrier`);
          if (Number(req.minApplied) > 0) await this.withTimeout(r.waitApplied(Number(req.minApplied)), `group ${req.groupId} applying the capture`);
          const chunks = exportRange(
            sm.machine,
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
            () => cancelled || this.stopping,
            this.exportLimiter,
          );
          for await (const c of chunks) {
            if (cancelled) return;
            const ok = call.write({
              rowsPacked: Buffer.from(packRows(c.rows)),
              nextCursor: Buffer.from(c.nextCursor),
              lastSeq: String(c.lastSeq),
              done: c.done,
              scannedBytes: String(c.scannedBytes),
            });
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
      },
      DigestLeaves: (call, callback) => {
        const req = call.request;
        this.atDigest(req.groupId, req.digestId, Number(req.index))
          .then(async ({ sm, snapshot }) => {
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
            callback(null, { boundaries: leaves.boundaries.map((b) => Buffer.from(b)), hashes: [...leaves.hashes], counts: [...leaves.counts], bytes: String(leaves.bytes) });
          })
          .catch((e: unknown) => callback(toServiceError(toKvError(e)) as grpc.ServiceError));
      },
      DigestEntries: (call, callback) => {
        const req = call.request;
        this.atDigest(req.groupId, req.digestId, Number(req.index))
          .then(async ({ sm, snapshot }) => {
            const ranges = req.starts.map((start, i) => ({ start, end: req.ends[i] ?? Buffer.alloc(0) }));
            const { entries, truncated } = await replicaEntries(sm, snapshot, ranges, BigInt(req.readTs), req.maxEntries || 10_000);
            callback(null, { entries: entries.map((e) => ({ key: Buffer.from(e.key), ts: e.ts.toString(), value: Buffer.from(e.value ?? new Uint8Array(0)), tombstone: e.value === null })), truncated });
          })
          .catch((e: unknown) => callback(toServiceError(toKvError(e)) as grpc.ServiceError));
      },
      Identify: (call, callback) => {
        const known = this.guard.knownStore(call.request.fromNode);
        callback(null, { clusterId: this.identity.clusterId, nodeId: this.cfg.nodeId, storeId: Buffer.from(this.identity.storeId), knownStore: Buffer.from(known ?? new Uint8Array(0)) });
      },
      Forward: (call, callback) => {
        const m = forwardMethod(call.request.method);
        if (!m) {
          callback(null, { response: Buffer.alloc(0), error: Buffer.from(encodeKvError(new KvError('INVALID_ARGUMENT', `unknown method ${call.request.method}`))) });
          return;
        }
        const request = m.requestDeserialize(call.request.request);
        this.runForwarded(call.request.method, request, call.request.hops, call.request.groupId).then(
          (res) => callback(null, { response: m.responseSerialize(res), error: Buffer.alloc(0) }),
          (e: unknown) => callback(null, { response: Buffer.alloc(0), error: Buffer.from(encodeKvError(toKvError(e))) }),
        );
      },
    };
  }

  // -------------------------------------------------------------- migration

  /**
   * S drives Adopt (MIGRATION.md CUTOVER): a source leader that holds a
   * released range not yet cleaned up sends the idempotent Adopt to the
   * target until the target confirms, so the Release→Adopt gap does not
   * depend on the migrator (a new leader does it again once).
   */
  private driveAdopts(r: Replica): void {
    for (const st of GroupState.of(r).jobs.values()) {
      if (st.role !== 'source' || st.state !== 'released' || st.cleaned) continue;
      const key = `${r.group}:${st.jobId}:${st.attempt}:${r.raft.term}`;
      if (this.adoptDriven.has(key)) continue;
      this.adoptDriven.add(key);
      this.groupClient
        .command(st.peerGroup, { kind: 'ADOPT', jobId: st.jobId, attempt: st.attempt, start: unhex(st.start), end: unhex(st.end), head: st.head, releaseTs: BigInt(st.releaseTs), safePoint: BigInt(st.releaseSafePoint ?? '0') })
        .then(
          () => this.log.info({ groupId: r.group, jobId: st.jobId, target: st.peerGroup }, 'source drove adopt: the target confirmed'),
          (e: unknown) => {
            setTimeout(() => this.adoptDriven.delete(key), 1000).unref(); // try again in a second
            this.log.debug({ groupId: r.group, jobId: st.jobId, err: (e as Error).message }, 'source-driven adopt not confirmed yet');
          },
        );
    }
  }

  /** On each group this node leads: UNFENCE every fence older than the deadline (this node's monotonic clock). */
  private liftExpiredFences(): void {
    const now = performance.now();
    const live = new Set<string>();
    for (const r of this.host.replicas.values()) {
      if (!r.isLeader()) continue;
      this.driveAdopts(r);
      for (const st of GroupState.of(r).jobs.values()) {
        if (st.role !== 'source' || st.state !== 'fenced') continue;
        const key = `${r.group}:${st.jobId}:${st.attempt}:${st.fenceEpoch}`;
        live.add(key);
        const seen = this.fenceSeen.get(key);
        if (seen === undefined) {
          this.fenceSeen.set(key, now);
          continue;
        }
        if (now - seen < FENCE_DEADLINE_MS) continue;
        this.fenceSeen.set(key, now); // one try per deadline
        const cmd = encodeCommand({ kind: 'MIGRATION', requestId: new Uint8Array(0), proposedTs: 0n, migration: { kind: 'UNFENCE', jobId: st.jobId, attempt: st.attempt, fenceEpoch: st.fenceEpoch } });
        this.log.warn({ groupId: r.group, jobId: st.jobId, fenceEpoch: st.fenceEpoch }, 'fence deadline passed; lifting the fence');
        r.propose(cmd).catch((e: unknown) => this.log.warn({ groupId: r.group, err: (e as Error).message }, 'unfence failed; will retry'));
      }
    }
    for (const k of [...this.fenceSeen.keys()]) if (!live.has(k)) this.fenceSeen.delete(k);
  }

  /** This node's replica of `group` once it applied the digest read point, and the snapshot taken there. */
  private async atDigest(group: number, digestId: Uint8Array, index: number): Promise<{ sm: GroupState; snapshot: Parameters<typeof versionsAt>[1] }> {
    const r = this.host.replica(group);
    if (!r) throw new KvError('UNAVAILABLE', `node ${this.cfg.nodeId} holds no replica of group ${group}`, { groupId: group });
    await this.withTimeout(r.waitApplied(index), `group ${group} applying the verification read point`);
    const sm = GroupState.of(r);
    const d = sm.digest(Buffer.from(digestId).toString('hex'));
    if (!d) throw new KvError('UNAVAILABLE', `group ${group} on node ${this.cfg.nodeId}: no read point ${Buffer.from(digestId).toString('hex')} (the replica restarted or got a snapshot since, or it expired)`);
    return { sm, snapshot: d.snapshot };
  }

  /** VerifyRange: a DIGEST read point in the group's log, then every replica's Merkle leaves compared with the leader's. */
  private async verifyRange(req: VerifyRangeRequest__Output, rateLimitBytesPerSec = 0): Promise<VerifyRangeResponse> {
    const started = performance.now();
    const group = req.groupId;
    const g = this.cfg.cluster.groups.find((x) => x.id === group);
    if (!g) throw new KvError('INVALID_ARGUMENT', `group_id: group ${group} does not exist`, { field: 'group_id' });
    const { start, end } = checkRange(req.start, req.end);
    const readTs = checkTimestamp('read_ts', req.readTs);
    const digestId = randomBytes(16);
    const { result, leader } = await this.groupClient.propose(group, { kind: 'DIGEST', requestId: new Uint8Array(0), proposedTs: 0n, key: digestId });
    const index = result.index ?? 0;
    const local = this.host.replica(group)?.raft.confState();
    const members = local ? [...local.voters, ...local.learners] : g.voters;
    const address = (n: number): string => this.transport.peerAddress(nodeId(n)) ?? this.cfg.cluster.nodes.find((x) => x.id === n)?.address ?? '';
    const call = <Res>(n: number, method: 'digestLeaves' | 'digestEntries', body: object): Promise<Res> =>
      new Promise((resolve, reject) => {
        const c = this.groupClient.clientFor(address(n)) as unknown as Record<string, (r: object, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: Res) => void) => void>;
        c[method]!.call(c, body, { deadline: Date.now() + this.cfg.requestTimeoutMs * 6 }, (e, r) => (e ? reject(fromServiceError(e)) : resolve(r!)));
      });
    const base = { groupId: group, digestId, index: String(index), readTs: String(readTs) };
    const report = await compareReplicas(
      leader,
      members.filter((m) => m !== leader),
      end,
      {
        leaves: async (n, boundaries) => {
          const r = await call<DigestLeavesResponse__Output>(n, 'digestLeaves', { ...base, start, end, boundaries: boundaries.map((b) => Buffer.from(b)), rateLimitBytesPerSec: String(rateLimitBytesPerSec) });
          // Copies: the decoded bytes may be views of a receive buffer that later messages reuse.
          return { boundaries: r.boundaries.map((b) => Uint8Array.from(b)), hashes: r.hashes.map((h) => Buffer.from(Uint8Array.from(h))), counts: r.counts, bytes: Number(r.bytes) };
        },
        entries: async (n, ranges, max) => {
          const r = await call<DigestEntriesResponse__Output>(n, 'digestEntries', { ...base, starts: ranges.map((x) => Buffer.from(x.start)), ends: ranges.map((x) => Buffer.from(x.end)), maxEntries: max });
          return { entries: r.entries.map((e) => ({ key: Uint8Array.from(e.key), ts: BigInt(e.ts), value: e.tombstone ? null : Uint8Array.from(e.value) })), truncated: r.truncated };
        },
      },
      req.maxKeys || 100,
    );
    this.log.info({ groupId: group, consistent: report.consistent, differingKeys: report.differingKeys.length, index }, 'replica verification');
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

  /** Background replica checks: every group this node leads, one at a time, paced; results in metrics, logs, /healthz. */
  private async checkConsistency(): Promise<void> {
    if (this.checkingConsistency || this.stopping) return;
    this.checkingConsistency = true;
    try {
      for (const r of [...this.host.replicas.values()]) {
        if (!r.isLeader() || this.stopping) continue;
        const group = r.group;
        try {
          const rep = await this.verifyRange({ groupId: group, start: Buffer.alloc(0), end: Buffer.alloc(0), readTs: '0', maxKeys: 20 }, this.cfg.consistencyCheckRateLimit);
          this.consistency.set(group, { consistent: rep.consistent === true, at: Date.now(), differing: (rep.differingKeys ?? []).length });
          this.metrics.consistencyChecks.inc({ group: String(group), result: rep.consistent ? 'consistent' : 'inconsistent' });
          if (rep.consistent) this.log.info({ groupId: group, bytes: rep.bytesScanned, durationMs: rep.durationMs }, 'consistency check: replicas agree');
          else
            this.log.error(
              { groupId: group, differingKeys: (rep.differingKeys ?? []).map((k) => ({ key: Buffer.from(k.key as Uint8Array).toString('hex'), nodeId: k.nodeId, kind: k.kind })), replicas: rep.replicas },
              'consistency check: REPLICAS DIFFER',
            );
        } catch (e) {
          this.metrics.consistencyChecks.inc({ group: String(group), result: 'error' });
          this.log.warn({ groupId: group, err: (e as Error).message }, 'consistency check could not finish; will retry');
        }
      }
    } finally {
      this.checkingConsistency = false;
    }
  }

  private defaultLeaderSm(): { r: Replica; sm: GroupState } {
    const r = this.groupLeader(DEFAULT_GROUP);
    return { r, sm: GroupState.of(r) };
  }

  private async startMigration(req: StartSplitMigrationRequest__Output): Promise<SplitJobMsg> {
    const { sm } = this.defaultLeaderSm();
    const target = req.targetGroup;
    if (!this.cfg.cluster.groups.some((g) => g.id === target)) throw new KvError('INVALID_ARGUMENT', `target_group: group ${target} does not exist`, { field: 'target_group' });
    const options = optionsFrom(req.options);
    const problems = checkOptions(options);
    if (problems.length > 0) throw new KvError('INVALID_ARGUMENT', problems.join('; '), { field: 'options' });
    let routeId = Number(req.routeId);
    if (req.splitKey.byteLength > 0) {
      if (routeId !== 0) throw new KvError('INVALID_ARGUMENT', 'give route_id or split_key, not both', { field: 'split_key' });
      const key = checkKey('split_key', req.splitKey);
      await this.kv.catalogCommand('SplitRange', { splitKey: key }, 0, DEFAULT_GROUP, { kind: 'SPLIT', splitKey: key });
      routeId = sm.catalog!.lookup(key).routeId;
    }
    const route = sm.catalog!.list().find((r) => r.routeId === routeId);
    if (!route) throw new KvError('INVALID_ARGUMENT', `route_id: route ${routeId} does not exist (list routes)`, { field: 'route_id' });
    if (route.groupId === target) throw new KvError('INVALID_ARGUMENT', `target_group: route ${routeId} is already served by group ${target}`, { field: 'target_group' });
    const record = newJob({ routeId, sourceGroup: route.groupId, targetGroup: target, start: hex(route.start), end: hex(route.end), createdAt: Date.now(), options });
    const res = await this.proposeOnLeader(DEFAULT_GROUP, encodeCommand({ kind: 'JOB', requestId: new Uint8Array(0), proposedTs: 0n, job: { kind: 'CREATE', recordJson: encodeJob(record), maxLiveJobs: MAX_LIVE_JOBS } }));
    if (res.errorCode) throw new KvError(res.errorCode as KvError['code'], res.errorMessage ?? res.errorCode);
    const job = decodeJob(res.stateJson!);
    this.log.info({ jobId: job.jobId, routeId, from: job.sourceGroup, to: target, options }, 'migration job created');
    return toJobMessage(job);
  }

  private async jobOf(jobId: number): Promise<SplitJob> {
    const { r, sm } = this.defaultLeaderSm();
    await this.withTimeout(r.readBarrier(), 'default-group read barrier');
    const j = sm.splitJobs.get(jobId);
    if (!j) throw new KvError('INVALID_ARGUMENT', `job_id: job ${jobId} does not exist`, { field: 'job_id' });
    return j;
  }

  private async abandonJob(jobId: number): Promise<SplitJobMsg> {
    for (let i = 0; i < 20; i++) {
      const j = await this.jobOf(jobId);
      if (TERMINAL.has(j.phase) || j.abandonRequested) return toJobMessage(j);
      if (AFTER_RELEASE.has(j.phase)) throw new KvError('INVALID_ARGUMENT', `job ${jobId} is ${j.phase}: the source released the range; the job can only roll forward`, { field: 'job_id', reason: 'released' });
      const res = await this.proposeOnLeader(
        DEFAULT_GROUP,
        encodeCommand({ kind: 'JOB', requestId: new Uint8Array(0), proposedTs: 0n, job: { kind: 'UPDATE', recordJson: encodeJob({ ...j, abandonRequested: true, updatedAt: Date.now() }), expectedVersion: j.version } }),
      );
      if (!res.errorCode) {
        this.log.warn({ jobId, phase: j.phase }, 'migration job abandon requested');
        return toJobMessage(decodeJob(res.stateJson!));
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new KvError('UNAVAILABLE', `job ${jobId} kept changing; retry`, { retryAfterMs: 100 });
  }

  /** This node's replica of `group` if it leads it; otherwise NOT_LEADER with the leader's address. */
  private groupLeader(group: number): Replica {
    const r = this.host.replica(group);
    if (!r) throw new KvError('UNAVAILABLE', `node ${this.cfg.nodeId} holds no replica of group ${group}`, { groupId: group });
    if (!r.isLeader()) {
      const lead = r.leader();
      if (lead === 0) throw new KvError('UNAVAILABLE', `group ${group} has no leader yet`, { groupId: group, retryAfterMs: 100 });
      throw new KvError('NOT_LEADER', `node ${this.cfg.nodeId} does not lead group ${group}; node ${lead} does`, {
        groupId: group,
        leaderNodeId: lead,
        leaderAddress: this.transport.peerAddress(lead) ?? '',
      });
    }
    return r;
  }

  private onGroupLeader<T>(group: number, fn: (r: Replica) => Promise<T>): Promise<T> {
    try {
      return fn(this.groupLeader(group));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** Proposes an encoded command on this node's leader replica of `group`; the result as applied (refusals included). */
  private proposeOnLeader(group: number, command: Uint8Array): Promise<KvResult> {
    return this.onGroupLeader(group, (r) => this.withTimeout(r.propose(command), `group ${group} proposal`).then((res) => res as KvResult)).catch((e: unknown) => {
      throw e instanceof ReplicaError ? toKvError(e) : e;
    });
  }

  // ------------------------------------------------------------------ admin

  private groupStatus(group: number): GroupStatus | undefined {
    const r = this.host.replica(group);
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

  private leaderReplica(group: number): NonNullable<ReturnType<NodeHost['replica']>> {
    const r = this.host.replica(group);
    if (!r) throw new KvError('INVALID_ARGUMENT', `group ${group}: this node holds no replica of it`, { field: 'group_id' });
    if (r.raft.role !== StateRole.Leader) {
      const leader = r.leader();
      throw new KvError('NOT_LEADER', `group ${group}: this node is not the leader${leader ? ` (node ${leader} is)` : ''}`, {
        ...(leader ? { leaderNodeId: leader, leaderAddress: this.transport.peerAddress(leader) ?? '' } : {}),
      });
    }
    return r;
  }

  private async changeMembership(group: number, cc: ConfChange, explicit?: 'promote'): Promise<{ voters: number[]; learners: number[]; index: string }> {
    const r = this.leaderReplica(group);
    this.checkConfChange(r, cc, explicit);
    let index: number;
    try {
      index = r.raft.proposeConfChange(cc);
    } catch (e) {
      if (e instanceof RaftError) {
        const code = e.code === 'CONF_CHANGE_PENDING' ? 'UNAVAILABLE' : e.code === 'INVALID_CONF_CHANGE' ? 'INVALID_ARGUMENT' : 'UNAVAILABLE';
        throw new KvError(code, `group ${group}: ${e.message}`, code === 'INVALID_ARGUMENT' ? { field: 'node_id' } : { retryAfterMs: 100 });
      }
      throw e;
    }
    this.host.schedule();
    await Promise.race([
      r.waitApplied(index),
      new Promise((_, rej) => setTimeout(() => rej(new KvError('DEADLINE_EXCEEDED', `membership change at ${index} not applied in time`)), this.cfg.requestTimeoutMs)),
    ]);
    const cs = r.raft.confState();
    return { voters: [...cs.voters], learners: [...cs.learners], index: String(index) };
  }

  /**
   * Refuses a membership change that names an unknown node, promotes what is
   * not a caught-up learner, or would leave the group without a quorum of
   * live voters (a phantom voter stops every write once one real node fails).
   * Live: this leader, and every member it heard from within the last
   * election timeout (CheckQuorum's recent activity).
   */
  private checkConfChange(r: Replica, cc: ConfChange, explicit?: 'promote'): void {
    const group = r.group;
    const n = cc.nodeId;
    const cs = r.raft.confState();
    const progress = r.raft.status().progress;
    const live = (id: NodeId): boolean => id === this.host.nodeId || progress.get(id)?.recentActive === true;
    const known = n === this.host.nodeId || this.cfg.cluster.nodes.some((x) => x.id === n) || this.transport.peerAddress(n) !== undefined || (cc.context?.byteLength ?? 0) > 0;
    const refuse = (reason: string, code: 'INVALID_ARGUMENT' | 'UNAVAILABLE' = 'INVALID_ARGUMENT'): never => {
      throw new KvError(code, `group ${group}: ${reason}`, code === 'INVALID_ARGUMENT' ? { field: 'node_id', reason } : { retryAfterMs: 200 });
    };
    const members = `voters ${[...cs.voters].join(',') || '-'}, learners ${[...cs.learners].join(',') || '-'}`;
    const quorum = (voters: readonly NodeId[]): void => {
      const up = voters.filter(live).length;
      const need = Math.floor(voters.length / 2) + 1;
      if (up < need) refuse(`the change would leave voters ${voters.join(',')} with ${up} live (${voters.filter(live).join(',') || 'none'}), below the quorum of ${need}: the group could not commit anything`);
    };
    switch (cc.type) {
      case ConfChangeType.AddVoter: {
        if (cs.voters.includes(n)) refuse(`node ${n} is already a voter (${members})`);
        const learner = cs.learners.includes(n);
        if (explicit === 'promote' && !learner) refuse(`node ${n} is not a learner (${members}): add it as a learner, let it catch up, then promote it`);
        if (!known) refuse(`node ${n} is not a known node (not in the cluster file, no address given)`);
        if (learner) {
          const p = progress.get(n);
          const commit = r.raft.log.committed;
          // Caught up: it answers, the leader streams to it (not probing, not sending a snapshot), and it is close to the commit index.
          const answering = p !== undefined && p.recentActive && p.state === ProgressState.Replicate && p.match > 0;
          if (!answering || p.match + PROMOTE_MAX_LAG_ENTRIES < commit) {
            refuse(`learner ${n} has not caught up (it holds up to index ${p?.match ?? 0}, the group committed ${commit}${answering ? '' : ', and it is not taking entries'}); promote it once it has`, 'UNAVAILABLE');
          }
        }
        quorum([...cs.voters, n]);
        return;
      }
      case ConfChangeType.AddLearner:
        if (cs.voters.includes(n) || cs.learners.includes(n)) refuse(`node ${n} is already a member (${members})`);
        if (!known) refuse(`node ${n} is not a known node (not in the cluster file, no address given)`);
        return;
      case ConfChangeType.RemoveNode: {
        if (!cs.voters.includes(n) && !cs.learners.includes(n)) refuse(`node ${n} is not a member (${members})`);
        if (!cs.voters.includes(n)) return;
        const rest = cs.voters.filter((v) => v !== n);
        if (rest.length === 0) refuse(`node ${n} is the last voter`);
        quorum(rest);
        return;
      }
    }
  }

  /** One catalog command on the default group's leader (forwarded there from any node). */
  private async splitRange(req: { splitKey: Uint8Array }, hops = 0): Promise<SplitRangeResponse> {
    const key = checkKey('split_key', req.splitKey);
    const res = await this.kv.catalogCommand('SplitRange', req, hops, DEFAULT_GROUP, { kind: 'SPLIT', splitKey: key });
    if ('forwarded' in res) return res.forwarded as SplitRangeResponse;
    const d = this.host.replica(DEFAULT_GROUP);
    const catalog = d ? GroupState.of(d).catalog : undefined;
    const right = res.routes.find((r) => Buffer.compare(r.start, key) === 0) ?? catalog?.lookup(key);
    const left = res.routes.find((r) => Buffer.compare(r.end, key) === 0) ?? catalog?.list().find((r) => Buffer.compare(r.end, key) === 0);
    if (!res.noop) this.log.info({ splitKey: Buffer.from(key).toString('hex'), version: res.version }, 'route split');
    return {
      version: String(res.version),
      alreadySplit: res.noop,
      ...(left ? { left: toRouteMessage(left) } : {}),
      ...(right ? { right: toRouteMessage(right) } : {}),
    };
  }

  private adminHandlers(): AdminHandlers {
    return {
      NodeStatus: this.unary('NodeStatus', async () => {
        const groups = [...this.host.replicas.keys()].sort((a, b) => a - b).flatMap((g) => this.groupStatus(g) ?? []);
        for (const g of groups) {
          const gr = this.host.replica(g.groupId!);
          const sm = gr ? GroupState.of(gr) : undefined;
          if (sm) g.txnLocks = String(await sm.locks.countVersions(100_000));
        }
        return {
          nodeId: this.cfg.nodeId,
          address: this.cfg.listen,
          version: VERSION,
          uptimeMs: String(Date.now() - this.started),
          groups,
          peers: this.transport.peerStatus(),
          routeCacheVersion: String(this.routes.version),
          staleRouteRetries: String(this.kv.staleRoutes),
          routeWatchOpen: this.watcher.watching,
          migratingJobs: this.migrator.active.map(String),
        };
      }),
      AddMember: this.unary('AddMember', (req) => {
        const ctx = req.address ? new TextEncoder().encode(req.address) : undefined;
        return this.changeMembership(req.groupId, {
          type: req.learner ? ConfChangeType.AddLearner : ConfChangeType.AddVoter,
          nodeId: nodeId(req.nodeId),
          ...(ctx ? { context: ctx } : {}),
        });
      }),
      PromoteMember: this.unary('PromoteMember', (req) => this.changeMembership(req.groupId, { type: ConfChangeType.AddVoter, nodeId: nodeId(req.nodeId) }, 'promote')),
      RemoveMember: this.unary('RemoveMember', (req) => this.changeMembership(req.groupId, { type: ConfChangeType.RemoveNode, nodeId: nodeId(req.nodeId) })),
      TransferLeader: this.unary('TransferLeader', async (req) => {
        const r = this.leaderReplica(req.groupId);
        const to = nodeId(req.toNodeId);
        if (!r.raft.confState().voters.includes(to)) {
          throw new KvError('INVALID_ARGUMENT', `to_node_id: node ${to} is not a voter of group ${req.groupId}`, { field: 'to_node_id' });
        }
        r.raft.transferLeader(to);
        this.host.schedule();
        const deadline = Date.now() + this.cfg.tickMs * this.cfg.electionTicks * 3;
        while (Date.now() < deadline) {
          if (r.raft.lead === to) return { leaderId: to };
          await new Promise((res) => setTimeout(res, this.cfg.tickMs));
        }
        throw new KvError('UNAVAILABLE', `leadership of group ${req.groupId} did not move to node ${to} in time; retry`);
      }),
      ListRoutes: this.unary('ListRoutes', (req) => this.listRoutes(req.local)),
      SplitRange: this.unary('SplitRange', (req) => this.splitRange(req)),
      StartSplitMigration: this.unary('StartSplitMigration', (req) => this.startMigration(req)),
      VerifyRange: this.unary('VerifyRange', (req) => this.verifyRange(req)),
      GetSplitJob: this.unary('GetSplitJob', async (req) => toJobMessage(await this.jobOf(Number(req.jobId)))),
      ListSplitJobs: this.unary('ListSplitJobs', async (req) => {
        const { r, sm } = this.defaultLeaderSm();
        await this.withTimeout(r.readBarrier(), 'default-group read barrier');
        if (!Number.isInteger(req.limit) || req.limit < 0 || req.limit > 1000) throw new KvError('INVALID_ARGUMENT', `limit: must be 0 (default 100) to 1000 (got ${req.limit})`, { field: 'limit' });
        const limit = req.limit === 0 ? 100 : req.limit;
        const bad = req.phases.find((p) => !(PHASES as readonly string[]).includes(p));
        if (bad) throw new KvError('INVALID_ARGUMENT', `phases: unknown phase ${bad}`, { field: 'phases' });
        const after = Number(req.afterJobId);
        const all = [...sm.splitJobs.values()].filter((j) => j.jobId > after && (req.phases.length === 0 || req.phases.includes(j.phase))).sort((a, b) => a.jobId - b.jobId);
        const page = all.slice(0, limit);
        return { jobs: page.map(toJobMessage), nextAfterJobId: all.length > limit ? String(page[page.length - 1]!.jobId) : '0' };
      }),
      AbandonSplitJob: this.unary('AbandonSplitJob', (req) => this.abandonJob(Number(req.jobId))),
      RepairSplitJob: this.unary('RepairSplitJob', async (req) => {
        const j = await this.jobOf(Number(req.jobId));
        if (j.phase !== 'FAILED' || j.retreatedFrom !== 'VERIFY') {
          throw new KvError('INVALID_ARGUMENT', `job ${j.jobId} is ${j.phase}${j.retreatedFrom ? ` (from ${j.retreatedFrom})` : ''}: only a job that failed verification can be repaired`, { field: 'job_id' });
        }
        const res = await this.proposeOnLeader(
          DEFAULT_GROUP,
          encodeCommand({ kind: 'JOB', requestId: new Uint8Array(0), proposedTs: 0n, job: { kind: 'UPDATE', recordJson: encodeJob({ ...j, phase: 'VERIFY', repair: true, updatedAt: Date.now() }), expectedVersion: j.version } }),
        );
        if (res.errorCode) throw new KvError(res.errorCode as KvError['code'], res.errorMessage ?? res.errorCode);
        this.log.warn({ jobId: j.jobId }, 'migration job repair requested (RepairFromSource)');
        return toJobMessage(decodeJob(res.stateJson!));
      }),
      WatchSplitJob: (call) => {
        const jobId = Number(call.request.jobId);
        this.jobOf(jobId).then(
          (j) => {
            const { sm } = this.defaultLeaderSm();
            call.write(toJobMessage(j));
            if (TERMINAL.has(j.phase)) return call.end();
            const stop = (): void => {
              unsubscribe();
              clearInterval(check);
              this.routeWatches.delete(stop);
            };
            const unsubscribe = sm.onJobChange((u) => {
              if (u.jobId !== jobId || call.cancelled) return;
              call.write(toJobMessage(u));
              if (TERMINAL.has(u.phase)) {
                stop();
                call.end();
              }
            });
            const check = setInterval(() => {
              if (this.host.replica(DEFAULT_GROUP)?.isLeader() !== true || this.stopping) {
                stop();
                call.emit('error', toServiceError(new KvError('UNAVAILABLE', 'this node stopped leading the default group; watch again', { retryAfterMs: 200 })));
              }
            }, 500);
            this.routeWatches.add(() => {
              stop();
              call.end();
            });
            call.on('cancelled', stop);
          },
          (e: unknown) => call.emit('error', toServiceError(toKvError(e))),
        );
      },
      SetFaults: this.unary('SetFaults', (req) => {
        if (!this.cfg.testHooks) {
          return Promise.reject(new KvError('INVALID_ARGUMENT', 'SetFaults is a test hook: start the node with FERRYKV_TEST_HOOKS=1', { field: 'faults' }));
        }
        const m = new Map<NodeId, PeerFault>();
        for (const f of req.faults) {
          if (!(f.drop >= 0 && f.drop <= 1)) return Promise.reject(new KvError('INVALID_ARGUMENT', 'faults.drop: must be in [0, 1]', { field: 'faults.drop' }));
          m.set(nodeId(f.nodeId), { drop: f.drop, delayMs: f.delayMs });
        }
        if (req.staleRoutes.length > 0) {
          const routes = req.staleRoutes.map(fromRawRoute);
          const problem = RouteCatalog.tilingProblem(routes);
          if (problem) return Promise.reject(new KvError('INVALID_ARGUMENT', `stale_routes: ${problem}`, { field: 'stale_routes' }));
          this.routes.force(routes);
        }
        this.pauseMigrationAt = req.pauseMigrationAt ? (req.pauseMigrationAt as Phase) : undefined;
        this.pauseTxnAfterPrewrite = req.pauseTxnAfterPrewrite;
        if (req.pauseRouteWatch) this.watcher.pause();
        else this.watcher.resume();
        this.transport.setFaults(m);
        this.log.warn({ faults: req.faults, pauseRouteWatch: req.pauseRouteWatch, staleRoutes: req.staleRoutes.length }, 'fault rules replaced');
        return Promise.resolve({});
      }),
    };
  }

  // ------------------------------------------------------------------- HTTP

  private async startHttp(address: string): Promise<void> {
    const [host, port] = [address.slice(0, address.lastIndexOf(':')).replace(/^\[|\]$/g, ''), Number(address.slice(address.lastIndexOf(':') + 1))];
    const server = createServer((req, res) => {
      if (req.url === '/metrics') {
        this.metrics.registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': this.metrics.registry.contentType });
            res.end(text);
          },
          (e: unknown) => {
            res.writeHead(500);
            res.end(String(e));
          },
        );
        return;
      }
      if (req.url === '/healthz') {
        const groups = [...this.host.replicas.values()].map((r) => ({ group: r.group, leader: r.leader(), role: r.raft.role }));
        const leaderless = groups.filter((g) => g.leader === 0).map((g) => g.group);
        const d = this.host.replica(DEFAULT_GROUP);
        const stalledJobs = d?.isLeader()
          ? [...GroupState.of(d).splitJobs.values()].filter((j) => j.stalled && !TERMINAL.has(j.phase)).map((j) => ({ jobId: j.jobId, phase: j.phase, reason: j.stallReason ?? '' }))
          : [];
        const inconsistentGroups = [...this.consistency].filter(([, c]) => !c.consistent).map(([g]) => g);
        const status = this.stopping ? 'stopping' : leaderless.length > 0 || stalledJobs.length > 0 || inconsistentGroups.length > 0 ? 'degraded' : 'ok';
        res.writeHead(status === 'stopping' ? 503 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status, nodeId: this.cfg.nodeId, leaderlessGroups: leaderless, stalledJobs, inconsistentGroups, groups }));
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: try /metrics or /healthz\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const addr = server.address();
    this.httpPort = typeof addr === 'object' && addr ? addr.port : port;
    this.httpServer = server;
  }

  /** Graceful stop: refuse new requests, finish the current turn, close storage. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info('shutting down');
    if (this.dedupTimer) clearInterval(this.dedupTimer);
    if (this.txnResolverTimer) clearInterval(this.txnResolverTimer);
    if (this.gcTimer) clearInterval(this.gcTimer);
    clearInterval(this.fenceWatchTimer);
    clearInterval(this.consistencyTimer);
    await this.migrator.stop();
    this.groupClient.close();
    this.watcher.close();
    for (const close of [...this.routeWatches]) close();
    await this.host.stop();
    this.transport.close();
    // End the peers' long-lived raft streams so the gRPC server can drain
    // in-flight calls and close instead of waiting for its force timer.
    for (const close of [...this.inboundRaft]) close();
    await new Promise<void>((resolve) => {
      if (!this.grpcServer) return resolve();
      const force = setTimeout(() => {
        this.grpcServer?.forceShutdown();
        resolve();
      }, 3000);
      this.grpcServer.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    await new Promise<void>((resolve) => (this.httpServer ? this.httpServer.close(() => resolve()) : resolve()));
    await this.db.close();
    this.log.info('stopped');
  }
}

interface MethodCodec {
  requestSerialize: (v: unknown) => Buffer;
  requestDeserialize: (b: Buffer) => unknown;
  responseSerialize: (v: unknown) => Buffer;
  responseDeserialize: (b: Buffer) => unknown;
}

/**
 * The protobuf codec of a forwarded call: a RawKV method, or SplitRange of
 * Admin. Internal calls borrow one: BumpTs travels as a GetRequest (only
 * read_ts is set) and answers an empty GetResponse.
 */
function forwardMethod(method: string): MethodCodec | undefined {
  const p = protos().packages;
  if (method === 'SplitRange') return (p.admin!['ferrykv.admin.v1.Admin'] as unknown as Record<string, MethodCodec>)[method];
  const def = p.pub!['ferrykv.v1.RawKV'] as unknown as Record<string, MethodCodec>;
  return Object.hasOwn(def, method === 'BumpTs' ? 'Get' : method) ? def[method === 'BumpTs' ? 'Get' : method] : undefined;
}

/** A store claim off the wire (absent fields: no claim). */
function claimOf(c: StoreClaim__Output | null | undefined): { clusterId: string; storeId: Uint8Array; replaces: Uint8Array } | undefined {
  if (!c) return undefined;
  return { clusterId: c.clusterId, storeId: c.storeId, replaces: c.replacesStore };
}

export { ReplicaError };
