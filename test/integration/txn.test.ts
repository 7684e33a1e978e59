// Cross-range transactions on a real 3-node, 3-group cluster: atomic commits
// across groups, snapshot reads, write-write conflicts, write skew under
// snapshot isolation vs serializable, bank transfers whose total never moves,
// and a coordinator killed between locking and committing.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { FerryClient, KvError } from '../../src/client/client.js';
import { TestCluster, call, enc, sleep, waitFor } from '../../testkit/cluster.js';
import * as grpc from '@grpc/grpc-js';
import { CHANNEL_OPTIONS, protos } from '../../src/api/protos.js';
import type { BeginTxnResponse__Output } from '../../src/proto-gen/ferrykv/v1/BeginTxnResponse.js';
import type { TxnCommitResponse__Output } from '../../src/proto-gen/ferrykv/v1/TxnCommitResponse.js';

let c: TestCluster;
let db: FerryClient;
let keepLogs = false;
const NODES = [1, 2, 3];
const TTL_MS = 1000;
const RESOLVER_MS = 500;
const str = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('utf8'));

describe('Transactions on a 3-node, 3-group cluster', () => {
  beforeAll(async () => {
    c = await TestCluster.start({ nodes: 3, groups: 3, extraArgs: ['--txn-lock-ttl-ms', String(TTL_MS), '--txn-resolver-interval-ms', String(RESOLVER_MS)] });
    db = new FerryClient({ endpoints: NODES.map((n) => c.address(n)), timeoutMs: 15_000 });
  });
  afterAll(async () => {
    db?.close();
    if (keepLogs) console.error(`txn: node logs kept in ${c?.dir}`);
    await c?.cleanup(keepLogs);
  });
  const keepOnFailure = (): void => onTestFailed(() => void (keepLogs = true));

  it('commits writes in three groups atomically, reads its own writes, and reads a snapshot', async () => {
    keepOnFailure();
    // a… in group 1, k… in group 2, q… in group 3.
    const before = await db.begin();
    await db.txn(async (tx) => {
      tx.put('a/1', 'one');
      tx.put('k/1', 'two');
      tx.put('q/1', 'three');
      expect(await tx.getString('k/1')).toBe('two'); // its own write
      const rows = await tx.scan({ start: 'a', end: 'z' });
      expect(rows.map((r) => str(r.key))).toEqual(['a/1', 'k/1', 'q/1']);
    });
    for (const [k, v] of [['a/1', 'one'], ['k/1', 'two'], ['q/1', 'three']] as const) expect(str((await db.get(k))?.value)).toBe(v);
    // A transaction that began before the commit does not see it.
    expect(await before.get('k/1')).toBeUndefined();
    expect(await before.scan({ start: 'a', end: 'z' })).toEqual([]);
    before.rollback();
    // A new one does, through TxnGet and TxnScan alike.
    const after = await db.begin();
    expect(await after.getString('q/1')).toBe('three');
    expect((await after.scan({ start: 'a', end: 'z' })).length).toBe(3);
  });

  it('aborts the second of two transactions that write the same key (ABORTED, retryable, names the key)', async () => {
    keepOnFailure();
    const t1 = await db.begin();
    const t2 = await db.begin();
    t1.put('k/conflict', 't1');
    t1.put('a/conflict', 't1');
    t2.put('k/conflict', 't2');
    t2.put('q/conflict', 't2');
    await t1.commit();
    const err = await t2.commit().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KvError);
    const e = err as KvError;
    expect(e.code).toBe('ABORTED');
    expect(e.retryable).toBe(true);
    expect(e.detail.reason).toBe('write-conflict');
    expect(str(e.detail.conflictingKey)).toBe('k/conflict');
    expect(str((await db.get('k/conflict'))?.value)).toBe('t1');
    expect(await db.get('q/conflict')).toBeUndefined(); // nothing of t2 is visible
  });

  it('allows write skew under snapshot isolation and refuses it under serializable', async () => {
    keepOnFailure();
    for (const isolation of ['snapshot', 'serializable'] as const) {
      await db.txn((tx) => {
        tx.put(`a/skew-${isolation}`, '1');
        tx.put(`q/skew-${isolation}`, '1');
        return Promise.resolve();
      });
      const t1 = await db.begin({ isolation });
      const t2 = await db.begin({ isolation });
      for (const t of [t1, t2]) {
        expect(await t.getString(`a/skew-${isolation}`)).toBe('1');
        expect(await t.getString(`q/skew-${isolation}`)).toBe('1');
      }
      t1.put(`a/skew-${isolation}`, '0');
      t2.put(`q/skew-${isolation}`, '0');
      await t1.commit();
      const second = await t2.commit().then(
        () => 'committed',
        (e: unknown) => (e instanceof KvError ? `${e.code}:${e.detail.reason ?? ''}` : String(e)),
      );
      expect(second).toBe(isolation === 'snapshot' ? 'committed' : 'ABORTED:read-conflict');
    }
  });

  it('keeps the bank total constant in every snapshot under concurrent cross-group transfers', async () => {
    keepOnFailure();
    const accounts = ['a/acct-1', 'c/acct-2', 'k/acct-3', 'm/acct-4', 'q/acct-5', 't/acct-6'];
    await db.txn((tx) => {
      for (const a of accounts) tx.put(a, '100');
      return Promise.resolve();
    });
    let stop = false;
    let transfers = 0;
    let aborted = 0;
    const failures: string[] = [];
    const transfer = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const from = accounts[(w + i) % accounts.length]!;
        const to = accounts[(w * 7 + i * 3 + 1) % accounts.length]!;
        if (from === to) continue;
        try {
          await db.txn(
            async (tx) => {
              const a = Number(await tx.getString(from));
              const b = Number(await tx.getString(to));
              const amount = Math.min(a, 1 + ((w + i) % 7));
              tx.put(from, String(a - amount));
              tx.put(to, String(b + amount));
            },
            { retries: 50, isolation: w % 2 === 0 ? 'snapshot' : 'serializable' },
          );
          transfers++;
        } catch (e) {
          if (e instanceof KvError && e.code === 'ABORTED') aborted++;
          else failures.push(`transfer: ${(e as Error).message}`);
        }
      }
    };
    const reader = async (): Promise<number> => {
      let reads = 0;
      while (!stop) {
        // A scan across all three groups (the accounts live between "a/acct-" and "t/acct-").
        let rows;
        try {
          rows = await db.txn((tx) => tx.scan({ start: 'a/acct-', end: 't/acct-9' }), { retries: 50 });
        } catch (e) {
          if (e instanceof KvError && e.code === 'ABORTED') continue; // restarted 50 times: no answer, nothing to check
          throw e;
        }
        const bal = rows.filter((r) => str(r.key)!.includes('acct-')).map((r) => Number(str(r.value)));
        const total = bal.reduce((x, y) => x + y, 0);
        if (bal.length !== accounts.length || total !== 600 || bal.some((b) => b < 0)) failures.push(`read ${bal.join(',')} = ${total}`);
        reads++;
      }
      return reads;
    };
    const workers = [0, 1, 2, 3].map(transfer);
    const readers = [reader(), reader()];
    await sleep(6000);
    stop = true;
    await Promise.all(workers);
    const reads = (await Promise.all(readers)).reduce((a, b) => a + b, 0);
    expect(failures).toEqual([]);
    expect(transfers).toBeGreaterThan(10);
    expect(reads).toBeGreaterThan(0);
    const final = await Promise.all(accounts.map(async (a) => Number(str((await db.get(a))?.value))));
    expect(final.reduce((x, y) => x + y, 0)).toBe(600);
    console.log(`bank: ${transfers} transfers, ${aborted} gave up after retries, ${reads} consistent snapshot reads`);
  }, 60_000);

  it('leaves no lock behind when the coordinator dies between locking and committing; the transaction is all or nothing', async () => {
    keepOnFailure();
    const victim = 3;
    await c.adminApi(victim).setFaults({ faults: [], pauseTxnAfterPrewrite: true });
    const txnKv = new (protos().pub.ferrykv.v1.TxnKV)(c.address(victim), grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    const begin = await call<object, BeginTxnResponse__Output>(txnKv.beginTxn.bind(txnKv), {}, 5000);
    const keys = ['a/orphan', 'k/orphan', 'q/orphan'];
    // The commit hangs after its prewrites on the victim: locks in every group, nothing decided.
    const pending = call<object, TxnCommitResponse__Output>(
      txnKv.txnCommit.bind(txnKv),
      { startTs: begin.startTs, mutations: keys.map((k) => ({ op: 'PUT', key: enc(k), value: enc('orphaned') })), requestId: enc(`orphan-${Date.now()}`) },
      60_000,
    ).catch((e: unknown) => e);
    const lockCount = async (n: number): Promise<number> => (await c.status(n)).groups.reduce((sum, g) => sum + Number(g.txnLocks), 0);
    await waitFor('locks in all three groups', async () => ((await lockCount(1)) >= 3 ? true : undefined), 15_000, 50);
    await c.kill(victim);
    txnKv.close();
    await pending;
    const killedAt = Date.now();
    // The survivors' resolvers roll the orphan back after its TTL: no lock is left on any replica.
    await waitFor('no locks on nodes 1 and 2', async () => ((await lockCount(1)) === 0 && (await lockCount(2)) === 0 ? true : undefined), 10 * (TTL_MS + RESOLVER_MS), 100);
    const clearedMs = Date.now() - killedAt;
    console.log(`orphaned locks cleared ${clearedMs} ms after the coordinator died (TTL ${TTL_MS} ms, resolver every ${RESOLVER_MS} ms)`);
    const seen = await Promise.all(keys.map(async (k) => (await db.get(k)) !== undefined));
    expect(new Set(seen).size).toBe(1); // all or nothing
    expect(seen[0]).toBe(false); // never decided: rolled back
    c.startNode(victim);
    await c.waitCaughtUp(victim, [1, 2, 3]);
  }, 120_000);

  it("moves a transaction's locks with a migrating range: a commit held between prewrite and commit while its primary's range moves commits on the new owner", async () => {
    keepOnFailure();
    const coordinator = 1;
    await c.adminApi(coordinator).setFaults({ faults: [], pauseTxnAfterPrewrite: true });
    const txnKv = new (protos().pub.ferrykv.v1.TxnKV)(c.address(coordinator), grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    const begin = await call<object, BeginTxnResponse__Output>(txnKv.beginTxn.bind(txnKv), {}, 5000);
    // The primary ("k/…", group 2) and a secondary ("q/…", group 3).
    const keys = ['k/moving', 'q/staying'];
    const pending = call<object, TxnCommitResponse__Output>(
      txnKv.txnCommit.bind(txnKv),
      { startTs: begin.startTs, mutations: keys.map((k) => ({ op: 'PUT', key: enc(k), value: enc('after') })), requestId: enc(`mig-${Date.now()}`) },
      60_000,
    ).then(
      (r) => ({ ok: r }),
      (e: unknown) => ({ err: e as Error }),
    );
    const lockCount = async (n: number): Promise<number> => (await c.status(n)).groups.reduce((sum, g) => sum + Number(g.txnLocks), 0);
    await waitFor('both locks', async () => ((await lockCount(2)) >= 2 ? true : undefined), 15_000, 50);
    // Move route [h, p) — the primary's lock with it — from group 2 to group 1 while the commit is held.
    const route = (await c.adminApi(2).listRoutes({ local: false })).routes.find((r) => r.groupId === 2 && Buffer.from(r.start).toString() <= 'k' && Buffer.from(r.end).toString() > 'k');
    expect(route).toBeDefined();
    const job = await c.onDefaultLeader((a) => a.startSplitMigration({ routeId: route!.routeId, targetGroup: 1, options: { cleanupGraceMs: '0', cleanupGraceSet: true } }));
    const done = await c.waitJob(job.jobId, ['DONE', 'FAILED', 'ABANDONED']);
    expect(done.phase).toBe('DONE');
    // The primary's lock lives in group 1 now; nothing is visible yet.
    expect(await db.get('k/moving')).toBeUndefined();
    await c.adminApi(coordinator).setFaults({ faults: [] });
    const out = await pending;
    txnKv.close();
    expect('ok' in out ? out.ok.onePhase : out.err.message).toBe(false);
    for (const k of keys) expect(str((await db.get(k))?.value)).toBe('after');
    await waitFor('no locks left', async () => ((await lockCount(2)) === 0 ? true : undefined), 20_000, 100);
  }, 120_000);

  it('refuses bad transactional input with INVALID_ARGUMENT', async () => {
    keepOnFailure();
    const txnKv = new (protos().pub.ferrykv.v1.TxnKV)(c.address(1), grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    const bad = async (req: object): Promise<string> =>
      call<object, TxnCommitResponse__Output>(txnKv.txnCommit.bind(txnKv), req, 5000).then(
        () => 'ok',
        (e: unknown) => (e as Error).message,
      );
    expect(await bad({ startTs: '0', mutations: [{ op: 'PUT', key: enc('a'), value: enc('v') }], requestId: enc('r1') })).toMatch(/start_ts/);
    expect(await bad({ startTs: '5', mutations: [{ op: 'PUT', key: enc(''), value: enc('v') }], requestId: enc('r2') })).toMatch(/mutations\[0\]\.key/);
    expect(await bad({ startTs: '5', mutations: [{ op: 'PUT', key: enc('a'), value: enc('v') }, { op: 'DELETE', key: enc('a') }], requestId: enc('r3') })).toMatch(/written twice/);
    expect(await bad({ startTs: '5', mutations: [{ op: 'PUT', key: enc('a'), value: enc('v') }] })).toMatch(/request_id/);
    const get = await call<object, unknown>(txnKv.txnGet.bind(txnKv), { key: enc('a'), startTs: '0' }, 5000).then(
      () => 'ok',
      (e: unknown) => (e as Error).message,
    );
    expect(get).toMatch(/start_ts/);
    txnKv.close();
  });
  it('refuses a commit whose start_ts lies in the future, and no group clock moves (defect: one TxnCommit moved a clock an hour ahead)', async () => {
    keepOnFailure();
    const txnKv = new (protos().pub.ferrykv.v1.TxnKV)(c.address(1), grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    const commit = (startTs: bigint, key: string, rid: string): Promise<TxnCommitResponse__Output | KvError> =>
      call<object, TxnCommitResponse__Output>(txnKv.txnCommit.bind(txnKv), { startTs: startTs.toString(), mutations: [{ op: 'PUT', key: enc(key), value: enc('future') }], requestId: enc(rid) }, 5000).catch(
        (e: unknown) => e as KvError,
      );
    const nowTs = (): bigint => BigInt(Date.now()) << 16n;
    const hour = 3_600_000n << 16n;
    // Keys in group 1 (the default group) and group 2: one-phase commits in each.
    for (const [startTs, key] of [
      [nowTs() + hour, 'a/future'],
      [nowTs() + hour, 'k/future'],
      [(1n << 64n) - 1n, 'a/end'],
      [(1n << 64n) - 2n, 'k/end'],
    ] as const) {
      const out = await commit(startTs, key, `future-${key}`);
      expect(out).toBeInstanceOf(KvError);
      expect((out as KvError).code).toBe('INVALID_ARGUMENT');
      expect((out as KvError).detail.field).toBe('start_ts');
      expect(await db.get(key)).toBeUndefined();
    }
    // Every later write is timestamped by the clocks, not an hour ahead, in every group.
    for (const key of ['a/after', 'k/after', 'q/after']) {
      const ts = await db.put(key, 'v');
      expect(Number((ts >> 16n) - BigInt(Date.now()))).toBeLessThan(5_000);
    }
    // Transactions keep working: a fresh start timestamp reads the newest write.
    await db.put('k/after', 'newest');
    expect(await db.txn(async (tx) => tx.getString('k/after'))).toBe('newest');
    txnKv.close();
  });

  it('answers BeginTxn with an out-of-range after_ts with its own INVALID_ARGUMENT (not UNKNOWN)', async () => {
    keepOnFailure();
    const txnKv = new (protos().pub.ferrykv.v1.TxnKV)(c.address(2), grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    for (const afterTs of [((1n << 64n) - 1n).toString(), ((BigInt(Date.now()) + 3_600_000n) << 16n).toString()]) {
      const err = await call<object, BeginTxnResponse__Output>(txnKv.beginTxn.bind(txnKv), { afterTs }, 5000).then(
        () => undefined,
        (e: unknown) => e as KvError,
      );
      expect(err?.code).toBe('INVALID_ARGUMENT');
      expect(err?.detail.field).toBe('after_ts');
    }
    txnKv.close();
  });
});
