import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeDb } from '../../src/storage/db.js';
import { MvccStore } from '../../src/storage/mvcc-store.js';
import { stateKey } from '../../src/storage/keys.js';
import { SnapshotIngest, ingestIncomplete, readGroupSnapshot, resumeIngest } from '../../src/storage/snapshot.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
async function openTemp(): Promise<NodeDb> {
  const d = mkdtempSync(join(tmpdir(), 'ferrykv-snap-'));
  dirs.push(d);
  return NodeDb.open(d);
}
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

async function fill(db: NodeDb, group: number, prefix: string, n: number, applied: number): Promise<void> {
  const s = new MvccStore(db, group);
  const b = db.batch();
  for (let i = 0; i < n; i++) s.putVersion(b, enc(`${prefix}${String(i).padStart(4, '0')}`), BigInt(i + 1), enc(`v${i}`));
  s.setApplied(b, applied);
  await b.write({ sync: false });
}

describe('Group snapshots', () => {
  it('stream a consistent image in bounded chunks and replace the target group’s data', async () => {
    const src = await openTemp();
    const dst = await openTemp();
    await fill(src, 1, 'k', 300, 77);
    await fill(dst, 1, 'old', 50, 5); // to be replaced
    await fill(dst, 2, 'other', 10, 9); // another group: untouched

    const chunks = readGroupSnapshot(src, 1, 1024);
    const first = await chunks.next();
    // Writes after the snapshot began are not in the image.
    await fill(src, 1, 'late', 5, 78);
    const ingest = new SnapshotIngest(dst, 1, 7);
    await ingest.begin();
    expect(await ingestIncomplete(dst, 1)).toBe(false); // staging only: nothing live is touched yet
    let n = 0;
    if (!first.done) {
      expect(first.value.bytes).toBeLessThan(1024 + 200);
      await ingest.add(first.value);
      n++;
    }
    for await (const c of chunks) {
      await ingest.add(c);
      n++;
    }
    await ingest.finish();
    expect(n).toBeGreaterThan(5);
    expect(await ingestIncomplete(dst, 1)).toBe(false);

    const got = await new MvccStore(dst, 1).scan({ readTs: 1n << 40n });
    expect(got.length).toBe(300);
    expect(got.every((kv) => dec(kv.key).startsWith('k'))).toBe(true);
    expect(await new MvccStore(dst, 1).appliedIndex()).toBe(77);
    expect((await new MvccStore(dst, 2).scan({ readTs: 1n << 40n })).length).toBe(10);
    await src.close();
    await dst.close();
  });

  it('a stream that breaks before the end leaves the live data untouched', async () => {
    const src = await openTemp();
    const dst = await openTemp();
    await fill(src, 4, 'new', 50, 9);
    await fill(dst, 4, 'old', 20, 3);
    const ingest = new SnapshotIngest(dst, 4, 7);
    await ingest.begin();
    for await (const c of readGroupSnapshot(src, 4, 200)) {
      await ingest.add(c);
      break; // the sender died here
    }
    // No finish(): the replica keeps its state, and nothing is marked.
    expect(await ingestIncomplete(dst, 4)).toBe(false);
    const rows = await new MvccStore(dst, 4).scan({ readTs: 1n << 40n });
    expect(rows.map((r) => dec(r.key).slice(0, 3))).toEqual(new Array(20).fill('old'));
    expect(await new MvccStore(dst, 4).appliedIndex()).toBe(3);
    // The next ingest starts from clean staging and installs a whole image.
    const again = new SnapshotIngest(dst, 4, 7);
    await again.begin();
    for await (const c of readGroupSnapshot(src, 4, 200)) await again.add(c);
    await again.finish();
    expect((await new MvccStore(dst, 4).scan({ readTs: 1n << 40n })).length).toBe(50);
    await src.close();
    await dst.close();
  });

  it('a crash while swapping a complete image in is finished at restart', async () => {
    const src = await openTemp();
    const dst = await openTemp();
    await fill(src, 5, 'img', 40, 12);
    await fill(dst, 5, 'old', 10, 2);
    const ingest = new SnapshotIngest(dst, 5, 7);
    await ingest.begin();
    for await (const c of readGroupSnapshot(src, 5, 200)) await ingest.add(c);
    // Simulate the crash right after the marker: write it, skip the swap.
    const b = dst.batch();
    b.put(stateKey(5, 'ingesting'), Uint8Array.of(1));
    await b.write({ sync: true });
    expect(await ingestIncomplete(dst, 5)).toBe(true);
    await resumeIngest(dst, 5, 7);
    expect(await ingestIncomplete(dst, 5)).toBe(false);
    const rows = await new MvccStore(dst, 5).scan({ readTs: 1n << 40n });
    expect(rows.length).toBe(40);
    expect(rows.every((r) => dec(r.key).startsWith('img'))).toBe(true);
    expect(await new MvccStore(dst, 5).appliedIndex()).toBe(12);
    await src.close();
    await dst.close();
  });
});
