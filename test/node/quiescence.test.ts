// The host's part of quiescence (src/node/quiescence.ts) over real raft cores
// and real Replica objects: an idle group goes silent, work wakes it, and a
// leader that dies while its group is quiesced is replaced — found through
// the node heartbeats (node liveness), since the group itself sends nothing.
// A planted bug (followers that never wake on their leader's death) leaves the
// group without a leader: the failover check catches it.
import { describe, expect, it } from 'vitest';
import { MemoryStorage, NONE, StateRole, nodeId, type Message, type NodeId } from '../../src/raft/index.js';
import { Raft } from '../../src/raft/index.js';
import { Quiescence, QUIET_TICKS } from '../../src/node/quiescence.js';
import { Replica } from '../../src/node/replica.js';
import { seededRandom } from '../raft/harness.js';

const ELECTION = 10;

interface Node {
  readonly id: NodeId;
  raft: Raft;
  readonly storage: MemoryStorage;
  replica: Replica;
  q: Quiescence;
  down: boolean;
  /** Bumped by a restart; sent with the node heartbeats. */
  incarnation: number;
}

const noMachine = { appliedIndex: (): number => 0, applyEntries: (): Promise<Map<number, unknown>> => Promise.resolve(new Map<number, unknown>()), reload: (): Promise<void> => Promise.resolve(), afterWrite: (): void => {} };

class Cluster {
  readonly nodes: Node[] = [];
  /** Raft messages sent (all groups' traffic: here, one group). */
  sent = 0;

  constructor(makeQ: (id: NodeId) => Quiescence = (id) => new Quiescence(id, ELECTION, true)) {
    const cs = { voters: [1, 2, 3].map(nodeId), learners: [] };
    for (const n of [1, 2, 3]) {
      const id = nodeId(n);
      const storage = new MemoryStorage(cs);
      const raft = new Raft({ id, storage, electionTicks: ELECTION, random: seededRandom(n * 101) });
      const replica = new Replica(1, raft, storage as never, noMachine, 1000);
      this.nodes.push({ id, raft, storage, replica, q: makeQ(id), down: false, incarnation: 1 });
    }
  }

  /** A crash and an immediate restart from durable state: a new process, a new incarnation. */
  restart(n: Node): void {
    n.raft = new Raft({ id: n.id, storage: n.storage, electionTicks: ELECTION, random: seededRandom(n.id * 7 + n.incarnation) });
    n.replica = new Replica(1, n.raft, n.storage as never, noMachine, 1000);
    n.q = new Quiescence(n.id, ELECTION, true);
    n.incarnation++;
  }

  node(id: NodeId): Node {
    return this.nodes.find((n) => n.id === id)!;
  }

  /** Ready cycles and deliveries until nothing moves. */
  settle(): void {
    for (let round = 0; round < 1000; round++) {
      const out: Message[] = [];
      for (const n of this.nodes) {
        if (n.down || !n.raft.hasReady()) continue;
        const rd = n.raft.ready();
        if (rd.snapshot) n.storage.applySnapshot(rd.snapshot);
        n.storage.append(rd.entries);
        if (rd.hardState) n.storage.setHardState(rd.hardState);
        out.push(...rd.messages);
        n.raft.advance();
      }
      if (out.length === 0) return;
      for (const m of out) {
        this.sent++;
        const to = this.node(m.to);
        if (to.down || this.node(m.from).down) continue;
        to.q.beforeStep(to.replica, m);
        to.raft.step(m);
        to.q.afterStep(to.replica, m);
      }
    }
    throw new Error('did not settle');
  }

  /** One host tick on every live node: node heartbeats, liveness, ticks of the awake replicas. */
  tick(): void {
    for (const n of this.nodes) {
      if (n.down) continue;
      for (const peer of this.nodes) if (peer !== n && !peer.down) n.q.heardFrom(peer.id, String(peer.incarnation));
    }
    for (const n of this.nodes) {
      if (n.down) continue;
      n.q.tick();
      if (n.replica.quiescedAt !== undefined) continue;
      n.q.tickReplica(n.replica);
    }
    this.settle();
  }

  leader(): Node | undefined {
    return this.nodes.find((n) => !n.down && n.raft.role === StateRole.Leader);
  }

  ticksUntilLeader(max: number): number {
    for (let i = 0; i < max; i++) {
      if (this.leader()) return i;
      this.tick();
    }
    return this.leader() ? max : -1;
  }
}

/** A cluster whose group has a leader and has quiesced; its leader and one follower. */
function quiescedGroup(): { c: Cluster; l: Node; victim: Node } {
  const c = new Cluster();
  c.ticksUntilLeader(200);
  for (let i = 0; i < QUIET_TICKS + 3; i++) c.tick();
  const l = c.leader()!;
  expect(l.replica.quiescedAt).toBeDefined();
  return { c, l, victim: c.nodes.find((n) => n !== l)! };
}

describe('quiescence on the host', () => {
  it('an idle group stops sending anything; every replica is quiesced', () => {
    const c = new Cluster();
    expect(c.ticksUntilLeader(200)).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < QUIET_TICKS + 3; i++) c.tick();
    for (const n of c.nodes) expect(n.replica.quiescedAt, `node ${n.id}`).toBeDefined();
    const before = c.sent;
    for (let i = 0; i < 10 * ELECTION; i++) c.tick();
    expect(c.sent - before).toBe(0);
  });

  it('a proposal wakes the leader, commits on every replica, and the group quiesces again', () => {
    const c = new Cluster();
    c.ticksUntilLeader(200);
    for (let i = 0; i < QUIET_TICKS + 3; i++) c.tick();
    const l = c.leader()!;
    l.q.wake(l.replica);
    const index = l.raft.propose([new TextEncoder().encode('v')]);
    c.settle();
    for (const n of c.nodes) expect(n.raft.log.committed).toBeGreaterThanOrEqual(index);
    // The host applies; here the test marks the entries applied.
    for (const n of c.nodes) n.raft.log.appliedTo(n.raft.log.committed);
    for (let i = 0; i < QUIET_TICKS + 3; i++) c.tick();
    for (const n of c.nodes) expect(n.replica.quiescedAt, `node ${n.id}`).toBeDefined();
    expect(l.q.stats.woken).toBeGreaterThan(0);
  });

  it('a leader that dies while the group is quiesced is replaced: its node heartbeats stop, the followers wake and elect', () => {
    const c = new Cluster();
    c.ticksUntilLeader(200);
    for (let i = 0; i < QUIET_TICKS + 3; i++) c.tick();
    const old = c.leader()!;
    old.down = true;
    const took = c.ticksUntilLeader(6 * ELECTION);
    expect(took, 'a new leader within a few election timeouts').toBeGreaterThanOrEqual(0);
    expect(c.leader()!.id).not.toBe(old.id);
    expect(c.nodes.filter((n) => n !== old).reduce((s, n) => s + n.q.stats.wokenByLiveness, 0)).toBeGreaterThan(0);
  });

  it('a leader that restarts at once (its node never stops being live) is replaced too: its new incarnation wakes the followers', () => {
    const c = new Cluster();
    c.ticksUntilLeader(200);
    for (let i = 0; i < QUIET_TICKS + 3; i++) c.tick();
    const old = c.leader()!;
    c.restart(old);
    expect(c.leader()).toBeUndefined();
    const took = c.ticksUntilLeader(6 * ELECTION);
    expect(took, 'a leader within a few election timeouts').toBeGreaterThanOrEqual(0);
    expect(c.nodes.filter((n) => n !== old).reduce((s, n) => s + n.q.stats.wokenByLiveness, 0)).toBeGreaterThan(0);
  });

  it('a follower that dies while the group is quiesced is counted out by its leader: node liveness wakes the leader, whose CheckQuorum sees no answer', () => {
    const { c, l, victim } = quiescedGroup();
    const other = c.nodes.find((n) => n !== l && n !== victim)!;
    expect(l.raft.status().progress.get(victim.id)?.recentActive).toBe(true);
    victim.down = true;
    for (let i = 0; i < 4 * ELECTION; i++) c.tick();
    const progress = l.raft.status().progress;
    expect(l.raft.role, 'the leader keeps its quorum').toBe(StateRole.Leader);
    expect(progress.get(victim.id)?.recentActive, 'the dead follower is counted out').toBe(false);
    expect(progress.get(other.id)?.recentActive, 'the live follower is not').toBe(true);
    expect(l.q.stats.wokenByLiveness).toBeGreaterThan(0);
    // With nothing to do the group goes quiet again, the dead follower still counted out.
    expect(l.replica.quiescedAt).toBeDefined();
    const before = c.sent;
    for (let i = 0; i < 5 * ELECTION; i++) c.tick();
    expect(c.sent - before).toBe(0);
    expect(l.raft.status().progress.get(victim.id)?.recentActive).toBe(false);
  });

  it('a follower that restarts learns its leader within a tick or two: the leader quiesced with it as a member wakes on its new incarnation', () => {
    const { c, l, victim } = quiescedGroup();
    const term = l.raft.term;
    c.restart(victim);
    expect(victim.raft.lead).toBe(NONE);
    for (let i = 0; i < 3; i++) c.tick();
    // Well inside an election timeout: without the wake it would have had to campaign to find out.
    expect(victim.raft.lead).toBe(l.id);
    expect(victim.raft.term).toBe(term);
    expect(l.raft.role).toBe(StateRole.Leader);
  });

  it('planted bug — a quiesced leader that never wakes on a follower’s death — reports the dead follower active forever, and the check sees it', () => {
    class LeadersSleepOn extends Quiescence {
      protected override wakeLeadersOver(): Replica[] {
        return [];
      }
    }
    const c = new Cluster((id) => new LeadersSleepOn(id, ELECTION, true));
    c.ticksUntilLeader(200);
    for (let i = 0; i < QUIET_TICKS + 3; i++) c.tick();
    const l = c.leader()!;
    const victim = c.nodes.find((n) => n !== l)!;
    victim.down = true;
    for (let i = 0; i < 4 * ELECTION; i++) c.tick();
    expect(l.raft.status().progress.get(victim.id)?.recentActive).toBe(true);
  });

  it('planted bug — followers that never wake on their leader’s death — leaves the group leaderless, and the failover check sees it', () => {
    class NeverWakes extends Quiescence {
      override tick(): Replica[] {
        super.tick();
        return [];
      }
      override wake(r: Replica): void {
        if (r.raft.role !== StateRole.Follower) super.wake(r);
      }
    }
    const c = new Cluster((id) => new NeverWakes(id, ELECTION, true));
    c.ticksUntilLeader(200);
    for (let i = 0; i < QUIET_TICKS + 3; i++) c.tick();
    c.leader()!.down = true;
    expect(c.ticksUntilLeader(6 * ELECTION)).toBe(-1);
  });

  it('with quiescence off nothing quiesces (the group heartbeats as before)', () => {
    const c = new Cluster((id) => new Quiescence(id, ELECTION, false));
    c.ticksUntilLeader(200);
    const before = c.sent;
    for (let i = 0; i < 20; i++) c.tick();
    for (const n of c.nodes) expect(n.replica.quiescedAt).toBeUndefined();
    expect(c.sent - before).toBeGreaterThan(20);
  });
});
