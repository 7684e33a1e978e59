// Transaction steps as a group applies them (src/kv/txn-apply.ts), driven with
// encoded log entries on one state machine: prewrite conflicts, commit records
// as the single point of truth, idempotence, lock expiry judged by the
// proposer's clock, serializable validation, the one-phase path, and locks and
// records travelling in a migration's change log.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KvCommand, KvResult, TxnCommand } from '../../src/apply/commands.js';
import { GroupState } from '../../src/server/group-state.js';
import { readLock, readRecord } from '../../src/txn/txn-apply.js';
import { FAMILY_LOCK, FAMILY_TXN } from '../../src/txn/txn-records.js';
import { OneGroup } from '../apply/one-group.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));
const MAX = (1n << 64n) - 1n;

let g: OneGroup;
let sm: GroupState;

beforeEach(async () => {
  g = await OneGroup.open('txn');
  sm = new GroupState(g.machine);
});
afterEach(() => g.close());

const apply = (c: Omit<KvCommand, 'proposedTs'> & { proposedTs?: bigint }): Promise<KvResult> => g.apply(c);
const txn = (t: TxnCommand, requestId = ''): Promise<KvResult> => apply({ kind: 'TXN', requestId: enc(requestId), txn: t });
const put = (k: string, v: string, proposedTs = 0n): Promise<KvResult> => apply({ kind: 'WRITE', requestId: new Uint8Array(0), proposedTs, writes: [{ key: enc(k), value: enc(v) }] });
const prewrite = (startTs: bigint, primary: string, keys: [string, string | null][], extra: Partial<TxnCommand> = {}): Promise<KvResult> =>
  txn({ kind: 'PREWRITE', startTs, primary: enc(primary), mutations: keys.map(([k, v]) => ({ key: enc(k), value: v === null ? null : enc(v) })), ttlMs: 1000, nowMs: 5000, ...extra });
const value = async (k: string, ts = MAX): Promise<string | undefined> => dec((await sm.mvcc.get(enc(k), ts))?.value);

describe('prewrite', () => {
  it('locks every key, answers min_commit_ts above every timestamp the group served, and is idempotent', async () => {
    await put('x', 'old', 200n);
    const res = await prewrite(150n, 'p', [['p', '1'], ['x', '2']]);
    // A version newer than the snapshot (200 > 150) is a write-write conflict: nothing locked.
    expect(res.errorCode).toBe('ABORTED');
    expect(dec(res.conflictKey)).toBe('x');
    expect(await readLock(sm.locks, enc('p'))).toBeUndefined();

    const ok = await prewrite(300n, 'p', [['p', '1'], ['x', '2']]);
    expect(ok.errorCode).toBeUndefined();
    expect(ok.minCommitTs).toBe(301n); // max(startTs, maxTs=200) + 1
    const lock = await readLock(sm.locks, enc('x'));
    expect(lock).toMatchObject({ startTs: 300n, minCommitTs: 301n, expiresMs: 6000 });
    expect(dec(lock!.primary)).toBe('p');
    expect(dec(lock!.value ?? undefined)).toBe('2');
    // The same prewrite again: nothing changes, still fine.
    expect((await prewrite(300n, 'p', [['p', '1'], ['x', '2']])).errorCode).toBeUndefined();
    // Another transaction meets the lock: TXN_CONFLICT with the lock's owner.
    const other = await prewrite(400n, 'y', [['y', '1'], ['x', '3']]);
    expect(other.errorCode).toBe('TXN_CONFLICT');
    expect(other.lock).toMatchObject({ startTs: 300n });
    expect(await readLock(sm.locks, enc('y'))).toBeUndefined(); // refused as a whole
  });

  it('refuses a key written twice', async () => {
    const res = await prewrite(10n, 'a', [['a', '1'], ['a', '2']]);
    expect(res.errorCode).toBe('INVALID_ARGUMENT');
  });
});

describe('commit and resolve', () => {
  it('turns locks into versions at commit_ts, writes the commit record once, and answers repeats with the first outcome', async () => {
    await prewrite(100n, 'p', [['p', 'P'], ['s', 'S']]);
    const c1 = await txn({ kind: 'COMMIT', startTs: 100n, commitTs: 120n, primary: enc('p'), keys: [enc('p')] });
    expect(c1).toMatchObject({ commitTs: 120n, txnStatus: 'committed' });
    expect(await readRecord(sm.records, enc('p'), 100n)).toEqual({ status: 'committed', commitTs: 120n });
    expect(await value('p')).toBe('P');
    expect(await value('p', 119n)).toBeUndefined();
    // The secondary still holds its lock until resolved; resolving it twice is harmless.
    expect(await readLock(sm.locks, enc('s'))).toBeDefined();
    expect((await txn({ kind: 'RESOLVE', startTs: 100n, commitTs: 120n, primary: enc('p'), keys: [enc('s')] })).deleted).toBe(1);
    expect((await txn({ kind: 'RESOLVE', startTs: 100n, commitTs: 120n, primary: enc('p'), keys: [enc('s')] })).deleted).toBe(0);
    expect(await value('s')).toBe('S');
    // A retried commit, even at another timestamp, answers the recorded one.
    expect((await txn({ kind: 'COMMIT', startTs: 100n, commitTs: 999n, primary: enc('p'), keys: [enc('p')] })).commitTs).toBe(120n);
    // A late prewrite of the primary cannot revive the transaction.
    expect((await prewrite(100n, 'p', [['p', 'P']])).txnStatus).toBe('committed');
    expect(await readLock(sm.locks, enc('p'))).toBeUndefined();
  });

  it('refuses a commit below the lock minimum and a commit whose primary lock is gone', async () => {
    await put('z', 'z', 500n);
    await prewrite(600n, 'p', [['p', 'P']]);
    expect((await txn({ kind: 'COMMIT', startTs: 600n, commitTs: 550n, primary: enc('p'), keys: [enc('p')] })).errorCode).toBe('INVALID_ARGUMENT');
    const never = await txn({ kind: 'COMMIT', startTs: 700n, commitTs: 800n, primary: enc('q'), keys: [enc('q')] });
    expect(never.errorCode).toBe('ABORTED');
    expect(await readRecord(sm.records, enc('q'), 700n)).toEqual({ status: 'rolled_back', commitTs: 0n });
  });
});

describe('check status', () => {
  it('reports pending while the lock lives, rolls back once the proposer says it expired, and then refuses its commit', async () => {
    await prewrite(100n, 'p', [['p', 'P']], { nowMs: 1000, ttlMs: 500 });
    const alive = await txn({ kind: 'CHECK_STATUS', startTs: 100n, primary: enc('p'), nowMs: 1400, rollbackIfExpired: true });
    expect(alive).toMatchObject({ txnStatus: 'pending' });
    expect(alive.lock?.expiresMs).toBe(1500);
    // A heartbeat pushes the expiry.
    await txn({ kind: 'HEARTBEAT', startTs: 100n, primary: enc('p'), nowMs: 1450, ttlMs: 500 });
    expect((await txn({ kind: 'CHECK_STATUS', startTs: 100n, primary: enc('p'), nowMs: 1600, rollbackIfExpired: true })).txnStatus).toBe('pending');
    const dead = await txn({ kind: 'CHECK_STATUS', startTs: 100n, primary: enc('p'), nowMs: 2000, rollbackIfExpired: true });
    expect(dead.txnStatus).toBe('rolled_back');
    expect(await readLock(sm.locks, enc('p'))).toBeUndefined();
    const late = await txn({ kind: 'COMMIT', startTs: 100n, commitTs: 150n, primary: enc('p'), keys: [enc('p')] });
    expect(late.errorCode).toBe('ABORTED');
    expect(await value('p')).toBeUndefined();
  });

  it('marks a primary that was never prewritten rolled back, so a late prewrite is refused', async () => {
    expect((await txn({ kind: 'CHECK_STATUS', startTs: 100n, primary: enc('p'), nowMs: 0 })).txnStatus).toBe('rolled_back');
    const late = await prewrite(100n, 'p', [['p', 'P']]);
    expect(late.errorCode).toBe('ABORTED');
    expect(await readLock(sm.locks, enc('p'))).toBeUndefined();
  });
});

describe('serializable validation and the one-phase path', () => {
  it('VALIDATE refuses a read key changed in (start, commit] and raises max_ts to the commit timestamp', async () => {
    await put('r', 'v1', 100n);
    await put('r', 'v2', 200n);
    expect((await txn({ kind: 'VALIDATE', startTs: 150n, commitTs: 250n, readKeys: [enc('r')] })).errorCode).toBe('ABORTED');
    expect((await txn({ kind: 'VALIDATE', startTs: 200n, commitTs: 250n, readKeys: [enc('r')] })).errorCode).toBeUndefined();
    expect(sm.maxTs).toBe(250n);
    // A range read validates every key in it.
    await put('s/2', 'x', 300n);
    const r = await txn({ kind: 'VALIDATE', startTs: 260n, commitTs: 400n, readRanges: [{ start: enc('s/'), end: enc('s0') }] });
    expect(r.errorCode).toBe('ABORTED');
    expect(dec(r.conflictKey)).toBe('s/2');
  });

  it('ONE_PC commits above max_ts, refuses conflicts and locked keys, and answers a retry by request id', async () => {
    await put('a', 'A', 100n);
    const res = await txn({ kind: 'ONE_PC', startTs: 150n, mutations: [{ key: enc('a'), value: enc('A2') }, { key: enc('b'), value: null }] }, 'rid-1');
    expect(res.commitTs).toBeGreaterThan(150n);
    expect(await value('a')).toBe('A2');
    // The same request id again: the stored outcome, not a conflict with its own write.
    expect((await txn({ kind: 'ONE_PC', startTs: 150n, mutations: [{ key: enc('a'), value: enc('A2') }] }, 'rid-1')).commitTs).toBe(res.commitTs);
    // A stale snapshot conflicts.
    expect((await txn({ kind: 'ONE_PC', startTs: 150n, mutations: [{ key: enc('a'), value: enc('A3') }] }, 'rid-2')).errorCode).toBe('ABORTED');
    await prewrite(res.commitTs + 10n, 'c', [['c', 'C']]);
    expect((await txn({ kind: 'ONE_PC', startTs: res.commitTs + 20n, mutations: [{ key: enc('c'), value: enc('X') }] }, 'rid-3')).errorCode).toBe('TXN_CONFLICT');
  });
});

describe('several steps in one apply pass', () => {
  it('each step sees what earlier entries of the same batch wrote to its keys', async () => {
    const entries = [
      { kind: 'TXN' as const, requestId: new Uint8Array(0), txn: { kind: 'PREWRITE' as const, startTs: 100n, primary: enc('a'), mutations: [{ key: enc('a'), value: enc('1') }], ttlMs: 1000, nowMs: 1 } },
      // Another transaction on the same key, same pass: must meet the lock.
      { kind: 'TXN' as const, requestId: new Uint8Array(0), txn: { kind: 'PREWRITE' as const, startTs: 101n, primary: enc('a'), mutations: [{ key: enc('a'), value: enc('2') }], ttlMs: 1000, nowMs: 1 } },
      // An unrelated key: no dependency.
      { kind: 'TXN' as const, requestId: new Uint8Array(0), txn: { kind: 'PREWRITE' as const, startTs: 102n, primary: enc('b'), mutations: [{ key: enc('b'), value: enc('3') }], ttlMs: 1000, nowMs: 1 } },
      { kind: 'TXN' as const, requestId: new Uint8Array(0), txn: { kind: 'COMMIT' as const, startTs: 100n, commitTs: 150n, primary: enc('a'), keys: [enc('a')] } },
      // A raw write, then a one-phase commit of the same key with an older snapshot: a conflict.
      { kind: 'WRITE' as const, requestId: new Uint8Array(0), proposedTs: 200n, writes: [{ key: enc('c'), value: enc('raw') }] },
      { kind: 'TXN' as const, requestId: enc('r-c'), txn: { kind: 'ONE_PC' as const, startTs: 160n, mutations: [{ key: enc('c'), value: enc('txn') }] } },
    ];
    const res = await g.applyAll(entries);
    const r = (i: number): KvResult => res[i]!;
    expect(r(0).errorCode).toBeUndefined();
    expect(r(1).errorCode).toBe('TXN_CONFLICT');
    expect(r(2).errorCode).toBeUndefined();
    expect(r(3)).toMatchObject({ commitTs: 150n, txnStatus: 'committed' });
    expect(r(5).errorCode).toBe('ABORTED');
    expect(await value('a')).toBe('1');
    expect(await readLock(sm.locks, enc('a'))).toBeUndefined();
    expect(await readLock(sm.locks, enc('b'))).toBeDefined();
    expect(await value('c')).toBe('raw');
  });
});

describe('migration', () => {
  it('captures lock and record changes of a capturing range in the change log', async () => {
    const cap = await apply({ kind: 'MIGRATION', requestId: new Uint8Array(0), migration: { kind: 'BEGIN_CAPTURE', jobId: 7, attempt: 1, start: enc('m'), end: new Uint8Array(0), peerGroup: 2 } });
    expect(cap.errorCode).toBeUndefined();
    await prewrite(100n, 'n', [['n', 'N']]);
    await txn({ kind: 'COMMIT', startTs: 100n, commitTs: 110n, primary: enc('n'), keys: [enc('n')] });
    const rows = await sm.readChangeLog(7, 1, 0, 1 << 20);
    expect(rows.map((r) => [r.row.family, dec(r.row.key), r.row.delete])).toEqual([
      [FAMILY_LOCK, 'n', false],
      [1, 'n', false],
      [FAMILY_LOCK, 'n', true],
      [FAMILY_TXN, 'n', false],
    ]);
  });
});
