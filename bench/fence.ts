// Fence-window benchmark: `npm run bench -- fence [--moves 20] [--keys 1000] [--writes-per-sec 1000] [--retention-ms 10000] [--gap-ms 5000] [--tick-ms 100]`.
//
// MIGRATION.md measures the fence window of a hot route over many moves (one
// move is one sample). This starts a 3-node, 3-group cluster on 127.0.0.1,
// loads `keys` keys into route [p, +∞) (group 3), then drives an open-loop
// writer at `writes-per-sec` on that route while moving it back and forth
// between groups 3 and 2, `moves` times (each move waits for DONE). It prints
// JSON: the fence window of every move (the migrator's clock, from Fence
// acknowledged to Adopt acknowledged), their p50/p99/max, per-move durations,
// rows copied, event-loop delay maxima and leader changes, and the writers'
// latency p50/p99/max and errors (client-visible errors must be 0).
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FerryClient, type Mutation } from '../src/client/client.js';
import { TestCluster, sleep } from '../testkit/cluster.js';
import { scrape } from './migration.js';
import { DEFAULTS } from '../src/server/config.js';
import { opt, percentile } from './args.js';

const root = fileURLToPath(new URL('../', import.meta.url));

const pct = (xs: readonly number[], p: number): number => percentile(xs, p, 1);

export async function runFenceBench(args: string[]): Promise<void> {
  const moves = Number(opt(args, 'moves', '20'));
  const keys = Number(opt(args, 'keys', '1000'));
  const wps = Number(opt(args, 'writes-per-sec', '1000'));
  // A hot route's history is bounded by the GC and request-id retentions; the bench compresses
  // time, so it uses short ones (every move copies the versions and request ids still retained).
  const retentionMs = Number(opt(args, 'retention-ms', '10000'));
  // Moves back to back would hold the route for migration all the time, and GC skips held ranges.
  const gapMs = Number(opt(args, 'gap-ms', String(retentionMs / 2)));
  const out = opt(args, 'out', join(root, 'bench/results', `${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}-fence.json`));
  const log = (m: string): void => console.error(`[fence ${new Date().toISOString().slice(11, 19)}] ${m}`);
  const loadAtStart = loadavg().map((x) => +x.toFixed(2));
  // The server's Raft tick by default (the test harness runs 50 ms ticks: elections after 0.5-1 s).
  const tickMs = opt(args, 'tick-ms', String(DEFAULTS.tickMs));
  const c = await TestCluster.start({ nodes: 3, groups: 3, extraArgs: ['--tick-ms', tickMs, '--gc-retention-ms', String(retentionMs), '--dedup-retention-ms', String(retentionMs)] });
  const endpoints = [1, 2, 3].map((n) => c.address(n));
  const db = new FerryClient({ endpoints, timeoutMs: 10_000 });
  const key = (i: number): string => `q/${String(i).padStart(7, '0')}`;
  try {
    for (let i = 0; i < keys; i += 500) {
      const muts: Mutation[] = [];
      for (let j = i; j < Math.min(keys, i + 500); j++) muts.push({ op: 'put', key: key(j), value: 'v'.repeat(100) });
      await db.batchWrite(muts);
    }
    // Open-loop writers on the moving route.
    const lats: number[] = [];
    const errors: string[] = [];
    let errorCount = 0;
    let running = true;
    let issued = 0;
    const t0 = performance.now();
    const writer = (async (): Promise<void> => {
      while (running) {
        const due = Math.floor((wps * (performance.now() - t0)) / 1000);
        while (issued < due) {
          const n = issued++;
          const start = performance.now();
          db.put(key(n % keys), `w${n}`).then(
            () => lats.push(performance.now() - start),
            (e: unknown) => {
              errorCount++;
              if (errors.length < 10) errors.push(e instanceof Error ? e.message : String(e));
            },
          );
        }
        await sleep(2);
      }
    })();
    await sleep(moves === 0 ? Number(opt(args, 'baseline-sec', '20')) * 1000 : 3000); // --moves 0: the writers' baseline
    const windows: number[] = [];
    const perMove: { ms: number; fenceWindowMs: number[]; backfillRows: number; backfillBytes: number; replayedRows: number; eventLoopDelayMaxMsByNode: number[]; leaderChanges: number }[] = [];
    // Each scrape resets the nodes' event-loop delay histograms: one before every move.
    const nodesNow = (): Promise<Record<string, number>[]> => Promise.all([1, 2, 3].map((n) => scrape(c.httpPort(n))));
    const leaderChanges = (ms: Record<string, number>[]): number => ms.reduce((t, m) => t + (m.leader_changes ?? 0), 0);
    const atStart = await nodesNow();
    const baselineLagMaxMs = atStart.map((m) => Math.round((m.nodejs_eventloop_lag_max_seconds ?? 0) * 1000));
    let lastChanges = leaderChanges(atStart);
    let group = 3;
    for (let m = 0; m < moves; m++) {
      const routes = (await c.adminApi(1).listRoutes({ local: false })).routes;
      const route = routes.find((r) => Buffer.from(r.start).toString() === 'p');
      if (!route) throw new Error('route [p, +∞) not found');
      const to = group === 3 ? 2 : 3;
      const began = Date.now();
      const job = await c.onDefaultLeader((a) => a.startSplitMigration({ routeId: route.routeId, targetGroup: to, options: { cleanupGraceMs: '0', cleanupGraceSet: true } }));
      const done = await c.waitJob(job.jobId, ['DONE', 'FAILED', 'ABANDONED'], 120_000);
      if (done.phase !== 'DONE') throw new Error(`move ${m + 1} ended ${done.phase}: ${done.lastError}`);
      const p = done.progress;
      const ms = await nodesNow();
      perMove.push({
        ms: Date.now() - began,
        fenceWindowMs: (p?.fenceWindowsMs ?? []).map(Number),
        backfillRows: Number(p?.backfillRows ?? 0),
        backfillBytes: Number(p?.backfillBytes ?? 0),
        replayedRows: Number(p?.replayedRows ?? 0),
        eventLoopDelayMaxMsByNode: ms.map((m) => Math.round((m.nodejs_eventloop_lag_max_seconds ?? 0) * 1000)),
        leaderChanges: leaderChanges(ms) - lastChanges,
      });
      lastChanges = leaderChanges(ms);
      windows.push(...(done.progress?.fenceWindowsMs ?? []).map(Number));
      group = to;
      if (gapMs > 0) await sleep(gapMs);
      log(`move ${m + 1}/${moves}: group ${group === 2 ? 3 : 2} → ${group} in ${Date.now() - began} ms, fence window ${(done.progress?.fenceWindowsMs ?? []).join(',')} ms`);
    }
    running = false;
    await writer;
    await sleep(2000);
    const report = {
      bench: 'fence',
      when: new Date().toISOString(),
      moves,
      keys,
      writesPerSec: wps,
      retentionMs,
      gapMs,
      tickMs: Number(tickMs),
      loadAtStart,
      fenceWindowsMs: windows,
      fenceWindowP50Ms: pct(windows, 50),
      fenceWindowP99Ms: pct(windows, 99),
      fenceWindowMaxMs: windows.length > 0 ? Math.max(...windows) : 0,
      moveDurationP50Ms: pct(perMove.map((m) => m.ms), 50),
      baselineEventLoopDelayMaxMsByNode: baselineLagMaxMs,
      perMove,
      writes: { issued, acknowledged: lats.length, p50Ms: pct(lats, 50), p99Ms: pct(lats, 99), maxMs: pct(lats, 100), errors: errorCount, firstErrors: errors },
    };
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(out, JSON.stringify(report, null, 2));
    console.log(JSON.stringify(report, null, 2));
  } finally {
    db.close();
    const keep = args.includes('--keep-logs');
    if (keep) log(`node logs kept in ${c.dir}`);
    await c.cleanup(keep);
  }
}
