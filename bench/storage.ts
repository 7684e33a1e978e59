// Storage engine throughput on this machine's disk:
//  - synced group-commit appends: one synced LevelDB batch per "ready-loop
//    turn" carrying entries and hard states of 1, 16 or 256 groups;
//  - MVCC point reads (16 in flight) and forward scans.
// Prints one JSON object. Refuses to run without enough free disk.
import { statfsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntryType, nodeId, type Entry } from '../src/raft/index.js';
import { NodeDb } from '../src/storage/db.js';
import { MvccStore } from '../src/storage/mvcc-store.js';
import { RaftLogStore } from '../src/storage/raft-log-store.js';

const REQUIRED_FREE_BYTES = 2 * 1024 ** 3;

function arg(args: string[], name: string, def: number): number {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? def : Number(args[i + 1]);
}

async function groupCommit(dir: string, groups: number, seconds: number, payload: number, perGroup: number): Promise<object> {
  const db = await NodeDb.open(join(dir, `gc-${groups}`));
  const store = await RaftLogStore.open(db);
  const data = new Uint8Array(payload).fill(1);
  const next = new Array<number>(groups + 1).fill(1);
  let batches = 0;
  let entries = 0;
  let bytes = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() - t0 < seconds * 1000) {
    const b = db.batch();
    for (let g = 1; g <= groups; g++) {
      const es: Entry[] = [];
      for (let k = 0; k < perGroup; k++) es.push({ index: next[g]!++, term: 1, type: EntryType.Normal, data });
      store.append(b, g, es);
      store.setHardState(b, g, { term: 1, vote: nodeId(1), commit: next[g]! - 1 });
      entries += perGroup;
      bytes += perGroup * payload;
    }
    await b.write({ sync: true });
    batches++;
    // Keep the log short, as the node's compaction policy would.
    if (batches % 200 === 0) {
      const c = db.batch();
      for (let g = 1; g <= groups; g++) if (next[g]! > 100) store.compact(c, g, next[g]! - 50);
      await c.write({ sync: false });
    }
  }
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await db.close();
  return {
    groupsPerBatch: groups,
    entriesPerGroupPerBatch: perGroup,
    payloadBytes: payload,
    batchesPerSec: Math.round(batches / secs),
    entriesPerSec: Math.round(entries / secs),
    mbPerSec: +(bytes / secs / 1e6).toFixed(1),
    cpuMicrosPerBatch: Math.round((cpu.user + cpu.system) / batches),
  };
}

async function mvcc(dir: string, keys: number): Promise<object> {
  const db = await NodeDb.open(join(dir, 'mvcc'));
  const store = new MvccStore(db, 1);
  const value = new Uint8Array(100).fill(2);
  const key = (i: number): Uint8Array => new TextEncoder().encode(`user${String(i).padStart(9, '0')}`);
  for (let i = 0; i < keys; i += 1000) {
    const b = db.batch();
    for (let j = i; j < Math.min(keys, i + 1000); j++) store.putVersion(b, key(j), 100n, value);
    await b.write({ sync: false });
  }
  let x = 12345;
  const rand = (): number => (x = (x * 48271) % 2147483647) % keys;
  const reads = 100_000;
  let t0 = performance.now();
  let found = 0;
  for (let i = 0; i < reads; i += 16) {
    const got = await Promise.all(Array.from({ length: 16 }, () => store.get(key(rand()), 200n)));
    found += got.filter(Boolean).length;
  }
  const readSecs = (performance.now() - t0) / 1000;
  if (found !== reads) throw new Error(`expected ${reads} hits, got ${found}`);
  t0 = performance.now();
  found = 0;
  const batchedReads = Math.floor(reads / 64) * 64;
  for (let i = 0; i < batchedReads; i += 64) {
    const got = await store.getMany(Array.from({ length: 64 }, () => key(rand())), 200n);
    found += got.filter(Boolean).length;
  }
  const batchedSecs = (performance.now() - t0) / 1000;
  if (found !== batchedReads) throw new Error(`expected ${batchedReads} batched hits, got ${found}`);
  t0 = performance.now();
  let rows = 0;
  let start: Uint8Array | undefined;
  while (rows < keys) {
    const page = await store.scan({ readTs: 200n, ...(start ? { start } : {}), limit: 1000 });
    if (page.length === 0) break;
    rows += page.length;
    const last = page[page.length - 1]!.key;
    start = Uint8Array.from([...last, 0]);
  }
  const scanSecs = (performance.now() - t0) / 1000;
  await db.close();
  return { keys, valueBytes: 100, pointReadsPerSec: Math.round(reads / readSecs), readsInFlight: 16, getMany64KeysPerSec: Math.round(batchedReads / batchedSecs), scanRowsPerSec: Math.round(rows / scanSecs) };
}

export async function runStorageBench(args: string[]): Promise<void> {
  const base = tmpdir();
  const fs = statfsSync(base);
  const free = fs.bavail * fs.bsize;
  if (free < REQUIRED_FREE_BYTES) {
    console.error(`refusing to run: ${(free / 1e9).toFixed(2)} GB free in ${base}, need ${REQUIRED_FREE_BYTES / 1e9} GB`);
    process.exit(1);
  }
  const seconds = arg(args, 'seconds', 3);
  const keys = arg(args, 'keys', 200_000);
  const dir = mkdtempSync(join(base, 'ferrykv-bench-'));
  try {
    const appends = [];
    for (const groups of [1, 16, 256]) appends.push(await groupCommit(dir, groups, seconds, 256, 1));
    const reads = await mvcc(dir, keys);
    console.log(JSON.stringify({ bench: 'storage', node: process.version, syncedGroupCommit: appends, mvcc: reads }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
