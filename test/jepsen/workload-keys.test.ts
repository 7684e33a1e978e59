// The Jepsen runner's key placement (jepsen/runner.ts WorkloadKeys): with more
// than 3 groups, register and set keys spread over every group's initial
// range — key i in route i mod groups — and a set read finds exactly the set's
// keys in a whole-space scan.

import { describe, expect, it } from 'vitest';
import { WorkloadKeys } from '../../jepsen/runner.js';
import { evenSplitKeys } from '../../src/api/splits.js';

/** The index of the route holding `key` (routes start at `starts`, ascending). */
function routeOf(starts: readonly string[], key: string): number {
  let i = 0;
  for (let j = 0; j < starts.length; j++) if (Buffer.compare(Buffer.from(starts[j]!), Buffer.from(key)) <= 0) i = j;
  return i;
}

describe('Jepsen workload keys', () => {
  it('spread over 100 groups: every register and set key lies in route i mod 100, so every group gets keys', () => {
    const starts = ['', ...evenSplitKeys(100)];
    const k = new WorkloadKeys(starts);
    const hit = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      expect(routeOf(starts, k.register(i, 3))).toBe(i % 100);
      expect(routeOf(starts, k.set(i))).toBe(i % 100);
      hit.add(routeOf(starts, k.set(i)));
    }
    expect(hit.size).toBe(100);
    expect(k.setScan()).toEqual({ start: '', end: '' });
    expect(k.setValue(k.set(4242))).toBe(4242);
    expect(k.setValue(k.register(7, 0))).toBeUndefined();
    // The split keys fall among the workload's keys.
    for (const p of k.splitPrefixes(57)) expect(routeOf(starts, `${p}12`)).toBe(57);
  });

  it('with the 3 default groups, the keys stay where the checks were first written (all in group 3, ["p", +∞))', () => {
    const k = new WorkloadKeys(['', 'h', 'p']);
    expect(k.register(2, 1)).toBe('reg/2/1');
    expect(k.set(12)).toBe('set/000000012');
    expect(k.setScan()).toEqual({ start: 'set/', end: 'set0' });
    expect(k.setValue('set/000000012')).toBe(12);
    expect(k.splitPrefixes(5)).toEqual(['reg/', 'set/']);
  });
});
