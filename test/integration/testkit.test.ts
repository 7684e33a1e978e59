// The test cluster itself: a cluster whose nodes cannot start fails at once,
// naming why, instead of waiting out the leader timeout ("no leader for every
// group within 30000 ms" said nothing about two nodes given one port).
import { describe, expect, it } from 'vitest';
import { TestCluster } from '../../testkit/cluster.js';

describe('TestCluster', () => {
  it('a node that exits with an error while the cluster waits for leaders fails the start at once, with the reason from its log', async () => {
    const t0 = Date.now();
    const err = await TestCluster.start({ nodes: 3, groups: 1, extraArgs: ['--tick-ms', '0'], leaderTimeoutMs: 60_000 }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/node \d exited with code 2 while waiting for leaders: .*--tick-ms: must be an integer from 1/);
    expect(Date.now() - t0).toBeLessThan(30_000); // far below the 60 s leader timeout; generous for a loaded machine
  });
});
