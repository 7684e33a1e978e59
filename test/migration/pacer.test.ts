// The adaptive pacer of bulk migration steps: fast steps climb to full speed,
// slow steps back off multiplicatively down to the minimum duty, and the sleep
// keeps the migrator's share of time at the duty.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RateLimiter, exportPacer } from '../../src/migration/exporter.js';
import { AdaptivePacer, CLEANUP_PACER, DEFAULT_PACER } from '../../src/migration/pacer.js';

describe('AdaptivePacer', () => {
  const o = { slowMs: 100, minDuty: 1 / 8, initialDuty: 0.5, step: 0.1, maxSleepMs: 2000 };

  it('reaches full speed (no sleep) on a cluster that takes steps quickly', () => {
    const p = new AdaptivePacer(o);
    const sleeps = Array.from({ length: 10 }, () => p.next(20));
    expect(sleeps[0]).toBe(Math.round(20 * (1 / 0.6 - 1)));
    expect(sleeps.slice(5)).toEqual([0, 0, 0, 0, 0]);
    expect(p.duty).toBe(1);
  });

  it('halves its duty on each slow step, down to the minimum, sleeping (1/duty - 1) x the step', () => {
    const p = new AdaptivePacer(o);
    expect(p.next(200)).toBe(200 * 3); // duty 1/4
    expect(p.next(200)).toBe(200 * 7); // duty 1/8
    expect(p.next(200)).toBe(200 * 7); // stays at the minimum
    expect(p.duty).toBe(1 / 8);
    expect(p.next(1000)).toBe(2000); // capped
  });

  it('recovers additively once steps are fast again', () => {
    const p = new AdaptivePacer(o);
    p.next(500);
    p.next(500);
    const duties: number[] = [];
    for (let i = 0; i < 3; i++) {
      p.next(10);
      duties.push(+p.duty.toFixed(3));
    }
    expect(duties).toEqual([0.225, 0.325, 0.425]);
  });

  it('a capped pacer (CLEANUP) never works more than its maximum duty, however fast the steps', () => {
    const p = new AdaptivePacer(CLEANUP_PACER);
    const sleeps = Array.from({ length: 100 }, () => p.next(40));
    expect(p.duty).toBe(0.5);
    expect(sleeps[99]).toBe(40); // sleeps as long as it worked
    expect(p.next(300)).toBe(Math.round(300 * 3)); // a step over 250 ms halves it
  });

  it('judges a large step by its time per slowPerBytes: a 4 MiB chunk may take four times a 1 MiB one', () => {
    const p = new AdaptivePacer(DEFAULT_PACER);
    const MiB = 1 << 20;
    p.next(3500, 4 * MiB); // 875 ms per MiB: not slow
    expect(p.duty).toBeCloseTo(0.55);
    p.next(4500, 4 * MiB); // 1,125 ms per MiB: slow
    expect(p.duty).toBeCloseTo(0.275);
    p.next(1100, MiB / 2); // a small step keeps the per-step threshold
    expect(p.duty).toBeCloseTo(0.1375);
    p.next(1100); // no size given: the per-step threshold
    expect(p.duty).toBe(1 / 8);
  });
});

describe('byte-rate limits of an export', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Advances fake time in 100 ms steps until `p` settles; returns the ms it took. */
  async function settleTime(p: Promise<void>): Promise<number> {
    let done = false;
    void p.then(() => (done = true));
    let ms = 0;
    while (!done && ms < 60_000) {
      await vi.advanceTimersByTimeAsync(100);
      ms += 100;
    }
    return ms;
  }

  it('a chunk due seconds later waits the whole time (4 MiB at 1 MB/s: 4.2 s), not at most one second', async () => {
    vi.useFakeTimers();
    const pace = exportPacer(1_000_000);
    const first = await settleTime(pace(4 << 20));
    expect(first).toBeGreaterThanOrEqual(4100);
    expect(first).toBeLessThanOrEqual(4300);
    const second = await settleTime(pace(4 << 20));
    expect(first + second).toBeGreaterThanOrEqual(8300);
  });

  it('the node-wide limiter makes a second taker wait for the first one\'s bytes, however long', async () => {
    vi.useFakeTimers();
    const l = new RateLimiter(1_000_000);
    expect(await settleTime(l.take(8_000_000))).toBeLessThanOrEqual(100);
    const waited = await settleTime(l.take(1000));
    expect(waited).toBeGreaterThanOrEqual(7900);
  });
});
