// Many-groups benchmark: `npm run bench -- groups [--groups 1000,5000] [--modes quiesce,no-quiesce]
//   [--settle-sec 30] [--measure-sec 20] [--tick-ms 100] [--leader-timeout-sec 300]`.
//
// What an idle group costs a node (issue 19). For each group count and mode it
// starts a 3-node cluster on 127.0.0.1 with that many groups (every node a
// voter of every group, the key space cut evenly), and reports:
// - leadersAfterMs: from the first process start until every node sees a leader for every group;
// - after --settle-sec, per node over --measure-sec: CPU (% of one core, from
//   /proc/<pid>/stat: JS, LevelDB and gRPC threads alike), RSS, RSS per group,
//   and how many replicas are quiesced;
// - restartServeMs: node 1 killed (SIGKILL) and started again; from the start
//   until it sees a leader for every group and a write through it succeeds.
// No client load. Prints JSON (one line per cell, then the whole report).
//
// Active (`--active 1,3,100,1000 [--clients 64] [--seconds 20] [--warmup-sec 5]
// [--reps 1]`): for each group count, a 3-node cluster takes put-64 (64
// concurrent clients, 256 B values) on keys spread evenly over the groups'
// ranges (key i goes to route i mod groups); reports ops/s, latency and server
// CPU per put (the three server processes' CPU over the run / puts), and each
// count's CPU per put relative to the one-group figure of the same run.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestCluster, sleep } from '../testkit/cluster.js';
import { opt } from './args.js';
import { ferrykvAdapter, run, type RunResult } from './kv.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const CLOCK_TICKS_PER_SEC = 100; // USER_HZ on Linux

interface NodeIdle {
  readonly node: number;
  readonly cpuPctOfCore: number;
  readonly rssMiB: number;
  readonly rssKiBPerGroup: number;
  /** V8 heap in use (live objects and garbage not yet collected), from the node's metrics. */
  readonly heapUsedMiB: number;
  /** V8 heap reserved; RSS beyond it is native (LevelDB, gRPC, malloc arenas) and code. */
  readonly heapTotalMiB: number;
  readonly quiescent: number;
  readonly hosted: number;
}

interface Cell {
  readonly groups: number;
  readonly mode: 'quiesce' | 'no-quiesce';
  readonly leadersAfterMs: number;
  readonly idle: readonly NodeIdle[];
  readonly restartServeMs: number;
}

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15)
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

async function scraped(c: TestCluster, node: number): Promise<{ quiescent: number; hosted: number; heapUsedMiB: number; heapTotalMiB: number }> {
  const text = await (await fetch(`http://127.0.0.1:${c.httpPort(node)}/metrics`)).text();
  const get = (state: string): number => Number(new RegExp(`^ferrykv_raft_quiescent_replicas\\{state="${state}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? -1);
  const mib = (name: string): number => Math.round(Number(new RegExp(`^ferrykv_process_nodejs_${name} (\\S+)$`, 'm').exec(text)?.[1] ?? -1) / (1 << 20));
  return { quiescent: get('quiescent'), hosted: get('hosted'), heapUsedMiB: mib('heap_size_used_bytes'), heapTotalMiB: mib('heap_size_total_bytes') };
}

async function idleCost(c: TestCluster, groups: number, measureSec: number): Promise<NodeIdle[]> {
  const nodes = [1, 2, 3];
  const pids = nodes.map((n) => c.pid(n)!);
  const before = pids.map(cpuTicks);
  await sleep(measureSec * 1000);
  const after = pids.map(cpuTicks);
  return Promise.all(
    nodes.map(async (n, i) => {
      const rss = rssKiB(pids[i]!);
      return {
        node: n,
        cpuPctOfCore: Math.round((1000 * (after[i]! - before[i]!)) / (CLOCK_TICKS_PER_SEC * measureSec)) / 10,
        rssMiB: Math.round(rss / 1024),
        rssKiBPerGroup: Math.round((10 * rss) / groups) / 10,
        ...(await scraped(c, n)),
      };
    }),
  );
}

async function cell(groups: number, mode: Cell['mode'], o: { settleSec: number; measureSec: number; tickMs: number; leaderTimeoutMs: number }, log: (m: string) => void): Promise<Cell> {
  const t0 = performance.now();
  const c = await TestCluster.start({
    nodes: 3,
    groups,
    extraArgs: ['--tick-ms', String(o.tickMs), '--log-level', 'warn', ...(mode === 'no-quiesce' ? ['--no-quiesce'] : [])],
    leaderTimeoutMs: o.leaderTimeoutMs,
  });
  try {
    const leadersAfterMs = Math.round(performance.now() - t0);
    log(`${groups} groups (${mode}): every group led after ${leadersAfterMs} ms; settling ${o.settleSec} s`);
    await sleep(o.settleSec * 1000);
    const idle = await idleCost(c, groups, o.measureSec);
    await c.kill(1);
    const t1 = performance.now();
    c.startNode(1);
    await c.waitForLeaders([1], o.leaderTimeoutMs);
    for (let i = 0; ; i++) {
      try {
        await c.api(1).put({ key: Buffer.from(`bench/${i}`), value: Buffer.from('v') }, 5000);
        break;
      } catch (e) {
        if (performance.now() - t1 > o.leaderTimeoutMs) throw e;
        await sleep(100);
      }
    }
    return { groups, mode, leadersAfterMs, idle, restartServeMs: Math.round(performance.now() - t1) };
  } finally {
    await c.cleanup();
  }
}

interface ActiveCell {
  readonly groups: number;
  readonly rep: number;
  readonly result: RunResult;
  /** CPU of the three server processes over the run, µs per acknowledged put. */
  readonly serverCpuUsPerPut: number;
  readonly cpuPctOfCorePerNode: readonly number[];
}

const ACTIVE_KEYS = 100_000;

async function activeCell(groups: number, rep: number, o: { clients: number; seconds: number; warmupSec: number; tickMs: number; leaderTimeoutMs: number }, log: (m: string) => void): Promise<ActiveCell> {
  const c = await TestCluster.start({ nodes: 3, groups, extraArgs: ['--tick-ms', String(o.tickMs), '--log-level', 'warn'], leaderTimeoutMs: o.leaderTimeoutMs });
  const a = ferrykvAdapter([1, 2, 3].map((n) => c.address(n)));
  try {
    // Key i lies in route i mod groups: a route's start followed by digits sorts
    // before the next route's start (split keys are letters of one length).
    const keyOf = (i: number): string => `${c.routeStarts[i % groups]!}${String(i).padStart(6, '0')}`;
    log(`${groups} groups (rep ${rep}): warming up ${o.warmupSec} s`);
    await run(a, 'put', o.clients, o.warmupSec, ACTIVE_KEYS, keyOf);
    const pids = [1, 2, 3].map((n) => c.pid(n)!);
    const before = pids.map(cpuTicks);
    const result = await run(a, 'put', o.clients, o.seconds, ACTIVE_KEYS, keyOf);
    const ticks = pids.map((p, i) => cpuTicks(p) - before[i]!);
    const total = ticks.reduce((x, y) => x + y, 0);
    return {
      groups,
      rep,
      result,
      serverCpuUsPerPut: result.ops > 0 ? Math.round((total * 1e6) / CLOCK_TICKS_PER_SEC / result.ops) : -1,
      cpuPctOfCorePerNode: ticks.map((t) => Math.round((1000 * t) / (CLOCK_TICKS_PER_SEC * o.seconds)) / 10),
    };
  } finally {
    await a.close();
    await c.cleanup();
  }
}

async function runActive(args: string[], counts: number[], log: (m: string) => void): Promise<void> {
  const o = {
    clients: Number(opt(args, 'clients', '64')),
    seconds: Number(opt(args, 'seconds', '20')),
    warmupSec: Number(opt(args, 'warmup-sec', '5')),
    tickMs: Number(opt(args, 'tick-ms', '100')),
    leaderTimeoutMs: 1000 * Number(opt(args, 'leader-timeout-sec', '300')),
    reps: Number(opt(args, 'reps', '1')),
  };
  const cells: ActiveCell[] = [];
  for (let rep = 1; rep <= o.reps; rep++) {
    for (const groups of counts) {
      const r = await activeCell(groups, rep, o, log);
      console.log(JSON.stringify(r));
      cells.push(r);
    }
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((x, y) => x - y);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const summary = counts.map((groups) => {
    const mine = cells.filter((x) => x.groups === groups);
    return { groups, opsPerSec: median(mine.map((x) => x.result.opsPerSec)), p99Ms: median(mine.map((x) => x.result.p99Ms)), serverCpuUsPerPut: median(mine.map((x) => x.serverCpuUsPerPut)), errors: mine.reduce((n, x) => n + x.result.errors, 0) };
  });
  const one = summary.find((x) => x.groups === 1)?.serverCpuUsPerPut;
  const withRatio = summary.map((x) => ({ ...x, cpuPerPutVsOneGroup: one ? Math.round((100 * x.serverCpuUsPerPut) / one) / 100 : null }));
  const report = { bench: 'groups-active', date: new Date().toISOString(), node: process.version, ...o, summary: withRatio, cells };
  const out = opt(args, 'out', join(root, 'bench/results', `${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}-groups-active.json`));
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(out, JSON.stringify(report, null, 2));
  console.log(JSON.stringify(report, null, 2));
}

export async function runGroupsBench(args: string[]): Promise<void> {
  const log = (m: string): void => console.error(`[groups ${new Date().toISOString().slice(11, 19)}] ${m}`);
  const active = opt(args, 'active', '');
  if (active) return runActive(args, active.split(',').map(Number), log);
  const counts = opt(args, 'groups', '1000,5000').split(',').map(Number);
  const modes = opt(args, 'modes', 'quiesce,no-quiesce').split(',') as Cell['mode'][];
  const o = {
    settleSec: Number(opt(args, 'settle-sec', '30')),
    measureSec: Number(opt(args, 'measure-sec', '20')),
    tickMs: Number(opt(args, 'tick-ms', '100')),
    leaderTimeoutMs: 1000 * Number(opt(args, 'leader-timeout-sec', '300')),
  };
  const out = opt(args, 'out', join(root, 'bench/results', `${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}-groups.json`));
  const cells: Cell[] = [];
  for (const groups of counts) {
    for (const mode of modes) {
      const r = await cell(groups, mode, o, log);
      console.log(JSON.stringify(r));
      cells.push(r);
    }
  }
  const report = { bench: 'groups', date: new Date().toISOString(), node: process.version, ...o, cells };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(out, JSON.stringify(report, null, 2));
  console.log(JSON.stringify(report, null, 2));
}
