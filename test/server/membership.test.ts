// The leader's membership checks (src/server/membership.ts) count a voter live
// by its node's liveness and the leader's stream to it — not by raft's
// recentActive alone, which CheckQuorum clears for every follower at each
// check (a change proposed just after one was refused with every voter up) and
// which stops moving while the leader is quiesced.

import { describe, expect, it } from 'vitest';
import { KvError } from '../../src/api/errors.js';
import { Quiescence } from '../../src/node/quiescence.js';
import type { Replica } from '../../src/node/replica.js';
import { ConfChangeType, ProgressState, nodeId, type ConfChange, type NodeId, type ProgressStatus } from '../../src/raft/index.js';
import type { NodeContext } from '../../src/server/context.js';
import { checkConfChange } from '../../src/server/membership.js';

const ELECTION_TICKS = 10;
const id = (n: number): NodeId => nodeId(n);

/** A leader on node 1 of voters 1,2,3 (plus `learners`), with the given progress of its followers. */
function leader(progress: Record<number, Partial<ProgressStatus>>, learners: number[] = []): { ctx: NodeContext; r: Replica; q: Quiescence } {
  const q = new Quiescence(id(1), ELECTION_TICKS, true);
  const full = new Map<NodeId, ProgressStatus>();
  for (const [k, p] of Object.entries(progress)) {
    full.set(id(Number(k)), { match: 100, next: 101, state: ProgressState.Replicate, recentActive: false, isLearner: false, inflight: 0, ...p });
  }
  const raft = {
    confState: () => ({ voters: [id(1), id(2), id(3)], learners: learners.map(id) }),
    status: () => ({ progress: full }),
    log: { committed: 100 },
  };
  const ctx = {
    host: { nodeId: id(1), quiescence: q },
    cfg: { cluster: { nodes: [1, 2, 3, 4].map((n) => ({ id: n })) } },
    transport: { peerAddress: () => undefined },
  };
  return { ctx: ctx as unknown as NodeContext, r: { group: 7, raft } as unknown as Replica, q };
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
  it('accepts a change proposed right after CheckQuorum cleared recentActive, while every voter\'s node is heard', () => {
    const { ctx, r, q } = leader({ 2: { recentActive: false }, 3: { recentActive: false } });
    q.heardFrom(id(2));
    q.heardFrom(id(3));
    expect(() => checkConfChange(ctx, r, remove(3))).not.toThrow();
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

  it('does not count a heard node whose replica the leader only probes and that did not answer', () => {
    const { ctx, r, q } = leader({ 2: { state: ProgressState.Probe, recentActive: false }, 3: {} });
    q.heardFrom(id(2));
    q.heardFrom(id(3));
    expect(refusal(() => checkConfChange(ctx, r, remove(3))).message).toMatch(/with 1 live \(1\)/);
  });

  it('promotes a caught-up learner between CheckQuorum and its next answer; not one whose node is silent', () => {
    const ok = leader({ 2: {}, 3: {}, 4: { isLearner: true, recentActive: false } }, [4]);
    for (const n of [2, 3, 4]) ok.q.heardFrom(id(n));
    expect(() => checkConfChange(ok.ctx, ok.r, promote(4), 'promote')).not.toThrow();

    const silent = leader({ 2: {}, 3: {}, 4: { isLearner: true, recentActive: true } }, [4]);
    for (const n of [2, 3]) silent.q.heardFrom(id(n));
    const e = refusal(() => checkConfChange(silent.ctx, silent.r, promote(4), 'promote'));
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.message).toMatch(/has not caught up/);
  });
});
