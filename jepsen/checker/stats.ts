// Latency and availability summary of a history, per operation kind (`f`).
//
// Each invoke is paired with its completion (see history.ts). An operation
// counts as ok, fail or info by its completion; one that never completed
// counts as info and has no latency. Latency is completion time minus invoke
// time in ms, over every completed operation (ok, fail and info alike), with
// nearest-rank percentiles. Availability is ok / (ok + fail + info), and 1
// when there were no operations. The result is plain JSON (no Map, no NaN).

import { pairOperations, type HistoryEvent } from './history.js';

export interface LatencySummary {
  /** Operations with a completion (those latencies are summarised). */
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface OpStats {
  ok: number;
  fail: number;
  info: number;
  availability: number;
  /** Null when no operation of this kind completed. */
  latency: LatencySummary | null;
}

export interface StatsResult {
  /** Keyed by `f` ('read', 'write', 'cas', 'add', 'read-set', ...). */
  byF: Record<string, OpStats>;
  total: OpStats;
  /** ok / (ok + fail + info) over all operations. */
  availability: number;
}

export function latencyStats(history: readonly HistoryEvent<{ readonly f: string }>[]): StatsResult {
  const groups = new Map<string, { counts: Record<'ok' | 'fail' | 'info', number>; latencies: number[] }>();
  const all = { counts: { ok: 0, fail: 0, info: 0 }, latencies: [] as number[] };
  for (const o of pairOperations(history)) {
    const f = o.invoke.op.f;
    let g = groups.get(f);
    if (!g) groups.set(f, (g = { counts: { ok: 0, fail: 0, info: 0 }, latencies: [] }));
    for (const target of [g, all]) {
      target.counts[o.outcome]++;
      if (o.completion) target.latencies.push(o.completion.time - o.invoke.time);
    }
  }
  const byF: Record<string, OpStats> = {};
  for (const [f, g] of [...groups].sort(([a], [b]) => a.localeCompare(b))) byF[f] = summarise(g.counts, g.latencies);
  const total = summarise(all.counts, all.latencies);
  return { byF, total, availability: total.availability };
}

function summarise(counts: Record<'ok' | 'fail' | 'info', number>, latencies: number[]): OpStats {
  const n = counts.ok + counts.fail + counts.info;
  const sorted = latencies.sort((a, b) => a - b);
  const rank = (q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
  return {
    ...counts,
    availability: n === 0 ? 1 : counts.ok / n,
    latency: sorted.length === 0 ? null : { count: sorted.length, p50: rank(0.5), p99: rank(0.99), max: sorted[sorted.length - 1]! },
  };
}
