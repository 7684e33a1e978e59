import { describe, it } from 'vitest';
import { expectCoverage, runRange } from './sim-helpers.js';

// Seeds 1..2000 × 300 steps on 3 nodes, in chunks so progress is visible.
describe('Simulation: 3 nodes under drops, duplicates, delays, partitions, crashes and membership changes', () => {
  for (let chunk = 0; chunk < 4; chunk++) {
    const from = chunk * 500 + 1;
    it(`seeds ${from}..${from + 499} keep every safety invariant and recover liveness`, () => {
      const c = runRange(from, from + 499, 3, 300);
      expectCoverage(c);
      console.log(`3 nodes seeds ${from}..${from + 499}: ${JSON.stringify(c)}`);
    });
  }
});
