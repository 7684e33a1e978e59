// Specification of the latency / availability summary (see jepsen/checker/stats.ts).

import { describe, expect, it } from 'vitest';
import type { EventType, HistoryEvent, RegisterOp, SetOp } from '../../jepsen/checker/history.js';
import { latencyStats } from '../../jepsen/checker/stats.js';

type Op = RegisterOp | SetOp;

/** Events from [type, process, time, op] rows. */
function history(rows: [EventType, number, number, Op][]): HistoryEvent[] {
  return rows.map(([type, process, time, op], index) => ({ index, type, process, time, op }));
}

const w: Op = { f: 'write', key: 'x', value: 1 };
const r: Op = { f: 'read', key: 'x', value: null };
const a: Op = { f: 'add', value: 1 };

describe('latency stats', () => {
  it('counts outcomes and summarises latency per f, with overall availability', () => {
    const h = history([
      ['invoke', 0, 0, w],
      ['invoke', 1, 1, r],
      ['ok', 0, 10, w], // write 10 ms
      ['ok', 1, 3, r], // read 2 ms
      ['invoke', 0, 20, w],
      ['info', 0, 70, w], // write 50 ms, info
      ['invoke', 1, 30, r],
      ['fail', 1, 34, r], // read 4 ms, fail
      ['invoke', 2, 40, a],
      ['ok', 2, 41, a], // add 1 ms
      ['invoke', 0, 80, w], // never completes: info, no latency
    ]);
    const stats = latencyStats(h);
    expect(stats.byF['write']).toEqual({ ok: 1, fail: 0, info: 2, availability: 1 / 3, latency: { count: 2, p50: 10, p99: 50, max: 50 } });
    expect(stats.byF['read']).toEqual({ ok: 1, fail: 1, info: 0, availability: 0.5, latency: { count: 2, p50: 2, p99: 4, max: 4 } });
    expect(stats.byF['add']).toMatchObject({ ok: 1, availability: 1, latency: { p50: 1 } });
    expect(stats.total).toMatchObject({ ok: 3, fail: 1, info: 2, latency: { count: 5, p50: 4, max: 50 } });
    expect(stats.availability).toBe(0.5);
  });

  it('uses nearest-rank percentiles', () => {
    const rows: [EventType, number, number, Op][] = [];
    for (let i = 1; i <= 200; i++) rows.push(['invoke', 0, 1000 * i, r], ['ok', 0, 1000 * i + i, r]);
    expect(latencyStats(history(rows)).byF['read']?.latency).toEqual({ count: 200, p50: 100, p99: 198, max: 200 });
  });

  it('is plain JSON even for an empty history', () => {
    const stats = latencyStats([]);
    expect(stats).toEqual({ byF: {}, total: { ok: 0, fail: 0, info: 0, availability: 1, latency: null }, availability: 1 });
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
  });
});
