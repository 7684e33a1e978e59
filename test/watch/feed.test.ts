// A watch feed on one group machine, driven by encoded log entries
// (src/watch/feed.ts): live events at their commit timestamps, one write's
// events together, the catch-up scan from a start timestamp with previous
// values, a transaction's lock holding the resolved timestamp back until it
// resolves, the GC safe point, filters, a slow consumer, and a snapshot that
// replaces the data under a feed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KvCommand, KvResult, TxnCommand } from '../../src/apply/commands.js';
import type { GroupMachine } from '../../src/apply/group-machine.js';
import { Hlc } from '../../src/hlc/hlc.js';
import { Feed, type FeedOptions, type FeedStep, type WatchEventOut } from '../../src/watch/feed.js';
import { WATCH } from '../../src/watch/watch-state.js';
import { OneGroup } from '../apply/one-group.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const E = new Uint8Array(0);
const hlc = new Hlc();
let g: OneGroup;
let machine: GroupMachine;

beforeEach(async () => {
  g = await OneGroup.open('watch', () => hlc.now());
  machine = g.machine;
});
afterEach(() => g.close());

const apply = (c: Omit<KvCommand, 'proposedTs'>): Promise<KvResult> => g.apply(c);
const write = async (...kvs: [string, string | null][]): Promise<bigint> =>
  (await apply({ kind: 'WRITE', requestId: E, writes: kvs.map(([k, v]) => ({ key: enc(k), value: v === null ? null : enc(v) })) })).commitTs;
const txn = (t: TxnCommand): Promise<KvResult> => apply({ kind: 'TXN', requestId: E, txn: t });

function feed(o: Partial<FeedOptions> = {}): Feed {
  return new Feed(machine, { start: enc('a'), end: enc('m'), startTs: 0n, prevKv: false, noPut: false, noDelete: false, maxBufferedEvents: 1000, maxBufferedBytes: 1 << 20, maxStepEvents: 100, ...o });
}

async function caughtUp(f: Feed): Promise<WatchEventOut[]> {
  const out: WatchEventOut[] = [];
  for await (const s of f.catchUp()) if (s.kind === 'events') out.push(...s.events);
  return out;
}

/** Steps until `n` events arrived (or a moved step); fails after `ms`. */
async function collect(f: Feed, n: number, ms = 2000): Promise<{ events: WatchEventOut[]; resolved: bigint[]; last?: FeedStep }> {
  const events: WatchEventOut[] = [];
  const resolved: bigint[] = [];
  const until = Date.now() + ms;
  while (events.length < n && Date.now() < until) {
    const s = await f.next(50);
    if (!s) continue;
    if (s.kind === 'moved') return { events, resolved, last: s };
    events.push(...s.events);
    resolved.push(s.resolvedTs);
    for (const e of s.events) expect(e.commitTs).toBeLessThanOrEqual(s.resolvedTs);
  }
  return { events, resolved };
}

const shown = (evs: readonly WatchEventOut[]): string[] => evs.map((e) => `${e.type} ${dec(e.key)}${e.type === 'PUT' ? `=${dec(e.value)}` : ''}`);

describe('watch feed', () => {
  it('delivers changes in its range at their commit timestamps, a write\'s events together, each under a resolved timestamp at or above it', async () => {
    await write(['b', 'before']);
    const f = feed();
    expect(await caughtUp(f)).toEqual([]); // from now: nothing before registration
    const t1 = await write(['b', '1'], ['c', '2'], ['z', 'outside']);
    const t2 = await write(['b', null]);
    const got = await collect(f, 3);
    expect(shown(got.events)).toEqual(['PUT b=1', 'PUT c=2', 'DELETE b']);
    expect(got.events.map((e) => e.commitTs)).toEqual([t1, t1, t2]);
    expect(got.resolved[got.resolved.length - 1]).toBeGreaterThanOrEqual(t2);
    expect(f.resolvedTs).toBeGreaterThanOrEqual(t2);
    f.stop();
    expect(machine.state(WATCH).size).toBe(0);
  });

  it('catches up from a start timestamp in key order with previous values, then goes live without a gap or a repeat', async () => {
    const t0 = await write(['b', 'b0']);
    await write(['c', 'c0']);
    await write(['b', 'b1']);
    await write(['b', null]);
    const f = feed({ startTs: t0, prevKv: true });
    const back = await caughtUp(f);
    expect(shown(back)).toEqual(['PUT b=b1', 'DELETE b', 'PUT c=c0']);
    expect(back.map((e) => (e.prev ? dec(e.prev) : e.prev))).toEqual(['b0', 'b1', null]);
    const t = await write(['c', 'c1']);
    const live = await collect(f, 1);
    expect(shown(live.events)).toEqual(['PUT c=c1']);
    expect(live.events[0]!.commitTs).toBe(t);
    expect(dec(live.events[0]!.prev!)).toBe('c0');
    f.stop();
  });

  it("holds its resolved timestamp below a transaction's lock in range until it resolves, then delivers the commit in order", async () => {
    const f = feed();
    await caughtUp(f);
    const startTs = hlc.now();
    const pre = await txn({ kind: 'PREWRITE', startTs, primary: enc('p'), mutations: [{ key: enc('d'), value: enc('txn') }], ttlMs: 10_000, nowMs: Date.now() });
    expect(pre.errorCode).toBeUndefined();
    const minCommit = pre.minCommitTs ?? 0n;
    const tw = await write(['e', 'plain']); // commits above the lock's min_commit_ts
    expect(tw).toBeGreaterThanOrEqual(minCommit);
    // While the lock stands, nothing at or above its min_commit_ts is resolved, so 'e' waits.
    const held = await collect(f, 1, 300);
    expect(held.events).toEqual([]);
    expect(f.resolvedTs).toBeLessThan(minCommit);
    // The transaction commits below the plain write, at its min_commit_ts; resolving the lock releases both, in commit order.
    const commitTs = minCommit;
    expect((await txn({ kind: 'COMMIT', startTs, commitTs, primary: enc('d'), keys: [enc('d')] })).errorCode).toBeUndefined();
    const got = await collect(f, 2);
    expect(shown(got.events)).toEqual(['PUT d=txn', 'PUT e=plain']);
    expect(got.events.map((e) => e.commitTs)).toEqual([commitTs, tw]);
    f.stop();
  });

  it('finds a lock that was there before it opened', async () => {
    const startTs = hlc.now();
    const pre = await txn({ kind: 'PREWRITE', startTs, primary: enc('d'), mutations: [{ key: enc('d'), value: enc('v') }], ttlMs: 10_000, nowMs: Date.now() });
    const f = feed({ startTs: startTs - 1n });
    expect(await caughtUp(f)).toEqual([]);
    await write(['e', 'x']);
    expect((await collect(f, 1, 300)).events).toEqual([]);
    expect(f.resolvedTs).toBeLessThan(pre.minCommitTs ?? 0n);
    await txn({ kind: 'COMMIT', startTs, commitTs: pre.minCommitTs ?? 0n, primary: enc('d'), keys: [enc('d')] });
    expect(shown((await collect(f, 2)).events)).toEqual(['PUT d=v', 'PUT e=x']);
    f.stop();
  });

  it('catches up again from where it was when the stream outran it during a long catch-up, and delivers everything once', async () => {
    const t0 = await write(['a0', 'x']);
    for (let i = 1; i < 6; i++) await write([`b${i}`, `old${i}`]);
    const f = feed({ startTs: t0, maxBufferedEvents: 5, maxStepEvents: 1 });
    const attachedFirst = f.attachTs;
    const got: WatchEventOut[] = [];
    let wroteDuring = 0;
    for await (const step of f.catchUp()) {
      if (step.kind === 'events') got.push(...step.events);
      // While the scan is under way, more changes than the feed may hold arrive.
      if (wroteDuring === 0) for (; wroteDuring < 12; wroteDuring++) await write([`c${wroteDuring % 4}`, `new${wroteDuring}`]);
    }
    expect(f.attachTs).toBeGreaterThan(attachedFirst); // it attached again later
    const tail = await collect(f, 1, 300);
    got.push(...tail.events);
    const after = await write(['d', 'live']);
    got.push(...(await collect(f, 1)).events);
    const byKey = new Map<string, string[]>();
    for (const e of got) byKey.set(dec(e.key), [...(byKey.get(dec(e.key)) ?? []), dec(e.value)]);
    expect(got.length).toBe(5 + 12 + 1); // nothing twice, nothing missed
    for (let i = 1; i < 6; i++) expect(byKey.get(`b${i}`)).toEqual([`old${i}`]);
    for (let k = 0; k < 4; k++) expect(byKey.get(`c${k}`)).toEqual([0, 1, 2].map((j) => `new${k + 4 * j}`));
    expect(got.at(-1)!.commitTs).toBe(after);
    f.stop();
  });

  it('gives up with OVERLOADED when every catch-up round is outrun', async () => {
    const t0 = await write(['a0', 'x']);
    for (let i = 1; i < 4; i++) await write([`b${i}`, 'v']);
    const f = feed({ startTs: t0, maxBufferedEvents: 2, maxStepEvents: 1 });
    const run = async (): Promise<void> => {
      for await (const _ of f.catchUp()) for (let i = 0; i < 4; i++) await write([`c${i}`, 'v']);
    };
    await expect(run()).rejects.toMatchObject({ code: 'OVERLOADED', detail: { reason: 'catch-up does not converge' } });
    f.stop();
  });

  it('refuses a start below the GC safe point, naming it', async () => {
    const t = await write(['b', '1']);
    machine.safePoint = t + 10n;
    const f = feed({ startTs: t });
    await expect(caughtUp(f)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', detail: { field: 'start_ts', safePoint: t + 10n } });
    f.stop();
  });

  it('leaves out puts or deletes when asked', async () => {
    const f = feed({ noPut: true });
    await caughtUp(f);
    await write(['b', '1']);
    await write(['b', null]);
    expect(shown((await collect(f, 1)).events)).toEqual(['DELETE b']);
    f.stop();
  });

  it('fails a watcher that falls behind with OVERLOADED naming where to resume, and keeps nothing after', async () => {
    const f = feed({ maxBufferedEvents: 5 });
    await caughtUp(f);
    const resume = f.resolvedTs;
    for (let i = 0; i < 8; i++) await write([`k${i}`, 'v']);
    await expect(f.next(10)).rejects.toMatchObject({ code: 'OVERLOADED' });
    await expect(f.next(10)).rejects.toThrow(`resume from resolved_ts ${resume}`);
    expect(f.bufferedEvents).toBe(0);
    expect(machine.state(WATCH).size).toBe(0);
  });

  it('fails when a snapshot replaces the data under it', async () => {
    const f = feed();
    await caughtUp(f);
    await machine.reload();
    await expect(f.next(10)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
