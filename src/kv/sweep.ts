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

/** One bounded step: what it deleted, and where to resume (more = false: the family's end). */
export interface SweepStep {
  readonly deleted: number;
  readonly more: boolean;
  readonly resumeKey: Uint8Array;
}

export class Sweep {
  private cursor: Uint8Array = new Uint8Array(0);
  private running = false;

  /**
   * Runs steps from the cursor until the sweep wraps around or `maxSteps`
   * ran. Between steps it rests as long as the last step took (at most
   * `maxRestMs`): a step holds its group's apply queue, and client commands
   * queued behind it (or a migration's Release) should not meet another one
   * right away. A pass while another runs does nothing. Returns what was deleted.
   */
  async pass(step: (cursor: Uint8Array) => Promise<SweepStep>, maxSteps: number, maxRestMs = 1000): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let deleted = 0;
    try {
      for (let i = 0; i < maxSteps; i++) {
        const began = performance.now();
        const res = await step(this.cursor);
        deleted += res.deleted;
        this.cursor = res.more ? res.resumeKey : new Uint8Array(0);
        if (!res.more) break;
        const rest = Math.min(maxRestMs, performance.now() - began);
        await new Promise((resolve) => (rest >= 1 ? setTimeout(resolve, rest) : setImmediate(resolve)));
      }
    } finally {
      this.running = false;
    }
    return deleted;
  }

  /** Where the next pass starts (empty: the family's beginning). */
  get position(): Uint8Array {
    return this.cursor;
  }
}
