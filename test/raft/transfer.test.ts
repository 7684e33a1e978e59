import { describe, expect, it } from 'vitest';
import { MessageType, NONE, StateRole, nodeId } from '../../src/raft/index.js';
import { Network, enc } from './harness.js';
import { addVoter, clusterWithLeader, expectRaftError, msgsOf, tickUntilLeader } from './helpers.js';

describe('Leader transfer', () => {
  it('a leader hands over to an up-to-date follower with TimeoutNow; the follower wins the next term', () => {
    const net = clusterWithLeader([1, 2, 3]);
    const term = net.raft(1).term;
    net.propose(1, 'a');
    const before = net.delivered.length;
    net.raft(1).transferLeader(nodeId(2));
    net.stabilize();
    const traffic = net.delivered.slice(before);
    expect(msgsOf(traffic, MessageType.TimeoutNow).map((m) => [m.from, m.to])).toEqual([[1, 2]]);
    // Nothing had to be sent first.
    expect(traffic[0]!.type).toBe(MessageType.TimeoutNow);
    expect(net.raft(2).role).toBe(StateRole.Leader);
    expect(net.raft(2).term).toBe(term + 1);
    expect(net.raft(1).role).toBe(StateRole.Follower);
    expect(net.raft(1).lead).toBe(2);
    net.propose(2, 'b');
    for (const n of [1, 2, 3]) expect(net.appliedData(n)).toEqual(['a', 'b']);
  });

  it('the transferee campaigns at once and through the followers\' leases (a forced election)', () => {
    const net = clusterWithLeader([1, 2, 3]); // checkQuorum on: followers ignore ordinary candidates
    const before = net.delivered.length;
    net.raft(1).transferLeader(nodeId(3));
    net.stabilize();
    const traffic = net.delivered.slice(before);
    // No pre-vote: TimeoutNow skips it; the vote is marked as a transfer.
    expect(msgsOf(traffic, MessageType.PreVote)).toEqual([]);
    const votes = msgsOf(traffic, MessageType.Vote);
    expect(votes.length).toBeGreaterThan(0);
    for (const v of votes) expect(v.context).toBe('transfer');
    expect(net.raft(3).role).toBe(StateRole.Leader);
  });

  it('to a lagging follower: the leader first brings its log up to date, then sends TimeoutNow', () => {
    const net = clusterWithLeader([1, 2, 3]);
    net.isolate(3);
    net.propose(1, 'a');
    net.propose(1, 'b', 'c');
    const last = net.raft(1).log.lastIndex();
    expect(net.raft(3).log.lastIndex()).toBeLessThan(last);
    net.heal();

    const before = net.delivered.length;
    net.raft(1).transferLeader(nodeId(3));
    expect(net.raft(1).status().leadTransferee).toBe(3);
    net.stabilize();
    const traffic = net.delivered.slice(before);
    const timeoutAt = traffic.findIndex((m) => m.type === MessageType.TimeoutNow);
    expect(timeoutAt).toBeGreaterThan(0);
    // Before TimeoutNow: appends to 3 that carry everything up to the leader's last index, and 3's acknowledgement of it.
    const catchUp = traffic.slice(0, timeoutAt);
    const appsTo3 = msgsOf(catchUp, MessageType.App, 3).filter((m) => m.entries.length > 0);
    expect(appsTo3.length).toBeGreaterThan(0);
    expect(Math.max(...appsTo3.map((m) => m.entries[m.entries.length - 1]!.index))).toBe(last);
    expect(catchUp.some((m) => m.type === MessageType.AppResp && m.from === 3 && !m.reject && m.index === last)).toBe(true);
    expect(net.raft(3).role).toBe(StateRole.Leader);
    net.propose(3, 'd');
    for (const n of [1, 2, 3]) expect(net.appliedData(n)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('proposals are refused with TRANSFER_IN_PROGRESS while a transfer is pending', () => {
    const net = clusterWithLeader([1, 2, 3]);
    net.isolate(3); // the transfer cannot finish
    net.raft(1).transferLeader(nodeId(3));
    net.stabilize();
    expect(net.raft(1).status().leadTransferee).toBe(3);
    const lastIndex = net.raft(1).log.lastIndex();
    expectRaftError(() => net.raft(1).propose([enc('x')]), 'TRANSFER_IN_PROGRESS');
    expectRaftError(() => net.raft(1).proposeConfChange(addVoter(4)), 'TRANSFER_IN_PROGRESS');
    expect(net.raft(1).log.lastIndex()).toBe(lastIndex);
  });

  it('a transfer that has not finished within an election timeout is abandoned and proposals resume', () => {
    const electionTicks = 10;
    const net = clusterWithLeader([1, 2, 3], { electionTicks });
    const term = net.raft(1).term;
    net.isolate(3);
    net.raft(1).transferLeader(nodeId(3));
    net.stabilize();
    net.tick(1, electionTicks - 1);
    expect(net.raft(1).status().leadTransferee).toBe(3);
    expectRaftError(() => net.raft(1).propose([enc('x')]), 'TRANSFER_IN_PROGRESS');
    net.tick(1, 1);
    expect(net.raft(1).status().leadTransferee).toBe(NONE);
    expect(net.raft(1).role).toBe(StateRole.Leader);
    expect(net.raft(1).term).toBe(term);
    net.propose(1, 'x');
    expect(net.appliedData(2)).toEqual(['x']);
  });

  it('a follower forwards a transfer request to its leader', () => {
    const net = clusterWithLeader([1, 2, 3]);
    net.raft(2).transferLeader(nodeId(3));
    net.stabilize();
    expect(msgsOf(net.delivered, MessageType.TransferLeader).map((m) => m.to)).toEqual([1]);
    expect(net.raft(3).role).toBe(StateRole.Leader);
  });

  it('a follower that knows no leader refuses a transfer with NO_LEADER', () => {
    const net = new Network([1, 2, 3]);
    expectRaftError(() => net.raft(2).transferLeader(nodeId(3)), 'NO_LEADER');
  });

  it.each([
    { target: 1, why: 'the leader itself' },
    { target: 4, why: 'a learner (learners cannot lead)' },
    { target: 9, why: 'a node outside the configuration' },
  ])('a transfer to $why is ignored', ({ target }) => {
    const net = clusterWithLeader([1, 2, 3], {}, [4]);
    const term = net.raft(1).term;
    net.raft(1).transferLeader(nodeId(target));
    net.stabilize();
    expect(net.raft(1).status().leadTransferee).toBe(NONE);
    expect(msgsOf(net.delivered, MessageType.TimeoutNow)).toEqual([]);
    expect(net.raft(1).role).toBe(StateRole.Leader);
    expect(net.raft(1).term).toBe(term);
    net.propose(1, 'still-leading');
    expect(net.appliedData(2)).toEqual(['still-leading']);
  });

  it('a new transfer request to another node replaces the pending one', () => {
    const net = clusterWithLeader([1, 2, 3]);
    net.isolate(3);
    net.raft(1).transferLeader(nodeId(3));
    net.stabilize();
    expect(net.raft(1).status().leadTransferee).toBe(3);
    net.raft(1).transferLeader(nodeId(2));
    net.stabilize();
    expect(net.raft(2).role).toBe(StateRole.Leader);
  });

  it('a leader in the middle of a transfer does not serve lease reads', () => {
    const net = new Network([1, 2, 3], { readOnlyOption: 'lease' });
    const leader = tickUntilLeader(net, [1, 2, 3]);
    const target = [1, 2, 3].find((n) => n !== leader)!;
    net.tickAll(1);
    net.isolate(target);
    net.raft(leader).transferLeader(nodeId(target));
    net.stabilize();
    net.raft(leader).readIndex('r1');
    net.stabilize();
    // Not answered from the lease: it needs (and gets) a heartbeat round with the remaining follower.
    expect(msgsOf(net.delivered, MessageType.Heartbeat).some((m) => m.context === 'r1')).toBe(true);
  });
});
