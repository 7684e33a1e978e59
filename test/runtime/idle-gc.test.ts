// The node's own full collection when idle (src/runtime/idle-gc.ts): only
// when the event loop was idle, the heap holds enough garbage over what the
// last collection left, and not more often than the interval.
import { describe, expect, it } from 'vitest';
import { IdleGc } from '../../src/runtime/idle-gc.js';

const MiB = 1 << 20;

function harness(): { gc: IdleGc; heap: { used: number }; runs: number[] } {
  const heap = { used: 0 };
  const runs: number[] = [];
  const gc = new IdleGc(
    { idleUtilization: 0.05, minGarbageBytes: 64 * MiB, growthFactor: 1.5, minIntervalMs: 60_000 },
    () => {
      runs.push(heap.used);
      heap.used = Math.round(heap.used / 3); // what was live: a third
    },
    () => heap.used,
  );
  return { gc, heap, runs };
}

describe('idle full collection', () => {
  it('collects once the loop is idle and the heap holds enough garbage, then waits for the interval', () => {
    const { gc, heap, runs } = harness();
    heap.used = 600 * MiB;
    expect(gc.check(0, 0.5)).toBe(false); // busy: never under load
    expect(gc.check(5_000, 0.01)).toBe(true);
    expect(runs).toEqual([600 * MiB]);
    expect(gc.stats).toMatchObject({ collections: 1, reclaimedBytes: 400 * MiB });
    heap.used = 600 * MiB;
    expect(gc.check(30_000, 0)).toBe(false); // within the interval
    expect(gc.check(65_000, 0)).toBe(true);
    expect(gc.stats.collections).toBe(2);
  });

  it('leaves a heap alone that holds little garbage over what the last collection left', () => {
    const { gc, heap } = harness();
    heap.used = 40 * MiB; // below the minimum garbage
    expect(gc.check(0, 0)).toBe(false);
    heap.used = 300 * MiB;
    expect(gc.check(1, 0)).toBe(true); // 100 MiB live after it
    heap.used = 140 * MiB; // 1.4x live: under the growth factor
    expect(gc.check(100_000, 0)).toBe(false);
    heap.used = 160 * MiB; // 1.6x live but only 60 MiB of garbage
    expect(gc.check(200_000, 0)).toBe(false);
    heap.used = 170 * MiB;
    expect(gc.check(300_000, 0)).toBe(true);
  });

  it('gets a working full collection from V8 without --expose-gc', () => {
    const real = new IdleGc({ minGarbageBytes: 0, growthFactor: 0, minIntervalMs: 0 });
    expect(real.check(0, 0)).toBe(true);
    expect(real.stats.collections).toBe(1);
    expect(real.stats.lastPauseMs).toBeGreaterThan(0);
  });
});
