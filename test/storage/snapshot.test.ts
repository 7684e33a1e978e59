import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeDb } from '../../src/storage/db.js';
import { MvccStore } from '../../src/storage/mvcc-store.js';
import { SnapshotIngest, ingestIncomplete, readGroupSnapshot } from '../../src/storage/snapshot.js';

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
    expect(await ingestIncomplete(dst, 1)).toBe(true);
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

  it('leaves a marker when an ingest is interrupted', async () => {
    const dst = await openTemp();
    await fill(dst, 4, 'x', 20, 3);
    const ingest = new SnapshotIngest(dst, 4);
    await ingest.begin();
    // crash here: no finish()
    expect(await ingestIncomplete(dst, 4)).toBe(true);
    expect((await new MvccStore(dst, 4).scan({ readTs: 1n << 40n })).length).toBe(0);
    await dst.close();
  });
});
