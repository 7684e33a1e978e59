import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NS_DATA,
  NS_RAFT,
  NS_STATE,
  RAFT_ENTRY,
  compareBytes,
  concat,
  dataPrefix,
  decodeVersionKey,
  escapeKey,
  raftEntryKey,
  raftKey,
  stateKey,
  unescapeKey,
  versionKey,
  versionPrefix,
} from '../../src/storage/keys.js';

const bytes = fc.uint8Array({ minLength: 0, maxLength: 12 }).map((b) =>
  // Bias toward the bytes that break naive encodings.
  b.map((x) => (x % 4 === 0 ? 0 : x % 4 === 1 ? 0xff : x)),
);
const tuple = fc.record({
  group: fc.integer({ min: 0, max: 0xffffffff }),
  family: fc.integer({ min: 0, max: 255 }),
  key: bytes,
  ts: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
});
type Tuple = { group: number; family: number; key: Uint8Array; ts: bigint };

function compareTuples(a: Tuple, b: Tuple): number {
  if (a.group !== b.group) return a.group - b.group;
  if (a.family !== b.family) return a.family - b.family;
  const k = compareBytes(a.key, b.key);
  if (k !== 0) return k;
  // newest first
  return a.ts === b.ts ? 0 : a.ts > b.ts ? -1 : 1;
}

describe('Key encoding', () => {
  it('is order-preserving: byte order of encodings equals tuple order (ts newest first)', () => {
    fc.assert(
      fc.property(tuple, tuple, (a, b) => {
        const ea = versionKey(a.group, a.family, a.key, a.ts);
        const eb = versionKey(b.group, b.family, b.key, b.ts);
        expect(Math.sign(compareBytes(ea, eb))).toBe(Math.sign(compareTuples(a, b)));
      }),
      { seed: 20261123, numRuns: 5000 },
    );
  });

  it('round-trips any tuple, including keys with 0x00 and 0xFF', () => {
    fc.assert(
      fc.property(tuple, (t) => {
        const d = decodeVersionKey(versionKey(t.group, t.family, t.key, t.ts));
        expect(d.group).toBe(t.group);
        expect(d.family).toBe(t.family);
        expect(Array.from(d.key)).toEqual(Array.from(t.key));
        expect(d.ts).toBe(t.ts);
      }),
      { seed: 7, numRuns: 2000 },
    );
  });

  it('escapes 0x00 so that a key never prefixes a longer key’s encoding', () => {
    const a = escapeKey(Uint8Array.of(1));
    const b = escapeKey(Uint8Array.of(1, 0));
    expect(compareBytes(a, b)).toBeLessThan(0);
    expect(Array.from(unescapeKey(b, 0).key)).toEqual([1, 0]);
    expect(() => unescapeKey(Uint8Array.of(1, 0, 7), 0)).toThrowError(/bad escape/);
  });
});

describe('key builders write each key in one allocation, byte for byte what the layout says', () => {
  const be32 = (n: number): Uint8Array => {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, n);
    return out;
  };
  const be64 = (n: bigint): Uint8Array => {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, n);
    return out;
  };
  const MAX = (1n << 64n) - 1n;

  it('data keys: [NS_DATA][group][family][escaped key][inverted ts]', () => {
    fc.assert(
      fc.property(tuple, ({ group, family, key, ts }) => {
        const prefix = concat([Uint8Array.of(NS_DATA), be32(group), Uint8Array.of(family)]);
        expect([...dataPrefix(group, family)]).toEqual([...prefix]);
        expect([...versionPrefix(group, family, key)]).toEqual([...concat([prefix, escapeKey(key)])]);
        expect([...versionKey(group, family, key, ts)]).toEqual([...concat([prefix, escapeKey(key), be64(MAX - ts)])]);
      }),
    );
  });

  it('raft and state keys', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.string(), (group, index, name) => {
        expect([...raftKey(group, 7)]).toEqual([NS_RAFT, ...be32(group), 7]);
        expect([...raftEntryKey(group, index)]).toEqual([NS_RAFT, ...be32(group), RAFT_ENTRY, ...be64(BigInt(index))]);
        expect([...stateKey(group, name)]).toEqual([NS_STATE, ...be32(group), ...new TextEncoder().encode(name)]);
      }),
    );
  });
});
