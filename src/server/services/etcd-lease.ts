// etcd's Lease service on the etcd endpoint (docs/etcd-compat.md): grant,
// revoke, keep-alive streams, time-to-live and listing over src/etcd's lease
// records, and the keeper loop that expires leases while this node leads the
// group holding them.

import * as grpc from '@grpc/grpc-js';
import { toEtcdError } from '../../etcd/errors.js';
import { LEASE_PREFIX } from '../../etcd/lease.js';
import type { EtcdLeases } from '../../etcd/leases.js';
import { header } from '../../etcd/wire.js';
import type { LeaseHandlers } from '../../proto-gen/etcdserverpb/Lease.js';
import type { LeaseKeepAliveRequest__Output } from '../../proto-gen/etcdserverpb/LeaseKeepAliveRequest.js';
import type { LeaseKeepAliveResponse } from '../../proto-gen/etcdserverpb/LeaseKeepAliveResponse.js';
import type { NodeContext } from '../context.js';
import { etcdUnary, headerBase } from './etcd.js';

/** How often the keeper looks for expired leases. */
export const LEASE_KEEPER_INTERVAL_MS = 500;

export function etcdLeaseService(ctx: NodeContext, leases: EtcdLeases): LeaseHandlers {
  const h = (rev: bigint): ReturnType<typeof header> => header(headerBase(ctx), rev);
  return {
    LeaseGrant: etcdUnary(ctx, 'LeaseGrant', async (r) => {
      const { out, revision } = await leases.grant(BigInt(r.TTL), BigInt(r.ID));
      return { header: h(revision), ID: out.id.toString(), TTL: out.ttl.toString(), error: '' };
    }),
    LeaseRevoke: etcdUnary(ctx, 'LeaseRevoke', async (r) => {
      const { revision } = await leases.revoke(BigInt(r.ID));
      return { header: h(revision) };
    }),
    LeaseTimeToLive: etcdUnary(ctx, 'LeaseTimeToLive', async (r) => {
      const { out, revision } = await leases.timeToLive(BigInt(r.ID), r.keys);
      return { header: h(revision), ID: out.id.toString(), TTL: out.ttl.toString(), grantedTTL: out.grantedTtl.toString(), keys: out.keys };
    }),
    LeaseLeases: etcdUnary(ctx, 'LeaseLeases', async () => {
      const { out, revision } = await leases.leases();
      return { header: h(revision), leases: out.map((id) => ({ ID: id.toString() })) };
    }),
    LeaseKeepAlive: (call) => {
      if (ctx.stopping()) {
        call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'etcdserver: node is shutting down' });
        return;
      }
      // One keep-alive at a time per stream, answered in order.
      let chain = Promise.resolve();
      const close = (): void => {
        ctx.closers.delete(end);
      };
      const end = (): void => {
        close();
        call.end();
      };
      ctx.closers.add(end);
      call.on('data', (req: LeaseKeepAliveRequest__Output) => {
        chain = chain.then(async () => {
          try {
            const { out, revision } = await leases.keepAlive(BigInt(req.ID));
            const res: LeaseKeepAliveResponse = { header: h(revision), ID: req.ID, TTL: out.toString() };
            if (!call.destroyed && !call.writableEnded) call.write(res);
          } catch (e) {
            const err = toEtcdError(e);
            close();
            call.emit('error', { code: err.code, details: err.message });
          }
        });
      });
      call.on('end', end);
      call.on('cancelled', close);
      call.on('error', close);
    },
  };
}

/** Expires leases while this node leads the group holding the lease records; returns its stop. */
export function startLeaseKeeper(ctx: NodeContext, leases: EtcdLeases): () => void {
  let since: number | undefined;
  let running = false;
  const timer = setInterval(() => {
    if (running || ctx.stopping()) return;
    const r = ctx.host.replica(ctx.routes.lookup(LEASE_PREFIX).groupId);
    if (!r?.isLeader()) {
      since = undefined;
      return;
    }
    // A new keeper gives every lease a full TTL from now (etcd's new leader does the same).
    since ??= Date.now();
    running = true;
    leases
      .expire(since)
      .catch((e: unknown) => ctx.log.debug({ err: (e as Error).message }, 'lease keeper pass failed; the next one retries'))
      .finally(() => {
        running = false;
      });
  }, LEASE_KEEPER_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
