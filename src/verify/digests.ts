// Replica verification read points (DESIGN.md §9): a DIGEST command in a
// group's log makes every replica snapshot its state at that entry, so their
// Merkle trees compare the same applied index. Not replicated state: a
// LevelDB snapshot handle in memory, released after DIGEST_TTL_MS.

import type { GroupMachine } from '../apply/group-machine.js';
import { slot, type PlaneState } from '../apply/handler.js';
import type { NodeDb } from '../storage/db.js';

/** How long a replica keeps a verification read point. */
const DIGEST_TTL_MS = 120_000;

export type DbSnapshot = ReturnType<NodeDb['level']['snapshot']>;

export const DIGESTS = slot<Digests>('verification read points');

export class Digests implements PlaneState {
  private readonly points = new Map<string, { snapshot: DbSnapshot; index: number; timer: NodeJS.Timeout }>();

  constructor(private readonly m: GroupMachine) {}

  static attach(m: GroupMachine): Digests {
    return m.attach(DIGESTS, new Digests(m));
  }

  /** Nothing to read back: read points do not survive a restart or a snapshot install. */
  reload(): Promise<void> {
    return Promise.resolve();
  }

  take(id: string, index: number): void {
    if (this.points.has(id)) return;
    const snapshot = this.m.db.level.snapshot();
    const timer = setTimeout(() => this.release(id), DIGEST_TTL_MS);
    timer.unref();
    this.points.set(id, { snapshot, index, timer });
  }

  /** The snapshot of a read point, if this replica applied it (and it has not expired). */
  get(id: string): { snapshot: DbSnapshot; index: number } | undefined {
    return this.points.get(id);
  }

  release(id: string): void {
    const d = this.points.get(id);
    if (!d) return;
    this.points.delete(id);
    clearTimeout(d.timer);
    d.snapshot.close().catch(() => {});
  }
}
