// Live migration under load: how fast a route moves to another group, and what
// clients see meanwhile.
//
//   npm run bench -- migration [--keys 1000000] [--value-bytes 1000] [--chunk-bytes B] [--rate-limit B/s]
//                              [--foreground-rps 1000] [--baseline-sec 10] [--move-timeout-sec 1800]
//                              [--profile] [--profile-dir DIR] [--out FILE] [--no-move] [--tick-ms 100] [--keep-dir]
//
// Starts a 3-node, 3-group TestCluster (group 1 [ , h), group 2 [h, p), group 3
// [p, +∞)), preloads route 3 with --keys keys 'q/<n>' of --value-bytes
// incompressible bytes (SDK batchWrite, batches in parallel) and 10,000 keys in
// each of groups 1 ('a/') and 2 ('i/'). Then an open-loop foreground workload
// (each op issued on schedule, not after the previous one finishes):
// --foreground-rps writes/s plus a quarter of that in reads on the moving route,
// and --foreground-rps ops/s (half reads, half writes) on the other routes,
// split between group 1 and group 2 (the target). It runs --baseline-sec before
// the move and for the whole move (route 3 → group 2, cleanup grace 0), with
// every latency and every client-visible error recorded. The job is followed
// with WatchSplitJob, so each phase's start time (the migrator's clock) is
// known: copy throughput is computed over the BACKFILL phase, and
// foreground.headOfLine compares group 1's put latency during BACKFILL (the
// target applying --chunk-bytes IMPORT chunks on the same nodes) with the
// baseline's.
//
// --profile CPU-profiles every node over the move window: Node 20 refuses
// --cpu-prof in NODE_OPTIONS, so the nodes get `--import` of a small preload
// (written to a temporary directory) that starts the V8 profiler through
// node:inspector on the first SIGUSR2 and writes the profile on the second. The
// profiles are summarised by self time (function and module) per node, naming
// which groups each node led. --profile-dir DIR (implies --profile) keeps the
// raw .cpuprofile files (named by node PID) for DevTools.
//
// --keep-dir keeps the cluster's directory (node logs n<id>.log and data) and
// prints where it is.
//
// --no-move stops after the baseline (to find the foreground rate the cluster
// sustains on a given machine).
//
// Prints one JSON document and writes it to bench/results/<date>-migration.json
// (or --out).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FerryClient, type Mutation } from '../src/client/client.js';
import type { SplitJob__Output } from '../src/proto-gen/ferrykv/admin/v1/SplitJob.js';
import { SERVER_BIN, TestCluster, sleep } from '../testkit/cluster.js';
import { DEFAULTS } from '../src/server/config.js';
import { commitOf, opt } from './args.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const TERMINAL = new Set(['DONE', 'FAILED', 'ABANDONED']);
const OTHER_KEYS = 10_000;
const SOURCE_GROUP = 3;
const TARGET_GROUP = 2;


const pad = (n: number): string => String(n).padStart(8, '0');
const movingKey = (n: number): string => `q/${pad(n)}`;

// ---- latency recording ------------------------------------------------------

interface Stats {
  ops: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

class OpStream {
  readonly starts: number[] = []; // wall-clock ms (performance.timeOrigin + now)
  readonly lats: number[] = [];
  errors = 0;
  skipped = 0; // not issued: too many of this stream's ops in flight
  skippedBeforeMove = 0;
  inFlight = 0;
  issued = 0;
  constructor(
    readonly name: string,
    readonly rate: number,
  ) {}
}

function stats(lats: number[]): Stats {
  const s = Float64Array.from(lats).sort();
  const at = (p: number): number => (s.length === 0 ? 0 : +s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!.toFixed(2));
  return { ops: s.length, p50: at(50), p99: at(99), p999: at(99.9), max: s.length ? +s[s.length - 1]!.toFixed(2) : 0 };
}

function windowStats(streams: OpStream[], from: number, to: number): Stats {
  const lats: number[] = [];
  for (const s of streams) for (let i = 0; i < s.starts.length; i++) if (s.starts[i]! >= from && s.starts[i]! < to) lats.push(s.lats[i]!);
  return stats(lats);
}

const wallNow = (): number => performance.timeOrigin + performance.now();

/** The slowest ops of `streams` started in [from, to): when (s after `from`) and how long (ms), slowest first. */
function slowest(streams: OpStream[], from: number, to: number, n: number): { atSec: number; ms: number }[] {
  const all: { atSec: number; ms: number }[] = [];
  for (const s of streams) for (let i = 0; i < s.starts.length; i++) if (s.starts[i]! >= from && s.starts[i]! < to) all.push({ atSec: +((s.starts[i]! - from) / 1000).toFixed(2), ms: Math.round(s.lats[i]!) });
  return all.sort((a, b) => b.ms - a.ms).slice(0, n);
}

// ---- CPU profiles ------------------------------------------------------------

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function shortUrl(url: string): string {
  const i = url.indexOf('node_modules/');
  if (i >= 0) return url.slice(i + 'node_modules/'.length);
  const j = url.indexOf('/dist/');
  if (j >= 0) return url.slice(j + 1);
  return url.replace(/^file:\/\//, '');
}

function moduleOf(url: string): string {
  if (url === '') return '(native/vm)';
  if (url.startsWith('node:')) return url;
  const i = url.indexOf('node_modules/');
  if (i >= 0) {
    const parts = url.slice(i + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const m = /\/dist\/(src\/[^/]+|cmd)\//.exec(url);
  return m ? m[1]! : shortUrl(url);
}

/** Loaded into each node with --import: SIGUSR2 starts the CPU profiler, the next SIGUSR2 writes <dir>/<pid>.cpuprofile. */
const PROFILER_PRELOAD = `
import { Session } from 'node:inspector';
import { renameSync, writeFileSync } from 'node:fs';
const dir = process.env.FERRYKV_BENCH_PROF_DIR;
const s = new Session();
s.connect();
let on = false;
process.on('SIGUSR2', () => {
  if (!on) {
    on = true;
    s.post('Profiler.enable', () => s.post('Profiler.setSamplingInterval', { interval: 1000 }, () => s.post('Profiler.start')));
  } else {
    on = false;
    s.post('Profiler.stop', (err, r) => {
      if (err) return;
      const f = dir + '/' + process.pid + '.cpuprofile';
      writeFileSync(f + '.tmp', JSON.stringify(r.profile));
      renameSync(f + '.tmp', f);
    });
  }
});
`;

const frameKey = (n: ProfileNode): string => {
  const name = n.callFrame.functionName || '(anonymous)';
  return n.callFrame.url ? `${name} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}` : `${name} [native]`;
};

/**
 * Self time by function and by module; time in native frames (no script: C++
 * bindings such as LevelDB's, Buffer copies, the gRPC/HTTP2 layer) by the
 * nearest JavaScript caller; and inclusive time by function (each function
 * counted once per sample however deep it recurses).
 */
function summariseProfile(p: CpuProfile, windows: { phase: string; fromMs: number; toMs: number }[], top = 15): object {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const fn = new Map<string, number>();
  const mod = new Map<string, number>();
  const nativeBy = new Map<string, number>();
  const incl = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, d: number): void => void m.set(k, (m.get(k) ?? 0) + d);
  let total = 0;
  let idle = 0;
  let elapsedUs = 0;
  const busyIn = windows.map(() => 0);
  for (let i = 0; i < p.samples.length; i++) {
    elapsedUs += p.timeDeltas[i] ?? 0;
    const d = p.timeDeltas[i + 1] ?? 0; // the time until the next sample is this sample's
    const n = byId.get(p.samples[i]!);
    if (!n) continue;
    total += d;
    const name = n.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idle += d;
      continue;
    }
    const w = windows.findIndex((x) => elapsedUs / 1000 >= x.fromMs && elapsedUs / 1000 < x.toMs);
    if (w >= 0) busyIn[w]! += d;
    add(fn, frameKey(n), d);
    add(mod, name.startsWith('(') && !n.callFrame.url ? name : moduleOf(n.callFrame.url), d);
    const seen = new Set<string>();
    let caller: string | undefined;
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!;
      if (f.callFrame.functionName === '(root)') break;
      const k = frameKey(f);
      if (!seen.has(k)) {
        seen.add(k);
        add(incl, k, d);
      }
      if (caller === undefined && f.callFrame.url) caller = k;
    }
    if (!n.callFrame.url && !name.startsWith('(')) add(nativeBy, `${frameKey(n)} ← ${caller ?? '?'}`, d);
    else if (!n.callFrame.url && name === '(anonymous)') add(nativeBy, `(anonymous) [native] ← ${caller ?? '?'}`, d);
  }
  const busy = total - idle;
  const rank = (m: Map<string, number>, k = top): { name: string; ms: number; pctOfBusy: number }[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), pctOfBusy: +((100 * us) / (busy || 1)).toFixed(1) }));
  return {
    windowMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    busyPct: +((100 * busy) / (total || 1)).toFixed(1),
    mainThreadBusyPctByPhase: Object.fromEntries(windows.map((w, i) => [w.phase, +((100 * busyIn[i]!) / 1000 / Math.max(1, w.toMs - w.fromMs)).toFixed(1)])),
    topSelf: rank(fn),
    topNativeByCaller: rank(nativeBy, 10),
    topModules: rank(mod),
    topInclusive: rank(incl, 25),
  };
}

// ---- metrics scrape (event-loop lag, CPU) ------------------------------------

export async function scrape(port: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
    for (const line of (await res.text()).split('\n')) {
      const m = /^(ferrykv_process_(?:process_cpu_seconds_total|nodejs_eventloop_lag_(?:max|p99|mean)_seconds))\s+([0-9.eE+-]+)$/.exec(line);
      if (m) out[m[1]!.replace('ferrykv_process_', '')] = Number(m[2]);
      const p = /^ferrykv_raft_persist_duration_seconds_(count|bucket\{le="0\.(1|25)"\})\s+([0-9.eE+-]+)$/.exec(line);
      if (p) out[p[1] === 'count' ? 'persists' : `persists_le_${p[2] === '1' ? 100 : 250}ms`] = Number(p[3]);
      // Server-side duration of Batch puts (every group's): how many took over 250 ms on this node.
      const q = /^ferrykv_request_duration_seconds_(count|bucket)\{(?:le="0\.25",)?method="batch\.put"(?:,le="0\.25")?\}\s+([0-9.eE+-]+)$/.exec(line);
      if (q) out[q[1] === 'count' ? 'puts' : 'puts_le_250ms'] = Number(q[2]);
      const t = /^ferrykv_raft_transport_blocked_total\s+([0-9.eE+-]+)$/.exec(line);
      if (t) out.transport_blocked = Number(t[1]);
      const l = /^ferrykv_raft_leader_changes_total\{[^}]*\}\s+([0-9.eE+-]+)$/.exec(line);
      if (l) out.leader_changes = (out.leader_changes ?? 0) + Number(l[1]);
    }
  } catch {
    /* no metrics from this node */
  }
  return out;
}

// ---- the benchmark -----------------------------------------------------------

export async function runMigrationBench(args: string[]): Promise<void> {
  const keys = Number(opt(args, 'keys', '1000000'));
  const valueBytes = Number(opt(args, 'value-bytes', '1000'));
  const chunkBytes = Number(opt(args, 'chunk-bytes', '0'));
  const rateLimit = Number(opt(args, 'rate-limit', '0'));
  const rps = Number(opt(args, 'foreground-rps', '1000'));
  const baselineSec = Number(opt(args, 'baseline-sec', '10'));
  const moveTimeoutSec = Number(opt(args, 'move-timeout-sec', '1800'));
  const profile = args.includes('--profile');
  const noMove = args.includes('--no-move');
  const out = opt(args, 'out', join(root, 'bench/results', `${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}-migration.json`));
  const userBytes = keys * (movingKey(0).length + valueBytes);
  const fs = statfsSync(tmpdir());
  // Raft log + state machine on 3 replicas of the source, then of the target, plus compaction room.
  if (fs.bavail * fs.bsize < 10 * userBytes + 2e9) throw new Error(`refusing to run: need ~${((10 * userBytes + 2e9) / 1e9).toFixed(1)} GB free in ${tmpdir()}`);

  const loadAtStart = loadavg().map((x) => +x.toFixed(2));
  // What the nodes run: recorded before they start (others may rebuild dist/ during a long run).
  const commit = commitOf(root);
  const serverBuiltAt = existsSync(SERVER_BIN) ? statSync(SERVER_BIN).mtime.toISOString() : 'missing';
  const keepProfiles = opt(args, 'profile-dir', '');
  // Keep the cluster's directory (node logs n<id>.log, data) after the run, to read what the nodes did.
  const keepDir = args.includes('--keep-dir');
  if (keepProfiles) mkdirSync(keepProfiles, { recursive: true });
  const profDir = keepProfiles || (profile ? mkdtempSync(join(tmpdir(), 'ferrykv-prof-')) : undefined);
  if (profDir) writeFileSync(join(profDir, 'preload.mjs'), PROFILER_PRELOAD);
  const log = (msg: string): void => console.error(`[migration ${new Date().toISOString().slice(11, 19)}] ${msg}`);
  // The nodes run the server's Raft tick (100 ms: elections after 1-2 s without a leader), not the
  // test harness's 50 ms, which on this loaded machine turned event-loop stalls into elections.
  const tickMs = opt(args, 'tick-ms', String(DEFAULTS.tickMs));
  const c = await TestCluster.start({
    nodes: 3,
    groups: 3,
    extraArgs: ['--tick-ms', tickMs],
    ...(profDir ? { env: { NODE_OPTIONS: `--import ${join(profDir, 'preload.mjs')}`, FERRYKV_BENCH_PROF_DIR: profDir } } : {}),
  });
  const pids = new Map([1, 2, 3].map((n) => [n, c.nodes.get(n)!.proc!.pid!]));
  const toggleProfilers = (): void => {
    if (profDir) for (const pid of pids.values()) process.kill(pid, 'SIGUSR2');
  };
  const endpoints = [1, 2, 3].map((n) => c.address(n));
  const loader = new FerryClient({ endpoints, timeoutMs: 60_000 });
  const fg = new FerryClient({ endpoints, timeoutMs: 10_000 });
  const pool = randomBytes(4 << 20); // values are slices of random bytes: LevelDB's snappy cannot shrink them
  const value = (n: number): Buffer => {
    const off = (n * 7919) % (pool.length - valueBytes);
    return pool.subarray(off, off + valueBytes);
  };
  try {
    // ---- preload
    log(`preloading ${keys} keys × ${valueBytes} B (${(userBytes / 2 ** 20).toFixed(0)} MiB) into group ${SOURCE_GROUP}`);
    const perBatch = Math.max(1, Math.min(2000, Math.floor((256 << 10) / (valueBytes + 10))));
    const t0 = performance.now();
    let next = 0;
    let done = 0;
    const progress = setInterval(() => log(`preload ${done}/${keys} (${((done * (valueBytes + 10)) / 2 ** 20 / ((performance.now() - t0) / 1000)).toFixed(1)} MiB/s)`), 15_000);
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < keys) {
          const from = next;
          next = Math.min(keys, next + perBatch);
          const muts: Mutation[] = [];
          for (let i = from; i < next; i++) muts.push({ op: 'put', key: movingKey(i), value: value(i) });
          await loader.batchWrite(muts);
          done += muts.length;
        }
      }),
    );
    clearInterval(progress);
    const preloadSec = (performance.now() - t0) / 1000;
    for (const prefix of ['a/', 'i/']) {
      for (let i = 0; i < OTHER_KEYS; i += perBatch) {
        const muts: Mutation[] = [];
        for (let j = i; j < Math.min(OTHER_KEYS, i + perBatch); j++) muts.push({ op: 'put', key: `${prefix}${pad(j)}`, value: value(j) });
        await loader.batchWrite(muts);
      }
    }
    log(`preload done in ${preloadSec.toFixed(1)} s (${(userBytes / 1e6 / preloadSec).toFixed(1)} MB/s)`);
    // Let compactions and followers settle before measuring: until the nodes use < 30 % of a core for 3 s (at most 120 s).
    const settleFrom = performance.now();
    for (;;) {
      const cpu = async (): Promise<number> => (await Promise.all([1, 2, 3].map((n) => scrape(c.httpPort(n))))).reduce((t, m) => t + (m.process_cpu_seconds_total ?? 0), 0);
      const a = await cpu();
      await sleep(3000);
      if ((await cpu()) - a < 0.9 || performance.now() - settleFrom > 120_000) break;
    }
    const settleSec = (performance.now() - settleFrom) / 1000;
    log(`settled in ${settleSec.toFixed(0)} s`);

    // ---- foreground workload (open loop)
    const streams = {
      movingWrite: new OpStream('moving write', rps),
      movingRead: new OpStream('moving read', rps / 4),
      g1Read: new OpStream('group 1 read', rps / 4),
      g1Write: new OpStream('group 1 write', rps / 4),
      g2Read: new OpStream('group 2 (target) read', rps / 4),
      g2Write: new OpStream('group 2 (target) write', rps / 4),
    };
    let seed = 0x9e3779b9;
    const rand = (): number => {
      seed ^= seed << 13;
      seed >>>= 0;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      seed >>>= 0;
      return seed;
    };
    const ops: Record<keyof typeof streams, () => Promise<unknown>> = {
      movingWrite: () => { const n = rand() % keys; return fg.put(movingKey(n), value(n + 1)); },
      movingRead: () => fg.get(movingKey(rand() % keys)),
      g1Read: () => fg.get(`a/${pad(rand() % OTHER_KEYS)}`),
      g1Write: () => { const n = rand() % OTHER_KEYS; return fg.put(`a/${pad(n)}`, value(n + 1)); },
      g2Read: () => fg.get(`i/${pad(rand() % OTHER_KEYS)}`),
      g2Write: () => { const n = rand() % OTHER_KEYS; return fg.put(`i/${pad(n)}`, value(n + 1)); },
    };
    const errors: { atMs: number; stream: string; phase: string; message: string }[] = [];
    const errorTimes: number[] = [];
    let errorCount = 0;
    let phaseNow = 'baseline';
    let running = true;
    const fgStart = performance.now();
    const MAX_IN_FLIGHT = 2000;
    const issue = (k: keyof typeof streams): void => {
      const s = streams[k];
      if (s.inFlight >= MAX_IN_FLIGHT) {
        s.skipped++;
        return;
      }
      s.inFlight++;
      const start = wallNow();
      const t = performance.now();
      ops[k]().then(
        () => {
          s.starts.push(start);
          s.lats.push(performance.now() - t);
        },
        (e: unknown) => {
          s.errors++;
          errorCount++;
          errorTimes.push(start);
          if (errors.length < 20) errors.push({ atMs: Math.round(start), stream: s.name, phase: phaseNow, message: e instanceof Error ? e.message : String(e) });
        },
      ).finally(() => s.inFlight--);
    };
    const pacer = (async (): Promise<void> => {
      while (running) {
        const elapsed = (performance.now() - fgStart) / 1000;
        for (const k of Object.keys(streams) as (keyof typeof streams)[]) {
          const s = streams[k];
          const due = Math.floor(s.rate * elapsed);
          while (s.issued < due) {
            s.issued++;
            issue(k);
          }
        }
        await sleep(2);
      }
    })();

    // Process CPU (all threads) of each node, from /metrics: the baseline's, and at every phase change.
    // Each scrape also resets the nodes' event-loop delay histograms: a scrape covers the time since the previous one.
    const lagScrapes: Record<string, number>[][] = [];
    const scrapeAll = async (): Promise<Record<string, number>[]> => {
      const ms = await Promise.all([1, 2, 3].map((n) => scrape(c.httpPort(n))));
      lagScrapes.push(ms);
      return ms;
    };
    const cpuAtBaseline = (await scrapeAll()).map((m) => m.process_cpu_seconds_total ?? NaN);
    log(`baseline: ${baselineSec} s of foreground load`);
    const baselineFrom = wallNow();
    await sleep(baselineSec * 1000);

    // ---- the move
    const leadersAtStart = { group1: await c.leaderOf(1), group2: await c.leaderOf(2), group3: await c.leaderOf(3) };
    const before = await Promise.all([1, 2, 3].map((n) => scrape(c.httpPort(n))));
    const baselineLag = before.map((m) => ({ maxMs: Math.round((m.nodejs_eventloop_lag_max_seconds ?? NaN) * 1000), p99Ms: Math.round((m.nodejs_eventloop_lag_p99_seconds ?? NaN) * 1000) }));
    lagScrapes.length = 0; // from here on: the move
    for (const st of Object.values(streams)) st.skippedBeforeMove = st.skipped;
    if (noMove) {
      running = false;
      await pacer;
      const b = (ss: OpStream[]): Stats => windowStats(ss, baselineFrom, wallNow());
      const r = {
        keys,
        valueBytes,
        foregroundRps: rps,
        loadAverage: { atStart: loadAtStart, atEnd: loadavg().map((x) => +x.toFixed(2)) },
        baseline: { otherRoutes: b([streams.g1Read, streams.g1Write, streams.g2Read, streams.g2Write]), movingRoute: b([streams.movingWrite, streams.movingRead]) },
        clientErrors: errorCount,
        notIssuedTooManyInFlight: Object.values(streams).reduce((n, st) => n + st.skipped, 0),
      };
      console.log(JSON.stringify(r, null, 2));
      return;
    }
    toggleProfilers();
    const moveFrom = wallNow();
    const started = await c.adminApi(leadersAtStart.group1).startSplitMigration({
      routeId: String(SOURCE_GROUP),
      targetGroup: TARGET_GROUP,
      options: { cleanupGraceMs: '0', cleanupGraceSet: true, ...(chunkBytes ? { chunkBytes } : {}), ...(rateLimit ? { rateLimitBytesPerSec: String(rateLimit) } : {}) },
    });
    log(`job ${started.jobId} started: route ${SOURCE_GROUP} → group ${TARGET_GROUP}`);
    const timeline: { phase: string; startedAtMs: number }[] = [];
    const phaseScrapes: Promise<Record<string, number>[]>[] = [];
    // The bench process's own event-loop delay per phase: a stalled client shows as server latency otherwise.
    const benchLag = monitorEventLoopDelay({ resolution: 10 });
    benchLag.enable();
    const benchLagAt: { p99: number; max: number }[] = [];
    let last: SplitJob__Output = started;
    const seen = (j: SplitJob__Output): void => {
      last = j;
      const at = Number(j.progress?.phaseStartedAtMs ?? 0) || Date.now();
      if (timeline[timeline.length - 1]?.phase !== j.phase) {
        timeline.push({ phase: j.phase, startedAtMs: at });
        phaseScrapes.push(scrapeAll());
        benchLagAt.push({ p99: Math.round(benchLag.percentile(99) / 1e6), max: Math.round(benchLag.max / 1e6) });
        benchLag.reset();
        phaseNow = j.phase;
        log(`phase ${j.phase} (backfill ${j.progress?.backfillRows ?? 0} rows, ${(Number(j.progress?.backfillBytes ?? 0) / 2 ** 20).toFixed(0)} MiB)`);
      }
    };
    seen(started);
    const deadline = Date.now() + moveTimeoutSec * 1000;
    let lastLog = Date.now();
    while (!TERMINAL.has(last.phase) && Date.now() < deadline) {
      // Follow the job's updates; when the stream breaks (leader change), poll once and watch again.
      await new Promise<void>((resolve) => {
        void c.leaderOf(1).then(
          (leader) => {
            const call = c.admin(leader).watchSplitJob({ jobId: started.jobId });
            const timer = setTimeout(() => call.cancel(), Math.max(1, deadline - Date.now()));
            call.on('data', (j: SplitJob__Output) => {
              seen(j);
              if (Date.now() - lastLog > 15_000) {
                lastLog = Date.now();
                log(`${j.phase}: backfill ${(Number(j.progress?.backfillBytes ?? 0) / 2 ** 20).toFixed(0)} MiB at ${(Number(j.progress?.rateBytesPerSec ?? 0) / 2 ** 20).toFixed(1)} MiB/s`);
              }
            });
            const end = (): void => {
              clearTimeout(timer);
              resolve();
            };
            call.on('end', end);
            call.on('error', end);
          },
          () => resolve(),
        );
      });
      if (!TERMINAL.has(last.phase)) {
        await sleep(250);
        try {
          seen(await c.adminApi(await c.leaderOf(1)).getSplitJob({ jobId: started.jobId }));
        } catch {
          /* leader moving: watch again */
        }
      }
    }
    const moveTo = wallNow();
    toggleProfilers();
    const after = await Promise.all([1, 2, 3].map((n) => scrape(c.httpPort(n))));
    await Promise.all(phaseScrapes);
    lagScrapes.push(after);
    const leadersAtEnd = { group1: await c.leaderOf(1), group2: await c.leaderOf(2), group3: await c.leaderOf(3) };
    log(`job ${last.phase} after ${((moveTo - moveFrom) / 1000).toFixed(1)} s`);
    await sleep(500);
    running = false;
    await pacer;
    const drainUntil = Date.now() + 15_000;
    while (Object.values(streams).some((s) => s.inFlight > 0) && Date.now() < drainUntil) await sleep(50);

    // ---- results
    const phaseStart = (p: string): number | undefined => timeline.find((t) => t.phase === p)?.startedAtMs;
    const phaseEnd = (p: string): number | undefined => {
      const i = timeline.findIndex((t) => t.phase === p);
      return i >= 0 ? timeline[i + 1]?.startedAtMs : undefined;
    };
    const bfFrom = phaseStart('BACKFILL');
    const bfTo = phaseEnd('BACKFILL');
    const backfillSec = bfFrom !== undefined && bfTo !== undefined ? (bfTo - bfFrom) / 1000 : undefined;
    const moveSec = (moveTo - moveFrom) / 1000;
    const copySec = backfillSec ?? moveSec;
    const other = [streams.g1Read, streams.g1Write, streams.g2Read, streams.g2Write];
    const moving = [streams.movingWrite, streams.movingRead];
    const both = (ss: OpStream[]): { baseline: Stats; during: Stats } => ({ baseline: windowStats(ss, baselineFrom, moveFrom), during: windowStats(ss, moveFrom, moveTo) });
    const byPhase = (ss: OpStream[]): Record<string, Stats> => {
      const r: Record<string, Stats> = {};
      timeline.forEach((t, i) => {
        const to = timeline[i + 1]?.startedAtMs ?? moveTo;
        if (!TERMINAL.has(t.phase)) r[t.phase] = windowStats(ss, Math.max(t.startedAtMs, moveFrom), to);
      });
      return r;
    };
    const otherRoutes = both(other);
    const atPhase = await Promise.all(phaseScrapes);
    const cpuAt = atPhase.map((ms) => ms.map((m) => m.process_cpu_seconds_total ?? NaN));
    const baselineCpu = before.map((m, i) => ((m.process_cpu_seconds_total ?? NaN) - cpuAtBaseline[i]!) / ((moveFrom - baselineFrom) / 1000));
    const bfIdx = timeline.findIndex((t) => t.phase === 'BACKFILL');
    const backfillCpu = (() => {
      if (bfIdx < 0 || !cpuAt[bfIdx + 1] || backfillSec === undefined) return undefined;
      const total = cpuAt[bfIdx + 1]!.reduce((t, x, n) => t + x - cpuAt[bfIdx]![n]!, 0);
      const fgShare = baselineCpu.reduce((t, x) => t + x, 0) * backfillSec;
      const mb = Number(last.progress?.backfillBytes ?? 0) / 1e6;
      return {
        nodesCpuSec: +total.toFixed(1),
        nodesCores: +(total / backfillSec).toFixed(2),
        cpuSecPerMBCopied: +(total / mb).toFixed(3),
        cpuSecPerMBCopiedMinusForeground: +((total - fgShare) / mb).toFixed(3),
      };
    })();
    const fenceWindowsMs = (last.progress?.fenceWindowsMs ?? []).map(Number);
    const node = (n: number): object => {
      const led = Object.entries(leadersAtStart)
        .filter(([, id]) => id === n)
        .map(([g]) => g);
      const b = before[n - 1]!;
      const a = after[n - 1]!;
      return {
        node: n,
        ledAtStart: led,
        cpuSecDuringMove: a.process_cpu_seconds_total !== undefined && b.process_cpu_seconds_total !== undefined ? +(a.process_cpu_seconds_total - b.process_cpu_seconds_total).toFixed(1) : undefined,
        eventLoopDelayBaseline: baselineLag[n - 1],
        eventLoopDelayDuringMove: {
          // max over the move; p99 of the worst interval between scrapes (one per phase change)
          maxMs: Math.round(Math.max(...lagScrapes.map((ms) => ms[n - 1]!.nodejs_eventloop_lag_max_seconds ?? 0)) * 1000),
          worstP99Ms: Math.round(Math.max(...lagScrapes.map((ms) => ms[n - 1]!.nodejs_eventloop_lag_p99_seconds ?? 0)) * 1000),
        },
        leaderChangesSeenDuringMove: (a.leader_changes ?? 0) - (b.leader_changes ?? 0),
      };
    };
    const result: Record<string, unknown> = {
      node: process.version,
      date: new Date().toISOString(),
      commit,
      serverBuiltAt,
      loadAverage: { atStart: loadAtStart, atEnd: loadavg().map((x) => +x.toFixed(2)) },
      keys,
      valueBytes,
      userBytes,
      options: { chunkBytes: chunkBytes || 'default (1 MiB)', rateLimit: rateLimit || 'unlimited', foregroundRps: rps, baselineSec, tickMs: Number(tickMs) },
      preloadSec: +preloadSec.toFixed(1),
      settleSec: +settleSec.toFixed(1),
      moveSec: +moveSec.toFixed(1),
      backfillSec: backfillSec !== undefined ? +backfillSec.toFixed(1) : undefined,
      copyMBps: +(userBytes / 1e6 / copySec).toFixed(1),
      copyMBpsOver: backfillSec !== undefined ? 'BACKFILL phase (user key+value bytes / phase duration, MB = 10^6 B)' : 'whole move',
      copiedMBpsByJob: +(Number(last.progress?.backfillBytes ?? 0) / 1e6 / copySec).toFixed(1),
      fenceWindowsMs,
      phases: timeline.map((t, i) => ({
        phase: t.phase,
        sec: +(((timeline[i + 1]?.startedAtMs ?? t.startedAtMs) - t.startedAtMs) / 1000).toFixed(2),
        // From /metrics scraped at each phase change: the scrape at the next change covers this phase.
        cpuSecByNode: cpuAt[i + 1] ? cpuAt[i + 1]!.map((x, n) => +(x - cpuAt[i]![n]!).toFixed(1)) : undefined,
        leaderChangesSeen: atPhase[i + 1] ? atPhase[i + 1]!.reduce((sum, m, n) => sum + (m.leader_changes ?? 0) - (atPhase[i]![n]!.leader_changes ?? 0), 0) : undefined,
        eventLoopDelayMaxMsByNode: atPhase[i + 1]?.map((m) => Math.round((m.nodejs_eventloop_lag_max_seconds ?? NaN) * 1000)),
        eventLoopDelayP99MsByNode: atPhase[i + 1]?.map((m) => Math.round((m.nodejs_eventloop_lag_p99_seconds ?? NaN) * 1000)),
        // Times a node's raft stream to a peer filled and its raft messages (every group's) waited for the drain.
        transportBlockedByNode: atPhase[i + 1]?.map((m, n) => (m.transport_blocked ?? NaN) - (atPhase[i]![n]!.transport_blocked ?? NaN)),
        // Turns whose persist (the synced write every group of the node waits for) took over 250 ms.
        slowPersistsByNode: atPhase[i + 1]?.map((m, n) => {
          const was = atPhase[i]![n]!;
          return (m.persists ?? NaN) - (m.persists_le_250ms ?? NaN) - ((was.persists ?? NaN) - (was.persists_le_250ms ?? NaN));
        }),
        benchLoopDelayMs: benchLagAt[i + 1],
        persistsOver100msByNode: atPhase[i + 1]?.map((m, n) => {
          const was = atPhase[i]![n]!;
          return (m.persists ?? NaN) - (m.persists_le_100ms ?? NaN) - ((was.persists ?? NaN) - (was.persists_le_100ms ?? NaN));
        }),
        // Batch puts this node served (every group's, as leader or forwarder) that took over 250 ms, out of all it served.
        slowServerPutsByNode: atPhase[i + 1]?.map((m, n) => {
          const was = atPhase[i]![n]!;
          return `${(m.puts ?? NaN) - (m.puts_le_250ms ?? NaN) - ((was.puts ?? NaN) - (was.puts_le_250ms ?? NaN))}/${(m.puts ?? NaN) - (was.puts ?? NaN)}`;
        }),
      })),
      baselineCpuCoresByNode: baselineCpu.map((x) => +x.toFixed(2)),
      backfillCpu,
      foreground: {
        rates: Object.fromEntries(Object.values(streams).map((s) => [s.name, s.rate])),
        otherRoutes: {
          ...otherRoutes,
          p99Ratio: +(otherRoutes.during.p99 / (otherRoutes.baseline.p99 || 1)).toFixed(2),
          group1: both([streams.g1Read, streams.g1Write]),
          group2Target: both([streams.g2Read, streams.g2Write]),
          reads: both([streams.g1Read, streams.g2Read]),
          writes: both([streams.g1Write, streams.g2Write]),
          duringByPhase: byPhase(other),
        },
        // Head-of-line (issue 19): puts in a group the move does not touch, on
        // the same nodes, while the target applies the backfill's IMPORT
        // chunks (--chunk-bytes each), against the same puts before the move.
        headOfLine: (() => {
          const baseline = windowStats([streams.g1Write], baselineFrom, moveFrom);
          const backfill = bfFrom !== undefined && bfTo !== undefined ? windowStats([streams.g1Write], bfFrom, bfTo) : undefined;
          const slowestInBackfill = bfFrom !== undefined && bfTo !== undefined ? slowest([streams.g1Write], bfFrom, bfTo, 30) : [];
          return { stream: streams.g1Write.name, backfillStartedAt: bfFrom !== undefined ? new Date(bfFrom).toISOString() : undefined, baseline, backfill, p99Ratio: backfill ? +(backfill.p99 / (baseline.p99 || 1)).toFixed(2) : null, slowestInBackfill };
        })(),
        movingRoute: {
          ...both(moving),
          writes: both([streams.movingWrite]),
          reads: both([streams.movingRead]),
          writesByPhase: byPhase([streams.movingWrite]),
        },
        notIssuedTooManyInFlight: {
          baseline: Object.values(streams).reduce((n, s) => n + s.skippedBeforeMove, 0),
          during: Object.values(streams).reduce((n, s) => n + s.skipped - s.skippedBeforeMove, 0),
        },
      },
      clientErrors: {
        count: errorCount,
        baseline: errorTimes.filter((t) => t < moveFrom).length,
        during: errorTimes.filter((t) => t >= moveFrom && t < moveTo).length,
        duringByPhase: Object.fromEntries(
          timeline.filter((t) => !TERMINAL.has(t.phase)).map((t) => {
            const to = timeline[timeline.indexOf(t) + 1]?.startedAtMs ?? moveTo;
            return [t.phase, errorTimes.filter((x) => x >= Math.max(t.startedAtMs, moveFrom) && x < to).length];
          }),
        ),
        first: errors.slice(0, 5),
      },
      job: { jobId: last.jobId, phase: last.phase, attempt: last.attempt, fenceAttempts: last.fenceAttempts, lastError: last.lastError, verifyResult: last.verifyResult, progress: last.progress },
      nodes: [1, 2, 3].map(node),
      leadersAtStart,
      leadersAtEnd,
    };
    loader.close();
    fg.close();
    if (profDir) {
      // The profilers started at moveFrom (give or take a signal's delivery).
      const profileWindows = timeline
        .map((t, i) => ({ phase: t.phase, fromMs: t.startedAtMs - moveFrom, toMs: (timeline[i + 1]?.startedAtMs ?? moveTo) - moveFrom }))
        .filter((w) => !TERMINAL.has(w.phase));
      const profiles: Record<string, unknown> = {};
      for (const [n, pid] of pids) {
        const f = join(profDir, `${pid}.cpuprofile`);
        const until = Date.now() + 60_000;
        while (!existsSync(f) && Date.now() < until) await sleep(200);
        if (!existsSync(f)) continue;
        const p = JSON.parse(readFileSync(f, 'utf8')) as CpuProfile;
        profiles[`node${n}`] = { ledAtStart: (result.nodes as { ledAtStart: string[] }[])[n - 1]!.ledAtStart, ...summariseProfile(p, profileWindows) };
      }
      result.profile = { window: 'the move (job start → DONE)', targetGroupLeader: `node${leadersAtStart.group2}`, ...profiles };
      if (!keepProfiles) rmSync(profDir, { recursive: true, force: true });
    }
    const json = JSON.stringify(result, null, 2);
    console.log(json);
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(out, `${json}\n`);
    log(`written ${out}`);
  } finally {
    loader.close();
    fg.close();
    await c.cleanup(keepDir);
    if (keepDir) log(`kept the cluster directory ${c.dir}`);
  }
}
