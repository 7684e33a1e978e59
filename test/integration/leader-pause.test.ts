// An unresponsive leader costs a client one attempt, not its deadline (defect:
// the SDK gave each attempt the whole remaining deadline, so a SIGSTOPped
// leader blocked writes for the whole 8 s pause although new leaders were
// elected after ~1 s). Per-attempt timeouts, shared knowledge of a node that
// timed out (for every group it led), bounded forwards inside the cluster,
// and a leader cut off from its quorum that answers its waiting callers when
// CheckQuorum steps it down. One 3-node, 2-group cluster.

import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { FerryClient } from '../../src/client/client.js';
import { TestCluster } from '../../testkit/cluster.js';

let c: TestCluster;
let keepLogs = false;
const PAUSE_BOUND_MS = 10_000; // ~5× what it takes: an election timeout (0.5–1 s at 50 ms ticks) plus one attempt

describe('an unresponsive leader', () => {
  beforeAll(async () => {
    // A small compaction limit: the catch-up case below would need a snapshot without time-based retention.
    c = await TestCluster.start({ nodes: 3, groups: 2, extraArgs: ['--compact-log-entries', '100'] });
  });
  afterAll(async () => {
    if (keepLogs) console.error(`leader-pause: logs kept in ${c?.dir}`);
    await c?.cleanup(keepLogs);
  });

  /** Puts one key per group through the SDK; resolves with how long each took. */
  async function timedPuts(db: FerryClient, tag: string): Promise<number[]> {
    return Promise.all(
      ['a', 'm'].map(async (p) => {
        const t0 = performance.now();
        await db.put(`${p}/${tag}`, tag);
        return performance.now() - t0;
      }),
    );
  }

  it('SIGSTOP of the leader of both groups: writes to both resume while it is still stopped', async () => {
    onTestFailed(() => void (keepLogs = true));
    // One node leads both groups, so both depend on it.
    const leader = await c.leaderOf(1);
    if ((await c.leaderOf(2)) !== leader) await c.adminApi(await c.leaderOf(2)).transferLeader({ groupId: 2, toNodeId: leader }, 10_000);
    const db = new FerryClient({ endpoints: [1, 2, 3].map((n) => c.address(n)), timeoutMs: 30_000 });
    await timedPuts(db, 'warm'); // the client learns the leaders
    c.pause(leader);
    let resumed = false;
    try {
      const took = await timedPuts(db, 'during-pause');
      expect(resumed).toBe(false);
      console.log(`writes during the pause took ${took.map((t) => Math.round(t)).join(', ')} ms`);
      for (const t of took) expect(t).toBeLessThan(PAUSE_BOUND_MS);
    } finally {
      c.resume(leader);
      resumed = true;
    }
    expect(Buffer.from((await db.get('m/during-pause'))!.value).toString()).toBe('during-pause');
    db.close();
  }, 60_000);

  it('a leader cut off from its quorum steps down and its waiting writes are answered: the client goes elsewhere', async () => {
    onTestFailed(() => void (keepLogs = true));
    await c.waitForLeaders([1, 2, 3]);
    const leader = await c.leaderOf(1);
    const others = [1, 2, 3].filter((n) => n !== leader);
    // Only this client's first endpoint is the leader: the write starts there.
    const db = new FerryClient({ endpoints: [leader, ...others].map((n) => c.address(n)), timeoutMs: 30_000, routing: 'off' });
    await db.put('a/warm2', 'x');
    await c.adminApi(leader).setFaults({ faults: others.map((nodeId) => ({ nodeId, drop: 1, delayMs: 0 })) });
    for (const n of others) await c.adminApi(n).setFaults({ faults: [{ nodeId: leader, drop: 1, delayMs: 0 }] });
    try {
      const t0 = performance.now();
      await db.put('a/cut-off', 'y');
      const took = performance.now() - t0;
      console.log(`a write sent to a cut-off leader took ${Math.round(took)} ms`);
      expect(took).toBeLessThan(PAUSE_BOUND_MS);
    } finally {
      for (const n of [1, 2, 3]) await c.adminApi(n).setFaults({ faults: [] });
    }
    expect(Buffer.from((await db.get('a/cut-off'))!.value).toString()).toBe('y');
    db.close();
  }, 60_000);
  it('a follower down for a short while catches up from the log, not a snapshot (the log keeps its last minute)', async () => {
    onTestFailed(() => void (keepLogs = true));
    await c.waitForLeaders([1, 2, 3]);
    const leader = await c.leaderOf(1);
    const follower = [1, 2, 3].find((n) => n !== leader)!;
    await c.kill(follower);
    const from = c.log(follower).length;
    const db = new FerryClient({ endpoints: [1, 2, 3].filter((n) => n !== follower).map((n) => c.address(n)), timeoutMs: 20_000 });
    // 600 entries in group 1: six times the compaction limit (which alone would keep 50).
    for (let i = 0; i < 600; i += 20) await Promise.all(Array.from({ length: 20 }, (_, j) => db.put(`a/outage/${i + j}`, 'v')));
    db.close();
    const ls = await c.groupStatus(leader, 1);
    expect(Number(ls!.firstIndex)).toBeGreaterThan(1); // the leader did compact
    c.startNode(follower);
    await c.waitCaughtUp(follower, [1]);
    expect(c.log(follower).slice(from)).not.toMatch(/snapshot ingested/);
  }, 60_000);
});
