// The background collectors (version GC, request-id expiry, the expired-lock
// resolver) leave a group alone when a pass would find nothing: no write since
// their last whole pass, and nothing kept that has come due. Each pass used to
// propose at least one command on every led group, which woke every quiesced
// group once a period (issue 19: 20,000 idle groups per node).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeCommand, type KvCommand, type KvResult } from '../../src/apply/commands.js';
import type { GroupMachine } from '../../src/apply/group-machine.js';
import { Hlc, makeTimestamp, physicalOf } from '../../src/hlc/hlc.js';
import { KvService } from '../../src/kv/kv-service.js';
import { RouteCache } from '../../src/routing/route-cache.js';
import { openGroupMachine } from '../../src/server/groups.js';
import type { NodeDb } from '../../src/storage/db.js';
import { FAMILY_LOCK, FAMILY_MVCC, stateKey } from '../../src/storage/keys.js';
import { TxnCoordinator } from '../../src/txn/coordinator.js';
import { OneGroup } from '../apply/one-group.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const E: Uint8Array = new Uint8Array(0);
const hlc = new Hlc();
let g: OneGroup;
let db: NodeDb;
let machine: GroupMachine;
let proposed: string[];

beforeEach(async () => {
  g = await OneGroup.open('collectors', () => hlc.now());
  db = g.db;
  machine = g.machine;
  proposed = [];
});
afterEach(() => g.close());

/** Applies one command as the group's log would (one entry, next index). */
const apply = (c: Omit<KvCommand, 'proposedTs'> & { proposedTs?: bigint }): Promise<KvResult> => g.apply(c);
const put = (k: string, v: string | null, requestId: Uint8Array = E): Promise<KvResult> => apply({ kind: 'WRITE', requestId, writes: [{ key: enc(k), value: v === null ? null : enc(v) }] });

/** A leader replica of group 1 whose proposals apply at once (and are counted by kind). */
const replica = {
  group: 1,
  get sm(): GroupMachine {
    return machine;
  },
  isLeader: (): boolean => true,
  propose: async (data: Uint8Array): Promise<KvResult> => {
    const cmd = decodeCommand(data);
    proposed.push(cmd.kind);
    return apply(cmd);
  },
};
const host = { replica: () => replica, replicas: new Map([[1, replica]]) } as never;

function kvService(): KvService {
  return new KvService({ host, routes: new RouteCache(), refreshRoutes: () => Promise.resolve(), hlc, transport: {} as never, requestTimeoutMs: 5000 });
}

const versions = async (k: string): Promise<number> =>
  (await machine.data.store(FAMILY_MVCC).export({ start: enc(k), end: enc(`${k}\0`), maxBytes: 1 << 20, maxScannedBytes: 1 << 20 })).rows.length;
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 3));

describe('version GC', () => {
  it('proposes nothing on a group with no write since its last whole pass, and collects again after one', async () => {
    const kv = kvService();
    await put('a', '1');
    await put('a', '2');
    await tick();
    expect(await kv.collectGarbage(1, 1)).toBe(1);
    expect(proposed).toEqual(['MVCC_GC']);
    expect(await versions('a')).toBe(1);
    // The safe point reached the group's clock: what is left is every key's newest version.
    await tick();
    expect(await kv.collectGarbage(1, 1)).toBe(0);
    expect(await kv.collectGarbage(1, 1)).toBe(0);
    expect(proposed).toEqual(['MVCC_GC']);
    await put('a', '3');
    await tick();
    expect(await kv.collectGarbage(1, 1)).toBe(1);
    expect(proposed).toEqual(['MVCC_GC', 'MVCC_GC']);
    expect(await versions('a')).toBe(1);
  });

  it('keeps passing while versions newer than the safe point may come due, and after a snapshot replaced the data', async () => {
    const kv = kvService();
    await put('b', '1');
    await put('b', '2'); // shadowed now, collectible once it is older than the retention
    await put('c', '1');
    await tick();
    // With the retention at 0, the safe point is past 'b' but only at the version of 'c' at most: a pass, and another while 'c' is not collectible yet.
    expect(await kv.collectGarbage(1, 0)).toBe(1);
    expect(await versions('b')).toBe(1);
    await put('c', '2');
    expect(await kv.collectGarbage(1, 60_000)).toBe(0); // every version is newer than the safe point: skipped
    expect(proposed).toEqual(['MVCC_GC']);
    await tick();
    expect(await kv.collectGarbage(1, 1)).toBe(1);
    expect(await kv.collectGarbage(1, 1)).toBe(0);
    expect(proposed).toHaveLength(2);
    await machine.reload(); // what a snapshot install does after the data changed under the sweep
    expect(await kv.collectGarbage(1, 1)).toBe(0);
    expect(proposed).toHaveLength(3);
  });

  it('does not take its own steps, or request-id expiry, for writes', async () => {
    const kv = kvService();
    await put('c', '1', enc('rid-c'));
    await tick();
    await kv.collectGarbage(1, 1);
    await kv.collectDedup(1, 1);
    const n = proposed.length;
    expect(proposed).toEqual(['MVCC_GC', 'DEDUP_GC']);
    await tick();
    await kv.collectGarbage(1, 1);
    await kv.collectDedup(1, 1);
    expect(proposed).toHaveLength(n);
  });
});

describe('version GC below the lowest version', () => {
  it('proposes nothing while every version the group wrote is newer than the safe point (the first pass after a start scanned it all)', async () => {
    const kv = kvService();
    expect(machine.lowestVersionTs).toBe((1n << 64n) - 1n); // bootstrapped: no version yet
    await put('a', '1');
    const first = machine.lowestVersionTs;
    await put('a', '2');
    await put('b', '1');
    expect(machine.lowestVersionTs).toBe(first); // only ever lowered
    // Retention 60 s: the safe point is a minute back, below every version: no proposal at all.
    expect(await kv.collectGarbage(1, 60_000)).toBe(0);
    expect(await kv.collectGarbage(1, 60_000)).toBe(0);
    expect(proposed).toEqual([]);
    // A migration's import brings an older version: passes look again.
    const old = makeTimestamp(physicalOf(hlc.now()) - 120_000n, 0);
    const b = db.batch();
    machine.data.store(FAMILY_MVCC).putVersions(b, [{ key: enc('imported'), ts: old, value: enc('x') }]);
    expect(machine.lowestVersionTs).toBe(old);
    await b.write({ sync: false });
    await put('c', '1'); // the pass's state write persists the lowest
    expect(await kv.collectGarbage(1, 60_000)).toBe(0);
    expect(proposed).toEqual(['MVCC_GC']);
    // Kept across a restart.
    const reopened = await openGroupMachine(db, 1);
    expect(reopened.lowestVersionTs).toBe(old);
  });

  it('treats a group whose state predates the record (no key) as unknown, and passes as before', async () => {
    await db.level.del(stateKey(1, 'lowts'));
    machine = await openGroupMachine(db, 1);
    expect(machine.lowestVersionTs).toBe(0n);
    await put('a', '1');
    expect(machine.lowestVersionTs).toBe(0n); // unknown stays unknown
    await put('a', '2');
    await tick();
    expect(await kvService().collectGarbage(1, 1)).toBe(1);
    expect(proposed).toEqual(['MVCC_GC']);
  });
});

describe('request-id expiry', () => {
  it('waits for the oldest kept request id to come due, and sleeps once the table is empty', async () => {
    const kv = kvService();
    await put('k', 'v', enc('rid-1'));
    // Retention 60 s: the id stays, and the pass learns when it comes due.
    expect(await kv.collectDedup(1, 60_000)).toBe(0);
    expect(proposed).toEqual(['DEDUP_GC']);
    expect(await kv.collectDedup(1, 60_000)).toBe(0);
    expect(proposed).toEqual(['DEDUP_GC']); // not due yet: no proposal
    await tick();
    expect(await kv.collectDedup(1, 1)).toBe(1); // due now
    expect(await kv.collectDedup(1, 1)).toBe(0);
    expect(proposed).toEqual(['DEDUP_GC', 'DEDUP_GC']);
  });
});

describe('a group that holds nothing', () => {
  it('is not proposed to even by a node that just started (no cycle known), until its first write', async () => {
    const kv = kvService();
    await tick();
    expect(await kv.collectGarbage(1, 1)).toBe(0);
    expect(await kv.collectDedup(1, 1)).toBe(0);
    expect(await kv.collectGarbage(1, 1)).toBe(0);
    expect(proposed).toEqual([]);
    // A write (with a request id) gives both families something: both pass again.
    await put('a', '1', enc('rid-a'));
    await put('a', '2');
    await tick();
    expect(await kv.collectGarbage(1, 1)).toBe(1);
    expect(await kv.collectDedup(1, 1)).toBe(1);
    expect(proposed).toEqual(['MVCC_GC', 'DEDUP_GC']);
  });
});

describe('expired-lock resolver', () => {
  it('scans a group again only after a write, and every pass while it holds a lock', async () => {
    const txn = new TxnCoordinator({
      nodeId: 1,
      host,
      routes: new RouteCache(),
      refreshRoutes: () => Promise.resolve(),
      hlc,
      groups: {} as never,
      requestTimeoutMs: 5000,
      lockTtlMs: 60_000,
      maxClockOffsetMs: 250,
    });
    const scans = vi.spyOn(machine.data.store(FAMILY_LOCK), 'export');
    expect(await txn.resolveExpired(1)).toBe(0);
    expect(await txn.resolveExpired(1)).toBe(0);
    expect(scans).toHaveBeenCalledTimes(1);
    await put('x', '1');
    expect(await txn.resolveExpired(1)).toBe(0);
    expect(scans).toHaveBeenCalledTimes(2);
    // A live lock (its TTL has not run out): looked at on every pass.
    const startTs = makeTimestamp(physicalOf(hlc.now()), 0);
    const res = await apply({
      kind: 'TXN',
      requestId: E,
      txn: { kind: 'PREWRITE', startTs, primary: enc('p'), mutations: [{ key: enc('p'), value: enc('1') }], ttlMs: 60_000, nowMs: Date.now() },
    });
    expect(res.errorCode).toBeUndefined();
    expect(await txn.resolveExpired(1)).toBe(0);
    expect(await txn.resolveExpired(1)).toBe(0);
    expect(scans).toHaveBeenCalledTimes(4);
  });
});
