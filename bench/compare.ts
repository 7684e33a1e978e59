// ferrykv vs etcd on this machine, same workload code, never both at once.
//   npm run bench -- compare [--seconds 10] [--clients 1,16,64,256] [--workload put,get,mixed] [--reps 1]
//                            [--baseline <checkout of another ferrykv commit, built>] [--via etcd-api]
// Starts a 3-node etcd (Debian's etcd-server, 3.4) on loopback, runs the matrix,
// stops it; then a 3-node ferrykv; repeats --reps times interleaved; writes
// bench/results/<date>.json and prints a markdown table with ferrykv/etcd ratios
// (medians over repetitions). With --baseline the other system is ferrykv as
// built in that checkout (an A/B of two commits in one run), not etcd. With
// --via etcd-api both systems are driven by the same etcd client (etcd3):
// etcd, and ferrykv's etcd endpoints (docs/etcd-compat.md).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../testkit/cluster.js';
import { EtcdProcesses } from '../testkit/etcd.js';
import { etcdAdapter, ferrykvAdapter, preload, run, type KvAdapter, type RunResult, type Workload } from './kv.js';
import { commitOf, opt } from './args.js';

const root = fileURLToPath(new URL('../', import.meta.url));

interface Cluster {
  endpoints: string[];
  procs: ChildProcess[];
  dir: string;
  /** Stops a cluster started elsewhere (testkit's etcd) instead of procs and dir. */
  stop?: () => Promise<void>;
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not become ready in ${ms} ms`);
}

async function stop(c: Cluster): Promise<void> {
  if (c.stop) return c.stop();
  await Promise.all(
    c.procs.map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.exitCode !== null) return resolve();
          p.once('exit', () => resolve());
          p.kill('SIGCONT');
          p.kill('SIGKILL');
        }),
    ),
  );
  rmSync(c.dir, { recursive: true, force: true });
}

/** A 3-node etcd on loopback (testkit's, shared with the etcd-API tests), probed with a put. */
async function startEtcd(): Promise<Cluster> {
  const e = await EtcdProcesses.start(3);
  const c: Cluster = { endpoints: [...e.endpoints], procs: [], dir: '', stop: () => e.stop() };
  const probe = etcdAdapter(c.endpoints);
  await waitFor(async () => {
    await probe.put('probe', Buffer.from('x'));
    return true;
  }, 'etcd');
  await probe.close();
  return c;
}

async function startFerrykv(checkout = root, etcdApi = false): Promise<Cluster> {
  const server = join(checkout, 'dist/cmd/ferrykv-server.js');
  if (!existsSync(server)) throw new Error(`${checkout}dist/ is missing: run npm run build there`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-ferrykv-'));
  const nodes: { id: number; address: string; etcd?: string }[] = [];
  for (let i = 1; i <= 3; i++) nodes.push({ id: i, address: `127.0.0.1:${await freePort()}`, ...(etcdApi ? { etcd: `127.0.0.1:${await freePort()}` } : {}) });
  // One group holds the whole key space, like etcd's single raft group.
  const cluster = { nodes, groups: [{ id: 1, voters: [1, 2, 3] }], routes: [{ start: '', end: '', group: 1 }] };
  writeFileSync(join(dir, 'cluster.json'), JSON.stringify(cluster));
  const procs = nodes.map((n) =>
    spawn(process.execPath, [server, '--node-id', String(n.id), '--cluster', join(dir, 'cluster.json'), '--data-dir', join(dir, `n${n.id}`), '--log-level', 'warn', '--parent-pid', String(process.pid)], {
      stdio: 'ignore',
    }),
  );
  const c = { endpoints: nodes.map((n) => n.etcd ?? n.address), procs, dir };
  const probe = etcdApi ? etcdAdapter(c.endpoints) : ferrykvAdapter(c.endpoints);
  await waitFor(async () => {
    await probe.put('probe', Buffer.from('x'));
    return true;
  }, 'ferrykv');
  await probe.close();
  return c;
}

async function matrix(start: () => Promise<Cluster>, adapter: (e: string[]) => KvAdapter, workloads: Workload[], clients: number[], seconds: number, keys: number, label?: string): Promise<RunResult[]> {
  const c = await start();
  const a = adapter(c.endpoints);
  const out: RunResult[] = [];
  try {
    await preload(a, keys);
    for (const w of workloads) {
      for (const n of clients) {
        const r = { ...(await run(a, w, n, seconds, keys)), ...(label ? { system: label } : {}) };
        console.log(JSON.stringify(r));
        out.push(r);
      }
    }
  } finally {
    await a.close();
    await stop(c);
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

export async function runCompare(args: string[]): Promise<void> {
  const fs = statfsSync(tmpdir());
  if (fs.bavail * fs.bsize < 2e9) throw new Error('refusing to run: less than 2 GB free in the temp directory');
  const seconds = Number(opt(args, 'seconds', '10'));
  const clients = opt(args, 'clients', '1,16,64,256').split(',').map(Number);
  const workloads = opt(args, 'workload', 'put,get,mixed').split(',') as Workload[];
  const reps = Number(opt(args, 'reps', '1'));
  const keys = Number(opt(args, 'keys', '100000'));
  const baseline = opt(args, 'baseline', '');
  const via = opt(args, 'via', 'native');
  if (via !== 'native' && via !== 'etcd-api') throw new Error('--via: native or etcd-api');
  if (via === 'etcd-api' && baseline) throw new Error('--via etcd-api compares with etcd, not a --baseline');
  const viaEtcd = via === 'etcd-api';
  const other = baseline ? `baseline ${commitOf(baseline)}` : 'etcd';
  const ours = viaEtcd ? 'ferrykv (etcd API)' : 'ferrykv';
  const all: RunResult[] = [];
  for (let rep = 0; rep < reps; rep++) {
    if (baseline) all.push(...(await matrix(() => startFerrykv(join(baseline, '/')), ferrykvAdapter, workloads, clients, seconds, keys, other)));
    else all.push(...(await matrix(startEtcd, etcdAdapter, workloads, clients, seconds, keys)));
    if (viaEtcd) all.push(...(await matrix(() => startFerrykv(root, true), etcdAdapter, workloads, clients, seconds, keys, ours)));
    else all.push(...(await matrix(startFerrykv, ferrykvAdapter, workloads, clients, seconds, keys)));
  }
  const rows: string[] = [`| workload | clients | ${other} ops/s | ${ours} ops/s | ratio | ${other} p99 ms | ${ours} p99 ms | p99 ratio | errors (${other}/${ours}) |`, '|---|---|---|---|---|---|---|---|---|'];
  for (const w of workloads) {
    for (const n of clients) {
      const pick = (sys: string): RunResult[] => all.filter((r) => r.system === sys && r.workload === w && r.clients === n);
      const e = pick(other);
      const f = pick(ours);
      const eo = median(e.map((r) => r.opsPerSec));
      const fo = median(f.map((r) => r.opsPerSec));
      const ep = median(e.map((r) => r.p99Ms));
      const fp = median(f.map((r) => r.p99Ms));
      const errs = `${e.reduce((s, r) => s + r.errors, 0)}/${f.reduce((s, r) => s + r.errors, 0)}`;
      rows.push(`| ${w} | ${n} | ${eo} | ${fo} | ${(fo / (eo || 1)).toFixed(2)}× | ${ep} | ${fp} | ${(fp / (ep || 1)).toFixed(2)}× | ${errs} |`);
    }
  }
  const table = rows.join('\n');
  console.log(`\n${table}`);
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results', `${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ node: process.version, commit: commitOf(root), via, ...(baseline ? { baseline: commitOf(baseline) } : {}), seconds, reps, keys, results: all, table }, null, 2));
  console.log(`\nwritten ${file}`);
}
