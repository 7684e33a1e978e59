import { describe, expect, it } from 'vitest';
import { ConfChangeType, MessageType, RaftError, nodeId, type ConfChange, type Raft, type RaftErrorCode } from '../../src/raft/index.js';
import { Network, enc } from './harness.js';
import { addLearner, addVoter, clusterWithLeader, drain, expectRaftError, removeNode, soloRaft } from './helpers.js';

const bytes = (n: number): Uint8Array => new Uint8Array(n).fill(120);

interface ErrorCase {
  readonly code: RaftErrorCode;
  readonly why: string;
  /** Builds the situation; returns the node and the call that must fail. */
  readonly setup: () => { raft: Raft; call: () => unknown };
}

const CASES: ErrorCase[] = [
  {
    code: 'NO_LEADER',
    why: 'a follower that knows no leader',
    setup: () => {
      const net = new Network([1, 2, 3]);
      return { raft: net.raft(2), call: () => net.raft(2).propose([enc('x')]) };
    },
  },
  {
    code: 'NO_LEADER',
    why: 'a candidate in the middle of an election',
    setup: () => {
      const net = new Network([1, 2, 3], { preVote: false });
      net.isolate(1);
      net.campaign(1);
      return { raft: net.raft(1), call: () => net.raft(1).propose([enc('x')]) };
    },
  },
  {
    code: 'NOT_LEADER',
    why: 'a follower of a known leader',
    setup: () => {
      const net = clusterWithLeader([1, 2, 3]);
      return { raft: net.raft(2), call: () => net.raft(2).propose([enc('x')]) };
    },
  },
  {
    code: 'NOT_LEADER',
    why: 'a membership change proposed at a follower',
    setup: () => {
      const net = clusterWithLeader([1, 2, 3]);
      return { raft: net.raft(3), call: () => net.raft(3).proposeConfChange(addLearner(4)) };
    },
  },
  {
    code: 'TRANSFER_IN_PROGRESS',
    why: 'a leader handing over leadership',
    setup: () => {
      const net = clusterWithLeader([1, 2, 3]);
      net.isolate(3);
      net.raft(1).transferLeader(nodeId(3));
      net.stabilize();
      return { raft: net.raft(1), call: () => net.raft(1).propose([enc('x')]) };
    },
  },
  {
    code: 'PROPOSAL_TOO_LARGE',
    why: 'an entry over maxProposalBytes',
    setup: () => {
      const net = clusterWithLeader([1, 2, 3], { maxProposalBytes: 10 });
      return { raft: net.raft(1), call: () => net.raft(1).propose([bytes(11)]) };
    },
  },
  {
    code: 'PROPOSAL_TOO_LARGE',
    why: 'a batch with one entry over maxProposalBytes (nothing of it is appended)',
    setup: () => {
      const net = clusterWithLeader([1, 2, 3], { maxProposalBytes: 10 });
      return { raft: net.raft(1), call: () => net.raft(1).propose([bytes(1), bytes(11), bytes(1)]) };
    },
  },
  {
    code: 'UNCOMMITTED_LIMIT',
    why: 'proposed-but-unapplied bytes over maxUncommittedBytes',
    setup: () => {
      const net = clusterWithLeader([1, 2, 3], { maxUncommittedBytes: 100 });
      net.isolate(2);
      net.isolate(3);
      net.raft(1).propose([bytes(60)]);
      return { raft: net.raft(1), call: () => net.raft(1).propose([bytes(41)]) };
    },
  },
  {
    code: 'CONF_CHANGE_PENDING',
    why: 'a second membership change before the first is applied',
    setup: () => {
      const net = clusterWithLeader([1, 2, 3]);
      net.isolate(2);
      net.isolate(3);
      net.raft(1).proposeConfChange(addLearner(4));
      return { raft: net.raft(1), call: () => net.raft(1).proposeConfChange(addLearner(5)) };
    },
  },
  {
    code: 'INVALID_CONF_CHANGE',
    why: 'adding a node that is already a voter',
    setup: () => {
      const net = clusterWithLeader([1, 2, 3]);
      return { raft: net.raft(1), call: () => net.raft(1).proposeConfChange(addVoter(2)) };
    },
  },
];

describe('Proposal errors', () => {
  it.each(CASES)('$code: $why', ({ code, setup }) => {
    const { raft, call } = setup();
    const last = raft.log.lastIndex();
    const err = expectRaftError(call, code);
    expect(err.message).toContain(code);
    // A refused proposal leaves the log as it was.
    expect(raft.log.lastIndex()).toBe(last);
  });

  it('NOT_LEADER names the leader the follower knows of (leaderHint)', () => {
    const net = clusterWithLeader([1, 2, 3], {}, [], 3);
    const err = expectRaftError(() => net.raft(1).propose([enc('x')]), 'NOT_LEADER');
    expect(err.leaderHint).toBe(3);
    expect(err).toBeInstanceOf(RaftError);
  });

  it('NO_LEADER carries no leader hint', () => {
    const net = new Network([1, 2, 3]);
    expect(expectRaftError(() => net.raft(1).propose([enc('x')]), 'NO_LEADER').leaderHint).toBeUndefined();
  });

  it('maxProposalBytes is inclusive: an entry of exactly that size is accepted', () => {
    const net = clusterWithLeader([1, 2, 3], { maxProposalBytes: 10 });
    net.raft(1).propose([bytes(10)]);
    net.stabilize();
    expect(net.node(2).applied.some((e) => e.data.byteLength === 10)).toBe(true);
  });

  it('UNCOMMITTED_LIMIT is back-pressure: proposals are accepted again once entries are applied', () => {
    const net = clusterWithLeader([1, 2, 3], { maxUncommittedBytes: 100 });
    net.isolate(2);
    net.isolate(3);
    net.raft(1).propose([bytes(60)]);
    net.raft(1).propose([bytes(40)]); // exactly at the limit
    expectRaftError(() => net.raft(1).propose([bytes(1)]), 'UNCOMMITTED_LIMIT');
    net.heal();
    net.tickAll(2); // commit and apply
    expect(net.raft(1).log.applied).toBe(net.raft(1).log.lastIndex());
    expect(() => net.raft(1).propose([bytes(100)])).not.toThrow();
  });

  it('UNCOMMITTED_LIMIT never blocks a proposal when nothing is uncommitted, so an oversized one cannot wedge the leader', () => {
    const net = clusterWithLeader([1, 2, 3], { maxUncommittedBytes: 100 });
    expect(() => net.raft(1).propose([bytes(150)])).not.toThrow();
    expectRaftError(() => net.raft(1).propose([bytes(1)]), 'UNCOMMITTED_LIMIT');
  });

  it('TOO_MANY_PENDING_READS: the leader bounds queued read requests', () => {
    const net = clusterWithLeader([1, 2, 3], { maxPendingReads: 2 });
    net.dropTypes.add(MessageType.HeartbeatResp);
    net.raft(1).readIndex('a');
    net.raft(1).readIndex('b');
    expectRaftError(() => net.raft(1).readIndex('c'), 'TOO_MANY_PENDING_READS');
  });

  const cc = (type: ConfChangeType, n: number): ConfChange => ({ type, nodeId: nodeId(n) });
  it.each<{ why: string; change: ConfChange }>([
    { why: 'adding an existing voter as a voter', change: cc(ConfChangeType.AddVoter, 2) },
    { why: 'adding a voter as a learner (demotion)', change: cc(ConfChangeType.AddLearner, 3) },
    { why: 'adding an existing learner as a learner', change: cc(ConfChangeType.AddLearner, 4) },
    { why: 'removing a node that is not a member', change: cc(ConfChangeType.RemoveNode, 9) },
    { why: 'node id 0', change: cc(ConfChangeType.AddVoter, 0) },
    { why: 'a negative node id', change: cc(ConfChangeType.AddVoter, -1) },
    { why: 'a non-integer node id', change: cc(ConfChangeType.AddVoter, 1.5) },
    { why: 'a node id beyond 32 bits', change: cc(ConfChangeType.AddVoter, 2 ** 32) },
  ])('INVALID_CONF_CHANGE: $why', ({ change }) => {
    const net = clusterWithLeader([1, 2, 3], {}, [4]);
    const last = net.raft(1).log.lastIndex();
    expectRaftError(() => net.raft(1).proposeConfChange(change), 'INVALID_CONF_CHANGE');
    expect(net.raft(1).log.lastIndex()).toBe(last);
    // A refused change does not count as pending.
    expect(() => net.raft(1).proposeConfChange(addLearner(5))).not.toThrow();
  });

  it('INVALID_CONF_CHANGE: removing the last voter', () => {
    const { raft, storage } = soloRaft(1, [1]);
    raft.campaign();
    drain(raft, storage);
    expectRaftError(() => raft.proposeConfChange(removeNode(1)), 'INVALID_CONF_CHANGE');
  });
});
