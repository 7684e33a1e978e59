// Order-preserving key encodings for the node's single LevelDB.
//
// Every persisted key starts with a namespace byte, then a fixed-width group
// id, so one group's keys are contiguous and groups never interleave:
//
//   [NS_META] name                                    node-wide metadata (format marker)
//   [NS_RAFT][group u32][RAFT_*][index u64]            raft log, hard state, snapshot meta
//   [NS_STATE][group u32][name]                        per-group state (applied index, ...)
//   [NS_DATA][group u32][family u8][esc(key)][~ts u64] MVCC versions, newest first
//
// User keys may hold any byte. They are escaped so that byte-wise order of
// encodings equals order of (key) tuples: 0x00 → 0x00 0xFF, then the
// terminator 0x00 0x01, which sorts below every escaped continuation.
// Timestamps are stored inverted (2^64−1−ts) big-endian: newest first.

export { compareBytes, concat } from '../runtime/bytes.js';
import { concat } from '../runtime/bytes.js';

export const NS_META = 0x01;
export const NS_RAFT = 0x02;
export const NS_STATE = 0x03;
export const NS_DATA = 0x04;
/** Snapshot images being received, before they replace a group's state and data. */
export const NS_STAGE = 0x05;

export const RAFT_HARD_STATE = 0x01;
export const RAFT_SNAPSHOT = 0x02;
export const RAFT_ENTRY = 0x03;

/** Data families (MIGRATION.md "what moves"): every family a group keeps under [NS_DATA][group]. */
export const FAMILY_MVCC = 0x01;
/** Request-id entries (the apply layer's dedup table). */
export const FAMILY_DEDUP = 0x10;
/** Transaction locks and commit records (src/txn/txn-records.ts). */
export const FAMILY_LOCK = 0x20;
export const FAMILY_TXN = 0x21;
/** Per-job change logs of captured ranges: [job u64][attempt u32][seq u64] → row. */
export const FAMILY_CHANGELOG = 0x30;

const U64_MAX = (1n << 64n) - 1n;


export function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

export function u64(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  putU64(out, 0, n);
  return out;
}

/** Writes `n` big-endian at `offset` (no allocation: the key builders below write in place). */
function putU64(out: Uint8Array, offset: number, n: bigint): void {
  const hi = Number((n >> 32n) & 0xffffffffn);
  const lo = Number(n & 0xffffffffn);
  putU32(out, offset, hi);
  putU32(out, offset + 4, lo);
}

function putU32(out: Uint8Array, offset: number, n: number): void {
  out[offset] = n >>> 24;
  out[offset + 1] = (n >>> 16) & 0xff;
  out[offset + 2] = (n >>> 8) & 0xff;
  out[offset + 3] = n & 0xff;
}

/** Bytes `escapeKey(key)` takes. */
function escapedLength(key: Uint8Array): number {
  let zeros = 0;
  for (let i = 0; i < key.byteLength; i++) if (key[i] === 0) zeros++;
  return key.byteLength + zeros + 2;
}

/** Writes `escapeKey(key)` at `offset`; returns the offset after it. */
function putEscaped(out: Uint8Array, offset: number, key: Uint8Array): number {
  let o = offset;
  for (let i = 0; i < key.byteLength; i++) {
    const b = key[i]!;
    out[o++] = b;
    if (b === 0) out[o++] = 0xff;
  }
  out[o++] = 0x00;
  out[o++] = 0x01;
  return o;
}

/** [NS_DATA][group u32][family] at the start of `out` (the 6 bytes of dataPrefix). */
function putDataPrefix(out: Uint8Array, group: number, family: number): void {
  out[0] = NS_DATA;
  putU32(out, 1, group);
  out[5] = family;
}

export function readU64(b: Uint8Array, offset: number): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(offset);
}

export function readU32(b: Uint8Array, offset: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(offset);
}

/** Escapes a user key and appends the terminator (order-preserving, self-delimiting). */
export function escapeKey(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(escapedLength(key));
  putEscaped(out, 0, key);
  return out;
}

/** Decodes an escaped key starting at `offset`; returns the key and the offset after its terminator. */
export function unescapeKey(b: Uint8Array, offset: number): { key: Uint8Array; end: number } {
  const out: number[] = [];
  let i = offset;
  for (;;) {
    if (i >= b.byteLength) throw new Error('escaped key without terminator');
    const c = b[i]!;
    if (c !== 0) {
      out.push(c);
      i++;
      continue;
    }
    const next = b[i + 1];
    if (next === 0xff) {
      out.push(0);
      i += 2;
    } else if (next === 0x01) {
      return { key: Uint8Array.from(out), end: i + 2 };
    } else {
      throw new Error(`bad escape 0x00 0x${(next ?? 0).toString(16)} in key`);
    }
  }
}

export function invertTs(ts: bigint): Uint8Array {
  return u64(U64_MAX - ts);
}

export function groupPrefix(ns: number, group: number): Uint8Array {
  const out = new Uint8Array(5);
  out[0] = ns;
  putU32(out, 1, group);
  return out;
}

// ---- raft keys

// Each key is built in one allocation (they are made for every write, every
// raft entry and every imported row: the concat of five small arrays and two
// DataViews per key showed in the profiles of the migration bench).

export function raftKey(group: number, kind: number): Uint8Array {
  const out = new Uint8Array(6);
  out[0] = NS_RAFT;
  putU32(out, 1, group);
  out[5] = kind;
  return out;
}

export function raftEntryKey(group: number, index: number): Uint8Array {
  const out = new Uint8Array(14);
  out[0] = NS_RAFT;
  putU32(out, 1, group);
  out[5] = RAFT_ENTRY;
  // A log index fits in 53 bits: high and low words without a BigInt.
  putU32(out, 6, Math.floor(index / 0x1_0000_0000));
  putU32(out, 10, index >>> 0);
  return out;
}

const utf8 = new TextEncoder();

export function stateKey(group: number, name: string): Uint8Array {
  const n = utf8.encode(name);
  const out = new Uint8Array(5 + n.byteLength);
  out[0] = NS_STATE;
  putU32(out, 1, group);
  out.set(n, 5);
  return out;
}

// ---- data keys

export function dataPrefix(group: number, family: number): Uint8Array {
  const out = new Uint8Array(6);
  putDataPrefix(out, group, family);
  return out;
}

/** Prefix of every version of `key`. */
export function versionPrefix(group: number, family: number, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(6 + escapedLength(key));
  putDataPrefix(out, group, family);
  putEscaped(out, 6, key);
  return out;
}

export function versionKey(group: number, family: number, key: Uint8Array, ts: bigint): Uint8Array {
  const out = new Uint8Array(versionKeyLength(key));
  writeVersionKey(out, 0, group, family, key, ts);
  return out;
}

/** Bytes versionKey(…, key, …) takes. */
export function versionKeyLength(key: Uint8Array): number {
  return 6 + escapedLength(key) + 8;
}

/** Writes versionKey(group, family, key, ts) into `out` at `offset`; returns the offset after it. */
export function writeVersionKey(out: Uint8Array, offset: number, group: number, family: number, key: Uint8Array, ts: bigint): number {
  out[offset] = NS_DATA;
  putU32(out, offset + 1, group);
  out[offset + 5] = family;
  const o = putEscaped(out, offset + 6, key);
  putU64(out, o, U64_MAX - ts);
  return o + 8;
}

export interface DecodedVersionKey {
  readonly group: number;
  readonly family: number;
  readonly key: Uint8Array;
  readonly ts: bigint;
}

export function decodeVersionKey(b: Uint8Array): DecodedVersionKey {
  if (b[0] !== NS_DATA || b.byteLength < 6 + 2 + 8) throw new Error('not a data key');
  const group = readU32(b, 1);
  const family = b[5]!;
  const { key, end } = unescapeKey(b, 6);
  if (end + 8 !== b.byteLength) throw new Error('bad version key length');
  const ts = U64_MAX - readU64(b, end);
  return { group, family, key, ts };
}

/** The smallest byte string greater than every string with this prefix. */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const out = prefix.slice();
  for (let i = out.byteLength - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i] = out[i]! + 1;
      return out.slice(0, i + 1);
    }
  }
  // All 0xFF: no finite upper bound below the namespace; use a longer key.
  return concat([prefix, Uint8Array.of(0xff)]);
}

