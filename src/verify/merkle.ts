// Merkle trees over the MVCC state of a key range (DESIGN.md §9). Pure.
//
// Leaves are key ranges [b_i, b_{i+1}) over key order. The reference replica
// chooses the boundaries as it walks its data (a new leaf starts at a key once
// the current one holds `maxLeafBytes`); every other replica hashes its own
// data into the same leaves, so two replicas' trees line up leaf by leaf even
// where their data differ. A leaf's hash covers every version in it (key,
// timestamp, tombstone or value) in order; inner nodes hash `fanout` children.
// Comparing two trees descends only into differing children, so its cost grows
// with the number of differences, not with the size of the range.

import { createHash } from 'node:crypto';
import { compareBytes } from '../storage/keys.js';

export interface VersionEntry {
  readonly key: Uint8Array;
  readonly ts: bigint;
  /** null: a tombstone. */
  readonly value: Uint8Array | null;
}

export const DEFAULT_FANOUT = 16;
export const DEFAULT_LEAF_BYTES = 64 << 10;
const EMPTY_HASH = createHash('sha256').digest();

/** Hashes one version into a leaf's running hash (length-prefixed: no two entries can collide by concatenation). */
function feed(h: ReturnType<typeof createHash>, e: VersionEntry): number {
  const head = Buffer.alloc(4 + 8 + 1 + 4);
  head.writeUInt32BE(e.key.byteLength, 0);
  head.writeBigUInt64BE(e.ts, 4);
  head.writeUInt8(e.value === null ? 0 : 1, 12);
  head.writeUInt32BE(e.value?.byteLength ?? 0, 13);
  h.update(head.subarray(0, 4)).update(e.key).update(head.subarray(4));
  if (e.value) h.update(e.value);
  return e.key.byteLength + (e.value?.byteLength ?? 0) + 17;
}

export interface Leaves {
  /** Leaf i covers [boundaries[i], boundaries[i+1]); the first starts at the range start, the last ends at its end. */
  readonly boundaries: readonly Uint8Array[];
  readonly hashes: readonly Buffer[];
  readonly counts: readonly number[];
  readonly bytes: number;
}

/**
 * Builds leaves from versions in (key, ts) order. With `boundaries`, hashes
 * into those leaves (boundaries[0] is the range start); without, chooses them
 * (reference replica), starting a new leaf at a key once a leaf holds `maxLeafBytes`.
 */
export class LeafBuilder {
  private readonly fixed: readonly Uint8Array[] | undefined;
  private readonly chosen: Uint8Array[];
  private readonly hashes: Buffer[] = [];
  private readonly counts: number[] = [];
  private h = createHash('sha256');
  private n = 0;
  private leafBytes = 0;
  private total = 0;
  private lastKey: Uint8Array | undefined;

  constructor(
    start: Uint8Array,
    opts: { boundaries?: readonly Uint8Array[]; maxLeafBytes?: number } = {},
    private readonly maxLeafBytes = opts.maxLeafBytes ?? DEFAULT_LEAF_BYTES,
  ) {
    this.fixed = opts.boundaries;
    this.chosen = [start];
  }

  private closeLeaf(): void {
    this.hashes.push(this.n === 0 ? EMPTY_HASH : this.h.digest());
    this.counts.push(this.n);
    this.h = createHash('sha256');
    this.n = 0;
    this.leafBytes = 0;
  }

  add(e: VersionEntry): void {
    const newKey = this.lastKey === undefined || compareBytes(this.lastKey, e.key) !== 0;
    if (this.fixed) {
      // Close every leaf that ends at or before this key.
      while (this.hashes.length + 1 < this.fixed.length && compareBytes(e.key, this.fixed[this.hashes.length + 1]!) >= 0) this.closeLeaf();
    } else if (newKey && this.n > 0 && this.leafBytes >= this.maxLeafBytes) {
      // (n > 0: never close an empty leaf — with maxLeafBytes ≤ 0 that gave an empty first leaf and a repeated boundary.)
      this.closeLeaf();
      this.chosen.push(e.key.slice());
    }
    this.lastKey = e.key;
    const b = feed(this.h, e);
    this.n++;
    this.leafBytes += b;
    this.total += b;
  }

  finish(): Leaves {
    const boundaries = this.fixed ?? this.chosen;
    while (this.hashes.length < boundaries.length) this.closeLeaf();
    return { boundaries, hashes: this.hashes, counts: this.counts, bytes: this.total };
  }
}

/** The tree's levels: levels[0] = leaves, the last level = [root]. */
export function buildTree(leaves: readonly Buffer[], fanout = DEFAULT_FANOUT): Buffer[][] {
  const levels: Buffer[][] = [leaves.length > 0 ? [...leaves] : [EMPTY_HASH]];
  while (levels[levels.length - 1]!.length > 1) {
    const below = levels[levels.length - 1]!;
    const up: Buffer[] = [];
    for (let i = 0; i < below.length; i += fanout) {
      const h = createHash('sha256');
      for (const c of below.slice(i, i + fanout)) h.update(c);
      up.push(h.digest());
    }
    levels.push(up);
  }
  return levels;
}

export function root(levels: readonly Buffer[][]): Buffer {
  return levels[levels.length - 1]![0]!;
}

/**
 * The leaves where two trees of the same shape differ, descending only into
 * differing nodes; `visited` counts the node pairs compared.
 */
export function diffTrees(a: readonly Buffer[][], b: readonly Buffer[][], fanout = DEFAULT_FANOUT): { leaves: number[]; visited: number } {
  if (a.length !== b.length || a[0]!.length !== b[0]!.length) throw new Error('trees of different shapes: build both over the same leaves');
  const leaves: number[] = [];
  let visited = 0;
  const walk = (level: number, i: number): void => {
    visited++;
    if (a[level]![i]!.equals(b[level]![i]!)) return;
    if (level === 0) {
      leaves.push(i);
      return;
    }
    const first = i * fanout;
    const last = Math.min(first + fanout, a[level - 1]!.length);
    for (let c = first; c < last; c++) walk(level - 1, c);
  };
  walk(a.length - 1, 0);
  return { leaves, visited };
}

/** The versions in which two sorted lists differ: missing on either side, or with a different value. */
export function diffEntries(a: readonly VersionEntry[], b: readonly VersionEntry[]): { onlyA: VersionEntry[]; onlyB: VersionEntry[]; changed: VersionEntry[] } {
  const onlyA: VersionEntry[] = [];
  const onlyB: VersionEntry[] = [];
  const changed: VersionEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    const c = !x ? 1 : !y ? -1 : compareBytes(x.key, y.key) || (x.ts === y.ts ? 0 : x.ts > y.ts ? -1 : 1);
    if (c < 0) {
      onlyA.push(x!);
      i++;
    } else if (c > 0) {
      onlyB.push(y!);
      j++;
    } else {
      const same = (x!.value === null) === (y!.value === null) && (x!.value === null || compareBytes(x!.value, y!.value!) === 0);
      if (!same) changed.push(x!);
      i++;
      j++;
    }
  }
  return { onlyA, onlyB, changed };
}
