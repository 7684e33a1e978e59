// Bulk walks read LevelDB in rounds of BULK_SCAN.highWaterMarkBytes (1 MiB),
// not classic-level's default 16 KiB. Every round is a thread-pool call whose
// answer waits for the event loop: with 1 KB versions and a busy loop, one
// MVCC_GC step (10,000 versions) took 450-600 ms in 16 KiB rounds, applied
// inside the ready-loop turn on every replica, and every group of the node
// waited for it (issue 19's head-of-line run: put p99 70 ms → 0.9-1.4 s).
// The rounds are classic-level's; what this checks is that the walks ask for
// the large ones, and that the walks still see every version.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BULK_SCAN, NodeDb } from '../../src/storage/db.js';
import { MvccStore } from '../../src/storage/mvcc-store.js';

const key = (i: number): Uint8Array => new TextEncoder().encode(`k/${String(i).padStart(5, '0')}`);
let dir: string;
let db: NodeDb;
let store: MvccStore;
/** The options of every iterator the store opened (iterator() and keys()). */
let opened: Record<string, unknown>[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferrykv-bulk-scan-'));
  db = await NodeDb.open(dir);
  store = new MvccStore(db, 1);
  const b = db.batch();
  // 300 keys, three versions each, 1 KB values: ~900 KB, many 16 KiB rounds.
  for (let i = 0; i < 300; i++) for (const ts of [10n, 20n, 30n]) store.putVersion(b, key(i), ts, new Uint8Array(1000).fill(i % 256));
  await b.write({ sync: false });
  opened = [];
  const level = db.level as unknown as Record<'iterator' | 'keys', (o: Record<string, unknown>) => unknown>;
  for (const name of ['iterator', 'keys'] as const) {
    const real = level[name].bind(db.level);
    level[name] = (o: Record<string, unknown>) => {
      opened.push(o);
      return real(o);
    };
  }
});
afterEach(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const bulk = (o: Record<string, unknown>): boolean => (o.highWaterMarkBytes as number | undefined ?? 0) >= BULK_SCAN.highWaterMarkBytes;

describe('bulk walks read in large rounds', () => {
  it('an MVCC GC step scans in 1 MiB rounds and still collects every shadowed version', async () => {
    const b = db.batch();
    const res = await store.gc(b, 25n, { maxVersions: 10_000, maxScanned: 100_000 });
    await b.write({ sync: false });
    expect(res.deleted).toBe(300); // each key's version at 10 is shadowed by the one at 20 (visible at 25)
    expect(opened.length).toBeGreaterThan(0);
    expect(opened.every(bulk)).toBe(true);
  });

  it('a GC step bounded in scanned bytes stops at a key boundary, and its steps together collect what one unbounded step does', async () => {
    let cursor: Uint8Array | undefined;
    let deleted = 0;
    let steps = 0;
    do {
      const b = db.batch();
      const res = await store.gc(b, 25n, { maxVersions: 10_000, maxScanned: 100_000, maxScannedBytes: 64 << 10, ...(cursor ? { cursor } : {}) });
      await b.write({ sync: false });
      // 64 KiB is about 60 versions of 1 KB, 20 keys of three versions: at most one shadowed version each.
      expect(res.deleted).toBeLessThanOrEqual(25);
      deleted += res.deleted;
      cursor = res.cursor;
      steps++;
    } while (cursor !== undefined && steps < 100);
    expect(cursor).toBeUndefined();
    expect(steps).toBeGreaterThan(10);
    expect(deleted).toBe(300);
  });

  it('an export walks in 1 MiB rounds and returns every version', async () => {
    const c = await store.export({ maxBytes: 16 << 20, maxScannedBytes: 16 << 20 });
    expect(c.rows.length).toBe(900);
    expect(opened.every(bulk)).toBe(true);
  });

  it('clearing a range walks its keys in 1 MiB rounds and deletes them all', async () => {
    const b = db.batch();
    const res = await store.clearRange(b, { maxVersions: 10_000 });
    await b.write({ sync: false });
    expect(res.deleted).toBe(900);
    expect(opened.every(bulk)).toBe(true);
  });
});
