// Input validation for RawKV requests. Every rejection is INVALID_ARGUMENT
// naming the field; nothing malformed reaches a raft log.

import { HlcError, type Hlc } from '../hlc/hlc.js';
import { compareBytes } from '../storage/keys.js';
import { KvError, invalidArgument } from '../api/errors.js';

export const MAX_KEY_BYTES = 4096;
export const MAX_VALUE_BYTES = 4 << 20;
export const MAX_REQUEST_ID_BYTES = 64;
export const MAX_BATCH_ITEMS = 10_000;
export const MAX_BATCH_BYTES = 8 << 20;
export const DEFAULT_SCAN_LIMIT = 1000;
export const MAX_SCAN_LIMIT = 10_000;
const U64_MAX = (1n << 64n) - 1n;

export function checkKey(field: string, key: Uint8Array | undefined): Uint8Array {
  if (!key || key.byteLength === 0) throw invalidArgument(field, 'must not be empty');
  if (key.byteLength > MAX_KEY_BYTES) throw invalidArgument(field, `is ${key.byteLength} bytes; the limit is ${MAX_KEY_BYTES}`);
  return key;
}

export function checkValue(field: string, value: Uint8Array | undefined): Uint8Array {
  const v = value ?? new Uint8Array(0);
  if (v.byteLength > MAX_VALUE_BYTES) throw invalidArgument(field, `is ${v.byteLength} bytes; the limit is ${MAX_VALUE_BYTES}`);
  return v;
}

export function checkRequestId(id: Uint8Array | undefined): Uint8Array {
  const v = id ?? new Uint8Array(0);
  if (v.byteLength > MAX_REQUEST_ID_BYTES) throw invalidArgument('request_id', `is ${v.byteLength} bytes; the limit is ${MAX_REQUEST_ID_BYTES}`);
  return v;
}

/** A range bound pair; an empty end means +∞. Start may be empty (−∞). */
export function checkRange(start: Uint8Array | undefined, end: Uint8Array | undefined): { start: Uint8Array; end: Uint8Array } {
  const s = start ?? new Uint8Array(0);
  const e = end ?? new Uint8Array(0);
  if (s.byteLength > MAX_KEY_BYTES) throw invalidArgument('start', `is ${s.byteLength} bytes; the limit is ${MAX_KEY_BYTES}`);
  if (e.byteLength > MAX_KEY_BYTES) throw invalidArgument('end', `is ${e.byteLength} bytes; the limit is ${MAX_KEY_BYTES}`);
  if (e.byteLength > 0 && compareBytes(s, e) >= 0) throw invalidArgument('end', 'must be greater than start (or empty for +∞)');
  return { start: s, end: e };
}

export function checkLimit(limit: number | undefined): number {
  const l = limit ?? 0;
  if (!Number.isInteger(l) || l < 0 || l > MAX_SCAN_LIMIT) throw invalidArgument('limit', `must be 0 (default ${DEFAULT_SCAN_LIMIT}) to ${MAX_SCAN_LIMIT}`);
  return l === 0 ? DEFAULT_SCAN_LIMIT : l;
}

/** Parses a uint64 timestamp field (0: none). */
export function checkTimestamp(field: string, ts: string | number | undefined): bigint {
  if (ts === undefined || ts === '' || ts === 0 || ts === '0') return 0n;
  let v: bigint;
  try {
    v = BigInt(ts);
  } catch {
    throw invalidArgument(field, 'must be an unsigned 64-bit integer');
  }
  if (v < 0n || v > U64_MAX) throw invalidArgument(field, 'must be an unsigned 64-bit integer');
  return v;
}

export function checkCount(field: string, n: number, allowEmpty = false): void {
  if (n === 0 && !allowEmpty) throw invalidArgument(field, 'must not be empty');
  if (n > MAX_BATCH_ITEMS) throw invalidArgument(field, `has ${n} items; the limit is ${MAX_BATCH_ITEMS}`);
}

/**
 * Parses a timestamp a client (or another node) supplied, and lets this
 * node's clock observe it: a timestamp further ahead of the wall clock than
 * the drift bound, or outside the 64-bit HLC range, is refused with
 * INVALID_ARGUMENT naming the field, and moves nothing (0: none).
 */
export function checkClientTimestamp(hlc: Hlc, field: string, raw: string | number | bigint | undefined): bigint {
  const v = typeof raw === 'bigint' ? raw : checkTimestamp(field, raw);
  if (v === 0n) return v;
  try {
    hlc.observe(v);
  } catch (e) {
    if (!(e instanceof HlcError)) throw e;
    const reason = e.code === 'CLOCK_DRIFT' ? 'too far in the future' : 'outside the timestamp range';
    throw new KvError('INVALID_ARGUMENT', `${field}: ${e.message.replace(/^CLOCK_[A-Z]+: /, '')}`, { field, reason });
  }
  return v;
}
