import { describe, expect, it } from 'vitest';
import { MessageType, StateRole, message, nodeId } from '../../src/raft/index.js';
import { Network, ids } from './harness.js';
import {
  addLearner,
  addVoter,
  clusterWithLeader,
  drain,
  expectRaftError,
  msgsOf,
  removeNode,
  soloRaft,
  tickUntilLeader,
} from './helpers.js';

const conf = (voters: number[], learners: number[] = []): { voters: number[]; learners: number[] } => ({
  voters: ids(...voters),
  learners: ids(...learners),
});

describe('Membership: adding and removing voters', () => {
  it('an added voter receives the log, learns the configuration, and counts toward the quorum', () => {
    const net = clusterWithLeader([1, 2, 3]);
    net.propose(1, 'before');
    net.addNode(4); // empty storage: it waits for a leader to send it state
    net.raft(1).proposeConfChange(addVoter(4));
    net.stabilize();
    for (const n of [1, 2, 3, 4]) expect(net.raft(n).confState(), `node ${n}`).toEqual(conf([1, 2, 3, 4]));
    expect(net.appliedConfChanges(1)).toEqual([`0:4`]);
    net.propose(1, 'after');
    expect(net.appliedData(4)).toContain('after');

    // Four voters: a quorum is three, so two nodes cannot commit.
    const committed = net.raft(1).log.committed;
    net.isolate(3);
    net.isolate(4);
    net.propose(1, 'needs-three');
    expect(net.raft(1).log.committed).toBe(committed);
    net.heal();
    net.tickAll(2);
    expect(net.appliedData(1)).toEqual(['before', 'after', 'needs-three']);
  });

  it('a removed voter no longer counts: the remaining two of a former three commit alone', () => {
    const net = clusterWithLeader([1, 2, 3]);
    net.raft(1).proposeConfChange(removeNode(3));
    net.stabilize();
    expect(net.raft(1).confState()).toEqual(conf([1, 2]));
    expect(net.raft(1).status().progress.has(nodeId(3))).toBe(false);
    net.isolate(2);
    const committed = net.raft(1).log.committed;
    net.propose(1, 'x');
    expect(net.raft(1).log.committed).toBe(committed); // quorum of two needs node 2
    net.heal();
    net.isolate(3);
    net.tickAll(2);
    expect(net.appliedData(2)).toEqual(['x']);
  });

  it('removing the leader makes it step down once the change commits, and the rest elect a new leader', () => {
    const net = clusterWithLeader([1, 2, 3]);
    const term = net.raft(1).term;
    net.raft(1).proposeConfChange(removeNode(1));
    net.stabilize();
    expect(net.raft(1).role).toBe(StateRole.Follower);
    for (const n of [2, 3]) expect(net.raft(n).confState()).toEqual(conf([2, 3]));

    const leader = tickUntilLeader(net, [1, 2, 3]);
    expect([2, 3]).toContain(leader);
    expect(net.raft(leader).term).toBeGreaterThan(term);
    net.propose(leader, 'after');
    for (const n of [2, 3]) expect(net.appliedData(n)).toEqual(['after']);
    // The removed node never campaigns again.
    net.tickAll(50);
    expect(net.raft(1).role).toBe(StateRole.Follower);
    expect(net.raft(1).promotable()).toBe(false);
  });

  it('a second membership change while one is pending throws CONF_CHANGE_PENDING (one change at a time)', () => {
    const net = clusterWithLeader([1, 2, 3]);
    net.isolate(2);
    net.isolate(3); // the first change cannot commit
    net.raft(1).proposeConfChange(addLearner(4));
    net.stabilize();
    const last = net.raft(1).log.lastIndex();
    expectRaftError(() => net.raft(1).proposeConfChange(addLearner(5)), 'CONF_CHANGE_PENDING');
    expect(net.raft(1).log.lastIndex()).toBe(last);

    net.heal();
    net.tickAll(2);
    expect(net.raft(1).confState()).toEqual(conf([1, 2, 3], [4]));
    net.raft(1).proposeConfChange(addLearner(5));
    net.stabilize();
    expect(net.raft(1).confState()).toEqual(conf([1, 2, 3], [4, 5]));
  });

  it('a change stays pending until it is applied, not merely committed', () => {
    const { raft, storage } = soloRaft(1, [1]);
    raft.campaign();
    drain(raft, storage); // the no-op commits and is applied
    raft.proposeConfChange(addLearner(2));
    expect(raft.log.committed).toBe(raft.log.lastIndex()); // a single voter commits at once …
    expectRaftError(() => raft.proposeConfChange(addLearner(3)), 'CONF_CHANGE_PENDING'); // … but has not applied it
    drain(raft, storage);
    expect(() => raft.proposeConfChange(addLearner(3))).not.toThrow();
  });

  it.each([
    { name: 'a fresh cluster', prior: 'none' as const },
    { name: 'a leadership change', prior: 'transfer' as const },
  ])('a new leader cannot propose a membership change until its no-op is applied (after $name)', ({ prior }) => {
    const net = new Network([1, 2, 3]);
    let leader = 1;
    if (prior === 'transfer') {
      net.campaign(1);
      net.propose(1, 'a');
      net.dropTypes.add(MessageType.App); // the next leader's no-op cannot replicate
      net.raft(1).transferLeader(nodeId(2));
      leader = 2;
    } else {
      net.dropTypes.add(MessageType.App);
      net.raft(1).campaign();
    }
    net.stabilize();
    expect(net.raft(leader).role).toBe(StateRole.Leader);
    // Everything before the no-op is applied; only the no-op is not.
    expect(net.raft(leader).log.applied).toBe(net.raft(leader).log.lastIndex() - 1);
    expectRaftError(() => net.raft(leader).proposeConfChange(addLearner(4)), 'CONF_CHANGE_PENDING');

    net.heal();
    net.tick(leader, 1);
    expect(net.raft(leader).log.applied).toBe(net.raft(leader).log.lastIndex());
    net.raft(leader).proposeConfChange(addLearner(4));
    net.stabilize();
    expect(net.raft(leader).confState()).toEqual(conf([1, 2, 3], [4]));
  });

  it('a configuration is in force on a node as soon as its entry is in the log, before it commits', () => {
    const net = clusterWithLeader([1, 2, 3]);
    net.isolate(3);
    net.cutLink(2, 1); // node 2 receives the entry but cannot acknowledge it
    net.raft(1).proposeConfChange(addVoter(4));
    net.stabilize();
    expect(net.raft(1).log.committed).toBeLessThan(net.raft(1).log.lastIndex());
    expect(net.raft(1).confState()).toEqual(conf([1, 2, 3, 4]));
    expect(net.raft(2).confState()).toEqual(conf([1, 2, 3, 4]));
    expect(net.raft(3).confState()).toEqual(conf([1, 2, 3]));
  });

  it('an uncommitted configuration entry that is overwritten by a new leader is undone', () => {
    const net = clusterWithLeader([1, 2, 3, 4, 5]);
    for (const a of [1, 2]) {
      for (const b of [3, 4, 5]) {
        net.cutLink(a, b);
        net.cutLink(b, a);
      }
    }
    net.raft(1).proposeConfChange(removeNode(5));
    net.stabilize();
    expect(net.raft(2).confState()).toEqual(conf([1, 2, 3, 4]));

    const leader = tickUntilLeader(net, [3, 4, 5]);
    net.propose(leader, 'y');
    net.heal();
    net.tickAll(5);
    for (const n of [1, 2, 3, 4, 5]) {
      expect(net.raft(n).confState(), `node ${n}`).toEqual(conf([1, 2, 3, 4, 5]));
      expect(net.appliedConfChanges(n)).toEqual([]);
    }
  });

  it('a leader ignores messages from a node that is no longer a member', () => {
    const net = clusterWithLeader([1, 2, 3]);
    net.raft(1).proposeConfChange(removeNode(3));
    net.stabilize();
    const r = net.raft(1);
    const before = r.status();
    r.step(message({ type: MessageType.AppResp, from: nodeId(3), to: nodeId(1), term: r.term, index: r.log.lastIndex() + 5 }));
    expect(r.status().progress.has(nodeId(3))).toBe(false);
    expect(r.status().commit).toBe(before.commit);
  });
});

describe('Learners', () => {
  it('a learner never campaigns, however long it goes without a leader', () => {
    const net = new Network([1, 2, 3], {}, [4]);
    const term = net.raft(4).term;
    net.isolate(4);
    net.tick(4, 100);
    net.raft(4).campaign();
    net.stabilize();
    expect(net.raft(4).role).toBe(StateRole.Follower);
    expect(net.raft(4).term).toBe(term);
    expect(net.sent.filter((m) => m.from === 4)).toEqual([]);
  });

  it('candidates do not ask learners for votes, and a learner vote is not counted', () => {
    const net = new Network([1, 2, 3], { preVote: false }, [4, 5]);
    net.campaign(1);
    expect(new Set(msgsOf(net.delivered, MessageType.Vote).map((m) => m.to))).toEqual(new Set([2, 3]));

    const { raft, storage } = soloRaft(1, [1, 2, 3], { preVote: false }, [4, 5]);
    raft.campaign();
    drain(raft, storage);
    for (const from of [4, 5]) {
      raft.step(message({ type: MessageType.VoteResp, from: nodeId(from), to: nodeId(1), term: raft.term }));
    }
    expect(raft.role).toBe(StateRole.Candidate);
    raft.step(message({ type: MessageType.VoteResp, from: nodeId(2), to: nodeId(1), term: raft.term }));
    expect(raft.role).toBe(StateRole.Leader);
  });

  it('with one voter and learners, the voter alone commits', () => {
    const net = new Network([1], {}, [2, 3]);
    net.isolate(2);
    net.isolate(3);
    net.campaign(1);
    expect(net.raft(1).role).toBe(StateRole.Leader);
    const idx = net.propose(1, 'a');
    expect(net.raft(1).log.committed).toBe(idx);
    expect(net.appliedData(1)).toEqual(['a']);
    net.heal();
    net.tick(1, 2);
    for (const n of [2, 3]) expect(net.appliedData(n)).toEqual(['a']);
  });

  it('with three voters and two learners, losing two voters stalls commit even though the learners acknowledge', () => {
    const net = clusterWithLeader([1, 2, 3], {}, [4, 5]);
    const committed = net.raft(1).log.committed;
    net.isolate(2);
    net.isolate(3);
    const idx = net.propose(1, 'a');
    const progress = net.raft(1).status().progress;
    for (const n of [4, 5]) {
      expect(progress.get(nodeId(n))!.match, `learner ${n}`).toBe(idx);
      expect(progress.get(nodeId(n))!.isLearner).toBe(true);
    }
    expect(net.raft(1).log.committed).toBe(committed);
    expect(net.appliedData(1)).toEqual([]);

    net.heal();
    net.tick(1, 2);
    expect(net.raft(1).log.committed).toBe(idx);
  });

  it('an added learner catches up but does not count toward the quorum', () => {
    const net = clusterWithLeader([1, 2, 3]);
    net.addNode(4);
    net.raft(1).proposeConfChange(addLearner(4));
    net.stabilize();
    net.propose(1, 'a');
    expect(net.raft(4).confState()).toEqual(conf([1, 2, 3], [4]));
    expect(net.appliedData(4)).toEqual(['a']);
    net.isolate(2);
    net.isolate(3);
    const committed = net.raft(1).log.committed;
    net.propose(1, 'b');
    expect(net.raft(1).log.committed).toBe(committed);
  });

  it('promoting a learner makes it a voter: it counts toward the quorum and may lead', () => {
    const net = clusterWithLeader([1, 2, 3], {}, [4]);
    net.propose(1, 'a');
    net.raft(1).proposeConfChange(addVoter(4));
    net.stabilize();
    for (const n of [1, 2, 3, 4]) expect(net.raft(n).confState(), `node ${n}`).toEqual(conf([1, 2, 3, 4]));
    expect(net.raft(1).status().progress.get(nodeId(4))!.isLearner).toBe(false);
    expect(net.raft(4).promotable()).toBe(true);

    // Now 1 and 4 are only two of four voters: not a quorum.
    net.isolate(2);
    net.isolate(3);
    const committed = net.raft(1).log.committed;
    net.propose(1, 'b');
    expect(net.raft(1).log.committed).toBe(committed);
    net.heal();
    net.tickAll(2);

    net.raft(1).transferLeader(nodeId(4));
    net.stabilize();
    expect(net.raft(4).role).toBe(StateRole.Leader);
    expect(net.appliedData(4)).toEqual(['a', 'b']);
  });
});
