// Watching migrations: progress read several times is monotone with a finite
// ETA; a job whose target group lost its majority is reported stalled, with
// the reason, within the stall threshold + 10 s, and resumes by itself.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { FerryClient } from '../../src/client/client.js';
import type { SplitJob__Output } from '../../src/proto-gen/ferrykv/admin/v1/SplitJob.js';
import { TestCluster, waitFor } from '../../testkit/cluster.js';

const STALL_AFTER_MS = 3000;
let c: TestCluster;
let keepLogs = false;

describe('Migration progress and stalls (groups 1, 2 on nodes 1-3; group 3 on nodes 3-5)', () => {
  beforeAll(async () => {
    c = await TestCluster.start({
      nodes: 5,
      groups: 3,
      groupVoters: { 1: [1, 2, 3], 2: [1, 2, 3], 3: [3, 4, 5] },
      extraArgs: ['--migration-stall-after-ms', String(STALL_AFTER_MS), '--request-timeout-ms', '2000'],
    });
  });
  afterAll(async () => {
    if (keepLogs) console.error(`migration-progress: node logs kept in ${c?.dir}`);
    for (const n of [4, 5]) if (c?.isUp(n)) c.resume(n);
    await c?.cleanup(keepLogs);
  });

  it('progress read during a paced copy is monotone, with an estimate and a finite ETA', async () => {
    onTestFailed(() => void (keepLogs = true));
    const db = new FerryClient({ endpoints: [1, 2, 3].map((n) => c.address(n)), timeoutMs: 20_000 });
    for (let i = 0; i < 3000; i += 250) {
      await db.batchWrite(Array.from({ length: 250 }, (_, j) => ({ op: 'put' as const, key: `k/${String(i + j).padStart(5, '0')}`, value: 'v'.repeat(200) })));
    }
    // ≈ 700 KB at 150 KB/s: several seconds of BACKFILL.
    const job = await c.onDefaultLeader((a) => a.startSplitMigration({ routeId: '2', targetGroup: 3, options: { chunkBytes: 8192, rateLimitBytesPerSec: '150000', cleanupGraceMs: '0', cleanupGraceSet: true } }));
    const samples: SplitJob__Output[] = [];
    await waitFor(
      'the job to finish',
      async () => {
        const j = await c.onDefaultLeader((a) => a.getSplitJob({ jobId: job.jobId }));
        samples.push(j);
        return j.phase === 'DONE' || j.phase === 'FAILED' || j.phase === 'ABANDONED';
      },
      120_000,
      300,
    );
    const during = samples.filter((s) => s.phase === 'BACKFILL');
    expect(during.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < samples.length; i++) {
      const a = samples[i - 1]!.progress!;
      const b = samples[i]!.progress!;
      for (const f of ['backfillRows', 'backfillBytes', 'replayedRows', 'replayedBytes'] as const) expect(Number(b[f]), f).toBeGreaterThanOrEqual(Number(a[f]));
      expect(Number(b.lastProgressAtMs)).toBeGreaterThanOrEqual(Number(a.lastProgressAtMs));
    }
    const withRate = during.filter((s) => Number(s.progress!.rateBytesPerSec) > 0);
    expect(withRate.length).toBeGreaterThan(0);
    for (const s of withRate) {
      expect(Number(s.progress!.estimatedBytes)).toBeGreaterThan(0);
      const eta = Number(s.progress!.etaMs);
      expect(eta).toBeGreaterThanOrEqual(0);
      expect(eta).toBeLessThan(10 * 60_000);
    }
    expect(samples[samples.length - 1]!.phase).toBe('DONE');
    expect(samples.every((s) => !s.stalled)).toBe(true);
    db.close();
  });

  it('a job whose target group lost its majority is reported stalled with the reason, and resumes when the group is back', async () => {
    onTestFailed(() => void (keepLogs = true));
    const db = new FerryClient({ endpoints: [1, 2, 3].map((n) => c.address(n)), timeoutMs: 20_000 });
    await db.put('a/1', 'x');
    c.pause(4);
    c.pause(5);
    const t0 = Date.now();
    const job = await c.onDefaultLeader((a) => a.startSplitMigration({ routeId: '1', targetGroup: 3, options: { cleanupGraceMs: '0', cleanupGraceSet: true } }));
    const stalled = await waitFor(
      'the job to be reported stalled',
      async () => {
        const j = await c.onDefaultLeader((a) => a.getSplitJob({ jobId: job.jobId }));
        return j.stalled ? j : undefined;
      },
      STALL_AFTER_MS + 10_000 + 5000,
      200,
    );
    const reportedAfter = Date.now() - t0;
    expect(stalled.stallReason).toMatch(/group 3/);
    expect(stalled.phase).toBe('CLEAR_TARGET');
    // /healthz on the default group's leader says degraded and names the job; the metric counts it.
    const leader = await c.leaderOf(1);
    const health = (await (await fetch(`http://127.0.0.1:${c.httpPort(leader)}/healthz`)).json()) as { status: string; stalledJobs: { jobId: number; reason: string }[] };
    expect(health.status).toBe('degraded');
    expect(health.stalledJobs.map((j) => String(j.jobId))).toContain(job.jobId);
    const metrics = await (await fetch(`http://127.0.0.1:${c.httpPort(leader)}/metrics`)).text();
    expect(metrics).toMatch(/^ferrykv_migration_stalled_jobs 1$/m);
    c.resume(4);
    c.resume(5);
    const done = await waitFor(
      'the job to finish after the group is back',
      async () => {
        const j = await c.onDefaultLeader((a) => a.getSplitJob({ jobId: job.jobId }));
        return j.phase === 'DONE' ? j : undefined;
      },
      90_000,
      250,
    );
    expect(done.stalled).toBe(false);
    expect((await db.get('a/1'))?.value.toString()).toBe('x');
    console.log(`migration-progress: stall reported after ${reportedAfter} ms: ${stalled.stallReason}`);
    db.close();
  });
});
