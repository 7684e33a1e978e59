// evenSplitKeys: the initial routes of ferry-cluster and the test harness.
import { describe, expect, it } from 'vitest';
import { evenSplitKeys } from '../../src/api/splits.js';

describe('evenSplitKeys', () => {
  it.each([1, 2, 3, 26, 27, 100, 676, 677, 1000, 20_000, 50_000])('%i ranges: that many - 1 distinct, increasing, non-empty keys', (n) => {
    const keys = evenSplitKeys(n);
    expect(keys).toHaveLength(n - 1);
    for (let i = 0; i < keys.length; i++) {
      expect(keys[i]!.length).toBeGreaterThan(0);
      if (i > 0) expect(keys[i - 1]! < keys[i]!, `${keys[i - 1]} < ${keys[i]}`).toBe(true);
    }
  });

  it('keeps the one-letter cuts for up to 26 ranges (b … z for 26)', () => {
    expect(evenSplitKeys(26)).toEqual('bcdefghijklmnopqrstuvwxyz'.split(''));
    expect(evenSplitKeys(2)).toEqual(['n']);
  });

  it('refuses a count that is not a positive integer', () => {
    expect(() => evenSplitKeys(0)).toThrow(RangeError);
    expect(() => evenSplitKeys(2.5)).toThrow(RangeError);
  });
});
