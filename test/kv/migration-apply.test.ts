// The group side of the migration plane (MIGRATION.md "The rule", "Per-group
// ownership map", "Attempts, not trust", "Phases", "Contracts"): two state
// machines in one LevelDB — source group 2 serving [m, +∞) and target group 3
// serving nothing — driven directly with encoded log entries. Each rule the
// groups check at apply is its own test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OwnershipMap } from '../../src/distribution/ownership.js';
import { decodeResult, encodeCommand, encodeResult, type KvCommand, type KvResult, type MigrationCommand } from '../../src/apply/commands.js';
import { FAMILY_DEDUP, decodeDedup, encodeDedup } from '../../src/apply/dedup.js';
import { GroupState } from '../../src/server/group-state.js';
import { backfillCursor, changeCursor, hex, type GroupJobState } from '../../src/migration/group-state.js';
import { IMPORT_SLICE_ROWS } from '../../src/migration/group/target.js';
import type { MigrationRow } from '../../src/apply/rows.js';
import { EntryType, type Entry } from '../../src/raft/index.js';
import { NodeDb } from '../../src/storage/db.js';
import { FAMILY_MVCC, compareBytes, dataPrefix, prefixEnd, unescapeKey } from '../../src/storage/keys.js';
import type { Version } from '../../src/storage/mvcc-store.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const E = new Uint8Array(0);
const S = 2;
const T = 3;

let dir: string;
let db: NodeDb;
let index = 1; // one counter for both groups: indices rise in each group's log

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferrykv-mig-'));
  db = await NodeDb.open(dir);
  index = 1;
});
afterEach(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Source serves [m, +∞); target serves nothing. */
async function open(group: number, owned = group === S ? [{ start: enc('m'), end: E, state: 'owned' as const }] : []): Promise<GroupState> {
  const b = db.batch();
  GroupState.writeBootstrap(b, group, { owned: new OwnershipMap(owned) });
  await b.write({ sync: false });
  return GroupState.open(db, group);
}

type Cmd = Omit<KvCommand, 'proposedTs'> & { proposedTs?: bigint };

async function applyAll(sm: GroupState, ...cmds: Cmd[]): Promise<KvResult[]> {
  const es: Entry[] = cmds.map((c) => ({ index: ++index, term: 1, type: EntryType.Normal, data: encodeCommand({ proposedTs: 0n, ...c }) }));
  const res = await sm.applyEntries(es);
  return es.map((e) => res.get(e.index)!);
}
async function apply(sm: GroupState, c: Cmd): Promise<KvResult> {
  return (await applyAll(sm, c))[0]!;
}

const put = (k: string, v: string, rid = '', proposedTs = 0n): Cmd => ({ kind: 'WRITE', requestId: enc(rid), proposedTs, writes: [{ key: enc(k), value: enc(v) }] });
const del = (k: string, rid = ''): Cmd => ({ kind: 'WRITE', requestId: enc(rid), writes: [{ key: enc(k), value: null }] });
const mig = (m: MigrationCommand): Cmd => ({ kind: 'MIGRATION', requestId: E, migration: m });
const st = (r: KvResult): GroupJobState => JSON.parse(r.stateJson!) as GroupJobState;

const mvccRow = (key: string, ts: bigint, value: string | null): MigrationRow => ({ family: FAMILY_MVCC, key: enc(key), ts, value: enc(value ?? ''), tombstone: value === null, delete: false });
const fromVersion = (v: Version): MigrationRow => ({ family: FAMILY_MVCC, key: v.key, ts: v.ts, value: v.value ?? E, tombstone: v.value === null, delete: false });

/** Job 1, attempt 1, moves `range` from S to T with no writes in between: clear, capture, one backfill import, fence, release. Returns S's released state. */
async function copyAndRelease(s: GroupState, t: GroupState, range: { start: Uint8Array; end: Uint8Array }): Promise<GroupJobState> {
  await apply(t, mig({ kind: 'CLEAR', jobId: 1, attempt: 1, ...range, peerGroup: S }));
  await apply(s, mig({ kind: 'BEGIN_CAPTURE', jobId: 1, attempt: 1, ...range, peerGroup: T }));
  const rows = (await s.mvcc.export({ ...range, maxBytes: 1 << 20, maxScannedBytes: 1 << 20 })).rows.map(fromVersion);
  await apply(t, mig({ kind: 'IMPORT', jobId: 1, attempt: 1, fromCursor: E, toCursor: changeCursor(0), rows }));
  const f = st(await apply(s, mig({ kind: 'FENCE', jobId: 1, attempt: 1 })));
  return st(await apply(s, mig({ kind: 'RELEASE', jobId: 1, attempt: 1, fenceEpoch: f.fenceEpoch, head: 0 })));
}

/** Every version in [start, end) as `key@ts=value` (`key@ts=⊥` a tombstone), in storage order. */
async function versions(sm: GroupState, start: string, end = ''): Promise<string[]> {
  const c = await sm.mvcc.export({ start: enc(start), ...(end ? { end: enc(end) } : {}), maxBytes: 1 << 20, maxScannedBytes: 1 << 20 });
  expect(c.done).toBe(true);
  return c.rows.map((r) => `${dec(r.key)}@${r.ts}=${r.value === null ? '⊥' : dec(r.value)}`);
}

/** The ownership map as text (`start..end state job→target`), comparable whatever byte array type it was decoded into. */
const intervals = (sm: GroupState): string[] =>
  sm.ownership.intervals().map((iv) => `${dec(iv.start)}..${dec(iv.end)} ${iv.state}${iv.jobId !== undefined ? ` job ${iv.jobId}` : ''}${iv.targetGroup !== undefined ? ` →${iv.targetGroup}` : ''}`);

const rowText = (r: MigrationRow): string =>
  r.family === FAMILY_MVCC ? `mvcc ${dec(r.key)}@${r.ts}=${r.tombstone ? '⊥' : dec(r.value)}` : `dedup ${dec(r.key)}${r.delete ? ' deleted' : ''}`;

async function changeLog(sm: GroupState, job: number, attempt: number, after = 0): Promise<{ seq: number; row: MigrationRow }[]> {
  return sm.readChangeLog(job, attempt, after, 1 << 20);
}

/** The request-id entries of `group` whose footprint overlaps [start, end) (what a dedup exporter would stream). */
async function dedupRows(group: number, start: Uint8Array, end: Uint8Array): Promise<MigrationRow[]> {
  const prefix = dataPrefix(group, FAMILY_DEDUP);
  const out: MigrationRow[] = [];
  for await (const [k, v] of db.level.iterator({ gte: prefix, lt: prefixEnd(prefix) })) {
    const fp = decodeDedup(v);
    const overlaps = (end.byteLength === 0 || compareBytes(fp.start, end) < 0) && (fp.end.byteLength === 0 || compareBytes(fp.end, start) > 0);
    if (overlaps) out.push({ family: FAMILY_DEDUP, key: unescapeKey(k, prefix.byteLength).key, ts: 0n, value: v.slice(), tombstone: false, delete: false });
  }
  return out;
}

/** Replays the change log of (job, attempt) to the target from its stored cursor; returns the seq replayed through. */
async function replay(src: GroupState, tgt: GroupState, job: number, attempt: number, fromSeq: number, batch = 3): Promise<number> {
  let seq = fromSeq;
  for (;;) {
    const entries = (await changeLog(src, job, attempt, seq)).slice(0, batch);
    if (entries.length === 0) return seq;
    const to = entries[entries.length - 1]!.seq;
    const r = await apply(tgt, mig({ kind: 'IMPORT', jobId: job, attempt, fromCursor: changeCursor(seq), toCursor: changeCursor(to), rows: entries.map((e) => e.row) }));
    expect(r.errorCode).toBeUndefined();
    expect(st(r).cursor).toBe(hex(changeCursor(to)));
    seq = to;
  }
}

describe('migration plane at apply: source', () => {
  it('BEGIN_CAPTURE needs the whole range owned and idle, returns C = its log index, is idempotent per (job, attempt) and refuses an older attempt', async () => {
    const s = await open(S);
    // Not all owned: [a, m) is not this group's.
    const partly = await apply(s, mig({ kind: 'BEGIN_CAPTURE', jobId: 1, attempt: 2, start: enc('a'), end: enc('z'), peerGroup: T }));
    expect(partly.errorCode).toBe('ABORTED');
    expect(s.jobs.size).toBe(0);
    expect(s.ownership.find(enc('x'))!.state).toBe('owned');

    const first = await apply(s, mig({ kind: 'BEGIN_CAPTURE', jobId: 1, attempt: 2, start: enc('p'), end: enc('t'), peerGroup: T }));
    const c = index;
    expect(first.errorCode).toBeUndefined();
    expect(st(first)).toMatchObject({ jobId: 1, attempt: 2, role: 'source', state: 'capturing', captureIndex: c, head: 0, peerGroup: T });
    expect(s.ownership.find(enc('q'))).toMatchObject({ state: 'capturing', jobId: 1 });
    expect(s.ownership.find(enc('n'))!.state).toBe('owned');
    expect(s.ownership.find(enc('x'))!.state).toBe('owned');

    // The same (job, attempt) again: the current C, nothing changes.
    const before = s.ownership.intervals();
    const again = await apply(s, mig({ kind: 'BEGIN_CAPTURE', jobId: 1, attempt: 2, start: enc('p'), end: enc('t'), peerGroup: T }));
    expect(again.errorCode).toBeUndefined();
    expect(st(again).captureIndex).toBe(c);
    expect(s.ownership.intervals()).toEqual(before);

    // An older attempt of the job is refused with the current state.
    const stale = await apply(s, mig({ kind: 'BEGIN_CAPTURE', jobId: 1, attempt: 1, start: enc('p'), end: enc('t'), peerGroup: T }));
    expect(stale.errorCode).toBe('ABORTED');
    expect(st(stale)).toMatchObject({ attempt: 2, captureIndex: c });
    expect(s.jobs.get(1)).toMatchObject({ attempt: 2, captureIndex: c, state: 'capturing' });

    // Another job over a busy part of the range is refused; its idle part alone is fine.
    const busy = await apply(s, mig({ kind: 'BEGIN_CAPTURE', jobId: 2, attempt: 1, start: enc('s'), end: enc('v'), peerGroup: T }));
    expect(busy.errorCode).toBe('ABORTED');
    expect(s.jobs.has(2)).toBe(false);
    const idle = await apply(s, mig({ kind: 'BEGIN_CAPTURE', jobId: 2, attempt: 1, start: enc('t'), end: enc('v'), peerGroup: T }));
    expect(idle.errorCode).toBeUndefined();
    expect(s.ownership.find(enc('u'))).toMatchObject({ state: 'capturing', jobId: 2 });
    expect(s.ownership.find(enc('q'))).toMatchObject({ state: 'capturing', jobId: 1 });
  });

  it('capture appends the effects of WRITE, CAS and DELETE_RANGE in the range (exact commit ts, tombstones, request-id entries) in order; nothing outside the range or refused', async () => {
    const s = await open(S);
    await apply(s, put('q', 'before')); // before C: not captured
    await apply(s, mig({ kind: 'BEGIN_CAPTURE', jobId: 1, attempt: 1, start: enc('p'), end: enc('t'), peerGroup: T }));
    expect(await changeLog(s, 1, 1)).toEqual([]);

    const w = await apply(s, put('q', 'v1', 'r1', 500n));
    expect(w.commitTs).toBe(500n);
    expect(s.jobs.get(1)!.head).toBe(2);
    const [outside, both, cas, casFail, dr, refused] = await applyAll(
      s,
      put('n', 'out'),
      { kind: 'WRITE', requestId: E, writes: [{ key: enc('r'), value: enc('v2') }, { key: enc('z'), value: enc('out') }] },
      { kind: 'CAS', requestId: E, key: enc('s'), expectAbsent: true, value: enc('v3') },
      { kind: 'CAS', requestId: E, key: enc('s'), expectAbsent: true, value: enc('nope') },
      { kind: 'DELETE_RANGE', requestId: enc('r2'), start: enc('p'), end: enc('t'), maxKeys: 10 },
      put('a', 'x', 'r3'),
    );
    expect(outside!.errorCode).toBeUndefined();
    expect(cas!.succeeded).toBe(true);
    expect(casFail!.succeeded).toBe(false);
    expect(dr!.deleted).toBe(3);
    expect(refused!.errorCode).toBe('NOT_OWNER');

    const log = await changeLog(s, 1, 1);
    expect(log.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(log.map((e) => rowText(e.row))).toEqual([
      'mvcc q@500=v1',
      'dedup r1',
      `mvcc r@${both!.commitTs}=v2`,
      `mvcc s@${cas!.commitTs}=v3`,
      `mvcc q@${dr!.commitTs}=⊥`,
      `mvcc r@${dr!.commitTs}=⊥`,
      `mvcc s@${dr!.commitTs}=⊥`,
      'dedup r2',
    ]);
    expect(both!.commitTs).toBe(outside!.commitTs + 1n);
    // A request-id row carries the stored entry: the original commit ts, the footprint and the result.
    const r1 = decodeDedup(log[1]!.row.value);
    expect(r1.commitTs).toBe(500n);
    expect([dec(r1.start), r1.end]).toEqual(['q', Uint8Array.of(...enc('q'), 0)]);
    expect(decodeResult(r1.result).commitTs).toBe(500n);
    expect(log[1]!.row.value).toEqual(encodeDedup(500n, enc('q'), Uint8Array.of(...enc('q'), 0), encodeResult(w)));
    const r2 = decodeDedup(log[7]!.row.value);
    expect([dec(r2.start), dec(r2.end), decodeResult(r2.result).deleted]).toEqual(['p', 't', 3]);
    expect(s.jobs.get(1)!.head).toBe(8);
    expect((await changeLog(s, 1, 1, 5)).map((e) => e.seq)).toEqual([6, 7, 8]);
    expect(await changeLog(s, 1, 1, 8)).toEqual([]);
    // The refused write left no request id: its retry is refused again, not answered from the table.
    expect((await apply(s, put('a', 'x', 'r3'))).errorCode).toBe('NOT_OWNER');
    expect(s.jobs.get(1)!.head).toBe(8);
  });

  it('FENCE refuses every write in the range with WRITE_FENCED (nothing written, no request id), keeps reads, is idempotent; UNFENCE needs the epoch; a re-fence is epoch + 1', async () => {
    const s = await open(S);
    await apply(s, mig({ kind: 'BEGIN_CAPTURE', jobId: 1, attempt: 1, start: enc('m'), end: E, peerGroup: T }));
    await apply(s, put('x', 'v1'));
    const f = await apply(s, mig({ kind: 'FENCE', jobId: 1, attempt: 1 }));
    expect(st(f)).toMatchObject({ state: 'fenced', fenceEpoch: 1, head: 1 });
    const maxTs = s.maxTs;

    const [w, cas, dr] = await applyAll(
      s,
      put('x', 'v2', 'rf'),
      { kind: 'CAS', requestId: enc('rc'), key: enc('x'), expected: enc('v1'), value: enc('v3') },
      { kind: 'DELETE_RANGE', requestId: E, start: enc('m'), end: E, maxKeys: 10 },
    );
    for (const r of [w, cas, dr]) {
      expect(r).toMatchObject({ errorCode: 'WRITE_FENCED', succeeded: false, commitTs: 0n, jobId: 1 });
      expect(r!.retryAfterMs).toBeGreaterThan(0);
    }
    expect(await versions(s, 'm')).toEqual(['x@1=v1']);
    expect(s.maxTs).toBe(maxTs);
    expect(s.jobs.get(1)!.head).toBe(1);
    expect(await dedupRows(S, E, E)).toEqual([]);
    // Reads are served; writes are not.
    expect(s.ownership.check(enc('x'))).toBeUndefined();
    expect(s.ownership.check(enc('m'), E)).toBeUndefined();
    expect(s.ownership.check(enc('x'), undefined, 'write')!.code).toBe('WRITE_FENCED');

    expect(st(await apply(s, mig({ kind: 'FENCE', jobId: 1, attempt: 1 })))).toMatchObject({ state: 'fenced', fenceEpoch: 1 });
    // UNFENCE of another epoch does nothing.
    const wrong = await apply(s, mig({ kind: 'UNFENCE', jobId: 1, attempt: 1, fenceEpoch: 2 }));
    expect(st(wrong)).toMatchObject({ state: 'fenced', fenceEpoch: 1 });
    expect((await apply(s, put('x', 'v2', 'rf'))).errorCode).toBe('WRITE_FENCED');
    // The right epoch lifts it: the same request id now applies (it was never stored) and is captured.
    const un = await apply(s, mig({ kind: 'UNFENCE', jobId: 1, attempt: 1, fenceEpoch: 1 }));
    expect(st(un)).toMatchObject({ state: 'capturing', fenceEpoch: 1 });
    expect(s.ownership.find(enc('x'))!.state).toBe('capturing');
    const ok = await apply(s, put('x', 'v2', 'rf'));
    expect(ok.errorCode).toBeUndefined();
    expect(ok.commitTs).toBe(maxTs + 1n);
    expect((await changeLog(s, 1, 1)).map((e) => rowText(e.row))).toEqual(['mvcc x@1=v1', `mvcc x@${ok.commitTs}=v2`, 'dedup rf']);
    const again = await apply(s, mig({ kind: 'FENCE', jobId: 1, attempt: 1 }));
    expect(st(again)).toMatchObject({ state: 'fenced', fenceEpoch: 2, head: 3 });
  });

  it('a leader can refuse a fenced write before proposing it (notOwned), and a waiter on the ownership map wakes once the change is applied, not before', async () => {
    const s = await open(S);
    await apply(s, mig({ kind: 'BEGIN_CAPTURE', jobId: 1, attempt: 1, start: enc('m'), end: E, peerGroup: T }));
    expect(s.notOwned({ proposedTs: 0n, ...put('x', 'v1') })).toBeUndefined();
    let woke = false;
    const waiting = s.ownershipChange(60_000).then(() => (woke = true));
    await apply(s, put('x', 'v1'));
    await new Promise((r) => setImmediate(r));
    expect(woke).toBe(false); // a write changes no ownership
    await apply(s, mig({ kind: 'FENCE', jobId: 1, attempt: 1 }));
    await waiting;
    expect(woke).toBe(true);
    expect(s.notOwned({ proposedTs: 0n, ...put('x', 'v2') })).toMatchObject({ errorCode: 'WRITE_FENCED', jobId: 1 });
    expect(s.notOwned({ proposedTs: 0n, ...put('a', 'v2') })).toMatchObject({ errorCode: 'NOT_OWNER' });
    // With no change, the wait ends at its bound.
    const began = performance.now();
    await s.ownershipChange(20);
    expect(performance.now() - began).toBeGreaterThanOrEqual(15);
  });

  it('many captured writes in one applied batch leave the stored job state at the last one (written once per batch) and survive a reopen', async () => {
    const s = await open(S);
    await apply(s, mig({ kind: 'BEGIN_CAPTURE', jobId: 1, attempt: 1, start: enc('m'), end: E, peerGroup: T }));
    await applyAll(s, ...Array.from({ length: 50 }, (_, i) => put(`x${i}`, `v${i}`, `r${i}`)));
    expect(s.jobs.get(1)).toMatchObject({ head: 100 }); // a version and a request id per write
    const again = await GroupState.open(db, S);
    expect(again.jobs.get(1)).toEqual(s.jobs.get(1));
    expect((await changeLog(again, 1, 1)).length).toBe(100);
  });

  it('RELEASE applies only when fenced by that epoch with head = replayed head; it records releaseTs = maxTs, answers ROUTE_MOVED to the target, is idempotent and blocks ABANDON', async () => {
    const s = await open(S);
    await apply(s, mig({ kind: 'BEGIN_CAPTURE', jobId: 4, attempt: 1, start: enc('m'), end: E, peerGroup: T }));
    await apply(s, put('x', 'v1', '', 700n));
    const rel = (fenceEpoch: number, head: number): Cmd => mig({ kind: 'RELEASE', jobId: 4, attempt: 1, fenceEpoch, head });

    const notFenced = await apply(s, rel(1, 1));
    expect(notFenced.errorCode).toBe('ABORTED');
    expect(notFenced.errorMessage).toContain('RELEASE_PRECONDITION');
    expect(s.jobs.get(4)!.state).toBe('capturing');

    await apply(s, mig({ kind: 'FENCE', jobId: 4, attempt: 1 }));
    const fenced = s.jobs.get(4)!;
    for (const [epoch, head] of [
      [2, 1],
      [0, 1],
      [1, 0],
      [1, 2],
    ] as const) {
      const r = await apply(s, rel(epoch, head));
      expect(r.errorCode).toBe('ABORTED');
      expect(st(r)).toEqual(fenced);
      expect(s.jobs.get(4)).toEqual(fenced);
      expect(s.ownership.find(enc('x'))!.state).toBe('fenced');
    }

    const ok = await apply(s, rel(1, 1));
    expect(ok.errorCode).toBeUndefined();
    expect(st(ok)).toMatchObject({ state: 'released', releaseTs: '700', fenceEpoch: 1, head: 1 });
    expect(st(ok).releaseTs).toBe(s.maxTs.toString());
    const released = s.jobs.get(4)!;

    const w = await apply(s, put('x', 'v2'));
    expect(w).toMatchObject({ errorCode: 'ROUTE_MOVED', movedToGroup: T, jobId: 4, owned: { start: enc('m'), end: E } });
    expect(s.ownership.check(enc('x'))).toMatchObject({ code: 'ROUTE_MOVED', targetGroup: T, jobId: 4 });
    expect(s.ownership.check(enc('m'), E, 'read')!.code).toBe('ROUTE_MOVED');
    expect(await versions(s, 'm')).toEqual(['x@700=v1']);

    expect(st(await apply(s, rel(1, 1)))).toEqual(released);
    const ab = await apply(s, mig({ kind: 'ABANDON', jobId: 4, attempt: 1 }));
    expect(ab.errorCode).toBe('ABORTED');
    expect(ab.errorMessage).toContain('RELEASED');
    await apply(s, mig({ kind: 'UNFENCE', jobId: 4, attempt: 1, fenceEpoch: 1 }));
    expect(s.jobs.get(4)).toEqual(released);
    expect(s.ownership.find(enc('x'))).toMatchObject({ state: 'released', targetGroup: T, jobId: 4 });
  });
});

describe('migration plane at apply: target', () => {
  it('CLEAR takes the range pending and deletes leftovers in bounded batches; IMPORT follows the cursor chain and the range; ADOPT needs the cursor at the release head, raises the clock to the floor and serves', async () => {
    const t = await open(T);
    // Leftovers of an earlier attempt in the range, and data outside it.
    const b = db.batch();
    for (const [k, ts] of [
      ['n', 1n],
      ['n', 2n],
      ['q', 3n],
      ['x', 4n],
      ['y', 5n],
    ] as const)
      t.mvcc.putVersion(b, enc(k), ts, enc('old'));
    t.mvcc.putVersion(b, enc('b'), 9n, enc('keep'));
    await b.write({ sync: false });

    const clear = (maxKeys: number): Cmd => mig({ kind: 'CLEAR', jobId: 1, attempt: 1, start: enc('m'), end: E, peerGroup: S, maxKeys });
    const c1 = await apply(t, clear(2));
    expect(c1).toMatchObject({ deleted: 2, more: true });
    expect(st(c1)).toMatchObject({ role: 'target', state: 'clearing', peerGroup: S });
    expect(t.ownership.find(enc('x'))).toMatchObject({ state: 'clearing', jobId: 1 });
    const pending = await apply(t, put('x', 'w'));
    expect(pending).toMatchObject({ errorCode: 'RANGE_PENDING', jobId: 1 });
    expect(pending.retryAfterMs).toBeGreaterThan(0);
    expect(t.ownership.check(enc('x'))!.code).toBe('RANGE_PENDING');
    expect(await apply(t, clear(2))).toMatchObject({ deleted: 2, more: true });
    const c3 = await apply(t, clear(2));
    expect(c3).toMatchObject({ deleted: 1, more: false });
    expect(st(c3)).toMatchObject({ state: 'importing', cursor: '' });
    expect(await versions(t, 'm')).toEqual([]);
    expect(await versions(t, '', 'm')).toEqual(['b@9=keep']);
    expect(t.ownership.find(enc('x'))).toMatchObject({ state: 'importing', jobId: 1 });
    expect((await apply(t, put('x', 'w'))).errorCode).toBe('RANGE_PENDING');
    expect(t.ownership.check(enc('x'))!.code).toBe('RANGE_PENDING');
    expect(st(await apply(t, clear(2)))).toMatchObject({ state: 'importing', cursor: '' });

    const B = (s: string): Uint8Array => backfillCursor(enc(s));
    const imp = (from: Uint8Array, to: Uint8Array, rows: MigrationRow[]): Cmd => mig({ kind: 'IMPORT', jobId: 1, attempt: 1, fromCursor: from, toCursor: to, rows });
    const i1 = await apply(t, imp(E, B('1'), [mvccRow('x', 10n, 'v10')]));
    expect(i1.errorCode).toBeUndefined();
    expect(st(i1)).toMatchObject({ cursor: hex(B('1')), importedMaxTs: '10' });
    // A repeat and an out-of-order chunk: no effect, the stored cursor back.
    for (const [from, to] of [
      [E, B('1')],
      [B('2'), B('3')],
    ] as const) {
      const r = await apply(t, imp(from, to, [mvccRow('x', 10n, 'evil'), mvccRow('z', 99n, 'evil')]));
      expect(r.succeeded).toBe(false);
      expect(st(r)).toMatchObject({ cursor: hex(B('1')), importedMaxTs: '10' });
    }
    expect(await versions(t, 'm')).toEqual(['x@10=v10']);
    const i2 = await apply(t, imp(B('1'), B('2'), [mvccRow('y', 30n, 'v30'), mvccRow('y', 20n, null), mvccRow('z', 25n, 'v25')]));
    expect(st(i2)).toMatchObject({ cursor: hex(B('2')), importedMaxTs: '30' });

    // A chunk with a row outside the range is refused as a whole.
    const out = await apply(t, imp(B('2'), B('3'), [mvccRow('w', 50n, 'in'), mvccRow('b', 60n, 'outside')]));
    expect(out.errorCode).toBe('ABORTED');
    expect(t.jobs.get(1)).toMatchObject({ cursor: hex(B('2')), importedMaxTs: '30' });
    expect(await versions(t, '', 'm')).toEqual(['b@9=keep']);
    expect(await versions(t, 'm')).toEqual(['x@10=v10', 'y@30=v30', 'y@20=⊥', 'z@25=v25']);

    const i3 = await apply(t, imp(B('2'), changeCursor(0), []));
    expect(st(i3).cursor).toBe(hex(changeCursor(0)));
    const adopt = (head: number, releaseTs: bigint): Cmd => mig({ kind: 'ADOPT', jobId: 1, attempt: 1, head, releaseTs });
    const early = await apply(t, adopt(1, 35n));
    expect(early.errorCode).toBe('ABORTED');
    expect(early.errorMessage).toContain('ADOPT_PRECONDITION');
    expect(t.jobs.get(1)!.state).toBe('importing');
    expect(t.ownership.find(enc('x'))!.state).toBe('importing');
    const i4 = await apply(t, imp(changeCursor(0), changeCursor(1), [mvccRow('x', 40n, 'v40')]));
    expect(st(i4)).toMatchObject({ cursor: hex(changeCursor(1)), importedMaxTs: '40' });

    const maxBefore = t.maxTs;
    expect(maxBefore).toBeLessThan(40n); // imports do not move the clock; Adopt does
    const a = await apply(t, adopt(1, 35n));
    expect(a.errorCode).toBeUndefined();
    expect(st(a)).toMatchObject({ state: 'adopted', floor: '40' }); // max(importedMaxTs 40, releaseTs 35)
    expect(t.maxTs).toBeGreaterThanOrEqual(40n);
    expect(t.ownership.find(enc('x'))).toEqual({ start: enc('m'), end: E, state: 'owned' });
    expect(t.ownership.check(enc('x'), undefined, 'write')).toBeUndefined();
    const w = await apply(t, put('x', 'new', '', 5n));
    expect(w.errorCode).toBeUndefined();
    expect(w.commitTs).toBeGreaterThan(40n);

    const adopted = t.jobs.get(1)!;
    expect(st(await apply(t, adopt(1, 1000n)))).toEqual(adopted);
    expect(t.maxTs).toBe(w.commitTs);
    const late = await apply(t, imp(changeCursor(1), changeCursor(2), [mvccRow('x', 41n, 'late')]));
    expect(late.succeeded).toBe(false);
    expect((await apply(t, mig({ kind: 'ABANDON', jobId: 1, attempt: 1 }))).errorCode).toBe('ABORTED');
    expect((await apply(t, clear(2))).errorCode).toBeUndefined();
    expect(t.jobs.get(1)).toEqual(adopted);
    expect(await versions(t, 'm')).toEqual([`x@${w.commitTs}=new`, 'x@40=v40', 'x@10=v10', 'y@30=v30', 'y@20=⊥', 'z@25=v25']);
  });

  it('a chunk of many slices (IMPORT yields between them) lands whole, or not at all when its last row is bad', async () => {
    const t = await open(T);
    await apply(t, mig({ kind: 'CLEAR', jobId: 1, attempt: 1, start: enc('m'), end: E, peerGroup: S }));
    const n = IMPORT_SLICE_ROWS * 3 + 7;
    const key = (i: number): string => `m${String(i).padStart(5, '0')}`;
    const rows = Array.from({ length: n }, (_, i) => mvccRow(key(i), BigInt(100 + i), i % 5 === 0 ? null : `v${i}`));
    // The same rows with one outside the range at the end: refused whole, nothing of the earlier slices written.
    const bad = await apply(t, mig({ kind: 'IMPORT', jobId: 1, attempt: 1, fromCursor: E, toCursor: changeCursor(0), rows: [...rows, mvccRow('a', 1n, 'outside')] }));
    expect(bad.errorCode).toBe('ABORTED');
    expect(await versions(t, 'm')).toEqual([]);
    const ok = await apply(t, mig({ kind: 'IMPORT', jobId: 1, attempt: 1, fromCursor: E, toCursor: changeCursor(0), rows }));
    expect(st(ok)).toMatchObject({ cursor: hex(changeCursor(0)), importedMaxTs: String(100 + n - 1) });
    expect(await versions(t, 'm')).toEqual(rows.map((r, i) => `${key(i)}@${r.ts}=${i % 5 === 0 ? '⊥' : `v${i}`}`));
  });

  it('IMPORT refuses a request-id row whose footprint lies outside the range', async () => {
    const t = await open(T);
    await apply(t, mig({ kind: 'CLEAR', jobId: 1, attempt: 1, start: enc('m'), end: enc('t'), peerGroup: S }));
    const entry = encodeDedup(7n, enc('b'), Uint8Array.of(...enc('b'), 0), encodeResult({ commitTs: 7n, succeeded: true, currentFound: false, current: E, deleted: 0, resumeKey: E, more: false }));
    const r = await apply(
      t,
      mig({ kind: 'IMPORT', jobId: 1, attempt: 1, fromCursor: E, toCursor: changeCursor(0), rows: [{ family: FAMILY_DEDUP, key: enc('rb'), ts: 0n, value: entry, tombstone: false, delete: false }] }),
    );
    expect(r.errorCode).toBe('ABORTED');
    expect(t.jobs.get(1)!.cursor).toBe('');
    expect(await dedupRows(T, E, E)).toEqual([]);
  });
});

describe('migration plane at apply: end to end in one process', () => {
  it('backfill, capture during it, catch-up, fence, final delta, release and adopt leave the target with exactly the source’s versions and request ids', async () => {
    const s = await open(S);
    const t = await open(T);
    const job = 7;
    const lo = enc('p');
    const hi = enc('t');
    const [q1, , r1, , s2, , , cas0] = await applyAll(
      s,
      put('q', 'q1', 'A'),
      put('q', 'q2'),
      put('r', 'r1', 'B'),
      put('s', 's1'),
      del('s', 'C'),
      put('n', 'out', 'E'),
      put('u', 'out'),
      { kind: 'CAS', requestId: E, key: enc('r'), expected: enc('r1'), value: enc('r2') },
    );
    expect(cas0!.succeeded).toBe(true);

    expect((await apply(t, mig({ kind: 'CLEAR', jobId: job, attempt: 1, start: lo, end: hi, peerGroup: S }))).errorCode).toBeUndefined();
    expect(t.jobs.get(job)!.state).toBe('importing');
    const bc = await apply(s, mig({ kind: 'BEGIN_CAPTURE', jobId: job, attempt: 1, start: lo, end: hi, peerGroup: T }));
    expect(st(bc).captureIndex).toBe(index);

    // Backfill in small chunks while writes keep coming.
    let cursor: Uint8Array | undefined;
    let tc: Uint8Array = E;
    const during: KvResult[] = [];
    for (let round = 0; ; round++) {
      const chunk = await s.mvcc.export({ start: lo, end: hi, ...(cursor ? { cursor } : {}), maxBytes: 40, maxScannedBytes: 1 << 20 });
      const next = backfillCursor(chunk.cursor!);
      const r = await apply(t, mig({ kind: 'IMPORT', jobId: job, attempt: 1, fromCursor: tc, toCursor: next, rows: chunk.rows.map(fromVersion) }));
      expect(st(r).cursor).toBe(hex(next));
      tc = next;
      cursor = chunk.cursor;
      if (round === 0) during.push(...(await applyAll(s, put('q', 'q3', 'D'), del('r'), put('n', 'out2'))));
      if (chunk.done) break;
      expect(round).toBeLessThan(50);
    }
    // The request-id entries of the range (written before C; those after C are in the change log too).
    const ids = await dedupRows(S, lo, hi);
    expect(ids.map((r) => dec(r.key)).sort()).toEqual(['A', 'B', 'C', 'D']);
    expect((await apply(t, mig({ kind: 'IMPORT', jobId: job, attempt: 1, fromCursor: tc, toCursor: changeCursor(0), rows: ids }))).errorCode).toBeUndefined();

    // Catch-up rounds, with more writes in between.
    let seq = await replay(s, t, job, 1, 0);
    expect(seq).toBe(s.jobs.get(job)!.head);
    const more = await applyAll(s, { kind: 'DELETE_RANGE', requestId: enc('F'), start: enc('p'), end: enc('r'), maxKeys: 10 }, put('s', 's3'), { kind: 'CAS', requestId: enc('G'), key: enc('p'), expectAbsent: true, value: enc('p1') });
    expect(more.every((r) => r.errorCode === undefined)).toBe(true);
    seq = await replay(s, t, job, 1, seq);

    // Fence; the deadline lifts it; a write lands; fence again, replay to the head (not to the fence index).
    const f1 = st(await apply(s, mig({ kind: 'FENCE', jobId: job, attempt: 1 })));
    await apply(s, mig({ kind: 'UNFENCE', jobId: job, attempt: 1, fenceEpoch: f1.fenceEpoch }));
    const last = await apply(s, put('q', 'q4', 'H'));
    const f2 = st(await apply(s, mig({ kind: 'FENCE', jobId: job, attempt: 1 })));
    expect(f2.fenceEpoch).toBe(f1.fenceEpoch + 1);
    expect((await apply(s, mig({ kind: 'RELEASE', jobId: job, attempt: 1, fenceEpoch: f2.fenceEpoch, head: seq }))).errorCode).toBe('ABORTED');
    seq = await replay(s, t, job, 1, seq);
    expect(seq).toBe(f2.head);
    const tCursor = t.jobs.get(job)!.cursor;
    expect(tCursor).toBe(hex(changeCursor(seq)));

    const rel = await apply(s, mig({ kind: 'RELEASE', jobId: job, attempt: 1, fenceEpoch: f2.fenceEpoch, head: seq }));
    expect(rel.errorCode).toBeUndefined();
    const record = st(rel);
    expect(record.releaseTs).toBe(s.maxTs.toString());
    const ad = await apply(t, mig({ kind: 'ADOPT', jobId: job, attempt: 1, head: record.head, releaseTs: BigInt(record.releaseTs) }));
    expect(ad.errorCode).toBeUndefined();
    expect(st(ad).floor).toBe(record.releaseTs); // S's clock is above everything it exported
    expect(t.maxTs).toBeGreaterThanOrEqual(BigInt(record.releaseTs));

    // Same versions, tombstones included; nothing outside the range moved.
    const src = await versions(s, 'p', 't');
    expect(src).toContain(`q@${last.commitTs}=q4`);
    expect(src).toContain(`s@${s2!.commitTs}=⊥`);
    expect(src).toContain(`r@${during[1]!.commitTs}=⊥`);
    expect(await versions(t, '')).toEqual(src);

    // Request ids moved with the range: a retry at the target gets the stored result and writes nothing.
    const retries: [string, KvResult][] = [
      ['A', q1!],
      ['B', r1!],
      ['C', s2!],
      ['D', during[0]!],
      ['F', more[0]!],
      ['G', more[2]!],
      ['H', last],
    ];
    for (const [rid, original] of retries) {
      const r = await apply(t, put('q', 'retry', rid));
      expect(r.errorCode).toBeUndefined();
      expect(r.commitTs).toBe(original.commitTs);
      expect(r.deleted).toBe(original.deleted);
      expect(r.succeeded).toBe(original.succeeded);
    }
    expect(await versions(t, '')).toEqual(src);
    // An id whose footprint is outside the range did not move.
    expect((await apply(t, put('n', 'retry', 'E'))).errorCode).toBe('NOT_OWNER');
    // The source answers the range with ROUTE_MOVED and keeps serving the rest.
    expect(await apply(s, put('q', 'late'))).toMatchObject({ errorCode: 'ROUTE_MOVED', movedToGroup: T, jobId: job });
    expect((await apply(s, put('n', 'ok'))).errorCode).toBeUndefined();
    const fresh = await apply(t, put('q', 'q5'));
    expect(fresh.commitTs).toBeGreaterThan(BigInt(record.releaseTs));
  });
});

describe('migration plane at apply: abandon and attempts', () => {
  it('ABANDON returns the source range to owned (uncaptured) and the target range to clearing then nothing; a new attempt starts over; old-attempt commands are refused', async () => {
    const s = await open(S);
    const t = await open(T);
    const range = { start: enc('m'), end: E };
    await apply(t, mig({ kind: 'CLEAR', jobId: 1, attempt: 1, ...range, peerGroup: S }));
    await apply(s, mig({ kind: 'BEGIN_CAPTURE', jobId: 1, attempt: 1, ...range, peerGroup: T }));
    await applyAll(s, put('x', 'x1'), put('y', 'y1'));
    await apply(t, mig({ kind: 'IMPORT', jobId: 1, attempt: 1, fromCursor: E, toCursor: changeCursor(0), rows: [mvccRow('x', 1n, 'x1'), mvccRow('y', 2n, 'y1'), mvccRow('z', 3n, 'z1')] }));
    await apply(s, mig({ kind: 'FENCE', jobId: 1, attempt: 1 }));
    const log1 = await changeLog(s, 1, 1);
    expect(log1).toHaveLength(2);

    // Source: abandon before release.
    const ab = await apply(s, mig({ kind: 'ABANDON', jobId: 1, attempt: 1 }));
    expect(ab.errorCode).toBeUndefined();
    expect(st(ab).state).toBe('abandoned');
    expect(intervals(s)).toEqual(['m.. owned']);
    const w = await apply(s, put('x', 'x2'));
    expect(w.errorCode).toBeUndefined();
    expect(await changeLog(s, 1, 1)).toEqual(log1);
    expect(s.jobs.get(1)!.head).toBe(2);
    expect(st(await apply(s, mig({ kind: 'ABANDON', jobId: 1, attempt: 1 }))).state).toBe('abandoned');
    for (const kind of ['FENCE', 'RELEASE'] as const) {
      expect((await apply(s, mig({ kind, jobId: 1, attempt: 1, fenceEpoch: 1, head: 2 }))).errorCode).toBe('ABORTED');
    }
    expect(s.ownership.find(enc('x'))!.state).toBe('owned');

    // Target: abandon, then its CLEAR batches remove the range.
    const tab = await apply(t, mig({ kind: 'ABANDON', jobId: 1, attempt: 1 }));
    expect(st(tab).state).toBe('abandoned');
    expect(t.ownership.find(enc('x'))).toMatchObject({ state: 'clearing', jobId: 1 });
    expect((await apply(t, put('x', 'w'))).errorCode).toBe('RANGE_PENDING');
    const lateImport = await apply(t, mig({ kind: 'IMPORT', jobId: 1, attempt: 1, fromCursor: changeCursor(0), toCursor: changeCursor(1), rows: [mvccRow('w', 9n, 'late')] }));
    expect(lateImport.succeeded).toBe(false);
    expect((await apply(t, mig({ kind: 'ADOPT', jobId: 1, attempt: 1, head: 0 }))).errorCode).toBe('ABORTED');
    // The next attempt waits until the old one is removed.
    expect((await apply(t, mig({ kind: 'CLEAR', jobId: 1, attempt: 2, ...range, peerGroup: S }))).errorCode).toBe('ABORTED');
    const batches: KvResult[] = [];
    for (;;) {
      const r = await apply(t, mig({ kind: 'CLEAR', jobId: 1, attempt: 1, ...range, peerGroup: S, maxKeys: 1 }));
      batches.push(r);
      if (!r.more) break;
    }
    expect(batches.map((r) => r.deleted)).toEqual([1, 1, 1, 0]);
    expect(st(batches[batches.length - 1]!).state).toBe('removed');
    expect(await versions(t, '')).toEqual([]);
    expect(t.ownership.intervals()).toEqual([]);
    expect((await apply(t, put('x', 'w'))).errorCode).toBe('NOT_OWNER');

    // Attempt 2 on both groups.
    const c2 = await apply(t, mig({ kind: 'CLEAR', jobId: 1, attempt: 2, ...range, peerGroup: S }));
    expect(st(c2)).toMatchObject({ attempt: 2, state: 'importing', cursor: '', importedMaxTs: '0' });
    const b2 = await apply(s, mig({ kind: 'BEGIN_CAPTURE', jobId: 1, attempt: 2, ...range, peerGroup: T }));
    expect(st(b2)).toMatchObject({ attempt: 2, state: 'capturing', captureIndex: index, head: 0, fenceEpoch: 0 });
    const w2 = await apply(s, put('y', 'y2'));
    expect((await changeLog(s, 1, 2)).map((e) => rowText(e.row))).toEqual([`mvcc y@${w2.commitTs}=y2`]);
    expect(await changeLog(s, 1, 1)).toEqual(log1);

    // Every command of attempt 1 is now refused and changes nothing.
    const sBefore = s.jobs.get(1);
    const tBefore = t.jobs.get(1);
    for (const kind of ['BEGIN_CAPTURE', 'FENCE', 'UNFENCE', 'RELEASE', 'ABANDON', 'TRUNCATE_LOG'] as const) {
      const r = await apply(s, mig({ kind, jobId: 1, attempt: 1, ...range, peerGroup: T, fenceEpoch: 1, head: 2, throughSeq: 2 }));
      expect(r.errorCode, kind).toBe('ABORTED');
    }
    for (const kind of ['CLEAR', 'IMPORT', 'ADOPT', 'ABANDON'] as const) {
      const r = await apply(t, mig({ kind, jobId: 1, attempt: 1, ...range, peerGroup: S, fromCursor: E, toCursor: changeCursor(0), head: 0 }));
      expect(r.errorCode, kind).toBe('ABORTED');
    }
    expect(s.jobs.get(1)).toEqual(sBefore);
    expect(t.jobs.get(1)).toEqual(tBefore);
    expect(s.ownership.find(enc('x'))).toMatchObject({ state: 'capturing', jobId: 1 });
    expect(t.ownership.find(enc('x'))).toMatchObject({ state: 'importing', jobId: 1 });
  });

  it('a later job can move a released range back to its old source (the higher job id overwrites the released interval)', async () => {
    const s = await open(S);
    const t = await open(T);
    const range = { start: enc('p'), end: enc('t') };
    await apply(s, put('q', 'q1'));
    // Job 1 moves [p, t) from S to T.
    const rel = await copyAndRelease(s, t, range);
    expect((await apply(t, mig({ kind: 'ADOPT', jobId: 1, attempt: 1, head: 0, releaseTs: BigInt(rel.releaseTs) }))).errorCode).toBeUndefined();
    await apply(t, put('q', 'q2'));
    // Until job 1 has cleaned up, its released interval cannot be taken back.
    expect((await apply(s, mig({ kind: 'CLEAR', jobId: 2, attempt: 1, ...range, peerGroup: T }))).errorCode).toBe('ABORTED');
    expect(st(await apply(s, mig({ kind: 'CLEANUP', jobId: 1, attempt: 1, maxKeys: 10 })))).toMatchObject({ state: 'released', cleaned: true });

    // Job 2 moves it back from T to S.
    const clear = await apply(s, mig({ kind: 'CLEAR', jobId: 2, attempt: 1, ...range, peerGroup: T }));
    expect(clear.errorCode).toBeUndefined();
    expect(s.ownership.find(enc('q'))).toMatchObject({ state: 'importing', jobId: 2 });
    expect(await versions(s, 'p', 't')).toEqual([]);
    await apply(t, mig({ kind: 'BEGIN_CAPTURE', jobId: 2, attempt: 1, ...range, peerGroup: S }));
    const back = (await t.mvcc.export({ ...range, maxBytes: 1 << 20, maxScannedBytes: 1 << 20 })).rows.map(fromVersion);
    await apply(s, mig({ kind: 'IMPORT', jobId: 2, attempt: 1, fromCursor: E, toCursor: changeCursor(0), rows: back }));
    const f2 = st(await apply(t, mig({ kind: 'FENCE', jobId: 2, attempt: 1 })));
    const rel2 = st(await apply(t, mig({ kind: 'RELEASE', jobId: 2, attempt: 1, fenceEpoch: f2.fenceEpoch, head: 0 })));
    expect((await apply(s, mig({ kind: 'ADOPT', jobId: 2, attempt: 1, head: 0, releaseTs: BigInt(rel2.releaseTs) }))).errorCode).toBeUndefined();
    expect(s.ownership.find(enc('q'))!.state).toBe('owned');
    expect(await versions(s, 'p', 't')).toEqual(await versions(t, 'p', 't'));
    expect((await apply(s, put('q', 'q3'))).errorCode).toBeUndefined();
    // But an older job can never take the interval of a newer one.
    expect((await apply(t, mig({ kind: 'CLEAR', jobId: 1, attempt: 9, ...range, peerGroup: S }))).errorCode).toBe('ABORTED');
  });
});

describe('migration plane at apply: persistence', () => {
  it('jobs, ownership states and the change log survive a reopen, and the reopened groups carry on', async () => {
    const s = await open(S);
    const t = await open(T);
    await apply(t, mig({ kind: 'CLEAR', jobId: 3, attempt: 2, start: enc('p'), end: E, peerGroup: S }));
    await apply(s, mig({ kind: 'BEGIN_CAPTURE', jobId: 3, attempt: 2, start: enc('p'), end: E, peerGroup: T }));
    await applyAll(s, put('q', 'q1', 'A'), put('x', 'x1'), put('n', 'n1'));
    await apply(t, mig({ kind: 'IMPORT', jobId: 3, attempt: 2, fromCursor: E, toCursor: changeCursor(0), rows: [] }));
    const seq = await replay(s, t, 3, 2, 0, 2);
    await apply(s, mig({ kind: 'FENCE', jobId: 3, attempt: 2 }));

    const s2 = await GroupState.open(db, S);
    const t2 = await GroupState.open(db, T);
    for (const [a, b] of [
      [s, s2],
      [t, t2],
    ] as const) {
      expect(b.jobs).toEqual(a.jobs);
      expect(intervals(b)).toEqual(intervals(a));
      expect(b.maxTs).toBe(a.maxTs);
      expect(b.applied).toBe(a.applied);
    }
    expect(s2.jobs.get(3)).toMatchObject({ state: 'fenced', fenceEpoch: 1, head: 3, attempt: 2 });
    expect(t2.jobs.get(3)).toMatchObject({ state: 'importing', cursor: hex(changeCursor(3)), importedMaxTs: '2' });
    expect(s2.ownership.find(enc('x'))).toMatchObject({ state: 'fenced', jobId: 3 });
    expect(s2.ownership.find(enc('n'))!.state).toBe('owned');
    expect(t2.ownership.find(enc('x'))).toMatchObject({ state: 'importing', jobId: 3 });
    expect(await changeLog(s2, 3, 2)).toEqual(await changeLog(s, 3, 2));
    expect((await changeLog(s2, 3, 2)).map((e) => rowText(e.row))).toEqual(['mvcc q@1=q1', 'dedup A', 'mvcc x@2=x1']);
    expect((await apply(s2, put('x', 'x2'))).errorCode).toBe('WRITE_FENCED');

    // Carry on from the reopened state, then reopen again.
    const rel = st(await apply(s2, mig({ kind: 'RELEASE', jobId: 3, attempt: 2, fenceEpoch: 1, head: seq })));
    expect(rel.state).toBe('released');
    const ad = await apply(t2, mig({ kind: 'ADOPT', jobId: 3, attempt: 2, head: rel.head, releaseTs: BigInt(rel.releaseTs) }));
    expect(st(ad)).toMatchObject({ state: 'adopted', floor: rel.releaseTs });
    const s3 = await GroupState.open(db, S);
    const t3 = await GroupState.open(db, T);
    expect(s3.jobs).toEqual(s2.jobs);
    expect(t3.jobs).toEqual(t2.jobs);
    expect(s3.ownership.find(enc('x'))).toMatchObject({ state: 'released', jobId: 3, targetGroup: T });
    expect(t3.ownership.find(enc('x'))!.state).toBe('owned');
    expect(t3.maxTs).toBeGreaterThanOrEqual(BigInt(rel.releaseTs));
    expect(await versions(t3, 'p')).toEqual(await versions(s3, 'p'));
    expect((await apply(t3, put('q', 'retry', 'A'))).commitTs).toBe(1n);
  });

  it('CLEANUP deletes the released copy in bounded batches, resuming from the cursor each batch returns (and from the start with none)', async () => {
    const s = await open(S);
    const t = await open(T);
    const range = { start: enc('p'), end: enc('t') };
    for (let i = 0; i < 25; i++) await apply(s, put(`q${String(i).padStart(2, '0')}`, 'v'));
    await apply(t, mig({ kind: 'CLEAR', jobId: 1, attempt: 1, ...range, peerGroup: S }));
    await apply(s, mig({ kind: 'BEGIN_CAPTURE', jobId: 1, attempt: 1, ...range, peerGroup: T }));
    const rows = (await s.mvcc.export({ ...range, maxBytes: 1 << 20, maxScannedBytes: 1 << 20 })).rows.map(fromVersion);
    await apply(t, mig({ kind: 'IMPORT', jobId: 1, attempt: 1, fromCursor: E, toCursor: changeCursor(0), rows }));
    const f = st(await apply(s, mig({ kind: 'FENCE', jobId: 1, attempt: 1 })));
    await apply(s, mig({ kind: 'RELEASE', jobId: 1, attempt: 1, fenceEpoch: f.fenceEpoch, head: 0 }));
    const first = await apply(s, mig({ kind: 'CLEANUP', jobId: 1, attempt: 1, maxKeys: 10 }));
    expect(first).toMatchObject({ deleted: 10, more: true });
    expect(first.resumeKey.byteLength).toBeGreaterThan(1);
    const second = await apply(s, mig({ kind: 'CLEANUP', jobId: 1, attempt: 1, maxKeys: 10, fromCursor: first.resumeKey }));
    expect(second).toMatchObject({ deleted: 10, more: true });
    // A batch without a cursor (a retry that lost it) starts over and still finds the rest.
    const third = await apply(s, mig({ kind: 'CLEANUP', jobId: 1, attempt: 1, maxKeys: 10 }));
    expect(third.deleted).toBe(5);
    const last = await apply(s, mig({ kind: 'CLEANUP', jobId: 1, attempt: 1, maxKeys: 10, fromCursor: third.resumeKey }));
    expect(st(last)).toMatchObject({ cleaned: true });
    expect(await versions(s, 'p', 't')).toEqual([]);
  });

  it("Adopt raises the target's GC safe point to the source's at Release (S may have collected versions below it)", async () => {
    const s = await open(S);
    const t = await open(T);
    const range = { start: enc('p'), end: enc('t') };
    await apply(s, put('q', 'q1'));
    await apply(s, { kind: 'MVCC_GC', requestId: E, ts: 1n << 40n, start: E, maxKeys: 10 });
    expect(s.safePoint).toBeGreaterThan(0n);
    const rel = await copyAndRelease(s, t, range);
    expect(rel.releaseSafePoint).toBe(s.safePoint.toString());
    expect(t.safePoint).toBe(0n);
    await apply(t, mig({ kind: 'ADOPT', jobId: 1, attempt: 1, head: 0, releaseTs: BigInt(rel.releaseTs), safePoint: BigInt(rel.releaseSafePoint ?? '0') }));
    expect(t.safePoint).toBe(s.safePoint);
  });
});
