// What one group (a migration's source or target) records about one job, in
// its own applied state (MIGRATION.md "The rule: the groups' logs decide").
// Stored as JSON under the group's state namespace, written in the same batch
// as the command that changed it, so snapshots and new replicas carry it.

export type SourceState = 'capturing' | 'fenced' | 'released' | 'abandoned';
export type TargetState = 'clearing' | 'importing' | 'adopted' | 'abandoned' | 'removed';

export interface GroupJobState {
  readonly jobId: number;
  readonly attempt: number;
  readonly role: 'source' | 'target';
  /** Hex of the range's bounds (end empty: +∞). */
  readonly start: string;
  readonly end: string;
  /** Source: the target group. Target: the source group. */
  readonly peerGroup: number;
  readonly state: SourceState | TargetState;
  // ---- source
  /** Log index of BeginCapture (C). */
  readonly captureIndex: number;
  /** Sequence number of the newest change-log entry (0: none yet). */
  readonly head: number;
  /** Change-log entries at or below this were dropped. */
  readonly truncated: number;
  readonly fenceEpoch: number;
  /** Bytes of change log held (for the overflow bound). */
  readonly logBytes: number;
  /** Decimal HLC: the source's closed timestamp when it released the range. */
  readonly releaseTs: string;
  /** Source: its GC safe point when it released (the target's safe point rises to it at Adopt). */
  readonly releaseSafePoint?: string;
  /** Whether CLEANUP has deleted all of the range's data. */
  readonly cleaned: boolean;
  // ---- target
  /** Hex: the import cursor T stored (MIGRATION.md Contracts → Import). */
  readonly cursor: string;
  /** Decimal HLC: the highest commit timestamp imported. */
  readonly importedMaxTs: string;
  /** Decimal HLC: the floor set by Adopt. */
  readonly floor: string;
  /** Not stored: the source's storage size estimate of the range, added when the state is read. */
  readonly approxBytes?: number;
}

export function newGroupJobState(p: Pick<GroupJobState, 'jobId' | 'attempt' | 'role' | 'start' | 'end' | 'peerGroup' | 'state'>): GroupJobState {
  return { ...p, captureIndex: 0, head: 0, truncated: 0, fenceEpoch: 0, logBytes: 0, releaseTs: '0', cleaned: false, cursor: '', importedMaxTs: '0', floor: '0' };
}

export function encodeGroupJobState(s: GroupJobState): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(s));
}

export function decodeGroupJobState(b: Uint8Array): GroupJobState {
  return JSON.parse(new TextDecoder().decode(b)) as GroupJobState;
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

// ---- import cursors: one cursor space per job (backfill positions, then change-log sequence numbers)

/** A backfill cursor: 'B' + the exporter's position. */
export function backfillCursor(position: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + position.byteLength);
  out[0] = 0x42;
  out.set(position, 1);
  return out;
}

/** A change-log cursor: 'C' + the sequence number replayed through (0: backfill done, no entry yet). */
export function changeCursor(seq: number): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = 0x43;
  new DataView(out.buffer).setBigUint64(1, BigInt(seq));
  return out;
}

export type DecodedCursor = { kind: 'start' } | { kind: 'backfill'; position: Uint8Array } | { kind: 'change'; seq: number };

export function decodeCursor(c: Uint8Array): DecodedCursor {
  if (c.byteLength === 0) return { kind: 'start' };
  if (c[0] === 0x42) return { kind: 'backfill', position: c.subarray(1) };
  if (c[0] === 0x43 && c.byteLength === 9) return { kind: 'change', seq: Number(new DataView(c.buffer, c.byteOffset, c.byteLength).getBigUint64(1)) };
  throw new Error('unknown import cursor');
}
