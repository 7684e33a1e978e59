// Where etcd keys live in ferrykv's key space, and etcd's range conventions.
//
// Every key written through the etcd endpoint is stored under DATA_PREFIX, so
// the etcd API and the native API never read each other's values (an etcd
// value carries metadata, envelope.ts). etcd's range rules, in its own key
// space: an empty range_end is the one key `key`; range_end "\0" is every
// key at or after `key`; otherwise [key, range_end). Internal records
// (the compaction revision) live under META_PREFIX, outside DATA_PREFIX.

import { compareBytes, concat, keyPrefixEnd } from '../runtime/bytes.js';

const enc = new TextEncoder();

/** "\xffetcd/": the start of the etcd key space. */
export const DATA_PREFIX = concat([Uint8Array.of(0xff), enc.encode('etcd/')]);
/** Past the last etcd key. */
export const DATA_END = keyPrefixEnd(DATA_PREFIX);
/** "\xffetcd-meta/": records the etcd endpoint keeps for itself. */
export const META_PREFIX = concat([Uint8Array.of(0xff), enc.encode('etcd-meta/')]);
/** The highest compaction revision asked for (u64 big-endian). */
export const COMPACT_KEY = concat([META_PREFIX, enc.encode('compact')]);

export function storeKey(key: Uint8Array): Uint8Array {
  return concat([DATA_PREFIX, key]);
}

/** The etcd key of a stored key (which must lie under DATA_PREFIX). */
export function etcdKey(stored: Uint8Array): Uint8Array {
  return stored.subarray(DATA_PREFIX.byteLength);
}

/** A request's interval in store keys: one key (single) or [start, end). */
export interface StoreRange {
  readonly start: Uint8Array;
  readonly end: Uint8Array;
  /** The request named one key (empty range_end). */
  readonly single: boolean;
}

/** etcd's (key, range_end) as an interval of store keys; undefined when it holds nothing (range_end ≤ key). */
export function storeRange(key: Uint8Array, rangeEnd: Uint8Array): StoreRange | undefined {
  if (rangeEnd.byteLength === 0) {
    const k = storeKey(key);
    return { start: k, end: concat([k, Uint8Array.of(0)]), single: true };
  }
  const start = storeKey(key);
  const end = rangeEnd.byteLength === 1 && rangeEnd[0] === 0 ? DATA_END : storeKey(rangeEnd);
  if (compareBytes(start, end) >= 0) return undefined;
  return { start, end, single: false };
}

/** Whether store key k lies in r. */
export function inRange(k: Uint8Array, r: StoreRange): boolean {
  return compareBytes(k, r.start) >= 0 && compareBytes(k, r.end) < 0;
}
