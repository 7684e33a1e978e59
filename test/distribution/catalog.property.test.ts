// Random sequences of catalog changes keep the tiling invariant; invalid or
// stale changes are rejected and leave the catalog exactly as it was.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RouteCatalog, routeContains, type CatalogCommand } from '../../src/routing/catalog.js';

const key = fc.uint8Array({ minLength: 0, maxLength: 4 }).map((b) => b.map((x) => [0, 1, 0x61, 0x62, 0xff][x % 5]!));
const snapshot = (c: RouteCatalog): unknown => JSON.stringify({ v: c.version, r: c.list().map((r) => ({ ...r, start: [...r.start], end: [...r.end] })) });

const command = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('SPLIT' as const), splitKey: key, stale: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('SPLIT_HUGE' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('SET_STATE' as const), pick: fc.nat(), moving: fc.boolean(), stale: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('REASSIGN' as const), pick: fc.nat(), group: fc.integer({ min: -1, max: 5 }), stale: fc.boolean() }) },
);

describe('Route catalog', () => {
  it('keeps the routes tiling the key space under random splits, state changes and reassignments; rejected changes change nothing', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 60 }), (cmds) => {
        const c = RouteCatalog.bootstrap([
          { start: new Uint8Array(0), end: Uint8Array.of(0x61), groupId: 1 },
          { start: Uint8Array.of(0x61), end: new Uint8Array(0), groupId: 2 },
        ]);
        for (const raw of cmds) {
          const before = snapshot(c);
          const routes = c.list();
          let cmd: CatalogCommand;
          if (raw.kind === 'SPLIT') cmd = { kind: 'SPLIT', splitKey: raw.splitKey, ...(raw.stale ? { expectedVersion: c.version - 1 } : {}) };
          else if (raw.kind === 'SPLIT_HUGE') cmd = { kind: 'SPLIT', splitKey: new Uint8Array(5000).fill(1) };
          else {
            const r = routes[raw.pick % routes.length]!;
            const v = raw.stale ? r.version - 1 : r.version;
            cmd = raw.kind === 'SET_STATE' ? { kind: 'SET_STATE', routeId: r.routeId, state: raw.moving ? 'MOVING' : 'ACTIVE', expectedRouteVersion: v } : { kind: 'REASSIGN', routeId: r.routeId, groupId: raw.group, expectedRouteVersion: v };
          }
          const res = c.apply(cmd);
          expect(RouteCatalog.tilingProblem(c.list())).toBeUndefined();
          if (!res.ok || res.noop) {
            expect(snapshot(c)).toBe(before);
          } else {
            expect(c.version).toBeGreaterThan((JSON.parse(before as string) as { v: number }).v);
            for (const ch of res.changed) expect(ch.version).toBe(c.version);
          }
          // Rejections that must happen.
          if (cmd.kind === 'SPLIT' && (cmd.splitKey.byteLength === 0 || cmd.splitKey.byteLength > 4096)) expect(res.ok).toBe(false);
          if (cmd.kind !== 'SPLIT' && raw.kind !== 'SPLIT' && raw.kind !== 'SPLIT_HUGE' && raw.stale) expect(res.ok).toBe(false);
          if (cmd.kind === 'REASSIGN' && cmd.groupId <= 0) expect(res.ok).toBe(false);
          // Every key has exactly one route, and lookup finds it.
          if (cmd.kind === 'SPLIT' && cmd.splitKey.byteLength > 0 && res.ok) {
            const owner = c.lookup(cmd.splitKey);
            expect(routeContains(owner, cmd.splitKey)).toBe(true);
            expect(c.list().filter((r) => routeContains(r, cmd.splitKey))).toHaveLength(1);
          }
        }
      }),
      { seed: 61, numRuns: 300 },
    );
  });

  it('a split that already exists is an idempotent no-op', () => {
    const c = RouteCatalog.bootstrap([{ start: new Uint8Array(0), end: new Uint8Array(0), groupId: 1 }]);
    const first = c.apply({ kind: 'SPLIT', splitKey: Uint8Array.of(5) });
    expect(first.ok && !first.noop).toBe(true);
    const again = c.apply({ kind: 'SPLIT', splitKey: Uint8Array.of(5), expectedVersion: 1 }); // stale version, but already done
    expect(again).toMatchObject({ ok: true, noop: true, version: 2 });
    expect(c.list()).toHaveLength(2);
  });

  it('refuses to split a route that is moving', () => {
    const c = RouteCatalog.bootstrap([{ start: new Uint8Array(0), end: new Uint8Array(0), groupId: 1 }]);
    c.apply({ kind: 'SET_STATE', routeId: 1, state: 'MOVING', expectedRouteVersion: 1 });
    expect(c.apply({ kind: 'SPLIT', splitKey: Uint8Array.of(9) })).toMatchObject({ ok: false, code: 'ROUTE_BUSY' });
  });

  it('refuses a bootstrap table that does not tile the key space', () => {
    expect(() => RouteCatalog.bootstrap([{ start: Uint8Array.of(1), end: new Uint8Array(0), groupId: 1 }])).toThrow(/empty key/);
    expect(() =>
      RouteCatalog.bootstrap([
        { start: new Uint8Array(0), end: Uint8Array.of(5), groupId: 1 },
        { start: Uint8Array.of(6), end: new Uint8Array(0), groupId: 2 },
      ]),
    ).toThrow(/gap or overlap/);
  });
});
