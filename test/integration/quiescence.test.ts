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
