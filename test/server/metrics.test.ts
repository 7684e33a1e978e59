// Metrics of a node hosting many groups: per-group series only up to the
// series limit (the rest summed under group="other"), node-wide totals over
// every group. A node with 20,000 groups must not expose 20,000 series per
// metric: Prometheus stores each one.
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/server/metrics.js';
import { NONE, StateRole, nodeId } from '../../src/raft/index.js';
import type { NodeHost } from '../../src/node/node-host.js';
import { CampaignAdmission } from '../../src/node/campaigns.js';

interface FakeReplica {
  removed: boolean;
  proposedEntries: number;
  raft: { term: number; role: StateRole; lead: number; log: { committed: number } };
  sm: { appliedIndex(): number };
  storage: { firstIndex(): number; lastIndex(): number };
}

function host(groups: number, opts: { leaderless?: (g: number) => boolean } = {}): NodeHost {
  const replicas = new Map<number, FakeReplica>();
  for (let g = 1; g <= groups; g++) {
    const leaderless = opts.leaderless?.(g) ?? false;
    replicas.set(g, {
      removed: false,
      proposedEntries: 2,
      raft: { term: 3, role: leaderless ? StateRole.PreCandidate : g % 3 === 0 ? StateRole.Leader : StateRole.Follower, lead: leaderless ? NONE : nodeId(1), log: { committed: 10 } },
      sm: { appliedIndex: () => 10 },
      storage: { firstIndex: () => 6, lastIndex: () => 10 },
    });
  }
  const campaigns = new CampaignAdmission(2);
  campaigns.admit(1);
  campaigns.admit(2);
  campaigns.admit(3); // deferred
  return { replicas, applyWrites: 42, campaigns } as unknown as NodeHost;
}

/** The sample lines of metric `name` in the exposition text. */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

describe('metrics with many groups', () => {
  it('per-group gauges stop at the series limit; counters sum the other groups; node totals count every group', async () => {
    const m = new Metrics({ groupSeries: 10 });
    m.watchHost(host(1000, { leaderless: (g) => g % 100 === 7 }));
    for (let g = 1; g <= 1000; g++) m.appliedEntries.inc({ group: m.group(g) }, 1);
    const text = await m.registry.metrics();

    expect(samples(text, 'ferrykv_apply_writes_total')).toEqual(['ferrykv_apply_writes_total 42']);
    expect(samples(text, 'ferrykv_raft_campaigns_total')).toEqual(['ferrykv_raft_campaigns_total{result="admitted"} 2', 'ferrykv_raft_campaigns_total{result="deferred"} 1']);
    expect(samples(text, 'ferrykv_raft_campaigns_in_flight')).toEqual(['ferrykv_raft_campaigns_in_flight 2']);

    const terms = samples(text, 'ferrykv_raft_term');
    expect(terms).toHaveLength(10);
    expect(terms).toContain('ferrykv_raft_term{group="10"} 3');
    expect(samples(text, 'ferrykv_raft_is_leader')).toHaveLength(10);

    const proposals = samples(text, 'ferrykv_raft_proposals_total');
    expect(proposals).toHaveLength(11);
    expect(proposals).toContain('ferrykv_raft_proposals_total{group="other"} 1980');
    expect(samples(text, 'ferrykv_applied_entries_total')).toContain('ferrykv_applied_entries_total{group="other"} 990');

    const roles = samples(text, 'ferrykv_node_raft_groups');
    expect(roles).toContain('ferrykv_node_raft_groups{role="leader"} 330');
    expect(roles).toContain('ferrykv_node_raft_groups{role="precandidate"} 10');
    expect(roles).toContain('ferrykv_node_raft_groups{role="follower"} 660');
    expect(roles).toContain('ferrykv_node_raft_groups{role="candidate"} 0');
    expect(samples(text, 'ferrykv_node_raft_leaderless_groups')).toEqual(['ferrykv_node_raft_leaderless_groups 10']);
    expect(samples(text, 'ferrykv_node_raft_log_entries')).toEqual(['ferrykv_node_raft_log_entries 5000']);
    // Bounded: the whole exposition of 1,000 groups stays small.
    expect(text.split('\n').filter((l) => /group="/.test(l)).length).toBeLessThan(200);
  });

  it('below the limit every group has its own series and nothing is "other"', async () => {
    const m = new Metrics();
    m.watchHost(host(3));
    const text = await m.registry.metrics();
    expect(samples(text, 'ferrykv_raft_term')).toHaveLength(3);
    expect(text.split("\n").filter((l) => !l.startsWith("#") && l.includes(`group="other"`))).toEqual([]);
    expect(m.group(100)).toBe('100');
    expect(m.group(101)).toBe('other');
  });
});
