// Timestamps from outside cannot move a group's clock (issue: one TxnCommit
// with start_ts = now + 1 h timestamped every later write of its group an hour
// ahead, for good). Two layers: the API's drift check against this node's
// clock (checkClientTimestamp), and apply's deterministic bound against the
// command's proposal timestamp (clockViolation), both shown here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OwnershipMap } from '../../src/distribution/ownership.js';
import { Hlc, makeTimestamp, physicalOf } from '../../src/hlc/hlc.js';
import { MAX_COMMAND_AHEAD, clockViolation } from '../../src/apply/clock-bound.js';
import { encodeCommand, type KvCommand, type KvResult } from '../../src/apply/commands.js';
import { KvError } from '../../src/api/errors.js';
import { GroupState } from '../../src/server/group-state.js';
import { commandFootprint } from '../../src/server/groups.js';
import { checkClientTimestamp } from '../../src/kv/validate.js';
import { EntryType } from '../../src/raft/index.js';
import { NodeDb } from '../../src/storage/db.js';
import { FAMILY_MVCC } from '../../src/storage/keys.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const NOW_MS = 1_800_000_000_000;
const NOW = makeTimestamp(NOW_MS);
const HOUR = 3_600_000n << 16n;
const U64_MAX = (1n << 64n) - 1n;

describe('checkClientTimestamp (the API’s drift check)', () => {
  const clock = (): Hlc => new Hlc({ wallClockMs: () => NOW_MS, maxDriftMs: 500 });

  it.each([
    ['an hour ahead', NOW + HOUR],
    ['at the top of the 64-bit range', U64_MAX],
    ['just past the drift bound', makeTimestamp(NOW_MS + 501)],
  ])('refuses a timestamp %s with INVALID_ARGUMENT naming the field, and leaves the clock alone', (_, ts) => {
    const hlc = clock();
    const before = hlc.now();
    let err: unknown;
    try {
      checkClientTimestamp(hlc, 'start_ts', ts.toString());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KvError);
    expect((err as KvError).code).toBe('INVALID_ARGUMENT');
    expect((err as KvError).detail.field).toBe('start_ts');
    expect(hlc.peek()).toBe(before);
  });

  it('accepts a timestamp within the drift bound and moves the clock past it', () => {
    const hlc = clock();
    const ts = makeTimestamp(NOW_MS + 400, 7);
    expect(checkClientTimestamp(hlc, 'read_ts', ts.toString())).toBe(ts);
    expect(hlc.now() > ts).toBe(true);
  });

  it('refuses what is not an unsigned 64-bit integer', () => {
    expect(() => checkClientTimestamp(clock(), 'read_ts', '-1')).toThrow(/read_ts/);
    expect(() => checkClientTimestamp(clock(), 'read_ts', (U64_MAX + 1n).toString())).toThrow(/read_ts/);
    expect(() => checkClientTimestamp(clock(), 'read_ts', 'abc')).toThrow(/read_ts/);
  });
});

describe('clockViolation (apply’s bound)', () => {
  const base = { requestId: new Uint8Array(0), proposedTs: NOW };
  it.each<[string, KvCommand, boolean]>([
    ['a one-phase commit an hour ahead of its proposer', { ...base, kind: 'TXN', txn: { kind: 'ONE_PC', startTs: NOW + HOUR, mutations: [] } }, true],
    ['a commit at the end of the range', { ...base, kind: 'TXN', txn: { kind: 'COMMIT', startTs: NOW, commitTs: U64_MAX } }, true],
    ['a BUMP_TS an hour ahead', { ...base, kind: 'BUMP_TS', ts: NOW + HOUR }, true],
    [
      'an imported row an hour ahead',
      { ...base, kind: 'MIGRATION', migration: { kind: 'IMPORT', jobId: 1, attempt: 1, rows: [{ family: FAMILY_MVCC, key: enc('k'), ts: NOW + HOUR, value: enc('v'), tombstone: false, delete: false }] } },
      true,
    ],
    ['an Adopt whose release timestamp is an hour ahead', { ...base, kind: 'MIGRATION', migration: { kind: 'ADOPT', jobId: 1, attempt: 1, releaseTs: NOW + HOUR } }, true],
    ['a proposal at the end of the physical range', { ...base, proposedTs: U64_MAX - 5n, kind: 'WRITE', writes: [] }, true],
    ['a start timestamp just inside the bound', { ...base, kind: 'TXN', txn: { kind: 'ONE_PC', startTs: NOW + MAX_COMMAND_AHEAD, mutations: [] } }, false],
    ['a plain write', { ...base, kind: 'WRITE', writes: [{ key: enc('k'), value: enc('v') }] }, false],
  ])('%s: refused = %s', (_, cmd, refused) => {
    expect(clockViolation(cmd.proposedTs, commandFootprint(cmd)?.timestamps) !== undefined).toBe(refused);
  });
});

describe('a group’s clock under a timestamp from the future', () => {
  let dir: string;
  let db: NodeDb;
  let sm: GroupState;
  let index = 1;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferrykv-clock-'));
    db = await NodeDb.open(dir);
    const b = db.batch();
    GroupState.writeBootstrap(b, 2, { owned: new OwnershipMap([{ start: new Uint8Array(0), end: new Uint8Array(0), state: 'owned' }]) });
    await b.write({ sync: false });
    sm = await GroupState.open(db, 2);
    index = 1;
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const apply = async (c: KvCommand): Promise<KvResult> => {
    const i = ++index;
    return (await sm.applyEntries([{ index: i, term: 1, type: EntryType.Normal, data: encodeCommand(c) }])).get(i)!;
  };

  it('refuses a one-phase commit with start_ts an hour ahead, and later writes commit at the proposers’ clock', async () => {
    const res = await apply({ kind: 'TXN', requestId: enc('r1'), proposedTs: NOW, txn: { kind: 'ONE_PC', startTs: NOW + HOUR, mutations: [{ key: enc('k'), value: enc('x') }] } });
    expect(res.errorCode).toBe('INVALID_ARGUMENT');
    expect(await sm.mvcc.get(enc('k'), U64_MAX)).toBeUndefined();
    expect(sm.maxTs).toBe(0n);
    const w = await apply({ kind: 'WRITE', requestId: new Uint8Array(0), proposedTs: NOW + 5n, writes: [{ key: enc('k'), value: enc('y') }] });
    expect(w.commitTs).toBe(NOW + 5n);
    expect(physicalOf(sm.maxTs)).toBe(BigInt(NOW_MS));
  });

  it('refuses a BUMP_TS to the end of the range (the group stays writable)', async () => {
    const res = await apply({ kind: 'BUMP_TS', requestId: new Uint8Array(0), proposedTs: NOW, ts: U64_MAX });
    expect(res.errorCode).toBe('INVALID_ARGUMENT');
    const w = await apply({ kind: 'WRITE', requestId: new Uint8Array(0), proposedTs: NOW + 1n, writes: [{ key: enc('a'), value: enc('b') }] });
    expect(w.errorCode).toBeUndefined();
    expect(w.commitTs).toBe(NOW + 1n);
  });
});
