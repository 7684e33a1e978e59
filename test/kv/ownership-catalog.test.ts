// A group serves only what its applied ownership map says; the default group
// applies route catalog commands, persists them and tells watchers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RouteCatalog } from '../../src/routing/catalog.js';
import { OwnershipMap } from '../../src/distribution/ownership.js';
import { encodeCommand, type KvCommand, type KvResult } from '../../src/apply/commands.js';
import type { CatalogEvent } from '../../src/distribution/catalog-state.js';
import { GroupState } from '../../src/server/group-state.js';
import { EntryType, type Entry } from '../../src/raft/index.js';
import { NodeDb } from '../../src/storage/db.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const E = new Uint8Array(0);
const MAX = (1n << 64n) - 1n;

let dir: string;
let db: NodeDb;
let index = 1;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferrykv-own-'));
  db = await NodeDb.open(dir);
  index = 1;
});
afterEach(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const initial = RouteCatalog.bootstrap([
  { start: E, end: enc('m'), groupId: 1 },
  { start: enc('m'), end: E, groupId: 2 },
]).image();

async function open(group: number): Promise<GroupState> {
  const b = db.batch();
  GroupState.writeBootstrap(b, group, { owned: OwnershipMap.ofGroup(initial.routes, group), ...(group === 1 ? { catalog: initial } : {}) });
  await b.write({ sync: false });
  return GroupState.open(db, group);
}

async function apply(sm: GroupState, ...cmds: Omit<KvCommand, 'proposedTs'>[]): Promise<KvResult[]> {
  const es: Entry[] = cmds.map((c) => ({ index: ++index, term: 1, type: EntryType.Normal, data: encodeCommand({ proposedTs: 0n, ...c }) }));
  const res = await sm.applyEntries(es);
  return es.map((e) => res.get(e.index)!);
}

const put = (k: string, rid = ''): Omit<KvCommand, 'proposedTs'> => ({ kind: 'WRITE', requestId: enc(rid), writes: [{ key: enc(k), value: enc('v') }] });

describe('ownership at apply', () => {
  it('rejects writes outside the group with NOT_OWNER and the owned interval, writing nothing (not even the request id)', async () => {
    const sm = await open(2); // serves [m, +∞)
    const [outside, inside, mixed] = await apply(sm, put('a', 'r1'), put('x'), {
      kind: 'WRITE',
      requestId: E,
      writes: [
        { key: enc('n'), value: enc('1') },
        { key: enc('b'), value: enc('2') },
      ],
    });
    expect(outside).toMatchObject({ errorCode: 'NOT_OWNER', commitTs: 0n });
    expect(outside!.owned).toBeUndefined(); // 'a' is in no interval of group 2
    expect(inside!.errorCode).toBeUndefined();
    expect(mixed!.errorCode).toBe('NOT_OWNER');
    expect(await sm.mvcc.get(enc('a'), MAX)).toBeUndefined();
    expect(await sm.mvcc.get(enc('n'), MAX)).toBeUndefined(); // atomic: nothing of the batch
    // The rejected id was not remembered: were the key served later, its retry would apply.
    const [again] = await apply(sm, put('a', 'r1'));
    expect(again!.errorCode).toBe('NOT_OWNER');
  });

  it('checks the whole footprint of a DeleteRange and a CAS', async () => {
    const sm = await open(1); // serves [, m)
    const [dr, ok, cas] = await apply(
      sm,
      { kind: 'DELETE_RANGE', requestId: E, start: enc('a'), end: enc('z'), maxKeys: 10 },
      { kind: 'DELETE_RANGE', requestId: E, start: enc('a'), end: enc('m'), maxKeys: 10 },
      { kind: 'CAS', requestId: E, key: enc('q'), expectAbsent: true, value: enc('v') },
    );
    expect(dr).toMatchObject({ errorCode: 'NOT_OWNER', owned: { start: E, end: enc('m') } });
    expect(ok!.errorCode).toBeUndefined();
    expect(cas!.errorCode).toBe('NOT_OWNER');
  });
});

describe('route catalog in the default group', () => {
  it('lives in the default group only: another group holds no catalog or job records and refuses their commands', async () => {
    const sm = await open(2);
    expect(sm.catalog).toBeUndefined();
    expect(sm.splitJobs.size).toBe(0);
    const [cat, job] = await apply(
      sm,
      { kind: 'CATALOG', requestId: E, catalog: { kind: 'SPLIT', splitKey: enc('q') } },
      { kind: 'JOB', requestId: E, job: { kind: 'CREATE', recordJson: '{}' } },
    );
    expect(cat).toMatchObject({ errorCode: 'INVALID_ARGUMENT' });
    expect(cat!.errorMessage).toMatch(/group 2 holds no route catalog/);
    expect(job).toMatchObject({ errorCode: 'INVALID_ARGUMENT' });
    expect(job!.errorMessage).toMatch(/group 2 holds no job records/);
    // The default group, opened the same way, holds both.
    const d = await open(1);
    expect(d.catalog?.list().length).toBe(2);
  });

  it('applies splits, persists them, announces deltas and survives a reopen', async () => {
    const sm = await open(1);
    const events: CatalogEvent[] = [];
    sm.onCatalogChange((e) => events.push(e));
    const [s1, again, bad, s2] = await apply(
      sm,
      { kind: 'CATALOG', requestId: E, catalog: { kind: 'SPLIT', splitKey: enc('f') } },
      { kind: 'CATALOG', requestId: E, catalog: { kind: 'SPLIT', splitKey: enc('f') } },
      { kind: 'CATALOG', requestId: E, catalog: { kind: 'SPLIT', splitKey: E } },
      { kind: 'CATALOG', requestId: E, catalog: { kind: 'SPLIT', splitKey: enc('t'), expectedVersion: 2 } },
    );
    expect(s1).toMatchObject({ catalogVersion: 2, succeeded: true });
    expect(s1!.routes!.map((r) => [Buffer.from(r.start).toString(), Buffer.from(r.end).toString(), r.groupId])).toEqual([
      ['', 'f', 1],
      ['f', 'm', 1],
    ]);
    expect(again).toMatchObject({ catalogVersion: 2, succeeded: false }); // idempotent no-op
    expect(again!.errorCode).toBeUndefined();
    expect(bad).toMatchObject({ errorCode: 'INVALID_ARGUMENT' });
    expect(s2).toMatchObject({ catalogVersion: 3 });
    expect(sm.catalog!.list().map((r) => Buffer.from(r.start).toString())).toEqual(['', 'f', 'm', 't']);
    expect(events.map((e) => [e.version, e.reset, e.routes.length])).toEqual([
      [2, false, 2],
      [3, false, 2],
    ]);
    expect(sm.catalogChangesSince(1)!.map((e) => e.version)).toEqual([2, 3]);
    expect(sm.catalogChangesSince(3)).toEqual([]);
    // Ownership is unchanged by a split inside one group.
    expect(sm.ownership.check(enc('g'))).toBeUndefined();
    const reopened = await GroupState.open(db, 1);
    expect(reopened.catalog!.version).toBe(3);
    expect(reopened.catalog!.list()).toHaveLength(4);
    expect(reopened.catalogChangesSince(1)).toBeUndefined(); // history is memory only: a watcher gets a reset
  });

  it('refuses catalog commands in a group without the catalog', async () => {
    const sm = await open(2);
    const [r] = await apply(sm, { kind: 'CATALOG', requestId: E, catalog: { kind: 'SPLIT', splitKey: enc('x') } });
    expect(r!.errorCode).toBe('INVALID_ARGUMENT');
  });
});
