// What a transaction leaves in a group's storage (docs/transactions.md):
//
//   FAMILY_LOCK  [esc(key)][~startTs]     → Lock    one per key while a transaction holds it
//   FAMILY_TXN   [esc(primary)][~startTs] → Record  the commit record or rollback marker
//
// Both families are laid out like MVCC versions (user key, then the inverted
// start timestamp), so a moving range carries them in key order with its data
// (MIGRATION.md, "what moves": locks with the locked key, records with the
// primary), and range clears and exports treat them like any other family.
// Every format is version-tagged.

import { FAMILY_LOCK, FAMILY_TXN, concat, readU32, readU64, u32, u64 } from '../storage/keys.js';

export { FAMILY_LOCK, FAMILY_TXN };

const LOCK_FORMAT = 1;
const RECORD_FORMAT = 1;

export interface Lock {
  readonly startTs: bigint;
  readonly primary: Uint8Array;
  /** The value the transaction writes (null: a delete). */
  readonly value: Uint8Array | null;
  /** The lowest commit timestamp this group allows (above every read it served before the lock). */
  readonly minCommitTs: bigint;
  /** Proposer's wall clock (ms) when the lock's TTL ends; heartbeats push it. */
  readonly expiresMs: number;
}

export function encodeLock(l: Lock): Uint8Array {
  const value = l.value ?? new Uint8Array(0);
  return concat([
    Uint8Array.of(LOCK_FORMAT, l.value === null ? 1 : 0),
    u64(l.startTs),
    u64(l.minCommitTs),
    u64(BigInt(l.expiresMs)),
    u32(l.primary.byteLength),
    l.primary,
    value,
  ]);
}

export function decodeLock(b: Uint8Array): Lock {
  if (b[0] !== LOCK_FORMAT) throw new Error(`unknown lock format ${b[0] ?? 'none'}`);
  const tombstone = b[1] === 1;
  const startTs = readU64(b, 2);
  const minCommitTs = readU64(b, 10);
  const expiresMs = Number(readU64(b, 18));
  const pl = readU32(b, 26);
  const primary = b.slice(30, 30 + pl);
  const value = tombstone ? null : b.slice(30 + pl);
  return { startTs, primary, value, minCommitTs, expiresMs };
}

export type RecordStatus = 'committed' | 'rolled_back';

export interface TxnRecord {
  readonly status: RecordStatus;
  /** Committed: the commit timestamp. */
  readonly commitTs: bigint;
}

export function encodeRecord(r: TxnRecord): Uint8Array {
  return concat([Uint8Array.of(RECORD_FORMAT, r.status === 'committed' ? 1 : 2), u64(r.commitTs)]);
}

export function decodeRecord(b: Uint8Array): TxnRecord {
  if (b[0] !== RECORD_FORMAT) throw new Error(`unknown transaction record format ${b[0] ?? 'none'}`);
  return { status: b[1] === 1 ? 'committed' : 'rolled_back', commitTs: readU64(b, 2) };
}
