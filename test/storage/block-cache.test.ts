// Foreground reads fill LevelDB's block cache (defect: after one 4 MiB value
// and a memtable flush, a Batch of 5,000 gets took 4.5-14 s with the nodes
// idle: classic-level iterators default to fillCache: false, so every point
// read re-read and re-decompressed its blocks from the files). Shown by the
// cache's own accounting: LevelDB's approximate memory usage counts the block
// cache, and grows when point reads of a cold store cache what they read
// (blocks LevelDB had to decompress; the defect's value was compressible).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeDb } from '../../src/storage/db.js';
import { FAMILY_MVCC } from '../../src/storage/keys.js';
import { MvccStore } from '../../src/storage/mvcc-store.js';

const MAX = (1n << 64n) - 1n;
const key = (i: number): Uint8Array => new TextEncoder().encode(`k/${String(i).padStart(5, '0')}`);
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferrykv-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function cacheAndMemtables(db: NodeDb): number {
  return Number((db.level as unknown as { getProperty(p: string): string }).getProperty('leveldb.approximate-memory-usage'));
}

describe('the block cache', () => {
  it('point reads, getMany and scans fill it (a cold store’s usage grows by what they read)', async () => {
    let db = await NodeDb.open(dir);
    const m = new MvccStore(db, 1, FAMILY_MVCC);
    const b = db.batch();
    // Compressible values, like the defect's 4 MiB value: LevelDB caches the blocks it had to decompress
    // (uncompressed blocks are read through mmap and never cached).
    for (let i = 0; i < 5000; i++) m.putVersion(b, key(i), 10n, new Uint8Array(200).fill(i % 256)); // ~1 MB: many blocks
    await b.write({ sync: true });
    await db.level.compactRange(Uint8Array.of(0), Uint8Array.of(0xff)); // into table files
    await db.close();
    for (const read of ['get', 'getMany', 'scan'] as const) {
      db = await NodeDb.open(dir); // a cold cache
      const store = new MvccStore(db, 1, FAMILY_MVCC);
      const before = cacheAndMemtables(db);
      if (read === 'get') for (let i = 0; i < 5000; i += 10) await store.get(key(i), MAX);
      if (read === 'getMany') await store.getMany(Array.from({ length: 500 }, (_, i) => key(i * 10)), MAX);
      if (read === 'scan') await store.scan({ readTs: MAX, limit: 5000 });
      const grew = cacheAndMemtables(db) - before;
      // 500 reads spread over ~1 MB of blocks cache a good part of them.
      expect(grew, read).toBeGreaterThan(100_000);
      await db.close();
    }
  });
});
