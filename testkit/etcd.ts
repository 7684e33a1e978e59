// A real etcd (Debian's etcd-server, 3.4) on loopback, for the tests and
// benchmarks that compare ferrykv's etcd endpoint with etcd itself, and a
// runner for etcdctl. Only the processes started here are stopped (by PID).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './cluster.js';

export const ETCD_BIN = '/usr/bin/etcd';
export const ETCDCTL_BIN = '/usr/bin/etcdctl';

export class EtcdProcesses {
  private constructor(
    readonly endpoints: readonly string[],
    private readonly procs: readonly ChildProcess[],
    private readonly dir: string,
  ) {}

  /** Starts `n` etcd members on loopback and waits until every one answers /health. */
  static async start(n = 1, timeoutMs = 20_000): Promise<EtcdProcesses> {
    if (!existsSync(ETCD_BIN)) throw new Error(`${ETCD_BIN} not found: apt-get install etcd-server`);
    const dir = mkdtempSync(join(tmpdir(), 'ferrykv-etcd-'));
    const ports: { client: number; peer: number }[] = [];
    for (let i = 0; i < n; i++) ports.push({ client: await freePort(), peer: await freePort() });
    const initial = ports.map((p, i) => `e${i + 1}=http://127.0.0.1:${p.peer}`).join(',');
    const procs = ports.map((p, i) =>
      spawn(
        ETCD_BIN,
        [
          '--name', `e${i + 1}`,
          '--data-dir', join(dir, `e${i + 1}`),
          '--listen-client-urls', `http://127.0.0.1:${p.client}`,
          '--advertise-client-urls', `http://127.0.0.1:${p.client}`,
          '--listen-peer-urls', `http://127.0.0.1:${p.peer}`,
          '--initial-advertise-peer-urls', `http://127.0.0.1:${p.peer}`,
          '--initial-cluster', initial,
          '--initial-cluster-state', 'new',
          '--initial-cluster-token', 'ferrykv-test',
          '--log-level', 'error',
        ],
        { stdio: 'ignore' },
      ),
    );
    const e = new EtcdProcesses(ports.map((p) => `127.0.0.1:${p.client}`), procs, dir);
    const deadline = Date.now() + timeoutMs;
    for (const ep of e.endpoints) {
      for (;;) {
        try {
          const res = await fetch(`http://${ep}/health`, { signal: AbortSignal.timeout(1000) });
          if (res.ok && ((await res.json()) as { health?: string }).health === 'true') break;
        } catch {
          /* not listening yet */
        }
        if (Date.now() > deadline) {
          await e.stop();
          throw new Error(`etcd at ${ep} did not become healthy within ${timeoutMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    return e;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            p.once('exit', () => resolve());
            p.kill('SIGKILL');
          }),
      ),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface EtcdctlResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs etcdctl (API v3) against `endpoints`, with `stdin` fed in, bounded by `timeoutMs`. */
export function etcdctl(endpoints: string, args: readonly string[], stdin = '', timeoutMs = 15_000): Promise<EtcdctlResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(ETCDCTL_BIN, [`--endpoints=${endpoints}`, ...args], { env: { ...process.env, ETCDCTL_API: '3' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    p.stdin.end(stdin);
  });
}
