// Watch benchmark: `npm run bench -- watch [--writers 32] [--seconds 10] [--watchers 100] [--value-bytes 64] [--idle-watchers 1000]`.
//
// Starts a 3-node, 3-group cluster on 127.0.0.1, warms it up with 5 s of writes, and runs the same write load
// (`writers` concurrent put loops on keys under "w/", all in group 3) three
// times in one run: with no watcher, with one watcher of the prefix, and with
// `watchers` watchers of it. Per phase: writes/s and put p50/p99; events
// delivered per second (summed over the watchers); and the delay from commit
// to event, as the wall time an event arrived minus its commit timestamp's
// physical part (the HLC's milliseconds: the nodes share this machine's
// clock), p50/p99/max. Then `idle-watchers` feeds on distinct prefixes: the
// time to open them, the nodes' resident memory before and after, and whether
// a write under a sample of them arrives. Prints one JSON object (and writes
// it to --out).
import { setMaxListeners } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FerryClient } from '../src/client/client.js';
import { SERVER_BIN, TestCluster, sleep } from '../testkit/cluster.js';
import { commitOf, opt, percentile } from './args.js';

const root = fileURLToPath(new URL('../', import.meta.url));

interface PhaseResult {
  phase: string;
  watchers: number;
  seconds: number;
  writes: number;
  writesPerSec: number;
  putP50Ms: number;
  putP99Ms: number;
  events: number;
  eventsPerSec: number;
  /** Events each watcher got, lowest and highest (every watcher should see every write). */
  eventsPerWatcher: { min: number; max: number };
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  writeErrors: number;
  /** CPU seconds each node process used during the phase, and the bench process (writers and watchers). */
  cpuSecByNode: number[];
  benchCpuSec: number;
}


/** Resident memory of a process in MiB, from /proc (NaN elsewhere). */
function procRssMiB(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? +(Number(m[1]) / 1024).toFixed(1) : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Many idle feeds: `n` watchers on distinct prefixes (group 2's range), each
 * open and caught up; then one write under each of 20 of them must arrive.
 * Reports the time to open them all and the nodes' resident memory before and after.
 */
async function idleWatchers(c: TestCluster, endpoints: string[], n: number, log: (m: string) => void): Promise<Record<string, unknown>> {
  const db = new FerryClient({ endpoints, timeoutMs: 20_000 });
  const rssBefore = [1, 2, 3].map((id) => procRssMiB(c.pid(id)));
  const stop = new AbortController();
  setMaxListeners(n + 10, stop.signal);
  const seen = new Array<number>(n).fill(0);
  const opened = new Array<boolean>(n).fill(false);
  const t0 = performance.now();
  const feeds = Array.from({ length: n }, async (_, i) => {
    for await (const b of db.watch({ prefix: `idle/${String(i).padStart(5, '0')}/`, signal: stop.signal, progressMs: 30_000 })) {
      opened[i] = true;
      seen[i]! += b.events.length;
    }
  });
  // Open = every feed delivered its first response (a resolved timestamp after its catch-up).
  while (opened.some((o) => !o) && performance.now() - t0 < 120_000) await sleep(100);
  const openSec = +((performance.now() - t0) / 1000).toFixed(2);
  const rssAfter = [1, 2, 3].map((id) => procRssMiB(c.pid(id)));
  const probes = Array.from({ length: 20 }, (_, j) => Math.floor((j * n) / 20));
  for (const i of probes) await db.put(`idle/${String(i).padStart(5, '0')}/k`, 'v');
  const until = performance.now() + 20_000;
  while (probes.some((i) => seen[i] === 0) && performance.now() < until) await sleep(50);
  const arrived = probes.filter((i) => seen[i]! > 0).length;
  stop.abort();
  await Promise.all(feeds);
  db.close();
  const out = { watchers: n, opened: opened.filter(Boolean).length, openSec, rssMiBBefore: rssBefore, rssMiBAfter: rssAfter, probesArrived: `${arrived}/${probes.length}` };
  log(JSON.stringify(out));
  return out;
}

/** CPU seconds (user + system) a process used so far, from /proc (Linux; NaN elsewhere). */
function procCpuSec(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

export async function runWatchBench(args: string[]): Promise<void> {
  const writers = Number(opt(args, 'writers', '32'));
  const seconds = Number(opt(args, 'seconds', '10'));
  const many = Number(opt(args, 'watchers', '100'));
  const valueBytes = Number(opt(args, 'value-bytes', '64'));
  const out = opt(args, 'out', join(root, 'bench/results', `${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}-watch.json`));
  if (!existsSync(SERVER_BIN)) throw new Error(`${SERVER_BIN} is missing: run npm run build first`);
  const log = (m: string): void => console.error(`[watch ${new Date().toISOString().slice(11, 19)}] ${m}`);
  const loadAtStart = loadavg().map((x) => +x.toFixed(2));
  const c = await TestCluster.start({ nodes: 3, groups: 3 });
  const endpoints = [1, 2, 3].map((n) => c.address(n));
  const clientsOf = (n: number): FerryClient[] => Array.from({ length: n }, (_, i) => new FerryClient({ endpoints: endpoints.map((_, j) => endpoints[(i + j) % endpoints.length]!), timeoutMs: 10_000 }));
  try {
    const results: PhaseResult[] = [];
    const value = 'v'.repeat(valueBytes);
    // Warm-up: the first phase would otherwise pay for the cluster's first seconds (JIT, caches).
    const warm = clientsOf(4);
    const warmEnd = Date.now() + 5000;
    await Promise.all(Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; Date.now() < warmEnd; i++) await warm[w % warm.length]!.put(`w/${w}/${i % 100}`, value).catch(() => {});
    }));
    for (const db of warm) db.close();
    for (const [phase, nWatchers] of [
      ['none', 0],
      ['one', 1],
      [`${many}`, many],
    ] as const) {
      const watchClients = clientsOf(Math.min(4, Math.max(1, nWatchers)));
      const stop = new AbortController();
      setMaxListeners(nWatchers + 10, stop.signal); // one listener per watch
      const delays: number[] = [];
      const perWatcher = new Array<number>(nWatchers).fill(0);
      let counting = false;
      const watches = Array.from({ length: nWatchers }, async (_, i) => {
        for await (const b of watchClients[i % watchClients.length]!.watch({ prefix: 'w/', signal: stop.signal })) {
          if (!counting) continue;
          const now = Date.now();
          for (const e of b.events) delays.push(now - Number(e.commitTs >> 16n));
          perWatcher[i]! += b.events.length;
        }
      });
      await sleep(nWatchers > 0 ? 1500 : 200); // the feeds are open
      log(`${phase}: ${writers} writers for ${seconds} s with ${nWatchers} watchers`);
      const dbs = clientsOf(4);
      const putMs: number[] = [];
      let errors = 0;
      counting = true;
      const cpu0 = [1, 2, 3].map((n) => procCpuSec(c.pid(n)));
      const bench0 = process.cpuUsage();
      const t0 = performance.now();
      const end = Date.now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          const db = dbs[w % dbs.length]!;
          for (let i = 0; Date.now() < end; i++) {
            const t = performance.now();
            try {
              await db.put(`w/${w}/${i % 100}`, value);
              putMs.push(performance.now() - t);
            } catch {
              errors++;
            }
          }
        }),
      );
      const elapsed = (performance.now() - t0) / 1000;
      const cpuSecByNode = [1, 2, 3].map((n, i) => +(procCpuSec(c.pid(n)) - cpu0[i]!).toFixed(2));
      const benchUsage = process.cpuUsage(bench0);
      const benchCpuSec = +((benchUsage.user + benchUsage.system) / 1e6).toFixed(2);
      await sleep(1000); // the last events arrive
      counting = false;
      stop.abort();
      await Promise.all(watches);
      for (const db of [...dbs, ...watchClients]) db.close();
      const events = perWatcher.reduce((a, b) => a + b, 0);
      results.push({
        phase,
        watchers: nWatchers,
        seconds: +elapsed.toFixed(1),
        writes: putMs.length,
        writesPerSec: +(putMs.length / elapsed).toFixed(1),
        putP50Ms: percentile(putMs, 50, 2),
        putP99Ms: percentile(putMs, 99, 2),
        events,
        eventsPerSec: +(events / elapsed).toFixed(1),
        eventsPerWatcher: { min: perWatcher.reduce((m, n) => Math.min(m, n), nWatchers ? Infinity : 0), max: perWatcher.reduce((m, n) => Math.max(m, n), 0) },
        delayP50Ms: percentile(delays, 50, 1),
        delayP99Ms: percentile(delays, 99, 1),
        delayMaxMs: delays.reduce((m, d) => (d > m ? d : m), 0),
        writeErrors: errors,
        cpuSecByNode,
        benchCpuSec,
      });
      log(JSON.stringify(results[results.length - 1]));
    }
    const idleN = Number(opt(args, 'idle-watchers', '1000'));
    log(`idle: ${idleN} watchers on distinct prefixes`);
    const idle = idleN > 0 ? await idleWatchers(c, endpoints, idleN, log) : undefined;
    const base = results[0]!.writesPerSec;
    const report = {
      bench: 'watch',
      when: new Date().toISOString(),
      commit: commitOf(root, true),
      nodes: 3,
      groups: 3,
      writers,
      valueBytes,
      loadAtStart,
      results,
      idle,
      writeThroughputWithManyWatchersVsNone: base > 0 ? +(results[2]!.writesPerSec / base).toFixed(3) : 0,
    };
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(out, JSON.stringify(report, null, 2));
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await c.cleanup(false);
  }
}
