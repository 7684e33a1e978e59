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

  describe('skipping passes that would find nothing', () => {
    /** Steps over `n` keys, `batch` per step, each answering `keptFrom` (by its step number) and no deletions. */
    const steps = (n: number, batch: number, keptFrom: (step: number) => bigint | undefined = () => undefined) => {
      let calls = 0;
      const step = (cursor: Uint8Array): Promise<SweepStep> => {
        const from = cursor.byteLength === 0 ? 0 : cursor[0]! + 1;
        const more = from + batch < n;
        const k = keptFrom(calls++);
        return Promise.resolve({ deleted: 0, more, resumeKey: more ? Uint8Array.of(from + batch - 1) : new Uint8Array(0), ...(k !== undefined ? { keptFrom: k } : {}) });
      };
      return { step, calls: () => calls };
    };

    it('is due until a whole cycle ran, then not while the write generation stands still', async () => {
      const s = steps(30, 10);
      const sweep = new Sweep();
      expect(sweep.due(7, 100n)).toBe(true);
      await sweep.pass(s.step, 2, 0, () => 7); // two of three steps: not a whole cycle
      expect(sweep.due(7, 100n)).toBe(true);
      await sweep.pass(s.step, 2, 0, () => 7); // the third step wraps around
      expect(s.calls()).toBe(3);
      expect(sweep.due(7, 100n)).toBe(false);
      expect(sweep.due(7, 1n << 60n)).toBe(false);
      expect(sweep.due(8, 100n)).toBe(true); // a write since
    });

    it('a cycle carries the generation it began at, not the one it ended at', async () => {
      const s = steps(20, 10);
      const sweep = new Sweep();
      let gen = 1;
      await sweep.pass(s.step, 1, 0, () => gen);
      gen = 2; // a write applied mid-cycle: the keys already passed did not see it
      await sweep.pass(s.step, 1, 0, () => gen);
      expect(sweep.due(2, 100n)).toBe(true);
      await sweep.pass(s.step, 5, 0, () => gen);
      expect(sweep.due(2, 100n)).toBe(false);
    });

    it('is due again once the cutoff passes the lowest keptFrom of the cycle', async () => {
      const s = steps(30, 10, (i) => [500n, 200n, undefined][i % 3]);
      const sweep = new Sweep();
      await sweep.pass(s.step, 10, 0, () => 1);
      expect(sweep.due(1, 200n)).toBe(false);
      expect(sweep.due(1, 201n)).toBe(true);
    });

    it('a failed step spoils its cycle: the next whole cycle decides', async () => {
      let fail = false;
      const s = steps(20, 10);
      const step = (c: Uint8Array): Promise<SweepStep> => (fail && c.byteLength > 0 ? Promise.reject(new Error('no leader')) : s.step(c));
      const sweep = new Sweep();
      fail = true;
      await expect(sweep.pass(step, 5, 0, () => 1)).rejects.toThrow('no leader');
      fail = false;
      await sweep.pass(step, 5, 0, () => 1); // resumes mid-cycle and wraps: a cycle it did not see begin
      expect(sweep.due(1, 100n)).toBe(true);
      await sweep.pass(step, 5, 0, () => 1);
      expect(sweep.due(1, 100n)).toBe(false);
    });
  });
});
