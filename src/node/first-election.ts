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
//   it hears of a leader, for at most HOLD_ELECTION_TIMEOUTS election
//   timeouts; then it campaigns as usual, so a designated voter that is down
//   delays the group's first leader by that much, no more.
// Holding a timer only delays an election; it never makes one unsafe.

import { NONE, type NodeId, type Raft } from '../raft/index.js';

/** How many election timeouts a non-designated voter waits for the first leader before campaigning itself. */
export const HOLD_ELECTION_TIMEOUTS = 3;

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
export function firstElection(group: number, self: NodeId, raft: Raft, electionTicks: number): { campaign: boolean; holdTicks: number } {
  if (!neverLed(raft)) return { campaign: false, holdTicks: 0 };
  const voters = raft.confState().voters;
  if (!voters.includes(self)) return { campaign: false, holdTicks: 0 };
  if (firstCampaigner(group, voters) === self) return { campaign: true, holdTicks: 0 };
  return { campaign: false, holdTicks: HOLD_ELECTION_TIMEOUTS * electionTicks };
}
