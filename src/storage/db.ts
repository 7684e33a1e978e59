// The node's single LevelDB (classic-level) and the batch every layer writes into.
//
// One database per node holds every group's raft log and data under
// group-prefixed keys (see keys.ts). A `StorageBatch` gathers writes from
// several stores — raft entries of many groups, MVCC versions and the applied
// index they cover — and commits them atomically in one LevelDB batch (synced
// when asked), then runs each store's in-memory follow-up.
//
// The directory carries a format marker, checked at open: a directory written
// by a newer format, or holding keys but no marker, fails with a clear message;
// so does a directory of other files, a LevelDB that opens empty (its files
// were damaged) or one LevelDB cannot open (with LevelDB's reason).

import { readdirSync } from 'node:fs';
import { ClassicLevel } from 'classic-level';
import { NS_META, concat } from './keys.js';

export const STORAGE_FORMAT_VERSION = 1;

export type Level = ClassicLevel<Uint8Array, Uint8Array>;

/**
 * Iterator options of bulk walks (GC and clearing steps, export, digest,
 * snapshots, change-log and raft-log reads). classic-level fills an
 * iterator's cache from LevelDB in rounds of at most `highWaterMarkBytes`
 * (default 16 KiB: sixteen 1 KB versions), and every round is a thread-pool
 * call whose answer waits for the event loop. On a busy node that made one
 * MVCC_GC step (10,000 versions scanned) take 450-600 ms, applied inside the
 * ready-loop turn on every replica at once: every group of every node waited,
 * and a foreground group's put p99 went from 70 ms to 0.9-1.4 s (issue 19's
 * head-of-line run). With 1 MiB rounds (at most 1,000 entries each, classic-
 * level's own cap) the same scan takes 85 ms on a loop that is busy 2 ms in 3,
 * 630 ms before. The cache is per open iterator, and bulk walks are few.
 */
export const BULK_SCAN = { highWaterMarkBytes: 1 << 20 } as const;

export class StorageError extends Error {
  constructor(
    readonly code: 'FORMAT_MISMATCH' | 'CORRUPT' | 'CLOSED' | 'INVALID_ARGUMENT',
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'StorageError';
  }
}

const FORMAT_KEY = concat([Uint8Array.of(NS_META), new TextEncoder().encode('format')]);
/** Entries a directory may hold and still count as empty (a mount point, LevelDB's own lock and info log). */
const IGNORABLE = new Set(['lost+found', 'LOCK', 'LOG', 'LOG.old']);

function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new StorageError('INVALID_ARGUMENT', `${path}: ${(e as Error).message}`);
  }
}

/** LevelDB's own words for a failure (classic-level puts them in `cause`). */
export function levelReason(e: unknown): string {
  const parts: string[] = [];
  for (let x: unknown = e; x instanceof Error && parts.length < 4; x = (x as Error & { cause?: unknown }).cause) parts.push(x.message);
  return parts.length > 0 ? parts.join(': ') : String(e);
}

export interface NodeDbOptions {
  /** LevelDB block cache in bytes. */
  readonly cacheSize?: number;
}

export class NodeDb {
  private constructor(
    readonly level: Level,
    readonly path: string,
  ) {}

  static async open(path: string, opts: NodeDbOptions = {}): Promise<NodeDb> {
    // A directory that is neither empty nor a LevelDB is someone else's:
    // LevelDB would happily create a fresh database beside its files.
    const existing = listDir(path);
    const isLevelDb = existing.includes('CURRENT');
    const foreign = existing.filter((f) => !IGNORABLE.has(f));
    if (!isLevelDb && foreign.length > 0) {
      throw new StorageError('FORMAT_MISMATCH', `${path} is not a ferrykv data directory: it holds ${foreign.length} entr${foreign.length === 1 ? 'y' : 'ies'} (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}) but no LevelDB; refusing to use it (point --data-dir at an empty or missing directory for a new node)`);
    }
    const level: Level = new ClassicLevel<Uint8Array, Uint8Array>(path, {
      keyEncoding: 'view',
      valueEncoding: 'view',
      cacheSize: opts.cacheSize ?? 32 << 20,
      createIfMissing: !isLevelDb,
    });
    try {
      await level.open();
    } catch (e) {
      // classic-level wraps LevelDB's own reason (corruption, permissions, a lock held by another process) in `cause`.
      throw new StorageError('CORRUPT', `${path}: LevelDB could not open it: ${levelReason(e)}`);
    }
    const db = new NodeDb(level, path);
    try {
      await db.checkFormat(isLevelDb);
    } catch (e) {
      await level.close();
      throw e instanceof StorageError ? e : new StorageError('CORRUPT', `${path}: reading the format marker failed: ${levelReason(e)}`);
    }
    return db;
  }

  private async checkFormat(existed: boolean): Promise<void> {
    const marker = await this.level.get(FORMAT_KEY);
    if (marker === undefined) {
      for await (const _ of this.level.keys({ limit: 1 })) {
        throw new StorageError('FORMAT_MISMATCH', `${this.path} holds data but no ferrykv format marker; refusing to use it`);
      }
      // An existing LevelDB that opens empty lost its contents (damaged log or
      // table files are skipped by LevelDB's recovery): never start it as new.
      if (existed) throw new StorageError('CORRUPT', `${this.path} is a LevelDB that holds no ferrykv data (not even its format marker): its files are damaged or it is not a ferrykv store; refusing to use it`);
      await this.level.put(FORMAT_KEY, Uint8Array.of(STORAGE_FORMAT_VERSION), { sync: true });
      return;
    }
    const version = marker[0] ?? 0;
    if (version !== STORAGE_FORMAT_VERSION) {
      throw new StorageError(
        'FORMAT_MISMATCH',
        `${this.path} has storage format v${version}; this build reads v${STORAGE_FORMAT_VERSION}` +
          (version > STORAGE_FORMAT_VERSION ? ' (written by a newer ferrykv: upgrade this binary)' : ''),
      );
    }
  }

  batch(): StorageBatch {
    return new StorageBatch(this.level);
  }

  async close(): Promise<void> {
    await this.level.close();
  }
}

/**
 * One write that several writers fill in turn — the applies of every group in
 * a host turn (cross-group batching: one storage write per turn, not one per
 * group). A writer that must read what the batch holds flushes it: what is in
 * it lands, and filling goes on in a new batch. Writers put only complete,
 * self-consistent changes (their effects with their state) before a flush.
 */
export class SharedBatch {
  private b: StorageBatch;
  /** Storage writes made (flushes and the final write, empty ones not counted). */
  writes = 0;

  constructor(private readonly db: NodeDb) {
    this.b = db.batch();
  }

  get batch(): StorageBatch {
    return this.b;
  }

  /** Writes what the batch holds (not synced: the raft log is the durable record) and starts a new one. */
  async flush(): Promise<void> {
    const b = this.b;
    this.b = this.db.batch();
    if (b.size.ops > 0) this.writes++;
    await b.write({ sync: false });
  }
}

/** An atomic multi-store write: every put/del lands together or not at all. */
export class StorageBatch {
  private readonly chained;
  private readonly afterCommit: (() => void)[] = [];
  private ops = 0;
  private bytes = 0;
  private done = false;

  constructor(level: Level) {
    this.chained = level.batch();
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.chained.put(key, value);
    this.ops++;
    this.bytes += key.byteLength + value.byteLength;
  }

  del(key: Uint8Array): void {
    this.chained.del(key);
    this.ops++;
    this.bytes += key.byteLength;
  }

  /** Runs after the batch is durable (in order of registration). */
  onCommit(fn: () => void): void {
    this.afterCommit.push(fn);
  }

  get size(): { ops: number; bytes: number } {
    return { ops: this.ops, bytes: this.bytes };
  }

  async write(opts: { sync: boolean }): Promise<void> {
    if (this.done) throw new StorageError('INVALID_ARGUMENT', 'batch already written');
    this.done = true;
    if (this.ops > 0) await this.chained.write({ sync: opts.sync });
    else await this.chained.close();
    for (const fn of this.afterCommit) fn();
  }

  async discard(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.chained.close();
  }
}
