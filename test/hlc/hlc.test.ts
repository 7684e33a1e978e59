import { describe, expect, it } from 'vitest';
import { Hlc, HlcError, logicalOf, makeTimestamp, physicalOf } from '../../src/hlc/hlc.js';

function clock(start: number): { now: () => number; set: (ms: number) => void } {
  let t = start;
  return { now: () => t, set: (ms) => (t = ms) };
}

describe('HLC', () => {
  it('packs 48-bit milliseconds and a 16-bit logical counter', () => {
    const ts = makeTimestamp(1_700_000_000_000, 7);
    expect(physicalOf(ts)).toBe(1_700_000_000_000n);
    expect(logicalOf(ts)).toBe(7n);
  });

  it('stays strictly monotonic when the wall clock goes backwards', () => {
    const c = clock(10_000);
    const hlc = new Hlc({ wallClockMs: c.now });
    const seen: bigint[] = [hlc.now()];
    for (const t of [9_000, 9_000, 12_000, 5_000, 12_000, 12_001]) {
      c.set(t);
      seen.push(hlc.now());
    }
    for (let i = 1; i < seen.length; i++) expect(seen[i]! > seen[i - 1]!).toBe(true);
    // Backwards wall time reuses the last physical part with a higher logical part.
    expect(physicalOf(seen[2]!)).toBe(10_000n);
  });

  it('borrows the next millisecond when the logical counter overflows', () => {
    const c = clock(1_000);
    const hlc = new Hlc({ wallClockMs: c.now });
    hlc.forward(makeTimestamp(1_000, 0xffff));
    const ts = hlc.now();
    expect(physicalOf(ts)).toBe(1_001n);
    expect(logicalOf(ts)).toBe(0n);
  });

  it('never issues a timestamp at or above the ceiling until it is raised', () => {
    const c = clock(50_000);
    const hlc = new Hlc({ wallClockMs: c.now, ceilingMs: 40_000n });
    const a = hlc.now();
    expect(physicalOf(a)).toBe(39_999n);
    hlc.forward(makeTimestamp(39_999, 0xffff));
    expect(() => hlc.now()).toThrowError(HlcError);
    try {
      hlc.now();
    } catch (e) {
      expect((e as HlcError).code).toBe('CLOCK_CEILING');
    }
    hlc.raiseCeiling(60_000n);
    const b = hlc.now();
    expect(physicalOf(b)).toBe(50_000n);
    hlc.raiseCeiling(10n); // never lowers
    expect(hlc.ceilingMs()).toBe(60_000n);
  });

  it('observe() moves the clock past an observed timestamp within the drift bound', () => {
    const c = clock(100_000);
    const hlc = new Hlc({ wallClockMs: c.now, maxDriftMs: 500 });
    const remote = makeTimestamp(100_400, 3);
    hlc.observe(remote);
    expect(hlc.now() > remote).toBe(true);
  });

  it('observe() rejects a timestamp beyond the max drift with CLOCK_DRIFT', () => {
    const c = clock(100_000);
    const hlc = new Hlc({ wallClockMs: c.now, maxDriftMs: 500 });
    const before = hlc.peek();
    expect(() => hlc.observe(makeTimestamp(100_501, 0))).toThrowError(/CLOCK_DRIFT.*max drift 500 ms/);
    expect(hlc.peek()).toBe(before); // a rejected timestamp changes nothing
  });

  it('forward() (Raft-applied floors) is not bounded by the drift check', () => {
    const c = clock(100_000);
    const hlc = new Hlc({ wallClockMs: c.now, maxDriftMs: 500 });
    const floor = makeTimestamp(200_000, 0);
    hlc.forward(floor);
    expect(hlc.now() > floor).toBe(true);
  });

  it('rejects timestamps outside the 64-bit range', () => {
    const hlc = new Hlc({ wallClockMs: () => 1 });
    expect(() => hlc.forward(-1n)).toThrowError(/CLOCK_INVALID/);
    expect(() => hlc.forward(1n << 64n)).toThrowError(/CLOCK_INVALID/);
  });
});
