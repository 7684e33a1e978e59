// etcd's Lease service over the lease records (src/etcd/lease.ts): each
// operation one etcd request (a ferrykv transaction), and the keeper that
// expires leases on the node leading the group of the lease records.

import { randomBytes } from 'node:crypto';
import { ErrLeaseExist, EtcdError } from './errors.js';
import type { AtRevision, EtcdKv } from './etcd-kv.js';
import { grant, keepAlive, leaseKeys, listLeases, readLease, revoke, MAX_TTL } from './lease.js';

export interface LeaseTtl {
  readonly id: bigint;
  /** Seconds left; -1: no such lease (etcd's answer for an expired or revoked one). */
  readonly ttl: bigint;
  readonly grantedTtl: bigint;
  readonly keys: Uint8Array[];
}

/** A lease id etcd could have chosen: positive, 63 bits. */
function randomId(): bigint {
  const id = randomBytes(8).readBigUInt64BE(0) & ((1n << 63n) - 1n);
  return id === 0n ? 1n : id;
}

export class EtcdLeases {
  /** Leases this node expired (a metric and a test's witness). */
  expired = 0;

  constructor(
    private readonly kv: EtcdKv,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async grant(ttl: bigint, id: bigint): Promise<AtRevision<{ id: bigint; ttl: bigint }>> {
    if (id < 0n) throw new EtcdError(ErrLeaseExist().code, 'etcdserver: lease id must not be negative');
    if (ttl > MAX_TTL) return this.kv.transact((v) => grant(v, id, ttl, this.nowMs()).then((t) => ({ id, ttl: t })));
    // An id the server picks: retry on the (2^-63) chance it exists.
    for (let attempt = 0; ; attempt++) {
      const chosen = id === 0n ? randomId() : id;
      try {
        return await this.kv.transact(async (v) => ({ id: chosen, ttl: await grant(v, chosen, ttl, this.nowMs()) }));
      } catch (e) {
        if (id !== 0n || attempt >= 3 || !(e instanceof EtcdError) || e.message !== ErrLeaseExist().message) throw e;
      }
    }
  }

  revoke(id: bigint): Promise<AtRevision<object>> {
    return this.kv.transact(async (v) => {
      await revoke(v, id);
      return {};
    });
  }

  /** A keep-alive: the lease's TTL, 0 when it no longer exists. */
  keepAlive(id: bigint): Promise<AtRevision<bigint>> {
    return this.kv.transact((v) => keepAlive(v, id, this.nowMs()));
  }

  timeToLive(id: bigint, withKeys: boolean): Promise<AtRevision<LeaseTtl>> {
    return this.kv.transact(async (v) => {
      const r = await readLease(v, id);
      if (!r) return { id, ttl: -1n, grantedTtl: 0n, keys: [] };
      const left = Math.max(0, Math.floor((r.expiresAtMs - this.nowMs()) / 1000));
      return { id, ttl: BigInt(left), grantedTtl: r.ttl, keys: withKeys ? await leaseKeys(v, id) : [] };
    });
  }

  leases(): Promise<AtRevision<bigint[]>> {
    return this.kv.transact(async (v) => (await listLeases(v)).map((l) => l.id));
  }

  /**
   * One pass of the keeper: revokes every lease past its expiry, and past a
   * full TTL since this node became the keeper (`keeperSinceMs`). Returns how
   * many it revoked.
   */
  async expire(keeperSinceMs: number): Promise<number> {
    const { out: all } = await this.kv.transact((v) => listLeases(v));
    const now = this.nowMs();
    let n = 0;
    for (const l of all) {
      if (l.record.expiresAtMs > now || keeperSinceMs + Number(l.record.ttl) * 1000 > now) continue;
      const { out } = await this.kv.transact((v) => revoke(v, l.id, now));
      if (out.revoked) n++;
    }
    this.expired += n;
    return n;
  }
}
