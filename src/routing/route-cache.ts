// A local copy of the route catalog (on every node and in the SDK), fed by
// WatchRoutes events and ListRoutes answers. It is only a routing hint: the
// groups decide ownership, so a stale copy costs a NOT_OWNER retry, never a
// wrong answer.
//
// Deltas must arrive in order (version = current + 1) and leave the routes
// tiling the key space; anything else is refused, and the caller resyncs with
// a full catalog.

import { compareBytes } from '../runtime/bytes.js';
import { RouteCatalog, findRouteIndex, routesOverlapping, type RouteDescriptor, type RoutePart } from './catalog.js';

export interface RouteEventLike {
  readonly version: number;
  readonly reset: boolean;
  readonly routes: readonly RouteDescriptor[];
}

export interface LeaderHint {
  readonly nodeId: number;
  readonly address: string;
}

export class RouteCache {
  private list: readonly RouteDescriptor[];
  private ver: number;
  private readonly leaderHints = new Map<number, LeaderHint>();
  private readonly listeners = new Set<(version: number) => void>();
  /** Ranges a group answered ROUTE_MOVED for, until the catalog catches up (MIGRATION.md CUTOVER). */
  private moved: RouteDescriptor[] = [];
  private effective: readonly RouteDescriptor[] | undefined;

  /**
   * `initial`: a provisional table (version 0) used until the first catalog
   * arrives. Without one, every key maps to group 0 (unknown) until then.
   */
  constructor(initial?: readonly RouteDescriptor[]) {
    if (initial) {
      const problem = RouteCatalog.tilingProblem(initial);
      if (problem) throw new Error(`initial routes: ${problem}`);
    }
    this.list = initial ?? [{ routeId: 0, start: new Uint8Array(0), end: new Uint8Array(0), groupId: 0, state: 'ACTIVE', version: 0 }];
    this.ver = 0;
  }

  get version(): number {
    return this.ver;
  }

  routes(): readonly RouteDescriptor[] {
    return this.list;
  }

  lookup(key: Uint8Array): RouteDescriptor {
    const l = this.view();
    return l[findRouteIndex(l, key)]!;
  }

  overlapping(start: Uint8Array, end: Uint8Array): RoutePart[] {
    return routesOverlapping(this.view(), start, end);
  }

  /**
   * Follows a ROUTE_MOVED answer before the catalog says so: [start, end) is
   * routed to `group` until the next catalog change (clients following
   * ROUTE_MOVED do not wait for the catalog).
   */
  noteMoved(start: Uint8Array, end: Uint8Array, group: number): void {
    this.moved = [...this.moved.filter((m) => !(compareBytes(m.start, start) === 0 && compareBytes(m.end, end) === 0)), { routeId: 0, start, end, groupId: group, state: 'ACTIVE', version: 0 }];
    this.effective = undefined;
  }

  /** The catalog with the ROUTE_MOVED overrides carved in. */
  private view(): readonly RouteDescriptor[] {
    if (this.moved.length === 0) return this.list;
    if (this.effective) return this.effective;
    let routes = [...this.list];
    for (const m of this.moved) {
      const out: RouteDescriptor[] = [];
      for (const r of routes) {
        const rEndsBefore = r.end.byteLength > 0 && compareBytes(r.end, m.start) <= 0;
        const rStartsAfter = m.end.byteLength > 0 && compareBytes(r.start, m.end) >= 0;
        if (rEndsBefore || rStartsAfter) {
          out.push(r);
          continue;
        }
        if (compareBytes(r.start, m.start) < 0) out.push({ ...r, end: m.start });
        if (m.end.byteLength > 0 && (r.end.byteLength === 0 || compareBytes(r.end, m.end) > 0)) out.push({ ...r, start: m.end });
      }
      out.push(m);
      routes = out.sort((a, b) => compareBytes(a.start, b.start));
    }
    this.effective = routes;
    return routes;
  }

  leader(group: number): LeaderHint | undefined {
    return this.leaderHints.get(group);
  }

  setLeader(group: number, hint: LeaderHint | undefined): void {
    if (hint && hint.address) this.leaderHints.set(group, hint);
    else this.leaderHints.delete(group);
  }

  /** Calls `f(version)` after every change; returns the unsubscribe function. */
  onChange(f: (version: number) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  /** TEST HOOK: installs `routes` as they are (a stale cache on purpose), keeping the version. */
  force(routes: readonly RouteDescriptor[]): void {
    const problem = RouteCatalog.tilingProblem(routes);
    if (problem) throw new Error(`routes: ${problem}`);
    this.list = [...routes].sort((a, b) => compareBytes(a.start, b.start));
  }

  /**
   * Applies a watch event or a full listing. Returns false if a delta does not
   * follow the current version or would break the tiling (the caller resyncs).
   * Older events are ignored (true).
   */
  apply(ev: RouteEventLike): boolean {
    // A full listing at our own version replaces the list too (it is the truth at that version).
    if (ev.reset ? ev.version < this.ver : ev.version <= this.ver) return true;
    let next: RouteDescriptor[];
    if (ev.reset) {
      next = [...ev.routes];
    } else {
      if (ev.version !== this.ver + 1) return false;
      next = this.list.filter((r) => !ev.routes.some((c) => c.routeId === r.routeId || overlaps(c, r)));
      next.push(...ev.routes);
    }
    next.sort((a, b) => compareBytes(a.start, b.start));
    if (RouteCatalog.tilingProblem(next)) return false;
    this.list = next;
    this.ver = ev.version;
    this.moved = [];
    this.effective = undefined;
    for (const f of this.listeners) f(this.ver);
    return true;
  }
}

function overlaps(a: RouteDescriptor, b: RouteDescriptor): boolean {
  const aEndsBefore = a.end.byteLength > 0 && compareBytes(a.end, b.start) <= 0;
  const bEndsBefore = b.end.byteLength > 0 && compareBytes(b.end, a.start) <= 0;
  return !aEndsBefore && !bEndsBefore;
}
