// Membership changes that would hurt are refused (defect: `ferryctl members
// promote 1 77` for a node that did not exist made voters 1,2,3,77; one real
// node failure then stopped writes to the default group, and `members remove`
// could not undo it while that node was down). Promote only a known, caught-up
// learner; add only known nodes; never leave a group below a quorum of live
// voters. One 3-node cluster (node 4 listed in the file, never started).

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { FerryClient, KvError } from '../../src/client/client.js';
import { TestCluster, waitFor } from '../../testkit/cluster.js';

const CTL = join(fileURLToPath(new URL('../../', import.meta.url)), 'dist/cmd/ferryctl.js');
let c: TestCluster;
let keepLogs = false;

async function refusal(p: Promise<unknown>): Promise<KvError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KvError);
  return e as KvError;
}

async function config(): Promise<{ voters: number[]; learners: number[] }> {
  const s = await c.groupStatus(await c.leaderOf(1), 1);
  return { voters: [...(s?.voters ?? [])].sort(), learners: [...(s?.learners ?? [])].sort() };
}

function ferryctl(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CTL, '--endpoints', [1, 2, 3].map((n) => c.address(n)).join(','), '--timeout-ms', '5000', ...args], { timeout: 20_000 }, (err, _out, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

describe('membership changes that would hurt are refused', () => {
  beforeAll(async () => {
    c = await TestCluster.start({ nodes: 3, spareNodes: 1, groups: 1 });
  });
  afterAll(async () => {
    if (keepLogs) console.error(`membership-checks: logs kept in ${c?.dir}`);
    await c?.cleanup(keepLogs);
  });

  it('refuses a phantom voter, promoting a non-learner, and changes below a live quorum; the group keeps its quorum', async () => {
    onTestFailed(() => void (keepLogs = true));
    const leader = (): Promise<ReturnType<TestCluster['adminApi']>> => c.leaderOf(1).then((n) => c.adminApi(n));

    // The reproduction: promote a node that does not exist, through ferryctl.
    const ctl = await ferryctl(['members', 'promote', '1', '77']);
    expect(ctl.code).not.toBe(0);
    expect(ctl.stderr).toMatch(/node 77 is not a learner/);
    const bad: ((a: ReturnType<TestCluster['adminApi']>) => Promise<unknown>)[] = [
      (a) => a.promoteMember({ groupId: 1, nodeId: 77 }),
      (a) => a.addMember({ groupId: 1, nodeId: 77, learner: false }),
      (a) => a.addMember({ groupId: 1, nodeId: 77, learner: true }),
      (a) => a.promoteMember({ groupId: 1, nodeId: 4 }), // known, but not a learner
      (a) => a.promoteMember({ groupId: 1, nodeId: 2 }), // already a voter
      (a) => a.removeMember({ groupId: 1, nodeId: 77 }), // not a member
    ];
    for (const req of bad) {
      const e = await refusal(req(await leader()));
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.detail.field).toBe('node_id');
    }
    expect(await config()).toEqual({ voters: [1, 2, 3], learners: [] });

    // One voter down: nothing may leave the group below a quorum of live voters.
    const lead = await c.leaderOf(1);
    const victim = [1, 2, 3].find((n) => n !== lead)!;
    await c.kill(victim);
    // The leader's node counts a peer live until an election timeout passes without its node heartbeats.
    await waitFor(`the leader to notice node ${victim} is down`, async () => {
      const [s, n] = await Promise.all([c.groupStatus(lead, 1), c.adminApi(lead).nodeStatus()]);
      return s?.role === 'Leader' && n.peers.find((p) => p.nodeId === victim)?.live === false;
    }, 20_000);
    const other = [1, 2, 3].find((n) => n !== lead && n !== victim)!;
    const removeLive = await refusal(c.adminApi(lead).removeMember({ groupId: 1, nodeId: other }));
    expect(removeLive.code).toBe('INVALID_ARGUMENT');
    expect(removeLive.message).toMatch(/below the quorum/);
    const addDownVoter = await refusal(c.adminApi(lead).addMember({ groupId: 1, nodeId: 4, learner: false }));
    expect(addDownVoter.message).toMatch(/below the quorum/);
    // A learner that never answered cannot be promoted (retryable: it may yet catch up).
    await c.adminApi(lead).addMember({ groupId: 1, nodeId: 4, learner: true });
    const notCaughtUp = await refusal(c.adminApi(lead).promoteMember({ groupId: 1, nodeId: 4 }));
    expect(notCaughtUp.code).toBe('UNAVAILABLE');
    expect(notCaughtUp.message).toMatch(/has not caught up/);
    await c.adminApi(lead).removeMember({ groupId: 1, nodeId: 4 });
    expect(await config()).toEqual({ voters: [1, 2, 3], learners: [] });

    // The group still commits with one voter down.
    const db = new FerryClient({ endpoints: [c.address(lead), c.address(other)], timeoutMs: 10_000 });
    await db.put('still', 'writable');
    expect(Buffer.from((await db.get('still'))!.value).toString()).toBe('writable');
    db.close();
    c.startNode(victim);
    await c.waitForLeaders([1, 2, 3]);
  }, 90_000);
});
