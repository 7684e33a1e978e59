// Watch on a real 3-node, 3-group cluster (docs/watch.md): a feed over
// several routes sees every acknowledged write exactly once at its commit
// timestamp, in commit order per key, under resolved timestamps it never
// violates; it resumes across a node kill; it follows a route that a
// migration moves to another group mid-stream, exactly once around the
// cutover, while ten more watchers consume the moving range, the move's
// VERIFY passes and `ferryctl verify --all` finds every group consistent with
// every replica answering; a start timestamp replays history; bad requests
// are typed.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { FerryClient, KvError } from '../../src/client/client.js';
import type { VerifyJson } from '../../cmd/ferryctl/output.js';
import type { WatchOptions } from '../../src/client/watch.js';
import { TestCluster, sleep } from '../../testkit/cluster.js';
import { runCtl, type CtlRun } from './ferryctl-run.js';

/** Runs the built ferryctl against the cluster. */
function ctl(...args: string[]): Promise<CtlRun> {
  return runCtl(NODES.map((id) => c.address(id)).join(','), args, { timeoutMs: 60_000, rpcTimeoutMs: 20_000 });
}

let c: TestCluster;
let keepLogs = false;
const NODES = [1, 2, 3];
const str = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

/** A consumer: every event and every resolved timestamp it saw, with violations of the feed's promises. */
class Watcher {
  readonly events: { key: string; value: string | null; ts: bigint }[] = [];
  readonly problems: string[] = [];
  resolved = 0n;
  private readonly stop = new AbortController();
  readonly done: Promise<void>;

  constructor(db: FerryClient, opts: WatchOptions) {
    this.done = (async () => {
      const lastTs = new Map<string, bigint>();
      for await (const b of db.watch({ ...opts, signal: this.stop.signal, progressMs: 200 })) {
        for (const e of b.events) {
          const k = str(e.key);
          if (e.commitTs <= this.resolved) this.problems.push(`${k}@${e.commitTs} arrived after resolved ${this.resolved}`);
          const prev = lastTs.get(k);
          if (prev !== undefined && e.commitTs <= prev) this.problems.push(`${k}: ${e.commitTs} after ${prev}`);
          lastTs.set(k, e.commitTs);
          this.events.push({ key: k, value: e.type === 'put' ? str(e.value) : null, ts: e.commitTs });
        }
        if (b.resolvedTs < this.resolved) this.problems.push(`resolved went back: ${b.resolvedTs} < ${this.resolved}`);
        this.resolved = b.resolvedTs;
      }
    })();
  }

  /** Waits until the feed resolved past `ts`, then stops it. */
  async until(ts: bigint, ms = 30_000): Promise<void> {
    const end = Date.now() + ms;
    while (this.resolved < ts && Date.now() < end) await sleep(50);
    this.stop.abort();
    await this.done;
    expect(this.resolved, 'the feed resolved past the last write').toBeGreaterThanOrEqual(ts);
  }
}

/** Writers over `prefixes`: each acknowledged write with its commit timestamp. */
function writers(db: FerryClient, prefixes: readonly string[], per: number): { acked: { key: string; value: string | null; ts: bigint }[]; done: Promise<void> } {
  const acked: { key: string; value: string | null; ts: bigint }[] = [];
  const done = Promise.all(
    prefixes.map(async (p) => {
      for (let i = 0; i < per; i++) {
        const key = `${p}${i % 7}`;
        if (i % 5 === 4) acked.push({ key, value: null, ts: await db.delete(key) });
        else acked.push({ key, value: `${p}-${i}`, ts: await db.put(key, `${p}-${i}`) });
      }
    }),
  ).then(() => undefined);
  return { acked, done };
}

const seen = (evs: readonly { key: string; value: string | null; ts: bigint }[]): string[] => evs.map((e) => `${e.key}@${e.ts}=${e.value ?? '∅'}`).sort();
const maxTs = (evs: readonly { ts: bigint }[]): bigint => evs.reduce((m, e) => (e.ts > m ? e.ts : m), 0n);

describe('Watch on a 3-node, 3-group cluster', () => {
  beforeAll(async () => {
    c = await TestCluster.start({ nodes: 3, groups: 3 });
  });
  afterAll(async () => {
    if (keepLogs) console.error(`watch: node logs kept in ${c?.dir}`);
    await c?.cleanup(keepLogs);
  });
  const keepOnFailure = (): void => onTestFailed(() => void (keepLogs = true));

  it('a feed on a group that never wrote reports a real resolved timestamp at once, not a progress period later', async () => {
    keepOnFailure();
    const db = new FerryClient({ endpoints: NODES.map((n) => c.address(n)), timeoutMs: 10_000 });
    const stop = new AbortController();
    const t0 = Date.now();
    let first: bigint | undefined;
    for await (const b of db.watch({ prefix: 'u/', progressMs: 30_000, signal: stop.signal })) {
      first = b.resolvedTs;
      break;
    }
    // The group's clock was 0: the node asks it to close a timestamp rather than wait out the 30 s period.
    expect(first).toBeGreaterThan(0n);
    expect(Date.now() - t0).toBeLessThan(15_000);
    db.close();
  });

  it('a feed over three routes sees every acknowledged write once, in order, under resolved timestamps; a start timestamp replays it', async () => {
    keepOnFailure();
    const db = new FerryClient({ endpoints: NODES.map((n) => c.address(n)), timeoutMs: 20_000 });
    const before = await db.put('a/before', 'x'); // before the watch: not an event
    const w = new Watcher(db, { start: 'a/', end: 'z' });
    await sleep(500); // the parts are open
    const load = writers(db, ['c/', 'k/', 'r/', 'w/'], 40);
    await load.done;
    await w.until(maxTs(load.acked));
    expect(w.problems).toEqual([]);
    expect(seen(w.events)).toEqual(seen(load.acked));
    // The nodes count what they sent: every event went out once (one watcher), from streams they opened.
    const metric = async (n: number, name: string): Promise<number> => {
      const text = await (await fetch(`http://127.0.0.1:${c.httpPort(n)}/metrics`)).text();
      return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    };
    let sent = 0;
    let opened = 0;
    for (const n of NODES) {
      sent += await metric(n, 'ferrykv_watch_events_total');
      opened += await metric(n, 'ferrykv_watch_streams_opened_total');
    }
    expect(sent).toBe(load.acked.length);
    expect(opened).toBeGreaterThanOrEqual(3); // one per route at least
    // From a start timestamp: the same history, from storage.
    const again = new Watcher(db, { start: 'a/', end: 'z', fromTs: before });
    await again.until(maxTs(load.acked));
    expect(again.problems).toEqual([]);
    expect(seen(again.events)).toEqual(seen(load.acked));
    db.close();
  });

  it('resumes across a killed node without losing or repeating a change', async () => {
    keepOnFailure();
    const db = new FerryClient({ endpoints: NODES.map((n) => c.address(n)), timeoutMs: 30_000 });
    const w = new Watcher(db, { prefix: 'kill/' });
    await sleep(500);
    const load = writers(db, ['kill/a', 'kill/b'], 60);
    await sleep(300);
    const leader = await c.leaderOf(2); // 'kill/' is in ['h', 'p'): group 2
    await c.kill(leader);
    await load.done;
    await w.until(maxTs(load.acked), 60_000);
    expect(w.problems).toEqual([]);
    expect(seen(w.events)).toEqual(seen(load.acked));
    c.startNode(leader);
    await c.waitForLeaders(NODES);
    db.close();
  });

  it('follows a route a migration moves to another group: every change exactly once around the cutover, with ten more watchers, a passing VERIFY and a clean verify --all', async () => {
    keepOnFailure();
    const db = new FerryClient({ endpoints: NODES.map((n) => c.address(n)), timeoutMs: 30_000 });
    for (let i = 0; i < 500; i += 100) await db.batchWrite(Array.from({ length: 100 }, (_, j) => ({ op: 'put' as const, key: `q/pre/${i + j}`, value: 'v' })));
    const main = new Watcher(db, { prefix: 'q/' });
    const more = Array.from({ length: 10 }, () => new Watcher(db, { prefix: 'q/' }));
    await sleep(500);
    let stop = false;
    const acked: { key: string; value: string | null; ts: bigint }[] = [];
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) acked.push({ key: `q/w${w}/${i % 20}`, value: `${w}-${i}`, ts: await db.put(`q/w${w}/${i % 20}`, `${w}-${i}`) });
    };
    const load = [writer(0), writer(1)];
    await sleep(300);
    const started = await c.onDefaultLeader((a) => a.startSplitMigration({ routeId: '3', targetGroup: 2, options: { chunkBytes: 16 << 10, cleanupGraceMs: '0', cleanupGraceSet: true } }));
    const done = await c.waitJob(started.jobId, ['DONE', 'FAILED', 'ABANDONED']);
    const atDone = acked.length;
    // Verification of every group while the writers write and the eleven feeds consume: every replica answers, all consistent.
    const verify = await ctl('--json', 'verify', '--all', '--at', 'now');
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const report = JSON.parse(verify.stdout) as VerifyJson;
    expect(report).toMatchObject({ consistent: true, inconsistentGroups: [], unverifiedGroups: [], unreachable: [] });
    expect(report.groups.map((g) => [g.groupId, g.status])).toEqual([[1, 'CONSISTENT'], [2, 'CONSISTENT'], [3, 'CONSISTENT']]);
    for (const g of report.groups) expect(g.report!.replicas.map((r) => r.error), `group ${g.groupId}`).toEqual(['', '', '']);
    stop = true;
    await Promise.all(load);
    expect(done.phase, `${done.lastError} / ${done.verifyResult}`).toBe('DONE');
    expect(done.verifyResult).toMatch(/^ok/);
    // Writes after the cutover committed in the target group: the feeds must have followed the route there.
    expect(acked.length - atDone).toBeGreaterThan(0);
    const last = maxTs(acked);
    await main.until(last);
    expect(main.problems).toEqual([]);
    expect(seen(main.events)).toEqual(seen(acked));
    for (const w of more) {
      await w.until(last);
      expect(w.problems).toEqual([]);
      expect(w.events.length).toBe(acked.length);
    }
    console.log(`watch: ${acked.length} writes during a move, seen once each by 11 watchers across the cutover`);
    db.close();
  });

  it('leaves a replica cut off from its group for one that can resolve, and misses nothing written meanwhile', async () => {
    keepOnFailure();
    const leader = await c.leaderOf(3); // "cut/" is in ["p", +∞): group 3
    const cut = NODES.find((n) => n !== leader)!;
    const other = NODES.find((n) => n !== leader && n !== cut)!;
    // Routing off: the first endpoint the client picks is the second in its list, the cut-off node.
    const watcherDb = new FerryClient({ endpoints: [c.address(other), c.address(cut)], routing: 'off', timeoutMs: 10_000 });
    const db = new FerryClient({ endpoints: NODES.map((n) => c.address(n)), timeoutMs: 20_000 });
    const w = new Watcher(watcherDb, { prefix: 'cut/' });
    await sleep(500);
    const before = await db.put('cut/before', '1');
    const isolate = async (on: boolean): Promise<void> => {
      await c.adminApi(cut).setFaults({ faults: on ? NODES.filter((n) => n !== cut).map((nodeId) => ({ nodeId, drop: 1, delayMs: 0 })) : [] }, 2000);
      for (const n of NODES.filter((x) => x !== cut)) await c.adminApi(n).setFaults({ faults: on ? [{ nodeId: cut, drop: 1, delayMs: 0 }] : [] }, 2000);
    };
    await isolate(true);
    try {
      const acked = [{ key: 'cut/before', value: '1', ts: before }];
      for (let i = 0; i < 10; i++) acked.push({ key: `cut/${i}`, value: `v${i}`, ts: await db.put(`cut/${i}`, `v${i}`) });
      // The cut-off replica cannot resolve past the partition: the feed must move to a node that can.
      await w.until(maxTs(acked), 20_000);
      expect(w.problems).toEqual([]);
      expect(seen(w.events)).toEqual(seen(acked));
    } finally {
      await isolate(false);
      watcherDb.close();
      db.close();
    }
  });

  it('refuses bad requests with typed errors', async () => {
    keepOnFailure();
    const db = new FerryClient({ endpoints: NODES.map((n) => c.address(n)), timeoutMs: 10_000 });
    const first = async (o: WatchOptions): Promise<unknown> => {
      for await (const b of db.watch(o)) return b;
      return undefined;
    };
    expect(() => db.watch({ start: 'b', end: 'a' })).toThrow(KvError);
    expect(() => db.watch({ prefix: 'x', start: 'a' })).toThrow(/prefix or start/);
    expect(() => db.watch({ prefix: 'x', progressMs: 5 })).toThrow(/progressMs/);
    // A start far in the future is refused by the node's clock bound.
    await expect(first({ prefix: 'x', fromTs: 1n << 62n })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', detail: { field: 'start_ts' } });
    db.close();
  });
});
