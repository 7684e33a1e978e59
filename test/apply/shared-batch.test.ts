// Cross-group batching of applies (issue 19): the groups applying in one host
// turn put their effects and state into one SharedBatch that the host writes
// once. Nothing is in storage before that write; a pass that must read what it
// wrote flushes the batch (and only its own writes make it flush); results are
// the same as with a write per group.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeCommand, type KvCommand } from '../../src/apply/commands.js';
import { OwnershipMap } from '../../src/distribution/ownership.js';
import { EntryType, type Entry } from '../../src/raft/index.js';
import { GroupState } from '../../src/server/group-state.js';
import { NodeDb, SharedBatch } from '../../src/storage/db.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const MAX = (1n << 64n) - 1n;

let dir: string;
let db: NodeDb;
const groups = new Map<number, { sm: GroupState; index: number }>();

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferrykv-shared-'));
  db = await NodeDb.open(dir);
  for (const g of [2, 3]) {
    const b = db.batch();
    GroupState.writeBootstrap(b, g, { owned: new OwnershipMap([{ start: new Uint8Array(0), end: new Uint8Array(0), state: 'owned' }]) });
    await b.write({ sync: false });
    groups.set(g, { sm: await GroupState.open(db, g), index: 1 });
  }
});
afterEach(async () => {
  groups.clear();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

function entries(g: number, ...cmds: Omit<KvCommand, 'proposedTs'>[]): Entry[] {
  const x = groups.get(g)!;
  return cmds.map((c) => ({ index: ++x.index, term: 1, type: EntryType.Normal, data: encodeCommand({ proposedTs: 0n, ...c }) }));
}
const put = (k: string, v: string): Omit<KvCommand, 'proposedTs'> => ({ kind: 'WRITE', requestId: enc(''), writes: [{ key: enc(k), value: enc(v) }] });
const cas = (k: string, expected: string, v: string): Omit<KvCommand, 'proposedTs'> => ({ kind: 'CAS', requestId: enc(''), key: enc(k), expected: enc(expected), value: enc(v) });
const read = async (g: number, k: string): Promise<string | undefined> => {
  const v = await groups.get(g)!.sm.mvcc.get(enc(k), MAX);
  return v ? dec(v.value) : undefined;
};

describe('applies of many groups in one write', () => {
  it('two groups apply into one batch: nothing is stored before its one write, both groups\' effects and applied indexes after', async () => {
    const w = new SharedBatch(db);
    const e2 = entries(2, put('a', '2'));
    const e3 = entries(3, put('a', '3'));
    const before = groups.get(2)!.sm.appliedIndex();
    await groups.get(2)!.sm.applyEntries(e2, w);
    await groups.get(3)!.sm.applyEntries(e3, w);
    expect(await read(2, 'a')).toBeUndefined();
    expect(await read(3, 'a')).toBeUndefined();
    // Nothing is in storage yet: a reader waiting for the index must not be let through.
    expect(groups.get(2)!.sm.appliedIndex()).toBe(before);
    await w.flush();
    expect(w.writes).toBe(1);
    groups.get(2)!.sm.afterWrite();
    expect(groups.get(2)!.sm.appliedIndex()).toBe(e2[0]!.index);
    expect(await read(2, 'a')).toBe('2');
    expect(await read(3, 'a')).toBe('3');
    // The applied index went with the effects: a reopened group resumes after them.
    expect((await GroupState.open(db, 2)).applied).toBe(e2[0]!.index);
    expect((await GroupState.open(db, 3)).applied).toBe(e3[0]!.index);
  });

  it('a pass flushes only for its own writes: a CAS after another group\'s put of the same key does not, one after its own does and sees it', async () => {
    const w = new SharedBatch(db);
    await groups.get(2)!.sm.applyEntries(entries(2, put('k', 'v1')), w);
    // Group 3's key k is its own (absent): group 2's put in the batch is not group 3's to read.
    const miss = await groups.get(3)!.sm.applyEntries(entries(3, cas('k', 'v1', 'x')), w);
    expect([...miss.values()][0]!.succeeded).toBe(false);
    expect(w.writes).toBe(0);
    // Group 3 writes k, then a CAS reads it: the batch is written first (with group 2's put).
    const es = entries(3, put('k', 'v1'), cas('k', 'v1', 'v2'));
    const res = await groups.get(3)!.sm.applyEntries(es, w);
    expect(res.get(es[1]!.index)!.succeeded).toBe(true);
    expect(w.writes).toBe(1);
    expect(await read(2, 'k')).toBe('v1'); // landed with the flush
    expect(await read(3, 'k')).toBe('v1'); // the CAS's own write waits for the turn's write
    await w.flush();
    expect(w.writes).toBe(2);
    expect(await read(3, 'k')).toBe('v2');
  });

  it('without a shared batch, an apply writes its own (standalone use)', async () => {
    await groups.get(2)!.sm.applyEntries(entries(2, put('s', 'v')));
    expect(await read(2, 's')).toBe('v');
  });
});
