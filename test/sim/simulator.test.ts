import { describe, expect, it } from 'vitest';
import { runSeed } from './simulator.js';
import { readRegressions } from './sim-helpers.js';

describe('Simulator', () => {
  it('is deterministic: the same seed twice gives the same trace hash', () => {
    for (const nodes of [3, 5] as const) {
      const a = runSeed({ seed: 4242, nodes, steps: 300 });
      const b = runSeed({ seed: 4242, nodes, steps: 300 });
      expect(a.ok).toBe(true);
      expect(b.traceHash).toBe(a.traceHash);
      expect(b.counters).toEqual(a.counters);
    }
  });

  it('different seeds explore different schedules', () => {
    const hashes = new Set([1, 2, 3, 4, 5].map((seed) => runSeed({ seed, nodes: 3, steps: 200 }).traceHash));
    expect(hashes.size).toBe(5);
  });

  it('replays every seed in test/sim/regressions.txt without a violation', () => {
    const seeds = readRegressions();
    expect(seeds.length).toBeGreaterThan(0);
    for (const opts of seeds) {
      const res = runSeed(opts);
      expect(res.ok, `${JSON.stringify(opts)}: ${res.violation}`).toBe(true);
    }
  });
});

describe('Simulator can fail', () => {
  it('finds a violating seed when votes are granted without the log up-to-date check', () => {
    const violations: string[] = [];
    for (let seed = 1; seed <= 60 && violations.length === 0; seed++) {
      const res = runSeed({ seed, nodes: 3, steps: 300, unsafe: { grantVoteWithoutLogCheck: true } });
      if (!res.ok) violations.push(`seed ${seed}: ${res.violation ?? ''}`);
    }
    expect(violations.length).toBeGreaterThan(0);
    // The violation is a safety property, not a liveness timeout.
    expect(violations[0]).toMatch(/leader completeness|state machine safety|log matching|stale read|election safety/);
  });

  it('finds a violating seed when followers answer before they persist (only a leader may send before its fsync)', () => {
    const violations: string[] = [];
    for (let seed = 1; seed <= 100; seed++) {
      const res = runSeed({ seed, nodes: 3, steps: 300, plantEarlyAcks: true });
      if (!res.ok) violations.push(`seed ${seed}: ${res.violation ?? ''}`);
    }
    // A follower that acked entries its crash lost: committed entries go missing or change.
    expect(violations.filter((v) => /leader completeness|state machine safety|hard state commit/.test(v)).length, violations.join('\n')).toBeGreaterThan(0);
  });

  it('the same seeds pass with the rule intact', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const res = runSeed({ seed, nodes: 3, steps: 300 });
      expect(res.ok, `seed ${seed}: ${res.violation}`).toBe(true);
    }
  });
});
