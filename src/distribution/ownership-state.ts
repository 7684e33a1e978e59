// A group's ownership map as part of its replicated state (DESIGN.md §7): the
// truth about what the group serves. It installs the group machine's gate —
// every client command's footprint is checked here at apply (and by a leader
// before proposing) — and a hold source: bulk work passes over intervals the
// group does not plainly own (a migration holds them) and keeps keys it does
// not serve at all. Changed only through the group's log (bootstrap, and the
// migration plane's ownership commands, which call `set`).

import { EMPTY_RESULT, type KvResult } from '../apply/commands.js';
import type { GroupMachine } from '../apply/group-machine.js';
import { slot, type PlaneState, type Served } from '../apply/handler.js';
import type { StorageBatch } from '../storage/db.js';
import { stateKey } from '../storage/keys.js';
import { decodeOwnership, encodeOwnership } from './ownership-codec.js';
import { OwnershipMap, type NotOwned } from './ownership.js';

/** How long a client waits before retrying a fenced write (the fence window is short). */
const FENCE_RETRY_MS = 20;

export const OWNERSHIP = slot<OwnershipState>('ownership');

export class OwnershipState implements PlaneState {
  map = new OwnershipMap([]);
  private changed = false;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly m: GroupMachine) {
    m.setGate((serves) => {
      const bad = this.check(serves);
      return bad ? refusedResult(m.group, bad) : undefined;
    });
    m.addHolds({
      heldAt: (key) => {
        const iv = this.map.find(key);
        if (!iv) return {}; // not served here: kept, not passed over
        return iv.state === 'owned' ? undefined : { end: iv.end };
      },
      overlaps: (start, end) => this.map.overlapping(start, end).some((iv) => iv.state !== 'owned'),
    });
  }

  static attach(m: GroupMachine): OwnershipState {
    return m.attach(OWNERSHIP, new OwnershipState(m));
  }

  /** Writes a new group's initial ownership in the batch that bootstraps it. */
  static writeBootstrap(b: StorageBatch, group: number, owned: OwnershipMap): void {
    b.put(stateKey(group, 'ownership'), encodeOwnership(owned));
  }

  async reload(): Promise<void> {
    const o = await this.m.db.level.get(stateKey(this.m.group, 'ownership'));
    this.map = o === undefined ? new OwnershipMap([]) : decodeOwnership(o);
    this.wake();
  }

  /** The first part of a footprint the group does not serve, or undefined. */
  check(serves: readonly Served[]): (NotOwned & { key?: Uint8Array }) | undefined {
    for (const s of serves) {
      const bad = (s.keys && s.keys.length > 0 ? this.map.checkKeys(s.keys, s.mode) : undefined) ?? firstBad(this.map, s);
      if (bad) return bad;
    }
    return undefined;
  }

  /** Replaces the map (an ownership command's apply); persisted in `b`, waiters woken after the batch. */
  set(b: StorageBatch, next: OwnershipMap): void {
    this.changed = true;
    this.map = next;
    b.put(stateKey(this.m.group, 'ownership'), encodeOwnership(next));
  }

  afterBatch(): void {
    if (!this.changed) return;
    this.changed = false;
    this.wake();
  }

  /** Resolves after the next applied batch that changed ownership, or after `ms` (a fenced write waits here). */
  change(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        resolve();
      }, ms);
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.add(wake);
    });
  }

  private wake(): void {
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }
}

function firstBad(map: OwnershipMap, s: Served): NotOwned | undefined {
  for (const r of s.ranges ?? []) {
    const bad = map.check(r.start, r.end, s.mode);
    if (bad) return bad;
  }
  return undefined;
}

/** The result of a client command refused by the ownership map. */
export function refusedResult(group: number, bad: NotOwned): KvResult {
  const code = bad.code ?? 'NOT_OWNER';
  const message =
    code === 'ROUTE_MOVED'
      ? `group ${group} moved this range to group ${bad.targetGroup ?? '?'} (job ${bad.jobId ?? '?'})`
      : code === 'WRITE_FENCED'
        ? `group ${group}: the range is fenced for a moment by job ${bad.jobId ?? '?'}; retry`
        : code === 'RANGE_PENDING'
          ? `group ${group} is still importing this range (job ${bad.jobId ?? '?'}); retry`
          : `group ${group} does not serve this key range; refresh routes`;
  return {
    ...EMPTY_RESULT,
    succeeded: false,
    errorCode: code,
    errorMessage: message,
    ...(bad.owned ? { owned: bad.owned } : {}),
    ...(bad.jobId !== undefined ? { jobId: bad.jobId } : {}),
    ...(bad.targetGroup !== undefined ? { movedToGroup: bad.targetGroup } : {}),
    ...(code === 'WRITE_FENCED' || code === 'RANGE_PENDING' ? { retryAfterMs: FENCE_RETRY_MS } : {}),
  };
}
