// Foreground-aware pacing of bulk migration steps (MIGRATION.md "Pacing").
//
// The copy shares CPU, disk and Raft logs with client traffic; when the
// machine is busy, every step of the copy (an import through the target's
// log, a cleanup batch through the source's) takes longer. The pacer turns
// that into back-pressure: the migrator works a fraction `duty` of the time
// and sleeps the rest (after a step of `ms`, it sleeps ms × (1/duty − 1)).
// A step slower than `slowMs` halves the duty (down to `minDuty`); a fast one
// adds `step` back (additive increase, multiplicative decrease). A step that
// carries more than `slowPerBytes` is judged by its time per that many bytes:
// a 4 MiB chunk takes four times a 1 MiB one's time without the cluster being
// any busier (with a fixed threshold the copy ran at 1/8 duty, a tenth of its
// speed, whenever chunks were large). On an idle
// cluster the duty climbs to 1 and the copy runs flat out; under load it
// yields most of the time to clients.

export interface PacerOptions {
  /** A step slower than this means the cluster is busy (ms)... */
  readonly slowMs: number;
  /** ...per this many bytes of the step, for steps that carry more (default: the threshold is per step). */
  readonly slowPerBytes?: number;
  readonly minDuty: number;
  readonly initialDuty: number;
  /** Additive increase per fast step. */
  readonly step: number;
  /** The longest sleep between steps (ms). */
  readonly maxSleepMs: number;
  /** The highest duty (default 1: flat out on an idle cluster). */
  readonly maxDuty?: number;
}

/**
 * A step taking over a second means the group's event loops are stalling (a
 * Raft election timeout is 10 ticks, 1 s by default): back off hard. Below
 * that, the copy takes what it can; the per-job and per-node rate limits are
 * the operator's fixed caps.
 */
export const DEFAULT_PACER: PacerOptions = { slowMs: 1000, slowPerBytes: 1 << 20, minDuty: 1 / 8, initialDuty: 0.5, step: 0.05, maxSleepMs: 5000 };

/**
 * Deleting the source's copy after cutover is not urgent (T serves the range)
 * and was the phase clients felt most: its deletes end in LevelDB compactions
 * on every replica. It works at most half the time and backs off on any step
 * over 250 ms.
 */
export const CLEANUP_PACER: PacerOptions = { slowMs: 250, minDuty: 1 / 16, initialDuty: 0.25, step: 0.02, maxSleepMs: 5000, maxDuty: 0.5 };

export class AdaptivePacer {
  private d: number;

  constructor(private readonly o: PacerOptions = DEFAULT_PACER) {
    this.d = o.initialDuty;
  }

  /** The current fraction of time the migrator works (for metrics and job progress). */
  get duty(): number {
    return this.d;
  }

  /** Records a step that took `ms` (and moved `bytes`); returns how long to sleep before the next. */
  next(ms: number, bytes = 0): number {
    const per = this.o.slowPerBytes;
    const slowMs = per !== undefined && bytes > per ? (this.o.slowMs * bytes) / per : this.o.slowMs;
    if (ms > slowMs) this.d = Math.max(this.o.minDuty, this.d / 2);
    else this.d = Math.min(this.o.maxDuty ?? 1, this.d + this.o.step);
    if (this.d >= 1) return 0;
    return Math.min(this.o.maxSleepMs, Math.round(ms * (1 / this.d - 1)));
  }
}
