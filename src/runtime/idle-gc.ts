// Gives the garbage a burst left behind back to the OS once the node is quiet.
//
// V8 starts a full collection when the old generation reaches a limit it sets
// after the previous one, a multiple of what was live then. A node that has
// just elected leaders for 20,000 groups has promoted a burst of short-lived
// objects (messages, promises) and set that limit high; idle afterwards, it
// allocates too little to reach it, and V8's own memory reducer did not run:
// measured at 20,000 groups, 60 s after the start, 424-511 MiB of heap in use
// of which about half was garbage. So when the event loop has been nearly
// idle over a check period and the heap holds much more than was live after
// the last collection, the node runs one full collection itself — at most
// once a period, never under load (a full collection of a few hundred MiB
// pauses the loop for a few hundred ms).

import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface IdleGcOptions {
  /** Event-loop utilization (0-1) over the last check period at or below which the node counts as idle. */
  readonly idleUtilization?: number;
  /** Collect only when the heap in use exceeds what was live after the last collection by this many bytes... */
  readonly minGarbageBytes?: number;
  /** ...and by this factor. */
  readonly growthFactor?: number;
  /** At most one collection in this long. */
  readonly minIntervalMs?: number;
}

export interface IdleGcStats {
  collections: number;
  /** Heap bytes freed by the collections (in use before minus after). */
  reclaimedBytes: number;
  /** How long the last collection paused the event loop. */
  lastPauseMs: number;
}

type Gc = () => void;

/** V8's full-collection hook: the --expose-gc global if the process has it, else the same function taken from a fresh context. */
function fullGc(): Gc {
  const g = (globalThis as { gc?: Gc }).gc;
  if (typeof g === 'function') return g;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as Gc;
}

export class IdleGc {
  readonly stats: IdleGcStats = { collections: 0, reclaimedBytes: 0, lastPauseMs: 0 };
  private liveAfterLast = 0;
  private lastAt = -Infinity;
  private elu = performance.eventLoopUtilization();
  private readonly idleUtilization: number;
  private readonly minGarbageBytes: number;
  private readonly growthFactor: number;
  private readonly minIntervalMs: number;

  constructor(
    opts: IdleGcOptions = {},
    private readonly gc: Gc = fullGc(),
    private readonly heapUsed: () => number = () => getHeapStatistics().used_heap_size,
  ) {
    this.idleUtilization = opts.idleUtilization ?? 0.05;
    this.minGarbageBytes = opts.minGarbageBytes ?? 64 << 20;
    this.growthFactor = opts.growthFactor ?? 1.5;
    this.minIntervalMs = opts.minIntervalMs ?? 60_000;
  }

  /**
   * One check (call it every few seconds): collects if the event loop was
   * idle since the last check and the heap holds enough garbage. `utilization`
   * overrides the measured event-loop utilization (tests). Returns whether it collected.
   */
  check(now = performance.now(), utilization?: number): boolean {
    const elu = performance.eventLoopUtilization();
    const busy = utilization ?? performance.eventLoopUtilization(elu, this.elu).utilization;
    this.elu = elu;
    if (busy > this.idleUtilization || now - this.lastAt < this.minIntervalMs) return false;
    const used = this.heapUsed();
    if (used - this.liveAfterLast < this.minGarbageBytes || used < this.liveAfterLast * this.growthFactor) return false;
    const t0 = performance.now();
    this.gc();
    this.stats.lastPauseMs = performance.now() - t0;
    const after = this.heapUsed();
    this.liveAfterLast = after;
    this.lastAt = now;
    this.stats.collections++;
    this.stats.reclaimedBytes += Math.max(0, used - after);
    // The collection itself was loop time: the next check measures from here.
    this.elu = performance.eventLoopUtilization();
    return true;
  }
}
