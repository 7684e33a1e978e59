// The etcd-compatible endpoint (--etcd-listen; docs/etcd-compat.md): its own
// gRPC server, so etcd's services and ferrykv's never share a port or a
// request-size limit. Requests over --etcd-max-request-bytes are answered
// with etcd's "request is too large" (gRPC itself refuses what exceeds the
// limit by more than etcd's framing allowance).

import * as grpc from '@grpc/grpc-js';
import { CHANNEL_OPTIONS, protos } from '../api/protos.js';
import { EtcdKv } from '../etcd/etcd-kv.js';
import { selfAddress, type NodeContext } from './context.js';
import { watchRange, type WatchPort } from '../client/watch.js';
import type { WatchClient } from '../proto-gen/ferrykv/v1/Watch.js';
import { refreshRoutes } from './services/routing.js';
import { header } from '../etcd/wire.js';
import { leaseExists } from '../etcd/lease.js';
import { EtcdLeases } from '../etcd/leases.js';
import { etcdLeaseService, startLeaseKeeper } from './services/etcd-lease.js';
import { refuseMalformed, tolerantDefinition } from './malformed.js';
import { TOO_LARGE, etcdClusterService, etcdKvService, etcdMaintenanceService, etcdWatchService, headerBase } from './services/etcd.js';

/** Each part of an etcd watch reports its resolved timestamp this often: an idle range's events wait up to this long for their order. */
const WATCH_RESOLVE_MS = 200;
/** With progress_notify, an idle etcd watch hears its revision this often (etcd's default is 10 minutes). */
const WATCH_PROGRESS_NOTIFY_MS = 5000;

/**
 * How the node's etcd watches reach ferrykv's Watch service: this node when it
 * holds a replica of the key's group (any replica serves a feed), else the
 * other nodes in turn.
 */
function watchPort(ctx: NodeContext, clients: Map<string, WatchClient>): WatchPort {
  const self = selfAddress(ctx);
  const others = ctx.cfg.cluster.nodes.map((n) => n.address).filter((a) => a !== self);
  let next = 0;
  return {
    watchClient: (endpoint) => {
      let c = clients.get(endpoint);
      if (!c) clients.set(endpoint, (c = new (protos().pub.ferrykv.v1.Watch)(endpoint, grpc.credentials.createInsecure(), CHANNEL_OPTIONS)));
      return c;
    },
    endpointFor: (key) => (ctx.host.replica(ctx.routes.lookup(key).groupId) ? self : undefined),
    nextEndpoint: () => (others.length === 0 ? self : others[next++ % others.length]!),
    refreshRoutes: () => refreshRoutes(ctx),
  };
}

/** What etcd lets a request exceed --max-request-bytes by at the gRPC layer (its framing allowance). */
const GRPC_OVERHEAD_BYTES = 512 * 1024;

export interface EtcdEndpoint {
  readonly port: number;
  stop(): Promise<void>;
}

/** Deserializers that mark (instead of decoding) a request over the byte limit. */
function limitedDefinition(def: grpc.ServiceDefinition, maxBytes: number): grpc.ServiceDefinition {
  const tolerant = tolerantDefinition(def);
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, m] of Object.entries(tolerant)) {
    out[name] = { ...m, requestDeserialize: (b: Buffer): unknown => (b.byteLength > maxBytes ? { [TOO_LARGE]: b.byteLength } : m.requestDeserialize(b)) };
  }
  return out as grpc.ServiceDefinition;
}

export async function startEtcd(ctx: NodeContext): Promise<EtcdEndpoint | undefined> {
  const listen = ctx.cfg.etcdListen;
  if (!listen) return undefined;
  const max = ctx.cfg.etcdMaxRequestBytes;
  const server = new grpc.Server({ ...CHANNEL_OPTIONS, 'grpc.max_receive_message_length': max + GRPC_OVERHEAD_BYTES });
  const kv = new EtcdKv({
    kv: ctx.kv,
    txn: ctx.txn,
    hlc: ctx.hlc,
    requestTimeoutMs: ctx.cfg.requestTimeoutMs,
    maxClockOffsetMs: ctx.cfg.maxClockOffsetMs,
    maxTxnOps: ctx.cfg.etcdMaxTxnOps,
    leaseExists,
  });
  const leases = new EtcdLeases(kv);
  const stopKeeper = startLeaseKeeper(ctx, leases);
  const etcd = protos().etcd.etcdserverpb;
  const add = (def: grpc.ServiceDefinition, impl: object): void => server.addService(limitedDefinition(def, max), refuseMalformed(def, impl as grpc.UntypedServiceImplementation));
  add(etcd.KV.service, etcdKvService(ctx, kv));
  const clients = new Map<string, WatchClient>();
  const feeds = watchPort(ctx, clients);
  add(
    etcd.Watch.service,
    etcdWatchService(ctx, {
      watch: (o) => watchRange(feeds, o, (b) => Buffer.from(b)),
      readBefore: (key, ts) => kv.readBefore(key, ts),
      compacted: () => kv.compactedRevision(),
      now: () => ctx.hlc.now(),
      header: (rev) => header(headerBase(ctx), rev),
      maxResponseBytes: max,
      progressNotifyMs: WATCH_PROGRESS_NOTIFY_MS,
      resolveMs: WATCH_RESOLVE_MS,
    }),
  );
  add(etcd.Lease.service, etcdLeaseService(ctx, leases));
  add(etcd.Cluster.service, etcdClusterService(ctx));
  add(etcd.Maintenance.service, etcdMaintenanceService(ctx));
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(listen, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))));
  ctx.log.info({ listen, port }, 'etcd endpoint listening');
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        stopKeeper();
        for (const c of clients.values()) c.close();
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
