// Replica leaves for migration VERIFY (versions at or below the floor) leave
// out the keys they are told to: keys locked in the source's frozen copy,
// whose locks the target may resolve below the floor (MIGRATION.md VERIFY).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { OwnershipMap } from '../../src/distribution/ownership.js';
import { encodeCommand, type KvCommand } from '../../src/apply/commands.js';
import { GroupState } from '../../src/server/group-state.js';
import { EntryType } from '../../src/raft/index.js';
import { NodeDb } from '../../src/storage/db.js';
import { buildTree, root } from '../../src/verify/merkle.js';
import { replicaLeaves } from '../../src/verify/replica-check.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const E: Uint8Array = new Uint8Array(0);
let dirs: string[] = [];
let dbs: NodeDb[] = [];

async function replica(writes: [string, bigint][]): Promise<GroupState> {
  const dir = mkdtempSync(join(tmpdir(), 'ferrykv-leaves-'));
  dirs.push(dir);
  const db = await NodeDb.open(dir);
  dbs.push(db);
  const b = db.batch();
  GroupState.writeBootstrap(b, 1, { owned: new OwnershipMap([{ start: E, end: E, state: 'owned' }]) });
  await b.write({ sync: false });
  const sm = await GroupState.open(db, 1);
  let i = 1;
  for (const [k, ts] of writes) {
    const c: KvCommand = { kind: 'WRITE', requestId: E, proposedTs: ts, writes: [{ key: enc(k), value: enc(`${k}@${ts}`) }] };
    await sm.applyEntries([{ index: ++i, term: 1, type: EntryType.Normal, data: encodeCommand(c) }]);
  }
  return sm;
}

beforeEach(() => {
  dirs = [];
  dbs = [];
});
afterEach(async () => {
  for (const db of dbs) await db.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

it('two copies that differ only in an excluded key hash to the same root; without the exclusion they differ', async () => {
  const source = await replica([['a', 10n], ['b', 20n], ['c', 30n]]);
  // The target also resolved a lock on b below the floor: one more version of b.
  const target = await replica([['a', 10n], ['b', 20n], ['b', 25n], ['c', 30n]]);
  const leaves = async (sm: GroupState, exclude?: ReadonlySet<string>): Promise<Buffer> => {
    const snapshot = sm.db.level.snapshot();
    try {
      const l = await replicaLeaves(sm, snapshot, { start: E, end: E, readTs: 100n, upTo: true, ...(exclude ? { exclude } : {}) });
      return root(buildTree(l.hashes));
    } finally {
      await snapshot.close();
    }
  };
  expect((await leaves(source)).equals(await leaves(target))).toBe(false);
  const skip = new Set([Buffer.from('b').toString('hex')]);
  expect((await leaves(source, skip)).equals(await leaves(target, skip))).toBe(true);
});
