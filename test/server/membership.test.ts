// The leader's membership checks (src/server/membership.ts) count a voter live
// by its node's liveness and its replica's answers — not by raft's
// recentActive alone, which stops moving while the leader is quiesced; and
// since CheckQuorum clears recentActive for every follower at each check (a
// change proposed just after one was refused with every voter up), a change
// first waits a heartbeat round for the members that are up to answer.

import { describe, expect, it } from 'vitest';
import { KvError } from '../../src/api/errors.js';
import { Quiescence } from '../../src/node/quiescence.js';
import type { Replica } from '../../src/node/replica.js';
import { ConfChangeType, ProgressState, StateRole, nodeId, type ConfChange, type NodeId, type ProgressStatus } from '../../src/raft/index.js';
import type { NodeContext } from '../../src/server/context.js';
import { awaitMemberAnswers, checkConfChange } from '../../src/server/membership.js';

const ELECTION_TICKS = 10;
const id = (n: number): NodeId => nodeId(n);

/** A leader on node 1 of voters 1,2,3 (plus `learners`), with the given progress of its followers. */
function leader(progress: Record<number, Partial<ProgressStatus>>, learners: number[] = [], tickMs = 20): { ctx: NodeContext; r: Replica; q: Quiescence; full: Map<NodeId, ProgressStatus>; woken: number[] } {
  const q = new Quiescence(id(1), ELECTION_TICKS, true);
  const full = new Map<NodeId, ProgressStatus>();
  const woken: number[] = [];
  for (const [k, p] of Object.entries(progress)) {
    full.set(id(Number(k)), { match: 100, next: 101, state: ProgressState.Replicate, recentActive: false, isLearner: false, inflight: 0, ...p });
  }
  const raft = {
    confState: () => ({ voters: [id(1), id(2), id(3)], learners: learners.map(id) }),
    status: () => ({ progress: full }),
    log: { committed: 100 },
    role: StateRole.Leader,
  };
  const ctx = {
    host: { nodeId: id(1), quiescence: q, schedule: (g: number) => woken.push(g) },
    cfg: { tickMs, electionTicks: ELECTION_TICKS, cluster: { nodes: [1, 2, 3, 4].map((n) => ({ id: n })) } },
    transport: { peerAddress: () => undefined },
  };
  return { ctx: ctx as unknown as NodeContext, r: { group: 7, raft } as unknown as Replica, q, full, woken };
}

const remove = (n: number): ConfChange => ({ type: ConfChangeType.RemoveNode, nodeId: id(n) });
const promote = (n: number): ConfChange => ({ type: ConfChangeType.AddVoter, nodeId: id(n) });

function refusal(f: () => void): KvError {
  try {
    f();
  } catch (e) {
    if (e instanceof KvError) return e;
    throw e;
  }
  throw new Error('the change was not refused');
}

describe('membership checks: which voters count live', () => {
  it('a change just after CheckQuorum cleared recentActive waits for the up members to answer, then is accepted', async () => {
    // Ticks of 1 s: the wait may last 5 s, far more than the answers take.
    const { ctx, r, q, full, woken } = leader({ 2: { recentActive: false }, 3: { recentActive: false } }, [], 1000);
    q.heardFrom(id(2));
    q.heardFrom(id(3));
    expect(() => checkConfChange(ctx, r, remove(3)), 'unconfirmed, node 2 does not count').toThrow(/below the quorum/);
    // The heartbeat answers arrive a moment later.
    setTimeout(() => {
      for (const n of [2, 3]) full.set(id(n), { ...full.get(id(n))!, recentActive: true });
    }, 30);
    const t0 = Date.now();
    await awaitMemberAnswers(ctx, r, id(3));
    expect(woken, 'the group is woken (a quiesced leader heartbeats again)').toEqual([7]);
    expect(Date.now() - t0, 'it returned on the answers, not at the end of the wait').toBeLessThan(4000);
    expect(() => checkConfChange(ctx, r, remove(3))).not.toThrow();
  });

  it('waits at most a few ticks for a member that is up but does not answer, and counts it down', async () => {
    // Node 2 is up (its node heartbeats arrive) but drops the group's traffic (a replacement node before it re-enters).
    const { ctx, r, q } = leader({ 2: { recentActive: false }, 3: { recentActive: true } });
    q.heardFrom(id(2));
    q.heardFrom(id(3));
    const t0 = Date.now();
    await awaitMemberAnswers(ctx, r);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(5 * 20 - 5);
    expect(refusal(() => checkConfChange(ctx, r, remove(3))).message).toMatch(/with 1 live \(1\)/);
  });

  it('refuses once a voter\'s node is not heard for an election timeout, whatever its frozen flags say', () => {
    // A quiesced leader's recentActive stays as it was when the group went quiet.
    const { ctx, r, q } = leader({ 2: { recentActive: true }, 3: { recentActive: true } });
    q.heardFrom(id(2));
    q.heardFrom(id(3));
    for (let t = 0; t <= ELECTION_TICKS; t++) {
      q.tick();
      q.heardFrom(id(2)); // node 3 went silent
    }
    const e = refusal(() => checkConfChange(ctx, r, remove(2)));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toMatch(/below the quorum of 2/);
    expect(() => checkConfChange(ctx, r, remove(3))).not.toThrow(); // removing the dead one leaves 1,2 live
  });

  it('promotes a caught-up learner that answers; not one whose node is silent', () => {
    const ok = leader({ 2: { recentActive: true }, 3: { recentActive: true }, 4: { isLearner: true, recentActive: true } }, [4]);
    for (const n of [2, 3, 4]) ok.q.heardFrom(id(n));
    expect(() => checkConfChange(ok.ctx, ok.r, promote(4), 'promote')).not.toThrow();

    const silent = leader({ 2: { recentActive: true }, 3: { recentActive: true }, 4: { isLearner: true, recentActive: true } }, [4]);
    for (const n of [2, 3]) silent.q.heardFrom(id(n));
    const e = refusal(() => checkConfChange(silent.ctx, silent.r, promote(4), 'promote'));
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.message).toMatch(/has not caught up/);
  });
});
