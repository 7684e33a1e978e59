// The source side of a copy: reads a moving range out of a replica's storage
// in bounded chunks (MIGRATION.md Contracts → Export). BACKFILL walks every
// family of the range — MVCC versions in (key, ts) order, then the request-id
// entries whose footprint touches the range, then transaction locks and
// records — resuming strictly after the
// position it last emitted or scanned. CHANGE_LOG reads the job's captured
// effects after a sequence number. VERIFY reads MVCC versions at or below a
// timestamp. Chunks are bounded by bytes emitted and bytes scanned, paced by
// an optional rate limit, and the generator yields to the event loop between
// chunks, so bulk copying never holds a node for long.

import { FAMILY_DEDUP, decodeDedup } from '../apply/dedup.js';
import type { GroupMachine } from '../apply/group-machine.js';
import { FAMILY_LOCK, FAMILY_MVCC, FAMILY_TXN, compareBytes, concat, dataPrefix, prefixEnd, unescapeKey } from '../storage/keys.js';
import { BULK_SCAN } from '../storage/db.js';
import { GROUP_JOBS } from './group/jobs-state.js';
import type { MigrationRow } from '../apply/rows.js';
import { rowBytes } from '../apply/rows.js';
import { sleepUntil, yieldLoop } from '../runtime/backoff.js';

export interface ExportRequest {
  readonly mode: 'BACKFILL' | 'CHANGE_LOG' | 'VERIFY';
  readonly jobId: number;
  readonly attempt: number;
  readonly start: Uint8Array;
  /** Empty: +∞. */
  readonly end: Uint8Array;
  readonly cursor: Uint8Array;
  readonly afterSeq: number;
  readonly chunkBytes: number;
  readonly rateLimitBytesPerSec: number;
  readonly maxTs: bigint;
}

export interface ExportChunkOut {
  readonly rows: MigrationRow[];
  /** BACKFILL / VERIFY: where the next chunk resumes. */
  readonly nextCursor: Uint8Array;
  /** CHANGE_LOG: the sequence number of the last row. */
  readonly lastSeq: number;
  readonly done: boolean;
  readonly scannedBytes: number;
}

const POS_MVCC = 1;
const POS_DEDUP = 2;
/** Migrator VERIFY starts an export here to list the source's locked keys. */
export const POS_LOCK = 3;
const POS_TXN = 4;
const MAX_TS = (1n << 64n) - 1n;

/** A node-wide byte budget shared by every export on the node (the cluster-wide rate limit, per node). */
export class RateLimiter {
  private next = 0;

  constructor(private readonly bytesPerSec: number) {}

  /** Waits until `bytes` more fit the budget. */
  async take(bytes: number): Promise<void> {
    if (this.bytesPerSec <= 0) return;
    const now = Date.now();
    const start = Math.max(now, this.next);
    this.next = start + (bytes / this.bytesPerSec) * 1000;
    await sleepUntil(start);
  }
}

/** What every phase of one export shares. */
interface Export {
  readonly sm: GroupMachine;
  readonly req: ExportRequest;
  readonly chunkBytes: number;
  readonly pace: (bytes: number) => Promise<void>;
  readonly isCancelled: () => boolean;
}

/** Where a BACKFILL / VERIFY export stands: the family phase and the last key emitted or scanned in it. */
interface Cursor {
  readonly phase: number;
  readonly position: Uint8Array | undefined;
}

/** One phase of an export: its chunks, then where the next phase starts (undefined: the export ended or was cancelled). */
type Phase = AsyncGenerator<ExportChunkOut, Cursor | undefined>;

export async function* exportRange(sm: GroupMachine, req: ExportRequest, isCancelled: () => boolean, shared?: RateLimiter): AsyncGenerator<ExportChunkOut> {
  const own = exportPacer(req.rateLimitBytesPerSec);
  const x: Export = {
    sm,
    req,
    chunkBytes: Math.max(4096, Math.min(req.chunkBytes || 1 << 20, 16 << 20)),
    pace: async (bytes) => {
      await shared?.take(bytes);
      await own(bytes);
    },
    isCancelled,
  };
  if (req.mode === 'CHANGE_LOG') return yield* exportChangeLog(x);
  // BACKFILL / VERIFY: MVCC first, then (BACKFILL) request-id entries, locks and records.
  let at: Cursor | undefined = { phase: req.cursor.byteLength === 0 ? POS_MVCC : req.cursor[0]!, position: req.cursor.byteLength > 1 ? req.cursor.subarray(1) : undefined };
  if (at.phase === POS_MVCC) at = yield* exportMvcc(x, at.position);
  if (at?.phase === POS_DEDUP) at = yield* exportDedup(x, at.position);
  if (at?.phase === POS_LOCK || at?.phase === POS_TXN) yield* exportTxnFamilies(x, at);
}

/** CHANGE_LOG: the job's captured effects after a sequence number, until none is left. */
async function* exportChangeLog(x: Export): AsyncGenerator<ExportChunkOut, undefined> {
  let after = x.req.afterSeq;
  for (;;) {
    if (x.isCancelled()) return;
    const got = await x.sm.state(GROUP_JOBS).readChangeLog(x.req.jobId, x.req.attempt, after, x.chunkBytes);
    if (got.length === 0) {
      yield { rows: [], nextCursor: new Uint8Array(0), lastSeq: after, done: true, scannedBytes: 0 };
      return;
    }
    after = got[got.length - 1]!.seq;
    const rows = got.map((g) => g.row);
    const bytes = rows.reduce((n, r) => n + rowBytes(r), 0);
    yield { rows, nextCursor: new Uint8Array(0), lastSeq: after, done: false, scannedBytes: bytes };
    await x.pace(bytes);
  }
}

/** The range's bounds as an export asks the MVCC store for them. */
function bounds(req: ExportRequest, position: Uint8Array | undefined): { start?: Uint8Array; end?: Uint8Array; cursor?: Uint8Array } {
  return { ...(req.start.byteLength > 0 ? { start: req.start } : {}), ...(req.end.byteLength > 0 ? { end: req.end } : {}), ...(position ? { cursor: position } : {}) };
}

/** MVCC versions in (key, ts) order (VERIFY: at or below max_ts). VERIFY ends here. */
async function* exportMvcc(x: Export, position: Uint8Array | undefined): Phase {
  const { req } = x;
  for (;;) {
    if (x.isCancelled()) return undefined;
    const chunk = await x.sm.data.store(FAMILY_MVCC).export({ ...bounds(req, position), maxBytes: x.chunkBytes, maxScannedBytes: x.chunkBytes * 4, ...(req.mode === 'VERIFY' ? { maxTs: req.maxTs || MAX_TS } : {}) });
    const rows: MigrationRow[] = chunk.rows.map((v) => ({ family: FAMILY_MVCC, key: v.key, ts: v.ts, value: v.value ?? new Uint8Array(0), tombstone: v.value === null, delete: false }));
    if (!chunk.done) {
      position = chunk.cursor;
      yield { rows, nextCursor: concat([Uint8Array.of(POS_MVCC), position ?? new Uint8Array(0)]), lastSeq: 0, done: false, scannedBytes: chunk.scannedBytes };
      await x.pace(chunk.scannedBytes);
      continue;
    }
    if (req.mode !== 'BACKFILL') {
      yield { rows, nextCursor: new Uint8Array(0), lastSeq: 0, done: true, scannedBytes: chunk.scannedBytes };
      return undefined;
    }
    if (rows.length > 0) yield { rows, nextCursor: Uint8Array.of(POS_DEDUP), lastSeq: 0, done: false, scannedBytes: chunk.scannedBytes };
    await x.pace(chunk.scannedBytes);
    return { phase: POS_DEDUP, position: undefined };
  }
}

/** Request-id entries: a small family (bounded by retention); those whose footprint touches the range. */
async function* exportDedup(x: Export, position: Uint8Array | undefined): Phase {
  const { sm, req } = x;
  const prefix = dataPrefix(sm.group, FAMILY_DEDUP);
  for (;;) {
    if (x.isCancelled()) return undefined;
    const rows: MigrationRow[] = [];
    let scanned = 0;
    let last: Uint8Array | undefined;
    let exhausted = true;
    const range = position ? { gt: position, lt: prefixEnd(prefix) } : { gte: prefix, lt: prefixEnd(prefix) };
    for await (const [k, v] of sm.db.level.iterator({ ...range, ...BULK_SCAN })) {
      if (scanned >= x.chunkBytes) {
        exhausted = false;
        break;
      }
      scanned += k.byteLength + v.byteLength;
      last = k;
      const d = decodeDedup(v);
      const touches = (req.end.byteLength === 0 || compareBytes(d.start, req.end) < 0) && (d.end.byteLength === 0 || compareBytes(d.end, req.start) > 0);
      if (touches) rows.push({ family: FAMILY_DEDUP, key: unescapeKey(k, prefix.byteLength).key, ts: 0n, value: v, tombstone: false, delete: false });
    }
    position = exhausted ? undefined : (last ?? position);
    const phase = exhausted ? POS_LOCK : POS_DEDUP;
    yield { rows, nextCursor: concat([Uint8Array.of(phase), position ?? new Uint8Array(0)]), lastSeq: 0, done: false, scannedBytes: scanned };
    await x.pace(scanned);
    if (exhausted) return { phase: POS_LOCK, position: undefined };
  }
}

/** Transaction locks (with the locked key), then commit records and rollback markers (with the primary). The export ends here. */
async function* exportTxnFamilies(x: Export, at: Cursor): Phase {
  let { phase, position } = at;
  while (phase === POS_LOCK || phase === POS_TXN) {
    if (x.isCancelled()) return undefined;
    const family = phase === POS_LOCK ? FAMILY_LOCK : FAMILY_TXN;
    const chunk = await x.sm.data.store(family).export({ ...bounds(x.req, position), maxBytes: x.chunkBytes, maxScannedBytes: x.chunkBytes * 4 });
    const rows: MigrationRow[] = chunk.rows.map((v) => ({ family, key: v.key, ts: v.ts, value: v.value ?? new Uint8Array(0), tombstone: false, delete: false }));
    if (chunk.done) {
      phase = phase === POS_LOCK ? POS_TXN : 0;
      position = undefined;
    } else position = chunk.cursor;
    yield {
      rows,
      nextCursor: phase === 0 ? new Uint8Array(0) : concat([Uint8Array.of(phase), position ?? new Uint8Array(0)]),
      lastSeq: 0,
      done: phase === 0,
      scannedBytes: chunk.scannedBytes,
    };
    if (phase === 0) return undefined;
    await x.pace(chunk.scannedBytes);
  }
  return undefined;
}

/**
 * Sleeps as needed to keep to `bytesPerSec` (0: only yields to the event
 * loop). It used to sleep at most a second per call, so a chunk due more than
 * a second later (4 MiB at 1 MB/s) left early: the bench's 1 MB/s job copied
 * 1.7 MB/s.
 */
export function exportPacer(bytesPerSec: number): (bytes: number) => Promise<void> {
  const started = Date.now();
  let total = 0;
  return async (bytes: number) => {
    total += bytes;
    const due = bytesPerSec > 0 ? started + (total / bytesPerSec) * 1000 : 0;
    if (due > Date.now()) return sleepUntil(due);
    await yieldLoop();
  };
}
