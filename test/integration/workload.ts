// A background write load for fault and membership tests: a few loops, each
// writing fresh keys (one loop per group prefix) through a random live node,
// retrying each write with the SAME request id until it is acknowledged
// (so a write applies at most once even when an attempt's outcome is
// unknown). Only acknowledged writes are recorded; `verify` then reads every
// one back through a chosen node and checks value and commit timestamp.

import { KvError } from '../../src/api/errors.js';
import { enc, sleep, type TestCluster } from '../../testkit/cluster.js';

export interface AckedWrite {
  readonly key: string;
  readonly value: string;
  readonly ts: string;
  readonly group: number;
}

export interface WorkloadOptions {
  /** Key prefix of each loop's group, e.g. { 1: 'a', 2: 'k', 3: 't' }. */
  readonly prefixes: Readonly<Record<number, string>>;
  /** Nodes a write may be sent to right now (default: every running node). */
  readonly nodes?: () => number[];
  /** Longest one write may take, over all its attempts. */
  readonly writeTimeoutMs?: number;
  /** Client deadline of one attempt. */
  readonly attemptTimeoutMs?: number;
  readonly tag?: string;
}

/** Whether a failed attempt may be retried with the same request id. */
export function retryable(e: unknown): boolean {
  return e instanceof KvError && (e.retryable || e.code === 'DEADLINE_EXCEEDED' || e.code === 'UNKNOWN_RESULT');
}

export class Workload {
  readonly acked: AckedWrite[] = [];
  readonly ackedByGroup = new Map<number, number>();
  readonly failures: string[] = [];
  /** Attempts that failed and were retried (a sign the faults were felt). */
  retries = 0;
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly c: TestCluster,
    private readonly opts: WorkloadOptions,
  ) {}

  start(): void {
    this.running = true;
    this.loops = Object.entries(this.opts.prefixes).map(([g, prefix]) => this.loop(Number(g), prefix));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  count(group?: number): number {
    return group === undefined ? this.acked.length : (this.ackedByGroup.get(group) ?? 0);
  }

  private pickNode(): number | undefined {
    const nodes = (this.opts.nodes ?? (() => this.c.upNodes()))().filter((n) => this.c.isUp(n));
    return nodes.length === 0 ? undefined : nodes[Math.floor(Math.random() * nodes.length)];
  }

  private async loop(group: number, prefix: string): Promise<void> {
    const tag = this.opts.tag ?? 'w';
    for (let seq = 0; this.running; seq++) {
      const key = `${prefix}/${tag}/${String(seq).padStart(6, '0')}`;
      const value = `${key}@${Date.now()}`;
      const requestId = enc(`${tag}-${group}-${seq}`);
      const deadline = Date.now() + (this.opts.writeTimeoutMs ?? 30_000);
      for (let attempt = 0; ; attempt++) {
        const node = this.pickNode();
        try {
          if (node === undefined) throw new KvError('UNAVAILABLE', 'no node is up');
          const res = await this.c.api(node).put({ key: enc(key), value: enc(value), requestId }, this.opts.attemptTimeoutMs ?? 5_000);
          this.acked.push({ key, value, ts: res.commitTs, group });
          this.ackedByGroup.set(group, this.count(group) + 1);
          break;
        } catch (e) {
          if (!retryable(e)) {
            this.failures.push(`${key} via node ${node}: non-retryable ${e instanceof KvError ? e.code : ''} ${(e as Error).message}`);
            break;
          }
          if (Date.now() > deadline) {
            this.failures.push(`${key}: not acknowledged within ${this.opts.writeTimeoutMs ?? 30_000} ms (last: ${(e as Error).message})`);
            break;
          }
          this.retries++;
          await sleep(Math.min(200, 20 * (attempt + 1)));
        }
      }
    }
  }

  /** Waits until every listed group has `n` more acknowledged writes than `from` (default: now). */
  async waitProgress(n: number, groups: readonly number[], timeoutMs: number, from?: ReadonlyMap<number, number>): Promise<void> {
    const base = new Map(groups.map((g) => [g, from?.get(g) ?? this.count(g)]));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (groups.every((g) => this.count(g) >= base.get(g)! + n)) return;
      if (this.failures.length > 0) throw new Error(`write load failed: ${this.failures.slice(0, 5).join('; ')}`);
      if (Date.now() > deadline) {
        const got = groups.map((g) => `group ${g}: ${this.count(g) - base.get(g)!}`).join(', ');
        throw new Error(`write load made less than ${n} acknowledged writes per group within ${timeoutMs} ms (${got})`);
      }
      await sleep(50);
    }
  }

  snapshotCounts(): Map<number, number> {
    return new Map(this.ackedByGroup);
  }

  /**
   * Reads back `writes` (default: every acknowledged write) through `node`
   * and returns a description of each mismatch: missing key, other value, or
   * a commit timestamp other than the acknowledged one (a second apply).
   */
  async verify(node: number, writes: readonly AckedWrite[] = this.acked, timeoutMs = 30_000): Promise<string[]> {
    const bad: string[] = [];
    for (let i = 0; i < writes.length; i += 500) {
      const batch = writes.slice(i, i + 500);
      const deadline = Date.now() + timeoutMs;
      let res;
      for (;;) {
        try {
          res = await this.c.api(node).batchGet({ keys: batch.map((w) => enc(w.key)) }, 10_000);
          break;
        } catch (e) {
          if (!retryable(e) || Date.now() > deadline) throw e;
          await sleep(100);
        }
      }
      const got = new Map(res.pairs.map((p) => [p.key.toString('utf8'), p]));
      for (const w of batch) {
        const p = got.get(w.key);
        if (!p) bad.push(`${w.key}: missing via node ${node}`);
        else if (p.value.toString('utf8') !== w.value) bad.push(`${w.key}: value ${p.value.toString('utf8')} via node ${node}, acknowledged ${w.value}`);
        else if (p.versionTs !== w.ts) bad.push(`${w.key}: version ${p.versionTs} via node ${node}, acknowledged at ${w.ts}`);
      }
    }
    return bad;
  }
}

/** pino lines of a node log at or above `level` (50 error, 60 fatal). */
export function logLinesAtLeast(log: string, level: number): string[] {
  return log.split('\n').filter((line) => {
    if (!line.startsWith('{')) return line.trim().length > 0 && level <= 50; // stray stderr output counts as an error
    try {
      return (JSON.parse(line) as { level?: number }).level! >= level;
    } catch {
      return false;
    }
  });
}

/** Parsed pino lines of a node log with this `msg`. */
export function logEvents(log: string, msg: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of log.split('\n')) {
    if (!line.includes(msg)) continue;
    try {
      const o = JSON.parse(line) as Record<string, unknown>;
      if (o.msg === msg) out.push(o);
    } catch {
      /* not a JSON line */
    }
  }
  return out;
}
