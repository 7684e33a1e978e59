// Static route table (until the catalog of the distribution layer replaces
// it): half-open key ranges [start, end) that tile the key space, each owned
// by one group. An empty `end` means +∞.

import { compareBytes } from '../storage/keys.js';

export interface Route {
  readonly start: Uint8Array;
  /** Empty: unbounded. */
  readonly end: Uint8Array;
  readonly group: number;
}

export class RouteTable {
  readonly routes: readonly Route[];

  constructor(routes: readonly Route[]) {
    const sorted = [...routes].sort((a, b) => compareBytes(a.start, b.start));
    if (sorted.length === 0) throw new Error('route table is empty');
    if (sorted[0]!.start.byteLength !== 0) throw new Error('routes must start at the empty key');
    for (let i = 0; i < sorted.length; i++) {
      const r = sorted[i]!;
      const last = i === sorted.length - 1;
      if (last && r.end.byteLength !== 0) throw new Error('the last route must end at +∞ (empty end)');
      if (!last) {
        if (r.end.byteLength === 0 || compareBytes(r.end, sorted[i + 1]!.start) !== 0) {
          throw new Error(`routes must tile the key space: route ${i} ends where route ${i + 1} starts`);
        }
        if (compareBytes(r.start, r.end) >= 0) throw new Error(`route ${i} is empty or inverted`);
      }
    }
    this.routes = sorted;
  }

  lookup(key: Uint8Array): Route {
    let lo = 0;
    let hi = this.routes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (compareBytes(this.routes[mid]!.start, key) <= 0) lo = mid;
      else hi = mid - 1;
    }
    return this.routes[lo]!;
  }

  /** Routes overlapping [start, end) in key order, each clipped to the range. */
  overlapping(start: Uint8Array, end: Uint8Array): Route[] {
    const out: Route[] = [];
    for (const r of this.routes) {
      const rEndsBefore = r.end.byteLength > 0 && compareBytes(r.end, start) <= 0;
      const rStartsAfter = end.byteLength > 0 && compareBytes(r.start, end) >= 0;
      if (rEndsBefore || rStartsAfter) continue;
      const s = compareBytes(r.start, start) > 0 ? r.start : start;
      let e: Uint8Array;
      if (end.byteLength === 0) e = r.end;
      else if (r.end.byteLength === 0) e = end;
      else e = compareBytes(r.end, end) < 0 ? r.end : end;
      out.push({ start: s, end: e, group: r.group });
    }
    return out;
  }
}
