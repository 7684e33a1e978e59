import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { runSeed, type SimCounters, type SimOptions } from './simulator.js';

/** Runs a seed range and fails with one-line replay commands for every failing seed. */
export function runRange(from: number, to: number, nodes: 3 | 5, steps: number, extra: Omit<SimOptions, 'seed' | 'nodes' | 'steps'> = {}): SimCounters {
  const totals: Record<string, number> = {};
  const failures: string[] = [];
  for (let seed = from; seed <= to; seed++) {
    const res = runSeed({ ...extra, seed, nodes, steps });
    for (const [k, v] of Object.entries(res.counters) as [string, number][]) totals[k] = (totals[k] ?? 0) + v;
    if (!res.ok) {
      failures.push(
        `seed ${seed} (${nodes} nodes${Object.keys(extra).length ? ` ${JSON.stringify(extra)}` : ''}) step ${res.step}: ${res.violation}\n  replay: npm run sim -- --seeds ${seed}..${seed} --steps ${steps} --nodes ${nodes}${extra.quiesce ? ' --quiesce' : ''}${extra.lease ? ' --lease' : ''}`,
      );
    }
  }
  expect(failures, failures.join('\n')).toEqual([]);
  return totals as unknown as SimCounters;
}

export function readRegressions(): SimOptions[] {
  const path = fileURLToPath(new URL('./regressions.txt', import.meta.url));
  const out: SimOptions[] = [];
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const [seed, nodes, steps] = line.split(/\s+/).map(Number);
    if (seed === undefined || (nodes !== 3 && nodes !== 5) || !steps) throw new Error(`bad regressions.txt line: ${raw}`);
    out.push({ seed, nodes, steps });
  }
  return out;
}

/** Every fault kind and feature must have happened, or the seeds prove nothing about it. */
export function expectCoverage(c: SimCounters): void {
  for (const [k, v] of Object.entries(c)) expect(v, `coverage counter ${k} is zero`).toBeGreaterThan(0);
}
