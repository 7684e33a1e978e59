// Start-up check of a node's store identity (docs/operations.md, "A lost
// disk"): the data dir must belong to this cluster and this node id, and an
// empty data dir may only start a node no peer has known before — otherwise
// the node's state was lost, and starting it as the voter it was could elect a
// leader without acknowledged writes. `--replace-node` is the explicit way
// back: the node takes a new store that names the old one as replaced, and
// re-enters every group as a learner first (src/server/replace-node.ts).

import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { IdentifyResponse__Output } from '../proto-gen/ferrykv/internal/v1/IdentifyResponse.js';
import type { InternalClient } from '../proto-gen/ferrykv/internal/v1/Internal.js';
import { CHANNEL_OPTIONS, protos } from '../api/protos.js';
import type { NodeDb } from '../storage/db.js';
import { NS_RAFT } from '../storage/keys.js';
import { newStoreId, readIdentity, storeIdHex, writeIdentity, type StoreIdentity } from '../storage/identity.js';
import type { ClusterFile, NodeConfig } from './config.js';

/** How long a node with an empty data dir asks its peers whether they knew it. */
const PROBE_TIMEOUT_MS = 2000;

/** A start-up refusal: the message says what is wrong and what to do; the process exits with EXIT_STORE_REFUSED. */
export class StoreRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreRefused';
  }
}

/** Exit status of a node that refuses its data dir (EX_CONFIG). */
export const EXIT_STORE_REFUSED = 78;

/**
 * The cluster's id: a digest of the cluster file's bootstrap facts (groups
 * with their initial voters, and routes). Node addresses are left out, so
 * moving a node to another address keeps its cluster.
 */
export function clusterIdOf(c: ClusterFile): string {
  const groups = [...c.groups].map((g) => ({ id: g.id, voters: [...g.voters].sort((a, b) => a - b) })).sort((a, b) => a.id - b.id);
  const routes = [...c.routes].map((r) => ({ start: r.start, end: r.end, group: r.group })).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  return createHash('sha256').update(JSON.stringify({ groups, routes })).digest('hex').slice(0, 32);
}

interface PeerAnswer {
  readonly nodeId: number;
  readonly clusterId: string;
  /** The store this peer knows the asking node by (empty: none). */
  readonly knownStore: Uint8Array;
}

/** Asks every other node of the cluster file who it knows this node as; unreachable peers are left out. */
export async function probePeers(cfg: NodeConfig, clusterId: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<PeerAnswer[]> {
  const peers = cfg.cluster.nodes.filter((n) => n.id !== cfg.nodeId);
  const answers = await Promise.all(
    peers.map(
      (n) =>
        new Promise<PeerAnswer | undefined>((resolve) => {
          const c: InternalClient = new (protos().internal.ferrykv.internal.v1.Internal)(n.address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
          c.identify({ fromNode: cfg.nodeId, clusterId }, { deadline: Date.now() + timeoutMs }, (err: grpc.ServiceError | null, res?: IdentifyResponse__Output) => {
            c.close();
            resolve(err || !res ? undefined : { nodeId: n.id, clusterId: res.clusterId, knownStore: Uint8Array.from(res.knownStore) });
          });
        }),
    ),
  );
  return answers.filter((a): a is PeerAnswer => a !== undefined);
}

async function hasRaftState(db: NodeDb): Promise<boolean> {
  for await (const _ of db.level.keys({ gte: Uint8Array.of(NS_RAFT), lt: Uint8Array.of(NS_RAFT + 1), limit: 1 })) return true;
  return false;
}

/**
 * The store identity this node runs with: checked against the configuration
 * if the data dir has one, made anew otherwise (after asking the peers).
 * Throws StoreRefused when the node must not start.
 */
export async function establishIdentity(db: NodeDb, cfg: NodeConfig, log: Logger, probe = probePeers): Promise<StoreIdentity> {
  const clusterId = clusterIdOf(cfg.cluster);
  const stored = await readIdentity(db);
  if (stored) {
    if (stored.nodeId !== cfg.nodeId) {
      throw new StoreRefused(`${cfg.dataDir} holds the store of node ${stored.nodeId}, not node ${cfg.nodeId}: each node needs its own data dir`);
    }
    if (stored.clusterId !== clusterId) {
      throw new StoreRefused(
        `${cfg.dataDir} belongs to cluster ${stored.clusterId}, but the cluster file describes cluster ${clusterId} (its groups or routes differ from the ones this store was bootstrapped with)`,
      );
    }
    if (cfg.replaceNode && !stored.replacing) throw new StoreRefused(`--replace-node: ${cfg.dataDir} already holds node ${cfg.nodeId}'s store; start without --replace-node`);
    return stored;
  }
  const base = { clusterId, nodeId: cfg.nodeId, storeId: newStoreId(), createdAtMs: Date.now() };
  if (await hasRaftState(db)) {
    // A data dir from before store identities: it is this node's (nothing says otherwise).
    if (cfg.replaceNode) throw new StoreRefused(`--replace-node needs an empty data dir; ${cfg.dataDir} holds raft state`);
    const id: StoreIdentity = { ...base, replaces: new Uint8Array(0), replacing: false };
    await writeIdentity(db, id);
    log.warn({ store: storeIdHex(id.storeId) }, 'data dir from an earlier release: store identity created');
    return id;
  }
  const answers = await probe(cfg, clusterId);
  const knownBy = answers.filter((a) => a.clusterId === clusterId && a.knownStore.byteLength > 0);
  for (const a of answers.filter((x) => x.clusterId !== clusterId)) log.warn({ peer: a.nodeId, peerCluster: a.clusterId, clusterId }, 'a node of the cluster file belongs to another cluster');
  if (cfg.replaceNode) {
    const old = knownBy[0];
    if (!old) {
      throw new StoreRefused(
        `--replace-node: no reachable peer knows node ${cfg.nodeId} (asked ${answers.length} of ${cfg.cluster.nodes.length - 1}); there is nothing to replace — start without --replace-node, or retry when a peer is up`,
      );
    }
    const id: StoreIdentity = { ...base, replaces: old.knownStore, replacing: true };
    await writeIdentity(db, id);
    log.warn({ store: storeIdHex(id.storeId), replaces: storeIdHex(old.knownStore) }, 'replacing this node: a new store, re-entering every group as a learner');
    return id;
  }
  if (knownBy.length > 0) {
    throw new StoreRefused(
      `${cfg.dataDir} is empty, but node ${knownBy.map((a) => a.nodeId).join(', ')} already knows node ${cfg.nodeId} (as store ${storeIdHex(knownBy[0]!.knownStore)}): ` +
        `this node's data was lost. Starting it as the voter it was could lose acknowledged writes, so it will not start. ` +
        `Restore the data dir, or replace the node: start it with --replace-node on an empty data dir (docs/operations.md, "A lost disk")`,
    );
  }
  const id: StoreIdentity = { ...base, replaces: new Uint8Array(0), replacing: false };
  await writeIdentity(db, id);
  log.info({ store: storeIdHex(id.storeId), clusterId, peersAsked: answers.length }, 'new store');
  return id;
}
