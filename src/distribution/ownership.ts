// What one group serves: the key intervals its own applied state says it owns.
//
// This, not the catalog, is the truth about ownership (DESIGN.md §7): every
// read and write checks its whole footprint against the group's map — writes
// when they apply, reads after their read barrier — so a request routed by a
// stale cache gets NOT_OWNER (refresh and retry), never a wrong or empty answer.
// The map changes only through the group's own log (bootstrap, and later the
// migration plane's ownership commands). Pure and deterministic.

import { compareBytes } from '../storage/keys.js';

/** Only `owned` so far; the migration plane adds its states (MIGRATION.md, per-group ownership map). */
export type OwnershipState = 'owned';

export interface OwnedInterval {
  readonly start: Uint8Array;
  /** Exclusive; empty: +∞. */
  readonly end: Uint8Array;
  readonly state: OwnershipState;
}

/** Why a footprint is not served: the owned interval around its start, if any. */
export interface NotOwned {
  readonly owned?: { readonly start: Uint8Array; readonly end: Uint8Array };
}

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
        if (compareBytes(prev.end, iv.start) === 0 && prev.state === iv.state) {
          merged[merged.length - 1] = { start: prev.start, end: iv.end, state: prev.state };
          continue;
        }
      }
      merged.push({ start: iv.start, end: iv.end, state: iv.state });
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
    let lo = 0;
    let hi = this.list.length - 1;
    let found: OwnedInterval | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const iv = this.list[mid]!;
      if (compareBytes(iv.start, key) <= 0) {
        found = iv;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found && !endsBefore(found.end, key) ? found : undefined;
  }

  /**
   * Undefined if the group serves the whole footprint: one key (`end`
   * undefined) or [start, end) (`end` empty: +∞). Otherwise what it does serve
   * around `start`, for the NOT_OWNER answer.
   */
  check(start: Uint8Array, end?: Uint8Array): NotOwned | undefined {
    const iv = this.find(start);
    if (!iv || iv.state !== 'owned') return iv ? { owned: { start: iv.start, end: iv.end } } : {};
    if (end === undefined) return undefined;
    const covered = iv.end.byteLength === 0 || (end.byteLength > 0 && compareBytes(end, iv.end) <= 0);
    return covered ? undefined : { owned: { start: iv.start, end: iv.end } };
  }

  /** Undefined if every key is served; otherwise the first key that is not and why. */
  checkKeys(keys: Iterable<Uint8Array>): (NotOwned & { key: Uint8Array }) | undefined {
    for (const k of keys) {
      const bad = this.check(k);
      if (bad) return { ...bad, key: k };
    }
    return undefined;
  }
}
