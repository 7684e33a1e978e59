// Replica verification (DESIGN.md §9): every replica of a group hashes the
// MVCC state of [start, end) at one Raft-ordered read point — a DIGEST entry
// in the group's log, at which each replica snapshots its storage — into
// Merkle leaves over the reference replica's leaf boundaries; the coordinator
// compares the trees, descends into differing leaves only, and fetches just
// those leaves' versions to name the differing keys. Reading a snapshot never
// blocks writes; a migration or write load on the range changes nothing at
// the read point.

import { BULK_SCAN, type NodeDb } from '../storage/db.js';
import { FAMILY_MVCC, compareBytes, dataPrefix, decodeVersionKey, prefixEnd, versionPrefix } from '../storage/keys.js';
import { decodeValue } from '../storage/mvcc-store.js';
import { LeafBuilder, buildTree, diffEntries, diffTrees, root, type Leaves, type VersionEntry } from './merkle.js';

/** The replica whose versions are read: its group and its node's LevelDB. */
export interface ReplicaData {
  readonly group: number;
  readonly db: NodeDb;
}

type Snapshot = ReturnType<NodeDb['level']['snapshot']>;

/** Versions of [start, end) in a snapshot, in storage order; readTs 0: all, else the state visible at readTs. */
export async function* versionsAt(
  sm: ReplicaData,
  snapshot: Snapshot,
  start: Uint8Array,
  end: Uint8Array,
  readTs: bigint,
  pace?: (bytes: number) => Promise<void>,
  /** readTs bounds every version (all versions ≤ readTs) instead of naming a visible state. */
  upTo = false,
): AsyncGenerator<VersionEntry> {
  let unpaced = 0;
  const fam = dataPrefix(sm.group, FAMILY_MVCC);
  const lo = start.byteLength > 0 ? versionPrefix(sm.group, FAMILY_MVCC, start) : fam;
  const hi = end.byteLength > 0 ? versionPrefix(sm.group, FAMILY_MVCC, end) : prefixEnd(fam);
  let done: Uint8Array | undefined; // the key whose visible version was already decided
  for await (const [k, v] of sm.db.level.iterator({ gte: lo, lt: hi, snapshot, ...BULK_SCAN })) {
    unpaced += k.byteLength + v.byteLength;
    if (pace && unpaced >= 64 << 10) {
      await pace(unpaced);
      unpaced = 0;
    }
    const d = decodeVersionKey(k);
    if (readTs === 0n || upTo) {
      if (upTo && d.ts > readTs) continue;
      yield { key: d.key, ts: d.ts, value: decodeValue(v) };
      continue;
    }
    if (d.ts > readTs) continue;
    if (done && compareBytes(done, d.key) === 0) continue;
    done = d.key;
    const value = decodeValue(v);
    if (value !== null) yield { key: d.key, ts: d.ts, value };
  }
}

/** This replica's leaves at a digest read point (with the reference's boundaries, or choosing them). */
export async function replicaLeaves(
  sm: ReplicaData,
  snapshot: Snapshot,
  req: {
    start: Uint8Array;
    end: Uint8Array;
    readTs: bigint;
    boundaries?: readonly Uint8Array[];
    maxLeafBytes?: number;
    pace?: (bytes: number) => Promise<void>;
    upTo?: boolean;
    /** Keys left out (hex). */
    exclude?: ReadonlySet<string>;
  },
): Promise<Leaves> {
  const b = new LeafBuilder(req.start, { ...(req.boundaries && req.boundaries.length > 0 ? { boundaries: req.boundaries } : {}), ...(req.maxLeafBytes ? { maxLeafBytes: req.maxLeafBytes } : {}) });
  for await (const e of versionsAt(sm, snapshot, req.start, req.end, req.readTs, req.pace, req.upTo ?? false)) {
    if (req.exclude && req.exclude.size > 0 && req.exclude.has(Buffer.from(e.key).toString('hex'))) continue;
    b.add(e);
  }
  return b.finish();
}

/** The versions of a replica in the given ranges (bounded). */
export async function replicaEntries(sm: ReplicaData, snapshot: Snapshot, ranges: readonly { start: Uint8Array; end: Uint8Array }[], readTs: bigint, max: number): Promise<{ entries: VersionEntry[]; truncated: boolean }> {
  const entries: VersionEntry[] = [];
  for (const r of ranges) {
    for await (const e of versionsAt(sm, snapshot, r.start, r.end, readTs)) {
      if (entries.length >= max) return { entries, truncated: true };
      entries.push(e);
    }
  }
  return { entries, truncated: false };
}

export interface ReplicaAnswer {
  readonly nodeId: number;
  readonly leaves?: Leaves;
  readonly error?: string;
}

export interface VerifyReport {
  readonly consistent: boolean;
  readonly referenceNodeId: number;
  readonly replicas: { nodeId: number; root: Buffer; leaves: number; bytes: number; error: string }[];
  readonly differingRanges: { start: Uint8Array; end: Uint8Array }[];
  readonly differingKeys: { key: Uint8Array; ts: bigint; nodeId: number; kind: 'missing' | 'extra' | 'changed' }[];
  readonly keysTruncated: boolean;
  readonly bytesScanned: number;
  readonly nodesCompared: number;
}

export interface VerifyIo {
  /** Leaves of one replica at the read point. */
  leaves(nodeId: number, boundaries: readonly Uint8Array[]): Promise<Leaves>;
  /** Versions of one replica in the ranges. */
  entries(nodeId: number, ranges: readonly { start: Uint8Array; end: Uint8Array }[], max: number): Promise<{ entries: VersionEntry[]; truncated: boolean }>;
}

/** Compares every replica with the reference (the leader): trees first, then only the differing leaves' versions. */
export async function compareReplicas(reference: number, others: readonly number[], end: Uint8Array, io: VerifyIo, maxKeys: number): Promise<VerifyReport> {
  const ref = await io.leaves(reference, []);
  const refTree = buildTree([...ref.hashes]);
  const replicas: VerifyReport['replicas'] = [{ nodeId: reference, root: root(refTree), leaves: ref.hashes.length, bytes: ref.bytes, error: '' }];
  const differingRanges: VerifyReport['differingRanges'] = [];
  const differingKeys: VerifyReport['differingKeys'] = [];
  let keysTruncated = false;
  let bytesScanned = ref.bytes;
  let nodesCompared = 0;
  let consistent = true;
  const rangeOf = (i: number): { start: Uint8Array; end: Uint8Array } => ({ start: ref.boundaries[i]!, end: ref.boundaries[i + 1] ?? end });
  for (const nodeId of others) {
    let mine: Leaves;
    try {
      mine = await io.leaves(nodeId, ref.boundaries);
    } catch (e) {
      consistent = false;
      replicas.push({ nodeId, root: Buffer.alloc(0), leaves: 0, bytes: 0, error: (e as Error).message });
      continue;
    }
    bytesScanned += mine.bytes;
    const tree = buildTree([...mine.hashes]);
    replicas.push({ nodeId, root: root(tree), leaves: mine.hashes.length, bytes: mine.bytes, error: '' });
    const diff = diffTrees(refTree, tree);
    nodesCompared += diff.visited;
    if (diff.leaves.length === 0) continue;
    consistent = false;
    const ranges = diff.leaves.map(rangeOf);
    for (const r of ranges) if (!differingRanges.some((x) => compareBytes(x.start, r.start) === 0)) differingRanges.push(r);
    if (differingKeys.length >= maxKeys) {
      keysTruncated = true;
      continue;
    }
    const [a, b] = await Promise.all([io.entries(reference, ranges, 100_000), io.entries(nodeId, ranges, 100_000)]);
    const d = diffEntries(a.entries, b.entries);
    const add = (e: VersionEntry, kind: 'missing' | 'extra' | 'changed'): void => {
      if (differingKeys.length >= maxKeys) keysTruncated = true;
      else differingKeys.push({ key: e.key, ts: e.ts, nodeId, kind });
    };
    d.onlyA.forEach((e) => add(e, 'missing'));
    d.onlyB.forEach((e) => add(e, 'extra'));
    d.changed.forEach((e) => add(e, 'changed'));
    if (a.truncated || b.truncated) keysTruncated = true;
  }
  differingRanges.sort((x, y) => compareBytes(x.start, y.start));
  return { consistent, referenceNodeId: reference, replicas, differingRanges, differingKeys, keysTruncated, bytesScanned, nodesCompared };
}
