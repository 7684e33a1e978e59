// The source group's migration steps (MIGRATION.md): states move
// owned → capturing ⇄ fenced → released (terminal) or → abandoned.
// BEGIN_CAPTURE starts the change log; FENCE refuses every mutation of the
// range (WRITE_FENCED) until UNFENCE or RELEASE; RELEASE (fenced by exactly
// that epoch, change log replayed to its head) hands the range to the target
// and records the release timestamp; CLEANUP deletes the released copy in
// bounded batches; TRUNCATE_LOG frees replayed change-log entries; ABANDON
// gives the range back to the source, unless it was released.

import type { KvResult } from '../../apply/commands.js';
import { assert } from '../../runtime/assert.js';
import { BULK_SCAN } from '../../storage/db.js';
import { hex, newGroupJobState, unhex, type GroupJobState } from '../group-state.js';
import { answer, clearFamilies, refuse, type Step } from './step.js';

export function applySourceStep(s: Step): Promise<KvResult> | KvResult {
  switch (s.m.kind) {
    case 'BEGIN_CAPTURE':
      return beginCapture(s);
    case 'FENCE':
      return fence(s);
    case 'UNFENCE':
      return unfence(s);
    case 'RELEASE':
      return release(s);
    case 'CLEANUP':
      return cleanup(s);
    case 'TRUNCATE_LOG':
      return truncateLog(s);
    case 'ABANDON':
      return abandon(s);
    default:
      return refuse(s, `not a source step: ${s.m.kind}`);
  }
}

/** Moves the source's interval and state for the job; states only move forward (asserted). */
function move(s: Step, st: GroupJobState, next: GroupJobState, interval: Parameters<Step['own']['map']['with']>[2]): GroupJobState {
  assert(next.jobId === st.jobId && next.attempt === st.attempt && next.role === 'source', 'a source step changes only its own job');
  s.own.set(s.b, s.own.map.with(unhex(st.start), unhex(st.end), interval));
  s.jobs.save(next);
  return next;
}

function beginCapture(s: Step): KvResult {
  const { m, st } = s;
  if (st && s.sameAttempt) return st.role === 'source' && (st.state === 'capturing' || st.state === 'fenced' || st.state === 'released') ? answer(st) : refuse(s, `cannot capture in state ${st.state}`);
  if (st && st.state !== 'abandoned') return refuse(s, `attempt ${st.attempt} is still ${st.state}`);
  const start = m.start ?? new Uint8Array(0);
  const end = m.end ?? new Uint8Array(0);
  const covered = s.own.map.check(start, end, 'write') === undefined;
  if (!covered || s.own.map.overlapping(start, end).some((iv) => iv.state !== 'owned')) return refuse(s, 'the group does not own the whole range, or part of it is busy');
  const fresh = { ...newGroupJobState({ jobId: m.jobId, attempt: m.attempt, role: 'source', start: hex(start), end: hex(end), peerGroup: m.peerGroup ?? 0, state: 'capturing' }), captureIndex: s.index };
  s.own.set(s.b, s.own.map.with(start, end, { state: 'capturing', jobId: m.jobId }));
  s.jobs.save(fresh);
  return answer(fresh);
}

function fence(s: Step): KvResult {
  const { st } = s;
  if (!st || !s.sameAttempt || st.role !== 'source') return refuse(s, 'no capture of this attempt here');
  if (st.state === 'fenced' || st.state === 'released') return answer(st);
  if (st.state !== 'capturing') return refuse(s, `cannot fence in state ${st.state}`);
  return answer(move(s, st, { ...st, state: 'fenced', fenceEpoch: st.fenceEpoch + 1 }, { state: 'fenced', jobId: st.jobId }));
}

function unfence(s: Step): KvResult {
  const { st } = s;
  if (!st || !s.sameAttempt || st.state !== 'fenced' || st.fenceEpoch !== s.m.fenceEpoch) return answer(st);
  return answer(move(s, st, { ...st, state: 'capturing' }, { state: 'capturing', jobId: st.jobId }));
}

function release(s: Step): KvResult {
  const { st, m } = s;
  if (!st || !s.sameAttempt || st.role !== 'source') return refuse(s, 'no capture of this attempt here');
  if (st.state === 'released') return answer(st);
  if (st.state !== 'fenced' || st.fenceEpoch !== m.fenceEpoch) return refuse(s, `RELEASE_PRECONDITION: state ${st.state}, fence epoch ${st.fenceEpoch}`);
  if (st.head !== m.head) return refuse(s, `RELEASE_PRECONDITION: change-log head is ${st.head}, replayed ${m.head ?? 0}`);
  // Every commit and every served read timestamp of this group is at or below maxTs.
  const next = { ...st, state: 'released' as const, releaseTs: s.machine.maxTs.toString(), releaseSafePoint: s.machine.safePoint.toString() };
  return answer(move(s, st, next, { state: 'released', jobId: st.jobId, targetGroup: st.peerGroup }));
}

async function cleanup(s: Step): Promise<KvResult> {
  const { st, m } = s;
  if (!st || !s.sameAttempt || st.role !== 'source' || st.state !== 'released') return refuse(s, 'cleanup needs a released range');
  if (st.cleaned) return answer(st);
  const res = await clearFamilies(s, unhex(st.start), unhex(st.end), m.maxKeys, m.fromCursor);
  const next = res.cursor === undefined ? { ...st, cleaned: true } : st;
  if (next !== st) s.jobs.save(next);
  return answer(next, { deleted: res.deleted, more: res.cursor !== undefined, resumeKey: res.cursor ?? new Uint8Array(0) });
}

async function truncateLog(s: Step): Promise<KvResult> {
  const { st, m } = s;
  if (!st || st.role !== 'source') return refuse(s, 'no change log of this job here');
  const through = Math.min(m.throughSeq ?? 0, st.head);
  const limit = Math.max(1, Math.min(m.maxKeys ?? 1000, 10_000));
  let n = 0;
  let freed = 0;
  for await (const [k, v] of s.machine.db.level.iterator({ gte: s.jobs.changeLogPrefix(m.jobId, m.attempt), lte: s.jobs.changeLogKey(m.jobId, m.attempt, through), limit, ...BULK_SCAN })) {
    s.b.del(k);
    freed += v.byteLength;
    n++;
  }
  const next = s.sameAttempt ? { ...st, truncated: Math.max(st.truncated, n < limit ? through : st.truncated), logBytes: Math.max(0, st.logBytes - freed) } : st;
  if (next !== st) s.jobs.save(next);
  return answer(next, { deleted: n, more: n >= limit });
}

function abandon(s: Step): KvResult {
  const { st } = s;
  if (!st || !s.sameAttempt) return st ? refuse(s, 'no such attempt here') : answer(undefined);
  if (st.state === 'abandoned' || st.state === 'removed') return answer(st);
  if (st.state === 'released') return refuse(s, 'RELEASED: the range was released; the job can only roll forward');
  return answer(move(s, st, { ...st, state: 'abandoned' }, { state: 'owned' }));
}
