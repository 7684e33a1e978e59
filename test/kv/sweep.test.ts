// Background sweeps (request-id expiry, MVCC GC) continue across passes: a
// family larger than one pass is still covered, where restarting each pass
// from the beginning never reached its tail.
import { describe, expect, it } from 'vitest';
import { Sweep, type SweepStep } from '../../src/kv/sweep.js';

/** A sorted family of numbered entries; a step scans `batch` after the cursor and deletes the expired ones. */
function family(n: number, batch: number): { live: Set<number>; expired: Set<number>; step: (cursor: Uint8Array) => Promise<SweepStep> } {
  const live = new Set<number>();
  const expired = new Set<number>();
  for (let i = 0; i < n; i++) (i % 3 === 0 ? live : expired).add(i);
  const keys = [...Array(n).keys()];
  const enc = (i: number): Uint8Array => Uint8Array.of(i >> 8, i & 255);
  const dec = (b: Uint8Array): number => (b[0]! << 8) | b[1]!;
  const step = (cursor: Uint8Array): Promise<SweepStep> => {
    const from = cursor.byteLength === 0 ? 0 : dec(cursor) + 1;
    const slice = keys.slice(from, from + batch);
    let deleted = 0;
    for (const k of slice) if (expired.delete(k)) deleted++;
    const more = from + batch < n;
    return Promise.resolve({ deleted, more, resumeKey: more ? enc(slice[slice.length - 1]!) : new Uint8Array(0) });
  };
  return { live, expired, step };
}

describe('Sweep', () => {
  it('a family larger than one pass is covered by successive passes', async () => {
    const f = family(1000, 10); // 100 steps to cover; 7 per pass
    const sweep = new Sweep();
    let passes = 0;
    while (f.expired.size > 0 && passes < 100) {
      await sweep.pass(f.step, 7);
      passes++;
    }
    expect(f.expired.size).toBe(0);
    expect(passes).toBe(15); // ceil(100 / 7): every pass went on from the last one's cursor
    expect(f.live.size).toBe(334);
  });

  it('a pass ends when the sweep wraps around, and the next one starts over', async () => {
    const f = family(50, 10);
    const sweep = new Sweep();
    let steps = 0;
    const counted = (c: Uint8Array): Promise<SweepStep> => {
      steps++;
      return f.step(c);
    };
    expect(await sweep.pass(counted, 100)).toBe(33);
    expect(steps).toBe(5);
    expect(sweep.position.byteLength).toBe(0);
    expect(await sweep.pass(counted, 100)).toBe(0);
    expect(steps).toBe(10);
  });

  it('a pass started while one runs does nothing', async () => {
    const f = family(100, 10);
    const sweep = new Sweep();
    const first = sweep.pass(f.step, 100);
    expect(await sweep.pass(f.step, 100)).toBe(0);
    expect(await first).toBe(66);
  });
});
