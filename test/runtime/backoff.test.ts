// The one backoff (src/runtime/backoff.ts): exponential to a cap, jittered,
// raised to a server's hint, cut at the deadline.
import { describe, expect, it } from 'vitest';
import { backoffMs, sleep } from '../../src/runtime/backoff.js';

const policy = { baseMs: 10, maxMs: 1000 };

describe('backoffMs', () => {
  it('doubles from the base to the cap, each wait 50–100 % of its step', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const step = Math.min(1000, 10 * 2 ** attempt);
      expect(backoffMs(policy, attempt, 0, Infinity, () => 0)).toBe(step / 2);
      expect(backoffMs(policy, attempt, 0, Infinity, () => 0.999999)).toBeCloseTo(step, 1);
    }
  });

  it('waits at least the hint and never past the deadline', () => {
    expect(backoffMs(policy, 0, 250, Infinity, () => 0)).toBe(250);
    expect(backoffMs(policy, 20, 0, 40, () => 1)).toBe(40);
    expect(backoffMs(policy, 0, 5000, 40, () => 1)).toBe(40);
    expect(backoffMs(policy, 3, 0, -5, () => 1)).toBe(0);
  });

  it('takes huge and negative attempt counts', () => {
    expect(backoffMs(policy, 1e9, 0, Infinity, () => 1)).toBe(1000);
    expect(backoffMs(policy, -3, 0, Infinity, () => 1)).toBe(10);
  });
});

describe('sleep', () => {
  it('ends at once when its signal aborts', async () => {
    const ac = new AbortController();
    const started = Date.now();
    const p = sleep(60_000, ac.signal);
    ac.abort();
    await p;
    expect(Date.now() - started).toBeLessThan(30_000);
    await sleep(1_000_000, ac.signal); // already aborted: resolves at once
  });
});
