// The identity of a node's store: which cluster and node its data belongs to,
// and a random store id made when the data dir was created. A node refuses to
// run on a store of another cluster or node, and its peers refuse raft traffic
// from a store other than the one they know it by (src/transport/peer-guard.ts),
// so a node whose data dir was wiped can never vote as the voter it was.
//
// Layout (NS_META): `identity` → the record below; `peer/<node u32>` → the
// store id this node knows that peer by (learned on first contact, replaced
// only by a store that names it in `replaces`).
//
// Record, version 1: [version u8][node u32][cluster id len u16][cluster id
// utf-8][store id 16][replaces len u8][replaces][flags u8][created ms u64].
// flags bit 0: a replacement is still in progress (--replace-node).

import { randomBytes } from 'node:crypto';
import type { NodeDb } from './db.js';
import { StorageError } from './db.js';
import { NS_META, concat, readU32, readU64, u32, u64 } from './keys.js';

const IDENTITY_VERSION = 1;
const STORE_ID_BYTES = 16;
const IDENTITY_KEY = concat([Uint8Array.of(NS_META), new TextEncoder().encode('identity')]);
const PEER_PREFIX = concat([Uint8Array.of(NS_META), new TextEncoder().encode('peer/')]);

export interface StoreIdentity {
  readonly clusterId: string;
  readonly nodeId: number;
  readonly storeId: Uint8Array;
  /** The store this one replaced (--replace-node), empty otherwise. */
  readonly replaces: Uint8Array;
  /** A replacement is still in progress: the node must finish it before it takes part in any group. */
  readonly replacing: boolean;
  readonly createdAtMs: number;
}

export function newStoreId(): Uint8Array {
  return Uint8Array.from(randomBytes(STORE_ID_BYTES));
}

export function storeIdHex(id: Uint8Array): string {
  return Buffer.from(id).toString('hex');
}

export function encodeIdentity(id: StoreIdentity): Uint8Array {
  if (id.storeId.byteLength !== STORE_ID_BYTES) throw new StorageError('INVALID_ARGUMENT', `store id must be ${STORE_ID_BYTES} bytes`);
  const cluster = new TextEncoder().encode(id.clusterId);
  const clusterLen = new Uint8Array(2);
  new DataView(clusterLen.buffer).setUint16(0, cluster.byteLength);
  return concat([
    Uint8Array.of(IDENTITY_VERSION),
    u32(id.nodeId),
    clusterLen,
    cluster,
    id.storeId,
    Uint8Array.of(id.replaces.byteLength),
    id.replaces,
    Uint8Array.of(id.replacing ? 1 : 0),
    u64(BigInt(id.createdAtMs)),
  ]);
}

export function decodeIdentity(b: Uint8Array): StoreIdentity {
  const fail = (why: string): never => {
    throw new StorageError('CORRUPT', `store identity record: ${why}`);
  };
  if (b.byteLength < 1) fail('empty');
  if (b[0] !== IDENTITY_VERSION) fail(`unknown version ${b[0]} (written by a newer ferrykv?)`);
  let o = 1;
  const need = (n: number): void => {
    if (o + n > b.byteLength) fail('truncated');
  };
  need(6);
  const nodeId = readU32(b, o);
  o += 4;
  const clusterLen = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint16(o);
  o += 2;
  need(clusterLen + STORE_ID_BYTES + 1);
  const clusterId = new TextDecoder().decode(b.subarray(o, o + clusterLen));
  o += clusterLen;
  const storeId = Uint8Array.from(b.subarray(o, o + STORE_ID_BYTES));
  o += STORE_ID_BYTES;
  const replacesLen = b[o]!;
  o += 1;
  need(replacesLen + 9);
  const replaces = Uint8Array.from(b.subarray(o, o + replacesLen));
  o += replacesLen;
  const replacing = (b[o]! & 1) === 1;
  o += 1;
  const createdAtMs = Number(readU64(b, o));
  return { clusterId, nodeId, storeId, replaces, replacing, createdAtMs };
}

export async function readIdentity(db: NodeDb): Promise<StoreIdentity | undefined> {
  const raw = await db.level.get(IDENTITY_KEY);
  return raw === undefined ? undefined : decodeIdentity(raw);
}

export async function writeIdentity(db: NodeDb, id: StoreIdentity): Promise<void> {
  await db.level.put(IDENTITY_KEY, encodeIdentity(id), { sync: true });
}

function peerKey(nodeId: number): Uint8Array {
  return concat([PEER_PREFIX, u32(nodeId)]);
}

/** The store ids this node knows its peers by. */
export async function readPeerStores(db: NodeDb): Promise<Map<number, Uint8Array>> {
  const out = new Map<number, Uint8Array>();
  for await (const [k, v] of db.level.iterator({ gte: PEER_PREFIX, lt: concat([PEER_PREFIX, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff)]) })) {
    out.set(readU32(k, PEER_PREFIX.byteLength), Uint8Array.from(v));
  }
  return out;
}

export async function writePeerStore(db: NodeDb, nodeId: number, storeId: Uint8Array): Promise<void> {
  await db.level.put(peerKey(nodeId), storeId, { sync: true });
}
