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
  new DataView(out.buffer).setBigUint64(0, n);
  return out;
}

export function readU64(b: Uint8Array, offset: number): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(offset);
}

export function readU32(b: Uint8Array, offset: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(offset);
}

/** Escapes a user key and appends the terminator (order-preserving, self-delimiting). */
export function escapeKey(key: Uint8Array): Uint8Array {
  let zeros = 0;
  for (const b of key) if (b === 0) zeros++;
  const out = new Uint8Array(key.byteLength + zeros + 2);
  let o = 0;
  for (const b of key) {
    out[o++] = b;
    if (b === 0) out[o++] = 0xff;
  }
  out[o++] = 0x00;
  out[o++] = 0x01;
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
  new DataView(out.buffer).setUint32(1, group);
  return out;
}

// ---- raft keys

export function raftKey(group: number, kind: number): Uint8Array {
  return concat([groupPrefix(NS_RAFT, group), Uint8Array.of(kind)]);
}

export function raftEntryKey(group: number, index: number): Uint8Array {
  return concat([groupPrefix(NS_RAFT, group), Uint8Array.of(RAFT_ENTRY), u64(BigInt(index))]);
}

export function stateKey(group: number, name: string): Uint8Array {
  return concat([groupPrefix(NS_STATE, group), new TextEncoder().encode(name)]);
}

// ---- data keys

export function dataPrefix(group: number, family: number): Uint8Array {
  return concat([groupPrefix(NS_DATA, group), Uint8Array.of(family)]);
}

/** Prefix of every version of `key`. */
export function versionPrefix(group: number, family: number, key: Uint8Array): Uint8Array {
  return concat([dataPrefix(group, family), escapeKey(key)]);
}

export function versionKey(group: number, family: number, key: Uint8Array, ts: bigint): Uint8Array {
  return concat([dataPrefix(group, family), escapeKey(key), invertTs(ts)]);
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

