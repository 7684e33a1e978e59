// Which raft traffic a node accepts (src/transport/peer-guard.ts): the store
// it first saw for a peer, a store that replaces it, nothing else.
import { describe, expect, it } from 'vitest';
import { PeerGuard, STORE_REFUSED, type StoreClaim } from '../../src/transport/peer-guard.js';

const store = (n: number): Uint8Array => new Uint8Array(16).fill(n);
const none = new Uint8Array(0);
const log = { info: () => {}, warn: () => {}, error: () => {} };

function guard(known: [number, Uint8Array][] = []): { g: PeerGuard; remembered: [number, Uint8Array<ArrayBufferLike>][] } {
  const remembered: [number, Uint8Array<ArrayBufferLike>][] = [];
  const g = new PeerGuard({ clusterId: 'c1', nodeId: 1, known: new Map(known), remember: (n, s) => Promise.resolve(void remembered.push([n, s])), log });
  return { g, remembered };
}
const claim = (storeId: Uint8Array, replaces: Uint8Array = none, clusterId = 'c1'): StoreClaim => ({ clusterId, storeId, replaces });

describe('PeerGuard', () => {
  it('remembers the first store a peer shows, and accepts it again', () => {
    const { g, remembered } = guard();
    expect(g.check(2, claim(store(7))).ok).toBe(true);
    expect(remembered).toEqual([[2, store(7)]]);
    expect(g.check(2, claim(store(7))).ok).toBe(true);
    expect(g.knownStore(2)).toEqual(store(7));
  });

  it.each<[string, StoreClaim | undefined, number]>([
    ['another store of a known node (a wiped data dir)', claim(store(9)), 2],
    ['a store claiming to replace one this node never knew', claim(store(9), store(8)), 2],
    ['another cluster', claim(store(7), none, 'c2'), 2],
    ['no claim at all', undefined, 2],
    ['an empty store id', claim(none), 2],
    ['this node’s own id', claim(store(7)), 1],
  ])('refuses %s', (_, c, from) => {
    const { g, remembered } = guard([[2, store(7)]]);
    const v = g.check(from, c);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.reason.startsWith(STORE_REFUSED)).toBe(true);
    expect(remembered).toEqual([]);
    expect(g.refused.get(from)).toBe(1);
  });

  it('accepts a store that names the known one as replaced (--replace-node), and from then on only it', () => {
    const { g, remembered } = guard([[2, store(7)]]);
    expect(g.check(2, claim(store(9), store(7))).ok).toBe(true);
    expect(remembered).toEqual([[2, store(9)]]);
    expect(g.check(2, claim(store(7))).ok).toBe(false); // the old store is gone for good
    expect(g.check(2, claim(store(9), store(7))).ok).toBe(true);
  });
});
