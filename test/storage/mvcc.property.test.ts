// Model-based property test of the MVCC store: random sequences of writes,
// reads at random timestamps, scans in both directions with limits, GC, range
// clears and export/import round trips (resuming at every cursor) are run
// against LevelDB and against a plain in-memory model, closing and reopening
// the database every few operations. fast-check prints the seed and path of a
// failing run; pass them back as `seed`/`path` to replay it.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeDb } from '../../src/storage/db.js';
import { compareBytes } from '../../src/storage/keys.js';
import { MvccStore, type KeyValue, type Version } from '../../src/storage/mvcc-store.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

/** The model: key → (ts → value | null). */
class Model {
  readonly data = new Map<string, Map<bigint, Uint8Array | null>>();
  safePoint = 0n;

  write(key: Uint8Array, ts: bigint, value: Uint8Array | null): void {
    const k = hex(key);
    let vs = this.data.get(k);
    if (!vs) this.data.set(k, (vs = new Map<bigint, Uint8Array | null>()));
    vs.set(ts, value);
  }

  get(key: Uint8Array, readTs: bigint): KeyValue | undefined {
    const vs = this.data.get(hex(key));
    if (!vs) return undefined;
    let best: bigint | undefined;
    for (const ts of vs.keys()) if (ts <= readTs && (best === undefined || ts > best)) best = ts;
    if (best === undefined) return undefined;
    const v = vs.get(best)!;
    return v === null ? undefined : { key, value: v, ts: best };
  }

  scan(start: Uint8Array | undefined, end: Uint8Array | undefined, readTs: bigint, limit: number, reverse: boolean): KeyValue[] {
    const keys = [...this.data.keys()]
      .map(unhex)
      .filter((k) => (!start || compareBytes(k, start) >= 0) && (!end || compareBytes(k, end) < 0))
      .sort(compareBytes);
    if (reverse) keys.reverse();
    const out: KeyValue[] = [];
    for (const k of keys) {
      const kv = this.get(k, readTs);
      if (kv) out.push(kv);
      if (out.length >= limit) break;
    }
    return out;
  }

  clear(start: Uint8Array | undefined, end: Uint8Array | undefined): void {
    for (const k of [...this.data.keys()]) {
      const kb = unhex(k);
      if ((!start || compareBytes(kb, start) >= 0) && (!end || compareBytes(kb, end) < 0)) this.data.delete(k);
    }
  }
}

// A small key and time space, so keys collect deep histories and ranges overlap.
const keyArb = fc.uint8Array({ minLength: 1, maxLength: 2 }).map((b) => b.map((x) => [0, 0xff, 0x61][x % 3]!));
const tsArb = fc.bigInt({ min: 1n, max: 12n });
const op = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('put' as const), key: keyArb, ts: tsArb, value: fc.uint8Array({ maxLength: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('del' as const), key: keyArb, ts: tsArb }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('get' as const), key: keyArb, ts: tsArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('scan' as const),
      start: fc.option(keyArb, { nil: undefined }),
      end: fc.option(keyArb, { nil: undefined }),
      ts: tsArb,
      limit: fc.integer({ min: 1, max: 8 }),
      reverse: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('gc' as const), by: fc.bigInt({ min: 0n, max: 6n }), batch: fc.integer({ min: 1, max: 5 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('clear' as const),
      start: fc.option(keyArb, { nil: undefined }),
      end: fc.option(keyArb, { nil: undefined }),
      batch: fc.integer({ min: 1, max: 5 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('export' as const),
      maxBytes: fc.integer({ min: 1, max: 80 }),
      maxScanned: fc.integer({ min: 1, max: 80 }),
      maxTs: fc.option(tsArb, { nil: undefined }),
    }),
  },
);

const RUN_SEED = 424242;

describe('MVCC store (model-based, with reopen)', () => {
  it('agrees with an in-memory model under random operations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 90 }), fc.integer({ min: 3, max: 12 }), async (ops, reopenEvery) => {
        const dir = mkdtempSync(join(tmpdir(), 'ferrykv-mvcc-'));
        dirs.push(dir);
        let db = await NodeDb.open(dir);
        let store = new MvccStore(db, 7);
        const model = new Model();
        let applied = 0;
        try {
          for (let i = 0; i < ops.length; i++) {
            const o = ops[i]!;
            if (i > 0 && i % reopenEvery === 0) {
              await db.close();
              db = await NodeDb.open(dir);
              store = new MvccStore(db, 7);
              expect(await store.appliedIndex()).toBe(applied);
            }
            switch (o.t) {
              case 'put':
              case 'del': {
                // Writes land above the GC safe point (the store's contract).
                const ts = o.ts + model.safePoint;
                const b = db.batch();
                const value = o.t === 'put' ? o.value : null;
                if (value === null) store.deleteVersion(b, o.key, ts);
                else store.putVersion(b, o.key, ts, value);
                store.setApplied(b, ++applied);
                await b.write({ sync: false });
                model.write(o.key, ts, value);
                break;
              }
              case 'get': {
                const ts = o.ts + model.safePoint;
                const got = await store.get(o.key, ts);
                const want = model.get(o.key, ts);
                expect(norm(got)).toEqual(norm(want));
                break;
              }
              case 'scan': {
                const ts = o.ts + model.safePoint;
                const got = await store.scan({ start: o.start, end: o.end, readTs: ts, limit: o.limit, reverse: o.reverse });
                expect(got.map(norm)).toEqual(model.scan(o.start, o.end, ts, o.limit, o.reverse).map(norm));
                break;
              }
              case 'gc': {
                model.safePoint += o.by;
                let cursor: Uint8Array | undefined;
                let rounds = 0;
                do {
                  const b = db.batch();
                  const r = await store.gc(b, model.safePoint, { cursor, maxVersions: o.batch });
                  await b.write({ sync: false });
                  cursor = r.cursor;
                  expect(++rounds).toBeLessThan(10_000);
                  // Between batches too, nothing visible at or above the safe point changed.
                  for (const k of model.data.keys()) {
                    const key = unhex(k);
                    expect(norm(await store.get(key, model.safePoint))).toEqual(norm(model.get(key, model.safePoint)));
                  }
                } while (cursor);
                // At most one version at or below the safe point survives per key.
                const all = await exportAll(store, 1 << 20, 1 << 20);
                const below = new Map<string, number>();
                for (const r of all) if (r.ts <= model.safePoint) below.set(hex(r.key), (below.get(hex(r.key)) ?? 0) + 1);
                for (const n of below.values()) expect(n).toBeLessThanOrEqual(1);
                break;
              }
              case 'clear': {
                let cursor: Uint8Array | undefined;
                do {
                  const b = db.batch();
                  const r = await store.clearRange(b, { start: o.start, end: o.end, cursor, maxVersions: o.batch });
                  await b.write({ sync: false });
                  cursor = r.cursor;
                } while (cursor);
                if (!o.start || !o.end || compareBytes(o.start, o.end) < 0) model.clear(o.start, o.end);
                break;
              }
              case 'export': {
                // Export in tiny chunks (resuming at every cursor), import into
                // another group, and compare it with the source at every timestamp.
                const chunked = await exportAll(store, o.maxBytes, o.maxScanned, o.maxTs);
                const whole = await exportAll(store, 1 << 20, 1 << 20, o.maxTs);
                expect(chunked.map(normV)).toEqual(whole.map(normV));
                const target = new MvccStore(db, 8);
                const clear = db.batch();
                await target.clearRange(clear, { maxVersions: 1 << 20 });
                await clear.write({ sync: false });
                // Import twice: importing is idempotent.
                for (let rep = 0; rep < 2; rep++) {
                  const b = db.batch();
                  target.importVersions(b, chunked);
                  await b.write({ sync: false });
                }
                const again = await exportAll(target, 1 << 20, 1 << 20);
                expect(again.map(normV)).toEqual(whole.map(normV));
                if (o.maxTs === undefined) {
                  for (let ts = model.safePoint; ts <= model.safePoint + 13n; ts += 2n) {
                    const a = await store.scan({ readTs: ts });
                    const c = await target.scan({ readTs: ts });
                    expect(c.map(norm)).toEqual(a.map(norm));
                  }
                }
                break;
              }
            }
          }
        } finally {
          await db.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { seed: RUN_SEED, numRuns: 80, endOnFailure: true },
    );
  }, 120_000);
});

async function exportAll(store: MvccStore, maxBytes: number, maxScannedBytes: number, maxTs?: bigint): Promise<Version[]> {
  const out: Version[] = [];
  let cursor: Uint8Array | undefined;
  for (let i = 0; i < 100_000; i++) {
    const chunk = await store.export({ cursor, maxBytes, maxScannedBytes, ...(maxTs !== undefined ? { maxTs } : {}) });
    out.push(...chunk.rows);
    if (chunk.done) return out;
    expect(chunk.cursor).toBeDefined();
    cursor = chunk.cursor;
  }
  throw new Error('export did not finish');
}

function norm(kv: KeyValue | undefined): unknown {
  return kv ? { key: hex(kv.key), value: hex(kv.value), ts: kv.ts } : undefined;
}

function normV(v: Version): unknown {
  return { key: hex(v.key), ts: v.ts, value: v.value === null ? null : hex(v.value) };
}
