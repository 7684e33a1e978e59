// The raft core's part of quiescence (src/raft/raft.ts canQuiesce, quiesce,
// mayQuiesceOn, wake; the host's part is src/node/quiescence.ts): a leader
// quiesces only with nothing outstanding, a follower only with the whole log,
// and a woken core treats the ticks it missed as time that passed — a lease
// from before has run out, CheckQuorum asks for a quorum again, and a follower
// whose leader's node went silent campaigns.
import { describe, expect, it } from 'vitest';
import { MessageType, QUIESCE_CONTEXT, StateRole, type Message } from '../../src/raft/index.js';
import { Network } from './harness.js';
import { tickUntilLeader } from './helpers.js';

const electionTicks = 10;

function cluster(opts: { readOnlyOption?: 'lease' | 'safe' } = {}): { net: Network; leader: number; followers: number[] } {
  const net = new Network([1, 2, 3], { electionTicks, leaseMarginTicks: 2, ...opts });
  const leader = tickUntilLeader(net, [1, 2, 3]);
  net.tickAll(1);
  return { net, leader, followers: [1, 2, 3].filter((n) => n !== leader) };
}

/** The quiesce heartbeats the leader sends (delivered through the network). */
function quiesceHeartbeats(net: Network, from: number, before: number): Message[] {
  return net.delivered.slice(before).filter((m) => m.type === MessageType.Heartbeat && m.from === from && m.context === QUIESCE_CONTEXT);
}

describe('quiescence in the raft core', () => {
  it('a leader quiesces once every follower holds and knows the whole committed log; each follower may quiesce on its heartbeat', () => {
    const { net, leader, followers } = cluster();
    net.propose(leader, 'a', 'b');
    net.tickAll(1);
    expect(net.raft(leader).canQuiesce()).toBe(true);
    const before = net.delivered.length;
    net.raft(leader).quiesce();
    net.stabilize();
    const hbs = quiesceHeartbeats(net, leader, before);
    expect(hbs.map((m) => m.to).sort()).toEqual(followers.sort());
    for (const m of hbs) expect(net.raft(m.to).mayQuiesceOn(m)).toBe(true);
    // The answers to a quiesce heartbeat are not read acknowledgements: no read state appears.
    expect(net.node(leader).readStates).toEqual([]);
  });

  it('a leader with a follower behind, an entry not yet committed, or a transfer under way does not quiesce', () => {
    const { net, leader, followers } = cluster();
    net.cutLink(leader, followers[0]!);
    net.propose(leader, 'x');
    expect(net.raft(leader).log.committed).toBe(net.raft(leader).log.lastIndex()); // a quorum has it
    expect(net.raft(leader).canQuiesce()).toBe(false); // one follower does not
    const before = net.delivered.length;
    net.raft(leader).quiesce();
    net.stabilize();
    expect(quiesceHeartbeats(net, leader, before)).toEqual([]);
    net.heal();
    net.tickAll(2);
    expect(net.raft(leader).canQuiesce()).toBe(true);
    net.raft(leader).transferLeader(followers[1]! as never);
    expect(net.raft(leader).canQuiesce()).toBe(false);
  });

  it('a follower whose log does not end at the leader’s commit may not quiesce on its heartbeat', () => {
    const { net, leader, followers } = cluster();
    const f = followers[0]!;
    const m: Message = { ...net.delivered.find((x) => x.type === MessageType.Heartbeat && x.to === f)!, context: QUIESCE_CONTEXT, commit: net.raft(f).log.lastIndex() + 1 };
    expect(net.raft(f).mayQuiesceOn(m)).toBe(false);
    expect(net.raft(f).mayQuiesceOn({ ...m, commit: net.raft(f).log.lastIndex() })).toBe(true);
    expect(net.raft(f).mayQuiesceOn({ ...m, commit: net.raft(f).log.lastIndex(), context: '' })).toBe(false);
    expect(net.raft(f).mayQuiesceOn({ ...m, commit: net.raft(f).log.lastIndex(), from: f as never })).toBe(false);
    void leader;
  });

  it('a leader woken after a quiescence longer than its lease confirms leadership before serving a lease read', () => {
    const { net, leader } = cluster({ readOnlyOption: 'lease' });
    net.propose(leader, 'v');
    net.tickAll(1);
    // Quiesced for 100 ticks: the lease granted before has run out.
    net.raft(leader).wake(100, 0);
    net.dropTypes.add(MessageType.HeartbeatResp);
    net.raft(leader).readIndex('after-wake');
    net.stabilize();
    expect(net.node(leader).readStates).toEqual([]);
    net.heal();
    net.tick(leader, 1);
    expect(net.node(leader).readStates.map((r) => r.context)).toEqual(['after-wake']);
  });

  it('a woken leader that hears from no quorum within an election timeout steps down (CheckQuorum counts from the wake)', () => {
    const { net, leader } = cluster();
    net.raft(leader).wake(500, 0);
    net.isolate(leader);
    for (let i = 0; i < electionTicks + 1 && net.raft(leader).role === StateRole.Leader; i++) net.tick(leader, 1);
    expect(net.raft(leader).role).not.toBe(StateRole.Leader);
  });

  it('a woken leader that does hear from a quorum stays leader', () => {
    const { net, leader } = cluster();
    net.raft(leader).wake(500, 0);
    for (let i = 0; i < 3 * electionTicks; i++) net.tick(leader, 1);
    expect(net.raft(leader).role).toBe(StateRole.Leader);
  });

  it('a follower woken with its leader’s node silent for longer than an election timeout campaigns at its next tick; one whose leader’s node was heard just now stays a follower and refuses to disrupt it', () => {
    const { net, leader, followers } = cluster();
    const [dead, live] = followers as [number, number];
    net.isolate(leader);
    net.raft(dead).wake(5 * electionTicks, 3 * electionTicks);
    net.raft(live).wake(5 * electionTicks, 0);
    net.raft(live).tick();
    expect(net.raft(live).role).toBe(StateRole.Follower);
    net.raft(dead).tick();
    expect(net.raft(dead).role).toBe(StateRole.PreCandidate);
    // Its pre-vote reaches `live`, which still counts the leader as heard: no grant, no new term.
    net.stabilize();
    expect(net.raft(live).role).toBe(StateRole.Follower);
    expect(net.raft(dead).role).not.toBe(StateRole.Leader);
    // Once `live` misses the leader too, the two elect a new leader.
    for (let i = 0; i < 4 * electionTicks && ![dead, live].some((n) => net.raft(n).role === StateRole.Leader); i++) {
      net.raft(dead).tick();
      net.raft(live).tick();
      net.stabilize();
    }
    expect([dead, live].some((n) => net.raft(n).role === StateRole.Leader)).toBe(true);
  });
});
