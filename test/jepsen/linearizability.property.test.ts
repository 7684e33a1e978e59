// Randomized specification of the register checker, with fixed seeds (a
// failing case names its seed; rerun it with the same generator call):
//   - histories from a single-copy register with concurrent, crashing clients
//     are always linearizable;
//   - the same histories with one ok read corrupted to a never-written value
//     are never linearizable, and the minimal history contains that read;
//   - on tiny unconstrained random histories the checker agrees with a
//     brute-force oracle (or, on a starved budget, says 'unknown'), and every
//     minimal history it reports is itself non-linearizable (by the oracle).

import { describe, expect, it } from 'vitest';
import { checkRegister } from '../../jepsen/checker/linearizability.js';
import { bruteForceLinearizable, corruptRead, randomHistory, rng, simulateRegister, type RandomHistoryOptions } from './histories.js';

const SEEDS = Array.from({ length: 150 }, (_, i) => 1000 + i);

function shapeFor(seed: number): { processes: number; ops: number; keys: string[] } {
  const r = rng(seed ^ 0x5eed);
  return {
    processes: 2 + Math.floor(r() * 4),
    ops: 10 + Math.floor(r() * 90),
    keys: ['a', 'b', 'c'].slice(0, 1 + Math.floor(r() * 3)),
  };
}

describe('register linearizability: randomized', () => {
  it('accepts every history of a single-copy register (with crashes and lost responses)', () => {
    let infos = 0;
    for (const seed of SEEDS) {
      const history = simulateRegister(seed, shapeFor(seed));
      infos += history.filter((e) => e.type === 'info').length;
      const result = checkRegister(history);
      expect(result.valid, `seed ${seed}: ${JSON.stringify(result.keys.find((k) => k.valid !== true)?.failure?.message)}`).toBe(true);
    }
    expect(infos).toBeGreaterThan(100); // the generator does exercise indeterminacy
  });

  it('rejects every such history once one ok read returns a value never written', () => {
    let corrupted = 0;
    for (const seed of SEEDS) {
      const history = simulateRegister(seed, shapeFor(seed));
      const reads = history.filter((e) => e.type === 'ok' && e.op.f === 'read');
      if (reads.length === 0) continue;
      const victim = reads[Math.floor(rng(seed)() * reads.length)]!;
      const result = checkRegister(corruptRead(history, victim.index, -1));
      corrupted++;
      expect(result.valid, `seed ${seed}, corrupted event ${victim.index}`).toBe(false);
      const key = result.keys.find((k) => k.valid === false);
      expect(key?.failure?.minimal.map((e) => e.index), `seed ${seed}`).toContain(victim.index);
    }
    expect(corrupted).toBeGreaterThan(SEEDS.length * 0.9);
  });

  const oracleCases: { name: string; seeds: number; opts: (seed: number) => RandomHistoryOptions }[] = [
    {
      name: 'mixed outcomes, one or two keys',
      seeds: 600,
      opts: (seed) => ({ processes: 3, ops: 2 + (seed % 7), keys: seed % 4 === 0 ? ['a', 'b'] : ['a'], values: 3, infoRate: 0.15 }),
    },
    {
      name: 'mostly indeterminate, two values',
      seeds: 1500,
      opts: (seed) => ({ processes: 3 + (seed % 3), ops: 4 + (seed % 6), keys: ['a'], values: 2, infoRate: 0.4 }),
    },
  ];
  for (const { name, seeds, opts } of oracleCases) {
    it(`agrees with a brute-force oracle on tiny random histories (${name}); its minimal histories are violations`, () => {
      let invalid = 0;
      for (let seed = 1; seed <= seeds; seed++) {
        const history = randomHistory(seed, opts(seed));
        const expected = bruteForceLinearizable(history);
        const result = checkRegister(history);
        expect(result.valid, `seed ${seed}: ${JSON.stringify(history)}`).toBe(expected);
        // Under a starved budget it may give up, but never contradicts the oracle.
        const starved = checkRegister(history, { maxVisited: seed % 4 }).valid;
        expect([expected, 'unknown'], `seed ${seed}, starved`).toContain(starved);
        if (expected) continue;
        invalid++;
        for (const k of result.keys.filter((r) => r.valid === false)) {
          const minimal = k.failure?.minimal ?? [];
          expect(bruteForceLinearizable(minimal), `seed ${seed}: minimal ${JSON.stringify(minimal)}`).toBe(false);
          expect(minimal.every((e) => history.includes(e)), `seed ${seed}`).toBe(true);
        }
      }
      // Both verdicts are well represented.
      expect(invalid).toBeGreaterThan(seeds * 0.15);
      expect(invalid).toBeLessThan(seeds * 0.85);
    });
  }
});
