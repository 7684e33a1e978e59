// Crash faults on a real 3-node, 3-group cluster under a continuous write
// load: SIGKILL of a leader (with requests in flight to it), SIGKILL of a
// follower whose log the others then compact past (it must catch up through a
// snapshot), and SIGTERM of a node. Acknowledged writes are never lost, the
// other two nodes keep serving, restarted nodes catch up, and retried request
// ids apply exactly once. One cluster and one write load for the whole file;
// logs are compacted beyond 50 entries so a few hundred writes outrun a
// stopped node's log.

import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { TestCluster, enc, sleep, waitFor } from '../../testkit/cluster.js';
import { Workload, logEvents, logLinesAtLeast, retryable, type AckedWrite } from './workload.js';

const NODES = [1, 2, 3];
const GROUPS = [1, 2, 3];
const PREFIX: Record<number, string> = { 1: 'a', 2: 'k', 3: 't' };

let c: TestCluster;
let load: Workload;
let keepLogs = process.env.FERRYKV_IT_KEEP_LOGS === '1';
/** Nodes killed so far, in order: the leader, the follower, the SIGTERM'd one. */
const killed: number[] = [];
/** Writes whose request ids were retried after a leader crash (checked again at the end). */
const dedupWrites: AckedWrite[] = [];

const keepOnFailure = (): void => onTestFailed(() => void (keepLogs = true));
const physicalMs = (ts: string): number => Number(BigInt(ts) >> 16n);

/** Retries one write (same request id) through the running nodes other than `avoid` until acknowledged. */
async function putUntilAcked(key: string, value: string, requestId: string, avoid: number[], timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const nodes = c.upNodes().filter((n) => !avoid.includes(n));
    const node = nodes[attempt % nodes.length]!;
    try {
      return (await c.api(node).put({ key: enc(key), value: enc(value), requestId: enc(requestId) }, 5_000)).commitTs;
    } catch (e) {
      if (!retryable(e) || Date.now() > deadline) throw e;
      await sleep(50);
    }
  }
}

/** Each write has exactly one version: the acknowledged one, and nothing just below it. */
async function checkExactlyOnce(node: number, writes: readonly AckedWrite[]): Promise<string[]> {
  const bad = await load.verify(node, writes);
  for (const w of writes) {
    const before = await c.api(node).get({ key: enc(w.key), readTs: (BigInt(w.ts) - 1n).toString() });
    if (before.found) bad.push(`${w.key}: a second version at ${before.versionTs} below the acknowledged ${w.ts} (applied twice)`);
  }
  return bad;
}

/** Restarts any node a failed earlier test left down, so one failure does not cascade. */
async function ensureAllUp(): Promise<void> {
  for (const n of NODES) {
    if (c.isUp(n)) continue;
    c.startNode(n);
    await c.waitCaughtUp(n, GROUPS, 60_000);
  }
}

/** Moves leadership of every group `id` leads to another running voter. */
async function shedLeadership(id: number): Promise<void> {
  for (const g of GROUPS) {
    await waitFor(
      `node ${id} to hand over leadership of group ${g}`,
      async () => {
        const leader = await c.leaderOf(g);
        if (leader !== id) return true;
        const to = NODES.find((n) => n !== id && c.isUp(n))!;
        await c.adminApi(id).transferLeader({ groupId: g, toNodeId: to }, 5_000);
        return (await c.leaderOf(g)) !== id;
      },
      20_000,
      200,
    );
  }
}

describe('crash faults under a write load (3 nodes, 3 groups, logs compacted past 50 entries)', () => {
  beforeAll(async () => {
    c = await TestCluster.start({ nodes: 3, groups: 3, extraArgs: ['--compact-log-entries', '50'] });
    load = new Workload(c, { prefixes: PREFIX });
    load.start();
    await load.waitProgress(20, GROUPS, 30_000);
  });

  afterAll(async () => {
    await load?.stop();
    if (keepLogs) console.error(`faults: node logs kept in ${c?.dir}`);
    await c?.cleanup(keepLogs);
  });

  it('SIGKILL of a group leader with requests in flight: no acknowledged write lost, retries apply once, the others serve, it catches up', async () => {
    keepOnFailure();
    const L = await c.leaderOf(1);
    killed.push(L);
    const survivors = NODES.filter((n) => n !== L);

    // (a) A write the leader applied but whose reply the client never used:
    // it is visible through another node before the crash.
    const lost = { key: 'a/dedup/lost', value: 'first', requestId: 'dedup-lost' };
    const lostTs = (await c.api(L).put({ key: enc(lost.key), value: enc(lost.value), requestId: enc(lost.requestId) })).commitTs;
    await waitFor('the write to be visible through a follower', async () => (await c.api(survivors[0]!).get({ key: enc(lost.key) })).versionTs === lostTs, 10_000);

    // (b) Eight request streams straight to the leader; kill it while they run.
    const inDoubt: { key: string; value: string; requestId: string }[] = [];
    const burstAcked: AckedWrite[] = [];
    let stopBurst = false;
    const stream = async (s: number): Promise<void> => {
      for (let i = 0; !stopBurst; i++) {
        const w = { key: `a/dedup/${s}/${String(i).padStart(4, '0')}`, value: `first-${s}-${i}`, requestId: `dedup-${s}-${i}` };
        try {
          const res = await c.api(L).put({ key: enc(w.key), value: enc(w.value), requestId: enc(w.requestId) }, 5_000);
          burstAcked.push({ key: w.key, value: w.value, ts: res.commitTs, group: 1 });
        } catch {
          inDoubt.push(w); // outcome unknown: the leader died with it in flight
          return;
        }
      }
    };
    const streams = Array.from({ length: 8 }, (_, s) => stream(s));
    await waitFor('the request streams to get going', () => Promise.resolve(burstAcked.length >= 40), 30_000, 5);
    const before = load.snapshotCounts();
    const killedAt = Date.now();
    await c.kill(L, 'SIGKILL');
    stopBurst = true;
    await Promise.all(streams);
    expect(inDoubt.length, 'requests in flight when the leader died').toBeGreaterThan(0);

    // The other two keep serving: the load goes on in every group.
    await load.waitProgress(30, GROUPS, 30_000, before);

    // Retried through the survivors with the same request ids, each applies once.
    const againTs = await putUntilAcked(lost.key, lost.value, lost.requestId, [L]);
    expect(againTs, 'a retry of an applied write returns the original commit timestamp').toBe(lostTs);
    dedupWrites.push({ key: lost.key, value: lost.value, ts: lostTs, group: 1 });
    let appliedBeforeCrash = 0;
    for (const w of inDoubt) {
      const ts = await putUntilAcked(w.key, w.value, w.requestId, [L]);
      if (physicalMs(ts) <= killedAt) appliedBeforeCrash++;
      dedupWrites.push({ key: w.key, value: w.value, ts, group: 1 });
    }
    dedupWrites.push(...burstAcked);
    console.log(`faults: ${burstAcked.length} burst writes acknowledged, ${inDoubt.length} in flight at the crash, ${appliedBeforeCrash} of those had been applied before it`);
    for (const n of survivors) expect(await checkExactlyOnce(n, dedupWrites), `exactly-once via node ${n}`).toEqual([]);

    // Reads through both survivors: every write acknowledged so far is there.
    for (const n of survivors) expect(await load.verify(n), `acknowledged writes via node ${n} while node ${L} is down`).toEqual([]);

    // Restart: the node catches up and serves every acknowledged write itself.
    c.startNode(L);
    await c.waitCaughtUp(L, GROUPS, 60_000);
    expect(await load.verify(L), `acknowledged writes via the restarted node ${L}`).toEqual([]);
    expect(load.failures).toEqual([]);
  });

  it('SIGKILL of a follower; the others compact their logs past it; it restarts and catches up through snapshots', async () => {
    keepOnFailure();
    await ensureAllUp();
    // A node other than the previous victim, made a pure follower.
    const F = NODES.find((n) => !killed.includes(n))!;
    killed.push(F);
    await shedLeadership(F);
    const before = load.snapshotCounts();
    await c.kill(F, 'SIGKILL');
    // The log position of every group when it died: the others must compact beyond it.
    const lastAtKill = new Map<number, number>();
    for (const g of GROUPS) {
      const leader = await c.leaderOf(g);
      lastAtKill.set(g, Number((await c.groupStatus(leader, g))!.lastIndex));
    }
    await load.waitProgress(150, GROUPS, 60_000, before);
    await waitFor(
      'every group leader to compact its log past the stopped follower',
      async () => {
        for (const g of GROUPS) {
          const s = await c.groupStatus(await c.leaderOf(g), g);
          if (!s || Number(s.firstIndex) <= lastAtKill.get(g)!) return false;
        }
        return true;
      },
      60_000,
    );
    for (const n of NODES.filter((x) => x !== F)) expect(await load.verify(n), `acknowledged writes via node ${n} while node ${F} is down`).toEqual([]);

    const logFrom = c.log(F).length;
    c.startNode(F);
    await c.waitCaughtUp(F, GROUPS, 60_000);
    const ingested = logEvents(c.log(F).slice(logFrom), 'snapshot ingested').map((e) => e.groupId);
    for (const g of GROUPS) expect(ingested, `node ${F} ingested a snapshot of group ${g} after its restart`).toContain(g);
    // Linearizable reads through F are served from F's own (snapshot-built) storage.
    expect(await load.verify(F), `acknowledged writes via the restarted node ${F}`).toEqual([]);
    expect(await checkExactlyOnce(F, dedupWrites)).toEqual([]);
    expect(load.failures).toEqual([]);
  });

  it('SIGTERM under load: exits 0 promptly; after a restart its data is intact and it catches up', async () => {
    keepOnFailure();
    await ensureAllUp();
    const T = NODES.find((n) => !killed.includes(n))!;
    killed.push(T);
    await load.waitProgress(10, GROUPS, 30_000);
    const before = load.snapshotCounts();
    const t0 = Date.now();
    const code = await Promise.race([c.kill(T, 'SIGTERM'), sleep(15_000).then(() => 'still running after 15 s')]);
    const tookMs = Date.now() - t0;
    expect(code, `exit of node ${T} after SIGTERM`).toBe(0);
    console.log(`faults: node ${T} exited ${tookMs} ms after SIGTERM`);
    const stopLog = c.log(T);
    expect(logEvents(stopLog, 'stopped').length, 'the node logged a clean stop').toBeGreaterThan(0);
    await load.waitProgress(30, GROUPS, 30_000, before);

    const logFrom = c.log(T).length;
    c.startNode(T);
    await c.waitCaughtUp(T, GROUPS, 60_000);
    expect(await load.verify(T), `acknowledged writes via the restarted node ${T}`).toEqual([]);
    const restartLog = c.log(T).slice(logFrom);
    expect(logLinesAtLeast(restartLog, 50), `errors in node ${T}'s log after the restart`).toEqual([]);
    expect(restartLog).not.toMatch(/CORRUPT|partially ingested/);
    expect(load.failures).toEqual([]);
  });

  it('at the end: every acknowledged write is readable through every node, and retried ids stay applied once', async () => {
    keepOnFailure();
    await load.stop();
    expect(load.failures).toEqual([]);
    console.log(`faults: ${load.count()} writes acknowledged under faults (${load.retries} attempts retried)`);
    for (const n of NODES) await c.waitCaughtUp(n, GROUPS, 60_000);
    for (const n of NODES) expect(await load.verify(n), `via node ${n}`).toEqual([]);
    for (const n of NODES) expect(await checkExactlyOnce(n, dedupWrites), `exactly-once via node ${n}`).toEqual([]);
    // The same request id with another value is still a retry: the stored
    // result, no new write. Asked with each node leading group 1 in turn, so
    // every replica's dedup state counts (the restarted ones rebuilt theirs
    // from a replayed log or an ingested snapshot).
    for (const leader of NODES) {
      await waitFor(
        `node ${leader} to lead group 1`,
        async () => {
          const cur = await c.leaderOf(1);
          if (cur !== leader) await c.adminApi(cur).transferLeader({ groupId: 1, toNodeId: leader }, 5_000);
          return (await c.leaderOf(1)) === leader;
        },
        20_000,
        200,
      );
      for (const [i, w] of dedupWrites.entries()) {
        const rid = w.key === 'a/dedup/lost' ? 'dedup-lost' : `dedup-${w.key.split('/')[2]}-${Number(w.key.split('/')[3])}`;
        const res = await c.api(NODES[i % 3]!).put({ key: enc(w.key), value: enc(`second-${leader}`), requestId: enc(rid) });
        expect(res.commitTs, `${w.key}: a reused request id returns the original result (node ${leader} leading)`).toBe(w.ts);
      }
    }
    for (const n of NODES) expect(await load.verify(n, dedupWrites), `values after reused request ids, via node ${n}`).toEqual([]);
    for (const n of NODES) {
      const fatal = logLinesAtLeast(c.log(n), 60);
      expect(fatal, `fatal lines in node ${n}'s log`).toEqual([]);
    }
    expect(new Set(killed).size).toBe(3);
  });
});
