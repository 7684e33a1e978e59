// SIGKILL at random moments while a child commits synced batches: after
// reopening, every acknowledged batch is fully present and no batch is
// partially visible.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NodeDb } from '../../src/storage/db.js';
import { MvccStore } from '../../src/storage/mvcc-store.js';
import { rng } from '../../testkit/rng.js';

const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const KEYS = 20;
const REPEATS = 20;

async function runAndKill(dir: string, killAfterMs: number): Promise<number> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, dir, String(KEYS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let acked = 0;
  let buf = '';
  let first: () => void = () => {};
  const firstAck = new Promise<void>((resolve) => (first = resolve));
  proc.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const m = /^ack (\d+)$/.exec(line);
      if (m) {
        acked = Number(m[1]);
        first();
      }
    }
  });
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  const deadline = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  await Promise.race([firstAck, exited]);
  await new Promise((r) => setTimeout(r, killAfterMs));
  proc.kill('SIGKILL');
  await exited;
  clearTimeout(deadline);
  return acked;
}

describe('Crash safety of synced batches', () => {
  it(`keeps every acknowledged batch whole across ${REPEATS} SIGKILLs at random moments`, async () => {
    const random = rng(20261123);
    const dir = mkdtempSync(join(tmpdir(), 'ferrykv-crash-'));
    try {
      let totalAcked = 0;
      for (let rep = 0; rep < REPEATS; rep++) {
        const acked = await runAndKill(dir, Math.floor(random() * 150));
        const db = await NodeDb.open(dir);
        try {
          const store = new MvccStore(db, 3);
          const applied = await store.appliedIndex();
          // The applied index is in the same batch as the writes it covers.
          expect(applied, `rep ${rep}`).toBeGreaterThanOrEqual(acked);
          const rows = await store.scan({ readTs: 1n << 62n });
          const perBatch = new Map<string, number>();
          for (const r of rows) {
            const n = /^b(\d+)-/.exec(new TextDecoder().decode(r.key))![1]!;
            perBatch.set(n, (perBatch.get(n) ?? 0) + 1);
          }
          for (const [n, count] of perBatch) expect(count, `batch ${n} partially visible`).toBe(KEYS);
          for (let n = 1; n <= applied; n++) expect(perBatch.get(String(n)), `batch ${n} lost`).toBe(KEYS);
          expect(perBatch.size).toBe(applied);
          totalAcked = acked;
        } finally {
          await db.close();
        }
        // The next child continues numbering from scratch; clear the data.
        rmSync(dir, { recursive: true, force: true });
      }
      expect(totalAcked).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
