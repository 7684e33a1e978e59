// The request-id table of a group (DESIGN.md §6): a retried mutation with the
// same request id returns its first result and writes nothing. An entry keeps
// the HLC of its original apply (retention is measured in HLC time, the same
// on every replica) and the routing span of its request (a migration moves it
// with the range it touched). Entry: [commitTs u64][start len u32][start]
// [end len u32][end][encoded result].

import { compareBytes } from '../runtime/bytes.js';
import { FAMILY_DEDUP, concat, dataPrefix, escapeKey, readU32, readU64, u32, u64 } from '../storage/keys.js';

export { FAMILY_DEDUP };

export function dedupKey(group: number, requestId: Uint8Array): Uint8Array {
  return concat([dataPrefix(group, FAMILY_DEDUP), escapeKey(requestId)]);
}

export function encodeDedup(commitTs: bigint, start: Uint8Array, end: Uint8Array, result: Uint8Array): Uint8Array {
  return concat([u64(commitTs), u32(start.byteLength), start, u32(end.byteLength), end, result]);
}

export function decodeDedup(v: Uint8Array): { commitTs: bigint; start: Uint8Array; end: Uint8Array; result: Uint8Array } {
  const commitTs = readU64(v, 0);
  const sl = readU32(v, 8);
  const start = v.subarray(12, 12 + sl);
  const el = readU32(v, 12 + sl);
  const end = v.subarray(16 + sl, 16 + sl + el);
  return { commitTs, start, end, result: v.subarray(16 + sl + el) };
}

const after = (k: Uint8Array): Uint8Array => concat([k, Uint8Array.of(0)]);

/** [first key, just after the last key): where the request id of a multi-key write is routed. */
export function keysDedupSpan(keys: readonly Uint8Array[]): { start: Uint8Array; end: Uint8Array } {
  if (keys.length === 0) return { start: new Uint8Array(0), end: Uint8Array.of(0) };
  const sorted = [...keys].sort(compareBytes);
  return { start: sorted[0]!, end: after(sorted[sorted.length - 1]!) };
}

/** [key, just after key). */
export function keyDedupSpan(key: Uint8Array): { start: Uint8Array; end: Uint8Array } {
  return { start: key, end: after(key) };
}
