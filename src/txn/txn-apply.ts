// Transaction steps as one participant group applies them (docs/transactions.md).
//
// Percolator over MVCC: PREWRITE puts a lock on every key the transaction
// writes here (refusing if another transaction holds the key, or a version
// newer than the transaction's snapshot exists); COMMIT on the primary's group
// turns the primary's lock into a version at commit_ts and writes the commit
// record — the single point of truth; RESOLVE rolls secondaries forward or
// back; CHECK_STATUS answers for a primary and rolls back one whose lock has
// expired (ages are judged by the proposer's clock carried in the command,
// so every replica decides alike). Every step is idempotent.
//
// Commit timestamps: PREWRITE answers min_commit_ts = max(start_ts, max_ts)+1,
// where max_ts bounds every commit and every read timestamp this group has
// served; the coordinator commits at or above the largest answer. A read at
// ts that ran before the lock was placed is therefore below the commit, and a
// read after it meets the lock — no read ever sees half a transaction or
// misses a commit at or below its timestamp.

import type { StorageBatch } from '../storage/db.js';
import type { MvccStore } from '../storage/mvcc-store.js';
import { compareBytes } from '../storage/keys.js';
import { EMPTY_RESULT, type KvResult, type KvWrite, type TxnCommand } from '../apply/commands.js';
import { decodeLock, decodeRecord, type Lock, type TxnRecord } from './txn-records.js';

const MAX_TS = (1n << 64n) - 1n;

/** What a group's state machine lends the transaction steps. */
export interface TxnStore {
  readonly mvcc: MvccStore;
  readonly locks: MvccStore;
  readonly records: MvccStore;
  maxTs: bigint;
  /** The GC safe point: a transaction that started below it may have read versions since collected. */
  readonly safePoint: bigint;
  /** Writes a version (captured for a migration of its key). */
  putVersion(b: StorageBatch, key: Uint8Array, ts: bigint, value: Uint8Array | null): void;
  putLock(b: StorageBatch, key: Uint8Array, lock: Lock): void;
  deleteLock(b: StorageBatch, key: Uint8Array, startTs: bigint): void;
  putRecord(b: StorageBatch, primary: Uint8Array, startTs: bigint, rec: TxnRecord): void;
}

export async function readLock(locks: MvccStore, key: Uint8Array): Promise<Lock | undefined> {
  const kv = await locks.get(key, MAX_TS);
  return kv ? decodeLock(kv.value) : undefined;
}

export async function readRecord(records: MvccStore, primary: Uint8Array, startTs: bigint): Promise<TxnRecord | undefined> {
  const kv = await records.get(primary, startTs);
  return kv && kv.ts === startTs ? decodeRecord(kv.value) : undefined;
}

function newestTs(mvcc: MvccStore, key: Uint8Array): Promise<bigint> {
  return mvcc.newestTs(key, MAX_TS);
}

function refuse(code: 'ABORTED' | 'TXN_CONFLICT' | 'INVALID_ARGUMENT', message: string, extra: Partial<KvResult> = {}): KvResult {
  return { ...EMPTY_RESULT, succeeded: false, errorCode: code, errorMessage: message, ...extra };
}

function lockedBy(key: Uint8Array, l: Lock): KvResult {
  return refuse('TXN_CONFLICT', `key is locked by the transaction that started at ${l.startTs}`, {
    conflictKey: key,
    lock: { primary: l.primary, startTs: l.startTs, expiresMs: l.expiresMs },
  });
}

/** Refuses keys that repeat (a transaction writes a key once). */
function duplicates(keys: readonly Uint8Array[]): Uint8Array | undefined {
  const sorted = [...keys].sort(compareBytes);
  for (let i = 1; i < sorted.length; i++) if (compareBytes(sorted[i - 1]!, sorted[i]!) === 0) return sorted[i];
  return undefined;
}

export async function applyTxn(s: TxnStore, b: StorageBatch, t: TxnCommand, proposedTs: bigint): Promise<KvResult> {
  if (t.startTs <= 0n) return refuse('INVALID_ARGUMENT', 'txn: start_ts must be positive');
  if ((t.kind === 'PREWRITE' || t.kind === 'ONE_PC') && t.startTs < s.safePoint) {
    return refuse('ABORTED', `the transaction started at ${t.startTs}, below the group's GC safe point ${s.safePoint}; run it again`);
  }
  switch (t.kind) {
    case 'PREWRITE':
      return prewrite(s, b, t);
    case 'COMMIT':
    case 'RESOLVE':
      return commit(s, b, t);
    case 'CHECK_STATUS':
      return checkStatus(s, b, t);
    case 'HEARTBEAT': {
      const primary = t.primary ?? new Uint8Array(0);
      const l = await readLock(s.locks, primary);
      if (l && l.startTs === t.startTs) {
        const expiresMs = Math.max(l.expiresMs, (t.nowMs ?? 0) + (t.ttlMs ?? 0));
        if (expiresMs !== l.expiresMs) s.putLock(b, primary, { ...l, expiresMs });
        return { ...EMPTY_RESULT, txnStatus: 'pending', lock: { primary, startTs: l.startTs, expiresMs } };
      }
      const rec = await readRecord(s.records, primary, t.startTs);
      return { ...EMPTY_RESULT, txnStatus: rec?.status ?? 'rolled_back', commitTs: rec?.commitTs ?? 0n };
    }
    case 'VALIDATE': {
      const commitTs = t.commitTs ?? 0n;
      if (commitTs <= t.startTs) return refuse('INVALID_ARGUMENT', 'txn: commit_ts must be above start_ts');
      const bad = await validateReads(s, t, commitTs);
      if (bad) return bad;
      // A timestamp cache for the read set: every later write here commits above commitTs.
      if (commitTs > s.maxTs) s.maxTs = commitTs;
      return { ...EMPTY_RESULT };
    }
    case 'ONE_PC': {
      const muts = t.mutations ?? [];
      const dup = duplicates(muts.map((m) => m.key));
      if (dup) return refuse('INVALID_ARGUMENT', 'txn: a key is written twice', { conflictKey: dup });
      for (const m of muts) {
        const l = await readLock(s.locks, m.key);
        if (l) return lockedBy(m.key, l);
        if ((await newestTs(s.mvcc, m.key)) > t.startTs) return writeConflict(m.key);
      }
      let commitTs = proposedTs > s.maxTs ? proposedTs : s.maxTs + 1n;
      if (commitTs <= t.startTs) commitTs = t.startTs + 1n;
      const bad = await validateReads(s, t, commitTs);
      if (bad) return bad;
      for (const m of muts) s.putVersion(b, m.key, commitTs, m.value);
      if (commitTs > s.maxTs) s.maxTs = commitTs;
      return { ...EMPTY_RESULT, commitTs, txnStatus: 'committed' };
    }
  }
}

function writeConflict(key: Uint8Array): KvResult {
  return refuse('ABORTED', 'write conflict: the key has a version newer than the transaction snapshot', { conflictKey: key });
}

async function prewrite(s: TxnStore, b: StorageBatch, t: TxnCommand): Promise<KvResult> {
  const primary = t.primary ?? new Uint8Array(0);
  const muts = t.mutations ?? [];
  if (primary.byteLength === 0) return refuse('INVALID_ARGUMENT', 'txn: prewrite without a primary key');
  const dup = duplicates(muts.map((m) => m.key));
  if (dup) return refuse('INVALID_ARGUMENT', 'txn: a key is written twice', { conflictKey: dup });
  if (muts.some((m) => compareBytes(m.key, primary) === 0)) {
    // The primary's group knows the outcome if there is one: a late or repeated prewrite must not revive it.
    const rec = await readRecord(s.records, primary, t.startTs);
    if (rec?.status === 'rolled_back') return refuse('ABORTED', 'the transaction was rolled back (its lock expired or a reader rolled it back)', { txnStatus: 'rolled_back' });
    if (rec?.status === 'committed') return { ...EMPTY_RESULT, txnStatus: 'committed', commitTs: rec.commitTs };
  }
  const fresh: KvWrite[] = [];
  for (const m of muts) {
    const l = await readLock(s.locks, m.key);
    if (l) {
      if (l.startTs === t.startTs) continue; // prewritten before: idempotent
      return lockedBy(m.key, l);
    }
    if ((await newestTs(s.mvcc, m.key)) > t.startTs) return writeConflict(m.key);
    fresh.push(m);
  }
  const minCommitTs = (t.startTs > s.maxTs ? t.startTs : s.maxTs) + 1n;
  const expiresMs = (t.nowMs ?? 0) + (t.ttlMs ?? 0);
  for (const m of fresh) s.putLock(b, m.key, { startTs: t.startTs, primary, value: m.value, minCommitTs, expiresMs });
  // Every lock of this transaction here, old or new, allows minCommitTs: it is above all served reads now.
  return { ...EMPTY_RESULT, minCommitTs, txnStatus: 'pending' };
}

async function commit(s: TxnStore, b: StorageBatch, t: TxnCommand): Promise<KvResult> {
  const commitTs = t.commitTs ?? 0n;
  const primary = t.primary ?? new Uint8Array(0);
  const keys = t.keys ?? [];
  const rollback = t.kind === 'RESOLVE' && commitTs === 0n;
  if (!rollback && commitTs <= t.startTs) return refuse('INVALID_ARGUMENT', 'txn: commit_ts must be above start_ts');
  const hasPrimary = t.kind === 'COMMIT' && keys.some((k) => compareBytes(k, primary) === 0);
  if (hasPrimary) {
    const rec = await readRecord(s.records, primary, t.startTs);
    if (rec?.status === 'committed') return { ...EMPTY_RESULT, commitTs: rec.commitTs, txnStatus: 'committed' };
    if (rec?.status === 'rolled_back') return refuse('ABORTED', 'the transaction was rolled back before it could commit', { txnStatus: 'rolled_back' });
    const l = await readLock(s.locks, primary);
    if (!l || l.startTs !== t.startTs) {
      // Never prewritten here, or rolled back and cleaned: it can no longer commit.
      s.putRecord(b, primary, t.startTs, { status: 'rolled_back', commitTs: 0n });
      return refuse('ABORTED', 'the transaction lost its primary lock before it could commit', { txnStatus: 'rolled_back' });
    }
    if (commitTs < l.minCommitTs) return refuse('INVALID_ARGUMENT', `txn: commit_ts ${commitTs} is below the lock's minimum ${l.minCommitTs}`);
  }
  let resolved = 0;
  for (const k of keys) {
    const l = await readLock(s.locks, k);
    if (!l || l.startTs !== t.startTs) continue; // resolved before
    if (!rollback) s.putVersion(b, k, commitTs, l.value);
    s.deleteLock(b, k, l.startTs);
    resolved++;
  }
  if (hasPrimary) s.putRecord(b, primary, t.startTs, { status: 'committed', commitTs });
  if (!rollback && commitTs > s.maxTs) s.maxTs = commitTs;
  return { ...EMPTY_RESULT, commitTs: rollback ? 0n : commitTs, deleted: resolved, txnStatus: rollback ? 'rolled_back' : 'committed' };
}

async function checkStatus(s: TxnStore, b: StorageBatch, t: TxnCommand): Promise<KvResult> {
  const primary = t.primary ?? new Uint8Array(0);
  const rec = await readRecord(s.records, primary, t.startTs);
  if (rec) return { ...EMPTY_RESULT, txnStatus: rec.status, commitTs: rec.commitTs };
  const l = await readLock(s.locks, primary);
  if (l && l.startTs === t.startTs) {
    if (t.rollbackIfExpired === true && l.expiresMs < (t.nowMs ?? 0)) {
      s.deleteLock(b, primary, l.startTs);
      s.putRecord(b, primary, t.startTs, { status: 'rolled_back', commitTs: 0n });
      return { ...EMPTY_RESULT, txnStatus: 'rolled_back' };
    }
    return { ...EMPTY_RESULT, txnStatus: 'pending', lock: { primary, startTs: l.startTs, expiresMs: l.expiresMs } };
  }
  // No lock and no record: the primary was never prewritten (the coordinator
  // prewrites it first, so this transaction cannot have committed). A marker
  // makes sure a late prewrite can never revive it.
  s.putRecord(b, primary, t.startTs, { status: 'rolled_back', commitTs: 0n });
  return { ...EMPTY_RESULT, txnStatus: 'rolled_back' };
}

/** Serializable: no read key or scanned range changed in (startTs, commitTs], and none is locked by a transaction that may commit below it. */
async function validateReads(s: TxnStore, t: TxnCommand, commitTs: bigint): Promise<KvResult | undefined> {
  const changed = (key: Uint8Array): KvResult =>
    refuse('ABORTED', 'read conflict: a key the transaction read changed before it could commit (serializable)', { conflictKey: key });
  for (const key of t.readKeys ?? []) {
    if ((await s.mvcc.newestTs(key, commitTs)) > t.startTs) return changed(key);
    const l = await readLock(s.locks, key);
    if (l && l.startTs !== t.startTs && l.minCommitTs <= commitTs) return lockedBy(key, l);
  }
  for (const r of t.readRanges ?? []) {
    for await (const v of s.mvcc.versionsIn(r.start, r.end, commitTs)) if (v.ts > t.startTs) return changed(v.key);
    for await (const row of s.locks.versionsIn(r.start, r.end)) {
      const l = decodeLock(row.value ?? new Uint8Array(0));
      if (l.startTs !== t.startTs && l.minCommitTs <= commitTs) return lockedBy(row.key, l);
    }
  }
  return undefined;
}
