import { describe, expect, it } from 'vitest';
import { MemoryStorage, MessageType, Raft, StateRole, nodeId, type ReadOnlyOption } from '../../src/raft/index.js';
import { Network, ids, seededRandom, type NodeOptions } from './harness.js';
import { clusterWithLeader, drain, expectRaftError, msgsOf, soloRaft, tickUntilLeader, voteRequest } from './helpers.js';

describe('ReadIndex (safe reads)', () => {
  it('the read state index equals the leader commit index at the time of the request', () => {
    const net = clusterWithLeader([1, 2, 3]);
    net.propose(1, 'a', 'b');
    const commit = net.raft(1).log.committed;
    net.raft(1).readIndex('r1');
    net.stabilize();
    expect(net.node(1).readStates).toEqual([{ index: commit, context: 'r1' }]);
  });

  it('the read index is the commit index, not the last index, when the leader holds uncommitted entries', () => {
    const net = clusterWithLeader([1, 2, 3]);
    net.propose(1, 'a');
    const commit = net.raft(1).log.committed;
    net.dropTypes.add(MessageType.AppResp); // followers store 'x' but the leader cannot commit it
    net.propose(1, 'x');
    expect(net.raft(1).log.lastIndex()).toBeGreaterThan(commit);
    expect(net.raft(1).log.committed).toBe(commit);
    net.raft(1).readIndex('r1');
    net.stabilize();
    expect(net.node(1).readStates).toEqual([{ index: commit, context: 'r1' }]);
  });

  it('a read is answered only after a quorum acknowledges a heartbeat carrying its context', () => {
    const net = clusterWithLeader([1, 2, 3]);
    net.dropTypes.add(MessageType.HeartbeatResp);
    net.raft(1).readIndex('r1');
    net.stabilize();
    const beats = msgsOf(net.delivered, MessageType.Heartbeat).filter((m) => m.context === 'r1');
    expect(beats.map((m) => m.to).sort()).toEqual([2, 3]);
    expect(net.node(1).readStates).toEqual([]);

    net.heal();
    net.tick(1); // the next heartbeat round carries the pending context
    expect(net.node(1).readStates.map((r) => r.context)).toEqual(['r1']);
  });

  it.each([
    { name: 'isolated leader', voters: [1, 2, 3], isolated: [1] },
    { name: 'leader with one follower of five', voters: [1, 2, 3, 4, 5], isolated: [3, 4, 5] },
  ])('no read state is produced while the leader is partitioned from a quorum ($name)', ({ voters, isolated }) => {
    const net = clusterWithLeader(voters);
    for (const n of isolated) net.isolate(n);
    net.raft(1).readIndex('r1');
    net.tick(1, 5); // heartbeats keep going out, but fewer than a quorum answer
    expect(net.node(1).readStates).toEqual([]);
    expect(net.raft(1).role).toBe(StateRole.Leader);
  });

  it('a request pending when the leader loses its quorum is never answered', () => {
    const net = clusterWithLeader([1, 2, 3]);
    net.isolate(1);
    net.raft(1).readIndex('r1');
    net.tick(1, 20); // CheckQuorum deposes the leader
    expect(net.raft(1).role).toBe(StateRole.Follower);
    net.heal();
    net.tickAll(30);
    expect(net.node(1).readStates).toEqual([]);
  });

  it('confirming a read also confirms every read queued before it', () => {
    const net = clusterWithLeader([1, 2, 3]);
    net.dropTypes.add(MessageType.HeartbeatResp);
    net.raft(1).readIndex('r1');
    net.propose(1, 'x'); // commit moves between the two requests
    net.raft(1).readIndex('r2');
    net.stabilize();
    const commitAfter = net.raft(1).log.committed;
    net.heal();
    net.tick(1);
    const rs = net.node(1).readStates;
    expect(rs.map((r) => r.context)).toEqual(['r1', 'r2']);
    expect(rs[1]!.index).toBe(commitAfter);
    expect(rs[0]!.index).toBeLessThan(commitAfter);
  });

  it('a follower read index is forwarded to the leader and answered with the leader commit index', () => {
    const net = clusterWithLeader([1, 2, 3]);
    net.propose(1, 'a');
    net.raft(2).readIndex('f1');
    net.stabilize();
    expect(msgsOf(net.delivered, MessageType.ReadIndex).map((m) => [m.from, m.to])).toEqual([[2, 1]]);
    expect(msgsOf(net.delivered, MessageType.ReadIndexResp).map((m) => [m.from, m.to])).toEqual([[1, 2]]);
    expect(net.node(2).readStates).toEqual([{ index: net.raft(1).log.committed, context: 'f1' }]);
    expect(net.node(1).readStates).toEqual([]);
  });

  it('a follower that knows no leader refuses a read index with NO_LEADER', () => {
    const net = new Network([1, 2, 3]);
    expectRaftError(() => net.raft(2).readIndex('x'), 'NO_LEADER');
  });

  it('a new leader answers reads only once an entry of its own term has committed', () => {
    const net = new Network([1, 2, 3]);
    net.dropTypes.add(MessageType.App); // the new leader's no-op cannot replicate
    net.campaign(1);
    expect(net.raft(1).role).toBe(StateRole.Leader);
    net.raft(1).readIndex('r1');
    net.tick(1, 3);
    expect(net.node(1).readStates).toEqual([]);

    net.heal();
    net.tick(1, 2);
    const rs = net.node(1).readStates;
    expect(rs.map((r) => r.context)).toEqual(['r1']);
    // The answer covers the no-op, i.e. everything committed by earlier leaders.
    expect(net.raft(1).log.term(rs[0]!.index)).toBe(net.raft(1).term);
  });

  it('a single-voter leader answers at once with its commit index', () => {
    const net = clusterWithLeader([1]);
    net.propose(1, 'a');
    net.raft(1).readIndex('r1');
    net.stabilize();
    expect(net.node(1).readStates).toEqual([{ index: net.raft(1).log.committed, context: 'r1' }]);
  });

  it('learners do not count toward the quorum that confirms a read', () => {
    const net = clusterWithLeader([1, 2, 3], {}, [4, 5]);
    net.isolate(2);
    net.isolate(3);
    net.raft(1).readIndex('r1');
    net.tick(1, 3);
    expect(msgsOf(net.delivered, MessageType.HeartbeatResp).some((m) => m.from === 4 && m.context === 'r1')).toBe(true);
    expect(net.node(1).readStates).toEqual([]);
  });
});

describe('Lease reads', () => {
  const electionTicks = 10;
  const leaseMarginTicks = 2;
  const leaseTicks = electionTicks - leaseMarginTicks;

  /** A cluster whose nodes ran past their start-up vote embargo and elected a leader. */
  function leaseCluster(readOnlyOption: ReadOnlyOption): { net: Network; leader: number } {
    const net = new Network([1, 2, 3], { readOnlyOption, electionTicks, leaseMarginTicks });
    const leader = tickUntilLeader(net, [1, 2, 3]);
    net.tickAll(1); // one acknowledged heartbeat round
    return { net, leader };
  }

  it.each([
    { readOnlyOption: 'lease' as const, heartbeatRound: false },
    { readOnlyOption: 'safe' as const, heartbeatRound: true },
  ])(
    'a read with a valid lease is served without a heartbeat round (readOnlyOption=$readOnlyOption → heartbeat round: $heartbeatRound)',
    ({ readOnlyOption, heartbeatRound }) => {
      const { net, leader } = leaseCluster(readOnlyOption);
      const before = net.delivered.length;
      net.raft(leader).readIndex('r1');
      net.stabilize();
      const traffic = net.delivered.slice(before);
      expect(traffic.some((m) => m.type === MessageType.Heartbeat && m.context === 'r1')).toBe(heartbeatRound);
      expect(traffic.length > 0).toBe(heartbeatRound);
      expect(net.node(leader).readStates).toEqual([{ index: net.raft(leader).log.committed, context: 'r1' }]);
    },
  );

  it(`the lease lasts electionTicks − leaseMarginTicks (${leaseTicks}) ticks after the last acknowledged heartbeat, then reads need a heartbeat round`, () => {
    const { net, leader } = leaseCluster('lease');
    net.dropTypes.add(MessageType.HeartbeatResp); // from now on no heartbeat is acknowledged
    net.tick(leader, leaseTicks - 1);
    net.raft(leader).readIndex('inside');
    net.stabilize();
    expect(net.node(leader).readStates.map((r) => r.context)).toEqual(['inside']);

    net.tick(leader, 1); // the lease has now expired
    const before = net.delivered.length;
    net.raft(leader).readIndex('expired');
    net.stabilize();
    expect(net.node(leader).readStates.map((r) => r.context)).toEqual(['inside']);
    expect(net.delivered.slice(before).filter((m) => m.type === MessageType.Heartbeat && m.context === 'expired')).toHaveLength(2);

    net.heal();
    net.tick(leader, 1); // a heartbeat round confirms leadership
    expect(net.node(leader).readStates.map((r) => r.context)).toEqual(['inside', 'expired']);
    expect(net.raft(leader).role).toBe(StateRole.Leader);
  });

  it.each([
    { readOnlyOption: 'lease' as const, refusesAtStart: true },
    { readOnlyOption: 'safe' as const, refusesAtStart: false },
  ])(
    'a node that just started refuses votes for an election timeout in lease mode (it may have backed a lease before a crash) ($readOnlyOption)',
    ({ readOnlyOption, refusesAtStart }) => {
      const { raft, storage } = soloRaft(2, [1, 2, 3], { readOnlyOption, electionTicks });
      const term = raft.term;
      const ask = (t: number): boolean | undefined => {
        raft.step(voteRequest(1, 2, t, raft.log.lastIndex(), raft.log.lastTerm()));
        return msgsOf(drain(raft, storage), MessageType.VoteResp, 1).map((m) => !m.reject)[0];
      };
      expect(ask(term + 1)).toBe(refusesAtStart ? undefined : true);
      expect(raft.term).toBe(refusesAtStart ? term : term + 1);
      if (refusesAtStart) {
        for (let i = 0; i < electionTicks; i++) {
          raft.tick();
          drain(raft, storage);
        }
        expect(ask(raft.term + 1)).toBe(true);
      }
    },
  );

  it.each<{ opts: NodeOptions; ok: boolean }>([
    { opts: { readOnlyOption: 'lease', checkQuorum: false }, ok: false },
    { opts: { readOnlyOption: 'lease', checkQuorum: true }, ok: true },
    { opts: { readOnlyOption: 'lease' }, ok: true }, // checkQuorum defaults to true
    { opts: { readOnlyOption: 'lease', leaseMarginTicks: 0 }, ok: false },
    { opts: { readOnlyOption: 'lease', electionTicks: 10, leaseMarginTicks: 10 }, ok: false },
    { opts: { readOnlyOption: 'safe', checkQuorum: false }, ok: true },
  ])('configuration is validated: $opts → ok=$ok', ({ opts, ok }) => {
    const make = (): Raft =>
      new Raft({ id: nodeId(1), storage: new MemoryStorage({ voters: ids(1, 2, 3), learners: [] }), random: seededRandom(1), ...opts });
    if (ok) expect(make()).toBeInstanceOf(Raft);
    else expectRaftError(make, 'INVALID_CONFIG');
  });
});
