// Campaign admission (src/node/campaigns.ts): a node lets a bounded number of
// its groups campaign at once; a deferred group's timer fires again within a
// couple of ticks and it campaigns once a slot is free. A slot is freed when
// the replica is a follower or leader again — also when its campaign never
// left follower — so slots cannot leak.

import { describe, expect, it } from 'vitest';
import { CampaignAdmission } from '../../src/node/campaigns.js';
import { MemoryStorage, Raft, StateRole, nodeId } from '../../src/raft/index.js';
import { seededRandom } from '../raft/harness.js';

const ELECTION = 10;

function raft(mayCampaign: () => boolean): Raft {
  const storage = new MemoryStorage({ voters: [1, 2, 3].map(nodeId), learners: [] });
  return new Raft({ id: nodeId(1), storage, electionTicks: ELECTION, random: seededRandom(7), mayCampaign });
}

describe('campaign admission', () => {
  it('admits up to its limit; a pre-candidate asking again keeps its slot; a settled role frees it', () => {
    const a = new CampaignAdmission(2);
    expect(a.admit(1)).toBe(true);
    expect(a.admit(2)).toBe(true);
    expect(a.admit(3)).toBe(false);
    expect(a.admit(1), 'group 1 asks again (a pre-vote retry)').toBe(true);
    a.roleChanged(1, StateRole.PreCandidate);
    expect(a.admit(3)).toBe(false);
    a.roleChanged(1, StateRole.Leader);
    expect(a.admit(3)).toBe(true);
    a.forget(2);
    expect(a.inFlight).toBe(1);
    expect(a.stats).toEqual({ admitted: 3, deferred: 2 });
  });

  it('a raft core whose timer fires while admission says no stays a follower and asks again within 2 ticks', () => {
    let allow = false;
    let asked = 0;
    const r = raft(() => {
      asked++;
      return allow;
    });
    for (let t = 0; t < 2 * ELECTION; t++) r.tick(); // past any randomized timeout
    expect(r.role).toBe(StateRole.Follower);
    expect(asked).toBeGreaterThan(0);
    expect(r.campaignsDeferred).toBe(asked);
    const before = asked;
    r.tick();
    r.tick();
    expect(asked, 'asked again within 2 ticks').toBeGreaterThan(before);
    allow = true;
    r.tick();
    r.tick();
    expect(r.role).toBe(StateRole.PreCandidate);
  });

  it('campaignAtNextTick makes the timer fire at the next tick, through admission', () => {
    let asked = 0;
    const r = raft(() => {
      asked++;
      return true;
    });
    r.campaignAtNextTick();
    r.tick();
    expect(asked).toBe(1);
    expect(r.role).toBe(StateRole.PreCandidate);
  });
});
