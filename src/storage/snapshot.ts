// Group data snapshots: stream a consistent image of one group's state and
// data out of one node's LevelDB in bounded chunks, and ingest such a stream
// into another node's LevelDB, replacing the group's previous data.
//
// Rows carry keys relative to the group ([namespace][rest], group id
// stripped) so the image is independent of where it lands.
//
// Ingest never touches the group's live data until the whole image has
// arrived: rows are first staged under a separate namespace. A stream that
// breaks leaves only staging garbage (cleared by the next ingest) and the
// replica keeps its state — important, because its raft log (entries it
// acknowledged) must never be discarded. Only then, under an "installing"
// marker, the live state and data are replaced from staging in bounded
// batches; a crash in that phase is finished at restart (`resumeIngest`),
// since the staged image is complete once the marker exists.

import { BULK_SCAN, NodeDb, StorageError } from './db.js';
import { NS_DATA, NS_STAGE, NS_STATE, compareBytes, concat, groupPrefix, prefixEnd, stateKey, u32 } from './keys.js';

const INGEST_MARKER = 'ingesting';

export interface SnapshotRow {
  /** [namespace byte][key after the group id]. */
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export interface SnapshotChunk {
  readonly rows: SnapshotRow[];
  /** Sum of the rows' key and value lengths, as sent. */
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
      for await (const [k, v] of db.level.iterator({ gte: p, lt: prefixEnd(p), snapshot, ...BULK_SCAN })) {
        const key = concat([Uint8Array.of(ns), k.subarray(5)]);
        rows.push({ key, value: v });
        // Count what travels (group-relative keys): the receiver checks the total.
        bytes += key.byteLength + v.byteLength;
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

/** Staging key of a row: [NS_STAGE][group][relative row key]. */
function stagingKey(group: number, row: SnapshotRow): Uint8Array {
  const ns = row.key[0];
  if (ns !== NS_STATE && ns !== NS_DATA) throw new StorageError('CORRUPT', `snapshot row in unknown namespace ${ns}`);
  return concat([groupPrefix(NS_STAGE, group), row.key]);
}

async function clearPrefix(db: NodeDb, prefix: Uint8Array, batchKeys: number, keep?: Uint8Array): Promise<void> {
  for (;;) {
    const b = db.batch();
    let n = 0;
    for await (const k of db.level.keys({ gte: prefix, lt: prefixEnd(prefix), limit: batchKeys + 1, ...BULK_SCAN })) {
      if (keep && compareBytes(k, keep) === 0) continue;
      b.del(k);
      if (++n >= batchKeys) break;
    }
    await b.write({ sync: false });
    if (n === 0) return;
  }
}

/** Replaces a group's state and data with a streamed image. */
export class SnapshotIngest {
  private started = false;

  constructor(
    private readonly db: NodeDb,
    private readonly group: number,
    private readonly batchKeys = 4096,
  ) {}

  /** Clears leftovers of an earlier, abandoned ingest from staging. Live data is untouched. */
  async begin(): Promise<void> {
    await clearPrefix(this.db, groupPrefix(NS_STAGE, this.group), this.batchKeys);
    this.started = true;
  }

  /** Stages one chunk (live data is untouched until finish()). */
  async add(chunk: SnapshotChunk): Promise<void> {
    if (!this.started) throw new StorageError('INVALID_ARGUMENT', 'ingest: add() before begin()');
    const b = this.db.batch();
    for (const row of chunk.rows) b.put(stagingKey(this.group, row), row.value);
    await b.write({ sync: false });
  }

  /** The image is complete: swap it in (crash-safe: resumed at restart). */
  async finish(): Promise<void> {
    if (!this.started) throw new StorageError('INVALID_ARGUMENT', 'ingest: finish() before begin()');
    const marker = this.db.batch();
    marker.put(stateKey(this.group, INGEST_MARKER), Uint8Array.of(1));
    await marker.write({ sync: true }); // staged rows are durable before the marker (same log, in order)
    await installStaged(this.db, this.group, this.batchKeys);
  }
}

/** Moves a complete staged image into the live namespaces, then clears the marker. */
async function installStaged(db: NodeDb, group: number, batchKeys: number): Promise<void> {
  const markerKey = stateKey(group, INGEST_MARKER);
  for (const ns of NAMESPACES) await clearPrefix(db, groupPrefix(ns, group), batchKeys, markerKey);
  const stage = groupPrefix(NS_STAGE, group);
  for (;;) {
    const b = db.batch();
    let n = 0;
    for await (const [k, v] of db.level.iterator({ gte: stage, lt: prefixEnd(stage), limit: batchKeys, ...BULK_SCAN })) {
      const row = { key: k.subarray(stage.byteLength), value: v };
      // The image may carry the sender's own marker; it must not land here.
      const live = absoluteKey(group, row);
      if (compareBytes(live, markerKey) !== 0) b.put(live, v);
      b.del(k);
      n++;
    }
    await b.write({ sync: false });
    if (n === 0) break;
  }
  const done = db.batch();
  done.del(markerKey);
  await done.write({ sync: true });
}

/** True if an ingest of this group stopped while swapping in a complete staged image. */
export async function ingestIncomplete(db: NodeDb, group: number): Promise<boolean> {
  return (await db.level.get(stateKey(group, INGEST_MARKER))) !== undefined;
}

/** Finishes an interrupted swap (at start-up, before the group's state machine opens). */
export async function resumeIngest(db: NodeDb, group: number, batchKeys = 4096): Promise<void> {
  await installStaged(db, group, batchKeys);
}
