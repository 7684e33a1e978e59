// `job watch` on a terminal: a cli-progress bar per phase, redrawn in place
// while the job is in the phase and left on screen with its final numbers when
// the job moves on. At most one bar is live at a time.

import cliProgress from 'cli-progress';
import type { Phase } from '../../src/migration/job.js';
import type { SplitJob__Output } from '../../src/proto-gen/ferrykv/admin/v1/SplitJob.js';
import { BAR_LOOK, fmtAge, fmtBytes, pad } from './format.js';
import { etaLeft, isTerminal, progressOf } from './job-text.js';

/** The phases of a job that moves forward, in order (VERIFY is skipped with --skip-verify). */
const PIPELINE: readonly Phase[] = ['CLEAR_TARGET', 'CAPTURE', 'BACKFILL', 'CATCHUP', 'FENCE', 'FINAL_DELTA', 'CUTOVER', 'VERIFY', 'CLEANUP', 'DONE'];

/** A phase's duration: tenths of a second below 10 s (phases are often that short), else as fmtAge. */
const fmtDur = (ms: number): string => (ms < 10_000 ? `${(Math.max(0, ms) / 1000).toFixed(1)}s` : fmtAge(ms));

/** What the terminal watch shows of one phase (one bar). */
interface PhaseView {
  phase: string;
  attempt: number;
  /** When the phase began (the server's phaseStartedAtMs; else when first seen). */
  startedAt: number;
  /** When the job left the phase; unset while it is in it. */
  endedAt?: number;
  /** The latest version in the phase; once it ended, the first version after it (the phase's final numbers). */
  job: SplitJob__Output;
  receivedAt: number;
  /** Replayed rows when the phase was first seen (CATCHUP/FINAL_DELTA bars count from here). */
  replayedBase: number;
}

/** The bar's value and total: bytes copied of the estimate (BACKFILL), rows replayed of replayed + backlog (CATCHUP, FINAL_DELTA). */
function barValue(v: PhaseView): { value: number; total: number } {
  const p = progressOf(v.job);
  if (v.phase === 'BACKFILL') {
    const copied = Number(p.backfillBytes);
    const est = Number(p.estimatedBytes);
    return { value: copied, total: est > 0 ? Math.max(est, copied) : 0 };
  }
  if (v.phase === 'CATCHUP' || v.phase === 'FINAL_DELTA') {
    const replayed = Math.max(0, Number(p.replayedRows) - v.replayedBase);
    return { value: replayed, total: replayed + Number(p.changeLogBacklog) };
  }
  return { value: 0, total: 0 };
}

/** One frame of a phase's line; `bar` and `progress` come from cli-progress. */
function phaseFrame(v: PhaseView, bar: string, progress: number, now: number): string {
  const j = v.job;
  const p = progressOf(j);
  const i = PIPELINE.indexOf(v.phase as Phase);
  const step = i < 0 ? '     ' : `${String(i + 1).padStart(2)}/${PIPELINE.length}`;
  const ended = v.endedAt !== undefined;
  const took = ended ? fmtDur(v.endedAt! - v.startedAt) : fmtAge(now - v.startedAt);
  const pct = `${String(Math.floor(progress * 100)).padStart(3)}%`;
  const eta = (): string => {
    const left = etaLeft(j, now, v.receivedAt);
    return `ETA ${left === undefined ? '?' : fmtAge(left)}`;
  };
  let head = '';
  const parts: string[] = [];
  if (v.phase === 'BACKFILL') {
    const est = Number(p.estimatedBytes);
    if (est > 0) head = `[${bar}] ${pct} `;
    parts.push(`${fmtBytes(p.backfillBytes)}${est > 0 ? ` of ${fmtBytes(Math.max(est, Number(p.backfillBytes)))}` : ' (size unknown)'}, ${p.backfillRows} rows`);
    if (ended) {
      const secs = Math.max(1, v.endedAt! - v.startedAt) / 1000;
      parts.push(`${fmtBytes(Math.round(Number(p.backfillBytes) / secs))}/s average`, `done in ${took}`);
    } else parts.push(`${fmtBytes(p.rateBytesPerSec)}/s`, eta(), took);
  } else if (v.phase === 'CATCHUP' || v.phase === 'FINAL_DELTA') {
    head = `[${bar}] ${pct} `;
    const inPhase = Math.max(0, Number(p.replayedRows) - v.replayedBase);
    parts.push(`replayed ${inPhase} rows${v.replayedBase > 0 ? ` (${p.replayedRows} in all)` : ''}`, `backlog ${p.changeLogBacklog}`);
    parts.push(...(ended ? [`done in ${took}`] : [eta(), took]));
  } else {
    if (ended && v.phase === 'CUTOVER' && p.fenceWindowsMs.length) parts.push(`write-unavailable ${p.fenceWindowsMs.at(-1)} ms`);
    if (ended && v.phase === 'VERIFY' && j.verifyResult) parts.push(`verify: ${j.verifyResult}`);
    parts.push(ended ? `done in ${took}` : `running ${took}`);
  }
  if (!ended) {
    if (j.stalled) parts.push(`STALLED: ${j.stallReason || 'no progress'}`);
    if (j.abandonRequested) parts.push('abandon requested');
    if (j.lastError) parts.push(`last error: ${j.lastError}`);
  }
  return `${step} ${pad(v.phase, 12)} ${head}${parts.join(' | ')}${v.attempt > 1 ? ` (attempt ${v.attempt})` : ''}`;
}

export class PhaseBars {
  private bar: cliProgress.SingleBar | undefined;
  private view: PhaseView | undefined;

  /** A new version of the job. */
  show(j: SplitJob__Output): void {
    const now = Date.now();
    const p = progressOf(j);
    const startedAt = p.phaseStartedAtMs !== '0' ? Number(p.phaseStartedAtMs) : now;
    const v = this.view;
    if (v && v.phase === j.phase && v.attempt === j.attempt && v.startedAt === startedAt) {
      v.job = j;
      v.receivedAt = now;
      const { value, total } = barValue(v);
      this.bar?.setTotal(total);
      this.bar?.update(value, { view: v });
      return;
    }
    // The job moved on: the old phase's line keeps its final numbers.
    if (v) {
      v.job = j;
      v.endedAt = startedAt;
      this.stop();
    }
    this.view = undefined;
    if (isTerminal(j.phase)) return;
    this.view = { phase: j.phase, attempt: j.attempt, startedAt, job: j, receivedAt: now, replayedBase: Number(p.replayedRows) };
    this.start();
  }

  /** Stops the bar where it is (before a note on stderr, or on exit); `resume` starts it again. */
  interrupt(): void {
    this.stop();
  }

  resume(): void {
    if (this.view && !this.bar) this.start();
  }

  private start(): void {
    const v = this.view!;
    this.bar = new cliProgress.SingleBar({
      ...BAR_LOOK,
      stream: process.stdout,
      linewrap: true,
      format: (options, params, payload: { view: PhaseView }) => {
        const line = phaseFrame(payload.view, cliProgress.Format.BarFormat(params.progress, options), params.progress, Date.now());
        const cols = params.maxWidth || 120;
        return line.length > cols - 1 ? `${line.slice(0, Math.max(0, cols - 2))}…` : line;
      },
    });
    const { value, total } = barValue(v);
    this.bar.start(total, value, { view: v });
  }

  private stop(): void {
    const v = this.view;
    if (!this.bar || !v) return;
    const { value, total } = barValue(v);
    this.bar.setTotal(total);
    this.bar.update(value, { view: v });
    this.bar.stop();
    this.bar = undefined;
  }
}
