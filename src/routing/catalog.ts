// The route catalog: the directory of which group owns which key range.
//
// Pure and deterministic (it will run inside the default group's state
// machine): every change is one command that re-checks the invariant — the
// routes tile the whole key space, with no gap, no overlap and one owner each
// — and is rejected, leaving the catalog untouched, if it would break it or
// if its preconditions (expected catalog version, route state) do not hold.
// Every accepted change bumps the catalog version and the changed routes'
// versions. Keys are bytes; an empty `end` means +∞.
//
// Ownership truth lives in each group's own state machine (DESIGN.md §7);
// this catalog is what clients and nodes route by.

import { compareBytes } from '../runtime/bytes.js';

export type RouteState = 'ACTIVE' | 'MOVING';

export interface RouteDescriptor {
  readonly routeId: number;
  readonly start: Uint8Array;
  /** Exclusive; empty: +∞. */
  readonly end: Uint8Array;
  readonly groupId: number;
  readonly state: RouteState;
  /** Catalog version at which this route last changed. */
  readonly version: number;
}

export type CatalogCommand =
  /** Splits the route containing `splitKey` at it (same group). Idempotent: a split that exists is a no-op. */
  | { readonly kind: 'SPLIT'; readonly splitKey: Uint8Array; readonly expectedVersion?: number }
  /** Marks a route as moving / active (the migration plane). */
  | { readonly kind: 'SET_STATE'; readonly routeId: number; readonly state: RouteState; readonly expectedRouteVersion: number }
  /** Hands a route to another group (cutover); the route becomes ACTIVE there. */
  | { readonly kind: 'REASSIGN'; readonly routeId: number; readonly groupId: number; readonly expectedRouteVersion: number };

export type CatalogErrorCode = 'INVALID_ARGUMENT' | 'VERSION_MISMATCH' | 'NOT_FOUND' | 'ROUTE_BUSY';

export type CatalogResult =
  | { readonly ok: true; readonly version: number; readonly changed: readonly RouteDescriptor[]; readonly noop: boolean }
  | { readonly ok: false; readonly code: CatalogErrorCode; readonly message: string };

export const MAX_SPLIT_KEY_BYTES = 4096;

function isInfinite(end: Uint8Array): boolean {
  return end.byteLength === 0;
}

/** The stored form of a catalog (one record in the default group's state). */
export interface CatalogImage {
  readonly version: number;
  readonly nextRouteId: number;
  readonly routes: readonly RouteDescriptor[];
}

/** Index of the route containing `key` in routes sorted by start that tile the key space. */
export function findRouteIndex(routes: readonly Pick<RouteDescriptor, 'start'>[], key: Uint8Array): number {
  let lo = 0;
  let hi = routes.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (compareBytes(routes[mid]!.start, key) <= 0) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A route clipped to a requested range. */
export interface RoutePart {
  readonly route: RouteDescriptor;
  readonly start: Uint8Array;
  /** Exclusive; empty: +∞. */
  readonly end: Uint8Array;
}

/** The routes overlapping [start, end) in key order, each clipped to the range (end empty: +∞). */
export function routesOverlapping(routes: readonly RouteDescriptor[], start: Uint8Array, end: Uint8Array): RoutePart[] {
  const out: RoutePart[] = [];
  for (let i = findRouteIndex(routes, start); i < routes.length; i++) {
    const r = routes[i]!;
    if (!isInfinite(end) && compareBytes(r.start, end) >= 0) break;
    const s = compareBytes(r.start, start) > 0 ? r.start : start;
    let e: Uint8Array;
    if (isInfinite(end)) e = r.end;
    else if (isInfinite(r.end)) e = end;
    else e = compareBytes(r.end, end) < 0 ? r.end : end;
    out.push({ route: r, start: s, end: e });
  }
  return out;
}

/** key ∈ [start, end) */
export function routeContains(r: Pick<RouteDescriptor, 'start' | 'end'>, key: Uint8Array): boolean {
  return compareBytes(r.start, key) <= 0 && (isInfinite(r.end) || compareBytes(key, r.end) < 0);
}

export class RouteCatalog {
  private routes: RouteDescriptor[];
  private ver: number;
  private nextRouteId: number;

  private constructor(routes: RouteDescriptor[], version: number, nextRouteId: number) {
    this.routes = routes;
    this.ver = version;
    this.nextRouteId = nextRouteId;
    const problem = RouteCatalog.tilingProblem(routes);
    if (problem) throw new Error(`route catalog invariant violated: ${problem}`);
  }

  /** The catalog of a new cluster (version 1). Throws if the routes do not tile the key space. */
  static bootstrap(initial: readonly { start: Uint8Array; end: Uint8Array; groupId: number }[]): RouteCatalog {
    const sorted = [...initial].sort((a, b) => compareBytes(a.start, b.start));
    const routes = sorted.map((r, i) => ({ routeId: i + 1, start: r.start.slice(), end: r.end.slice(), groupId: r.groupId, state: 'ACTIVE' as const, version: 1 }));
    return new RouteCatalog(routes, 1, routes.length + 1);
  }

  /** Why `routes` (sorted by start) do not tile the key space, or undefined if they do. */
  static tilingProblem(routes: readonly RouteDescriptor[]): string | undefined {
    if (routes.length === 0) return 'no routes';
    if (routes[0]!.start.byteLength !== 0) return 'the first route does not start at the empty key';
    const ids = new Set<number>();
    for (let i = 0; i < routes.length; i++) {
      const r = routes[i]!;
      if (ids.has(r.routeId)) return `duplicate route id ${r.routeId}`;
      ids.add(r.routeId);
      if (!Number.isInteger(r.groupId) || r.groupId <= 0) return `route ${r.routeId} has no owner`;
      const last = i === routes.length - 1;
      if (last) {
        if (!isInfinite(r.end)) return 'the last route does not end at +∞';
      } else {
        if (isInfinite(r.end)) return `route ${r.routeId} ends at +∞ but is not last`;
        if (compareBytes(r.start, r.end) >= 0) return `route ${r.routeId} is empty or inverted`;
        if (compareBytes(r.end, routes[i + 1]!.start) !== 0) return `gap or overlap after route ${r.routeId}`;
      }
    }
    return undefined;
  }

  /** Rebuilds a stored catalog; throws if it does not tile the key space. */
  static fromImage(img: CatalogImage): RouteCatalog {
    return new RouteCatalog([...img.routes], img.version, img.nextRouteId);
  }

  image(): CatalogImage {
    return { version: this.ver, nextRouteId: this.nextRouteId, routes: this.routes };
  }

  get version(): number {
    return this.ver;
  }

  list(): readonly RouteDescriptor[] {
    return this.routes;
  }

  lookup(key: Uint8Array): RouteDescriptor {
    return this.routes[this.indexOf(key)]!;
  }

  /** Applies one command atomically; a rejected command changes nothing. */
  apply(cmd: CatalogCommand): CatalogResult {
    switch (cmd.kind) {
      case 'SPLIT':
        return this.split(cmd.splitKey, cmd.expectedVersion);
      case 'SET_STATE':
        return this.update(cmd.routeId, cmd.expectedRouteVersion, (r) => ({ ...r, state: cmd.state }));
      case 'REASSIGN': {
        if (!Number.isInteger(cmd.groupId) || cmd.groupId <= 0) return fail('INVALID_ARGUMENT', `group_id: ${cmd.groupId} is not a group`);
        return this.update(cmd.routeId, cmd.expectedRouteVersion, (r) => ({ ...r, groupId: cmd.groupId, state: 'ACTIVE' }));
      }
    }
  }

  private split(key: Uint8Array, expectedVersion: number | undefined): CatalogResult {
    if (key.byteLength === 0) return fail('INVALID_ARGUMENT', 'split_key: must not be empty (the key space already starts there)');
    if (key.byteLength > MAX_SPLIT_KEY_BYTES) return fail('INVALID_ARGUMENT', `split_key: ${key.byteLength} bytes; the limit is ${MAX_SPLIT_KEY_BYTES}`);
    const i = this.indexOf(key);
    const r = this.routes[i]!;
    if (compareBytes(r.start, key) === 0) return { ok: true, version: this.ver, changed: [], noop: true }; // already split here
    if (expectedVersion !== undefined && expectedVersion !== this.ver) {
      return fail('VERSION_MISMATCH', `catalog is at version ${this.ver}, not ${expectedVersion}`);
    }
    if (r.state !== 'ACTIVE') return fail('ROUTE_BUSY', `route ${r.routeId} is ${r.state}; split it after the move`);
    const version = this.ver + 1;
    const left: RouteDescriptor = { ...r, end: key.slice(), version };
    const right: RouteDescriptor = { ...r, routeId: this.nextRouteId, start: key.slice(), version };
    const next = [...this.routes.slice(0, i), left, right, ...this.routes.slice(i + 1)];
    return this.commit(next, version, [left, right], this.nextRouteId + 1);
  }

  private update(routeId: number, expectedRouteVersion: number, f: (r: RouteDescriptor) => RouteDescriptor): CatalogResult {
    const i = this.routes.findIndex((r) => r.routeId === routeId);
    if (i < 0) return fail('NOT_FOUND', `route ${routeId} does not exist`);
    const r = this.routes[i]!;
    if (r.version !== expectedRouteVersion) return fail('VERSION_MISMATCH', `route ${routeId} is at version ${r.version}, not ${expectedRouteVersion}`);
    const version = this.ver + 1;
    const changed = { ...f(r), version };
    const next = [...this.routes];
    next[i] = changed;
    return this.commit(next, version, [changed], this.nextRouteId);
  }

  /** Re-checks the invariant on the would-be catalog before adopting it. */
  private commit(next: RouteDescriptor[], version: number, changed: RouteDescriptor[], nextRouteId: number): CatalogResult {
    const problem = RouteCatalog.tilingProblem(next);
    if (problem) return fail('INVALID_ARGUMENT', `rejected: ${problem}`);
    this.routes = next;
    this.ver = version;
    this.nextRouteId = nextRouteId;
    return { ok: true, version, changed, noop: false };
  }

  private indexOf(key: Uint8Array): number {
    return findRouteIndex(this.routes, key);
  }
}

function fail(code: CatalogErrorCode, message: string): CatalogResult {
  return { ok: false, code, message };
}
