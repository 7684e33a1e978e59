// A node's periodic background work (src/node/background.ts): named tasks
// that never overlap themselves, whose failures are logged and counted, and
// that stop with the node.
import type { Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Background } from '../../src/node/background.js';

function logger(): { log: Logger; warned: unknown[] } {
  const warned: unknown[] = [];
  const log = { warn: (o: unknown) => warned.push(o), debug: () => {}, info: () => {}, error: () => {} } as unknown as Logger;
  return { log, warned };
}

describe('Background', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs a task every period', async () => {
    const bg = new Background(logger().log);
    let runs = 0;
    bg.add({ name: 't', everyMs: 100, run: () => void runs++ });
    await vi.advanceTimersByTimeAsync(350);
    expect(runs).toBe(3);
    await bg.stop();
  });

  it('skips a pass while the previous one still runs, and counts it', async () => {
    const bg = new Background(logger().log);
    let finish: (() => void) | undefined;
    let started = 0;
    bg.add({ name: 'slow', everyMs: 100, run: () => new Promise<void>((r) => ((finish = r), started++)) });
    await vi.advanceTimersByTimeAsync(350);
    expect(started).toBe(1);
    expect(bg.status()[0]).toMatchObject({ name: 'slow', runs: 1, skipped: 2, running: true });
    finish!();
    await vi.advanceTimersByTimeAsync(100);
    expect(started).toBe(2);
    finish!();
    await bg.stop();
  });

  it('logs and counts a failing pass, and runs again next period', async () => {
    const { log, warned } = logger();
    const bg = new Background(log);
    let runs = 0;
    bg.add({
      name: 'flaky',
      everyMs: 100,
      run: () => {
        runs++;
        if (runs === 1) throw new Error('disk busy');
      },
    });
    await vi.advanceTimersByTimeAsync(250);
    expect(runs).toBe(2);
    expect(bg.status()[0]).toMatchObject({ runs: 2, failures: 1 });
    expect(warned).toEqual([{ task: 'flaky', err: 'disk busy' }]);
    await bg.stop();
  });

  it('stops its timers and waits (bounded) for the pass in flight', async () => {
    const bg = new Background(logger().log);
    let finish: (() => void) | undefined;
    let runs = 0;
    bg.add({ name: 't', everyMs: 100, run: () => new Promise<void>((r) => ((finish = r), runs++)) });
    await vi.advanceTimersByTimeAsync(100);
    let stopped = false;
    const stopping = bg.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(50);
    expect(stopped).toBe(false);
    finish!();
    await stopping;
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(1);

    // A pass that never ends does not hold the stop forever.
    const stuck = new Background(logger().log);
    stuck.add({ name: 'stuck', everyMs: 100, run: () => new Promise<void>(() => {}) });
    await vi.advanceTimersByTimeAsync(100);
    const s = stuck.stop(500);
    await vi.advanceTimersByTimeAsync(500);
    await expect(s).resolves.toBeUndefined();
  });

  it('refuses a duplicate name and a non-positive period', () => {
    const bg = new Background(logger().log);
    bg.add({ name: 't', everyMs: 100, run: () => {} });
    expect(() => bg.add({ name: 't', everyMs: 100, run: () => {} })).toThrow(/added twice/);
    expect(() => bg.add({ name: 'u', everyMs: 0, run: () => {} })).toThrow(/positive/);
    return bg.stop();
  });
});
