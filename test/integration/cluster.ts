// Test harness: a real ferrykv cluster of node processes on 127.0.0.1.
//
// Nodes are spawned as `node dist/cmd/ferrykv-server.js` directly (the PID is
// the server's, so SIGKILL/SIGSTOP reach it), with OS-assigned free ports, one
// temporary data directory per cluster, test hooks on, and --parent-pid so a
// crashed test leaves no orphan. cleanup() signals only the PIDs it started.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { KvError, fromServiceError } from '../../src/kv/errors.js';
import type { AdminClient } from '../../src/proto-gen/ferrykv/admin/v1/Admin.js';
import type { NodeStatusResponse__Output } from '../../src/proto-gen/ferrykv/admin/v1/NodeStatusResponse.js';
import type { RawKVClient } from '../../src/proto-gen/ferrykv/v1/RawKV.js';
import { CHANNEL_OPTIONS, protos } from '../../src/rpc/protos.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const SERVER_BIN = join(root, 'dist/cmd/ferrykv-server.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface ClusterOptions {
  /** Voters of every group. */
  readonly nodes?: number;
  /** Nodes listed in the cluster file but in no group (to be added later). */
  readonly spareNodes?: number;
  readonly groups?: number;
  readonly extraArgs?: readonly string[];
}

interface NodeProc {
  readonly id: number;
  readonly port: number;
  readonly httpPort: number;
  proc: ChildProcess | undefined;
  exited: Promise<number | null> | undefined;
}

/** Unary call as a promise; failures become KvError. */
export function call<Req, Res>(fn: (req: Req, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => unknown, req: Req, timeoutMs = 10_000): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(req, { deadline: Date.now() + timeoutMs }, (err, res) => {
      if (err) reject(fromServiceError(err));
      else resolve(res as Res);
    });
  });
}

export class TestCluster {
  readonly dir: string;
  readonly nodes = new Map<number, NodeProc>();
  readonly groups: number;
  private readonly clients = new Map<number, { kv: RawKVClient; admin: AdminClient }>();
  private readonly extraArgs: readonly string[];

  private constructor(dir: string, groups: number, extraArgs: readonly string[]) {
    this.dir = dir;
    this.groups = groups;
    this.extraArgs = extraArgs;
  }

  static async start(opts: ClusterOptions = {}): Promise<TestCluster> {
    if (!existsSync(SERVER_BIN)) throw new Error(`${SERVER_BIN} is missing: run \`npm run build\` first`);
    const n = opts.nodes ?? 3;
    const spare = opts.spareNodes ?? 0;
    const groups = opts.groups ?? 3;
    const dir = mkdtempSync(join(tmpdir(), 'ferrykv-it-'));
    const c = new TestCluster(dir, groups, opts.extraArgs ?? []);
    for (let id = 1; id <= n + spare; id++) c.nodes.set(id, { id, port: await freePort(), httpPort: await freePort(), proc: undefined, exited: undefined });
    const voters = Array.from({ length: n }, (_, i) => i + 1);
    const splits = ['h', 'p', 'x'].slice(0, groups - 1);
    const bounds = ['', ...splits, ''];
    const cluster = {
      nodes: [...c.nodes.values()].map((p) => ({ id: p.id, address: `127.0.0.1:${p.port}`, http: `127.0.0.1:${p.httpPort}` })),
      groups: Array.from({ length: groups }, (_, i) => ({ id: i + 1, voters })),
      routes: Array.from({ length: groups }, (_, i) => ({ start: bounds[i]!, end: bounds[i + 1]!, group: i + 1 })),
    };
    writeFileSync(join(dir, 'cluster.json'), JSON.stringify(cluster, null, 2));
    for (const id of voters) c.startNode(id);
    await c.waitForLeaders(voters);
    return c;
  }

  get clusterFile(): string {
    return join(this.dir, 'cluster.json');
  }

  startNode(id: number): void {
    const p = this.nodes.get(id)!;
    const dataDir = join(this.dir, `n${id}`);
    mkdirSync(dataDir, { recursive: true });
    const log = createWriteStream(join(this.dir, `n${id}.log`), { flags: 'a' });
    const proc = spawn(
      process.execPath,
      [
        SERVER_BIN,
        '--node-id', String(id),
        '--cluster', this.clusterFile,
        '--data-dir', dataDir,
        '--parent-pid', String(process.pid),
        '--tick-ms', '50',
        '--log-level', 'info',
        ...this.extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FERRYKV_TEST_HOOKS: '1' } },
    );
    proc.stdout.pipe(log);
    proc.stderr.pipe(log);
    p.proc = proc;
    p.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
    this.clients.delete(id);
  }

  address(id: number): string {
    return `127.0.0.1:${this.nodes.get(id)!.port}`;
  }

  httpPort(id: number): number {
    return this.nodes.get(id)!.httpPort;
  }

  kv(id: number): RawKVClient {
    return this.clientsFor(id).kv;
  }

  admin(id: number): AdminClient {
    return this.clientsFor(id).admin;
  }

  private clientsFor(id: number): { kv: RawKVClient; admin: AdminClient } {
    let c = this.clients.get(id);
    if (!c) {
      const p = protos();
      const creds = grpc.credentials.createInsecure();
      c = {
        kv: new p.pub.ferrykv.v1.RawKV(this.address(id), creds, CHANNEL_OPTIONS),
        admin: new p.admin.ferrykv.admin.v1.Admin(this.address(id), creds, CHANNEL_OPTIONS),
      };
      this.clients.set(id, c);
    }
    return c;
  }

  status(id: number, timeoutMs = 2000): Promise<NodeStatusResponse__Output> {
    const a = this.admin(id);
    return call(a.nodeStatus.bind(a), {}, timeoutMs);
  }

  /** Waits until each listed node sees a leader for every group. */
  async waitForLeaders(ids: number[], timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let ok = true;
      for (const id of ids) {
        try {
          const s = await this.status(id, 1000);
          if (s.groups.length < this.groups || s.groups.some((g) => g.leaderId === 0)) ok = false;
        } catch {
          ok = false;
        }
      }
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`no leader for every group within ${timeoutMs} ms; logs in ${this.dir}`);
      await sleep(100);
    }
  }

  /** The node leading `group`, as seen by any running node. */
  async leaderOf(group: number, timeoutMs = 20_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const [id, p] of this.nodes) {
        if (!p.proc || p.proc.exitCode !== null) continue;
        try {
          const s = await this.status(id, 1000);
          const g = s.groups.find((x) => x.groupId === group);
          if (g && g.role === 'Leader') return id;
        } catch {
          /* node down or starting */
        }
      }
      if (Date.now() > deadline) throw new Error(`group ${group} has no leader within ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  async kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const p = this.nodes.get(id)!;
    if (!p.proc || p.proc.exitCode !== null) return p.proc?.exitCode ?? null;
    if (signal === 'SIGKILL') p.proc.kill('SIGCONT');
    p.proc.kill(signal);
    const code = await p.exited!;
    this.closeClients(id);
    return code;
  }

  pause(id: number): void {
    this.nodes.get(id)!.proc?.kill('SIGSTOP');
  }

  resume(id: number): void {
    this.nodes.get(id)!.proc?.kill('SIGCONT');
  }

  private closeClients(id: number): void {
    const c = this.clients.get(id);
    c?.kv.close();
    c?.admin.close();
    this.clients.delete(id);
  }

  log(id: number): string {
    try {
      return readFileSync(join(this.dir, `n${id}.log`), 'utf8');
    } catch {
      return '';
    }
  }

  async cleanup(keepOnFailure = false): Promise<void> {
    for (const id of this.nodes.keys()) this.closeClients(id);
    for (const p of this.nodes.values()) {
      if (p.proc && p.proc.exitCode === null && p.proc.signalCode === null) {
        p.proc.kill('SIGCONT');
        p.proc.kill('SIGKILL');
        await p.exited;
      }
    }
    if (!keepOnFailure) rmSync(this.dir, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Retries an operation on retryable errors (the SDK's job; tests use this until it exists). */
export async function retry<T>(fn: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const retryable = e instanceof KvError && (e.retryable || e.code === 'DEADLINE_EXCEEDED');
      if (!retryable || Date.now() > deadline) throw e;
      await sleep(Math.min(500, 25 * 2 ** Math.min(attempt, 5)));
    }
  }
}

export const enc = (s: string): Buffer => Buffer.from(s, 'utf8');
