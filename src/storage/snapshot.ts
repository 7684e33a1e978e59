// Group data snapshots: stream a consistent image of one group's state and
// data out of one node's LevelDB in bounded chunks, and ingest such a stream
// into another node's LevelDB, replacing the group's previous data.
//
// Rows carry keys relative to the group ([namespace][rest], group id
// stripped) so the image is independent of where it lands. Ingest marks the
// group "ingesting" before it clears old data and removes the mark only with
// the last chunk: a crash in between leaves a marker that `ingestIncomplete`
// reports, so the node discards the half-written image and asks again.

import { NodeDb, StorageBatch, StorageError } from './db.js';
import { NS_DATA, NS_STATE, compareBytes, concat, groupPrefix, prefixEnd, stateKey, u32 } from './keys.js';

const INGEST_MARKER = 'ingesting';

export interface SnapshotRow {
  /** [namespace byte][key after the group id]. */
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export interface SnapshotChunk {
  readonly rows: SnapshotRow[];
  readonly bytes: number;
}

const NAMESPACES = [NS_STATE, NS_DATA] as const;

/**
 * Yields the group's state and data from one LevelDB snapshot, in chunks of
 * about `chunkBytes`. With `snapshot`, reads that one (the caller closes it);
 * otherwise takes one when the generator starts.
 */
export async function* readGroupSnapshot(
  db: NodeDb,
  group: number,
  chunkBytes: number,
  given?: ReturnType<NodeDb['level']['snapshot']>,
): AsyncGenerator<SnapshotChunk> {
  const snapshot = given ?? db.level.snapshot();
  try {
    let rows: SnapshotRow[] = [];
    let bytes = 0;
    for (const ns of NAMESPACES) {
      const p = groupPrefix(ns, group);
      for await (const [k, v] of db.level.iterator({ gte: p, lt: prefixEnd(p), snapshot })) {
        rows.push({ key: concat([Uint8Array.of(ns), k.subarray(5)]), value: v });
        bytes += k.byteLength + v.byteLength;
        if (bytes >= chunkBytes) {
          yield { rows, bytes };
          rows = [];
          bytes = 0;
        }
      }
    }
    if (rows.length > 0) yield { rows, bytes };
  } finally {
    if (!given) await snapshot.close();
  }
}

function absoluteKey(group: number, row: SnapshotRow): Uint8Array {
  const ns = row.key[0];
  if (ns !== NS_STATE && ns !== NS_DATA) throw new StorageError('CORRUPT', `snapshot row in unknown namespace ${ns}`);
  return concat([Uint8Array.of(ns), u32(group), row.key.subarray(1)]);
}

/** Replaces a group's state and data with a streamed image. */
export class SnapshotIngest {
  private started = false;

  constructor(
    private readonly db: NodeDb,
    private readonly group: number,
    private readonly clearBatchKeys = 4096,
  ) {}

  /** Marks the group as ingesting, then clears its previous state and data in bounded batches. */
  async begin(): Promise<void> {
    const marker = this.db.batch();
    marker.put(stateKey(this.group, INGEST_MARKER), Uint8Array.of(1));
    await marker.write({ sync: true });
    const markerKey = stateKey(this.group, INGEST_MARKER);
    for (const ns of NAMESPACES) {
      const p = groupPrefix(ns, this.group);
      for (;;) {
        const b = this.db.batch();
        let n = 0;
        for await (const k of this.db.level.keys({ gte: p, lt: prefixEnd(p), limit: this.clearBatchKeys })) {
          if (compareBytes(k, markerKey) === 0) continue;
          b.del(k);
          n++;
        }
        await b.write({ sync: false });
        if (n === 0) break;
      }
    }
    this.started = true;
  }

  async add(chunk: SnapshotChunk): Promise<void> {
    if (!this.started) throw new StorageError('INVALID_ARGUMENT', 'ingest: add() before begin()');
    const b = this.db.batch();
    for (const row of chunk.rows) b.put(absoluteKey(this.group, row), row.value);
    await b.write({ sync: false });
  }

  /** Makes the image durable and clears the ingesting mark. Extra writes (e.g. raft state) may join the batch. */
  async finish(extra?: (b: StorageBatch) => void): Promise<void> {
    if (!this.started) throw new StorageError('INVALID_ARGUMENT', 'ingest: finish() before begin()');
    const b = this.db.batch();
    b.del(stateKey(this.group, INGEST_MARKER));
    extra?.(b);
    await b.write({ sync: true });
  }
}

/** True if an ingest of this group was interrupted (its data is partial). */
export async function ingestIncomplete(db: NodeDb, group: number): Promise<boolean> {
  return (await db.level.get(stateKey(group, INGEST_MARKER))) !== undefined;
}
