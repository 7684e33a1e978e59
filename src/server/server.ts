// One ferrykv node process, composed: storage and store identity, the mesh
// transport, the multi-raft host with each group's machine, the planes'
// services (RawKV, transactions, routing, migration, verification), the gRPC
// services over them, background work, and /metrics and /healthz. This file
// only wires; each part lives in its own module (docs/architecture.md).

import * as grpc from '@grpc/grpc-js';
import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { createServer, protos } from '../api/protos.js';
import { startEtcd, type EtcdEndpoint } from './etcd-endpoint.js';
import { encodeCommand } from '../apply/commands.js';
import { OwnershipMap } from '../distribution/ownership.js';
import { Hlc } from '../hlc/hlc.js';
import { KvService } from '../kv/kv-service.js';
import { RateLimiter } from '../migration/exporter.js';
import { groupsOverRpc } from '../migration/groups-port.js';
import { Migrator } from '../migration/migrator.js';
import type { Background } from '../node/background.js';
import { NodeHost } from '../node/node-host.js';
import { ReplicaError } from '../node/replica.js';
import { ConfChangeType, nodeId, type ConfChange } from '../raft/index.js';
import { RouteCatalog, type CatalogImage } from '../routing/catalog.js';
import { RouteCache } from '../routing/route-cache.js';
import { RouteWatcher } from '../routing/route-watcher.js';
import { GroupClient } from '../rpc/group-client.js';
import { NodeDb } from '../storage/db.js';
import { readPeerStores, writePeerStore, type StoreIdentity } from '../storage/identity.js';
import { Inbound } from '../transport/inbound.js';
import { PeerGuard } from '../transport/peer-guard.js';
import { Transport } from '../transport/transport.js';
import { TxnCoordinator } from '../txn/coordinator.js';
import { Admission } from './admission.js';
import { startBackground } from './background-tasks.js';
import type { NodeConfig } from './config.js';
import { DEFAULT_GROUP, proposeOnLeader, selfAddress, type NodeContext, type TestPauses } from './context.js';
import { forward } from './forwarding.js';
import { GroupState } from './group-state.js';
import { openGroupMachine, writeBootstrap, type GroupMachineOptions } from './groups.js';
import { startHttp } from './http.js';
import { refuseMalformed, tolerantDefinition } from './malformed.js';
import { Metrics } from './metrics.js';
import { NodeReplacement } from './replace-node.js';
import { adminService } from './services/admin.js';
import { internalService } from './services/internal.js';
import { rawKvService } from './services/rawkv.js';
import { refreshRoutes, routingService } from './services/routing.js';
import { txnService } from './services/txn.js';
import { watchService } from './services/watch.js';
import { WatchService } from '../watch/watch-service.js';
import { EXIT_STORE_REFUSED, establishIdentity } from './store-identity.js';

export { DEFAULT_GROUP, ReplicaError };

/** Failpoints for tests that must see a broken replica (FERRYKV_TEST_HOOKS=1 only). */
function failpoints(cfg: NodeConfig, log: Logger): GroupMachineOptions {
  if (!cfg.testHooks) return {};
  const enc = (s: string | undefined): Uint8Array | undefined => (s ? new TextEncoder().encode(s) : undefined);
  const skipApplyKey = enc(process.env.FERRYKV_FAILPOINT_SKIP_APPLY_KEY);
  const skipImportKey = enc(process.env.FERRYKV_FAILPOINT_IMPORT_SKIP_KEY);
  if (skipImportKey) log.warn({ key: process.env.FERRYKV_FAILPOINT_IMPORT_SKIP_KEY }, 'UNSAFE FAILPOINT: migration imports drop one key (VERIFY must fail)');
  if (skipApplyKey) log.warn({ key: process.env.FERRYKV_FAILPOINT_SKIP_APPLY_KEY }, 'UNSAFE FAILPOINT: this node skips applying writes of one key (replica divergence on purpose)');
  return { ...(skipApplyKey ? { skipApplyKey } : {}), ...(skipImportKey ? { skipImportKey } : {}) };
}

/** The parts that exist once storage is open and the store's identity is settled. */
interface Store {
  readonly db: NodeDb;
  readonly identity: StoreIdentity;
  readonly guard: PeerGuard;
}

async function openStore(cfg: NodeConfig, log: Logger): Promise<Store> {
  const db = await NodeDb.open(cfg.dataDir);
  let identity: StoreIdentity;
  try {
    identity = await establishIdentity(db, cfg, log);
  } catch (e) {
    await db.close();
    throw e;
  }
  const guard = new PeerGuard({ clusterId: identity.clusterId, nodeId: cfg.nodeId, known: await readPeerStores(db), remember: (n, store) => writePeerStore(db, n, store), log });
  return { db, identity, guard };
}

function newTransport(cfg: NodeConfig, log: Logger, identity: StoreIdentity, host: () => NodeHost): Transport {
  const transport = new Transport({
    nodeId: nodeId(cfg.nodeId),
    log,
    onUnreachable: (g, p) => host().reportUnreachable(g, p),
    snapshotBytesPerSec: cfg.snapshotBytesPerSec,
    claim: { clusterId: identity.clusterId, storeId: identity.storeId, replaces: identity.replaces },
    onRefused: (peer, reason) => {
      // The cluster knows this node by another store: this data dir is not the one it had. Fail-stop.
      log.fatal({ peer, reason }, 'a peer refuses this node\'s store; stopping (docs/operations.md, "A lost disk")');
      process.exit(EXIT_STORE_REFUSED);
    },
  });
  for (const n of cfg.cluster.nodes) transport.setPeer(nodeId(n.id), n.address);
  return transport;
}

/**
 * The multi-raft host. The initial catalog comes from the cluster file exactly
 * once: it is written into the default group's index-1 image when the group is
 * bootstrapped (as is each group's ownership); every later change is a command
 * in that group's log. A replacement store bootstraps nothing: it re-enters its
 * groups as a learner (src/server/replace-node.ts), taking raft traffic only for
 * the groups it was admitted to.
 */
function newHost(cfg: NodeConfig, log: Logger, store: Store, transport: Transport, metrics: Metrics, initial: CatalogImage, admitted: Set<number>): NodeHost {
  const replacing = store.identity.replacing;
  const fp = failpoints(cfg, log);
  return new NodeHost({
    nodeId: nodeId(cfg.nodeId),
    db: store.db,
    log,
    transport,
    createStateMachine: (g) => openGroupMachine(store.db, g, fp),
    ...(replacing ? { admit: (g: number) => admitted.has(g) } : {}),
    bootstrap: (replacing ? [] : cfg.cluster.groups).map((g) => ({
      id: g.id,
      voters: g.voters.map(nodeId),
      initState: (b) => writeBootstrap(b, g.id, { owned: OwnershipMap.ofGroup(initial.routes, g.id), ...(g.id === DEFAULT_GROUP ? { catalog: initial } : {}) }),
    })),
    tickMs: cfg.tickMs,
    quiesce: cfg.quiesce,
    electionTicks: cfg.electionTicks,
    compactLogEntries: cfg.compactLogEntries,
    logRetainMs: cfg.logRetainMs,
    onConfChange: (g: number, cc: ConfChange) => {
      if (cc.context && cc.context.byteLength > 0 && cc.type !== ConfChangeType.RemoveNode) transport.setPeer(cc.nodeId, new TextDecoder().decode(cc.context));
      metrics.confChanges.inc({ group: metrics.group(g) });
    },
    onLeaderChange: (g, leader, term) => {
      metrics.leaderChanges.inc({ group: metrics.group(g) });
      log.info({ groupId: g, leader, term }, 'leader changed');
    },
    onPersist: (seconds) => metrics.persistDuration.observe(seconds),
    onApply: (g, n, seconds) => {
      metrics.applyDuration.observe({ group: metrics.group(g) }, seconds);
      metrics.appliedEntries.inc({ group: metrics.group(g) }, n);
    },
    onFatal: (e) => {
      log.fatal({ err: e.message, stack: e.stack }, 'fatal error in the ready loop; exiting');
      process.exit(70);
    },
  });
}

/** The route watcher: the catalog's holders, this node first when it holds a default-group replica. */
function newWatcher(cfg: NodeConfig, log: Logger, routes: RouteCache, host: NodeHost): RouteWatcher {
  return new RouteWatcher({
    cache: routes,
    endpoints: () => {
      const self = cfg.cluster.nodes.find((n) => n.id === cfg.nodeId)?.address;
      const others = cfg.cluster.nodes.filter((n) => n.id !== cfg.nodeId).map((n) => n.address);
      return host.replica(DEFAULT_GROUP) && self ? [self, ...others] : others;
    },
    onError: (msg, e) => log.debug({ err: e.message }, msg),
  });
}

/** The planes' services over the host: RawKV, transactions, the group client, the migrator, watch. */
function newPlanes(cfg: NodeConfig, log: Logger, parts: { host: NodeHost; transport: Transport; routes: RouteCache; hlc: Hlc; metrics: Metrics; pauses: TestPauses; ctx: () => NodeContext }) {
  const { host, transport, routes, hlc, metrics, pauses, ctx } = parts;
  const unsafeStaleReads = cfg.testHooks && process.env.FERRYKV_UNSAFE_STALE_READS === '1';
  if (unsafeStaleReads) log.warn('UNSAFE FAILPOINT: linearizable reads are served without ReadIndex (stale reads possible)');
  const kv = new KvService({
    host,
    routes,
    refreshRoutes: () => refreshRoutes(ctx()),
    hlc,
    transport,
    requestTimeoutMs: cfg.requestTimeoutMs,
    // Two election timeouts: a new leader exists by then if the old one stopped answering.
    forwardAttemptMs: 2 * cfg.tickMs * cfg.electionTicks,
    unsafeStaleReads,
  });
  kv.forwarder = (to, group, method, request, hops, deadlineMs) => forward(ctx(), to, group, method, request, hops, deadlineMs);
  const groupClient = new GroupClient({
    nodes: () => new Map(cfg.cluster.nodes.map((n) => [n.id, transport.peerAddress(nodeId(n.id)) ?? n.address])),
    leaderHint: (g) => host.replica(g)?.leader() ?? 0,
    timeoutMs: cfg.requestTimeoutMs,
  });
  const txn = new TxnCoordinator({
    nodeId: cfg.nodeId,
    host,
    routes,
    refreshRoutes: () => refreshRoutes(ctx()),
    hlc,
    groups: groupClient,
    requestTimeoutMs: cfg.requestTimeoutMs,
    lockTtlMs: cfg.txnLockTtlMs,
    maxClockOffsetMs: cfg.maxClockOffsetMs,
    pauseAfterPrewrite: () => pauses.pauseTxnAfterPrewrite,
    log,
  });
  kv.txn = txn;
  const migrator = new Migrator({
    nodeId: cfg.nodeId,
    log,
    leaderSm: () => {
      const r = host.replica(DEFAULT_GROUP);
      return r?.isLeader() ? GroupState.of(r) : undefined;
    },
    proposeJob: (job) => proposeOnLeader(ctx(), DEFAULT_GROUP, encodeCommand({ kind: 'JOB', requestId: new Uint8Array(0), proposedTs: 0n, job })),
    groups: groupsOverRpc(groupClient),
    onFenceWindow: (job, ms, steps) => {
      metrics.fenceWindow.observe(ms / 1000);
      log.info({ jobId: job.jobId, fenceWindowMs: ms, stepsMs: steps }, 'cutover: write-unavailable window');
    },
    pauseAt: () => pauses.pauseMigrationAt,
    stallAfterMs: cfg.migrationStallAfterMs,
    onCopied: (rows, bytes) => {
      metrics.migrationRows.inc(rows);
      metrics.migrationBytes.inc(bytes);
    },
  });
  const watch = new WatchService({ host, routes, hlc, bumpTs: (g, ts) => kv.bumpTs(g, ts) });
  return { kv, groupClient, txn, migrator, watch };
}

/** The node's metrics that are read from its parts when scraped. */
function watchMetrics(ctx: NodeContext): void {
  const { metrics, host, admission, transport } = ctx;
  metrics.watchHost(host);
  metrics.watchRaftMessages(() => ({ sent: transport.stats.sent, received: host.received, dropped: { queue_full: transport.stats.dropped.queueFull, peer_broken: transport.stats.dropped.peerBroken, no_replica: host.droppedNoReplica }, blocked: transport.stats.blocked }));
  metrics.watchAdmission(() => ({ ops: admission.inFlightOps, bytes: admission.inFlightBytes }));
  metrics.watchJobs(() => {
    const r = host.replica(DEFAULT_GROUP);
    return r?.isLeader() ? [...GroupState.of(r).splitJobs.values()] : [];
  });
  metrics.watchConsistency(() => [...ctx.consistency.values()].filter((c) => !c.consistent).length);
  metrics.watchQuiescence(() => ({ quiescent: host.quiescence.sleeping.size, hosted: host.replicas.size, ...host.quiescence.stats }));
  metrics.watchFeeds(() => ({ streams: ctx.watch.watchers, ...ctx.watch.stats }));
}

async function startGrpc(ctx: NodeContext, inbound: Inbound): Promise<{ server: grpc.Server; port: number }> {
  const server = createServer();
  const p = protos();
  // Malformed requests answer INVALID_ARGUMENT, never grpc-js's untyped INTERNAL (src/server/malformed.ts).
  const add = (def: grpc.ServiceDefinition, impl: object): void => server.addService(tolerantDefinition(def), refuseMalformed(def, impl as grpc.UntypedServiceImplementation));
  add(p.pub.ferrykv.v1.RawKV.service, rawKvService(ctx));
  add(p.pub.ferrykv.v1.Routing.service, routingService(ctx));
  add(p.pub.ferrykv.v1.TxnKV.service, txnService(ctx));
  add(p.pub.ferrykv.v1.Watch.service, watchService(ctx));
  add(p.admin.ferrykv.admin.v1.Admin.service, adminService(ctx));
  add(p.internal.ferrykv.internal.v1.Internal.service, internalService(ctx, inbound));
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(ctx.cfg.listen, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))));
  return { server, port };
}

/** A running node's parts that stop() takes down, in order. */
interface Running {
  readonly ctx: NodeContext;
  readonly db: NodeDb;
  readonly inbound: Inbound;
  readonly background: Background;
  readonly grpc: grpc.Server;
  readonly http: HttpServer | undefined;
  readonly etcd: EtcdEndpoint | undefined;
}

export class FerryServer {
  private running: Running | undefined;
  private stopping = false;
  boundPort = 0;
  httpPort = 0;
  etcdPort = 0;

  constructor(
    readonly cfg: NodeConfig,
    readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const { cfg, log } = this;
    if (cfg.testHooks) log.warn('TEST HOOKS ENABLED (FERRYKV_TEST_HOOKS=1): fault injection RPCs are available');
    const store = await openStore(cfg, log);
    const metrics = new Metrics({ groupSeries: cfg.metricsGroupSeries });
    const hlc = new Hlc({ maxDriftMs: cfg.maxClockDriftMs });
    // Until the first catalog arrives the node routes by the cluster file's table (version 0).
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    const initial = RouteCatalog.bootstrap(cfg.cluster.routes.map((r) => ({ start: enc(r.start), end: enc(r.end), groupId: r.group }))).image();
    const routes = new RouteCache(initial.routes);
    const admitted = new Set<number>();
    // The transport and the host refer to each other: the transport reaches the host once it exists.
    const late: { host?: NodeHost; ctx?: NodeContext } = {};
    const transport = newTransport(cfg, log, store.identity, () => late.host!);
    const host = (late.host = newHost(cfg, log, store, transport, metrics, initial, admitted));
    await host.start();
    const watcher = newWatcher(cfg, log, routes, host);
    const pauses: TestPauses = { pauseTxnAfterPrewrite: false, pauseMigrationAt: undefined };
    // The planes call back into the node context, which holds them.
    const planes = newPlanes(cfg, log, { host, transport, routes, hlc, metrics, pauses, ctx: () => late.ctx! });
    const ctx: NodeContext = (late.ctx = {
      cfg,
      log,
      metrics,
      admission: new Admission(),
      hlc,
      host,
      transport,
      guard: store.guard,
      identity: store.identity,
      routes,
      watcher,
      ...planes,
      exportLimiter: new RateLimiter(cfg.migrationRateLimit),
      pauses,
      consistency: new Map(),
      closers: new Set(),
      started: Date.now(),
      stopping: () => this.stopping,
      boundPort: () => this.boundPort,
    });
    watchMetrics(ctx);
    planes.migrator.start();
    const background = startBackground(ctx);
    const inbound = new Inbound({ guard: store.guard, log, deliver: (g, m) => host.deliver(g, m), heardFrom: (peer, incarnation) => host.heardFrom(peer, incarnation), receiveSnapshot: (g, m, chunks) => host.receiveSnapshot(g, m, chunks) });
    const g = await startGrpc(ctx, inbound);
    this.boundPort = g.port;
    watcher.start();
    const http = cfg.http ? await startHttp(ctx, cfg.http) : undefined;
    this.httpPort = http?.port ?? 0;
    const etcd = await startEtcd(ctx);
    this.etcdPort = etcd?.port ?? 0;
    this.running = { ctx, db: store.db, inbound, background, grpc: g.server, http: http?.server, etcd };
    if (store.identity.replacing) this.replace(ctx, store, admitted);
    log.info({ nodeId: cfg.nodeId, listen: cfg.listen, port: this.boundPort, http: cfg.http, groups: [...host.replicas.keys()] }, 'ferrykv node started');
  }

  /** Re-enters the groups of the node this store replaces, a few groups at a time (src/server/replace-node.ts). */
  private replace(ctx: NodeContext, store: Store, admitted: Set<number>): void {
    const replacement = new NodeReplacement({
      cfg: this.cfg,
      db: store.db,
      log: this.log,
      identity: store.identity,
      address: selfAddress(ctx),
      hasReplica: (g) => ctx.host.replica(g) !== undefined,
      openGate: (g) => admitted.add(g),
      stopped: () => this.stopping,
    });
    replacement.run().catch((e: unknown) => this.log.error({ err: (e as Error).message }, 'replace-node failed; restart the node to resume it'));
  }

  /** Graceful stop: refuse new requests, finish the current turn, close storage. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info('shutting down');
    const run = this.running;
    if (!run) return;
    const { ctx } = run;
    await run.etcd?.stop();
    await run.background.stop();
    await ctx.migrator.stop();
    ctx.groupClient.close();
    ctx.watcher.close();
    for (const close of [...ctx.closers]) close();
    await ctx.host.stop();
    ctx.transport.close();
    // End the peers' long-lived raft streams so the gRPC server can drain
    // in-flight calls and close instead of waiting for its force timer.
    run.inbound.closeAll();
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        run.grpc.forceShutdown();
        resolve();
      }, 3000);
      run.grpc.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    await new Promise<void>((resolve) => (run.http ? run.http.close(() => resolve()) : resolve()));
    await run.db.close();
    this.log.info('stopped');
  }
}
