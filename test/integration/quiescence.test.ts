// Quiescence on real nodes (src/node/quiescence.ts): an idle cluster stops
// ticking its groups, a write wakes the group it goes to, and a leader killed
// while its groups are quiesced is replaced — the survivors notice through the
// node heartbeats, not through group heartbeats (there are none while quiet).

import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { FerryClient } from '../../src/client/client.js';
import { TestCluster, retry } from '../../testkit/cluster.js';

let c: TestCluster;
let keepLogs = false;

/** The quiescence gauges of one node's /metrics. */
async function gauges(node: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${c.httpPort(node)}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^ferrykv_raft_(?:quiescent_replicas\{state|quiescence_events\{event)="([a-z_]+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

/** Waits until every replica on each of `nodes` is quiesced. */
async function allQuiet(nodes: readonly number[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const gs = await Promise.all(nodes.map(gauges));
    if (gs.every((g) => g.hosted! > 0 && g.quiescent === g.hosted)) return;
    if (Date.now() > deadline) throw new Error(`not quiesced within ${timeoutMs} ms: ${JSON.stringify(gs)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('quiescence on a 3-node, 3-group cluster', () => {
  beforeAll(async () => {
    c = await TestCluster.start({ nodes: 3, groups: 3 });
  });
  afterAll(async () => {
    if (keepLogs) console.error(`quiescence: logs kept in ${c?.dir}`);
    await c?.cleanup(keepLogs);
  });

  it('an idle cluster quiesces every replica; a write wakes its group, applies, and the group quiesces again', async () => {
    onTestFailed(() => void (keepLogs = true));
    await c.waitForLeaders([1, 2, 3]);
    await allQuiet([1, 2, 3]);
    const woken = (await gauges(1)).woken!;
    const db = new FerryClient({ endpoints: [1, 2, 3].map((n) => c.address(n)), timeoutMs: 10_000 });
    await db.put('m/after-quiet', 'v');
    expect(Buffer.from((await db.get('m/after-quiet'))!.value).toString()).toBe('v');
    db.close();
    expect((await gauges(1)).woken).toBeGreaterThan(woken);
    await allQuiet([1, 2, 3]);
  }, 90_000);

  it('a leader killed while its groups are quiesced is replaced: writes to its groups succeed again through the survivors', async () => {
    onTestFailed(() => void (keepLogs = true));
    const leader = await c.leaderOf(2);
    await allQuiet([1, 2, 3]);
    const survivors = [1, 2, 3].filter((n) => n !== leader);
    await c.kill(leader);
    const t0 = performance.now();
    await retry(() => c.api(survivors[0]!).put({ key: Buffer.from('m/after-kill'), value: Buffer.from('v') }), 30_000);
    console.log(`a write to the quiesced group of the killed leader succeeded after ${Math.round(performance.now() - t0)} ms`);
    const byLiveness = (await Promise.all(survivors.map(gauges))).reduce((n, g) => n + g.woken_by_liveness!, 0);
    expect(byLiveness, 'survivors woke because the leader’s node went silent').toBeGreaterThan(0);
    const got = await c.api(survivors[1]!).get({ key: Buffer.from('m/after-kill') });
    expect(Buffer.from(got.value).toString()).toBe('v');
  }, 90_000);
});

/** Every group's ferrykv_raft_proposals_total on `nodes`, summed. */
async function proposals(cluster: TestCluster, nodes: readonly number[]): Promise<number> {
  let n = 0;
  for (const node of nodes) {
    const text = await (await fetch(`http://127.0.0.1:${cluster.httpPort(node)}/metrics`)).text();
    for (const m of text.matchAll(/^ferrykv_raft_proposals_total\{group="\d+"\} (\d+)$/gm)) n += Number(m[1]);
  }
  return n;
}

describe('background collectors on an idle, quiesced cluster', () => {
  let q: TestCluster;
  beforeAll(async () => {
    // Version GC every 0.5 s, request-id expiry every 1 s, the lock resolver every 0.5 s.
    q = await TestCluster.start({ nodes: 3, groups: 3, extraArgs: ['--gc-retention-ms', '2000', '--dedup-retention-ms', '2000', '--txn-resolver-interval-ms', '500'] });
  });
  afterAll(async () => {
    await q?.cleanup();
  });

  it('propose nothing to groups that had no write since their last pass, so the groups stay quiesced', async () => {
    await q.waitForLeaders([1, 2, 3]);
    const db = new FerryClient({ endpoints: [1, 2, 3].map((n) => q.address(n)), timeoutMs: 10_000 });
    for (let i = 0; i < 30; i++) await db.put(`c/${i}`, 'v');
    await db.put('c/0', 'again'); // a shadowed version and request ids: the first passes have work
    db.close();
    // Two retentions on, the versions and ids have been collected; from then on every pass is skipped.
    // A window can still see a proposal if a leader changed in it (a new leader sweeps once): three tries.
    await new Promise((r) => setTimeout(r, 4500));
    const windows: number[] = [];
    for (let i = 0; i < 3 && !windows.includes(0); i++) {
      const before = await proposals(q, [1, 2, 3]);
      await new Promise((r) => setTimeout(r, 2500));
      windows.push((await proposals(q, [1, 2, 3])) - before);
    }
    expect(windows, 'proposals per 2.5 s window (each pass on each group once proposed a step)').toContain(0);
    // The window's last tick may have woken a replica (a collector pass, a late
    // heartbeat answer): it quiesces again within QUIET_TICKS ticks. Poll a while.
    let text = '';
    for (const deadline = Date.now() + 5000; ; ) {
      text = await (await fetch(`http://127.0.0.1:${q.httpPort(1)}/metrics`)).text();
      if (/^ferrykv_raft_quiescent_replicas\{state="quiescent"\} 3$/m.test(text) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(text).toMatch(/^ferrykv_raft_quiescent_replicas\{state="quiescent"\} 3$/m);
  }, 90_000);
});
