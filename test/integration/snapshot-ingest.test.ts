// A snapshot stream that breaks part-way must not touch the replica: the image
// is staged and only a complete one replaces the group's data. The replica
// keeps its state and its raft log (which a leader counts on) and serves every
// acknowledged write.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryClient } from '../../src/client/index.js';
import { MessageType, message, nodeId } from '../../src/raft/index.js';
import { CHANNEL_OPTIONS, protos } from '../../src/api/protos.js';
import { FAMILY_MVCC, versionKey } from '../../src/storage/keys.js';
import { encodeValue } from '../../src/storage/mvcc-store.js';
import { encodeRaftMessage } from '../../src/transport/raft-codec.js';
import { TestCluster, call, sleep, waitFor } from '../../testkit/cluster.js';
import type { IdentifyResponse__Output } from '../../src/proto-gen/ferrykv/internal/v1/IdentifyResponse.js';

let c: TestCluster;
beforeAll(async () => {
  c = await TestCluster.start();
}, 60_000);
afterAll(async () => {
  await c?.cleanup();
});

describe('Snapshot ingest', () => {
  it('refuses a snapshot stream that broke mid-way and keeps serving every acknowledged write', async () => {
    const db = new FerryClient({ endpoints: [1, 2, 3].map((id) => c.address(id)), timeoutMs: 10_000 });
    const keys = Array.from({ length: 200 }, (_, i) => `q/${String(i).padStart(4, '0')}`); // group 3
    for (const k of keys) await db.put(k, `v-${k}`);
    const leader = await c.leaderOf(3);
    const follower = [1, 2, 3].find((id) => id !== leader)!;
    const st = (await c.status(follower)).groups.find((g) => g.groupId === 3)!;

    // A snapshot "from the leader", far ahead of the follower, that breaks after a few rows.
    const snap = message({
      type: MessageType.Snap,
      to: nodeId(follower),
      from: nodeId(leader),
      term: Number(st.term),
      snapshot: { meta: { index: Number(st.commit) + 1000, term: Number(st.term), confState: { voters: [1, 2, 3].map(nodeId), learners: [] } }, data: new Uint8Array(0) },
    });
    // It carries the leader's store claim (peers refuse snapshots from stores they do not know).
    const leaderInternal = new (protos().internal.ferrykv.internal.v1.Internal)(c.address(leader), grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    const id = await call<object, IdentifyResponse__Output>(leaderInternal.identify.bind(leaderInternal), { fromNode: follower, clusterId: '' });
    leaderInternal.close();
    const internal = new (protos().internal.ferrykv.internal.v1.Internal)(c.address(follower), grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    const stream = internal.snapshot(() => {});
    stream.on('error', () => {});
    const claim = { clusterId: id.clusterId, storeId: id.storeId, replacesStore: Buffer.alloc(0) };
    stream.write({ groupId: 3, fromNode: leader, claim, message: Buffer.from(encodeRaftMessage(3, snap)), rows: [], done: false });
    // One valid-looking row (group-relative key: namespace byte, then the key after the group id).
    const junk = versionKey(3, FAMILY_MVCC, new TextEncoder().encode('z'), 5n);
    stream.write({ groupId: 3, rows: [{ key: Buffer.concat([junk.subarray(0, 1), junk.subarray(5)]), value: Buffer.from(encodeValue(new TextEncoder().encode('junk'))) }], done: false });
    await sleep(300);
    stream.cancel();
    internal.close();

    await waitFor('the broken stream is refused', () => Promise.resolve((c.log(follower).includes('snapshot refused') && c.log(follower).includes('stream failed')) || undefined), 15_000);
    for (const k of keys.slice(0, 20)) await db.put(k, `v-${k}`); // the group keeps working
    await waitFor(
      'the follower is caught up',
      async () => {
        const l = (await c.status(leader)).groups.find((g) => g.groupId === 3)!;
        const f = (await c.status(follower)).groups.find((g) => g.groupId === 3)!;
        return Number(f.applied) >= Number(l.commit) && Number(f.applied) > 0 ? true : undefined;
      },
      30_000,
    );
    const viaFollower = new FerryClient({ endpoints: [c.address(follower)], timeoutMs: 10_000, routing: 'off' });
    const rows = await viaFollower.batchGet(keys);
    expect(rows.map((r) => Buffer.from(r.key).toString())).toEqual(keys);
    // The junk row of the broken stream is gone.
    expect(await viaFollower.get('z')).toBeUndefined();
    viaFollower.close();
    db.close();
  });
});
