// A group's first election, at a cluster's first start: one voter campaigns
// at once and the others hold back, so thousands of new groups do not all run
// three-way split elections at the same moment (as CockroachDB lets a new
// range's first replica campaign eagerly).
//
// Without it, at a first start of 5,000 groups on 3 nodes (bench groups),
// every replica of every group timed out within the same second, pre-votes
// were granted all round and real votes split; while messages were slow (a
// vote round close to the election timeout: see createServer in
// src/api/protos.ts for what made them slow) it happened again and again.
// With it, each group holds one election, and first leaders are spread
// evenly over the nodes.
//
// The rule, for a replica that has never seen a leader (term at most 1, its
// log at most the bootstrap entry, no leader known):
// - the designated voter — the voters in id order, the (group mod n)-th, so
//   first leaders spread evenly over the nodes — campaigns when it opens;
// - every other voter is not ticked (its election timer stands still) until
//   it hears of a leader, for HOLD_ELECTION_TIMEOUTS election timeouts of the
//   designated voter's node being live (node liveness: its raft batches
//   arrive), or at most HOLD_CAP_ELECTION_TIMEOUTS in all; then it campaigns
//   as usual. So a designated voter whose node starts late (opening thousands
//   of groups takes seconds, and nodes start at different times) still holds
//   its group's only election — without the liveness condition the holds ran
//   out on the early nodes before the late one was up, and two thirds of the
//   groups ran contested elections — while a designated voter that never
//   comes up delays the group's first leader by the cap, no more.
// Holding a timer only delays an election; it never makes one unsafe.

import { NONE, type NodeId, type Raft } from '../raft/index.js';

/** How many election timeouts of the designated voter's node being live a non-designated voter waits for the first leader. */
export const HOLD_ELECTION_TIMEOUTS = 3;
/** The longest a non-designated voter holds, live designated node or not (election timeouts). */
export const HOLD_CAP_ELECTION_TIMEOUTS = 6;

/** Whether a replica has never seen a leader of its group (the group's first election is still to happen). */
export function neverLed(raft: Raft): boolean {
  return raft.term <= 1 && raft.lead === NONE && raft.log.lastIndex() <= 1;
}

/** The voter that campaigns first in a new group (undefined: no voters known). */
export function firstCampaigner(group: number, voters: readonly NodeId[]): NodeId | undefined {
  if (voters.length === 0) return undefined;
  const sorted = [...voters].sort((a, b) => a - b);
  return sorted[group % sorted.length];
}

/**
 * What a replica opening now does for its group's first election: campaign at
 * once, or hold its election timer for this many ticks (0: neither, the group
 * has elected before or this node is not a voter).
 */
export function firstElection(group: number, self: NodeId, raft: Raft, electionTicks: number): FirstElection {
  const none = { campaign: false, hold: undefined };
  if (!neverLed(raft)) return none;
  const voters = raft.confState().voters;
  if (!voters.includes(self)) return none;
  const designated = firstCampaigner(group, voters)!;
  if (designated === self) return { campaign: true, hold: undefined };
  return { campaign: false, hold: new ElectionHold(designated, HOLD_ELECTION_TIMEOUTS * electionTicks, HOLD_CAP_ELECTION_TIMEOUTS * electionTicks) };
}

export interface FirstElection {
  /** Campaign at once (this is the designated voter). */
  readonly campaign: boolean;
  /** Hold the election timer (a voter that is not designated); undefined: no hold. */
  readonly hold: ElectionHold | undefined;
}

/** A non-designated voter's hold: ticks the host spends not ticking the replica while no leader is known. */
export class ElectionHold {
  constructor(
    /** The designated voter, whose node's liveness runs the hold down. */
    readonly designated: NodeId,
    /** Ticks of the designated node being live still to wait. */
    private liveTicks: number,
    /** Ticks still to wait in all. */
    private capTicks: number,
  ) {}

  /**
   * One host tick while no leader is known: whether the replica still holds
   * (is not ticked). `designatedLive`: node liveness says the designated
   * voter's node is up.
   */
  tick(designatedLive: boolean): boolean {
    if (designatedLive) this.liveTicks--;
    this.capTicks--;
    return this.liveTicks > 0 && this.capTicks > 0;
  }
}
