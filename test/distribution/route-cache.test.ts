// The local route cache follows the catalog through in-order deltas, refuses
// anything out of order or non-tiling without changing, and resyncs from a
// full listing; routesOverlapping / findRouteIndex agree with brute force.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RouteCatalog, findRouteIndex, routeContains, routesOverlapping, type CatalogCommand, type RouteDescriptor } from '../../src/routing/catalog.js';
import { RouteCache } from '../../src/routing/route-cache.js';
import { compareBytes } from '../../src/storage/keys.js';

const ALPHABET = [0, 1, 0x61, 0x62, 0xff] as const;
const INF = new Uint8Array(0);
const key = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 3 }).map((b) => Uint8Array.from(b));
const k = (...b: number[]): Uint8Array => Uint8Array.from(b);

const plainRoute = (r: RouteDescriptor): unknown => ({ ...r, start: [...r.start], end: [...r.end] });
const plainList = (routes: readonly RouteDescriptor[]): unknown => routes.map(plainRoute);
const route = (routeId: number, start: Uint8Array, end: Uint8Array, groupId: number, version: number): RouteDescriptor => ({ routeId, start, end, groupId, state: 'ACTIVE', version });

/** Splits at 0x61 and 0x62: routes 1 [∅, a) g1, 3 [a, b) g1, 2 [b, +∞) g2 at version 2. */
function smallCatalog(): RouteCatalog {
  const c = RouteCatalog.bootstrap([
    { start: INF, end: k(0x62), groupId: 1 },
    { start: k(0x62), end: INF, groupId: 2 },
  ]);
  const r = c.apply({ kind: 'SPLIT', splitKey: k(0x61) });
  expect(r.ok).toBe(true);
  return c;
}

const command = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('SPLIT' as const), splitKey: key }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('REASSIGN' as const), pick: fc.nat(), group: fc.integer({ min: 1, max: 4 }), stale: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('SET_STATE' as const), pick: fc.nat(), moving: fc.boolean() }) },
);

function toCommand(c: RouteCatalog, raw: typeof command extends fc.Arbitrary<infer T> ? T : never): CatalogCommand {
  if (raw.kind === 'SPLIT') return { kind: 'SPLIT', splitKey: raw.splitKey };
  const routes = c.list();
  const r = routes[raw.pick % routes.length]!;
  if (raw.kind === 'SET_STATE') return { kind: 'SET_STATE', routeId: r.routeId, state: raw.moving ? 'MOVING' : 'ACTIVE', expectedRouteVersion: r.version };
  return { kind: 'REASSIGN', routeId: r.routeId, groupId: raw.group, expectedRouteVersion: raw.stale ? r.version - 1 : r.version };
}

describe('RouteCache', () => {
  it('follows the catalog through its deltas; after a lost delta it refuses the next one unchanged, and a reset resyncs it', () => {
    let deltas = 0;
    let resyncs = 0;
    fc.assert(
      fc.property(fc.array(fc.record({ cmd: command, drop: fc.integer({ min: 0, max: 4 }), probe: key }), { minLength: 1, maxLength: 40 }), (steps) => {
        const c = RouteCatalog.bootstrap([
          { start: INF, end: k(0x61), groupId: 1 },
          { start: k(0x61), end: INF, groupId: 2 },
        ]);
        const cache = new RouteCache();
        const seen: number[] = [];
        cache.onChange((v) => seen.push(v));
        expect(cache.apply({ version: c.version, reset: true, routes: c.list() })).toBe(true);
        const expectedSeen = [c.version];
        let behind = false;
        for (const { cmd, drop, probe } of steps) {
          const res = c.apply(toCommand(c, cmd));
          if (!res.ok) continue;
          const ev = { version: res.version, reset: false, routes: res.changed };
          if (res.noop) {
            // A no-op split does not bump the version and is not published;
            // fed anyway to an up-to-date cache, it is old news.
            if (behind) continue;
            const before = plainList(cache.routes());
            expect(cache.apply(ev)).toBe(true);
            expect(plainList(cache.routes())).toEqual(before);
            continue;
          }
          if (drop === 0) {
            behind = true; // lost in transit
            continue;
          }
          if (behind) {
            const before = { v: cache.version, r: plainList(cache.routes()) };
            expect(cache.apply(ev)).toBe(false);
            expect({ v: cache.version, r: plainList(cache.routes()) }).toEqual(before);
            expect(cache.apply({ version: c.version, reset: true, routes: c.list() })).toBe(true);
            behind = false;
            resyncs++;
          } else {
            expect(cache.apply(ev)).toBe(true);
            deltas++;
            // Re-delivery of the same delta is ignored.
            expect(cache.apply(ev)).toBe(true);
          }
          expectedSeen.push(c.version);
          expect(cache.version).toBe(c.version);
          expect(plainList(cache.routes())).toEqual(plainList(c.list()));
          expect(plainRoute(cache.lookup(probe))).toEqual(plainRoute(c.lookup(probe)));
        }
        expect(seen).toEqual(expectedSeen);
      }),
      { seed: 81, numRuns: 300 },
    );
    // Both paths are exercised.
    expect(deltas).toBeGreaterThan(500);
    expect(resyncs).toBeGreaterThan(80);
  });

  it('starts at version 0 with every key mapped to group 0 (unknown) unless given a provisional table', () => {
    const cache = new RouteCache();
    expect(cache.version).toBe(0);
    expect(cache.lookup(INF).groupId).toBe(0);
    expect(cache.lookup(k(0xff, 0xff)).groupId).toBe(0);
    expect(cache.overlapping(k(1), INF)).toMatchObject([{ start: k(1), end: INF, route: { groupId: 0 } }]);

    const c = smallCatalog();
    const provisional = new RouteCache(c.list());
    expect(provisional.version).toBe(0);
    expect(provisional.lookup(k(0x61, 0)).routeId).toBe(3);
    // Any real catalog replaces the provisional one.
    expect(provisional.apply({ version: 1, reset: true, routes: [route(9, INF, INF, 5, 1)] })).toBe(true);
    expect(provisional.lookup(k(0x61, 0)).groupId).toBe(5);

    expect(() => new RouteCache([route(1, k(1), INF, 1, 1)])).toThrow(/initial routes/);
    expect(() => new RouteCache([])).toThrow(/initial routes/);
  });

  it('ignores a full listing older than its version, and replaces its routes with one at the same version', () => {
    const c = smallCatalog();
    const cache = new RouteCache();
    const seen: number[] = [];
    cache.onChange((v) => seen.push(v));
    expect(cache.apply({ version: c.version, reset: true, routes: c.list() })).toBe(true);
    const older = [route(1, INF, INF, 7, 1)];
    expect(cache.apply({ version: c.version - 1, reset: true, routes: older })).toBe(true);
    expect(plainList(cache.routes())).toEqual(plainList(c.list()));
    const same = [route(1, INF, k(0x10), 7, 3), route(4, k(0x10), INF, 8, 3)];
    expect(cache.apply({ version: c.version, reset: true, routes: [...same].reverse() })).toBe(true); // any order
    expect(plainList(cache.routes())).toEqual(plainList(same));
    expect(cache.version).toBe(c.version);
    expect(seen).toEqual([c.version, c.version]);
  });

  it('refuses, unchanged, a full listing that does not tile the key space', () => {
    const c = smallCatalog();
    const cache = new RouteCache();
    cache.apply({ version: c.version, reset: true, routes: c.list() });
    let calls = 0;
    cache.onChange(() => calls++);
    const bad = [
      [route(1, INF, k(5), 1, 4), route(2, k(6), INF, 1, 4)], // gap
      [route(1, INF, k(5), 1, 4), route(2, k(4), INF, 1, 4)], // overlap
      [route(1, INF, k(5), 1, 4)], // stops short of +∞
      [route(1, k(0), INF, 1, 4)], // misses the empty key
      [route(1, INF, k(5), 1, 4), route(1, k(5), INF, 1, 4)], // duplicate id
      [route(1, INF, INF, 0, 4)], // no owner
      [],
    ];
    for (const routes of bad) {
      expect(cache.apply({ version: c.version + 1, reset: true, routes })).toBe(false);
      expect(cache.version).toBe(c.version);
      expect(plainList(cache.routes())).toEqual(plainList(c.list()));
    }
    expect(calls).toBe(0);
  });

  it('refuses, unchanged, a delta that skips a version or breaks the tiling; ignores one that is not newer', () => {
    const c = smallCatalog(); // 1 [∅, a) g1, 3 [a, b) g1, 2 [b, +∞) g2 at version 2
    const cache = new RouteCache();
    cache.apply({ version: c.version, reset: true, routes: c.list() });
    let calls = 0;
    cache.onChange(() => calls++);
    const before = { v: cache.version, r: plainList(cache.routes()) };
    const now = (): unknown => ({ v: cache.version, r: plainList(cache.routes()) });
    const v = c.version;
    // Skips a version.
    expect(cache.apply({ version: v + 2, reset: false, routes: [route(3, k(0x61), k(0x62), 2, v + 2)] })).toBe(false);
    expect(now()).toEqual(before);
    // Not newer: ignored, even if it would be valid.
    expect(cache.apply({ version: v, reset: false, routes: [route(3, k(0x61), k(0x62), 2, v)] })).toBe(true);
    expect(cache.apply({ version: v - 1, reset: false, routes: [route(3, k(0x61), k(0x62), 2, v - 1)] })).toBe(true);
    expect(now()).toEqual(before);
    // Right version, but leaves a gap: route 3 shrinks to [a, a0) and nothing covers [a0, b).
    expect(cache.apply({ version: v + 1, reset: false, routes: [route(3, k(0x61), k(0x61, 0), 1, v + 1)] })).toBe(false);
    // Right version, but a new route overlapping part of two routes: removing both leaves gaps.
    expect(cache.apply({ version: v + 1, reset: false, routes: [route(9, k(0x60), k(0x61, 0), 4, v + 1)] })).toBe(false);
    // Right version, no owner.
    expect(cache.apply({ version: v + 1, reset: false, routes: [route(3, k(0x61), k(0x62), 0, v + 1)] })).toBe(false);
    expect(now()).toEqual(before);
    expect(calls).toBe(0);
    // And then the right delta is applied.
    expect(cache.apply({ version: v + 1, reset: false, routes: [route(3, k(0x61), k(0x62), 2, v + 1)] })).toBe(true);
    expect(cache.version).toBe(v + 1);
    expect(cache.lookup(k(0x61, 0x61)).groupId).toBe(2);
    expect(calls).toBe(1);
  });

  it('a delta replaces the routes it overlaps: a split, a reassignment, and a merge of neighbours', () => {
    const c = smallCatalog();
    const cache = new RouteCache();
    cache.apply({ version: c.version, reset: true, routes: c.list() });
    const v = c.version;
    // A merge: one route over [a, +∞) replaces routes 3 and 2 (route 2 is not named in the delta).
    expect(cache.apply({ version: v + 1, reset: false, routes: [route(3, k(0x61), INF, 6, v + 1)] })).toBe(true);
    expect(cache.routes().map((r) => [r.routeId, r.groupId])).toEqual([
      [1, 1],
      [3, 6],
    ]);
    expect(cache.lookup(k(0xff)).routeId).toBe(3);
  });

  it('force installs a stale table as is, keeping the version; it throws on a table that does not tile', () => {
    const c = smallCatalog();
    const cache = new RouteCache();
    cache.apply({ version: c.version, reset: true, routes: c.list() });
    let calls = 0;
    cache.onChange(() => calls++);
    const stale = [route(1, INF, INF, 1, 1)];
    cache.force(stale);
    expect(cache.version).toBe(c.version);
    expect(plainList(cache.routes())).toEqual(plainList(stale));
    expect(cache.lookup(k(0x62)).groupId).toBe(1);
    expect(calls).toBe(0);
    expect(() => cache.force([route(1, INF, k(5), 1, 1)])).toThrow(/routes:/);
    expect(plainList(cache.routes())).toEqual(plainList(stale));
    // A full listing at the same version puts the truth back.
    expect(cache.apply({ version: c.version, reset: true, routes: c.list() })).toBe(true);
    expect(plainList(cache.routes())).toEqual(plainList(c.list()));
  });

  it('keeps one leader hint per group; an empty address or undefined removes it', () => {
    const cache = new RouteCache();
    expect(cache.leader(1)).toBeUndefined();
    cache.setLeader(1, { nodeId: 2, address: 'h2:1' });
    cache.setLeader(2, { nodeId: 3, address: 'h3:1' });
    expect(cache.leader(1)).toEqual({ nodeId: 2, address: 'h2:1' });
    cache.setLeader(1, { nodeId: 4, address: 'h4:1' });
    expect(cache.leader(1)).toEqual({ nodeId: 4, address: 'h4:1' });
    cache.setLeader(1, { nodeId: 5, address: '' });
    expect(cache.leader(1)).toBeUndefined();
    expect(cache.leader(2)).toEqual({ nodeId: 3, address: 'h3:1' });
    cache.setLeader(2, undefined);
    expect(cache.leader(2)).toBeUndefined();
  });

  it('calls every listener once per accepted change with the new version, until unsubscribed', () => {
    const c = smallCatalog();
    const cache = new RouteCache();
    const a: number[] = [];
    const b: number[] = [];
    const offA = cache.onChange((v) => a.push(v));
    cache.onChange((v) => b.push(v));
    cache.apply({ version: c.version, reset: true, routes: c.list() });
    offA();
    const res = c.apply({ kind: 'SPLIT', splitKey: k(0x70) });
    if (!res.ok) throw new Error(res.message);
    cache.apply({ version: res.version, reset: false, routes: res.changed });
    cache.apply({ version: res.version + 5, reset: false, routes: res.changed }); // refused
    expect(a).toEqual([c.version - 1]);
    expect(b).toEqual([c.version - 1, c.version]);
  });
});

/** Routes tiling the key space, cut at distinct boundaries, groups 1–3. */
const tiling = fc
  .record({ bounds: fc.uniqueArray(key.filter((b) => b.byteLength > 0), { maxLength: 8, selector: (b) => [...b].join(',') }), groups: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 9, maxLength: 9 }) })
  .map(({ bounds, groups }) => {
    const starts = [INF, ...[...bounds].sort(compareBytes)];
    return starts.map((s, i) => route(i + 1, s, i + 1 < starts.length ? starts[i + 1]! : INF, groups[i]!, 1));
  });

/** [s, e) with s < e, or e = +∞ (empty). */
const range = fc.tuple(key, key, fc.boolean()).filter(([s, e, inf]) => inf || compareBytes(s, e) < 0).map(([s, e, inf]) => [s, inf ? INF : e] as const);

const before = (a: Uint8Array, end: Uint8Array): boolean => end.byteLength === 0 || compareBytes(a, end) < 0; // a < end, end empty: +∞
const minEnd = (a: Uint8Array, b: Uint8Array): Uint8Array => (a.byteLength === 0 ? b : b.byteLength === 0 ? a : compareBytes(a, b) <= 0 ? a : b);
const maxStart = (a: Uint8Array, b: Uint8Array): Uint8Array => (compareBytes(a, b) >= 0 ? a : b);
const plainPart = (p: { route: RouteDescriptor; start: Uint8Array; end: Uint8Array }): unknown => ({ id: p.route.routeId, start: [...p.start], end: [...p.end] });

describe('routesOverlapping / findRouteIndex', () => {
  it('findRouteIndex finds the one route that contains the key', () => {
    fc.assert(
      fc.property(tiling, fc.array(key, { maxLength: 10 }), (routes, keys) => {
        for (const q of [INF, ...keys, ...routes.map((r) => r.start)]) {
          const i = findRouteIndex(routes, q);
          expect(i).toBe(routes.findIndex((r) => routeContains(r, q)));
        }
      }),
      { seed: 91, numRuns: 300 },
    );
  });

  it('routesOverlapping returns the routes meeting [start, end) in key order, clipped, contiguous, covering exactly the range', () => {
    fc.assert(
      fc.property(tiling, fc.array(range, { minLength: 1, maxLength: 6 }), (routes, rs) => {
        for (const [s, e] of rs) {
          const parts = routesOverlapping(routes, s, e);
          // Brute force: every route that shares a key with [s, e), clipped to it.
          const expected = routes.filter((r) => before(r.start, e) && before(s, r.end)).map((r) => ({ route: r, start: maxStart(r.start, s), end: minEnd(r.end, e) }));
          expect(parts.map(plainPart)).toEqual(expected.map(plainPart));
          // Shape: starts at s, ends at e, no gaps, each part non-empty and inside its route.
          expect([...parts[0]!.start]).toEqual([...s]);
          expect([...parts[parts.length - 1]!.end]).toEqual([...e]);
          for (let i = 0; i < parts.length; i++) {
            const p = parts[i]!;
            expect(before(p.start, p.end)).toBe(true);
            expect(routeContains(p.route, p.start)).toBe(true);
            expect(before(p.start, p.route.end) && compareBytes(p.start, p.route.start) >= 0).toBe(true);
            if (p.end.byteLength > 0) expect(p.route.end.byteLength === 0 || compareBytes(p.end, p.route.end) <= 0).toBe(true);
            else expect(p.route.end.byteLength).toBe(0);
            if (i > 0) expect([...parts[i - 1]!.end]).toEqual([...p.start]);
          }
        }
      }),
      { seed: 92, numRuns: 300 },
    );
  });

  it('routesOverlapping on edge ranges: the whole key space, one route exactly, a range ending at a route start', () => {
    const routes = [route(1, INF, k(5), 1, 1), route(2, k(5), k(9), 2, 1), route(3, k(9), INF, 3, 1)];
    expect(routesOverlapping(routes, INF, INF).map(plainPart)).toEqual(routes.map((r) => plainPart({ route: r, start: r.start, end: r.end })));
    expect(routesOverlapping(routes, k(5), k(9)).map((p) => p.route.routeId)).toEqual([2]);
    expect(routesOverlapping(routes, k(1), k(5)).map((p) => p.route.routeId)).toEqual([1]);
    expect(routesOverlapping(routes, k(9), INF).map(plainPart)).toEqual([plainPart({ route: routes[2]!, start: k(9), end: INF })]);
    expect(routesOverlapping(routes, k(4), k(9, 0)).map(plainPart)).toEqual([
      plainPart({ route: routes[0]!, start: k(4), end: k(5) }),
      plainPart({ route: routes[1]!, start: k(5), end: k(9) }),
      plainPart({ route: routes[2]!, start: k(9), end: k(9, 0) }),
    ]);
  });
});

describe('ROUTE_MOVED overrides', () => {
  const E = new Uint8Array(0);
  const k = (s: string): Uint8Array => new TextEncoder().encode(s);
  const base = [
    { routeId: 1, start: E, end: k('h'), groupId: 1, state: 'ACTIVE' as const, version: 1 },
    { routeId: 2, start: k('h'), end: E, groupId: 2, state: 'ACTIVE' as const, version: 1 },
  ];

  it('routes a moved interval to its new group until the catalog changes, keeping the tiling for scans', () => {
    const c = new RouteCache(base);
    c.noteMoved(k('m'), k('p'), 3);
    expect(c.lookup(k('n')).groupId).toBe(3);
    expect(c.lookup(k('l')).groupId).toBe(2);
    expect(c.lookup(k('p')).groupId).toBe(2);
    const parts = c.overlapping(k('a'), E).map((p) => [new TextDecoder().decode(p.start), new TextDecoder().decode(p.end), p.route.groupId]);
    expect(parts).toEqual([
      ['a', 'h', 1],
      ['h', 'm', 2],
      ['m', 'p', 3],
      ['p', '', 2],
    ]);
    // The next catalog change drops the override (the catalog has caught up, or a new ROUTE_MOVED will say so again).
    expect(c.apply({ version: 1, reset: true, routes: base })).toBe(true);
    expect(c.lookup(k('n')).groupId).toBe(2);
  });

  it('an override to +∞ and a repeated override of the same interval replace, not stack', () => {
    const c = new RouteCache(base);
    c.noteMoved(k('q'), E, 3);
    c.noteMoved(k('q'), E, 1);
    expect(c.lookup(k('z')).groupId).toBe(1);
    expect(c.overlapping(k('p'), E).map((p) => p.route.groupId)).toEqual([2, 1]);
  });
});
