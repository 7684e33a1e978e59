// How a migration job reads: its JSON (`JobJson`), the `job get` summary, the
// plain lines of `job watch` (one per update, then a summary and how the job
// ended). Pure functions of the job and the time `now`.

import { TERMINAL, type Phase } from '../../src/migration/job.js';
import type { SplitJob__Output } from '../../src/proto-gen/ferrykv/admin/v1/SplitJob.js';
import type { SplitJobProgress__Output } from '../../src/proto-gen/ferrykv/admin/v1/SplitJobProgress.js';
import { fmtAge, fmtBytes, hex, showEnd, showKey, showStart, timeOfDay } from './format.js';
import type { JobJson } from './output.js';

export const isTerminal = (phase: string): boolean => TERMINAL.has(phase as Phase);

const ZERO_PROGRESS: SplitJobProgress__Output = {
  backfillRows: '0',
  backfillBytes: '0',
  replayedRows: '0',
  replayedBytes: '0',
  rateBytesPerSec: '0',
  changeLogBacklog: '0',
  fenceWindowsMs: [],
  phaseStartedAtMs: '0',
  estimatedBytes: '0',
  etaMs: '-1',
  lastProgressAtMs: '0',
};
export const progressOf = (j: SplitJob__Output): SplitJobProgress__Output => j.progress ?? ZERO_PROGRESS;
export const rangeOf = (j: SplitJob__Output): string => `[${showStart(j.start)}, ${showEnd(j.end)})`;

/** The first line about a job: which range moves where. */
export const jobHead = (j: SplitJob__Output): string => `job ${j.jobId}: route ${j.routeId} ${rangeOf(j)}, group ${j.sourceGroup} → group ${j.targetGroup}`;

export function jobJson(j: SplitJob__Output): JobJson {
  const { jobId, attempt, routeId, sourceGroup, targetGroup, start, end, ...rest } = j;
  return { jobId, attempt, routeId, sourceGroup, targetGroup, start: showKey(start), startHex: hex(start), end: showKey(end), endHex: hex(end), ...rest };
}

/**
 * The ETA the server gave (computed from the progress recorded at
 * lastProgressAtMs), counted down to `now`; undefined when unknown or stalled.
 */
export function etaLeft(j: SplitJob__Output, now: number, receivedAt = now): number | undefined {
  const p = progressOf(j);
  const eta = Number(p.etaMs);
  if (!Number.isFinite(eta) || eta < 0 || j.stalled) return undefined;
  const since = p.lastProgressAtMs !== '0' ? Number(p.lastProgressAtMs) : receivedAt;
  return Math.max(0, eta - Math.max(0, now - since));
}

/** The size line of `job get`: the range's estimated size and how much of it is copied. */
function estimateText(j: SplitJob__Output): string {
  const p = progressOf(j);
  const est = Number(p.estimatedBytes);
  if (!(est > 0)) return 'unknown (the source gave no size estimate yet)';
  const pct = Math.min(100, Math.floor((Number(p.backfillBytes) / est) * 100));
  return `${fmtBytes(est)} in the range (the source's estimate, raised as the copy passes it); ${pct}% copied`;
}

/** The `eta` line of `job get`. */
function etaLine(j: SplitJob__Output, now: number): string {
  if (isTerminal(j.phase)) return '-';
  const left = etaLeft(j, now);
  const what = j.phase === 'BACKFILL' || j.phase === 'CLEAR_TARGET' || j.phase === 'CAPTURE' ? 'to the end of the copy' : 'to the end of the catch-up';
  if (left === undefined) return j.stalled ? 'unknown (stalled)' : 'unknown';
  return `${fmtAge(left)} ${what} (at the last recorded rate)`;
}

/** The `options` line of `job get` (none for a job without options). */
function optionsLines(j: SplitJob__Output): string[] {
  const o = j.options;
  if (!o) return [];
  const rate = o.rateLimitBytesPerSec === '0' ? 'none' : `${fmtBytes(o.rateLimitBytesPerSec)}/s`;
  return [`  options    chunk ${fmtBytes(o.chunkBytes)}, rate limit ${rate}, cleanup grace ${o.cleanupGraceMs} ms, fence budget ${o.fenceBudgetMs} ms${o.skipVerify ? ', verify skipped' : ''}`];
}

/** `job get`: every field of the job, one per line. */
export function jobSummary(j: SplitJob__Output, now = Date.now()): string {
  const p = progressOf(j);
  const o = j.options;
  const live = !isTerminal(j.phase);
  const windows = p.fenceWindowsMs.map((w) => `${w} ms`).join(', ');
  const inPhase = !live || p.phaseStartedAtMs === '0' ? '' : ` for ${fmtAge(now - Number(p.phaseStartedAtMs))}`;
  const verify = j.verifyResult || (o?.skipVerify ? '(skipped: started with --skip-verify)' : '(not yet)');
  const lastProgress = p.lastProgressAtMs !== '0' ? `; last progress ${fmtAge(now - Number(p.lastProgressAtMs))} ago (${new Date(Number(p.lastProgressAtMs)).toISOString()})` : '';
  return [
    jobHead(j),
    `  phase      ${j.phase}${inPhase}${j.abandonRequested && live ? ' (abandon requested)' : ''}${j.stalled && live ? ' STALLED' : ''}`,
    `  attempt    ${j.attempt}${o ? ` of at most ${o.maxAttempts}` : ''}; fences lifted before cutover in this attempt: ${j.fenceAttempts}${o ? ` (it retreats at ${o.maxFenceAttempts})` : ''}`,
    `  copied     ${p.backfillRows} rows, ${fmtBytes(p.backfillBytes)} (backfill)`,
    `  estimate   ${estimateText(j)}`,
    `  replayed   ${p.replayedRows} rows, ${fmtBytes(p.replayedBytes)} (change log)`,
    `  backlog    ${p.changeLogBacklog} change-log rows not yet replayed (as last seen)`,
    `  rate       ${fmtBytes(p.rateBytesPerSec)}/s (last progress interval)`,
    `  eta        ${etaLine(j, now)}`,
    `  stalled    ${j.stalled && live ? `YES: ${j.stallReason || '(no reason given)'}` : 'no'}${lastProgress}`,
    `  fence      ${windows ? `write-unavailable windows: ${windows}` : 'no cutover yet'}`,
    `  verify     ${verify}`,
    `  last error ${j.lastError || '-'}`,
    `  age        created ${fmtAge(now - Number(j.createdAtMs))} ago (${new Date(Number(j.createdAtMs)).toISOString()}), updated ${fmtAge(now - Number(j.updatedAtMs))} ago`,
    `  driven by  ${j.owner ? `node ${j.owner}` : '-'}`,
    ...optionsLines(j),
    `  version    ${j.version}`,
  ].join('\n');
}

/** One progress line of the plain (non-terminal) watch: a UTC time of day leads. */
export function progressLine(j: SplitJob__Output, now = Date.now()): string {
  const p = progressOf(j);
  const parts = [
    `copied ${p.backfillRows} rows ${fmtBytes(p.backfillBytes)}`,
    `replayed ${p.replayedRows} rows ${fmtBytes(p.replayedBytes)}`,
    `${fmtBytes(p.rateBytesPerSec)}/s`,
    `backlog ${p.changeLogBacklog}`,
  ];
  if (j.abandonRequested && !isTerminal(j.phase)) parts.push('abandon requested');
  if (j.lastError) parts.push(`last error: ${j.lastError}`);
  return `${timeOfDay(now)} job ${j.jobId} ${j.phase} attempt ${j.attempt}: ${parts.join('; ')}`;
}

/** The last line of `job watch` (plain text): how the job ended. */
export function endLine(j: SplitJob__Output): string {
  const p = progressOf(j);
  const took = fmtAge(Number(j.updatedAtMs) - Number(j.createdAtMs));
  if (j.phase === 'DONE') {
    const windows = p.fenceWindowsMs.length ? `, write-unavailable ${p.fenceWindowsMs.map((w) => `${w} ms`).join(', ')}` : '';
    return `job ${j.jobId} DONE: route ${j.routeId} ${rangeOf(j)} moved from group ${j.sourceGroup} to group ${j.targetGroup} in ${took} (verify: ${j.verifyResult || 'skipped'}${windows})`;
  }
  if (j.phase === 'ABANDONED') return `job ${j.jobId} ABANDONED after ${took}: route ${j.routeId} ${rangeOf(j)} stays with group ${j.sourceGroup}${j.lastError ? ` (last error: ${j.lastError})` : ''}`;
  return `job ${j.jobId} FAILED after ${took}: ${j.lastError || 'no error recorded'} (see where the range is: ferryctl routes list)`;
}

/** The end summary of `job watch` (plain text), printed before the line saying how the job ended. */
export function endSummary(j: SplitJob__Output): string {
  const p = progressOf(j);
  const o = j.options;
  const created = Number(j.createdAtMs);
  const ended = Number(j.updatedAtMs);
  const windows = p.fenceWindowsMs.length ? `${p.fenceWindowsMs.map((w) => `${w} ms`).join(', ')} write-unavailable (fence → adopt)` : 'none (no cutover)';
  const verify = j.verifyResult || (o?.skipVerify ? 'skipped (--skip-verify)' : 'not run');
  return [
    `job ${j.jobId} summary:`,
    `  outcome    ${j.phase}`,
    `  duration   ${fmtAge(ended - created)} (created ${timeOfDay(created)}, ended ${timeOfDay(ended)})`,
    `  copied     ${p.backfillRows} rows, ${fmtBytes(p.backfillBytes)}`,
    `  replayed   ${p.replayedRows} rows, ${fmtBytes(p.replayedBytes)} (change log)`,
    `  fence      ${windows}`,
    `  attempts   ${j.attempt}${o ? ` of at most ${o.maxAttempts}` : ''}`,
    `  verify     ${verify}`,
    ...(j.lastError ? [`  last error ${j.lastError}`] : []),
  ].join('\n');
}
