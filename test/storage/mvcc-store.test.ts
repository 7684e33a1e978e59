import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeDb } from '../../src/storage/db.js';
import { MvccStore } from '../../src/storage/mvcc-store.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

let dir: string;
let db: NodeDb;
let store: MvccStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferrykv-mvcc-unit-'));
  db = await NodeDb.open(dir);
  store = new MvccStore(db, 1);
});
afterEach(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function write(ops: [string, bigint, string | null][]): Promise<void> {
  const b = db.batch();
  for (const [k, ts, v] of ops) {
    if (v === null) store.deleteVersion(b, enc(k), ts);
    else store.putVersion(b, enc(k), ts, enc(v));
  }
  await b.write({ sync: false });
}

async function versionsOf(key: string): Promise<string[]> {
  const out: string[] = [];
  let cursor: Uint8Array | undefined;
  for (;;) {
    const c = await store.export({ cursor, maxBytes: 1 << 20, maxScannedBytes: 1 << 20 });
    for (const r of c.rows) if (dec(r.key) === key) out.push(`${r.ts}:${r.value === null ? '∅' : dec(r.value)}`);
    if (c.done) return out;
    cursor = c.cursor;
  }
}

describe('MVCC reads', () => {
  it('a read at ts sees the newest version at or below ts; a tombstone hides the key', async () => {
    await write([
      ['k', 10n, 'a'],
      ['k', 20n, null],
      ['k', 30n, 'c'],
    ]);
    const cases: [bigint, string | undefined][] = [
      [5n, undefined],
      [10n, 'a'],
      [19n, 'a'],
      [20n, undefined],
      [29n, undefined],
      [30n, 'c'],
      [1000n, 'c'],
    ];
    for (const [ts, want] of cases) {
      const got = await store.get(enc('k'), ts);
      expect(got ? dec(got.value) : undefined, `read at ${ts}`).toBe(want);
    }
  });

  it('scans honour bounds, limit, reverse and the read timestamp', async () => {
    await write([
      ['a', 1n, 'a1'],
      ['b', 1n, 'b1'],
      ['b', 5n, 'b5'],
      ['c', 1n, 'c1'],
      ['c', 3n, null],
      ['d', 9n, 'd9'],
    ]);
    const keys = async (o: Parameters<MvccStore['scan']>[0]): Promise<string[]> =>
      (await store.scan(o)).map((kv) => `${dec(kv.key)}=${dec(kv.value)}`);
    expect(await keys({ readTs: 4n })).toEqual(['a=a1', 'b=b1']);
    expect(await keys({ readTs: 10n })).toEqual(['a=a1', 'b=b5', 'd=d9']);
    expect(await keys({ readTs: 10n, reverse: true })).toEqual(['d=d9', 'b=b5', 'a=a1']);
    expect(await keys({ readTs: 10n, start: enc('b'), end: enc('d') })).toEqual(['b=b5']);
    expect(await keys({ readTs: 10n, reverse: true, limit: 2 })).toEqual(['d=d9', 'b=b5']);
    expect(await keys({ readTs: 2n, start: enc('c') })).toEqual(['c=c1']);
    expect(await keys({ readTs: 10n, start: enc('d'), end: enc('a') })).toEqual([]);
  });
});

describe('MVCC GC', () => {
  it('keeps the newest version at or below the safe point and everything above it', async () => {
    await write([
      ['k', 1n, 'v1'],
      ['k', 2n, 'v2'],
      ['k', 3n, 'v3'],
      ['k', 9n, 'v9'],
    ]);
    const b = db.batch();
    const r = await store.gc(b, 5n, { maxVersions: 100 });
    await b.write({ sync: false });
    expect(r.cursor).toBeUndefined();
    expect(r.deleted).toBe(2);
    expect(await versionsOf('k')).toEqual(['9:v9', '3:v3']);
  });

  it('removes a tombstone at or below the safe point with every older version', async () => {
    await write([
      ['k', 1n, 'v1'],
      ['k', 2n, 'v2'],
      ['k', 4n, null],
    ]);
    const b = db.batch();
    await store.gc(b, 5n, { maxVersions: 100 });
    await b.write({ sync: false });
    expect(await versionsOf('k')).toEqual([]);
  });

  it('never resurrects an older version between bounded batches', async () => {
    await write([
      ['k', 1n, 'v1'],
      ['k', 2n, 'v2'],
      ['k', 3n, 'v3'],
      ['k', 4n, null],
    ]);
    let cursor: Uint8Array | undefined;
    let rounds = 0;
    do {
      const b = db.batch();
      const r = await store.gc(b, 5n, { cursor, maxVersions: 1 });
      await b.write({ sync: false });
      cursor = r.cursor;
      // After every batch the key is still deleted at the safe point.
      expect(await store.get(enc('k'), 5n)).toBeUndefined();
      rounds++;
    } while (cursor);
    expect(rounds).toBeGreaterThan(1);
    expect((await versionsOf('k')).filter((v) => v !== '4:∅')).toEqual([]);
  });
});

describe('MVCC GC over kept intervals', () => {
  it('skip() passes over an interval with a seek (its versions stay, none of them is scanned) and collects on both sides, in bounded batches too', async () => {
    const ops: [string, bigint, string | null][] = [];
    for (const k of ['a', 'b', 'm1', 'm2', 'm3', 'x', 'y']) for (let ts = 1n; ts <= 3n; ts++) ops.push([k, ts, `${k}${ts}`]);
    await write(ops);
    const asked: string[] = [];
    const skip = (key: Uint8Array): Uint8Array | undefined => {
      asked.push(dec(key));
      return dec(key) >= 'm' && dec(key) < 'n' ? enc('n') : undefined;
    };
    const b = db.batch();
    const r = await store.gc(b, 5n, { maxVersions: 100, skip });
    await b.write({ sync: false });
    expect(r.cursor).toBeUndefined();
    expect(r.deleted).toBe(8); // two old versions of each of a, b, x, y
    expect(asked).toEqual(['a', 'b', 'm1', 'x', 'y']); // m2 and m3 were never visited
    for (const k of ['a', 'b', 'x', 'y']) expect(await versionsOf(k)).toEqual([`3:${k}3`]);
    for (const k of ['m1', 'm2', 'm3']) expect(await versionsOf(k)).toEqual([`3:${k}3`, `2:${k}2`, `1:${k}1`]);

    // Bounded batches resume across the kept interval, and an interval to the end stops the sweep.
    await write([
      ['a', 4n, 'a4'],
      ['y', 4n, 'y4'],
    ]);
    let cursor: Uint8Array | undefined;
    let deleted = 0;
    let rounds = 0;
    do {
      const bb = db.batch();
      const rr = await store.gc(bb, 5n, { ...(cursor ? { cursor } : {}), maxVersions: 1, skip: (key) => (dec(key) >= 'm' ? (dec(key) < 'n' ? enc('n') : undefined) : undefined) });
      await bb.write({ sync: false });
      cursor = rr.cursor;
      deleted += rr.deleted;
      rounds++;
    } while (cursor && rounds < 20);
    expect(cursor).toBeUndefined();
    expect(deleted).toBe(2);
    await write([['y', 5n, 'y5']]);
    const bEnd = db.batch();
    const end = await store.gc(bEnd, 9n, { maxVersions: 100, skip: (key) => (dec(key) >= 'm' ? new Uint8Array(0) : undefined) });
    await bEnd.write({ sync: false });
    expect(end).toEqual({ deleted: 0, cursor: undefined }); // y4 is shadowed at 9, but kept: nothing from m on is visited
    expect(await versionsOf('y')).toEqual(['5:y5', '4:y4']);
  });
});

describe('MVCC export and import', () => {
  it('resumes strictly after the cursor, even inside one key’s long history', async () => {
    const ops: [string, bigint, string | null][] = [];
    for (let ts = 1n; ts <= 50n; ts++) ops.push(['hot', ts, `v${ts}`]);
    ops.push(['x', 1n, 'x']);
    await write(ops);
    const seen: string[] = [];
    let cursor: Uint8Array | undefined;
    let chunks = 0;
    for (;;) {
      const c = await store.export({ cursor, maxBytes: 40, maxScannedBytes: 1 << 20 });
      chunks++;
      for (const r of c.rows) seen.push(`${dec(r.key)}@${r.ts}`);
      if (c.done) break;
      cursor = c.cursor;
    }
    expect(chunks).toBeGreaterThan(5);
    expect(seen.length).toBe(51);
    expect(new Set(seen).size).toBe(51);
    expect(seen[0]).toBe('hot@50');
  });

  it('bounds a chunk by bytes scanned when versions are filtered out', async () => {
    const ops: [string, bigint, string | null][] = [];
    for (let i = 0; i < 100; i++) ops.push([`k${String(i).padStart(3, '0')}`, 100n, 'new']);
    await write(ops);
    const c = await store.export({ maxBytes: 1 << 20, maxScannedBytes: 200, maxTs: 50n });
    expect(c.rows).toEqual([]);
    expect(c.done).toBe(false);
    expect(c.scannedBytes).toBeGreaterThanOrEqual(200);
    expect(c.scannedBytes).toBeLessThan(300);
  });

  it('rejects a malformed cursor or one outside the range with INVALID_ARGUMENT', async () => {
    await expect(store.export({ cursor: Uint8Array.of(9, 9), maxBytes: 10, maxScannedBytes: 10 })).rejects.toThrow(/INVALID_ARGUMENT/);
    await write([['m', 1n, 'v']]);
    const c = await store.export({ maxBytes: 1, maxScannedBytes: 100 });
    await expect(store.export({ start: enc('n'), cursor: c.cursor, maxBytes: 10, maxScannedBytes: 10 })).rejects.toThrow(/outside/);
  });

  it('clears a range in bounded batches', async () => {
    await write([
      ['a', 1n, '1'],
      ['b', 1n, '1'],
      ['b', 2n, '2'],
      ['c', 1n, '1'],
    ]);
    let cursor: Uint8Array | undefined;
    let rounds = 0;
    do {
      const b = db.batch();
      const r = await store.clearRange(b, { start: enc('b'), end: enc('c'), cursor, maxVersions: 1 });
      await b.write({ sync: false });
      cursor = r.cursor;
      rounds++;
    } while (cursor);
    expect(rounds).toBe(3);
    expect((await store.scan({ readTs: 10n })).map((kv) => dec(kv.key))).toEqual(['a', 'c']);
  });
});

describe('Storage format marker', () => {
  it('refuses a directory written by a newer format', async () => {
    await db.close();
    const { ClassicLevel } = await import('classic-level');
    const raw = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    await raw.put(Uint8Array.of(1, ...enc('format')), Uint8Array.of(99));
    await raw.close();
    await expect(NodeDb.open(dir)).rejects.toThrow(/FORMAT_MISMATCH.*v99.*newer/);
    db = await NodeDb.open(mkdtempSync(join(tmpdir(), 'ferrykv-mvcc-unit-')));
  });
});
