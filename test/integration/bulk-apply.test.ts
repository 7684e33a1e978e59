// A Ready that commits at least 512 KiB of entries (a migration's IMPORT
// chunk, a large batch), or a bulk command (a GC or clearing step, a
// migration step, a digest: GroupMachine.isBulk), applies beside the ready
// loop in its own storage write (src/node/node-host.ts, BULK_APPLY_BYTES), so
// other groups' callers and next persists do not wait behind it (issue 19,
// head-of-line: an MVCC_GC step held every group of a node 170-600 ms). It must
// still apply in log order with the group's other entries, on every replica,
// and durably: a node killed after it acknowledged has it after a restart.

import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { FerryClient, type Mutation } from '../../src/client/client.js';
import { TestCluster, waitFor } from '../../testkit/cluster.js';

let c: TestCluster;
let db: FerryClient;
let keepLogs = false;

async function metric(node: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${c.httpPort(node)}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
}

const bulkApplies = (node: number): Promise<number> => metric(node, 'ferrykv_apply_bulk_total');

const text = (v: { value: Uint8Array } | undefined): string | undefined => (v ? Buffer.from(v.value).toString() : undefined);

describe('bulk apply beside the ready loop', () => {
  beforeAll(async () => {
    // Group 1 serves [, h), group 2 [h, +∞).
    c = await TestCluster.start({ nodes: 3, groups: 2 });
    db = new FerryClient({ endpoints: [1, 2, 3].map((n) => c.address(n)), timeoutMs: 15_000 });
  });
  afterAll(async () => {
    db?.close();
    if (keepLogs) console.error(`bulk-apply: logs kept in ${c?.dir}`);
    await c?.cleanup(keepLogs);
  });

  it('a 1 MiB batch applies on every replica in log order with the writes around it, while another group writes', async () => {
    onTestFailed(() => void (keepLogs = true));
    const before = await Promise.all([1, 2, 3].map(bulkApplies));
    await db.put('q/big/0', 'before');
    const big: Mutation[] = Array.from({ length: 8 }, (_, i) => ({ op: 'put', key: `q/big/${i}`, value: Buffer.alloc(128 << 10, 65 + i) }));
    let fgDone = 0;
    const foreground = (async (): Promise<void> => {
      for (let i = 0; i < 40; i++) {
        await db.put(`a/${i}`, `v${i}`);
        fgDone++;
      }
    })();
    await db.batchWrite(big);
    await db.put('q/big/1', 'after'); // the group's next entry: applies after the bulk one
    await foreground;
    expect(fgDone).toBe(40);
    expect(text(await db.get('q/big/0'))).toBe('A'.repeat(128 << 10)); // the batch replaced 'before'
    expect(text(await db.get('q/big/1'))).toBe('after');
    expect(text(await db.get('q/big/7'))).toBe('H'.repeat(128 << 10));
    expect(text(await db.get('a/39'))).toBe('v39');
    // Every replica applied the batch beside its loop.
    await waitFor('every node to apply the batch beside its ready loop', async () => {
      const now = await Promise.all([1, 2, 3].map(bulkApplies));
      return now.every((n, i) => n > before[i]!);
    });
    // Every node timed its turns' persists (the synced write all its groups wait for).
    for (const n of [1, 2, 3]) expect(await metric(n, 'ferrykv_raft_persist_duration_seconds_count')).toBeGreaterThan(0);
  });

  it('a bulk command (DELETE_RANGE) applies beside the loop on every replica, in order with the writes around it', async () => {
    onTestFailed(() => void (keepLogs = true));
    for (let i = 0; i < 20; i++) await db.put(`q/range/${String(i).padStart(2, '0')}`, `r${i}`);
    const before = await Promise.all([1, 2, 3].map(bulkApplies));
    const res = await db.deleteRange('q/range/', 'q/range0');
    expect(res.deleted).toBe(20);
    await db.put('q/range/05', 'again'); // after the range delete in the log
    expect(text(await db.get('q/range/04'))).toBeUndefined();
    expect(text(await db.get('q/range/05'))).toBe('again');
    await waitFor('every node to apply the range delete beside its ready loop', async () => {
      const now = await Promise.all([1, 2, 3].map(bulkApplies));
      return now.every((n, i) => n > before[i]!);
    });
  });

  it('what applied beside the loop is durable: a follower killed and restarted still has it', async () => {
    onTestFailed(() => void (keepLogs = true));
    const leader = await c.leaderOf(2);
    const follower = [1, 2, 3].find((n) => n !== leader)!;
    const big: Mutation[] = Array.from({ length: 6 }, (_, i) => ({ op: 'put', key: `q/durable/${i}`, value: Buffer.alloc(128 << 10, 97 + i) }));
    await db.batchWrite(big);
    await c.waitCaughtUp(follower, [2]);
    const applied = Number((await c.groupStatus(follower, 2))!.applied);
    await c.kill(follower);
    c.startNode(follower);
    await c.waitForLeaders([follower]);
    // Restarted, the follower's applied index starts at least where it was: the bulk write was on disk.
    const s = await c.groupStatus(follower, 2, 10_000);
    expect(Number(s!.applied)).toBeGreaterThanOrEqual(applied);
    // With the follower leading the group, reads are served from its own state.
    await c.adminApi(leader).transferLeader({ groupId: 2, toNodeId: follower }, 5_000);
    await waitFor('the restarted follower to lead group 2', async () => (await c.leaderOf(2)) === follower);
    expect(text(await db.get('q/durable/5'))).toBe('f'.repeat(128 << 10));
    expect(text(await db.get('q/durable/0'))).toBe('a'.repeat(128 << 10));
  });
});
