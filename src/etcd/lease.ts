// etcd's leases (docs/etcd-compat.md). A lease is a record in the etcd
// endpoint's own key space — its granted TTL and when it expires — and every
// key attached to it has an index entry beside it, kept in the same
// transaction as the put or delete that attaches or detaches the key. So a
// revoke (or an expiry) deletes the lease's keys and its record atomically,
// at one revision, and a put naming a lease conflicts with its revoke.
//
// Expiry times are wall-clock milliseconds written by the node that granted
// or refreshed the lease (nodes' clocks agree within --max-clock-offset-ms).
// One node expires leases: the leader of the group that holds the records. A
// node that takes that job gives every lease a full TTL first, as etcd's new
// leader does, so a lease never expires because its keeper changed.

import { concat } from '../runtime/bytes.js';
import { ErrLeaseExist, ErrLeaseNotFound, ErrLeaseTTLTooLarge } from './errors.js';
import { DATA_PREFIX, META_PREFIX, etcdKey } from './keys.js';
import type { TxnView } from './view.js';

const enc = new TextEncoder();
export const LEASE_PREFIX = concat([META_PREFIX, enc.encode('lease/')]);
export const LEASE_END = concat([META_PREFIX, enc.encode('lease0')]); // '0' follows '/'
const INDEX_PREFIX = concat([META_PREFIX, enc.encode('lease-keys/')]);

/** etcd's bounds: a TTL is raised to at least MIN_TTL s, and refused above MAX_TTL s. */
export const MIN_TTL = 2n;
export const MAX_TTL = 9_000_000_000n;

const u64 = (n: bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, n));
  return b;
};

export function leaseKey(id: bigint): Uint8Array {
  return concat([LEASE_PREFIX, u64(id)]);
}

export function leaseIdOf(recordKey: Uint8Array): bigint {
  return BigInt.asIntN(64, new DataView(recordKey.buffer, recordKey.byteOffset + LEASE_PREFIX.byteLength, 8).getBigUint64(0));
}

/** The index entry of a key attached to lease `id`. */
export function indexKey(id: bigint, storeKey: Uint8Array): Uint8Array {
  return concat([INDEX_PREFIX, u64(id), storeKey]);
}

function indexRange(id: bigint): { start: Uint8Array; end: Uint8Array } {
  return { start: concat([INDEX_PREFIX, u64(id)]), end: concat([INDEX_PREFIX, u64(id + 1n)]) };
}

export interface LeaseRecord {
  readonly ttl: bigint;
  readonly expiresAtMs: number;
}

export function encodeLease(r: LeaseRecord): Uint8Array {
  return concat([Uint8Array.of(1), u64(r.ttl), u64(BigInt(r.expiresAtMs))]);
}

export function decodeLease(b: Uint8Array): LeaseRecord | undefined {
  if (b.byteLength !== 17 || b[0] !== 1) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { ttl: v.getBigUint64(1), expiresAtMs: Number(v.getBigUint64(9)) };
}

export async function readLease(view: TxnView, id: bigint): Promise<LeaseRecord | undefined> {
  const row = await view.getRaw(leaseKey(id));
  return row ? decodeLease(row.value) : undefined;
}

/** Whether lease `id` exists (read inside the request, so a revoke and a put naming it conflict). */
export async function leaseExists(view: TxnView, id: bigint): Promise<boolean> {
  return (await readLease(view, id)) !== undefined;
}

export async function grant(view: TxnView, id: bigint, ttl: bigint, nowMs: number): Promise<bigint> {
  if (ttl > MAX_TTL) throw ErrLeaseTTLTooLarge();
  if (await readLease(view, id)) throw ErrLeaseExist();
  const t = ttl < MIN_TTL ? MIN_TTL : ttl;
  view.putRaw(leaseKey(id), encodeLease({ ttl: t, expiresAtMs: nowMs + Number(t) * 1000 }));
  return t;
}

/** Refreshes a lease: its TTL, or 0 when it does not exist (etcd's keep-alive answer then). */
export async function keepAlive(view: TxnView, id: bigint, nowMs: number): Promise<bigint> {
  const r = await readLease(view, id);
  if (!r) return 0n;
  view.putRaw(leaseKey(id), encodeLease({ ttl: r.ttl, expiresAtMs: nowMs + Number(r.ttl) * 1000 }));
  return r.ttl;
}

/** The etcd keys attached to lease `id`. */
export async function attachedKeys(view: TxnView, id: bigint): Promise<Uint8Array[]> {
  const { start, end } = indexRange(id);
  const prefix = start.byteLength;
  return (await view.scanRaw(start, end)).map((row) => row.key.subarray(prefix)).filter((sk) => sk.byteLength >= DATA_PREFIX.byteLength);
}

/**
 * Deletes lease `id`, every key attached to it and their index entries. With
 * `ifExpiredAt`, only if the lease is still expired then (a keep-alive may
 * have refreshed it since the sweep looked): false when it was not.
 */
export async function revoke(view: TxnView, id: bigint, ifExpiredAt?: number): Promise<{ revoked: boolean; keys: number }> {
  const r = await readLease(view, id);
  if (!r) {
    if (ifExpiredAt !== undefined) return { revoked: false, keys: 0 };
    throw ErrLeaseNotFound();
  }
  if (ifExpiredAt !== undefined && r.expiresAtMs > ifExpiredAt) return { revoked: false, keys: 0 };
  const keys = await attachedKeys(view, id);
  for (const sk of keys) {
    const kv = await view.get(sk);
    if (kv && kv.lease === id) view.delete(sk);
    view.deleteRaw(indexKey(id, sk));
  }
  view.deleteRaw(leaseKey(id));
  return { revoked: true, keys: keys.length };
}

export interface LeaseListing {
  readonly id: bigint;
  readonly record: LeaseRecord;
}

export async function listLeases(view: TxnView): Promise<LeaseListing[]> {
  const out: LeaseListing[] = [];
  for (const row of await view.scanRaw(LEASE_PREFIX, LEASE_END)) {
    const record = decodeLease(row.value);
    if (record) out.push({ id: leaseIdOf(row.key), record });
  }
  return out;
}

/** The etcd keys of lease `id`, for TimeToLive. */
export async function leaseKeys(view: TxnView, id: bigint): Promise<Uint8Array[]> {
  return (await attachedKeys(view, id)).map((sk) => etcdKey(sk));
}
