// The migrator's rules as pure functions of (job, what the groups said).
import { describe, expect, it } from 'vitest';
import { changeCursor, hex, newGroupJobState, backfillCursor, type GroupJobState } from '../../src/migration/group-state.js';
import { ASSUMED_REPLAY_BYTES_PER_MS, DEFAULT_OPTIONS, afterRetreat, backlogBytes, checkOptions, decideCatchUp, decideCutover, newJob, nextPhase, patchJob, smallEnoughToFence, type SplitJob } from '../../src/migration/job.js';

const job = (over: Partial<SplitJob> = {}): SplitJob => ({ ...newJob({ routeId: 3, sourceGroup: 3, targetGroup: 2, start: '70', end: '', createdAt: 0, options: DEFAULT_OPTIONS }), jobId: 7, version: 4, ...over });
const src = (over: Partial<GroupJobState> = {}): GroupJobState => ({ ...newGroupJobState({ jobId: 7, attempt: 1, role: 'source', start: '70', end: '', peerGroup: 2, state: 'capturing' }), ...over });
const tgt = (seq: number | undefined, over: Partial<GroupJobState> = {}): GroupJobState => ({
  ...newGroupJobState({ jobId: 7, attempt: 1, role: 'target', start: '70', end: '', peerGroup: 3, state: 'importing' }),
  cursor: seq === undefined ? hex(backfillCursor(Uint8Array.of(1, 2))) : hex(changeCursor(seq)),
  ...over,
});

describe('CATCHUP / FINAL_DELTA decisions', () => {
  it('replays from the target stored cursor while the backlog is large', () => {
    expect(decideCatchUp(job({ phase: 'CATCHUP' }), src({ head: 10_000, logBytes: 50 << 20 }), tgt(100))).toEqual({ do: 'replay', fromSeq: 100 });
  });

  it('fences once the rest is small (by rows, or by bytes within the fence budget)', () => {
    expect(decideCatchUp(job({ phase: 'CATCHUP' }), src({ head: 120, logBytes: 1 << 20 }), tgt(100))).toMatchObject({ do: 'update', patch: { phase: 'FENCE' } });
    // At the measured replay rate (bytes/ms)...
    expect(smallEnoughToFence(1000, 100_000, 4000, 100)).toBe(true);
    expect(smallEnoughToFence(1000, 100 << 20, 4000, 100)).toBe(false);
    // ...or, before one is measured, at a conservative assumed rate.
    expect(smallEnoughToFence(1000, ASSUMED_REPLAY_BYTES_PER_MS * 100, undefined, 100)).toBe(true);
    expect(smallEnoughToFence(1000, ASSUMED_REPLAY_BYTES_PER_MS * 101, undefined, 100)).toBe(false);
    // The backlog's bytes are its rows at the held log's average row size, not the whole held log.
    expect(backlogBytes(src({ head: 1000, truncated: 0, logBytes: 200_000 }), 900)).toBe(20_000);
    expect(decideCatchUp(job({ phase: 'CATCHUP' }), src({ head: 1000, logBytes: 200_000 }), tgt(900), 100)).toMatchObject({ do: 'replay' });
    expect(decideCatchUp(job({ phase: 'CATCHUP' }), src({ head: 1000, logBytes: 200_000 }), tgt(900), 1000)).toMatchObject({ do: 'update', patch: { phase: 'FENCE' } });
  });

  it('refuses to go on before the backfill has landed at the target', () => {
    expect(decideCatchUp(job({ phase: 'CATCHUP' }), src({ head: 5 }), tgt(undefined))).toMatchObject({ do: 'retry' });
  });

  it('FINAL_DELTA replays to the head, then cuts over only with nothing left', () => {
    expect(decideCatchUp(job({ phase: 'FINAL_DELTA' }), src({ state: 'fenced', head: 12 }), tgt(10))).toEqual({ do: 'replay', fromSeq: 10 });
    expect(decideCatchUp(job({ phase: 'FINAL_DELTA' }), src({ state: 'fenced', head: 12 }), tgt(12))).toMatchObject({ do: 'update', patch: { phase: 'CUTOVER' } });
  });

  it('a fence lifted at its deadline sends the job back to CATCHUP, and retreats after maxFenceAttempts', () => {
    expect(decideCatchUp(job({ phase: 'FINAL_DELTA', fenceAttempts: 0 }), src({ state: 'capturing', head: 12 }), tgt(12))).toEqual({ do: 'update', patch: { phase: 'CATCHUP', fenceAttempts: 1 } });
    const last = decideCatchUp(job({ phase: 'FINAL_DELTA', fenceAttempts: DEFAULT_OPTIONS.maxFenceAttempts - 1 }), src({ state: 'capturing' }), tgt(0));
    expect(last).toMatchObject({ do: 'update', patch: { phase: 'ABANDONING', retreatedFrom: 'FINAL_DELTA' } });
  });

  it('a source that abandoned the attempt itself (change-log bound) makes the job retreat; a released one goes to CUTOVER', () => {
    expect(decideCatchUp(job({ phase: 'CATCHUP' }), src({ state: 'abandoned' }), tgt(3))).toMatchObject({ do: 'update', patch: { phase: 'ABANDONING' } });
    expect(decideCatchUp(job({ phase: 'FINAL_DELTA' }), src({ state: 'released' }), tgt(3))).toMatchObject({ do: 'update', patch: { phase: 'CUTOVER' } });
  });
});

describe('CUTOVER decisions', () => {
  it('releases only when fenced and the target stored exactly the head, with the source epoch', () => {
    expect(decideCutover(job(), src({ state: 'fenced', head: 9, fenceEpoch: 2 }), tgt(9))).toEqual({ do: 'release', fenceEpoch: 2, head: 9 });
    expect(decideCutover(job(), src({ state: 'fenced', head: 9, fenceEpoch: 2 }), tgt(8))).toMatchObject({ do: 'update', patch: { phase: 'FINAL_DELTA' } });
  });

  it('adopts only after a confirmed release, with the release record', () => {
    expect(decideCutover(job(), src({ state: 'released', head: 9, releaseTs: '555' }), tgt(9))).toEqual({ do: 'adopt', head: 9, releaseTs: '555' });
  });

  it('finishes when the target adopted; goes back when the fence was lifted or the source abandoned', () => {
    expect(decideCutover(job(), src({ state: 'released' }), tgt(9, { state: 'adopted' }))).toEqual({ do: 'finish-cutover' });
    expect(decideCutover(job({ fenceAttempts: 1 }), src({ state: 'capturing' }), tgt(9))).toEqual({ do: 'update', patch: { phase: 'CATCHUP', fenceAttempts: 2 } });
    expect(decideCutover(job(), src({ state: 'abandoned' }), tgt(9))).toMatchObject({ do: 'update', patch: { phase: 'ABANDONING' } });
    expect(decideCutover(job(), src({ state: 'fenced' }), tgt(9, { state: 'clearing' }))).toMatchObject({ do: 'retry' });
  });
});

describe('phases, retreats and options', () => {
  it('walks the phases in order, skipping VERIFY only when asked', () => {
    const seen = ['CLEAR_TARGET'];
    let p = 'CLEAR_TARGET' as SplitJob['phase'];
    while (p !== 'DONE') seen.push((p = nextPhase(p, false)));
    expect(seen).toEqual(['CLEAR_TARGET', 'CAPTURE', 'BACKFILL', 'CATCHUP', 'FENCE', 'FINAL_DELTA', 'CUTOVER', 'VERIFY', 'CLEANUP', 'DONE']);
    expect(nextPhase('CUTOVER', true)).toBe('CLEANUP');
  });

  it('a retreat starts a new attempt while attempts remain, unless an operator abandoned', () => {
    expect(afterRetreat(job({ attempt: 1 }))).toEqual({ phase: 'CLEAR_TARGET', attempt: 2 });
    expect(afterRetreat(job({ attempt: DEFAULT_OPTIONS.maxAttempts }))).toEqual({ phase: 'FAILED', attempt: DEFAULT_OPTIONS.maxAttempts });
    expect(afterRetreat(job({ attempt: 1, abandonRequested: true }))).toEqual({ phase: 'ABANDONED', attempt: 1 });
  });

  it('checks option bounds', () => {
    expect(checkOptions(DEFAULT_OPTIONS)).toEqual([]);
    expect(checkOptions({ chunkBytes: 10 })[0]).toMatch(/chunkBytes/);
    expect(checkOptions({ fenceBudgetMs: 1.5 })[0]).toMatch(/fenceBudgetMs/);
  });
});

describe('job record updates (patchJob)', () => {
  it('a phase change clears the failure recorded for the phase the job got past; notes and errors set with it stay', () => {
    const failing = job({ phase: 'BACKFILL', lastError: 'BACKFILL: UNAVAILABLE: 14 UNAVAILABLE: No connection established' });
    expect(patchJob(failing, { phase: 'CATCHUP' }, 1000).next.lastError).toBe('');
    expect(patchJob(failing, { phase: 'CATCHUP', lastError: 'kept' }, 1000).next.lastError).toBe('kept');
    const noted = job({ phase: 'VERIFY', lastError: 'repaired: 1 versions added to the target from the source copy' });
    expect(patchJob(noted, { phase: 'CLEANUP' }, 1000).next.lastError).toBe(noted.lastError);
    // Without a phase change the error stays (the step is still being retried).
    expect(patchJob(failing, { progress: { ...failing.progress, backfillRows: 5 } }, 1000).next.lastError).toBe(failing.lastError);
  });

  it('progress clears the stall flag and restarts the phase clock on a phase change', () => {
    const stalled = job({ phase: 'BACKFILL', stalled: true, stallReason: 'x' });
    const { next, moved } = patchJob(stalled, { phase: 'CATCHUP' }, 1234);
    expect(moved).toBe(true);
    expect({ stalled: next.stalled, reason: next.stallReason, phaseStartedAt: next.progress.phaseStartedAt, updatedAt: next.updatedAt }).toEqual({ stalled: false, reason: '', phaseStartedAt: 1234, updatedAt: 1234 });
    expect(patchJob(stalled, { lastError: 'y' }, 5).moved).toBe(false);
  });
});
