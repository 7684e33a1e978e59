// etcd's v3 services on the etcd endpoint (docs/etcd-compat.md): KV over the
// etcd plane (src/etcd), Cluster.MemberList from the cluster's nodes, and
// Maintenance.Status and Alarm from this node's view of the default group.
// Every call is refused while the node stops, bounded by admission, timed by
// method, and fails with etcd's own status code and message.

import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { KvError } from '../../api/errors.js';
import { ErrRequestTooLarge, EtcdError, toEtcdError } from '../../etcd/errors.js';
import type { EtcdKv } from '../../etcd/etcd-kv.js';
import { deleteOut, header, putOut, rangeOut, txnOut, type HeaderBase } from '../../etcd/wire.js';
import type { ClusterHandlers } from '../../proto-gen/etcdserverpb/Cluster.js';
import type { KVHandlers } from '../../proto-gen/etcdserverpb/KV.js';
import type { WatchHandlers } from '../../proto-gen/etcdserverpb/Watch.js';
import type { WatchRequest__Output } from '../../proto-gen/etcdserverpb/WatchRequest.js';
import type { WatchResponse } from '../../proto-gen/etcdserverpb/WatchResponse.js';
import { EtcdWatchStream, type EtcdWatchDeps } from '../../etcd/watch.js';
import type { MaintenanceHandlers } from '../../proto-gen/etcdserverpb/Maintenance.js';
import { DEFAULT_GROUP, type NodeContext } from '../context.js';
import { VERSION } from './admin.js';

/** The etcd API level this endpoint answers as (Maintenance.Status version). */
export const ETCD_API_VERSION = '3.4.0';

/** Marks a request over --etcd-max-request-bytes (set by the endpoint's deserializer). */
export const TOO_LARGE = Symbol('etcd request too large');

/** The header fields every response carries, from this node's identity and the default group. */
export function headerBase(ctx: NodeContext): HeaderBase {
  const r = ctx.host.replica(DEFAULT_GROUP);
  return { clusterId: clusterIdOf(ctx.identity.clusterId), memberId: String(ctx.cfg.nodeId), raftTerm: String(r?.raft.term ?? 0) };
}

/** etcd's uint64 cluster id: the first 8 bytes of a hash of ferrykv's cluster id. */
export function clusterIdOf(clusterId: string): string {
  return createHash('sha256').update(clusterId).digest().readBigUInt64BE(0).toString();
}

/** The bytes an etcd request carries (every key, value and range end, nested Txn operations included), plus a fixed cost. */
export function etcdRequestBytes(req: unknown, depth = 0): number {
  if (req instanceof Uint8Array) return req.byteLength;
  if (req === null || typeof req !== 'object' || depth > 64) return 0;
  let n = depth === 0 ? 64 : 0;
  for (const v of Array.isArray(req) ? req : Object.values(req)) n += etcdRequestBytes(v, depth + 1);
  return n;
}

export function etcdUnary<Req extends object, Res>(ctx: NodeContext, method: string, fn: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  const name = `etcd.${method}`;
  return (call, callback) => {
    const end = ctx.metrics.requestDuration.startTimer({ method: name });
    const fail = (err: EtcdError): void => {
      ctx.metrics.requests.inc({ method: name, code: grpc.status[err.code] });
      end();
      callback({ code: err.code, details: err.message } as grpc.ServiceError);
    };
    if (ctx.stopping()) return fail(toEtcdError(new KvError('UNAVAILABLE', 'node is shutting down')));
    if ((call.request as Record<symbol, unknown>)[TOO_LARGE] !== undefined) return fail(ErrRequestTooLarge());
    const bytes = etcdRequestBytes(call.request);
    const refused = ctx.admission.admit(bytes);
    if (refused) return fail(toEtcdError(refused));
    Promise.resolve()
      .then(() => fn(call.request))
      .finally(() => ctx.admission.release(bytes))
      .then(
        (res) => {
          ctx.metrics.requests.inc({ method: name, code: 'OK' });
          end();
          callback(null, res);
        },
        (e: unknown) => {
          const err = toEtcdError(e);
          if (err.code === grpc.status.INTERNAL) ctx.log.error({ method: name, err: err.message }, 'etcd request failed');
          fail(err);
        },
      );
  };
}

export function etcdKvService(ctx: NodeContext, kv: EtcdKv): KVHandlers {
  const h = (rev: bigint): ReturnType<typeof header> => header(headerBase(ctx), rev);
  return {
    Range: etcdUnary(ctx, 'Range', async (r) => {
      const { out, revision } = await kv.range(r);
      return rangeOut(out, h(revision), revision);
    }),
    Put: etcdUnary(ctx, 'Put', async (r) => {
      const { out, revision } = await kv.put(r);
      return putOut(out, h(revision), revision);
    }),
    DeleteRange: etcdUnary(ctx, 'DeleteRange', async (r) => {
      const { out, revision } = await kv.deleteRange(r);
      return deleteOut(out, h(revision), revision);
    }),
    Txn: etcdUnary(ctx, 'Txn', async (r) => {
      const { out, revision } = await kv.txn(r);
      return txnOut(out, h(revision), revision);
    }),
    Compact: etcdUnary(ctx, 'Compact', async (r) => {
      const { revision } = await kv.compact(r);
      return { header: h(revision) };
    }),
  };
}

const url = (hostPort: string): string => `http://${hostPort}`;

export function etcdClusterService(ctx: NodeContext): ClusterHandlers {
  return {
    MemberList: etcdUnary(ctx, 'MemberList', () =>
      Promise.resolve({
        header: header(headerBase(ctx), ctx.hlc.now()),
        members: ctx.cfg.cluster.nodes.map((n) => ({
          ID: String(n.id),
          name: `node-${n.id}`,
          peerURLs: [url(n.address)],
          clientURLs: n.id === ctx.cfg.nodeId && ctx.cfg.etcdListen ? [url(ctx.cfg.etcdListen)] : n.etcd ? [url(n.etcd)] : [],
          isLearner: false,
        })),
      }),
    ),
  };
}

/** Bytes under the data dir (LevelDB's files): etcd's db size. */
function dirBytes(dir: string): number {
  let n = 0;
  try {
    for (const f of readdirSync(dir, { withFileTypes: true })) n += f.isDirectory() ? dirBytes(join(dir, f.name)) : statSync(join(dir, f.name)).size;
  } catch {
    /* a file removed while counting (compaction) */
  }
  return n;
}

export function etcdMaintenanceService(ctx: NodeContext): MaintenanceHandlers {
  return {
    Status: etcdUnary(ctx, 'Status', () => {
      const r = ctx.host.replica(DEFAULT_GROUP);
      const s = r?.raft.status();
      const size = String(dirBytes(ctx.cfg.dataDir));
      return Promise.resolve({
        header: header(headerBase(ctx), ctx.hlc.now()),
        version: ETCD_API_VERSION,
        dbSize: size,
        dbSizeInUse: size,
        leader: String(s?.leader ?? 0),
        raftIndex: String(s?.commit ?? 0),
        raftTerm: String(s?.term ?? 0),
        raftAppliedIndex: String(r?.sm.appliedIndex() ?? 0),
        errors: [],
        isLearner: s ? !s.confState.voters.some((v) => Number(v) === ctx.cfg.nodeId) : false,
      });
    }),
    Alarm: etcdUnary(ctx, 'Alarm', (r) => {
      if (r.action !== 'GET') return Promise.reject(new EtcdError(grpc.status.UNIMPLEMENTED, `etcdserver: alarms are not raised by hand on ferrykv ${VERSION}`));
      return Promise.resolve({ header: header(headerBase(ctx), ctx.hlc.now()), alarms: [] });
    }),
  };
}

/** etcd's Watch: one EtcdWatchStream per client stream, its responses written in order with back-pressure. */
export function etcdWatchService(ctx: NodeContext, deps: EtcdWatchDeps): WatchHandlers {
  return {
    Watch: (call) => {
      if (ctx.stopping()) {
        call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'etcdserver: node is shutting down' });
        return;
      }
      let chain = Promise.resolve();
      const write = (r: WatchResponse): Promise<void> =>
        (chain = chain.then(
          () =>
            new Promise<void>((resolve) => {
              if (call.destroyed || call.writableEnded) return resolve();
              if (call.write(r)) resolve();
              else call.once('drain', () => resolve());
            }),
        ));
      const stream = new EtcdWatchStream(deps, write);
      const close = (): void => {
        stream.close();
        ctx.closers.delete(closeAll);
      };
      const closeAll = (): void => {
        close();
        call.end();
      };
      ctx.closers.add(closeAll);
      ctx.metrics.requests.inc({ method: 'etcd.Watch', code: 'OK' });
      call.on('data', (req: WatchRequest__Output) => {
        stream.onRequest(req).catch((e: unknown) => ctx.log.warn({ err: (e as Error).message }, 'etcd watch request failed'));
      });
      call.on('end', closeAll);
      call.on('cancelled', close);
      call.on('error', close);
    },
  };
}
