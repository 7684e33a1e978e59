// The watch workload: consumers of change feeds over the register and set
// workloads' keys, under the same nemeses (jepsen/checker/watch.ts checks
// them against what the clients wrote).
//
// Two watchers start from one timestamp (a sentinel write's): `steady` keeps
// one feed for the whole run and relies on the SDK's own resumption across
// kills, partitions, splits and migrations; `restarting` behaves like a
// consumer that checkpoints: every 5-15 s it drops its feed and opens a new
// one from the last resolved timestamp it saw. After the heal both run until
// their resolved timestamp passes the newest acknowledged write.

import type { FerryClient } from '../src/client/client.js';
import type { WatchWrite, WatcherLog, WatchItem } from './checker/watch.js';
import { sleep } from '../testkit/cluster.js';

/** Every write the register and set workloads attempted, with commit timestamps of the acknowledged ones. */
export class WatchWrites {
  readonly writes: WatchWrite[] = [];

  note(key: string, value: string, outcome: WatchWrite['outcome'], commitTs?: bigint): void {
    this.writes.push(outcome === 'ok' && commitTs !== undefined ? { key, value, outcome, commitTs } : { key, value, outcome });
  }

  /** The newest acknowledged commit timestamp among keys `inRange` accepts. */
  newestAcked(inRange: (key: string) => boolean): bigint {
    let n = 0n;
    for (const w of this.writes) if (w.outcome === 'ok' && w.commitTs !== undefined && w.commitTs > n && inRange(w.key)) n = w.commitTs;
    return n;
  }
}

export interface WatchRange {
  readonly start: string;
  /** Empty: to the end of the key space. */
  readonly end: string;
}

export const inRangeOf =
  (r: WatchRange) =>
  (key: string): boolean =>
    key >= r.start && (r.end === '' || key < r.end);

const str = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

export class Watcher {
  readonly items: WatchItem[] = [];
  readonly errors: string[] = [];
  restarts = 0;
  resolved = 0n;
  private stopped = false;
  private current: AbortController | undefined;
  private running: Promise<void> | undefined;

  constructor(
    readonly name: string,
    private readonly db: FerryClient,
    private readonly range: WatchRange,
    readonly fromTs: bigint,
    /** Restarts its feed every 5-15 s (from its last resolved timestamp) when given. */
    private readonly rand?: () => number,
  ) {}

  start(): void {
    this.running = this.run();
  }

  private async run(): Promise<void> {
    let from = this.fromTs;
    while (!this.stopped) {
      const ac = (this.current = new AbortController());
      const restartAt = this.rand ? Date.now() + (5 + this.rand() * 10) * 1000 : Infinity;
      try {
        for await (const b of this.db.watch({ start: this.range.start, ...(this.range.end ? { end: this.range.end } : {}), fromTs: from, signal: ac.signal, progressMs: 2000 })) {
          for (const e of b.events) this.items.push({ e: 'event', key: str(e.key), value: e.type === 'put' ? str(e.value) : null, ts: e.commitTs });
          if (b.resolvedTs > 0n) {
            this.items.push({ e: 'resolved', ts: b.resolvedTs });
            this.resolved = b.resolvedTs;
          }
          if (Date.now() > restartAt) break;
        }
      } catch (e) {
        this.errors.push(`${(e as Error).name}: ${(e as Error).message}`);
        await sleep(500);
      }
      if (this.resolved > from) from = this.resolved;
      if (!this.stopped) this.restarts++;
    }
  }

  /** Runs until the feed resolved past `ts` (bounded), then stops it. */
  async finish(ts: bigint, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (this.resolved < ts && Date.now() < end) await sleep(100);
    this.stopped = true;
    this.current?.abort();
    await this.running;
  }

  log(inRange: (key: string) => boolean): WatcherLog {
    return { name: this.name, fromTs: this.fromTs, inRange, items: this.items, restarts: this.restarts, errors: this.errors };
  }
}
