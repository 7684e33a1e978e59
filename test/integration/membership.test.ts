// Leadership and membership on a real cluster under a continuous write load:
// Admin.TransferLeader moves a group's leadership; then node 4 (listed in
// the cluster file, in no group) joins every group as a learner, catches up,
// is promoted to voter, and node 1 is removed (from one group while it leads
// it). Nothing acknowledged is lost, and node 4 serves every acknowledged
// write, also after a crash and restart. One cluster for the file.

import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { KvError } from '../../src/api/errors.js';
import { TestCluster, enc, sleep, waitFor } from '../../testkit/cluster.js';
import { Workload, logLinesAtLeast } from './workload.js';

const GROUPS = [1, 2, 3];
const PREFIX: Record<number, string> = { 1: 'a', 2: 'k', 3: 't' };
const NEW = 4;
const OLD = 1;

let c: TestCluster;
let load: Workload;
let keepLogs = process.env.FERRYKV_IT_KEEP_LOGS === '1';
/** Nodes the write load may use (members of every group). */
let members = [1, 2, 3];

const keepOnFailure = (): void => onTestFailed(() => void (keepLogs = true));
const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

/**
 * Runs an admin call at the current leader of `group`: on NOT_LEADER or a
 * transient error, asks again (at the new leader) until `done` reports the
 * change took effect or the deadline passes.
 */
async function atLeader<T>(group: number, what: string, fn: (leader: number) => Promise<T>, done: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    if (await done().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not done within ${timeoutMs} ms (last: ${last})`);
    try {
      const leader = await c.leaderOf(group);
      await fn(leader);
    } catch (e) {
      if (!(e instanceof KvError) || e.code === 'INVALID_ARGUMENT' || e.code === 'INTERNAL') {
        // INVALID_ARGUMENT can mean an earlier attempt already applied it: `done` decides.
        if (await done().catch(() => false)) return;
        throw e;
      }
      last = `${e.code}: ${e.message}`;
      await sleep(100);
    }
  }
}

/** The group's configuration as its leader reports it. */
async function config(group: number): Promise<{ voters: number[]; learners: number[]; leader: number }> {
  const leader = await c.leaderOf(group);
  const s = await c.groupStatus(leader, group);
  if (!s || s.role !== 'Leader') throw new Error(`node ${leader} no longer leads group ${group}`);
  return { voters: sorted(s.voters), learners: sorted(s.learners), leader };
}

describe('leader transfer and membership change under a write load', () => {
  beforeAll(async () => {
    c = await TestCluster.start({ nodes: 3, spareNodes: 1, groups: 3 });
    load = new Workload(c, { prefixes: PREFIX, nodes: () => members });
    load.start();
    await load.waitProgress(20, GROUPS, 30_000);
  });

  afterAll(async () => {
    await load?.stop();
    if (keepLogs) console.error(`membership: node logs kept in ${c?.dir}`);
    await c?.cleanup(keepLogs);
  });

  it('TransferLeader moves leadership of a group to the chosen voter', async () => {
    keepOnFailure();
    for (const g of GROUPS) {
      const from = await c.leaderOf(g);
      const to = [1, 2, 3].find((n) => n !== from)!;
      // Asked at a follower: NOT_LEADER naming the leader.
      const follower = [1, 2, 3].find((n) => n !== from && n !== to)!;
      const notLeader = await c
        .adminApi(follower)
        .transferLeader({ groupId: g, toNodeId: to })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(notLeader).toBeInstanceOf(KvError);
      expect((notLeader as KvError).code).toBe('NOT_LEADER');
      // Not a voter: refused.
      const bad = await c
        .adminApi(from)
        .transferLeader({ groupId: g, toNodeId: NEW })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect({ code: (bad as KvError).code, field: (bad as KvError).detail.field }).toEqual({ code: 'INVALID_ARGUMENT', field: 'to_node_id' });

      const before = load.snapshotCounts();
      const res = await c.adminApi(from).transferLeader({ groupId: g, toNodeId: to }, 10_000);
      expect(res.leaderId).toBe(to);
      // Every member sees the new leader, and `to` reports itself Leader.
      await waitFor(
        `every node to see node ${to} leading group ${g}`,
        async () => {
          for (const n of [1, 2, 3]) {
            const s = await c.groupStatus(n, g);
            if (s?.leaderId !== to) return false;
          }
          return (await c.groupStatus(to, g))?.role === 'Leader';
        },
        10_000,
      );
      await load.waitProgress(10, [g], 20_000, before);
    }
    expect(load.failures).toEqual([]);
  });

  it('node 4 joins every group (learner → voter) and node 1 leaves, under load; nothing acknowledged is lost', async () => {
    keepOnFailure();
    c.startNode(NEW);
    await waitFor(`node ${NEW} to answer`, () => c.status(NEW, 1000), 30_000);
    const address = c.address(NEW);

    for (const g of GROUPS) {
      const before = load.snapshotCounts();
      // 1. Learner.
      await atLeader(
        g,
        `add node ${NEW} to group ${g} as a learner`,
        (leader) => c.adminApi(leader).addMember({ groupId: g, nodeId: NEW, address, learner: true }, 15_000),
        async () => (await config(g)).learners.includes(NEW),
      );
      expect((await config(g)).voters).not.toContain(NEW);
      // 2. It catches up (through a snapshot of the group's data: its log starts after a bootstrap snapshot).
      await c.waitCaughtUp(NEW, [g], 60_000);
      // 3. Voter.
      await atLeader(
        g,
        `promote node ${NEW} in group ${g}`,
        (leader) => c.adminApi(leader).promoteMember({ groupId: g, nodeId: NEW }, 15_000),
        async () => {
          const cfg = await config(g);
          return cfg.voters.includes(NEW) && !cfg.learners.includes(NEW);
        },
      );
      // 4. Node 1 out. Groups 1 and 2: if node 1 leads, it hands leadership to
      // the new node first. Group 3: node 1 is made leader and removes itself.
      if (g === 3) {
        await atLeader(
          g,
          `make node ${OLD} lead group ${g}`,
          (leader) => c.adminApi(leader).transferLeader({ groupId: g, toNodeId: OLD }, 10_000),
          async () => (await c.leaderOf(g)) === OLD,
        );
        const res = await c.adminApi(OLD).removeMember({ groupId: g, nodeId: OLD }, 15_000);
        expect({ voters: sorted(res.voters), learners: res.learners }, 'a leader removing itself is told it succeeded').toEqual({ voters: [2, 3, NEW], learners: [] });
      } else {
        if ((await c.leaderOf(g)) === OLD) {
          await atLeader(
            g,
            `move leadership of group ${g} from node ${OLD} to node ${NEW}`,
            (leader) => c.adminApi(leader).transferLeader({ groupId: g, toNodeId: NEW }, 10_000),
            async () => (await c.leaderOf(g)) !== OLD,
          );
        }
        await atLeader(
          g,
          `remove node ${OLD} from group ${g}`,
          (leader) => c.adminApi(leader).removeMember({ groupId: g, nodeId: OLD }, 15_000),
          async () => !(await config(g)).voters.includes(OLD),
        );
      }
      const cfg = await config(g);
      expect({ group: g, voters: cfg.voters, learners: cfg.learners }).toEqual({ group: g, voters: [2, 3, NEW], learners: [] });
      // The load went on through the change.
      await load.waitProgress(10, [g], 30_000, before);
    }
    // Node 4 is now a member of every group; node 1 of none.
    members = [2, 3, NEW];

    // Every member agrees on each group's configuration.
    for (const g of GROUPS) {
      await waitFor(
        `nodes 2, 3 and ${NEW} to agree on group ${g}'s configuration`,
        async () => {
          for (const n of members) {
            const s = await c.groupStatus(n, g);
            if (!s || sorted(s.voters).join() !== `2,3,${NEW}` || s.learners.length > 0) return false;
          }
          return true;
        },
        20_000,
      );
    }
    // The cluster keeps serving without node 1 in any group.
    await load.waitProgress(30, GROUPS, 30_000);
    await load.stop();
    expect(load.failures).toEqual([]);
    console.log(`membership: ${load.count()} writes acknowledged during the changes (${load.retries} attempts retried)`);

    for (const n of members) await c.waitCaughtUp(n, GROUPS, 60_000);
    // Every acknowledged write, through the new node and the remaining old ones.
    for (const n of [NEW, 2, 3]) expect(await load.verify(n), `acknowledged writes via node ${n}`).toEqual([]);
    // The new node serves writes too (as leader or through forwarding) in every group.
    for (const g of GROUPS) {
      const key = `${PREFIX[g]}/after-join`;
      const put = await c.api(NEW).put({ key: enc(key), value: enc('joined') });
      for (const n of members) {
        const got = await c.api(n).get({ key: enc(key) });
        expect({ n, value: got.value.toString(), ts: got.versionTs }).toEqual({ n, value: 'joined', ts: put.commitTs });
      }
    }
    // The replicas node 4 was given at run time are durable: after a crash
    // and a restart it still holds all three groups and serves every write.
    await c.kill(NEW, 'SIGKILL');
    c.startNode(NEW);
    await c.waitCaughtUp(NEW, GROUPS, 60_000);
    const after = await c.status(NEW);
    expect(after.groups.map((g) => ({ group: g.groupId, voters: sorted(g.voters) }))).toEqual(GROUPS.map((g) => ({ group: g, voters: [2, 3, NEW] })));
    expect(await load.verify(NEW), `acknowledged writes via node ${NEW} after its restart`).toEqual([]);
    for (const n of [1, 2, 3, NEW]) expect(logLinesAtLeast(c.log(n), 60), `fatal lines in node ${n}'s log`).toEqual([]);
  });
});
