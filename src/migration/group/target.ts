// The target group's migration steps (MIGRATION.md): states move
// clearing → importing → adopted (terminal: the range is owned) or →
// abandoned → removed. CLEAR takes the interval and deletes leftovers in
// bounded batches; IMPORT applies a chunk only if it starts at the stored
// cursor (the cursor chain: a dropped or repeated chunk has no effect);
// ADOPT (cursor at the release head) raises the group's clock and safe point
// to the floor and serves the range; REPAIR adds rows from the source's frozen
// copy after a failed verification; FINISH ends the job (GC may collect the
// range); ABANDON starts removing the target's copy.

import type { KvResult } from '../../apply/commands.js';
import { FAMILY_DEDUP, dedupKey, decodeDedup } from '../../apply/dedup.js';
import type { MigrationRow } from '../../apply/rows.js';
import { assert } from '../../runtime/assert.js';
import { yieldLoop } from '../../runtime/backoff.js';
import { compareBytes } from '../../runtime/bytes.js';
import { FAMILY_LOCK, FAMILY_MVCC, FAMILY_TXN, versionKey } from '../../storage/keys.js';
import type { Version } from '../../storage/mvcc-store.js';
import { decodeLock, decodeRecord } from '../../txn/txn-records.js';
import { changeCursor, hex, newGroupJobState, unhex, type GroupJobState } from '../group-state.js';
import { answer, clearFamilies, refuse, type Step } from './step.js';

export function applyTargetStep(s: Step): Promise<KvResult> | KvResult {
  switch (s.m.kind) {
    case 'CLEAR':
      return clear(s);
    case 'IMPORT':
      return importRows(s);
    case 'ADOPT':
      return adopt(s);
    case 'REPAIR':
      return repair(s);
    case 'FINISH':
      return finish(s);
    case 'ABANDON':
      return abandon(s);
    default:
      return refuse(s, `not a target step: ${s.m.kind}`);
  }
}

async function clear(s: Step): Promise<KvResult> {
  const { st, m } = s;
  if (!st || (!s.sameAttempt && (st.state === 'removed' || st.state === 'abandoned'))) {
    if (st && st.state === 'abandoned' && st.role === 'target') return refuse(s, 'the previous attempt is still being removed');
    const start = m.start ?? new Uint8Array(0);
    const end = m.end ?? new Uint8Array(0);
    // Take the interval: it must hold nothing served here (a leftover of this job is fine). A range this
    // group released to an earlier job, once cleaned up, may come back: the later job overwrites the interval.
    const movedAway = (iv: { state: string; jobId?: number }): boolean => iv.state === 'released' && iv.jobId !== undefined && iv.jobId < m.jobId && s.jobs.jobs.get(iv.jobId)?.cleaned === true;
    for (const iv of s.own.map.overlapping(start, end)) {
      if (iv.jobId !== m.jobId && !movedAway(iv)) return refuse(s, `the group already holds part of the range (${iv.state})`);
    }
    const fresh = newGroupJobState({ jobId: m.jobId, attempt: m.attempt, role: 'target', start: hex(start), end: hex(end), peerGroup: m.peerGroup ?? 0, state: 'clearing' });
    s.own.set(s.b, s.own.map.with(start, end, { state: 'clearing', jobId: m.jobId }));
    s.jobs.save(fresh);
    return clearStep(s, fresh);
  }
  if (st.role !== 'target') return refuse(s, 'not the target of this job');
  if (s.sameAttempt && (st.state === 'clearing' || st.state === 'abandoned')) return clearStep(s, st);
  if (s.sameAttempt && (st.state === 'importing' || st.state === 'adopted' || st.state === 'removed')) return answer(st);
  return refuse(s, `cannot clear in state ${st.state}`);
}

/** One bounded batch of clearing; `clearing` becomes `importing`, an abandoned copy is removed. */
async function clearStep(s: Step, st: GroupJobState): Promise<KvResult> {
  const res = await clearFamilies(s, unhex(st.start), unhex(st.end), s.m.maxKeys);
  let next = st;
  if (res.cursor === undefined) {
    if (st.state === 'clearing') {
      next = { ...st, state: 'importing', cursor: '' };
      s.own.set(s.b, s.own.map.with(unhex(st.start), unhex(st.end), { state: 'importing', jobId: st.jobId }));
    } else if (st.state === 'abandoned') {
      next = { ...st, state: 'removed' };
      s.own.set(s.b, s.own.map.with(unhex(st.start), unhex(st.end), undefined));
    }
    if (next !== st) s.jobs.save(next);
  }
  return answer(next, { deleted: res.deleted, more: res.cursor !== undefined });
}

/** Why an imported row may not be written (outside the range, malformed), or undefined. */
function badRow(row: MigrationRow, lo: Uint8Array, hi: Uint8Array): string | undefined {
  const inRange = (k: Uint8Array): boolean => compareBytes(k, lo) >= 0 && (hi.byteLength === 0 || compareBytes(k, hi) < 0);
  if (row.family === FAMILY_MVCC || row.family === FAMILY_LOCK || row.family === FAMILY_TXN) {
    if (!inRange(row.key)) return 'an imported row lies outside the range';
    try {
      if (row.family === FAMILY_LOCK && !row.delete) decodeLock(row.value);
      if (row.family === FAMILY_TXN && !row.delete) decodeRecord(row.value);
    } catch {
      return 'an imported transaction row is malformed';
    }
    return undefined;
  }
  if (row.family !== FAMILY_DEDUP) return `an imported row of unknown family ${row.family}`;
  if (row.delete) return undefined;
  let fp: { start: Uint8Array; end: Uint8Array };
  try {
    fp = decodeDedup(row.value);
  } catch {
    return 'an imported request-id entry is malformed';
  }
  const overlaps = (hi.byteLength === 0 || compareBytes(fp.start, hi) < 0) && (fp.end.byteLength === 0 || compareBytes(fp.end, lo) > 0);
  return overlaps ? undefined : 'an imported request-id entry lies outside the range';
}

/**
 * Rows an IMPORT checks or writes between yields to the event loop. A 4 MiB
 * chunk is about 4,000 rows of 1 KiB; checking and writing them in one go held
 * the node's event loop for 100-150 ms (measured in the migration bench), in
 * which no other group on the node was answered (MIGRATION.md: bulk work never
 * holds the loop for more than a few milliseconds). The effects still land in
 * one batch, and the group applies nothing else until the chunk is in.
 */
export const IMPORT_SLICE_ROWS = 256;

async function importRows(s: Step): Promise<KvResult> {
  const { st, m } = s;
  if (!st || !s.sameAttempt || st.role !== 'target') return refuse(s, 'no import of this attempt here');
  if (st.state !== 'importing') return answer(st, { succeeded: false });
  if (hex(m.fromCursor ?? new Uint8Array(0)) !== st.cursor) return answer(st, { succeeded: false }); // not where T is: no effect
  const lo = unhex(st.start);
  const hi = unhex(st.end);
  const rows = m.rows ?? [];
  // Check every row before writing any: a refused chunk must leave nothing behind.
  for (let i = 0; i < rows.length; i++) {
    if (i > 0 && i % IMPORT_SLICE_ROWS === 0) await yieldLoop();
    const why = badRow(rows[i]!, lo, hi);
    if (why) return refuse(s, why);
  }
  let maxTs = BigInt(st.importedMaxTs);
  for (let i = 0; i < rows.length; i += IMPORT_SLICE_ROWS) {
    if (i > 0) await yieldLoop();
    const ts = writeImported(s, rows.slice(i, i + IMPORT_SLICE_ROWS));
    if (ts > maxTs) maxTs = ts;
  }
  const next = { ...st, cursor: hex(m.toCursor ?? new Uint8Array(0)), importedMaxTs: maxTs.toString() };
  s.jobs.save(next);
  return answer(next);
}

/** Writes imported rows as they were on the source (no capture: imports are not this group's effects); returns the highest timestamp they count toward the floor. */
function writeImported(s: Step, rows: readonly MigrationRow[]): bigint {
  const { b } = s;
  const g = s.machine.group;
  let maxTs = 0n;
  const versions: Version[] = [];
  for (const row of rows) {
    if (row.family === FAMILY_MVCC) {
      // TEST-ONLY failpoint: the target advances its cursor but drops this key's versions (VERIFY must catch it).
      if (s.jobs.skipImportKey && compareBytes(s.jobs.skipImportKey, row.key) === 0) continue;
      versions.push({ key: row.key, ts: row.ts, value: row.tombstone ? null : row.value });
      if (row.ts > maxTs) maxTs = row.ts;
      continue;
    }
    if (row.family === FAMILY_LOCK || row.family === FAMILY_TXN) {
      // Locks and records move with their keys; start and commit timestamps count toward the floor.
      if (row.ts > maxTs) maxTs = row.ts;
      if (row.delete) {
        b.del(versionKey(g, row.family, row.key, row.ts));
        continue;
      }
      s.machine.data.store(row.family).putVersion(b, row.key, row.ts, row.value);
      const commitTs = row.family === FAMILY_TXN ? decodeRecord(row.value).commitTs : 0n;
      if (commitTs > maxTs) maxTs = commitTs;
      continue;
    }
    if (row.delete) b.del(dedupKey(g, row.key));
    else b.put(dedupKey(g, row.key), row.value);
  }
  if (versions.length > 0) s.machine.data.store(FAMILY_MVCC).putVersions(b, versions);
  return maxTs;
}

function adopt(s: Step): KvResult {
  const { st, m, machine } = s;
  if (!st || !s.sameAttempt || st.role !== 'target') return refuse(s, 'no import of this attempt here');
  if (st.state === 'adopted') return answer(st);
  if (st.state !== 'importing') return refuse(s, `cannot adopt in state ${st.state}`);
  if (st.cursor !== hex(changeCursor(m.head ?? 0))) return refuse(s, `ADOPT_PRECONDITION: the import cursor is not at the release head ${m.head ?? 0}`);
  const imported = BigInt(st.importedMaxTs);
  const released = m.releaseTs ?? 0n;
  const floor = imported > released ? imported : released;
  // Every later commit here is above the floor (commitTs = max(proposed, maxTs + 1)).
  if (floor > machine.maxTs) machine.maxTs = floor;
  // S may have collected versions below its safe point: reads below it must not come here either.
  machine.raiseSafePoint(s.b, m.safePoint ?? 0n);
  const next = { ...st, state: 'adopted' as const, floor: floor.toString() };
  assert(machine.maxTs >= floor, 'an adopted range is served only above its floor');
  s.own.set(s.b, s.own.map.with(unhex(st.start), unhex(st.end), { state: 'owned' }));
  s.jobs.save(next);
  return answer(next);
}

function repair(s: Step): KvResult {
  // RepairFromSource (MIGRATION.md VERIFY): after a failed verification the target gets the versions
  // it lacks from the source's frozen copy. It only adds: versions are immutable.
  const { st, m } = s;
  if (!st || !s.sameAttempt || st.role !== 'target' || st.state !== 'adopted') return refuse(s, 'repair needs a target that adopted the range');
  const lo = unhex(st.start);
  const hi = unhex(st.end);
  const floor = BigInt(st.floor);
  for (const row of m.rows ?? []) {
    if (row.family !== FAMILY_MVCC || compareBytes(row.key, lo) < 0 || (hi.byteLength > 0 && compareBytes(row.key, hi) >= 0) || row.ts > floor) {
      return refuse(s, 'a repair row lies outside the range or above the floor');
    }
  }
  const mvcc = s.machine.data.store(FAMILY_MVCC);
  for (const row of m.rows ?? []) {
    if (row.tombstone) mvcc.deleteVersion(s.b, row.key, row.ts);
    else mvcc.putVersion(s.b, row.key, row.ts, row.value);
  }
  return answer(st, { deleted: (m.rows ?? []).length });
}

function finish(s: Step): KvResult {
  // The job is done (its copy verified): the target's range is like any other now.
  const { st } = s;
  if (!st || !s.sameAttempt || st.role !== 'target' || st.state !== 'adopted') return refuse(s, 'finish needs a target that adopted the range');
  if (st.cleaned) return answer(st);
  const next = { ...st, cleaned: true };
  s.jobs.save(next);
  return answer(next);
}

function abandon(s: Step): KvResult {
  const { st } = s;
  if (!st || !s.sameAttempt) return st ? refuse(s, 'no such attempt here') : answer(undefined);
  if (st.state === 'abandoned' || st.state === 'removed') return answer(st);
  if (st.state === 'adopted') return refuse(s, 'ADOPTED: the target already serves the range');
  const next = { ...st, state: 'abandoned' as const };
  s.own.set(s.b, s.own.map.with(unhex(st.start), unhex(st.end), { state: 'clearing', jobId: st.jobId }));
  s.jobs.save(next);
  return answer(next);
}
