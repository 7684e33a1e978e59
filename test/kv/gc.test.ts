// MVCC garbage collection as a group applies it (MVCC_GC): the safe point only
// rises and never passes the closed timestamp; versions no read at or above it
// can see are collected in bounded batches that resume from a cursor; ranges a
// migration holds keep every version; transactions older than the safe point
// cannot commit.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KvCommand, KvResult } from '../../src/apply/commands.js';
import { GroupState } from '../../src/server/group-state.js';
import { OneGroup } from '../apply/one-group.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const E: Uint8Array = new Uint8Array(0);
let g: OneGroup;
let sm: GroupState;

beforeEach(async () => {
  g = await OneGroup.open('gc');
  sm = new GroupState(g.machine);
});
afterEach(() => g.close());

const apply = (c: Omit<KvCommand, 'proposedTs'> & { proposedTs?: bigint }): Promise<KvResult> => g.apply(c);
const put = (k: string, ts: bigint, v: string | null = 'v'): Promise<KvResult> => apply({ kind: 'WRITE', requestId: E, proposedTs: ts, writes: [{ key: enc(k), value: v === null ? null : enc(v) }] });
const gc = (ts: bigint, start = E, maxKeys = 1000): Promise<KvResult> => apply({ kind: 'MVCC_GC', requestId: E, ts, start, maxKeys });
const tss = async (k: string): Promise<bigint[]> => (await sm.mvcc.export({ start: enc(k), end: enc(`${k}\0`), maxBytes: 1 << 20, maxScannedBytes: 1 << 20 })).rows.map((r) => r.ts);

describe('MVCC_GC', () => {
  it('collects versions shadowed at the safe point, keeps what reads at or above it see, and never lowers the safe point', async () => {
    // (Commit timestamps rise in log order: each put below is at its proposed timestamp.)
    await put('d', 100n);
    await put('d', 150n, null); // deleted before the safe point: the key goes entirely
    await put('a', 200n);
    await put('a', 300n);
    await put('a', 400n);
    const res = await gc(350n);
    expect(sm.safePoint).toBe(350n);
    expect(res.deleted).toBe(3);
    expect(await tss('a')).toEqual([400n, 300n]);
    expect(await tss('d')).toEqual([]);
    await gc(120n);
    expect(sm.safePoint).toBe(350n);
    // Never past the closed timestamp.
    await gc(10_000n);
    expect(sm.safePoint).toBe(sm.maxTs);
  });

  it('works in bounded batches that resume from the returned cursor', async () => {
    for (let i = 0; i < 30; i++) {
      await put(`k${String(i).padStart(2, '0')}`, BigInt(100 + i));
      await put(`k${String(i).padStart(2, '0')}`, BigInt(200 + i));
    }
    let cursor: Uint8Array = E;
    let deleted = 0;
    let batches = 0;
    for (;;) {
      const r = await gc(1000n, cursor, 7);
      deleted += r.deleted;
      batches++;
      if (!r.more) break;
      cursor = r.resumeKey;
    }
    expect(deleted).toBe(30);
    expect(batches).toBeGreaterThan(3);
  });

  it('a command bounded in scanned bytes (max_scan_bytes) stops early and resumes; without the field, one step as before', async () => {
    const big = 'x'.repeat(1000);
    for (let i = 0; i < 40; i++) {
      await put(`b${String(i).padStart(2, '0')}`, BigInt(100 + i), big);
      await put(`b${String(i).padStart(2, '0')}`, BigInt(200 + i), big);
    }
    // The field travels in the command: a replica applies the proposer's bound, and an old entry (no field) is unbounded.
    const bounded = (start: Uint8Array): Promise<KvResult> => apply({ kind: 'MVCC_GC', requestId: E, ts: 1000n, start, maxKeys: 1000, maxScanBytes: 8 << 10 });
    let cursor: Uint8Array = E;
    let deleted = 0;
    let steps = 0;
    for (;;) {
      const r = await bounded(cursor);
      expect(r.deleted).toBeLessThanOrEqual(5); // 8 KiB: about 8 versions of 1 KB, 4 keys
      deleted += r.deleted;
      steps++;
      if (!r.more) break;
      cursor = r.resumeKey;
    }
    expect(deleted).toBe(40);
    expect(steps).toBeGreaterThan(5);
    for (let i = 0; i < 40; i++) await put(`b${String(i).padStart(2, '0')}`, BigInt(2000 + i), big);
    const once = await gc(5000n);
    expect(once.deleted).toBe(40);
    expect(once.more).toBe(false);
  });

  it('keeps every version of a range a migration holds (a captured source range)', async () => {
    await put('n', 100n);
    await put('n', 200n);
    await put('b', 210n);
    await put('b', 220n);
    const cap = await apply({ kind: 'MIGRATION', requestId: E, migration: { kind: 'BEGIN_CAPTURE', jobId: 3, attempt: 1, start: enc('m'), end: E, peerGroup: 2 } });
    expect(cap.errorCode).toBeUndefined();
    await gc(250n);
    expect(await tss('n')).toEqual([200n, 100n]); // captured: held
    expect(await tss('b')).toEqual([220n]); // not moving: collected
  });

  it('refuses to prewrite or one-phase-commit a transaction that started below the safe point', async () => {
    await put('x', 500n);
    await gc(400n);
    const pre = await apply({ kind: 'TXN', requestId: E, txn: { kind: 'PREWRITE', startTs: 300n, primary: enc('y'), mutations: [{ key: enc('y'), value: enc('1') }], ttlMs: 1000, nowMs: 1 } });
    expect(pre.errorCode).toBe('ABORTED');
    const one = await apply({ kind: 'TXN', requestId: enc('r1'), txn: { kind: 'ONE_PC', startTs: 300n, mutations: [{ key: enc('y'), value: enc('1') }] } });
    expect(one.errorCode).toBe('ABORTED');
  });
});
