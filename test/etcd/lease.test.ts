import { describe, expect, it } from 'vitest';
import { execDelete, execPut } from '../../src/etcd/exec.js';
import { attachedKeys, grant, keepAlive, leaseExists, leaseKeys, listLeases, readLease, revoke } from '../../src/etcd/lease.js';
import { Harness } from './memory-store.js';

const b = (s: string): Buffer => Buffer.from(s);
const str = (u: Uint8Array): string => Buffer.from(u).toString();
const putReq = (key: string, value: string, lease = '0', ignoreLease = false) => ({ key: b(key), value: b(value), lease, prevKv: false, ignoreValue: false, ignoreLease });

describe('etcd leases', () => {
  it('grants with etcd bounds: at least 2 s, an existing id and a huge TTL refused', async () => {
    const h = new Harness();
    expect((await h.step((v) => grant(v, 7n, 1n, 1000))).out).toBe(2n);
    await expect(h.step((v) => grant(v, 7n, 10n, 1000))).rejects.toThrow('etcdserver: lease already exists');
    await expect(h.step((v) => grant(v, 8n, 9_000_000_001n, 1000))).rejects.toThrow('etcdserver: too large lease TTL');
    const rec = (await h.step((v) => readLease(v, 7n))).out!;
    expect(rec).toEqual({ ttl: 2n, expiresAtMs: 3000 });
    expect((await h.step((v) => keepAlive(v, 7n, 5000))).out).toBe(2n);
    expect((await h.step((v) => readLease(v, 7n))).out!.expiresAtMs).toBe(7000);
    expect((await h.step((v) => keepAlive(v, 99n, 5000))).out).toBe(0n);
    expect((await h.step((v) => listLeases(v))).out.map((l) => l.id)).toEqual([7n]);
  });

  it('attaches keys through puts, moves them between leases, and detaches them on delete', async () => {
    const h = new Harness();
    await h.step((v) => grant(v, 1n, 60n, 0));
    await h.step((v) => grant(v, 2n, 60n, 0));
    const put = (k: string, lease: string, ignoreLease = false) => h.step((v) => execPut(v, putReq(k, 'x', lease, ignoreLease), leaseExists));
    await put('a', '1');
    await put('b', '1');
    await put('c', '2');
    await put('b', '2'); // b moves to lease 2
    await put('c', '0', true); // ignore_lease keeps c on lease 2
    const keys = async (id: bigint): Promise<string[]> => (await h.step((v) => leaseKeys(v, id))).out.map(str).sort();
    expect(await keys(1n)).toEqual(['a']);
    expect(await keys(2n)).toEqual(['b', 'c']);
    expect((await h.read('c')).kvs[0]!.lease).toBe(2n);
    await put('c', '0'); // a put without a lease detaches it
    expect(await keys(2n)).toEqual(['b']);
    await h.step((v) => execDelete(v, { key: b('b'), rangeEnd: Buffer.alloc(0), prevKv: false }));
    expect(await keys(2n)).toEqual([]);
    await expect(put('z', '3')).rejects.toThrow('etcdserver: requested lease not found');
  });

  it('a revoke deletes the lease and its keys at one revision; an expiry revoke respects a refresh', async () => {
    const h = new Harness();
    await h.step((v) => grant(v, 5n, 10n, 0)); // expires at 10,000 ms
    for (const k of ['k1', 'k2', 'k3']) await h.step((v) => execPut(v, putReq(k, 'v', '5'), leaseExists));
    await h.step((v) => execPut(v, putReq('free', 'v'), leaseExists));
    // Not expired at 9,999 ms: an expiry pass leaves it.
    expect((await h.step((v) => revoke(v, 5n, 9_999))).out.revoked).toBe(false);
    const r = await h.step((v) => revoke(v, 5n, 10_000));
    expect(r.out).toEqual({ revoked: true, keys: 3 });
    expect((await h.read('', '\0')).kvs.map((kv) => str(kv.key))).toEqual(['free']);
    expect((await h.step((v) => readLease(v, 5n))).out).toBeUndefined();
    expect((await h.step((v) => attachedKeys(v, 5n))).out).toEqual([]);
    await expect(h.step((v) => revoke(v, 5n))).rejects.toThrow('etcdserver: requested lease not found');
    // A key put under the lease and then moved off it is not deleted by the lease's revoke.
    await h.step((v) => grant(v, 6n, 10n, 0));
    await h.step((v) => execPut(v, putReq('m', 'v', '6'), leaseExists));
    await h.step((v) => execPut(v, putReq('m', 'w'), leaseExists));
    await h.step((v) => revoke(v, 6n));
    expect(str((await h.read('m')).kvs[0]!.value)).toBe('w');
  });
});
