// A new group's first election (src/node/first-election.ts) over real raft
// cores: the designated voter campaigns when it opens and the others hold
// their election timers until they hear of a leader, so the group elects once,
// with the designated leader, even when a message takes longer than an
// election timeout to arrive — where three voters timing out together split
// their votes round after round. The hold runs down while the designated
// voter's node is live, so one that starts late still holds the election; one
// that is down delays the first leader by the hold's cap, no more.
import { describe, expect, it } from 'vitest';
import { MemoryStorage, NONE, Raft, StateRole, nodeId, type Message, type NodeId } from '../../src/raft/index.js';
import { ElectionHold, HOLD_CAP_ELECTION_TIMEOUTS, HOLD_ELECTION_TIMEOUTS, firstCampaigner, firstElection, neverLed } from '../../src/node/first-election.js';
import { seededRandom } from '../raft/harness.js';

const ELECTION = 10;
const VOTERS = [1, 2, 3].map(nodeId);

interface Voter {
  readonly id: NodeId;
  readonly raft: Raft;
  readonly storage: MemoryStorage;
  hold: ElectionHold | undefined;
  down: boolean;
  /** Up from this tick on (a node that starts late: down until then, and its replica opens then). */
  upAt: number;
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
    private readonly withRule: boolean,
    seed: number,
    down: NodeId[] = [],
    late: { id: NodeId; at: number } | undefined = undefined,
  ) {
    this.voters = VOTERS.map((id) => {
      const storage = new MemoryStorage({ voters: VOTERS, learners: [] });
      const raft = new Raft({ id, storage, electionTicks: ELECTION, random: seededRandom(seed * 31 + id) });
      const upAt = late?.id === id ? late.at : 0;
      const v: Voter = { id, raft, storage, hold: undefined, down: down.includes(id) || upAt > 0, upAt, campaigns: 0 };
      if (!v.down) this.open(v);
      return v;
    });
  }

  private open(v: Voter): void {
    if (!this.withRule) return;
    const first = firstElection(this.group, v.id, v.raft, ELECTION);
    v.hold = first.hold;
    if (first.campaign) v.raft.campaign();
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
    for (const v of this.voters) {
      if (v.upAt > 0 && v.upAt === this.now) {
        v.down = false;
        this.open(v);
      }
    }
    this.pump();
    const due = this.inFlight.filter((x) => x.at <= this.now);
    this.inFlight = this.inFlight.filter((x) => x.at > this.now);
    for (const { m } of due) {
      const to = this.voters.find((v) => v.id === m.to)!;
      if (!to.down) to.raft.step(m);
    }
    for (const v of this.voters) {
      if (v.down) continue;
      if (v.hold) {
        // Node liveness, as the host sees it: the designated voter's node is up.
        if (v.raft.lead === NONE && v.hold.tick(!this.voters.find((x) => x.id === v.hold!.designated)!.down)) continue;
        v.hold = undefined;
      }
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
    expect(firstElection(3, nodeId(1), raft, ELECTION)).toEqual({ campaign: true, hold: undefined }); // 3 mod 3 → voter 1
    const held = firstElection(4, nodeId(1), raft, ELECTION);
    expect(held.campaign).toBe(false);
    expect(held.hold?.designated).toBe(nodeId(2)); // 4 mod 3 → voter 2
    expect(firstElection(4, nodeId(9), raft, ELECTION)).toEqual({ campaign: false, hold: undefined }); // not a voter
    const elected = new MemoryStorage({ voters: VOTERS, learners: [] });
    elected.setHardState({ term: 5, vote: nodeId(2), commit: 1 });
    const restarted = new Raft({ id: nodeId(1), storage: elected, electionTicks: ELECTION, random: seededRandom(1) });
    expect(neverLed(restarted)).toBe(false);
    expect(firstElection(4, nodeId(1), restarted, ELECTION)).toEqual({ campaign: false, hold: undefined });
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

  it('a hold runs down only while the designated voter\'s node is live, and never past its cap', () => {
    const h = new ElectionHold(nodeId(2), 3, 10);
    expect([h.tick(false), h.tick(false), h.tick(true), h.tick(true)]).toEqual([true, true, true, true]);
    expect(h.tick(true)).toBe(false); // three live ticks
    const capped = new ElectionHold(nodeId(2), 3, 4);
    expect([capped.tick(false), capped.tick(false), capped.tick(false)]).toEqual([true, true, true]);
    expect(capped.tick(false)).toBe(false); // the cap, its node never live
  });

  it('a designated voter whose node starts late still holds its group\'s only election', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const designated = firstCampaigner(seed, VOTERS)!;
      // Up 4 election timeouts after the others: past the live hold, within the cap.
      expect(HOLD_ELECTION_TIMEOUTS).toBeLessThan(4);
      expect(HOLD_CAP_ELECTION_TIMEOUTS).toBeGreaterThan(4);
      const g = new Group(seed, 1, true, seed, [], { id: designated, at: 4 * ELECTION });
      expect(g.ticksUntilLed(20 * ELECTION), `seed ${seed}`).toBeGreaterThanOrEqual(4 * ELECTION);
      expect(g.leader()!.id, `seed ${seed}`).toBe(designated);
      expect(g.voters.filter((v) => v.id !== designated && v.campaigns > 0).map((v) => v.id), `seed ${seed}: other voters that campaigned`).toEqual([]);
    }
  });

  it('a designated voter that is down delays the first leader by the cap, then the others elect', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const designated = firstCampaigner(seed, VOTERS)!;
      const g = new Group(seed, 1, true, seed, [designated]);
      const ticks = g.ticksUntilLed(20 * ELECTION);
      expect(ticks, `seed ${seed}`).toBeGreaterThanOrEqual(HOLD_CAP_ELECTION_TIMEOUTS * ELECTION);
      expect(ticks, `seed ${seed}`).toBeLessThan((HOLD_CAP_ELECTION_TIMEOUTS + 6) * ELECTION);
      expect(g.leader()!.id).not.toBe(designated);
    }
  });
});
