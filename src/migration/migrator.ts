// The migrator: runs on the default group's leader and drives every live job
// through its phases (MIGRATION.md). It owns nothing: each step is a command
// in the source's or target's log, checked there when applied, and after any
// failure the migrator re-reads what the groups say before acting again. Job
// records are updated by compare-and-set, so a deposed migrator's late update
// fails. A new leader takes every live job over on election.

import type { Logger } from 'pino';
import type { JobCommand, KvResult } from '../apply/commands.js';
import { KvError } from '../api/errors.js';
import type { RouteCatalog } from '../routing/catalog.js';
import { compareBytes } from '../storage/keys.js';
import type { GroupsPort } from './groups-port.js';
import { backfillCursor, changeCursor, decodeCursor, hex, unhex, type GroupJobState } from './group-state.js';
import { AFTER_RELEASE, TERMINAL, afterRetreat, decideCatchUp, decideCutover, decodeJob, encodeJob, nextPhase, patchJob, refinedEstimate, type Phase, type SplitJob } from './job.js';
import { rowBytes, type MigrationRow } from '../apply/rows.js';
import { randomBytes } from 'node:crypto';
import { buildTree, root } from '../verify/merkle.js';
import { AdaptivePacer, CLEANUP_PACER } from './pacer.js';
import { FAMILY_LOCK } from '../txn/txn-records.js';
import { sleep, yieldLoop } from '../runtime/backoff.js';

export interface MigratorDeps {
  readonly nodeId: number;
  readonly log: Logger;
  /** The default group's state machine if this node leads the default group now. */
  /** The default group's state while this node leads it (else undefined): the job records and the catalog. */
  readonly leaderSm: () => { readonly splitJobs: ReadonlyMap<number, SplitJob>; readonly catalog: RouteCatalog | undefined } | undefined;
  /** Proposes a job command on the local default-group leader; resolves with the applied result (refusals have errorCode). */
  readonly proposeJob: (cmd: JobCommand) => Promise<KvResult>;
  readonly groups: GroupsPort;
  /** Called with each cutover's write-unavailable window (ms). */
  readonly onFenceWindow?: (job: SplitJob, ms: number, steps: Readonly<Record<string, number>>) => void;
  /** TEST HOOK: the migrator waits before working on a job in this phase. */
  readonly pauseAt?: () => Phase | undefined;
  /** A job with no progress for this long is marked stalled (default 60 s). */
  readonly stallAfterMs?: number;
  /** Rows and bytes copied to a target (backfill and replay), for metrics. */
  readonly onCopied?: (rows: number, bytes: number) => void;
  /** How often the migrator looks for live jobs to drive (ms, default 200); unit tests shorten it so a takeover does not wait a tick. */
  readonly tickMs?: number;
}

const PROGRESS_EVERY_MS = 1000;
/** Change-log replay rounds in one CATCHUP step (each leaves less behind, or the step ends). */
const CATCHUP_ROUNDS = 20;

class Stale extends Error {}

/** This node no longer leads the default group: its drivers stop (the new leader's take over). */
class Deposed extends Error {}

export class Migrator {
  private readonly running = new Map<number, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** When this node's migrator fenced each job (its own monotonic clock). */
  private readonly fencedAt = new Map<number, number>();
  /** T's change-log cursor for each job as T last acknowledged it to this migrator. */
  private readonly knownSeq = new Map<number, { attempt: number; seq: number }>();
  /** The change-log replay rate measured for each job (bytes/ms). */
  private readonly replayRate = new Map<number, number>();
  /** Milliseconds each cutover step took inside the current fence window, for the log. */
  private readonly windowSteps = new Map<number, Record<string, number>>();
  /** When each stalled job was last reported in the log. */
  private readonly stallLogged = new Map<number, number>();

  constructor(private readonly d: MigratorDeps) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.d.tickMs ?? 200);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.allSettled([...this.running.values()]);
  }

  /** Jobs being driven here now. */
  get active(): number[] {
    return [...this.running.keys()];
  }

  private tick(): void {
    const sm = this.d.leaderSm();
    if (!sm || this.stopped) return;
    for (const j of sm.splitJobs.values()) {
      if (TERMINAL.has(j.phase) || this.running.has(j.jobId)) continue;
      const p = this.drive(j.jobId).finally(() => {
        this.running.delete(j.jobId);
        this.knownSeq.delete(j.jobId);
        this.replayRate.delete(j.jobId);
        this.windowSteps.delete(j.jobId);
      });
      this.running.set(j.jobId, p);
    }
  }

  private current(jobId: number): SplitJob | undefined {
    return this.d.leaderSm()?.splitJobs.get(jobId);
  }

  private async drive(jobId: number): Promise<void> {
    let failures = 0;
    for (;;) {
      if (this.stopped) return;
      let job = this.current(jobId);
      if (!job || TERMINAL.has(job.phase)) return;
      try {
        if (job.owner !== this.d.nodeId) {
          job = await this.update(job, { owner: this.d.nodeId });
          this.d.log.info({ jobId, phase: job.phase, attempt: job.attempt }, 'migrator took the job over');
        }
        const pause = this.d.pauseAt?.();
        if (pause === job.phase) {
          await sleep(100);
          continue;
        }
        await this.step(job);
        failures = 0;
      } catch (e) {
        if (e instanceof Stale) continue; // someone updated the record: re-read
        if (e instanceof Deposed) return;
        failures++;
        const msg = e instanceof KvError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
        this.d.log.warn({ jobId, phase: job.phase, err: msg, failures }, 'migration step failed; retrying');
        if (failures % 5 === 1) job = await this.update(job, { lastError: `${job.phase}: ${msg}` }).catch(() => job!);
        await this.checkStall(job, msg);
        await sleep(Math.min(2000, 50 * 2 ** Math.min(failures, 5)));
      }
    }
  }

  /**
   * A job that has not moved for the stall threshold is marked stalled with
   * what is being retried (GetSplitJob, /healthz, a metric), and logged once a
   * minute while it lasts. Progress clears it (see update).
   */
  private async checkStall(job: SplitJob, reason: string): Promise<void> {
    const since = job.progress.lastProgressAt ?? job.progress.phaseStartedAt;
    const stallAfter = this.d.stallAfterMs ?? 60_000;
    if (Date.now() - since < stallAfter) return;
    const why = `${job.phase}: ${reason}`;
    const logged = this.stallLogged.get(job.jobId) ?? 0;
    if (Date.now() - logged >= 60_000) {
      this.stallLogged.set(job.jobId, Date.now());
      this.d.log.warn({ jobId: job.jobId, phase: job.phase, stalledForMs: Date.now() - since, reason: why }, 'migration job stalled');
    }
    if (!job.stalled || job.stallReason !== why) await this.update(job, { stalled: true, stallReason: why }).catch(() => {});
  }

  /** Compare-and-set of the job record (plus an optional catalog change, atomically). */
  private async update(job: SplitJob, patch: Partial<SplitJob>, catalog?: JobCommand['catalog']): Promise<SplitJob> {
    const phaseChanged = patch.phase !== undefined && patch.phase !== job.phase;
    const { next, moved } = patchJob(job, patch, Date.now());
    if (moved) this.stallLogged.delete(job.jobId);
    const res = await this.d.proposeJob({ kind: 'UPDATE', recordJson: encodeJob(next), expectedVersion: job.version, ...(catalog ? { catalog } : {}) });
    if (res.errorCode) {
      if (res.errorMessage?.startsWith('VERSION_MISMATCH') || res.errorMessage?.includes('is DONE') || res.errorMessage?.includes('is ABANDONED')) throw new Stale();
      throw new KvError(res.errorCode as KvError['code'], res.errorMessage ?? res.errorCode);
    }
    const stored = decodeJob(res.stateJson!);
    if (phaseChanged) this.d.log.info({ jobId: job.jobId, from: job.phase, to: stored.phase, attempt: stored.attempt }, 'migration phase');
    return stored;
  }

  /** Long loops stop as soon as this node stops leading the default group (a deposed migrator only wastes work: the groups' checks keep it harmless). */
  private stillLeader(): void {
    if (!this.d.leaderSm() || this.stopped) throw new Deposed('no longer the default-group leader');
  }

  private range(job: SplitJob): { start: Uint8Array; end: Uint8Array } {
    return { start: unhex(job.start), end: unhex(job.end) };
  }

  private base(job: SplitJob): { jobId: number; attempt: number; start: Uint8Array; end: Uint8Array } {
    return { jobId: job.jobId, attempt: job.attempt, ...this.range(job) };
  }

  private async step(job: SplitJob): Promise<void> {
    if (job.abandonRequested && !AFTER_RELEASE.has(job.phase) && job.phase !== 'ABANDONING' && job.phase !== 'CUTOVER') {
      await this.update(job, { phase: 'ABANDONING', retreatedFrom: job.phase });
      return;
    }
    switch (job.phase) {
      case 'CLEAR_TARGET':
        return this.clearTarget(job);
      case 'CAPTURE': {
        const { state } = await this.d.groups.command(job.sourceGroup, { kind: 'BEGIN_CAPTURE', ...this.base(job), peerGroup: job.targetGroup });
        await this.update(job, { phase: 'BACKFILL', captureIndex: state?.captureIndex ?? 0 });
        return;
      }
      case 'BACKFILL':
        return this.backfill(job);
      case 'CATCHUP':
      case 'FINAL_DELTA':
        return this.catchUp(job);
      case 'FENCE': {
        const asked = performance.now();
        const { state } = await this.d.groups.command(job.sourceGroup, { kind: 'FENCE', ...this.base(job) });
        this.fencedAt.set(job.jobId, performance.now());
        this.windowSteps.set(job.jobId, { fence: Math.round(performance.now() - asked) });
        if (state?.state === 'fenced' && (await this.fastCutover(job, state))) return;
        await this.update(job, { phase: 'FINAL_DELTA', fenceEpoch: state?.fenceEpoch ?? 0 });
        return;
      }
      case 'CUTOVER':
        return this.cutover(job);
      case 'VERIFY':
        return this.verify(job);
      case 'CLEANUP':
        return this.cleanup(job);
      case 'ABANDONING':
        return this.retreat(job);
      default:
        return;
    }
  }

  private async clearTarget(job: SplitJob): Promise<void> {
    const pacer = new AdaptivePacer();
    for (;;) {
      const began = Date.now();
      const { state } = await this.d.groups.command(job.targetGroup, { kind: 'CLEAR', ...this.base(job), peerGroup: job.sourceGroup, maxKeys: CLEANUP_BATCH_KEYS });
      if (state?.state === 'importing') break;
      if (state?.state !== 'clearing') throw new Error(`target is ${state?.state ?? 'unknown'} while clearing`);
      const pause = pacer.next(Date.now() - began);
      await (pause > 0 ? sleep(pause) : yieldLoop());
    }
    await this.update(job, { phase: 'CAPTURE' });
  }

  private async backfill(job: SplitJob): Promise<void> {
    const t = await this.targetState(job);
    const c = decodeCursor(unhex(t.cursor));
    if (c.kind === 'change') {
      await this.update(job, { phase: 'CATCHUP' });
      return;
    }
    let cursor = unhex(t.cursor);
    let rows = job.progress.backfillRows;
    let bytes = job.progress.backfillBytes;
    // A cheap size estimate before the copy (the source's storage estimate), refined as the copy passes it.
    let estimate = job.progress.estimatedBytes ?? 0;
    if (estimate === 0) {
      const s = await this.sourceState(job);
      estimate = s.approxBytes ?? 0;
      if (estimate > 0) job = await this.update(job, { progress: { ...job.progress, estimatedBytes: estimate } });
    }
    let lastReport = Date.now();
    let windowBytes = 0;
    let rate = job.progress.rateBytesPerSec;
    const chunks = this.d.groups.export(job.sourceGroup, {
      jobId: String(job.jobId),
      attempt: job.attempt,
      mode: 'BACKFILL',
      ...this.range(job),
      cursor: c.kind === 'backfill' ? Buffer.from(c.position) : Buffer.alloc(0),
      chunkBytes: job.options.chunkBytes,
      rateLimitBytesPerSec: String(job.options.rateLimitBytesPerSec),
      minApplied: String(job.captureIndex),
    });
    const pacer = new AdaptivePacer();
    for await (const chunk of chunks) {
      this.stillLeader();
      const to = chunk.done ? changeCursor(0) : backfillCursor(chunk.nextCursor);
      const began = Date.now();
      const { state } = await this.d.groups.import(job.targetGroup, job.jobId, job.attempt, cursor, to, chunk.rows);
      const b = chunk.rows.reduce((n, r) => n + rowBytes(r), 0);
      // Back off while the target is slow to take a chunk for its size (clients share its log and CPU).
      const pause = pacer.next(Date.now() - began, b);
      if (pause > 0 && !chunk.done) await sleep(pause);
      if (state?.cursor !== hex(to)) throw new Error('the target did not take the chunk at our cursor; resuming from its cursor');
      cursor = to;
      rows += chunk.rows.length;
      bytes += b;
      windowBytes += b;
      this.d.onCopied?.(chunk.rows.length, b);
      // Progress is written at most once per interval; a phase's final numbers always are.
      if (Date.now() - lastReport >= PROGRESS_EVERY_MS) {
        rate = Math.round((windowBytes * 1000) / (Date.now() - lastReport));
        estimate = refinedEstimate(estimate, bytes, false);
        job = await this.update(job, { progress: { ...job.progress, backfillRows: rows, backfillBytes: bytes, rateBytesPerSec: rate, estimatedBytes: estimate } });
        lastReport = Date.now();
        windowBytes = 0;
      }
      if (chunk.done) {
        await this.update(job, { phase: 'CATCHUP', progress: { ...job.progress, backfillRows: rows, backfillBytes: bytes, rateBytesPerSec: rate, estimatedBytes: refinedEstimate(estimate, bytes, true) } });
        return;
      }
    }
    throw new Error('the backfill stream ended early; resuming from the target cursor');
  }

  private async targetState(job: SplitJob): Promise<GroupJobState> {
    const t = await this.d.groups.state(job.targetGroup, job.jobId);
    if (!t || t.attempt !== job.attempt) throw new Error(`target group ${job.targetGroup} has no state for attempt ${job.attempt}`);
    return t;
  }

  private async sourceState(job: SplitJob): Promise<GroupJobState> {
    const s = await this.d.groups.state(job.sourceGroup, job.jobId);
    if (!s || s.attempt !== job.attempt) throw new Error(`source group ${job.sourceGroup} has no state for attempt ${job.attempt}`);
    return s;
  }

  /**
   * The write-unavailable window, kept short: right after Fence, replay to the
   * head the Fence answered with (no write lands in a fenced range), Release,
   * Adopt — without stopping to record each step. The groups still check
   * every step; on any surprise this returns false and the job goes the
   * recorded way (FINAL_DELTA, CUTOVER), which re-reads everything.
   */
  private async fastCutover(job: SplitJob, fenced: GroupJobState): Promise<boolean> {
    const pause = this.d.pauseAt?.();
    if (pause === 'FINAL_DELTA' || pause === 'CUTOVER') return false; // tests hold the job there
    const steps = this.windowSteps.get(job.jobId) ?? {};
    let mark = performance.now();
    const took = (step: string): void => {
      const now = performance.now();
      steps[step] = Math.round(now - mark);
      mark = now;
    };
    try {
      // Where T's cursor is: as T last acknowledged to this migrator (a lower
      // bound: T's cursor only moves forward, along S's change log), or read.
      const known = this.knownSeq.get(job.jobId);
      let from = known?.attempt === job.attempt ? known.seq : undefined;
      if (from === undefined) {
        const c = decodeCursor(unhex((await this.targetState(job)).cursor));
        if (c.kind !== 'change') return false;
        from = c.seq;
        took('readTarget');
      }
      const r = from < fenced.head ? await this.replay(job, from) : { seq: from, rows: 0, bytes: 0 };
      const replayed = r.seq;
      if (replayed !== fenced.head) return false;
      took('finalDelta');
      steps.finalDeltaRows = r.rows;
      const { state: released } = await this.d.groups.command(job.sourceGroup, { kind: 'RELEASE', ...this.base(job), fenceEpoch: fenced.fenceEpoch, head: replayed });
      if (released?.state !== 'released') return false;
      took('release');
      // TEST HOOK: a migrator that stops between Release and Adopt (the source must drive Adopt itself).
      while ((this.d.pauseAt?.() as string | undefined) === 'AFTER_RELEASE' && !this.stopped) await sleep(100);
      const { state: adopted } = await this.d.groups.command(job.targetGroup, { kind: 'ADOPT', ...this.base(job), head: released.head, releaseTs: BigInt(released.releaseTs), safePoint: BigInt(released.releaseSafePoint ?? '0') });
      if (adopted?.state !== 'adopted') return false;
      took('adopt');
      const progress = { ...job.progress, replayedRows: job.progress.replayedRows + r.rows, replayedBytes: job.progress.replayedBytes + r.bytes };
      await this.finishCutover({ ...job, fenceEpoch: fenced.fenceEpoch, progress }, released, adopted);
      return true;
    } catch (e) {
      this.d.log.info({ jobId: job.jobId, err: (e as Error).message }, 'fast cutover did not finish; continuing step by step');
      return false;
    }
  }

  /**
   * Replays the change log from T's cursor to S's head at the time of the
   * read — or, given `untilSeq`, stops once T holds that seq (the export is
   * cancelled). Returns T's seq after (the caller truncates).
   */
  private async replay(job: SplitJob, fromSeq: number, untilSeq?: number): Promise<{ seq: number; rows: number; bytes: number }> {
    let seq = fromSeq;
    let rows = 0;
    let bytes = 0;
    const chunks = this.d.groups.export(job.sourceGroup, {
      jobId: String(job.jobId),
      attempt: job.attempt,
      mode: 'CHANGE_LOG',
      afterSeq: String(seq),
      chunkBytes: job.options.chunkBytes,
      rateLimitBytesPerSec: String(job.options.rateLimitBytesPerSec),
    });
    for await (const chunk of chunks) {
      this.stillLeader();
      if (chunk.rows.length > 0) {
        const to = changeCursor(chunk.lastSeq);
        const { state } = await this.d.groups.import(job.targetGroup, job.jobId, job.attempt, changeCursor(seq), to, chunk.rows);
        if (state?.cursor !== hex(to)) throw new Error('the target did not take the change-log chunk at our cursor');
        seq = chunk.lastSeq;
        this.knownSeq.set(job.jobId, { attempt: job.attempt, seq });
        rows += chunk.rows.length;
        const b = chunk.rows.reduce((n, r) => n + rowBytes(r), 0);
        bytes += b;
        this.d.onCopied?.(chunk.rows.length, b);
      }
      if (chunk.done || (untilSeq !== undefined && seq >= untilSeq)) break;
    }
    return { seq, rows, bytes };
  }

  /**
   * CATCHUP and FINAL_DELTA. In CATCHUP, replay rounds run back to back (no
   * job write between them) while each leaves less behind, until what is left
   * would replay within the fence budget at the measured rate; the job then
   * records its progress and FENCE in one write. The final delta, replayed
   * while writes wait, is then a few milliseconds of writes.
   */
  private async catchUp(job: SplitJob): Promise<void> {
    let s = await this.sourceState(job);
    const t = await this.targetState(job);
    let d = decideCatchUp(job, s, t, this.replayRate.get(job.jobId));
    if (d.do === 'update') {
      await this.update(job, d.patch);
      return;
    }
    if (d.do !== 'replay') throw new Error(d.do === 'retry' ? d.why : `unexpected decision ${d.do} in ${job.phase}`);
    let seq = d.fromSeq;
    let rows = 0;
    let bytes = 0;
    for (let round = 0; round < CATCHUP_ROUNDS && d.do === 'replay'; round++) {
      const before = s.head - seq;
      const began = performance.now();
      // A CATCHUP round stops at the head it began with: writes that keep pace with the replay are the next round's.
      const r = await this.replay(job, seq, job.phase === 'CATCHUP' ? s.head : undefined);
      if (r.bytes > 0) this.replayRate.set(job.jobId, r.bytes / Math.max(1, performance.now() - began));
      seq = r.seq;
      rows += r.rows;
      bytes += r.bytes;
      if (job.phase !== 'CATCHUP') break; // FINAL_DELTA: the step re-reads and decides
      s = await this.sourceState(job);
      d = decideCatchUp(job, s, { ...t, cursor: hex(changeCursor(seq)) }, this.replayRate.get(job.jobId));
      if (d.do === 'replay' && s.head - seq >= before) break; // writes keep pace with the replay: record, go on
    }
    // What T holds is freed here while the range stays writable; once it is
    // ready to fence the log is freed at CLEANUP (a truncation now would only
    // let the backlog grow before the fence).
    if (d.do !== 'update') await this.truncate(job, seq);
    const progress = { ...job.progress, replayedRows: job.progress.replayedRows + rows, replayedBytes: job.progress.replayedBytes + bytes, changeLogBacklog: Math.max(0, s.head - seq) };
    // The decision's progress is a copy from before the rounds: this round's counters win over it.
    const counted = { replayedRows: progress.replayedRows, replayedBytes: progress.replayedBytes };
    await this.update(job, d.do === 'update' ? { ...d.patch, progress: { ...progress, ...d.patch.progress, ...counted } } : { progress });
  }

  /** Frees the change log T holds (TruncateChangeLog, bounded batches). */
  private async truncate(job: SplitJob, throughSeq: number): Promise<void> {
    for (;;) {
      const { result } = await this.d.groups.command(job.sourceGroup, { kind: 'TRUNCATE_LOG', ...this.base(job), throughSeq, maxKeys: 5000 });
      if (!result.more) return;
    }
  }

  private async cutover(job: SplitJob): Promise<void> {
    // Re-read and decide until both groups are done (each step is one command, checked at apply).
    for (let i = 0; i < 10; i++) {
      const s = await this.sourceState(job);
      const t = await this.targetState(job);
      const d = decideCutover(job, s, t);
      switch (d.do) {
        case 'update':
          await this.update(job, d.patch);
          return;
        case 'release':
          await this.d.groups.command(job.sourceGroup, { kind: 'RELEASE', ...this.base(job), fenceEpoch: d.fenceEpoch, head: d.head });
          continue;
        case 'adopt':
          await this.d.groups.command(job.targetGroup, { kind: 'ADOPT', ...this.base(job), head: d.head, releaseTs: BigInt(d.releaseTs), safePoint: BigInt(s.releaseSafePoint ?? '0') });
          continue;
        case 'finish-cutover':
          return this.finishCutover(job, s, t);
        default:
          throw new Error(d.do === 'retry' ? d.why : `unexpected decision ${d.do} at cutover`);
      }
    }
    throw new Error('cutover did not settle; re-reading');
  }

  private async finishCutover(job: SplitJob, s: GroupJobState, t: GroupJobState): Promise<void> {
    const fenced = this.fencedAt.get(job.jobId);
    const windows = [...job.progress.fenceWindowsMs];
    if (fenced !== undefined) {
      const ms = Math.round(performance.now() - fenced);
      windows.push(ms);
      this.fencedAt.delete(job.jobId);
      this.d.onFenceWindow?.(job, ms, this.windowSteps.get(job.jobId) ?? {});
      this.windowSteps.delete(job.jobId);
    }
    const route = this.d.leaderSm()?.catalog?.list().find((r) => r.routeId === job.routeId);
    if (!route) throw new Error(`route ${job.routeId} is gone from the catalog`);
    const catalog = route.groupId === job.targetGroup ? undefined : { kind: 'REASSIGN' as const, routeId: job.routeId, groupId: job.targetGroup, expectedRouteVersion: route.version };
    await this.update(
      job,
      { phase: nextPhase('CUTOVER', job.options.skipVerify), releaseTs: s.releaseTs, floor: t.floor, progress: { ...job.progress, fenceWindowsMs: windows, changeLogBacklog: 0 } },
      catalog,
    );
  }

  /**
   * Keys locked in S's frozen copy (MIGRATION.md VERIFY): their locks moved to
   * T, which may since have resolved them, writing versions at or below the
   * floor that S's copy never will. VERIFY and repair skip them.
   */
  private async lockedInSource(job: SplitJob): Promise<Set<string>> {
    const out = new Set<string>();
    const chunks = this.d.groups.export(job.sourceGroup, {
      jobId: String(job.jobId),
      attempt: job.attempt,
      mode: 'BACKFILL',
      ...this.range(job),
      cursor: Buffer.from(LOCKS_CURSOR),
      chunkBytes: job.options.chunkBytes,
      rateLimitBytesPerSec: '0',
      minApplied: String(job.captureIndex),
    });
    for await (const c of chunks) {
      for (const r of c.rows) {
        if (r.family !== FAMILY_LOCK) return out; // past the locks: the records follow
        out.add(hex(r.key));
      }
      if (c.done) break;
    }
    return out;
  }

  /** RepairFromSource: copy to T every version of S's frozen copy (at or below the floor) that T lacks. */
  private async repair(job: SplitJob): Promise<number> {
    const locked = await this.lockedInSource(job);
    const req = { jobId: String(job.jobId), attempt: job.attempt, mode: 'VERIFY' as const, ...this.range(job), maxTs: job.floor, chunkBytes: job.options.chunkBytes };
    const a = rowsOf(this.d.groups.export(job.sourceGroup, req), locked);
    const b = rowsOf(this.d.groups.export(job.targetGroup, req), locked);
    let added = 0;
    let batch: MigrationRow[] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      await this.d.groups.command(job.targetGroup, { kind: 'REPAIR', ...this.base(job), rows: batch });
      added += batch.length;
      batch = [];
    };
    try {
      let y = await b.next();
      for await (const x of a) {
        // Advance T past versions ordered before x (storage order: key asc, ts desc).
        while (!y.done && (compareBytes(y.value.key, x.key) < 0 || (compareBytes(y.value.key, x.key) === 0 && y.value.ts > x.ts))) y = await b.next();
        const present = !y.done && compareBytes(y.value.key, x.key) === 0 && y.value.ts === x.ts;
        // Only adds: a version T holds with another value stays as it is (VERIFY reports it again).
        if (!present) batch.push(x);
        if (batch.length >= 500) await flush();
      }
      await flush();
    } finally {
      await Promise.allSettled([a.return(undefined), b.return(undefined)]);
    }
    return added;
  }

  /**
   * Merkle comparison of S's frozen copy and T (all versions at or below the
   * floor), each hashed where it lives at a read point in its group's log: only
   * the leaf hashes travel. True if the trees are equal.
   */
  private async merkleEqual(job: SplitJob, locked: ReadonlySet<string>): Promise<{ equal: boolean; leaves: number }> {
    const range = this.range(job);
    const excludeKeys = [...locked].map(unhex);
    const point = async (group: number): Promise<{ leader: number; index: number; id: Uint8Array }> => {
      const id = randomBytes(16);
      const { result, leader } = await this.d.groups.propose(group, { kind: 'DIGEST', requestId: new Uint8Array(0), proposedTs: 0n, key: id });
      return { leader, index: result.index ?? 0, id };
    };
    const [s, t] = await Promise.all([point(job.sourceGroup), point(job.targetGroup)]);
    const upToTs = BigInt(job.floor);
    const ref = await this.d.groups.digestLeaves(s.leader, { groupId: job.sourceGroup, digestId: s.id, index: s.index, ...range, upToTs, boundaries: [], excludeKeys });
    const mine = await this.d.groups.digestLeaves(t.leader, { groupId: job.targetGroup, digestId: t.id, index: t.index, ...range, upToTs, boundaries: ref.boundaries, excludeKeys });
    const a = buildTree(ref.hashes);
    const b = buildTree(mine.hashes);
    return { equal: a.length === b.length && root(a).equals(root(b)), leaves: ref.hashes.length };
  }

  /** S's frozen copy against T: every MVCC version at or below the floor must match. */
  private async verify(job: SplitJob): Promise<void> {
    const locked = await this.lockedInSource(job);
    if (!job.repair) {
      // The cheap way first: equal Merkle roots prove the copies equal; otherwise compare the
      // versions to name the difference.
      const m = await this.merkleEqual(job, locked).catch((e: unknown) => {
        this.d.log.warn({ jobId: job.jobId, err: (e as Error).message }, 'Merkle verification did not finish; comparing the copies row by row');
        return undefined;
      });
      if (m?.equal) {
        await this.update(job, { phase: 'CLEANUP', verifyResult: `ok: Merkle roots over ${m.leaves} leaves of the versions at or below the floor are equal` });
        return;
      }
    }
    if (job.repair) {
      const added = await this.repair(job);
      this.d.log.warn({ jobId: job.jobId, added }, 'repaired the target from the source copy');
      job = await this.update(job, { repair: false, lastError: `repaired: ${added} versions added to the target from the source copy` });
    }
    const req = { jobId: String(job.jobId), attempt: job.attempt, mode: 'VERIFY' as const, ...this.range(job), maxTs: job.floor, chunkBytes: job.options.chunkBytes };
    const a = rowsOf(this.d.groups.export(job.sourceGroup, req), locked);
    const b = rowsOf(this.d.groups.export(job.targetGroup, req), locked);
    let n = 0;
    let diff: string | undefined;
    try {
      for (;;) {
        const [x, y] = await Promise.all([a.next(), b.next()]);
        if (x.done && y.done) break;
        diff = x.done ? `only on the target: ${describe(y.value as MigrationRow)}` : y.done ? `only on the source: ${describe(x.value)}` : differ(x.value, y.value);
        if (diff) break;
        n++;
      }
    } finally {
      await Promise.allSettled([a.return(undefined), b.return(undefined)]);
    }
    if (diff) {
      await this.update(job, { phase: 'FAILED', retreatedFrom: 'VERIFY', verifyResult: `mismatch after ${n} equal versions: ${diff}`, lastError: 'verification failed; the source copy is kept' });
      return;
    }
    await this.update(job, { phase: 'CLEANUP', verifyResult: `ok: ${n} versions at or below the floor are equal` });
  }

  private async cleanup(job: SplitJob): Promise<void> {
    const due = job.progress.phaseStartedAt + job.options.cleanupGraceMs;
    if (Date.now() < due) {
      await sleep(Math.min(1000, due - Date.now()));
      return;
    }
    // Deleting the source copy is bulk work on a group that keeps serving its
    // other ranges: small batches (each one Raft entry applied by every
    // replica), paced by how fast the source takes them.
    const pacer = new AdaptivePacer(CLEANUP_PACER);
    let resume: Uint8Array = new Uint8Array(0);
    for (;;) {
      const began = Date.now();
      const { result } = await this.d.groups.command(job.sourceGroup, { kind: 'CLEANUP', ...this.base(job), maxKeys: CLEANUP_BATCH_KEYS, fromCursor: resume });
      if (!result.more) break;
      resume = result.resumeKey;
      const pause = pacer.next(Date.now() - began);
      await (pause > 0 ? sleep(pause) : yieldLoop());
    }
    await this.truncate(job, (await this.sourceState(job)).head);
    // The target's copy was verified: its range may be garbage-collected like any other now.
    await this.d.groups.command(job.targetGroup, { kind: 'FINISH', ...this.base(job) });
    await this.update(job, { phase: 'DONE' });
  }

  /**
   * One retreat path for abandon, change-log overflow and exhausted fence
   * rounds: Abandon confirmed at S first (if S answers that it released, roll
   * forward instead), then T's interval is abandoned and cleared.
   */
  private async retreat(job: SplitJob): Promise<void> {
    try {
      await this.d.groups.command(job.sourceGroup, { kind: 'ABANDON', ...this.base(job) });
    } catch (e) {
      if (e instanceof KvError && e.message.includes('RELEASED')) {
        await this.update(job, { phase: 'CUTOVER', lastError: 'abandon refused: the source already released the range; rolling forward' });
        return;
      }
      throw e;
    }
    try {
      await this.d.groups.command(job.targetGroup, { kind: 'ABANDON', ...this.base(job) });
    } catch (e) {
      if (e instanceof KvError && e.message.includes('ADOPTED')) {
        await this.update(job, { phase: 'CUTOVER', lastError: 'abandon refused: the target already adopted the range; rolling forward' });
        return;
      }
      if (!(e instanceof KvError && e.message.includes('no such attempt'))) throw e;
    }
    for (;;) {
      const t = await this.d.groups.state(job.targetGroup, job.jobId);
      if (!t || t.attempt !== job.attempt || t.state === 'removed') break;
      await this.d.groups.command(job.targetGroup, { kind: 'CLEAR', ...this.base(job), peerGroup: job.sourceGroup, maxKeys: 10_000 });
    }
    const s = await this.d.groups.state(job.sourceGroup, job.jobId);
    if (s && s.attempt === job.attempt) await this.truncate(job, s.head);
    const next = afterRetreat(job);
    if (next.phase === 'CLEAR_TARGET') {
      await this.update(job, { phase: 'CLEAR_TARGET', attempt: next.attempt, fenceAttempts: 0 });
      return;
    }
    const route = this.d.leaderSm()?.catalog?.list().find((r) => r.routeId === job.routeId);
    const catalog = route && route.state === 'MOVING' ? { kind: 'SET_STATE' as const, routeId: route.routeId, state: 'ACTIVE' as const, expectedRouteVersion: route.version } : undefined;
    await this.update(job, { phase: next.phase }, catalog);
  }
}

/** The rows of an export, leaving out the keys in `skip` (hex). */
async function* rowsOf(chunks: AsyncIterable<{ rows: MigrationRow[] }>, skip: ReadonlySet<string> = new Set()): AsyncGenerator<MigrationRow> {
  for await (const c of chunks) {
    for (const r of c.rows) if (skip.size === 0 || !skip.has(hex(r.key))) yield r;
  }
}

/** An export cursor at the start of the lock family (src/migration/exporter.ts phase 3). */
const LOCKS_CURSOR = Uint8Array.of(3);

function describe(r: MigrationRow): string {
  return `key ${Buffer.from(r.key).toString('hex')} @ ${r.ts}`;
}

function differ(a: MigrationRow, b: MigrationRow): string | undefined {
  if (compareBytes(a.key, b.key) !== 0 || a.ts !== b.ts) return `source has ${describe(a)}, target has ${describe(b)}`;
  if (a.tombstone !== b.tombstone || compareBytes(a.value, b.value) !== 0) return `values differ at ${describe(a)}`;
  return undefined;
}

/** Keys deleted per CLEANUP / CLEAR command (one Raft entry each, applied by every replica). */
const CLEANUP_BATCH_KEYS = 2000;

export type { Phase };
