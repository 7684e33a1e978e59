import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packRows, unpackRows } from '../../src/apply/packed-rows.js';

const row = fc.record({
  family: fc.constantFrom(1, 0x10),
  key: fc.uint8Array({ maxLength: 40 }),
  ts: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  value: fc.uint8Array({ maxLength: 300 }),
  tombstone: fc.boolean(),
  delete: fc.boolean(),
});

describe('packed migration rows', () => {
  it('round-trip exactly (keys, timestamps up to 2^64-1, empty values, flags)', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 50 }), (rows) => {
        const back = unpackRows(packRows(rows));
        expect(back.map((r) => ({ ...r, key: [...r.key], value: [...r.value] }))).toEqual(rows.map((r) => ({ ...r, key: [...r.key], value: [...r.value] })));
      }),
      { seed: 81, numRuns: 200 },
    );
  });

  it('refuses a truncated buffer instead of inventing rows', () => {
    const packed = packRows([{ family: 1, key: Uint8Array.of(1, 2, 3), ts: 7n, value: Uint8Array.of(9, 9), tombstone: false, delete: false }]);
    for (let cut = 1; cut < packed.byteLength; cut++) expect(() => unpackRows(packed.subarray(0, cut))).toThrow(/packed rows/);
  });

  it('decoded rows never alias the buffer they came from', () => {
    const packed = packRows([{ family: 1, key: Uint8Array.of(1), ts: 1n, value: Uint8Array.of(5), tombstone: false, delete: false }]);
    const [r] = unpackRows(packed);
    packed.fill(0);
    expect([...r!.key, ...r!.value]).toEqual([1, 5]);
  });
});
