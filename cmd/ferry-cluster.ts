#!/usr/bin/env node
// ferry-cluster: starts a local ferrykv cluster as child processes on 127.0.0.1
// (the README's first command, `npm start`), streams their logs prettified,
// and stops every child it started on Ctrl-C.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { evenSplitKeys } from '../src/api/splits.js';

const here = dirname(fileURLToPath(import.meta.url));
const SERVER = join(here, 'ferrykv-server.js');

function int(min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return n;
  };
}

const program = new Command()
  .name('ferry-cluster')
  .description('Start a local ferrykv cluster (child processes on 127.0.0.1). Ctrl-C stops it.')
  .option('--nodes <n>', 'number of nodes', int(1, 9), 3)
  .option('--groups <n>', 'number of raft groups (group 1 is the default group); the key space is cut evenly over lowercase keys', int(1, 100_000), 3)
  .option('--base-port <port>', 'gRPC port of node 1; node i uses base+i-1, HTTP base+100+i-1, the etcd API base+200+i-1', int(1024, 65000), 7001)
  .option('--data-dir <dir>', 'where the nodes keep their data', './data')
  .option('--fresh', 'delete the data directory first', false)
  .option('--log-level <level>', 'node log level', 'info')
  .option('--quiet', 'do not stream node logs', false)
  .option('--no-quiesce', 'start the nodes with --no-quiesce (idle groups keep heartbeating; for comparisons)')
  .addHelpText('after', '\nExample:\n  npm start -- --nodes 5 --groups 4 --fresh');

program.parse();
const o = program.opts<{ nodes: number; groups: number; basePort: number; dataDir: string; fresh: boolean; logLevel: string; quiet: boolean; quiesce: boolean }>();

if (!existsSync(SERVER)) {
  console.error(`ferry-cluster: ${SERVER} is missing; run \`npm run build\``);
  process.exit(1);
}

const dataDir = resolve(o.dataDir);
if (o.fresh) rmSync(dataDir, { recursive: true, force: true });
mkdirSync(dataDir, { recursive: true });

const splits = evenSplitKeys(o.groups);
const bounds = ['', ...splits, ''];
const voters = Array.from({ length: Math.min(o.nodes, 3) }, (_, i) => i + 1);
const nodes = Array.from({ length: o.nodes }, (_, i) => ({
  id: i + 1,
  address: `127.0.0.1:${o.basePort + i}`,
  http: `127.0.0.1:${o.basePort + 100 + i}`,
  etcd: `127.0.0.1:${o.basePort + 200 + i}`,
}));
const cluster = {
  nodes,
  groups: Array.from({ length: o.groups }, (_, i) => ({ id: i + 1, voters })),
  routes: Array.from({ length: o.groups }, (_, i) => ({ start: bounds[i]!, end: bounds[i + 1]!, group: i + 1 })),
};
const clusterFile = join(dataDir, 'cluster.json');
writeFileSync(clusterFile, JSON.stringify(cluster, null, 2));

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const COLORS: Record<number, string> = { 40: '\x1b[33m', 50: '\x1b[31m', 60: '\x1b[41m' };
const tty = process.stdout.isTTY;

function pretty(nodeId: number, line: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `n${nodeId} ${line}`;
  }
  const { level, time, msg, pid: _pid, hostname: _h, nodeId: _n, ...rest } = rec;
  const t = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
  const lvl = LEVELS[level as number] ?? String(level);
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const color = tty ? (COLORS[level as number] ?? '') : '';
  return `${t} n${nodeId} ${color}${lvl}${tty && color ? '\x1b[0m' : ''} ${typeof msg === 'string' ? msg : JSON.stringify(msg ?? '')}${fields ? `  ${fields}` : ''}`;
}

const children = new Map<number, ChildProcess>();
let stopping = false;

for (const n of nodes) {
  const dir = join(dataDir, `n${n.id}`);
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    process.execPath,
    [SERVER, '--node-id', String(n.id), '--cluster', clusterFile, '--data-dir', dir, '--log-level', o.logLevel, '--parent-pid', String(process.pid), ...(o.quiesce ? [] : ['--no-quiesce'])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.set(n.id, child);
  for (const stream of [child.stdout, child.stderr]) {
    const rl = createInterface({ input: stream });
    rl.on('line', (line) => {
      if (!o.quiet) console.log(pretty(n.id, line));
    });
  }
  child.on('exit', (code, signal) => {
    children.delete(n.id);
    if (!stopping) console.error(`ferry-cluster: node ${n.id} exited (${signal ?? `code ${code}`})`);
    if (stopping && children.size === 0) process.exit(0);
  });
}

console.log(`ferrykv: ${o.nodes} nodes, ${o.groups} groups, data in ${dataDir}`);
for (const n of nodes) console.log(`  node ${n.id}: grpc ${n.address}  metrics http://${n.http}/metrics  etcd API ${n.etcd}`);
const showRoute = (r: (typeof cluster.routes)[number]): string => `[${JSON.stringify(r.start)}, ${r.end ? JSON.stringify(r.end) : '∞'}) → group ${r.group}`;
const shown = cluster.routes.length <= 8 ? cluster.routes.map(showRoute) : [...cluster.routes.slice(0, 3).map(showRoute), `… ${cluster.routes.length - 5} more …`, ...cluster.routes.slice(-2).map(showRoute)];
console.log(`  routes: ${shown.join('  ')}${cluster.routes.length > 8 ? ` (all in ${clusterFile})` : ''}`);
console.log(`  try:   node dist/cmd/ferryctl.js --endpoints ${nodes.map((n) => n.address).join(',')} put hello world`);
console.log(`  or:    ETCDCTL_API=3 etcdctl --endpoints=${nodes.map((n) => n.etcd).join(',')} get "" --prefix   (docs/etcd-compat.md)`);
console.log('  Ctrl-C stops the cluster.\n');

const stop = (): void => {
  if (stopping) return;
  stopping = true;
  console.log('\nferry-cluster: stopping nodes…');
  for (const c of children.values()) c.kill('SIGTERM');
  setTimeout(() => {
    for (const c of children.values()) {
      c.kill('SIGCONT');
      c.kill('SIGKILL');
    }
    process.exit(0);
  }, 12_000).unref();
  if (children.size === 0) process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
