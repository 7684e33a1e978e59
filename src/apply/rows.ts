// Rows of a moving range as they travel from source to target: backfill rows
// and change-log effects alike (proto/internal.proto MigrationRow). Effects are
// absolute (this version has this value; this request-id entry is this / is
// gone), never the commands that caused them, so replaying them on the target
// reproduces the source's state whatever the target held before.

import { messageType } from '../api/protos.js';

export interface MigrationRow {
  /** FAMILY_MVCC (1) or FAMILY_DEDUP (0x10). */
  readonly family: number;
  /** MVCC: the user key. Dedup: the request id. */
  readonly key: Uint8Array;
  /** MVCC: the version's commit timestamp. */
  readonly ts: bigint;
  /** MVCC: the value (unless a tombstone). Dedup: the stored entry. */
  readonly value: Uint8Array;
  readonly tombstone: boolean;
  /** Dedup: the entry was removed. */
  readonly delete: boolean;
}

let type: ReturnType<typeof messageType> | undefined;
const t = (): ReturnType<typeof messageType> => (type ??= messageType('internal.proto', 'ferrykv.internal.v1.MigrationRow'));

export function toWireRow(r: MigrationRow): Record<string, unknown> {
  return { family: r.family, key: r.key, ts: r.ts.toString(), value: r.value, tombstone: r.tombstone, delete: r.delete };
}

export function fromWireRow(o: { family: number; key: Uint8Array; ts: string | number; value: Uint8Array; tombstone: boolean; delete: boolean }): MigrationRow {
  return { family: o.family, key: Uint8Array.from(o.key), ts: BigInt(o.ts), value: Uint8Array.from(o.value), tombstone: o.tombstone, delete: o.delete };
}

export function encodeMigrationRow(r: MigrationRow): Uint8Array {
  return t().encode(t().fromObject(toWireRow(r))).finish();
}

export function decodeMigrationRow(b: Uint8Array): MigrationRow {
  const o = t().toObject(t().decode(b), { longs: String, defaults: true }) as Parameters<typeof fromWireRow>[0];
  return fromWireRow(o);
}

/** Bytes a row costs on the wire and in logs (for chunking and bounds). */
export function rowBytes(r: MigrationRow): number {
  return r.key.byteLength + r.value.byteLength + 16;
}
