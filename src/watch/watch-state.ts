// The watch plane's per-group state: the feeds open on this replica, fed by
// the group's applied stream.
//
// Every effect a command writes to a group's data goes through GroupData's
// observers (src/apply/data.ts), inside the batch that writes it. The state
// hands user-data effects (versions) and lock effects (a transaction's
// prewrite and resolution) to each feed whose range holds the key, and tells
// the feeds when the pass is durable, with the group's closed timestamp then:
// that pairing — these effects are in storage, and no later commit is at or
// below this timestamp but a locked key's — is what a feed's resolved
// timestamp is built from (src/watch/feed.ts). Imports (a migration target's
// backfill) do not pass the observers: a target serves no feed until it owns
// its range, and then a feed resumes there from storage.
//
// Nothing here is persisted: feeds live in memory and resume from a resolved
// timestamp after any break. A snapshot install replaces the group's data
// under the feeds, so it breaks them (reload).

import type { GroupMachine } from '../apply/group-machine.js';
import { slot, type PlaneState } from '../apply/handler.js';
import type { MigrationRow } from '../apply/rows.js';
import { FAMILY_LOCK, FAMILY_MVCC } from '../storage/keys.js';

/** What a group's watch state tells a feed. */
export interface FeedTap {
  /** Whether `key` is in the feed's range. */
  covers(key: Uint8Array): boolean;
  /** An effect written in the pass now applying (not yet durable). */
  effect(row: MigrationRow): void;
  /** The pass is durable; `closedTs` is the group's closed timestamp after it. */
  durable(closedTs: bigint): void;
  /** The replica's data was replaced (a snapshot): the feed cannot go on from memory. */
  reset(): void;
}

export const WATCH = slot<WatchState>('watch');

export class WatchState implements PlaneState {
  /** Allocated with the first feed: most groups of a node have none (issue 19 counts bytes per idle group). */
  private feeds: Set<FeedTap> | undefined;

  private constructor(private readonly m: GroupMachine) {}

  static attach(m: GroupMachine): WatchState {
    const s = m.attach(WATCH, new WatchState(m));
    m.data.observe((_b, row) => s.onEffect(row));
    return s;
  }

  get size(): number {
    return this.feeds?.size ?? 0;
  }

  add(f: FeedTap): void {
    (this.feeds ??= new Set()).add(f);
  }

  remove(f: FeedTap): void {
    this.feeds?.delete(f);
    if (this.feeds?.size === 0) this.feeds = undefined;
  }

  private onEffect(row: MigrationRow): void {
    if (!this.feeds) return;
    if (row.family !== FAMILY_MVCC && row.family !== FAMILY_LOCK) return;
    for (const f of this.feeds) if (f.covers(row.key)) f.effect(row);
  }

  reload(): Promise<void> {
    if (this.feeds) for (const f of [...this.feeds]) f.reset();
    return Promise.resolve();
  }

  afterBatch(): void {
    if (!this.feeds) return;
    const closed = this.m.maxTs;
    for (const f of [...this.feeds]) f.durable(closed);
  }
}
