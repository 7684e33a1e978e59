// What a node's data directory must be before ferrykv uses it (defect: a node
// started on a dir of random files, or one whose LevelDB files were random
// bytes, came up as a brand-new store and lost acknowledged writes).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeDb, StorageError } from '../../src/storage/db.js';
import { decodeIdentity, encodeIdentity, newStoreId, readIdentity, readPeerStores, writeIdentity, writePeerStore } from '../../src/storage/identity.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferrykv-dbopen-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(path: string): Promise<StorageError> {
  const err = await NodeDb.open(path).then(
    async (db) => {
      await db.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StorageError);
  return err as StorageError;
}

async function storeWithData(path: string): Promise<void> {
  const db = await NodeDb.open(path);
  const b = db.batch();
  for (let i = 0; i < 2000; i++) b.put(Uint8Array.of(0x04, i >> 8, i & 0xff), randomBytes(200));
  await b.write({ sync: true });
  await db.close();
}

describe('opening a data directory', () => {
  it('creates a new store in a missing or empty directory', async () => {
    for (const path of [join(dir, 'missing'), mkdtempSync(join(dir, 'empty-'))]) {
      const db = await NodeDb.open(path);
      await db.close();
      // And opens it again.
      await (await NodeDb.open(path)).close();
    }
  });

  it('refuses a directory of other files, naming some of them', async () => {
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    mkdirSync(join(dir, 'photos'));
    const err = await refusal(dir);
    expect(err.code).toBe('FORMAT_MISMATCH');
    expect(err.message).toMatch(/not a ferrykv data directory/);
    expect(err.message).toMatch(/notes\.txt/);
  });

  it('refuses a LevelDB whose files are random bytes, with LevelDB’s reason or because it opened empty', async () => {
    await storeWithData(dir);
    for (const f of readdirSync(dir)) {
      if (/\.(ldb|log)$|^MANIFEST/.test(f)) writeFileSync(join(dir, f), randomBytes(Math.max(64, statSync(join(dir, f)).size)));
    }
    const err = await refusal(dir);
    expect(err.code).toBe('CORRUPT');
    expect(err.message).toMatch(/LevelDB could not open it: .+|holds no ferrykv data/);
  });

  it('refuses a LevelDB whose MANIFEST is damaged, quoting LevelDB', async () => {
    await storeWithData(dir);
    for (const f of readdirSync(dir)) if (f.startsWith('MANIFEST')) writeFileSync(join(dir, f), randomBytes(4096));
    const err = await refusal(dir);
    expect(err.code).toBe('CORRUPT');
    expect(err.message).toMatch(/LevelDB could not open it: .*(orrupt|not a|invalid|MANIFEST)/i);
  });
});

describe('store identity', () => {
  it('round-trips the record and refuses a damaged one', () => {
    const id = { clusterId: 'c0ffee', nodeId: 3, storeId: newStoreId(), replaces: newStoreId(), replacing: true, createdAtMs: 1_700_000_000_000 };
    expect(decodeIdentity(encodeIdentity(id))).toEqual(id);
    const plain = { ...id, replaces: new Uint8Array(0), replacing: false };
    expect(decodeIdentity(encodeIdentity(plain))).toEqual(plain);
    expect(() => decodeIdentity(encodeIdentity(id).subarray(0, 10))).toThrow(/truncated/);
    expect(() => decodeIdentity(Uint8Array.of(9))).toThrow(/unknown version/);
  });

  it('persists the identity and the peers’ store ids across reopen', async () => {
    const db = await NodeDb.open(dir);
    expect(await readIdentity(db)).toBeUndefined();
    const id = { clusterId: 'abc', nodeId: 1, storeId: newStoreId(), replaces: new Uint8Array(0), replacing: false, createdAtMs: 5 };
    await writeIdentity(db, id);
    const peer = newStoreId();
    await writePeerStore(db, 2, peer);
    await db.close();
    const again = await NodeDb.open(dir);
    expect(await readIdentity(again)).toEqual(id);
    expect((await readPeerStores(again)).get(2)).toEqual(peer);
    await again.close();
  });
});
