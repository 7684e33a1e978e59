import { describe, expect, it } from 'vitest';
import { MessageType, Raft, StateRole, message, nodeId } from '../../src/raft/index.js';
import { Network, makeEntries } from './harness.js';
import { clusterWithLeader, drain, msgsOf, soloRaft, tickUntilLeader, voteRequest } from './helpers.js';

describe('Election', () => {
  it.each([
    { size: 1, preVote: true },
    { size: 3, preVote: true },
    { size: 5, preVote: true },
    { size: 3, preVote: false },
    { size: 5, preVote: false },
  ])('a candidate that gets a majority of votes becomes leader ($size voters, preVote=$preVote)', ({ size, preVote }) => {
    const voters = Array.from({ length: size }, (_, i) => i + 1);
    const net = new Network(voters, { preVote });
    const t0 = net.raft(1).term;
    net.campaign(1);
    expect(net.raft(1).role).toBe(StateRole.Leader);
    expect(net.raft(1).term).toBe(t0 + 1);
    for (const n of voters.slice(1)) {
      expect(net.raft(n).role).toBe(StateRole.Follower);
      expect(net.raft(n).lead).toBe(1);
      expect(net.raft(n).term).toBe(t0 + 1);
    }
  });

  it.each([
    { preVote: false, role: StateRole.Candidate, termBump: 1 },
    // A pre-candidate that cannot win does not even raise its term.
    { preVote: true, role: StateRole.PreCandidate, termBump: 0 },
  ])('a candidate that reaches only a minority does not become leader (preVote=$preVote)', ({ preVote, role, termBump }) => {
    const net = new Network([1, 2, 3, 4, 5], { preVote });
    const t0 = net.raft(1).term;
    for (const n of [3, 4, 5]) {
      net.cutLink(1, n);
      net.cutLink(n, 1);
    }
    net.campaign(1); // votes: itself and node 2 — two of five
    expect(net.raft(1).role).toBe(role);
    expect(net.raft(1).term).toBe(t0 + termBump);
    expect(net.leader()).toBeUndefined();
  });

  it('when votes split no candidate becomes leader, and a later election at a higher term succeeds', () => {
    const net = new Network([1, 2, 3], { preVote: false });
    const t0 = net.raft(1).term;
    // All three time out together: each votes for itself and refuses the others.
    for (const n of [1, 2, 3]) net.raft(n).campaign();
    net.stabilize();
    for (const n of [1, 2, 3]) {
      // Refused by both others, each candidate concedes the term.
      expect(net.raft(n).role).toBe(StateRole.Follower);
      expect(net.raft(n).term).toBe(t0 + 1);
      expect(net.raft(n).vote).toBe(n);
    }
    expect(net.leader()).toBeUndefined();

    // Randomized timeouts break the tie in a later term.
    const leader = tickUntilLeader(net, [1, 2, 3]);
    expect(net.raft(leader).term).toBeGreaterThan(t0 + 1);
    for (const n of [1, 2, 3]) expect(net.raft(n).term).toBe(net.raft(leader).term);
  });

  it('a four-node cluster split two against two elects nobody', () => {
    const net = new Network([1, 2, 3, 4], { preVote: false });
    // 1 reaches only 3; 2 reaches only 4.
    net.cutLink(1, 4);
    net.cutLink(2, 3);
    net.cutLink(1, 2);
    net.cutLink(2, 1);
    net.raft(1).campaign();
    net.raft(2).campaign();
    net.stabilize();
    expect(net.leader()).toBeUndefined();
    expect(net.raft(3).vote).toBe(1);
    expect(net.raft(4).vote).toBe(2);
  });

  it('each new election uses a higher term than the last', () => {
    const net = clusterWithLeader([1, 2, 3]);
    const terms = [net.raft(1).term];
    let leader = 1;
    for (let round = 0; round < 3; round++) {
      net.isolate(leader);
      const next = tickUntilLeader(net, [1, 2, 3].filter((n) => n !== leader));
      net.heal();
      net.tickAll(3); // the old leader hears the new term and steps down
      expect(net.leader()?.id).toBe(next);
      terms.push(net.raft(next).term);
      leader = next;
    }
    for (let i = 1; i < terms.length; i++) expect(terms[i]).toBeGreaterThan(terms[i - 1]!);
    for (const n of [1, 2, 3]) expect(net.raft(n).term).toBe(terms[terms.length - 1]);
  });

  it('a node grants at most one vote per term, and remembers it across a restart', () => {
    const { raft, storage } = soloRaft(3, [1, 2, 3], { preVote: false });
    const t = raft.term + 1; // the election term
    const [li, lt] = [raft.log.lastIndex(), raft.log.lastTerm()]; // candidates as up-to-date as the voter
    raft.step(voteRequest(1, 3, t, li, lt));
    let out = drain(raft, storage);
    expect(msgsOf(out, MessageType.VoteResp, 1).map((m) => m.reject)).toEqual([false]);
    expect(storage.hardStateNow()).toMatchObject({ term: t, vote: 1 });

    // Another candidate of the same term is refused.
    raft.step(voteRequest(2, 3, t, li, lt));
    out = drain(raft, storage);
    expect(msgsOf(out, MessageType.VoteResp, 2).map((m) => m.reject)).toEqual([true]);

    // A retransmitted request from the candidate it voted for is granted again.
    raft.step(voteRequest(1, 3, t, li, lt));
    out = drain(raft, storage);
    expect(msgsOf(out, MessageType.VoteResp, 1).map((m) => m.reject)).toEqual([false]);

    // After a crash the vote is read back from the hard state.
    const restarted = new Raft({ id: nodeId(3), storage, random: () => 0, preVote: false });
    restarted.step(voteRequest(2, 3, t, li, lt));
    out = drain(restarted, storage);
    expect(msgsOf(out, MessageType.VoteResp, 2).map((m) => m.reject)).toEqual([true]);

    // A higher term is a new election: the vote is free again.
    restarted.step(voteRequest(2, 3, t + 1, li, lt));
    out = drain(restarted, storage);
    expect(msgsOf(out, MessageType.VoteResp, 2).map((m) => m.reject)).toEqual([false]);
    expect(storage.hardStateNow()).toMatchObject({ term: t + 1, vote: 2 });
  });

  // The voter's log: indices 1..3 with terms [1, 2, 2], at term 2.
  it.each([
    { lastIndex: 3, lastTerm: 2, granted: true, why: 'same last term and index' },
    { lastIndex: 4, lastTerm: 2, granted: true, why: 'same last term, longer log' },
    { lastIndex: 1, lastTerm: 3, granted: true, why: 'higher last term, shorter log' },
    { lastIndex: 2, lastTerm: 2, granted: false, why: 'same last term, shorter log' },
    { lastIndex: 5, lastTerm: 1, granted: false, why: 'lower last term, longer log' },
    { lastIndex: 0, lastTerm: 0, granted: false, why: 'empty log' },
  ])('a voter grants its vote only to a candidate whose log is at least as up-to-date ($why)', ({ lastIndex, lastTerm, granted }) => {
    const { raft, storage } = soloRaft(2, [1, 2, 3], { preVote: false }, [], makeEntries(1, [1, 2, 2]), { term: 2 });
    expect(raft.log.lastIndex()).toBe(3);
    raft.step(voteRequest(1, 2, 3, lastIndex, lastTerm));
    const resp = msgsOf(drain(raft, storage), MessageType.VoteResp, 1);
    expect(resp).toHaveLength(1);
    expect(resp[0]!.reject).toBe(!granted);
    expect(raft.vote).toBe(granted ? 1 : 0);
    expect(raft.term).toBe(3);
  });

  it('a candidate becomes a follower when it receives an append from a leader of its term', () => {
    const { raft, storage } = soloRaft(2, [1, 2, 3], { preVote: false });
    raft.campaign();
    drain(raft, storage);
    expect(raft.role).toBe(StateRole.Candidate);
    const term = raft.term;
    raft.step(message({ type: MessageType.App, from: nodeId(3), to: nodeId(2), term, index: 1, logTerm: 1 }));
    expect(raft.role).toBe(StateRole.Follower);
    expect(raft.lead).toBe(3);
    expect(raft.term).toBe(term);
  });

  it('a candidate that is refused by a majority returns to follower', () => {
    const { raft, storage } = soloRaft(1, [1, 2, 3], { preVote: false });
    raft.campaign();
    drain(raft, storage);
    const term = raft.term;
    for (const from of [2, 3]) {
      raft.step(message({ type: MessageType.VoteResp, from: nodeId(from), to: nodeId(1), term, reject: true }));
    }
    expect(raft.role).toBe(StateRole.Follower);
    expect(raft.term).toBe(term);
  });

  it('followers that keep hearing from the leader never start an election', () => {
    const net = clusterWithLeader([1, 2, 3]);
    const term = net.raft(1).term;
    net.tickAll(100);
    expect(net.raft(1).role).toBe(StateRole.Leader);
    expect(net.raft(1).term).toBe(term);
    for (const n of [2, 3]) expect(net.raft(n).lead).toBe(1);
  });

  it.each([1, 2, 3, 4, 5, 6])(
    'a follower without a leader campaigns within [electionTicks, 2·electionTicks) ticks (seed %i)',
    (seed) => {
      const { raft, storage } = soloRaft(seed, [seed], { electionTicks: 10 });
      let ticks = 0;
      while (raft.role !== StateRole.Leader && ticks < 100) {
        raft.tick();
        drain(raft, storage);
        ticks++;
      }
      expect(raft.role).toBe(StateRole.Leader);
      expect(ticks).toBeGreaterThanOrEqual(10);
      expect(ticks).toBeLessThan(20);
    },
  );

  it('a cluster with no leader elects one by itself once election timeouts fire', () => {
    const net = new Network([1, 2, 3]);
    const t0 = net.raft(1).term;
    const leader = tickUntilLeader(net, [1, 2, 3], 40);
    expect(net.raft(leader).term).toBe(t0 + 1);
    for (const n of [1, 2, 3]) expect(net.raft(n).lead).toBe(leader);
  });
});

describe('Stale terms', () => {
  it.each([
    { preVote: true, checkQuorum: true, answers: true },
    { preVote: true, checkQuorum: false, answers: true },
    { preVote: false, checkQuorum: true, answers: true },
    { preVote: false, checkQuorum: false, answers: false },
  ])(
    'a node answers an append from a stale-term leader with its own term so that leader steps down (preVote=$preVote, checkQuorum=$checkQuorum → answers=$answers)',
    ({ preVote, checkQuorum, answers }) => {
      const { raft, storage } = soloRaft(2, [1, 2, 3], { preVote, checkQuorum }, [], [], { term: 5 });
      for (const type of [MessageType.App, MessageType.Heartbeat]) {
        raft.step(message({ type, from: nodeId(1), to: nodeId(2), term: 3, index: 1, logTerm: 1 }));
        const resp = msgsOf(drain(raft, storage), MessageType.AppResp, 1);
        expect(resp.map((m) => m.term)).toEqual(answers ? [5] : []);
        expect(raft.term).toBe(5);
        expect(raft.lead).toBe(0);
      }
    },
  );

  it('a deposed leader that hears a higher term steps down to follower at that term', () => {
    const net = clusterWithLeader([1, 2, 3], { checkQuorum: false });
    const term = net.raft(1).term;
    net.isolate(1);
    net.campaign(2); // without CheckQuorum, node 3 does not hold on to its old leader
    expect(net.raft(2).role).toBe(StateRole.Leader);
    expect(net.raft(1).role).toBe(StateRole.Leader); // it does not know yet
    net.heal();
    net.tick(1, 1); // its heartbeat is answered with the new term
    expect(net.raft(1).role).toBe(StateRole.Follower);
    expect(net.raft(1).term).toBe(net.raft(2).term);
    expect(net.raft(1).term).toBeGreaterThan(term);
  });
});

describe('PreVote', () => {
  it('after the leader dies, a new leader is elected within two election timeouts even when the behind follower heard the old leader later (it ignores pre-votes inside its lease; the pre-candidate asks again within a few ticks)', () => {
    const worst: number[] = [];
    for (let seed = 1; seed <= 100; seed++) {
      let x = seed * 7919;
      const random = (): number => ((x = (x * 1103515245 + 12345) % 2147483648), x / 2147483648);
      const net = new Network([1, 2, 3], { electionTicks: 10, heartbeatTicks: 1, random });
      net.campaign(1);
      net.propose(1, 'a');
      net.cutLink(1, 3);
      net.propose(1, 'b'); // node 3 is behind: only node 2 can win
      net.isolate(1);
      let t = 0;
      for (; t < 100 && net.raft(2).role !== StateRole.Leader; t++) {
        net.raft(2).tick();
        net.stabilize();
        // Node 3 heard the old leader five ticks later than node 2 did (tick phases, delivery delays).
        if (t >= 5) {
          net.raft(3).tick();
          net.stabilize();
        }
      }
      worst.push(t);
    }
    // Waiting a whole randomized timeout after an ignored pre-vote took up to 30 ticks here.
    expect(Math.max(...worst)).toBeLessThan(20);
  });

  it('a pre-candidate nobody answers retries quickly three times, then backs off up to 2-4 election timeouts; hearing a leader makes its retries quick again', () => {
    const { raft, storage } = soloRaft(1, [1, 2, 3], { electionTicks: 10, random: () => 0.5 });
    const rounds: number[] = [];
    const run = (ticks: number, from: number): void => {
      for (let t = from; t < from + ticks; t++) {
        raft.tick();
        if (msgsOf(drain(raft, storage), MessageType.PreVote, 2).length > 0) rounds.push(t);
      }
    };
    run(400, 0);
    expect(raft.role).toBe(StateRole.PreCandidate);
    const gaps = rounds.slice(1).map((t, i) => t - rounds[i]!);
    // Three quick retries (a voter inside its lease grants a few ticks later)...
    expect(gaps.slice(0, 3).every((g) => g <= 4)).toBe(true);
    // ...then twice as long each round, up to the cap: a wait in 20..40 ticks (2-4 election timeouts).
    const backingOff = gaps.slice(3).filter((g) => g < 20);
    for (let i = 1; i < backingOff.length; i++) expect(backingOff[i]).toBe(2 * backingOff[i - 1]!);
    const capped = gaps.slice(3 + backingOff.length);
    expect(capped.length).toBeGreaterThan(5);
    expect(capped.every((g) => g >= 20 && g <= 40)).toBe(true);
    // 400 ticks of fixed quick retries were about 130 rounds, each a message to every voter.
    expect(rounds.length).toBeLessThan(25);

    // A leader's heartbeat: the next failover retries quickly again.
    raft.step(message({ type: MessageType.Heartbeat, from: nodeId(2), to: nodeId(1), term: raft.term + 1 }));
    drain(raft, storage);
    expect(raft.role).toBe(StateRole.Follower);
    rounds.length = 0;
    run(60, 1000);
    const again = rounds.slice(1, 4).map((t, i) => t - rounds[i]!);
    expect(again.every((g) => g <= 4)).toBe(true);
  });

  it.each([
    { preVote: true, checkQuorum: false, disrupted: false },
    { preVote: true, checkQuorum: true, disrupted: false },
    { preVote: false, checkQuorum: false, disrupted: true },
  ])(
    'a partitioned node that rejoins does not disrupt a stable leader (preVote=$preVote, checkQuorum=$checkQuorum → disrupted=$disrupted)',
    ({ preVote, checkQuorum, disrupted }) => {
      const net = clusterWithLeader([1, 2, 3], { preVote, checkQuorum });
      const term = net.raft(1).term;
      net.isolate(3);
      // The majority moves on while node 3 is away.
      net.propose(1, 'while-away');
      net.tickAll(60);
      expect(net.raft(1).role).toBe(StateRole.Leader);
      if (preVote) {
        // Pre-votes never succeed, so the isolated node never raises its term.
        expect(net.raft(3).term).toBe(term);
      } else {
        expect(net.raft(3).term).toBeGreaterThan(term);
      }

      net.heal();
      net.tickAll(30);
      if (disrupted) {
        expect(net.raft(1).term).toBeGreaterThan(term);
      } else {
        expect(net.raft(1).role).toBe(StateRole.Leader);
        expect(net.raft(1).term).toBe(term);
        expect(net.raft(3).lead).toBe(1);
        expect(net.raft(3).term).toBe(term);
      }
      // Either way node 3 catches up.
      net.propose(net.leader()!.id, 'after');
      expect(net.appliedData(3)).toEqual(['while-away', 'after']);
    },
  );

  it('a pre-vote does not change the term or the vote of the voter', () => {
    const { raft, storage } = soloRaft(2, [1, 2, 3]);
    const term = raft.term;
    raft.step(voteRequest(1, 2, term + 1, raft.log.lastIndex(), raft.log.lastTerm(), MessageType.PreVote));
    const resp = msgsOf(drain(raft, storage), MessageType.PreVoteResp, 1);
    expect(resp.map((m) => m.reject)).toEqual([false]);
    // Granted at the candidate's prospective term, so the candidate counts it.
    expect(resp[0]!.term).toBe(term + 1);
    expect(raft.term).toBe(term);
    expect(raft.vote).toBe(0);
  });

  it('a pre-candidate that wins the pre-vote then runs a real election at term + 1', () => {
    const net = new Network([1, 2, 3]);
    const t0 = net.raft(1).term;
    net.campaign(1);
    const types = net.delivered.map((m) => m.type);
    expect(types).toContain(MessageType.PreVote);
    expect(types.indexOf(MessageType.PreVote)).toBeLessThan(types.indexOf(MessageType.Vote));
    expect(net.delivered.filter((m) => m.type === MessageType.PreVote).every((m) => m.term === t0 + 1)).toBe(true);
    expect(net.raft(1).term).toBe(t0 + 1);
  });
});

describe('CheckQuorum', () => {
  it.each([
    { checkQuorum: true, role: StateRole.Follower },
    { checkQuorum: false, role: StateRole.Leader },
  ])('a leader that cannot hear from a quorum steps down (checkQuorum=$checkQuorum)', ({ checkQuorum, role }) => {
    const net = clusterWithLeader([1, 2, 3], { checkQuorum });
    const term = net.raft(1).term;
    net.isolate(1);
    net.tick(1, 20); // two election timeouts
    expect(net.raft(1).role).toBe(role);
    // Stepping down does not change the term.
    expect(net.raft(1).term).toBe(term);
  });

  it('a leader that hears from a quorum (but not from everyone) stays leader', () => {
    const net = clusterWithLeader([1, 2, 3, 4, 5]);
    const term = net.raft(1).term;
    net.isolate(4);
    net.isolate(5);
    net.tickAll(50);
    expect(net.raft(1).role).toBe(StateRole.Leader);
    expect(net.raft(1).term).toBe(term);
  });

  it('a leader with only learners reachable loses its quorum (learners are not counted)', () => {
    const net = clusterWithLeader([1, 2, 3], {}, [4, 5]);
    net.isolate(2);
    net.isolate(3);
    net.tick(1, 20);
    expect(net.raft(1).role).toBe(StateRole.Follower);
  });

  it('the rest of the cluster elects a new leader after the old one loses its quorum', () => {
    const net = clusterWithLeader([1, 2, 3]);
    const term = net.raft(1).term;
    net.isolate(1);
    const leader = tickUntilLeader(net, [2, 3]);
    net.tick(1, 20);
    expect(net.raft(1).role).toBe(StateRole.Follower);
    expect(net.raft(leader).term).toBe(term + 1);
  });

  it('a follower that heard from its leader within the election timeout ignores a higher-term vote request', () => {
    const net = clusterWithLeader([1, 2, 3], { preVote: false });
    const term = net.raft(1).term;
    const { raft } = net.node(2);
    raft.step(voteRequest(3, 2, term + 5, 100, term + 4));
    expect(raft.term).toBe(term);
    expect(raft.lead).toBe(1);
    expect(raft.vote).toBe(1);
  });
});
