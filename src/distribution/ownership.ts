// What one group serves: the key intervals its own applied state says it owns.
//
// This, not the catalog, is the truth about ownership (DESIGN.md §7): every
// read and write checks its whole footprint against the group's map — writes
// when they apply, reads after their read barrier — so a request routed by a
// stale cache gets NOT_OWNER (refresh and retry), never a wrong or empty answer.
// The map changes only through the group's own log (bootstrap, and later the
// migration plane's ownership commands). Pure and deterministic.

import { compareBytes } from '../runtime/bytes.js';

/**
 * The states of an interval (MIGRATION.md, per-group ownership map):
 * on a source `owned → capturing ⇄ fenced → released`; on a target
 * `clearing → importing → owned`. Abandon returns a source interval to
 * `owned` and removes a target's.
 */
export type OwnershipState = 'owned' | 'capturing' | 'fenced' | 'released' | 'clearing' | 'importing';

export interface OwnedInterval {
  readonly start: Uint8Array;
  /** Exclusive; empty: +∞. */
  readonly end: Uint8Array;
  readonly state: OwnershipState;
  /** The migration job holding the interval (every state but `owned`). */
  readonly jobId?: number;
  /** `released`: the group that now serves the interval. */
  readonly targetGroup?: number;
}

export type RefusalCode = 'NOT_OWNER' | 'ROUTE_MOVED' | 'WRITE_FENCED' | 'RANGE_PENDING';

/** Why a footprint is not served: the code, and the interval around the refused key, if any. */
export interface NotOwned {
  readonly code?: RefusalCode;
  readonly owned?: { readonly start: Uint8Array; readonly end: Uint8Array };
  readonly jobId?: number;
  readonly targetGroup?: number;
}

/** What an interval in `state` does with reads and writes: undefined = served. */
function refusal(state: OwnershipState, mode: 'read' | 'write'): RefusalCode | undefined {
  switch (state) {
    case 'owned':
    case 'capturing':
      return undefined;
    case 'fenced':
      return mode === 'write' ? 'WRITE_FENCED' : undefined;
    case 'released':
      return 'ROUTE_MOVED';
    case 'clearing':
    case 'importing':
      return 'RANGE_PENDING';
  }
}

const sameHolder = (a: OwnedInterval, b: OwnedInterval): boolean => a.state === b.state && a.jobId === b.jobId && a.targetGroup === b.targetGroup;

const endsBefore = (end: Uint8Array, key: Uint8Array): boolean => end.byteLength > 0 && compareBytes(end, key) <= 0;

export class OwnershipMap {
  private readonly list: readonly OwnedInterval[];

  /** Intervals must not overlap; adjacent ones of one state are merged. */
  constructor(intervals: readonly OwnedInterval[]) {
    const sorted = [...intervals].sort((a, b) => compareBytes(a.start, b.start));
    const merged: OwnedInterval[] = [];
    for (const iv of sorted) {
      if (iv.end.byteLength > 0 && compareBytes(iv.start, iv.end) >= 0) throw new Error('ownership interval is empty or inverted');
      const prev = merged[merged.length - 1];
      if (prev) {
        if (prev.end.byteLength === 0 || compareBytes(prev.end, iv.start) > 0) throw new Error('ownership intervals overlap');
        if (compareBytes(prev.end, iv.start) === 0 && sameHolder(prev, iv)) {
          merged[merged.length - 1] = { ...prev, end: iv.end };
          continue;
        }
      }
      merged.push({ ...iv });
    }
    this.list = merged;
  }

  /** The ranges of `group` in a route table. */
  static ofGroup(routes: readonly { start: Uint8Array; end: Uint8Array; groupId: number }[], group: number): OwnershipMap {
    return new OwnershipMap(routes.filter((r) => r.groupId === group).map((r) => ({ start: r.start, end: r.end, state: 'owned' as const })));
  }

  intervals(): readonly OwnedInterval[] {
    return this.list;
  }

  /** The interval containing `key`, if any. */
  find(key: Uint8Array): OwnedInterval | undefined {
    const i = this.indexOf(key);
    return i >= 0 ? this.list[i] : undefined;
  }

  /**
   * Undefined if the group serves the whole footprint for `mode`: one key
   * (`end` undefined) or [start, end) (`end` empty: +∞), across contiguous
   * intervals. Otherwise why not, with the interval around the refused key
   * (for NOT_OWNER: the served interval around `start`, if any).
   */
  check(start: Uint8Array, end?: Uint8Array, mode: 'read' | 'write' = 'read'): NotOwned | undefined {
    let i = this.indexOf(start);
    if (i < 0) return { code: 'NOT_OWNER' };
    const first = this.list[i]!;
    for (;;) {
      const iv = this.list[i]!;
      const code = refusal(iv.state, mode);
      if (code) return { code, owned: { start: iv.start, end: iv.end }, ...(iv.jobId !== undefined ? { jobId: iv.jobId } : {}), ...(iv.targetGroup !== undefined ? { targetGroup: iv.targetGroup } : {}) };
      if (end === undefined || iv.end.byteLength === 0 || (end.byteLength > 0 && compareBytes(end, iv.end) <= 0)) return undefined;
      const next = this.list[i + 1];
      if (!next || compareBytes(next.start, iv.end) !== 0) return { code: 'NOT_OWNER', owned: { start: first.start, end: iv.end } };
      i++;
    }
  }

  /** Undefined if every key is served for `mode`; otherwise the first key that is not and why. */
  checkKeys(keys: Iterable<Uint8Array>, mode: 'read' | 'write' = 'read'): (NotOwned & { key: Uint8Array }) | undefined {
    for (const k of keys) {
      const bad = this.check(k, undefined, mode);
      if (bad) return { ...bad, key: k };
    }
    return undefined;
  }

  /** Intervals overlapping [start, end), clipped to it. */
  overlapping(start: Uint8Array, end: Uint8Array): OwnedInterval[] {
    const out: OwnedInterval[] = [];
    for (const iv of this.list) {
      if (endsBefore(iv.end, start)) continue;
      if (end.byteLength > 0 && compareBytes(iv.start, end) >= 0) break;
      const s = compareBytes(iv.start, start) > 0 ? iv.start : start;
      const e = end.byteLength === 0 ? iv.end : iv.end.byteLength === 0 || compareBytes(end, iv.end) < 0 ? end : iv.end;
      out.push({ ...iv, start: s, end: e });
    }
    return out;
  }

  /** A new map where [start, end) is exactly `iv` (or served by nothing, if `iv` is undefined). */
  with(start: Uint8Array, end: Uint8Array, iv: Omit<OwnedInterval, 'start' | 'end'> | undefined): OwnershipMap {
    const out: OwnedInterval[] = [];
    for (const x of this.list) {
      // The parts of x outside [start, end).
      if (compareBytes(x.start, start) < 0) out.push({ ...x, end: endsBefore(x.end, start) ? x.end : start });
      if (end.byteLength > 0 && (x.end.byteLength === 0 || compareBytes(x.end, end) > 0)) out.push({ ...x, start: compareBytes(x.start, end) > 0 ? x.start : end });
    }
    if (iv) out.push({ ...iv, start, end });
    return new OwnershipMap(out);
  }

  /** Whether any interval is held by a migration job (capture or import in progress). */
  busy(): boolean {
    return this.list.some((iv) => iv.state !== 'owned' && iv.state !== 'released');
  }

  private indexOf(key: Uint8Array): number {
    let lo = 0;
    let hi = this.list.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (compareBytes(this.list[mid]!.start, key) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && !endsBefore(this.list[found]!.end, key) ? found : -1;
  }
}
