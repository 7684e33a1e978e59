import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeCommand, type KvCommand, type KvResult } from '../../src/apply/commands.js';
import { OwnershipMap } from '../../src/distribution/ownership.js';
import { GroupState } from '../../src/server/group-state.js';
import { EntryType, type Entry } from '../../src/raft/index.js';
import { NodeDb } from '../../src/storage/db.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const MAX = (1n << 64n) - 1n;

let dir: string;
let db: NodeDb;
let sm: GroupState;
let index = 1; // index 1 is the bootstrap snapshot

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferrykv-sm-'));
  db = await NodeDb.open(dir);
  // The group serves the whole key space (ownership is tested in ownership-catalog.test.ts).
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

function entry(cmd: Omit<KvCommand, 'proposedTs'> & { proposedTs?: bigint }): Entry {
  return { index: ++index, term: 1, type: EntryType.Normal, data: encodeCommand({ proposedTs: 0n, ...cmd }) };
}

async function apply(...cmds: (Omit<KvCommand, 'proposedTs'> & { proposedTs?: bigint })[]): Promise<KvResult[]> {
  const es = cmds.map(entry);
  const res = await sm.applyEntries(es);
  return es.map((e) => res.get(e.index)!);
}

const put = (k: string, v: string, rid = '', proposedTs = 0n): Omit<KvCommand, 'proposedTs'> & { proposedTs: bigint } => ({
  kind: 'WRITE',
  requestId: enc(rid),
  proposedTs,
  writes: [{ key: enc(k), value: enc(v) }],
});

describe('KV state machine', () => {
  it('assigns commit timestamps that rise in log order whatever the proposers’ clocks say', async () => {
    const [a, b, c] = await apply(put('k', '1', '', 1000n), put('k', '2', '', 10n), put('k', '3', '', 5000n));
    expect(a!.commitTs).toBe(1000n);
    expect(b!.commitTs).toBe(1001n); // proposer clock behind: max + 1
    expect(c!.commitTs).toBe(5000n);
    expect(dec((await sm.mvcc.get(enc('k'), MAX))!.value)).toBe('3');
    expect(sm.maxTs).toBe(5000n);
  });

  it('applies a request id once: a retry returns the stored result and writes nothing', async () => {
    const [first] = await apply(put('k', 'a', 'rid-1', 100n));
    const [again] = await apply(put('k', 'b', 'rid-1', 200n));
    expect(again!.commitTs).toBe(first!.commitTs);
    expect(dec((await sm.mvcc.get(enc('k'), MAX))!.value)).toBe('a');
    // Also within one apply pass.
    const [x, y] = await apply(put('j', 'x', 'rid-2', 300n), put('j', 'y', 'rid-2', 400n));
    expect(y!.commitTs).toBe(x!.commitTs);
    expect(dec((await sm.mvcc.get(enc('j'), MAX))!.value)).toBe('x');
  });

  it('compare-and-swap sees writes applied earlier in the same pass', async () => {
    const [, ok, miss] = await apply(
      put('c', 'v1', '', 10n),
      { kind: 'CAS', requestId: enc(''), key: enc('c'), expected: enc('v1'), value: enc('v2') },
      { kind: 'CAS', requestId: enc(''), key: enc('c'), expected: enc('v1'), value: enc('v3') },
    );
    expect(ok!.succeeded).toBe(true);
    expect(miss!.succeeded).toBe(false);
    expect(dec(miss!.current)).toBe('v2');
  });

  it('skips entries at or below the stored applied index (after a snapshot ingest)', async () => {
    await apply(put('k', 'new', '', 10n));
    const replay: Entry = { index: 2, term: 1, type: EntryType.Normal, data: encodeCommand({ ...put('k', 'old'), proposedTs: 1n }) };
    await sm.applyEntries([replay]);
    expect(dec((await sm.mvcc.get(enc('k'), MAX))!.value)).toBe('new');
  });

  it('forgets request ids older than the retention point in bounded batches, keeping newer ones', async () => {
    const old: ReturnType<typeof put>[] = [];
    for (let i = 0; i < 25; i++) old.push(put(`o${i}`, 'v', `old-${i}`, 100n + BigInt(i)));
    await apply(...old);
    const [young] = await apply(put('y', 'v', 'young', 10_000n));
    let after: Uint8Array = new Uint8Array(0);
    let deleted = 0;
    let rounds = 0;
    for (;;) {
      const [r] = await apply({ kind: 'DEDUP_GC', requestId: enc(''), ts: 5000n, start: after, maxKeys: 7 });
      deleted += r!.deleted;
      rounds++;
      if (!r!.more) break;
      after = r!.resumeKey;
    }
    expect(deleted).toBe(25);
    expect(rounds).toBeGreaterThan(3);
    // A forgotten id applies again (it is past retention); a kept one still dedups.
    const [again] = await apply(put('o0', 'second', 'old-0', 20_000n));
    expect(again!.commitTs).toBe(20_000n);
    expect(dec((await sm.mvcc.get(enc('o0'), MAX))!.value)).toBe('second');
    const [retry] = await apply(put('y', 'changed', 'young', 30_000n));
    expect(retry!.commitTs).toBe(young!.commitTs);
    expect(dec((await sm.mvcc.get(enc('y'), MAX))!.value)).toBe('v');
  });

  it('reopens with the applied index and closed timestamp it wrote', async () => {
    await apply(put('k', 'v', '', 777n));
    const applied = sm.appliedIndex();
    const reopened = await GroupState.open(db, 2);
    expect(reopened.appliedIndex()).toBe(applied);
    expect(reopened.maxTs).toBe(777n);
  });
});
