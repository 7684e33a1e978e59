// MVCC garbage collection on a real cluster with a 1 s retention: old versions
// go, reads below the safe point fail with INVALID_ARGUMENT{safePoint}, and a
// migration that runs while GC is collecting ends DONE (its VERIFY compares
// every version at or below the floor: the ranges it holds are kept).
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { FerryClient, KvError } from '../../src/client/client.js';
import { TestCluster, sleep, waitFor } from '../../testkit/cluster.js';

let c: TestCluster;
let db: FerryClient;
let keepLogs = false;

describe('MVCC garbage collection', () => {
  beforeAll(async () => {
    c = await TestCluster.start({ nodes: 3, groups: 3, extraArgs: ['--gc-retention-ms', '1000'] });
    db = new FerryClient({ endpoints: [1, 2, 3].map((n) => c.address(n)), timeoutMs: 10_000 });
  });
  afterAll(async () => {
    db?.close();
    await c?.cleanup(keepLogs);
  });

  it('collects versions past the retention; a read below the safe point is refused with the safe point', async () => {
    onTestFailed(() => void (keepLogs = true));
    const first = await db.put('k/gc', 'v1');
    for (let i = 2; i <= 5; i++) await db.put('k/gc', `v${i}`);
    expect(Buffer.from((await db.get('k/gc', { readTs: first }))!.value).toString()).toBe('v1');
    const err = await waitFor(
      'the safe point to pass the first write',
      async () => {
        try {
          await db.get('k/gc', { readTs: first });
          return undefined;
        } catch (e) {
          return e instanceof KvError ? e : undefined;
        }
      },
      20_000,
      200,
    );
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.detail.field).toBe('read_ts');
    expect(err.detail.safePoint).toBeGreaterThan(first);
    expect(Buffer.from((await db.get('k/gc'))!.value).toString()).toBe('v5');
  });

  it('a migration under write load while GC runs ends DONE with every key at its latest value', async () => {
    onTestFailed(() => void (keepLogs = true));
    const latest = new Map<string, string>();
    for (let i = 0; i < 200; i++) {
      await db.put(`q/${i}`, 'v0');
      latest.set(`q/${i}`, 'v0');
    }
    let stop = false;
    const writer = (async (): Promise<void> => {
      for (let n = 1; !stop; n++) {
        const k = `q/${n % 200}`;
        await db.put(k, `v${n}`);
        latest.set(k, `v${n}`);
      }
    })();
    await sleep(1500); // some versions are already past the retention
    const route = (await c.adminApi(1).listRoutes({ local: false })).routes.find((r) => r.groupId === 3);
    const job = await c.onDefaultLeader((a) => a.startSplitMigration({ routeId: route!.routeId, targetGroup: 2, options: { chunkBytes: 8192, cleanupGraceMs: '0', cleanupGraceSet: true } }));
    const done = await c.waitJob(job.jobId, ['DONE', 'FAILED', 'ABANDONED']);
    await sleep(1500); // GC after the job finished, on the target too
    stop = true;
    await writer;
    expect(done.phase, done.lastError).toBe('DONE');
    for (const [k, v] of latest) expect(Buffer.from((await db.get(k))!.value).toString(), k).toBe(v);
  }, 120_000);
});
