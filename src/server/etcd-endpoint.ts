// The etcd-compatible endpoint (--etcd-listen; docs/etcd-compat.md): its own
// gRPC server, so etcd's services and ferrykv's never share a port or a
// request-size limit. Requests over --etcd-max-request-bytes are answered
// with etcd's "request is too large" (gRPC itself refuses what exceeds the
// limit by more than etcd's framing allowance).

import * as grpc from '@grpc/grpc-js';
import { CHANNEL_OPTIONS, protos } from '../api/protos.js';
import { EtcdKv } from '../etcd/etcd-kv.js';
import type { NodeContext } from './context.js';
import { refuseMalformed, tolerantDefinition } from './malformed.js';
import { TOO_LARGE, etcdClusterService, etcdKvService, etcdMaintenanceService } from './services/etcd.js';

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
    // Leases are not served yet: a put naming one fails with etcd's "requested lease not found".
    leaseExists: () => Promise.resolve(false),
  });
  const etcd = protos().etcd.etcdserverpb;
  const add = (def: grpc.ServiceDefinition, impl: object): void => server.addService(limitedDefinition(def, max), refuseMalformed(def, impl as grpc.UntypedServiceImplementation));
  add(etcd.KV.service, etcdKvService(ctx, kv));
  add(etcd.Cluster.service, etcdClusterService(ctx));
  add(etcd.Maintenance.service, etcdMaintenanceService(ctx));
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(listen, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))));
  ctx.log.info({ listen, port }, 'etcd endpoint listening');
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
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
