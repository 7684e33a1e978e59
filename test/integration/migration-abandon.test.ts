// Abandon at each phase before the source releases the range: the job ends
// ABANDONED, the source serves every key (reads and writes), and the target
// holds nothing of the range. Abandon at CUTOVER or later rolls forward.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { FerryClient } from '../../src/client/client.js';
import { fromRawRoute } from '../../src/routing/codec.js';
import { TestCluster, sleep, waitFor } from '../../testkit/cluster.js';

const PRE_RELEASE = ['CLEAR_TARGET', 'CAPTURE', 'BACKFILL', 'CATCHUP', 'FENCE', 'FINAL_DELTA'] as const;
let c: TestCluster;
let keepLogs = false;
const NODES = [1, 2, 3];
const str = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

describe('Abandoning a migration', () => {
  beforeAll(async () => {
    c = await TestCluster.start({ nodes: 3, groups: 3 });
  });
  afterAll(async () => {
    if (keepLogs) console.error(`migration-abandon: node logs kept in ${c?.dir}`);
    await c?.cleanup(keepLogs);
  });

  PRE_RELEASE.forEach((phase, i) => {
    it(`at ${phase}: the job ends ABANDONED, the source serves every key, the target holds nothing of the range`, async () => {
      onTestFailed(() => void (keepLogs = true));
      const prefix = `a${i}/`;
      const end = `a${i}0`;
      const db = new FerryClient({ endpoints: NODES.map((n) => c.address(n)), timeoutMs: 20_000 });
      for (const k of [prefix, end]) await c.onDefaultLeader((a) => a.splitRange({ splitKey: Buffer.from(k) }));
      const route = (await c.adminApi(1).listRoutes({ local: false })).routes.map(fromRawRoute).find((r) => str(r.start) === prefix)!;
      const target = route.groupId === 1 ? 2 : 1;
      const keys = Array.from({ length: 200 }, (_, j) => `${prefix}${String(j).padStart(3, '0')}`);
      await db.batchWrite(keys.map((k) => ({ op: 'put' as const, key: k, value: `v-${k}` })));
      await c.pauseMigrationsAt(phase);
      const job = await c.onDefaultLeader((a) => a.startSplitMigration({ routeId: String(route.routeId), targetGroup: target, options: { chunkBytes: 4096 } }));
      await waitFor(`job at ${phase}`, async () => (await c.onDefaultLeader((a) => a.getSplitJob({ jobId: job.jobId }))).phase === phase, 30_000);
      await c.onDefaultLeader((a) => a.abandonSplitJob({ jobId: job.jobId }));
      await c.pauseMigrationsAt('');
      const last = await waitFor(
        `job ${job.jobId} to end`,
        async () => {
          const j = await c.onDefaultLeader((a) => a.getSplitJob({ jobId: job.jobId }));
          return ['ABANDONED', 'DONE', 'FAILED'].includes(j.phase) ? j : undefined;
        },
        60_000,
      );
      expect(last.phase, last.lastError).toBe('ABANDONED');
      const now = (await c.adminApi(1).listRoutes({ local: false })).routes.map(fromRawRoute).find((r) => r.routeId === route.routeId)!;
      expect(now).toMatchObject({ groupId: route.groupId, state: 'ACTIVE' });
      for (const k of keys) expect(str((await db.get(k))!.value)).toBe(`v-${k}`);
      await db.put(`${prefix}after`, 'ok');
      expect(str((await db.get(`${prefix}after`))!.value)).toBe('ok');
      expect(await c.versionsIn(target, prefix, end)).toBe(0);
      db.close();
    });
  });

  it('an abandon after the source released is refused, and the job rolls forward to DONE', async () => {
    onTestFailed(() => void (keepLogs = true));
    const prefix = 'a9/';
    for (const k of [prefix, 'a90']) await c.onDefaultLeader((a) => a.splitRange({ splitKey: Buffer.from(k) }));
    const route = (await c.adminApi(1).listRoutes({ local: false })).routes.map(fromRawRoute).find((r) => str(r.start) === prefix)!;
    const db = new FerryClient({ endpoints: NODES.map((n) => c.address(n)), timeoutMs: 20_000 });
    await db.put(`${prefix}k`, 'v');
    await c.pauseMigrationsAt('VERIFY');
    const job = await c.onDefaultLeader((a) => a.startSplitMigration({ routeId: String(route.routeId), targetGroup: route.groupId === 1 ? 2 : 1, options: { cleanupGraceMs: '0', cleanupGraceSet: true } }));
    await waitFor('job at VERIFY', async () => (await c.onDefaultLeader((a) => a.getSplitJob({ jobId: job.jobId }))).phase === 'VERIFY', 30_000);
    await expect(c.onDefaultLeader((a) => a.abandonSplitJob({ jobId: job.jobId }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', detail: { reason: 'released' } });
    await c.pauseMigrationsAt('');
    await waitFor('job DONE', async () => (await c.onDefaultLeader((a) => a.getSplitJob({ jobId: job.jobId }))).phase === 'DONE', 60_000);
    expect(str((await db.get(`${prefix}k`))!.value)).toBe('v');
    db.close();
  });
});

describe('Source-driven Adopt', () => {
  let d: TestCluster;
  beforeAll(async () => {
    d = await TestCluster.start({ nodes: 3, groups: 3 });
  });
  afterAll(async () => {
    await d?.cleanup(false);
  });

  it('a migrator stuck between Release and Adopt does not keep the range unavailable: the source drives Adopt', async () => {
    const db = new FerryClient({ endpoints: [1, 2, 3].map((n) => d.address(n)), timeoutMs: 20_000 });
    await db.put('q/k', 'v');
    for (const n of [1, 2, 3]) await d.adminApi(n).setFaults({ faults: [], pauseMigrationAt: 'AFTER_RELEASE' });
    const leader = await d.leaderOf(1);
    const job = await d.adminApi(leader).startSplitMigration({ routeId: '3', targetGroup: 2, options: { cleanupGraceMs: '0', cleanupGraceSet: true } });
    // While the migrator waits after Release, the key is served (by the target, once the source drove Adopt).
    await waitFor('the job to reach FENCE (the migrator is held after Release)', async () => (await d.adminApi(await d.leaderOf(1)).getSplitJob({ jobId: job.jobId })).phase === 'FENCE', 30_000);
    await sleep(500);
    const t0 = Date.now();
    expect(str((await db.get('q/k', { timeoutMs: 10_000 }))!.value)).toBe('v');
    await db.put('q/k2', 'w', { timeoutMs: 10_000 });
    const servedAfter = Date.now() - t0;
    expect(servedAfter).toBeLessThan(10_000);
    for (const n of [1, 2, 3]) await d.adminApi(n).setFaults({ faults: [], pauseMigrationAt: '' });
    await waitFor('the job to finish', async () => (await d.adminApi(await d.leaderOf(1)).getSplitJob({ jobId: job.jobId })).phase === 'DONE', 60_000);
    expect(str((await db.get('q/k2'))!.value)).toBe('w');
    db.close();
  });
});
