// A node whose data dir was wiped (defect: it re-bootstrapped every group and
// voted as if it had never acknowledged anything; with node 2 cut off and node
// 3 wiped, node 2 was elected on node 3's vote and 40 of 60 acknowledged keys
// were gone). Now: the wiped node refuses to start while a peer knows it; if
// no peer could be asked, its peers refuse its raft traffic and it stops; and
// --replace-node brings it back as a learner that catches up before it votes.
// One cluster, one long scenario.

import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { FerryClient } from '../../src/client/client.js';
import { TestCluster, sleep, waitFor } from '../../testkit/cluster.js';

const GROUPS = [1, 2];
const KEYS = Array.from({ length: 60 }, (_, i) => `${i % 2 === 0 ? 'a' : 'm'}/${String(i).padStart(3, '0')}`);
const EXIT_STORE_REFUSED = 78;

let c: TestCluster;
let keepLogs = false;

/** Drops raft traffic between node 2 and the others, both ways (empty `cut`: heal). */
async function cutNode2(cut: boolean): Promise<void> {
  const drop = (ids: number[]): { nodeId: number; drop: number; delayMs: number }[] => (cut ? ids.map((nodeId) => ({ nodeId, drop: 1, delayMs: 0 })) : []);
  for (const [n, peers] of [[1, [2]], [3, [2]], [2, [1, 3]]] as const) if (c.isUp(n)) await c.adminApi(n).setFaults({ faults: drop([...peers]) });
}

async function readAll(endpoints: string[]): Promise<Map<string, string>> {
  const db = new FerryClient({ endpoints, timeoutMs: 20_000, routing: 'off' });
  try {
    const out = new Map<string, string>();
    for (const k of KEYS) {
      const v = await db.get(k);
      if (v) out.set(k, Buffer.from(v.value).toString());
    }
    return out;
  } finally {
    db.close();
  }
}

async function voterEverywhere(node: number): Promise<boolean> {
  for (const g of GROUPS) {
    const leader = await c.leaderOf(g);
    const s = await c.groupStatus(leader, g);
    if (!s?.voters.includes(node)) return false;
  }
  return true;
}

describe('a lost disk', () => {
  beforeAll(async () => {
    c = await TestCluster.start({ nodes: 3, groups: 2 });
  });
  afterAll(async () => {
    if (keepLogs) console.error(`lost-disk: logs kept in ${c?.dir}`);
    await c?.cleanup(keepLogs);
  });

  it('a wiped node refuses to start, is replaced safely with --replace-node, and no acknowledged write is lost', async () => {
    onTestFailed(() => void (keepLogs = true));
    // 1. Node 2 is cut off; 60 writes are acknowledged by nodes 1 and 3 only.
    await cutNode2(true);
    const db = new FerryClient({ endpoints: [c.address(1), c.address(3)], timeoutMs: 20_000 });
    for (const k of KEYS) await db.put(k, `v-${k}`);
    db.close();

    // 2. Node 3 loses its disk and is restarted: it refuses (node 1 knows its old store).
    await c.kill(3);
    c.wipe(3);
    c.startNode(3);
    expect(await c.exited(3)).toBe(EXIT_STORE_REFUSED);
    expect(c.log(3)).toMatch(/this node's data was lost/);

    // 3. The repro's next step (node 1 dies, node 2 heals) can no longer elect node 2 on node 3's vote.
    await c.kill(1);
    await cutNode2(false);
    await sleep(2000);
    const g2 = await c.groupStatus(2, 1);
    expect(g2?.role).not.toBe('Leader');
    c.startNode(1);
    await c.waitForLeaders([1, 2]);
    expect((await readAll([c.address(1), c.address(2)])).size).toBe(KEYS.length);

    // 4. The replacement: node 3 on an empty dir with --replace-node re-enters both groups as a learner, then votes.
    c.wipe(3);
    c.startNode(3, ['--replace-node']);
    await waitFor('node 3 to be a voter of every group again', async () => voterEverywhere(3), 60_000, 250);
    await c.waitCaughtUp(3, GROUPS);
    await waitFor('the replacement to finish', () => Promise.resolve(/replace-node: done/.test(c.log(3))), 30_000, 250);

    // 5. Node 3's copy is real: with node 1 down, nodes 2 and 3 serve every acknowledged write.
    await c.kill(1);
    await c.waitForLeaders([2, 3]);
    const seen = await readAll([c.address(2), c.address(3)]);
    expect(seen.size).toBe(KEYS.length);
    for (const k of KEYS) expect(seen.get(k)).toBe(`v-${k}`);
    c.startNode(1);
    await c.waitForLeaders([1, 2, 3]);
  }, 170_000);

  it('a wiped node that could ask no peer starts, but its peers refuse its store and it stops', async () => {
    onTestFailed(() => void (keepLogs = true));
    for (const n of [1, 2, 3]) await c.kill(n);
    c.wipe(3);
    const from = c.log(3).length;
    c.startNode(3); // nobody to ask: it makes a new store and campaigns on an empty log
    await waitFor('node 3 to make a new store', () => Promise.resolve(/"msg":"new store"/.test(c.log(3).slice(from))), 20_000, 100);
    c.startNode(1);
    c.startNode(2);
    expect(await c.exited(3)).toBe(EXIT_STORE_REFUSED);
    expect(c.log(3).slice(from)).toMatch(/a peer refuses this node's store/);
    expect(c.log(1) + c.log(2)).toMatch(/refusing raft traffic from a peer whose store is not the one this node knows/);
    await c.waitForLeaders([1, 2]);
    const seen = await readAll([c.address(1), c.address(2)]);
    expect(seen.size).toBe(KEYS.length);
  }, 90_000);
});
