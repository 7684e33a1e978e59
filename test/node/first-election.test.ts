// A new group's first election (src/node/first-election.ts) over real raft
// cores: the designated voter campaigns when it opens and the others hold
// their election timers until they hear of a leader, so the group elects once,
// with the designated leader, even when a message takes longer than an
// election timeout to arrive — where three voters timing out together split
// their votes round after round. A designated voter that is down delays the
// first leader by the hold, no more.
import { describe, expect, it } from 'vitest';
import { MemoryStorage, NONE, Raft, StateRole, nodeId, type Message, type NodeId } from '../../src/raft/index.js';
import { HOLD_ELECTION_TIMEOUTS, firstCampaigner, firstElection, neverLed } from '../../src/node/first-election.js';
import { seededRandom } from '../raft/harness.js';

const ELECTION = 10;
const VOTERS = [1, 2, 3].map(nodeId);

interface Voter {
  readonly id: NodeId;
  readonly raft: Raft;
  readonly storage: MemoryStorage;
  hold: number;
  down: boolean;
  campaigns: number;
}

/** One group of three fresh voters; every message arrives `delay` ticks after it was sent. */
class Group {
  readonly voters: Voter[];
  private inFlight: { at: number; m: Message }[] = [];
  private now = 0;

  constructor(
    readonly group: number,
    private readonly delay: number,
    withRule: boolean,
    seed: number,
    down: NodeId[] = [],
  ) {
    this.voters = VOTERS.map((id) => {
      const storage = new MemoryStorage({ voters: VOTERS, learners: [] });
      const raft = new Raft({ id, storage, electionTicks: ELECTION, random: seededRandom(seed * 31 + id) });
      const v: Voter = { id, raft, storage, hold: 0, down: down.includes(id), campaigns: 0 };
      if (withRule && !v.down) {
        const first = firstElection(group, id, raft, ELECTION);
        v.hold = first.holdTicks;
        if (first.campaign) raft.campaign();
      }
      return v;
    });
  }

  private pump(): void {
    for (const v of this.voters) {
      if (v.down || !v.raft.hasReady()) continue;
      const rd = v.raft.ready();
      if (rd.softState?.role === StateRole.Candidate) v.campaigns++;
      v.storage.append(rd.entries);
      if (rd.hardState) v.storage.setHardState(rd.hardState);
      for (const m of rd.messages) this.inFlight.push({ at: this.now + this.delay, m });
      v.raft.advance();
    }
  }

  tick(): void {
    this.now++;
    this.pump();
    const due = this.inFlight.filter((x) => x.at <= this.now);
    this.inFlight = this.inFlight.filter((x) => x.at > this.now);
    for (const { m } of due) {
      const to = this.voters.find((v) => v.id === m.to)!;
      if (!to.down) to.raft.step(m);
    }
    for (const v of this.voters) {
      if (v.down) continue;
      if (v.hold > 0 && v.raft.lead === NONE) {
        v.hold--;
        continue;
      }
      v.hold = 0;
      v.raft.tick();
    }
    this.pump();
  }

  leader(): Voter | undefined {
    return this.voters.find((v) => !v.down && v.raft.role === StateRole.Leader);
  }

  /** Ticks until every live voter knows the same leader; the ticks it took (-1: not within max). */
  ticksUntilLed(max: number): number {
    for (let i = 0; i < max; i++) {
      const l = this.leader();
      if (l && this.voters.every((v) => v.down || v.raft.lead === l.id)) return i;
      this.tick();
    }
    return -1;
  }
}

describe('first election of a new group', () => {
  it('designates one voter per group, spread evenly over the voters', () => {
    const counts = new Map<NodeId, number>();
    for (let g = 1; g <= 300; g++) {
      const c = firstCampaigner(g, [nodeId(3), nodeId(1), nodeId(2)])!;
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect([...counts.values()]).toEqual([100, 100, 100]);
    expect(firstCampaigner(7, [])).toBeUndefined();
  });

  it('applies only to a voter of a group that never had a leader', () => {
    const storage = new MemoryStorage({ voters: VOTERS, learners: [] });
    const raft = new Raft({ id: nodeId(1), storage, electionTicks: ELECTION, random: seededRandom(1) });
    expect(neverLed(raft)).toBe(true);
    expect(firstElection(3, nodeId(1), raft, ELECTION)).toEqual({ campaign: true, holdTicks: 0 }); // 3 mod 3 → voter 1
    expect(firstElection(4, nodeId(1), raft, ELECTION)).toEqual({ campaign: false, holdTicks: HOLD_ELECTION_TIMEOUTS * ELECTION });
    expect(firstElection(4, nodeId(9), raft, ELECTION)).toEqual({ campaign: false, holdTicks: 0 }); // not a voter
    const elected = new MemoryStorage({ voters: VOTERS, learners: [] });
    elected.setHardState({ term: 5, vote: nodeId(2), commit: 1 });
    const restarted = new Raft({ id: nodeId(1), storage: elected, electionTicks: ELECTION, random: seededRandom(1) });
    expect(neverLed(restarted)).toBe(false);
    expect(firstElection(4, nodeId(1), restarted, ELECTION)).toEqual({ campaign: false, holdTicks: 0 });
  });

  // Messages take 6 ticks each way: a vote round (12) outlasts the shortest randomized timeout (10),
  // so the timeouts' spread no longer separates three voters that start together.
  const SLOW = 6;

  it('only the designated voter campaigns, and it leads, when messages are slow', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const g = new Group(seed, SLOW, true, seed);
      expect(g.ticksUntilLed(20 * ELECTION), `seed ${seed}`).toBeGreaterThanOrEqual(0);
      const designated = firstCampaigner(seed, VOTERS);
      expect(g.leader()!.id, `seed ${seed}`).toBe(designated);
      expect(g.voters.filter((v) => v.id !== designated && v.campaigns > 0).map((v) => v.id), `seed ${seed}: other voters that campaigned`).toEqual([]);
    }
  });

  it('without the rule, voters of the same slow groups campaign against each other', () => {
    let contested = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const g = new Group(seed, SLOW, false, seed);
      g.ticksUntilLed(20 * ELECTION);
      if (g.voters.filter((v) => v.campaigns > 0).length > 1) contested++;
    }
    expect(contested).toBeGreaterThanOrEqual(5);
  });

  it('a designated voter that is down delays the first leader by the hold, then the others elect', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const designated = firstCampaigner(seed, VOTERS)!;
      const g = new Group(seed, 1, true, seed, [designated]);
      const ticks = g.ticksUntilLed(20 * ELECTION);
      expect(ticks, `seed ${seed}`).toBeGreaterThanOrEqual(HOLD_ELECTION_TIMEOUTS * ELECTION);
      expect(ticks, `seed ${seed}`).toBeLessThan((HOLD_ELECTION_TIMEOUTS + 6) * ELECTION);
      expect(g.leader()!.id).not.toBe(designated);
    }
  });
});
