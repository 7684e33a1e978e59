// The migration plane on a real 3-node, 3-group cluster: a route moves from
// one group to another while clients write, read, compare-and-swap and scan
// it; an abandoned move leaves the source serving everything and the target
// holding nothing of the range.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { FerryClient } from '../../src/client/client.js';
import { fromRawRoute } from '../../src/routing/codec.js';
import { TestCluster, sleep } from '../../testkit/cluster.js';

let c: TestCluster;
let keepLogs = false;
const NODES = [1, 2, 3];
const str = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

describe('Migration plane on a 3-node, 3-group cluster', () => {
  beforeAll(async () => {
    c = await TestCluster.start({ nodes: 3, groups: 3 });
  });
  afterAll(async () => {
    if (keepLogs) console.error(`migration: node logs kept in ${c?.dir}`);
    await c?.cleanup(keepLogs);
  });
  const keepOnFailure = (): void => onTestFailed(() => void (keepLogs = true));

  it('moves a route to another group under concurrent writes, CAS and scans: every acknowledged write is there, nothing stale is read', async () => {
    keepOnFailure();
    const db = new FerryClient({ endpoints: NODES.map((n) => c.address(n)), timeoutMs: 20_000 });
    // Preload [p, +∞) (group 3) with several versions and some tombstones.
    const model = new Map<string, string | null>();
    const keys = Array.from({ length: 2000 }, (_, i) => `q/${String(i).padStart(5, '0')}`);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < keys.length; i += 100) {
        await db.batchWrite(keys.slice(i, i + 100).map((k) => ({ op: 'put' as const, key: k, value: `${k}@${round}` })));
        for (const k of keys.slice(i, i + 100)) model.set(k, `${k}@${round}`);
      }
    }
    for (let i = 0; i < keys.length; i += 10) {
      await db.delete(keys[i]!);
      model.set(keys[i]!, null);
    }
    let stop = false;
    const problems: string[] = [];
    // Writers: each owns its keys, so the model's last acknowledged value is the truth; a read after an ack must see it.
    const writer = async (w: number): Promise<void> => {
      for (let seq = 0; !stop; seq++) {
        const k = `q/w${w}/${seq % 50}`;
        const v = `w${w}-${seq}`;
        try {
          await db.put(k, v);
          model.set(k, v);
          const got = await db.get(k);
          if (!got || str(got.value) !== v) problems.push(`read of ${k} after its ack returned ${got ? str(got.value) : 'nothing'}, not ${v}`);
        } catch (e) {
          problems.push(`put ${k}: ${(e as Error).message}`);
        }
      }
    };
    const casser = async (): Promise<void> => {
      let n = 0;
      await db.put('q/counter', '0');
      model.set('q/counter', '0');
      while (!stop) {
        try {
          const r = await db.compareAndSwap('q/counter', String(n), String(n + 1));
          if (!r.succeeded) problems.push(`CAS ${n}→${n + 1} failed: current ${r.current ? str(r.current) : 'absent'}`);
          else model.set('q/counter', String(++n));
        } catch (e) {
          problems.push(`cas: ${(e as Error).message}`);
        }
      }
    };
    let scans = 0;
    const scanner = async (): Promise<void> => {
      while (!stop) {
        const seen: string[] = [];
        for await (const row of db.scan({ start: 'q/0', end: 'q/1', pageSize: 500 })) seen.push(str(row.key));
        const want = keys.filter((k) => model.get(k) !== null);
        if (seen.length !== want.length) problems.push(`scan saw ${seen.length} preloaded keys, not ${want.length}`);
        scans++;
      }
    };
    const load = [writer(0), writer(1), casser(), scanner()];
    await sleep(300);
    const started = await c.onDefaultLeader((a) => a.startSplitMigration({ routeId: '3', targetGroup: 2, options: { chunkBytes: 64 << 10, cleanupGraceMs: '0', cleanupGraceSet: true } }));
    expect(started.phase).toBe('CLEAR_TARGET');
    const done = await c.waitJob(started.jobId, ['DONE', 'FAILED', 'ABANDONED']);
    await sleep(300);
    stop = true;
    await Promise.all(load);
    expect(done.phase, `${done.lastError} / ${done.verifyResult}`).toBe('DONE');
    expect(done.verifyResult).toMatch(/^ok/);
    expect(done.progress!.fenceWindowsMs.length).toBeGreaterThanOrEqual(1);
    expect(Number(done.progress!.backfillRows)).toBeGreaterThanOrEqual(keys.length);
    expect(problems).toEqual([]);
    expect(scans).toBeGreaterThan(0);
    // The catalog moved the route to group 2; every node's cache follows.
    const routes = (await c.adminApi(1).listRoutes({ local: false })).routes.map(fromRawRoute);
    expect(routes.find((r) => str(r.start) === 'p')!.groupId).toBe(2);
    // The target serves exactly the model (through every node).
    for (const n of NODES) {
      const one = new FerryClient({ endpoints: [c.address(n)], routing: 'off', timeoutMs: 20_000 });
      const have = new Map<string, string>();
      for await (const row of one.scan({ start: 'q/', end: 'q0', pageSize: 1000 })) have.set(str(row.key), str(row.value));
      for (const [k, v] of model) expect(have.get(k), `${k} via node ${n}`).toBe(v === null ? undefined : v);
      expect(have.size).toBe([...model.values()].filter((v) => v !== null).length);
      one.close();
    }
    // The source's copy was cleaned up.
    expect(await c.versionsIn(3, 'p', '')).toBe(0);
    console.log(`migration: ${keys.length} preloaded keys moved, ${scans} scans during the move, fence windows ${done.progress!.fenceWindowsMs.join(',')} ms`);
    db.close();
  });

  it('an abandoned move leaves the source serving everything and the target holding no residue', async () => {
    keepOnFailure();
    const db = new FerryClient({ endpoints: NODES.map((n) => c.address(n)), timeoutMs: 20_000 });
    const keys = Array.from({ length: 600 }, (_, i) => `b/${String(i).padStart(4, '0')}`);
    for (let i = 0; i < keys.length; i += 100) await db.batchWrite(keys.slice(i, i + 100).map((k) => ({ op: 'put' as const, key: k, value: 'x'.repeat(500) })));
    // Slow on purpose (4 KiB chunks at 20 KiB/s) so the job is still copying when abandoned.
    const job = await c.onDefaultLeader((a) => a.startSplitMigration({ routeId: '1', targetGroup: 3, options: { chunkBytes: 4096, rateLimitBytesPerSec: '20000' } }));
    await c.waitJob(job.jobId, ['BACKFILL'], 30_000);
    await db.put('b/during', 'yes');
    await c.onDefaultLeader((a) => a.abandonSplitJob({ jobId: job.jobId }));
    const end = await c.waitJob(job.jobId, ['ABANDONED', 'FAILED', 'DONE']);
    expect(end.phase).toBe('ABANDONED');
    const routes = (await c.adminApi(1).listRoutes({ local: false })).routes.map(fromRawRoute);
    expect(routes.find((r) => r.routeId === 1)).toMatchObject({ groupId: 1, state: 'ACTIVE' });
    for (const k of keys) expect(str((await db.get(k))!.value)).toBe('x'.repeat(500));
    expect(str((await db.get('b/during'))!.value)).toBe('yes');
    await db.put('b/after', 'ok');
    expect(await c.versionsIn(3, '', 'h')).toBe(0);
    db.close();
  });

  it('refuses bad migration requests with clear errors', async () => {
    keepOnFailure();
    await expect(c.onDefaultLeader((a) => a.startSplitMigration({ routeId: '2', targetGroup: 9 }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', detail: { field: 'target_group' } });
    await expect(c.onDefaultLeader((a) => a.startSplitMigration({ routeId: '2', targetGroup: 2 }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(c.onDefaultLeader((a) => a.startSplitMigration({ routeId: '999', targetGroup: 1 }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', detail: { field: 'route_id' } });
    await expect(c.onDefaultLeader((a) => a.startSplitMigration({ routeId: '2', targetGroup: 1, options: { chunkBytes: 10 } }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', detail: { field: 'options' } });
    await expect(c.onDefaultLeader((a) => a.getSplitJob({ jobId: '4242' }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const list = await c.onDefaultLeader((a) => a.listSplitJobs({ phases: ['DONE', 'ABANDONED'] }));
    expect(list.jobs.map((j) => j.phase).sort()).toEqual(['ABANDONED', 'DONE']);
  });
});
