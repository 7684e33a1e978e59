// --replace-node: a node whose data was lost comes back under its own id
// without ever voting on an empty log. For every group the old store was a
// member of (the plan, persisted once): remove the old member while this node
// holds no replica of the group, add this node back as a learner, let it take
// raft traffic for the group (until then the host drops it), wait until the
// learner caught up, promote it. Resumable: a restart re-reads the plan and
// each step checks the group's configuration first. The store stays marked
// `replacing` until every group is done.

import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { KvError, fromServiceError } from '../api/errors.js';
import type { AdminClient } from '../proto-gen/ferrykv/admin/v1/Admin.js';
import type { GroupStatus__Output } from '../proto-gen/ferrykv/admin/v1/GroupStatus.js';
import type { NodeStatusResponse__Output } from '../proto-gen/ferrykv/admin/v1/NodeStatusResponse.js';
import { CHANNEL_OPTIONS, protos } from '../api/protos.js';
import type { NodeDb } from '../storage/db.js';
import { NS_META, concat } from '../storage/keys.js';
import { writeIdentity, type StoreIdentity } from '../storage/identity.js';
import type { NodeConfig } from './config.js';
import { sleep } from '../runtime/backoff.js';

const PLAN_KEY = concat([Uint8Array.of(NS_META), new TextEncoder().encode('replace-plan')]);
const RETRY_MS = 500;
const CALL_TIMEOUT_MS = 5000;
/** Groups re-entered at once (each a few membership changes and a snapshot); one at a time took minutes for 100 groups. */
const REENTER_CONCURRENCY = 8;
/** A peers' status view is shared by the steps that ask within this long after it was taken. */
const VIEW_MAX_AGE_MS = 250;

type PeerView = readonly ({ readonly address: string; readonly status: NodeStatusResponse__Output } | undefined)[];

export interface ReplaceDeps {
  readonly cfg: NodeConfig;
  readonly db: NodeDb;
  readonly log: Logger;
  readonly identity: StoreIdentity;
  /** This node's gRPC address as peers reach it. */
  readonly address: string;
  /** Whether this node holds a replica of the group (created from leader traffic after its gate opened). */
  readonly hasReplica: (group: number) => boolean;
  /** Lets raft traffic of the group through to this node. */
  readonly openGate: (group: number) => void;
  readonly stopped: () => boolean;
}


export class NodeReplacement {
  private readonly admins = new Map<string, AdminClient>();
  /** The last peers' status view: one NodeStatus per peer serves every group's step (not one per group). */
  private view: { readonly takenAt: number; readonly peers: Promise<PeerView> } | undefined;

  constructor(private readonly d: ReplaceDeps) {}

  private admin(address: string): AdminClient {
    let c = this.admins.get(address);
    if (!c) {
      c = new (protos().admin.ferrykv.admin.v1.Admin)(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
      this.admins.set(address, c);
    }
    return c;
  }

  private call<Res>(address: string, method: 'nodeStatus' | 'removeMember' | 'addMember' | 'promoteMember', req: object): Promise<Res> {
    const c = this.admin(address) as unknown as Record<string, (r: object, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: Res) => void) => void>;
    return new Promise((resolve, reject) =>
      c[method]!.call(this.admin(address), req, { deadline: Date.now() + CALL_TIMEOUT_MS }, (e, r) => (e ? reject(fromServiceError(e)) : resolve(r!))),
    );
  }

  /** Every peer's status, taken at or after `since` (ms; shared while younger than VIEW_MAX_AGE_MS). */
  private peersView(since: number): Promise<PeerView> {
    const now = Date.now();
    if (this.view && this.view.takenAt >= since && now - this.view.takenAt < VIEW_MAX_AGE_MS) return this.view.peers;
    const peers = this.d.cfg.cluster.nodes.filter((n) => n.id !== this.d.cfg.nodeId);
    const p = Promise.all(peers.map((n) => this.call<NodeStatusResponse__Output>(n.address, 'nodeStatus', {}).then((status) => ({ address: n.address, status }), () => undefined)));
    this.view = { takenAt: now, peers: p };
    return p;
  }

  /** The group as its leader sees it in a view taken at or after `since`, and the leader's address (undefined: no leader answered). */
  private async leaderView(group: number, since = 0): Promise<{ address: string; status: GroupStatus__Output } | undefined> {
    for (const a of await this.peersView(since)) {
      const g = a?.status.groups.find((x) => x.groupId === group && x.role === 'Leader');
      if (a && g) return { address: a.address, status: g };
    }
    return undefined;
  }

  /** Groups the old store was a member of: decided once, before anything changes, then persisted. */
  private async plan(): Promise<number[]> {
    const saved = await this.d.db.level.get(PLAN_KEY);
    if (saved !== undefined) return JSON.parse(new TextDecoder().decode(saved)) as number[];
    const me = this.d.cfg.nodeId;
    const groups: number[] = [];
    for (const g of this.d.cfg.cluster.groups) {
      for (;;) {
        const v = await this.leaderView(g.id);
        if (v) {
          if (v.status.voters.includes(me) || v.status.learners.includes(me)) groups.push(g.id);
          break;
        }
        if (this.d.stopped()) return [];
        this.d.log.info({ groupId: g.id }, 'replace-node: waiting for a leader of the group');
        await sleep(RETRY_MS);
      }
    }
    await this.d.db.level.put(PLAN_KEY, new TextEncoder().encode(JSON.stringify(groups)), { sync: true });
    this.d.log.warn({ groups }, 'replace-node: groups to re-enter');
    return groups;
  }

  /** Runs the replacement to the end (retrying every step); resolves when this node votes again everywhere. */
  async run(): Promise<void> {
    const groups = await this.plan();
    const queue = [...groups];
    await Promise.all(
      Array.from({ length: Math.min(REENTER_CONCURRENCY, queue.length) }, async () => {
        for (let g = queue.shift(); g !== undefined && !this.d.stopped(); g = queue.shift()) await this.reenter(g);
      }),
    );
    if (this.d.stopped()) return;
    await writeIdentity(this.d.db, { ...this.d.identity, replacing: false });
    await this.d.db.level.del(PLAN_KEY);
    for (const c of this.admins.values()) c.close();
    this.d.log.warn({ groups }, 'replace-node: done; this node is a voter again in every group it was in');
  }

  /** Re-enters one group: steps until done; a step that changed something is followed at once, one that could not wait RETRY_MS. */
  private async reenter(g: number): Promise<void> {
    let since = 0;
    while (!this.d.stopped()) {
      try {
        const r = await this.step(g, since);
        if (r === 'done') return;
        // The next step needs a view that shows this change.
        since = Date.now();
        continue;
      } catch (e) {
        const err = e instanceof KvError ? e : new KvError('UNAVAILABLE', String(e));
        this.d.log.info({ groupId: g, err: err.message }, 'replace-node: step not done yet; retrying');
      }
      await sleep(RETRY_MS);
      since = Date.now();
    }
  }

  /** One step for one group: 'done' once this node is a voter again with its own replica, 'changed' when it moved the group on. */
  private async step(group: number, since: number): Promise<'done' | 'changed'> {
    const me = this.d.cfg.nodeId;
    const v = await this.leaderView(group, since);
    if (!v) throw new KvError('UNAVAILABLE', `group ${group} has no leader`);
    const voter = v.status.voters.includes(me);
    const learner = v.status.learners.includes(me);
    if (voter && this.d.hasReplica(group)) {
      this.d.openGate(group);
      return 'done';
    }
    if (voter) {
      // The old member: it voted and acknowledged on a log this store no longer has.
      await this.call(v.address, 'removeMember', { groupId: group, nodeId: me });
      this.d.log.warn({ groupId: group }, 'replace-node: old member removed');
      return 'changed';
    }
    if (!learner) {
      await this.call(v.address, 'addMember', { groupId: group, nodeId: me, learner: true, address: this.d.address });
      this.d.log.info({ groupId: group }, 'replace-node: added back as a learner');
      return 'changed';
    }
    this.d.openGate(group);
    // Promotion refuses a learner that has not caught up (retried until it has).
    await this.call(v.address, 'promoteMember', { groupId: group, nodeId: me });
    this.d.log.info({ groupId: group }, 'replace-node: promoted to voter');
    return 'changed';
  }
}
