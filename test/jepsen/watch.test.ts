// The watch checker (jepsen/checker/watch.ts) on made-up feeds: a clean one
// passes, and each kind of violation is found and named.
import { describe, expect, it } from 'vitest';
import { checkWatch, type WatchItem, type WatchWrite, type WatcherLog } from '../../jepsen/checker/watch.js';

const writes: WatchWrite[] = [
  { key: 'reg/1', value: '11', outcome: 'ok', commitTs: 10n },
  { key: 'reg/1', value: '12', outcome: 'ok', commitTs: 20n },
  { key: 'reg/2', value: '21', outcome: 'info' },
  { key: 'reg/2', value: '22', outcome: 'fail' },
  { key: 'set/3', value: '1', outcome: 'ok', commitTs: 15n },
  { key: 'reg/1', value: '10', outcome: 'ok', commitTs: 5n }, // before the watch's start
];
const ev = (key: string, value: string | null, ts: bigint): WatchItem => ({ e: 'event', key, value, ts });
const res = (ts: bigint): WatchItem => ({ e: 'resolved', ts });
const watcher = (items: WatchItem[], o: Partial<WatcherLog> = {}): WatcherLog => ({ name: 'w', fromTs: 5n, inRange: () => true, items, restarts: 0, errors: [], ...o });
const clean = [ev('reg/1', '11', 10n), ev('set/3', '1', 15n), res(16n), ev('reg/1', '12', 20n), ev('reg/2', '21', 25n), res(30n)];

describe('watch checker', () => {
  it('passes a feed with every acknowledged write once, an indeterminate one, and events of keys no workload writes', () => {
    const r = checkWatch(writes, [watcher([...clean.slice(0, 3), ev('watch-start', 'x', 17n), ...clean.slice(3)])]);
    expect(r.valid).toBe(true);
    expect(r.watchers[0]).toMatchObject({ events: 4, judged: 3, repeats: 0, stalled: false });
  });

  it('allows a repeat after a resume that replays above the last resolved timestamp', () => {
    const items = [ev('reg/1', '11', 10n), res(12n), ev('reg/1', '12', 20n), ev('set/3', '1', 15n), ev('reg/1', '12', 20n), ev('set/3', '1', 15n), res(30n)];
    const r = checkWatch(writes, [watcher(items)]);
    expect(r.valid, JSON.stringify(r)).toBe(true);
    expect(r.watchers[0]!.repeats).toBe(2);
  });

  it('finds a lost write, an unexpected value, a wrong timestamp, an event under a resolved timestamp, a per-key reordering and a stall', () => {
    const lost = checkWatch(writes, [watcher([ev('reg/1', '11', 10n), res(30n)])]).watchers[0]!;
    expect(lost.valid).toBe(false);
    expect(lost.lost).toEqual(['reg/1=12@20', 'set/3=1@15']);

    const unexpected = checkWatch(writes, [watcher([...clean, ev('reg/2', '22', 31n), ev('reg/2', '99', 32n), res(40n)])]).watchers[0]!;
    expect(unexpected.unexpected).toEqual(['reg/2@31=22', 'reg/2@32=99']);

    const wrong = checkWatch(writes, [watcher([ev('reg/1', '11', 11n), ...clean.slice(1)])]).watchers[0]!;
    expect(wrong.wrongTs).toEqual(['reg/1=11: written at 10, delivered at 11']);
    expect(wrong.lost).toEqual(['reg/1=11@10']);

    const late = checkWatch(writes, [watcher([res(16n), ev('reg/1', '11', 10n), ev('set/3', '1', 15n), ev('reg/1', '12', 20n), res(30n)])]).watchers[0]!;
    expect(late.resolvedViolations).toEqual(['reg/1@10 arrived after resolved 16', 'set/3@15 arrived after resolved 16']);

    const back = checkWatch(writes, [watcher([...clean, res(29n)])]).watchers[0]!;
    expect(back.resolvedViolations).toEqual(['resolved went back from 30 to 29']);

    const reordered = checkWatch(writes, [watcher([ev('reg/1', '12', 20n), ev('reg/1', '11', 10n), ev('set/3', '1', 15n), res(30n)])]).watchers[0]!;
    expect(reordered.orderViolations).toEqual(['reg/1: 10 arrived after 20']);

    const stalled = checkWatch(writes, [watcher(clean.slice(0, 3))]).watchers[0]!;
    expect(stalled).toMatchObject({ valid: false, stalled: true, finalResolved: '16', newestAcked: '20' });

    const failed = checkWatch(writes, [watcher(clean, { errors: ['KvError: start_ts below the GC safe point'] })]);
    expect(failed.valid).toBe(false);
  });

  it('judges only writes in the watcher\'s range and after its start', () => {
    const r = checkWatch(writes, [watcher([ev('reg/1', '12', 20n), res(30n)], { inRange: (k) => k.startsWith('reg/'), fromTs: 15n })]);
    expect(r.watchers[0]).toMatchObject({ valid: true, judged: 1 });
  });
});
