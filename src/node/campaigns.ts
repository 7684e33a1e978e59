// Campaign admission: a node lets at most `limit` of its groups campaign at
// once (pre-candidate or candidate). A cluster's first start opens thousands
// of groups whose designated voter campaigns at once, and a node's crash
// leaves thousands leaderless together; unbounded, every one of them sends its
// pre-votes, votes and first appends in the same few ticks, the per-peer
// queues overflow, messages drop, and elections time out and start over (at
// 10,000 groups no group was led after minutes: docs/benchmarks.md). Bounded,
// the groups elect in waves that each complete. A group that is deferred stays
// a follower and takes any leader it hears; its timer fires again in 1–2 ticks.

import { StateRole } from '../raft/index.js';

/** Groups of one node that may campaign at once. */
export const MAX_CAMPAIGNS_PER_NODE = 128;

export class CampaignAdmission {
  private readonly campaigning = new Set<number>();
  /** Campaigns admitted and deferred (metrics). */
  readonly stats = { admitted: 0, deferred: 0 };

  constructor(readonly limit = MAX_CAMPAIGNS_PER_NODE) {}

  /** Whether `group` may campaign now; admitted, it holds a slot until its role settles (roleChanged). */
  admit(group: number): boolean {
    if (this.campaigning.has(group)) return true; // a pre-candidate asking again
    if (this.campaigning.size >= this.limit) {
      this.stats.deferred++;
      return false;
    }
    this.campaigning.add(group);
    this.stats.admitted++;
    return true;
  }

  /** A replica's role changed: a follower or leader frees its slot. */
  roleChanged(group: number, role: StateRole): void {
    if (role === StateRole.Follower || role === StateRole.Leader) this.campaigning.delete(group);
  }

  /** The replica stopped (removed from its group). */
  forget(group: number): void {
    this.campaigning.delete(group);
  }

  get inFlight(): number {
    return this.campaigning.size;
  }
}
