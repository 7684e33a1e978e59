// Overload benchmark: `npm run bench -- overload [--seconds 10] [--tick-ms 100]`.
//
// Goodput under overload (the defects issue, item 6: ≥ 80 % of peak at 10×
// overload, memory returned after the burst). Starts a 3-node, 1-group
// cluster on 127.0.0.1. For 256 B and 64 KiB values: measures the peak
// goodput of closed-loop SDK writers (64 and 256 of them), then runs 10× the
// writers of the peak for the same time and reports goodput, errors by code
// and latency; then one burst of 20,000 puts in one Batch message (refused
// with OVERLOADED beyond the node's bounds, never timed out), and the nodes'
// RSS before, at the end of the load and 15 s after it. Prints JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FerryClient, KvError } from '../src/client/client.js';
import { decodeKvError } from '../src/api/errors.js';
import { DEFAULTS } from '../src/server/config.js';
import { TestCluster, enc, sleep } from '../testkit/cluster.js';
import { opt, percentile } from './args.js';

const root = fileURLToPath(new URL('../', import.meta.url));

const pct = (xs: number[], p: number): number => percentile(xs, p, 0);

/** Each node's memory (MiB): resident set, V8 heap used and total, memory outside the heap (buffers). */
async function rss(c: TestCluster): Promise<{ rss: number; heapUsed: number; heapTotal: number; external: number }[]> {
  return Promise.all(
    [1, 2, 3].map(async (n) => {
      const text = await (await fetch(`http://127.0.0.1:${c.httpPort(n)}/metrics`)).text();
      const mb = (name: string): number => {
        const line = text.split('\n').find((l) => l.startsWith(`ferrykv_process_${name} `));
        return Math.round(Number(line?.split(' ')[1] ?? 0) / (1 << 20));
      };
      return { rss: mb('process_resident_memory_bytes'), heapUsed: mb('nodejs_heap_size_used_bytes'), heapTotal: mb('nodejs_heap_size_total_bytes'), external: mb('nodejs_external_memory_bytes') };
    }),
  );
}

interface Run {
  readonly writers: number;
  readonly valueBytes: number;
  readonly goodputPerSec: number;
  readonly errors: Record<string, number>;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

async function closedLoop(c: TestCluster, writers: number, valueBytes: number, seconds: number): Promise<Run> {
  const db = new FerryClient({ endpoints: [1, 2, 3].map((n) => c.address(n)), timeoutMs: 5000 });
  const value = Buffer.alloc(valueBytes, 7);
  const lat: number[] = [];
  const errors: Record<string, number> = {};
  let ok = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; performance.now() < until; i++) {
        const t0 = performance.now();
        try {
          await db.put(`k/${w}/${i % 50}`, value);
          ok++;
          lat.push(performance.now() - t0);
        } catch (e) {
          const code = e instanceof KvError ? e.code : 'OTHER';
          errors[code] = (errors[code] ?? 0) + 1;
        }
      }
    }),
  );
  db.close();
  return { writers, valueBytes, goodputPerSec: Math.round(ok / seconds), errors, p50Ms: pct(lat, 50), p99Ms: pct(lat, 99) };
}

/** 20,000 puts in one Batch message: how they are answered. */
async function burst(c: TestCluster, n: number, valueBytes: number): Promise<Record<string, number>> {
  const stream = c.kv(1).batch();
  const codes: Record<string, number> = {};
  const value = Buffer.alloc(valueBytes, 3);
  await new Promise<void>((resolve, reject) => {
    let got = 0;
    const timer = setTimeout(() => resolve(), 60_000);
    stream.on('data', (r: { results: { response?: string; error?: Buffer }[] }) => {
      for (const x of r.results) {
        const code = x.response === 'error' && x.error ? decodeKvError(x.error).code : 'OK';
        codes[code] = (codes[code] ?? 0) + 1;
        got++;
      }
      if (got >= n) {
        clearTimeout(timer);
        stream.end();
      }
    });
    stream.on('end', () => resolve());
    stream.on('error', reject);
    stream.write({ ops: Array.from({ length: n }, (_, i) => ({ id: i + 1, put: { key: enc(`b/${i}`), value, requestId: enc(`burst-${i}`) } })) });
  });
  codes.unanswered = n - Object.values(codes).reduce((a, b) => a + b, 0);
  return codes;
}

export async function runOverloadBench(args: string[]): Promise<void> {
  const seconds = Number(opt(args, 'seconds', '10'));
  const tickMs = opt(args, 'tick-ms', String(DEFAULTS.tickMs));
  const out = opt(args, 'out', join(root, 'bench/results', `${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}-overload.json`));
  const log = (m: string): void => console.error(`[overload ${new Date().toISOString().slice(11, 19)}] ${m}`);
  const c = await TestCluster.start({ nodes: 3, groups: 1, extraArgs: ['--tick-ms', tickMs, '--dedup-retention-ms', '10000', '--gc-retention-ms', '10000'] });
  const report: Record<string, unknown> = { bench: 'overload', date: new Date().toISOString(), seconds };
  try {
    report.rssMbStart = await rss(c);
    for (const valueBytes of [256, 64 << 10]) {
      const peaks: Run[] = [];
      for (const writers of [64, 256]) {
        const r = await closedLoop(c, writers, valueBytes, seconds);
        log(JSON.stringify(r));
        peaks.push(r);
      }
      const peak = peaks.reduce((a, b) => (b.goodputPerSec > a.goodputPerSec ? b : a));
      const over = await closedLoop(c, peak.writers * 10, valueBytes, seconds);
      log(JSON.stringify(over));
      report[`values${valueBytes}`] = { peaks, overload: over, ratio: +(over.goodputPerSec / peak.goodputPerSec).toFixed(2) };
    }
    report.burst20000 = await burst(c, 20_000, 64);
    log(`burst: ${JSON.stringify(report.burst20000)}`);
    report.rssMbAfterLoad = await rss(c);
    await sleep(15_000);
    report.rssMbAfter15sIdle = await rss(c);
  } finally {
    await c.cleanup();
  }
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(out, JSON.stringify(report, null, 2));
  console.log(JSON.stringify(report, null, 2));
}
