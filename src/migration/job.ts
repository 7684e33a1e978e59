// The durable record of one migration job (a SplitJob), kept in the default
// group. It is the migrator's mirror and to-do list, never the authority: the
// source's and target's own states decide (MIGRATION.md "The job record").

export type Phase =
  | 'CLEAR_TARGET'
  | 'CAPTURE'
  | 'BACKFILL'
  | 'CATCHUP'
  | 'FENCE'
  | 'FINAL_DELTA'
  | 'CUTOVER'
  | 'VERIFY'
  | 'CLEANUP'
  | 'DONE'
  | 'ABANDONING'
  | 'ABANDONED'
  | 'FAILED';

import { decodeCursor, unhex, type GroupJobState } from './group-state.js';

export const PHASES: readonly Phase[] = ['CLEAR_TARGET', 'CAPTURE', 'BACKFILL', 'CATCHUP', 'FENCE', 'FINAL_DELTA', 'CUTOVER', 'VERIFY', 'CLEANUP', 'DONE', 'ABANDONING', 'ABANDONED', 'FAILED'];

export const TERMINAL: ReadonlySet<Phase> = new Set(['DONE', 'ABANDONED', 'FAILED']);

/** Phases after which the source may have released the range: only roll forward. */
export const AFTER_RELEASE: ReadonlySet<Phase> = new Set(['VERIFY', 'CLEANUP', 'DONE']);

export interface JobOptions {
  /** Bytes per export chunk (default 1 MiB). */
  readonly chunkBytes: number;
  /** Copy pacing; 0: unlimited. */
  readonly rateLimitBytesPerSec: number;
  /** Wait between cutover and deleting the source's copy (default 30 s). */
  readonly cleanupGraceMs: number;
  /** Fence when the remaining change log would replay within this, at the replay rate measured (default 50 ms). */
  readonly fenceBudgetMs: number;
  /** Fence rounds before the attempt retreats (default 5). */
  readonly maxFenceAttempts: number;
  /** Attempts before the job fails (default 3). */
  readonly maxAttempts: number;
  /** Skip VERIFY (recorded on the job and logged). */
  readonly skipVerify: boolean;
}

export const DEFAULT_OPTIONS: JobOptions = {
  chunkBytes: 1 << 20,
  rateLimitBytesPerSec: 0,
  cleanupGraceMs: 30_000,
  fenceBudgetMs: 50,
  maxFenceAttempts: 5,
  maxAttempts: 3,
  skipVerify: false,
};

export const OPTION_BOUNDS: Record<keyof Omit<JobOptions, 'skipVerify'>, [number, number]> = {
  chunkBytes: [4 << 10, 16 << 20],
  rateLimitBytesPerSec: [0, 2 ** 40],
  cleanupGraceMs: [0, 7 * 24 * 3600 * 1000],
  fenceBudgetMs: [10, 60_000],
  maxFenceAttempts: [1, 100],
  maxAttempts: [1, 100],
};

export interface JobProgress {
  readonly backfillRows: number;
  readonly backfillBytes: number;
  readonly replayedRows: number;
  readonly replayedBytes: number;
  /** Bytes per second over the last progress interval. */
  readonly rateBytesPerSec: number;
  /** Rows in the source's change log not yet replayed (last seen). */
  readonly changeLogBacklog: number;
  /** Write-unavailable windows (fence → adopt acknowledged), ms, per cutover attempt. */
  readonly fenceWindowsMs: readonly number[];
  /** Wall-clock ms when the current phase began. */
  readonly phaseStartedAt: number;
  /** Bytes the range holds: the source's size estimate before the copy, raised as the copy passes it (0: unknown). */
  readonly estimatedBytes?: number;
  /** Wall-clock ms when a counter last moved or the phase changed. */
  readonly lastProgressAt?: number;
}

export interface SplitJob {
  readonly jobId: number;
  /** Bumped by every update (compare-and-set). */
  readonly version: number;
  readonly attempt: number;
  readonly routeId: number;
  readonly sourceGroup: number;
  readonly targetGroup: number;
  /** Hex bounds of the moving range (end empty: +∞). */
  readonly start: string;
  readonly end: string;
  readonly phase: Phase;
  /** Wall-clock ms, chosen by the proposer (never read in apply). */
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly options: JobOptions;
  /** Mirrors of the groups' states (the groups decide). */
  readonly captureIndex: number;
  readonly fenceEpoch: number;
  readonly releaseTs: string;
  readonly floor: string;
  readonly progress: JobProgress;
  readonly fenceAttempts: number;
  readonly lastError: string;
  readonly abandonRequested: boolean;
  /** The phase a retreat came from (for the report). */
  readonly retreatedFrom?: Phase;
  readonly verifyResult: string;
  /** Node whose migrator drives the job now (taken over on leadership change). */
  readonly owner: number;
  /** No progress for the stall threshold; `stallReason` says what is being retried. */
  readonly stalled?: boolean;
  readonly stallReason?: string;
  /** RepairFromSource was asked for: VERIFY first adds what the target lacks, then verifies again. */
  readonly repair?: boolean;
}

/** Milliseconds to the end of the copy or the catch-up at the current rate; -1: unknown. */
export function etaMs(job: SplitJob): number {
  const p = job.progress;
  if (p.rateBytesPerSec <= 0) return -1;
  if (job.phase === 'CLEAR_TARGET' || job.phase === 'CAPTURE' || job.phase === 'BACKFILL') {
    const est = p.estimatedBytes ?? 0;
    if (est <= 0) return -1;
    return Math.round((Math.max(0, est - p.backfillBytes) / p.rateBytesPerSec) * 1000);
  }
  if (job.phase === 'CATCHUP' || job.phase === 'FENCE' || job.phase === 'FINAL_DELTA') {
    const avgRow = p.replayedRows > 0 ? p.replayedBytes / p.replayedRows : 100;
    return Math.round(((p.changeLogBacklog * avgRow) / p.rateBytesPerSec) * 1000);
  }
  return TERMINAL.has(job.phase) ? 0 : -1;
}

/** The size estimate, refined: never below what was copied (plus a margin while the copy runs). */
export function refinedEstimate(estimated: number, copied: number, done: boolean): number {
  if (done) return copied;
  return estimated > copied ? estimated : Math.round(copied * 1.25) + 1;
}

export function newJob(p: Pick<SplitJob, 'routeId' | 'sourceGroup' | 'targetGroup' | 'start' | 'end' | 'createdAt' | 'options'>): SplitJob {
  return {
    ...p,
    jobId: 0,
    version: 0,
    attempt: 1,
    phase: 'CLEAR_TARGET',
    updatedAt: p.createdAt,
    captureIndex: 0,
    fenceEpoch: 0,
    releaseTs: '0',
    floor: '0',
    progress: { backfillRows: 0, backfillBytes: 0, replayedRows: 0, replayedBytes: 0, rateBytesPerSec: 0, changeLogBacklog: 0, fenceWindowsMs: [], phaseStartedAt: p.createdAt },
    fenceAttempts: 0,
    lastError: '',
    abandonRequested: false,
    verifyResult: '',
    owner: 0,
  };
}

export function encodeJob(j: SplitJob): string {
  return JSON.stringify(j);
}

export function decodeJob(s: string): SplitJob {
  return JSON.parse(s) as SplitJob;
}

/** The next phase after `phase` completes normally. */
export function nextPhase(phase: Phase, skipVerify: boolean): Phase {
  switch (phase) {
    case 'CLEAR_TARGET':
      return 'CAPTURE';
    case 'CAPTURE':
      return 'BACKFILL';
    case 'BACKFILL':
      return 'CATCHUP';
    case 'CATCHUP':
      return 'FENCE';
    case 'FENCE':
      return 'FINAL_DELTA';
    case 'FINAL_DELTA':
      return 'CUTOVER';
    case 'CUTOVER':
      return skipVerify ? 'CLEANUP' : 'VERIFY';
    case 'VERIFY':
      return 'CLEANUP';
    case 'CLEANUP':
      return 'DONE';
    case 'ABANDONING':
      return 'ABANDONED';
    default:
      return phase;
  }
}

/** Change-log replay rate assumed before one is measured (bytes/ms): small rows replay far slower than backfill chunks. */
export const ASSUMED_REPLAY_BYTES_PER_MS = 500;

/**
 * Whether the change-log backlog is small enough to fence: it would replay
 * within the fence budget at `replayBytesPerMs`, the rate the migrator
 * measured replaying this job's change log (the backfill rate says nothing
 * about it: a change-log row is a few hundred bytes, each chunk a commit).
 */
export function smallEnoughToFence(backlogRows: number, backlogBytes: number, replayBytesPerMs: number | undefined, fenceBudgetMs: number): boolean {
  if (backlogRows <= 64) return true;
  const rate = replayBytesPerMs !== undefined && replayBytesPerMs > 0 ? replayBytesPerMs : ASSUMED_REPLAY_BYTES_PER_MS;
  return backlogBytes / rate <= fenceBudgetMs;
}

/** The bytes of the change log not yet replayed to `seq`: the rows after it at the held log's average row size. */
export function backlogBytes(s: GroupJobState, seq: number): number {
  const held = s.head - s.truncated;
  const rows = Math.max(0, s.head - seq);
  return held > 0 ? Math.round((s.logBytes / held) * rows) : 0;
}

/**
 * What a retreat does next: a new attempt from CLEAR_TARGET if attempts remain
 * and the operator did not ask to abandon; otherwise the job ends.
 */
export function afterRetreat(job: SplitJob): { phase: Phase; attempt: number } {
  if (job.abandonRequested) return { phase: 'ABANDONED', attempt: job.attempt };
  if (job.attempt < job.options.maxAttempts) return { phase: 'CLEAR_TARGET', attempt: job.attempt + 1 };
  return { phase: 'FAILED', attempt: job.attempt };
}

/** Validates user options; returns the problems (empty: fine). */
export function checkOptions(o: Partial<JobOptions>): string[] {
  const problems: string[] = [];
  for (const [k, [lo, hi]] of Object.entries(OPTION_BOUNDS) as [keyof typeof OPTION_BOUNDS, [number, number]][]) {
    const v = o[k];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < lo || v > hi) problems.push(`options.${k}: ${v} is outside [${lo}, ${hi}]`);
  }
  return problems;
}

// ---- Decisions: what the migrator does next, as a pure function of the job
// and what the groups said (their states for the job). The migrator performs
// the I/O; these functions hold the rules (MIGRATION.md Phases, Retreat).

export type Decision =
  /** Record a phase change (or other fields) on the job. */
  | { readonly do: 'update'; readonly patch: Partial<SplitJob> }
  /** Replay the change log from this sequence number to the source's head. */
  | { readonly do: 'replay'; readonly fromSeq: number }
  /** Release at the source: fenced by this epoch, with T's stored head. */
  | { readonly do: 'release'; readonly fenceEpoch: number; readonly head: number }
  /** Adopt at the target with the source's release record. */
  | { readonly do: 'adopt'; readonly head: number; readonly releaseTs: string }
  /** Both groups are done: record the cutover (and move the catalog). */
  | { readonly do: 'finish-cutover' }
  /** The observations do not fit: try again after re-reading. */
  | { readonly do: 'retry'; readonly why: string };

const seqOf = (t: GroupJobState): number | undefined => {
  const c = decodeCursor(unhex(t.cursor));
  return c.kind === 'change' ? c.seq : undefined;
};

/** CATCHUP and FINAL_DELTA: replay, fence, cut over, or retreat. */
export function decideCatchUp(job: SplitJob, s: GroupJobState, t: GroupJobState, replayBytesPerMs?: number): Decision {
  if (s.state === 'abandoned') return { do: 'update', patch: { phase: 'ABANDONING', retreatedFrom: job.phase, lastError: 'the source abandoned the attempt: its change log reached the size bound' } };
  if (s.state === 'released') return { do: 'update', patch: { phase: 'CUTOVER' } };
  const seq = seqOf(t);
  if (seq === undefined) return { do: 'retry', why: 'the target has not finished the backfill' };
  if (job.phase === 'FINAL_DELTA' && s.state === 'capturing') {
    // The source lifted the fence at its deadline: fence again, or retreat after too many rounds.
    const attempts = job.fenceAttempts + 1;
    return attempts >= job.options.maxFenceAttempts
      ? { do: 'update', patch: { phase: 'ABANDONING', retreatedFrom: job.phase, fenceAttempts: attempts, lastError: `the fence was lifted ${attempts} times before cutover` } }
      : { do: 'update', patch: { phase: 'CATCHUP', fenceAttempts: attempts } };
  }
  const backlog = s.head - seq;
  if (job.phase === 'CATCHUP' && smallEnoughToFence(backlog, backlogBytes(s, seq), replayBytesPerMs, job.options.fenceBudgetMs)) {
    return { do: 'update', patch: { phase: 'FENCE', progress: { ...job.progress, changeLogBacklog: backlog } } };
  }
  if (job.phase === 'FINAL_DELTA' && backlog === 0) return { do: 'update', patch: { phase: 'CUTOVER', progress: { ...job.progress, changeLogBacklog: 0 } } };
  return { do: 'replay', fromSeq: seq };
}

/** CUTOVER: Release only when fenced with T at the head; Adopt only after a confirmed Release. */
export function decideCutover(job: SplitJob, s: GroupJobState, t: GroupJobState): Decision {
  if (t.state === 'adopted') return { do: 'finish-cutover' };
  if (t.state !== 'importing') return { do: 'retry', why: `the target is ${t.state}` };
  switch (s.state) {
    case 'released':
      return { do: 'adopt', head: s.head, releaseTs: s.releaseTs };
    case 'capturing':
      return { do: 'update', patch: { phase: 'CATCHUP', fenceAttempts: job.fenceAttempts + 1 } };
    case 'abandoned':
      return { do: 'update', patch: { phase: 'ABANDONING', retreatedFrom: 'CUTOVER' } };
    case 'fenced': {
      const seq = seqOf(t);
      // The replayed head is what T stored, never what the migrator sent.
      if (seq !== s.head) return { do: 'update', patch: { phase: 'FINAL_DELTA' } };
      return { do: 'release', fenceEpoch: s.fenceEpoch, head: seq };
    }
    default:
      return { do: 'retry', why: `the source is ${s.state}` };
  }
}

/**
 * The record after `patch` at time `now`: progress merged, the stall flag
 * cleared by any progress, the phase clock restarted on a phase change — and
 * a failure recorded for the phase being left cleared by one (a DONE job kept
 * a raw error of a phase it had long passed). `moved`: the job made progress.
 */
export function patchJob(job: SplitJob, patch: Partial<SplitJob>, now: number): { next: SplitJob; moved: boolean } {
  const phaseChanged = patch.phase !== undefined && patch.phase !== job.phase;
  const p = { ...job.progress, ...(patch.progress ?? {}) };
  const moved =
    phaseChanged ||
    p.backfillRows !== job.progress.backfillRows ||
    p.backfillBytes !== job.progress.backfillBytes ||
    p.replayedRows !== job.progress.replayedRows ||
    p.replayedBytes !== job.progress.replayedBytes;
  // A failure recorded while retrying the phase being left ("PHASE: …", set by the migrator's retry loop) is over;
  // a note set on purpose (a repair's count, an abandon refused) stays.
  const pastFailure = phaseChanged && job.lastError.startsWith(`${job.phase}: `);
  const next: SplitJob = {
    ...job,
    ...(pastFailure ? { lastError: '' } : {}),
    ...patch,
    updatedAt: now,
    ...(moved ? { stalled: false, stallReason: '' } : {}),
    progress: { ...p, ...(phaseChanged ? { phaseStartedAt: now } : {}), ...(moved ? { lastProgressAt: now } : {}) },
  };
  return { next, moved };
}
