// The route catalog on a real 3-node, 3-group cluster: same-group splits of
// hot routes under concurrent writes and scans, stale route caches (SDK and
// node) that must cost retries and never wrong answers, and a default-group
// leader killed in the middle of splits.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { FerryClient, KvError } from '../../src/client/client.js';
import { RouteCatalog } from '../../src/routing/catalog.js';
import { fromRawRoute } from '../../src/routing/codec.js';
import type { ListRoutesResponse__Output } from '../../src/proto-gen/ferrykv/v1/ListRoutesResponse.js';
import { TestCluster, enc, sleep, waitFor } from '../../testkit/cluster.js';

let c: TestCluster;
let keepLogs = false;
const NODES = [1, 2, 3];
const str = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
const rid = (): Buffer => Buffer.from(`${Date.now()}-${Math.random()}`);

/** A split through any up node, retried while the cluster recovers. */
async function split(key: string, deadlineMs = 30_000): Promise<{ version: number; already: boolean }> {
  const until = Date.now() + deadlineMs;
  for (let i = 0; ; i++) {
    const up = c.upNodes();
    const n = up[i % up.length]!;
    try {
      const res = await c.adminApi(n).splitRange({ splitKey: enc(key) }, 5000);
      return { version: Number(res.version), already: res.alreadySplit };
    } catch (e) {
      if (!(e instanceof KvError) || !(e.retryable || e.code === 'DEADLINE_EXCEEDED') || Date.now() > until) throw e;
      await sleep(100);
    }
  }
}

function catalogOf(res: ListRoutesResponse__Output): { version: number; starts: string[]; routes: ReturnType<typeof fromRawRoute>[] } {
  const routes = res.routes.map(fromRawRoute);
  return { version: Number(res.version), starts: routes.map((r) => str(r.start)), routes };
}

function expectValidCatalog(cat: ReturnType<typeof catalogOf>, initialRoutes: number): void {
  expect(RouteCatalog.tilingProblem(cat.routes)).toBeUndefined();
  // Every accepted change here is a split: one more route per version.
  expect(cat.routes.length - initialRoutes).toBe(cat.version - 1);
}

describe('Route catalog, splits and stale routes on a 3-node, 3-group cluster', () => {
  beforeAll(async () => {
    c = await TestCluster.start({ nodes: 3, groups: 3 });
  });
  afterAll(async () => {
    if (keepLogs) console.error(`routing: node logs kept in ${c?.dir}`);
    await c?.cleanup(keepLogs);
  });
  const keepOnFailure = (): void => onTestFailed(() => void (keepLogs = true));

  it('bootstraps the catalog from the cluster file once, identical on every node', async () => {
    keepOnFailure();
    const cats = await Promise.all(NODES.map(async (n) => catalogOf(await c.adminApi(n).listRoutes({ local: true }))));
    for (const cat of cats) {
      expect(cat.version).toBe(1);
      expect(cat.routes.map((r) => [str(r.start), str(r.end), r.groupId, r.state])).toEqual([
        ['', 'h', 1, 'ACTIVE'],
        ['h', 'p', 2, 'ACTIVE'],
        ['p', '', 3, 'ACTIVE'],
      ]);
    }
    // Leader hints name a node for each group.
    const res = await c.adminApi(1).listRoutes({ local: false });
    expect(res.leaders.map((l) => l.groupId).sort()).toEqual([1, 2, 3]);
  });

  it('splits of hot routes under concurrent writes and scans: no write lost, no scan with a duplicate, missing or misordered row', async () => {
    keepOnFailure();
    const endpoints = NODES.map((n) => c.address(n));
    const db = new FerryClient({ endpoints, timeoutMs: 15_000 });
    const acked = new Set<string>();
    let stop = false;
    const failures: string[] = [];
    const letters = 'abcdfgijkmnqrstuvwyz'; // every group; split keys land among them
    const writer = async (w: number): Promise<void> => {
      for (let seq = 0; !stop; seq++) {
        const key = `${letters[(seq * 7 + w) % letters.length]}${w}-${String(seq).padStart(6, '0')}`;
        try {
          await db.put(key, `v${seq}`);
          acked.add(key);
        } catch (e) {
          failures.push(`put ${key}: ${(e as Error).message}`);
        }
      }
    };
    let scans = 0;
    const scanner = async (reverse: boolean): Promise<void> => {
      while (!stop) {
        const before = new Set(acked);
        const seen: string[] = [];
        for await (const row of db.scan({ pageSize: 53, reverse })) seen.push(str(row.key));
        for (let i = 1; i < seen.length; i++) {
          const ordered = reverse ? seen[i - 1]! > seen[i]! : seen[i - 1]! < seen[i]!;
          if (!ordered) throw new Error(`scan (reverse=${reverse}) row ${i}: ${seen[i - 1]} then ${seen[i]} (duplicate or misordered)`);
        }
        const have = new Set(seen);
        for (const k of before) if (!have.has(k)) throw new Error(`scan (reverse=${reverse}) is missing ${k}, acknowledged before it began`);
        scans++;
      }
    };
    const splitKeys: string[] = [];
    const splitter = async (): Promise<void> => {
      for (let i = 0; i < 24 && !stop; i++) {
        const key = `${letters[(i * 5) % letters.length]}${i % 4}-${String(i * 13).padStart(6, '0')}`;
        await split(key);
        splitKeys.push(key);
        await sleep(150);
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    const scanners = [scanner(false), scanner(true)];
    await splitter();
    await sleep(500);
    stop = true;
    await Promise.all([...writers, ...scanners]);
    expect(failures).toEqual([]);
    expect(scans).toBeGreaterThan(2);
    expect(acked.size).toBeGreaterThan(100);

    const cat = catalogOf(await c.adminApi(1).listRoutes({ local: false }));
    expectValidCatalog(cat, 3);
    for (const k of splitKeys) expect(cat.starts).toContain(k);
    // Same-group splits: each route keeps the group of the route it came from.
    for (const r of cat.routes) expect(r.groupId).toBe(str(r.start) < 'h' ? 1 : str(r.start) < 'p' ? 2 : 3);
    // Every node applied the same catalog, and the client's cache caught up through the watch.
    await waitFor('every node has the same catalog', async () => {
      const locals = await Promise.all(NODES.map(async (n) => catalogOf(await c.adminApi(n).listRoutes({ local: true }))));
      return locals.every((l) => l.version === cat.version && JSON.stringify(l.starts) === JSON.stringify(cat.starts));
    });
    await waitFor('the SDK cache follows the catalog', () => Promise.resolve(db.routes.version === cat.version));
    await waitFor('every node cache follows the catalog', async () => {
      const st = await Promise.all(NODES.map((n) => c.adminApi(n).nodeStatus()));
      return st.every((s) => Number(s.routeCacheVersion) === cat.version);
    });
    // Nothing acknowledged is missing, through each node.
    for (const n of NODES) {
      const one = new FerryClient({ endpoints: [c.address(n)], routing: 'off', timeoutMs: 15_000 });
      const have = new Set<string>();
      for await (const row of one.scan({ pageSize: 500 })) have.add(str(row.key));
      for (const k of acked) expect(have.has(k), `${k} via node ${n}`).toBe(true);
      one.close();
    }
    console.log(`routing: ${acked.size} writes, ${scans} full scans, ${splitKeys.length} splits, catalog v${cat.version} with ${cat.routes.length} routes`);
    db.close();
  });

  it('a client with a stale route cache (updates paused) still gets correct answers', async () => {
    keepOnFailure();
    const db = new FerryClient({ endpoints: NODES.map((n) => c.address(n)), timeoutMs: 15_000 });
    await db.put('stale/seed', 'x');
    await waitFor('the SDK has the catalog', () => Promise.resolve(db.routes.version > 0));
    db.pauseRouteUpdates();
    const frozen = db.routes.version;
    for (const k of ['e5', 'j5', 'r5', 'stale/m']) await split(k);
    // A cache that is plainly wrong: everything in group 2, led by node 3.
    db.routes.force([{ routeId: 1, start: new Uint8Array(0), end: new Uint8Array(0), groupId: 2, state: 'ACTIVE', version: 1 }]);
    db.routes.setLeader(2, { nodeId: 3, address: c.address(3) });
    const keys = ['a/1', 'e6', 'j6', 'q/1', 'r6', 'stale/z'];
    for (const k of keys) await db.put(k, `val-${k}`);
    for (const k of keys) expect(str((await db.get(k))!.value)).toBe(`val-${k}`);
    expect((await db.batchGet(keys)).map((r) => str(r.key))).toEqual(keys);
    const scanned: string[] = [];
    for await (const row of db.scan({ start: 'a/', end: 'stale/zz', pageSize: 2 })) scanned.push(str(row.key));
    expect(scanned.filter((k) => keys.includes(k))).toEqual([...keys].sort());
    expect(db.routes.version).toBe(frozen); // it really was stale throughout
    db.resumeRouteUpdates();
    db.close();
  });

  it('a node with a stale route cache (watch paused) re-routes after NOT_OWNER and answers every kind of request correctly', async () => {
    keepOnFailure();
    const node = 2;
    const api = c.api(node);
    const wrong = [{ routeId: '1', start: Buffer.alloc(0), end: Buffer.alloc(0), groupId: 2, state: 'ACTIVE', version: '1' }];
    const poison = (): Promise<object> => c.adminApi(node).setFaults({ faults: [], pauseRouteWatch: true, staleRoutes: wrong });
    const retries = async (): Promise<number> => Number((await c.adminApi(node).nodeStatus()).staleRouteRetries);
    const before = await retries();
    const keys = ['a/n1', 'c/n2', 'i/n3', 'q/n4', 'z/n5'];
    for (const k of keys) {
      await poison();
      await api.put({ key: enc(k), value: enc(`v-${k}`), requestId: rid() });
    }
    for (const k of keys) {
      await poison();
      const got = await api.get({ key: enc(k), readTs: '0' });
      expect(got.found).toBe(true);
      expect(str(got.value)).toBe(`v-${k}`);
    }
    await poison();
    expect((await api.batchGet({ keys: keys.map(enc), readTs: '0' })).pairs.map((p) => str(p.key))).toEqual(keys);
    await poison();
    const scan = await api.scan({ start: enc('a/n'), end: enc('z/n9'), limit: 10_000, reverse: false, readTs: '0' });
    expect(scan.pairs.map((p) => str(p.key)).filter((k) => keys.includes(k))).toEqual(keys);
    await poison();
    const rscan = await api.scan({ start: enc('a/n'), end: enc('z/n9'), limit: 10_000, reverse: true, readTs: '0' });
    expect(rscan.pairs.map((p) => str(p.key)).filter((k) => keys.includes(k))).toEqual([...keys].reverse());
    await poison();
    const cas = await api.compareAndSwap({ key: enc('q/n4'), expected: enc('v-q/n4'), expectAbsent: false, value: enc('swapped'), requestId: rid() });
    expect(cas.succeeded).toBe(true);
    // [c/n, q/n9) spans groups 1, 2 and 3 (and holds rows of earlier tests too).
    const count = async (): Promise<number> => {
      const one = new FerryClient({ endpoints: [c.address(1)], routing: 'off', timeoutMs: 15_000 });
      let n = 0;
      for await (const _row of one.scan({ start: 'c/n', end: 'q/n9', pageSize: 1000 })) n++;
      one.close();
      return n;
    };
    const inRange = await count();
    expect(inRange).toBeGreaterThanOrEqual(3);
    await poison();
    const dr = await api.deleteRange({ start: enc('c/n'), end: enc('q/n9'), requestId: rid() });
    expect(Number(dr.deleted)).toBe(inRange);
    expect(await count()).toBe(0);
    await poison();
    await expect(api.batchWrite({ mutations: [{ op: 'PUT', key: enc('a/x'), value: enc('1') }, { op: 'PUT', key: enc('z/x'), value: enc('2') }], requestId: rid() })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    const left = await c.api(1).scan({ start: enc('a/n'), end: enc('z/n9'), limit: 10_000, reverse: false, readTs: '0' });
    expect(left.pairs.map((p) => str(p.key)).filter((k) => keys.includes(k))).toEqual(['a/n1', 'z/n5']);
    expect(await retries()).toBeGreaterThanOrEqual(before + keys.length * 2);
    await c.adminApi(node).setFaults({ faults: [], pauseRouteWatch: false });
  });

  it('killing the default-group leader during splits leaves a valid catalog, identical on every node after recovery', async () => {
    keepOnFailure();
    const acknowledged: string[] = [];
    let i = 0;
    const splitSome = async (n: number): Promise<void> => {
      for (let k = 0; k < n; k++, i++) {
        const key = `kill/${String(i).padStart(3, '0')}`;
        await split(key, 60_000);
        acknowledged.push(key);
      }
    };
    const watcher = new FerryClient({ endpoints: NODES.map((n) => c.address(n)), timeoutMs: 15_000 });
    await watcher.put('kill/seed', 'x');
    await splitSome(4);
    const leader = await c.leaderOf(1);
    // Splits in flight while the leader dies.
    const inFlight = splitSome(6);
    await sleep(50);
    await c.kill(leader, 'SIGKILL');
    await inFlight;
    c.startNode(leader);
    await c.waitForLeaders(NODES);
    await splitSome(4);
    const cat = catalogOf(await c.adminApi(NODES.find((n) => n !== leader)!).listRoutes({ local: false }));
    expectValidCatalog(cat, 3);
    for (const k of acknowledged) expect(cat.starts).toContain(k);
    await waitFor(
      'every node applied the same catalog',
      async () => {
        const locals = await Promise.all(NODES.map(async (n) => catalogOf(await c.adminApi(n).listRoutes({ local: true }))));
        return locals.every((l) => l.version === cat.version && JSON.stringify(l.routes) === JSON.stringify(cat.routes));
      },
      60_000,
    );
    // The watch found the new leader and caught up.
    await waitFor('the SDK cache follows the catalog after the leader change', () => Promise.resolve(watcher.routes.version === cat.version), 30_000);
    watcher.close();
  });
});
