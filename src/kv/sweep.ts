// A background sweep over one family of a group (request ids past retention,
// MVCC versions below the safe point), run by the group's leader in bounded
// steps: each step is one Raft command that scans a bounded batch after a
// cursor and answers where to resume.
//
// The cursor outlives a pass. A pass runs steps until the sweep wraps around
// (the family's end) or a step budget is spent; the next pass continues where
// this one stopped. Restarting every pass from the beginning, as both
// collectors once did, never reaches the tail of a family larger than one
// pass: at 1,000 writes/s the request-id table grew without bound.
//
// A sweep also remembers what its last complete cycle (beginning to end)
// left: the group's write generation when the cycle began, and the lowest
// cutoff at which anything it kept becomes collectible. While the generation
// stands still and the cutoff has not passed that point, a pass would find
// nothing: it is skipped, and the group — quiesced, most likely — is not
// woken by a proposal that collects nothing.

import { sleep, yieldLoop } from '../runtime/backoff.js';

/** One bounded step: what it deleted, and where to resume (more = false: the family's end). */
export interface SweepStep {
  readonly deleted: number;
  readonly more: boolean;
  readonly resumeKey: Uint8Array;
  /** Nothing the step kept becomes collectible at a cutoff at or below this (unset: never, without a write). */
  readonly keptFrom?: bigint;
}

/** A cycle of steps from the family's beginning: the write generation it began at, the lowest keptFrom. */
interface Cycle {
  readonly generation: number;
  keptFrom: bigint | undefined;
}

export class Sweep {
  private cursor: Uint8Array = new Uint8Array(0);
  private running = false;
  private cycle: Cycle | undefined;
  private complete: Cycle | undefined;

  /**
   * Whether a pass at `cutoff` may collect anything, given the group's write
   * generation now: false only when the last complete cycle began at this
   * generation and kept nothing that comes due at or below `cutoff`.
   */
  due(generation: number, cutoff: bigint): boolean {
    const c = this.complete;
    if (!c || c.generation !== generation) return true;
    return c.keptFrom !== undefined && cutoff > c.keptFrom;
  }

  /**
   * Runs steps from the cursor until the sweep wraps around or `maxSteps`
   * ran. Between steps it rests as long as the last step took (at most
   * `maxRestMs`): a step holds its group's apply queue, and client commands
   * queued behind it (or a migration's Release) should not meet another one
   * right away. A pass while another runs does nothing. Returns what was deleted.
   */
  async pass(step: (cursor: Uint8Array) => Promise<SweepStep>, maxSteps: number, maxRestMs = 1000, generation: () => number = () => 0): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let deleted = 0;
    try {
      for (let i = 0; i < maxSteps; i++) {
        const began = performance.now();
        // The generation is read before the step is proposed: a write applied after it is a new one.
        if (this.cursor.byteLength === 0) this.cycle = { generation: generation(), keptFrom: undefined };
        const res = await step(this.cursor);
        deleted += res.deleted;
        this.cursor = res.more ? res.resumeKey : new Uint8Array(0);
        this.fold(res);
        if (!res.more) break;
        const rest = Math.min(maxRestMs, performance.now() - began);
        await (rest >= 1 ? sleep(rest) : yieldLoop());
      }
    } catch (e) {
      this.cycle = undefined; // a failed step: the cycle is not whole
      throw e;
    } finally {
      this.running = false;
    }
    return deleted;
  }

  private fold(res: SweepStep): void {
    const c = this.cycle;
    if (!c) return; // a cycle this sweep did not see begin (a cursor from before a failure)
    if (res.keptFrom !== undefined && (c.keptFrom === undefined || res.keptFrom < c.keptFrom)) c.keptFrom = res.keptFrom;
    if (!res.more) {
      this.complete = c;
      this.cycle = undefined;
    }
  }

  /** No pass is running and the next one would start at the family's beginning. */
  get atStart(): boolean {
    return !this.running && this.cursor.byteLength === 0;
  }

  /**
   * The family was seen to hold nothing at write generation `generation`
   * (read before looking): that is a whole cycle that kept nothing, so the
   * sweep sleeps until a write. A node that just started knows no cycle and
   * proposed a step on every group it led — at 20,000 groups, 80 s of
   * waking, replicating and applying steps that found nothing.
   */
  settleEmpty(generation: number): void {
    if (!this.atStart) return;
    this.complete = { generation, keptFrom: undefined };
    this.cycle = undefined;
  }

  /** Where the next pass starts (empty: the family's beginning). */
  get position(): Uint8Array {
    return this.cursor;
  }
}
