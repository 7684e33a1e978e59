import { describe, expect, it } from 'vitest';
import { MessageType, ProgressState, nodeId, message, type Snapshot } from '../../src/raft/index.js';
import { enc, makeEntries, type Network } from './harness.js';
import { clusterWithLeader, drain, msgsOf, soloRaft, tickUntilLeader } from './helpers.js';

const dec = (d: Uint8Array): string => new TextDecoder().decode(d);

/** The host of `n` snapshots its state machine at its applied index and compacts its log there. */
function snapshotAndCompact(net: Network, n: number): Snapshot {
  const { raft, storage } = net.node(n);
  const index = raft.log.applied;
  const snap = storage.createSnapshot(index, raft.confStateAt(index), enc(`state@${index}`));
  storage.compact(index);
  return snap;
}

/** A three-node cluster where node 3 missed entries that the leader then compacted away. */
function followerBehindCompaction(): { net: Network; snap: Snapshot } {
  const net = clusterWithLeader([1, 2, 3]);
  net.propose(1, 'a');
  net.isolate(3);
  net.propose(1, 'b');
  net.propose(1, 'c', 'd');
  const snap = snapshotAndCompact(net, 1);
  expect(net.raft(1).log.firstIndex()).toBe(snap.meta.index + 1);
  expect(net.raft(3).log.lastIndex()).toBeLessThan(snap.meta.index);
  net.heal();
  return { net, snap };
}

describe('Snapshots', () => {
  it('after an ingested snapshot is installed, the leader of the same term learns where the follower is and goes on with appends', () => {
    const { net, snap } = followerBehindCompaction();
    let held: ReturnType<typeof msgsOf>[number] | undefined;
    net.dropWhen((m) => {
      if (m.type === MessageType.Snap && m.to === nodeId(3)) {
        held ??= m;
        return true;
      }
      return false;
    });
    net.tick(1, 1);
    expect(held?.snapshot?.meta).toEqual(snap.meta);
    net.dropWhen(() => false);
    // The host ingested the image and installs it (no message step): the leader hears of it.
    expect(net.raft(3).installSnapshot(held!.snapshot!, held!.from)).toBe(true);
    net.stabilize();
    expect(net.raft(1).status().progress.get(nodeId(3))!.match).toBeGreaterThanOrEqual(snap.meta.index);
    const snaps = msgsOf(net.delivered, MessageType.Snap, 3).length;
    net.propose(1, 'after');
    net.stabilize();
    expect(net.appliedData(3)).toContain('after');
    expect(msgsOf(net.delivered, MessageType.Snap, 3).length).toBe(snaps);
  });

  it('installs a snapshot the host ingested after the term moved on (a stale-term Snap message is dropped by step)', () => {
    const { net, snap } = followerBehindCompaction();
    // The leader's Snap to node 3 is held back while node 3 "ingests" it.
    let held: ReturnType<typeof msgsOf>[number] | undefined;
    net.dropWhen((m) => {
      if (m.type === MessageType.Snap && m.to === nodeId(3)) {
        held ??= m;
        return true;
      }
      return false;
    });
    net.tick(1, 1);
    expect(held?.snapshot?.meta).toEqual(snap.meta);
    // Meanwhile node 2 becomes leader in a newer term, and node 3 hears of it.
    // (Appends to node 3 are held back too, so it stays behind until the image is installed.)
    net.dropWhen((m) => m.to === nodeId(3) && (m.type === MessageType.App || m.type === MessageType.Snap));
    net.isolate(1);
    expect(tickUntilLeader(net, [2, 3])).toBe(2);
    expect(net.raft(3).term).toBeGreaterThan(held!.term);
    const f = net.raft(3);
    const before = { last: f.log.lastIndex(), committed: f.log.committed };
    // step() drops the stale message: the log never learns of the image.
    f.step(held!);
    expect({ last: f.log.lastIndex(), committed: f.log.committed }).toEqual(before);
    // installSnapshot() takes it: committed state, whatever the term — and without treating its
    // (long-gone) sender as the leader (that restarted the election timer, and votes were ignored).
    const lead = f.lead;
    const term = f.term;
    expect(f.installSnapshot(held!.snapshot!, held!.from)).toBe(true);
    expect({ lead: f.lead, term: f.term }).toEqual({ lead, term });
    expect(f.log.committed).toBe(snap.meta.index);
    expect(f.log.firstIndex()).toBe(snap.meta.index + 1);
    // The new leader catches node 3 up by appends: no second snapshot.
    net.dropWhen(() => false);
    const snapsBefore = msgsOf(net.delivered, MessageType.Snap, 3).length;
    net.propose(2, 'z');
    net.stabilize();
    expect(msgsOf(net.delivered, MessageType.Snap, 3).length).toBe(snapsBefore);
    expect(net.raft(3).log.committed).toBe(net.raft(2).log.committed);
  });

  it('a follower behind the compaction point is sent the snapshot, installs it, then catches up by appends', () => {
    const { net, snap } = followerBehindCompaction();
    net.tick(1, 1); // a heartbeat round finds node 3 again
    const snaps = msgsOf(net.delivered, MessageType.Snap, 3);
    expect(snaps).toHaveLength(1);
    expect(snaps[0]!.snapshot!.meta).toEqual(snap.meta);

    const f = net.node(3);
    expect(f.storage.snapshot().meta.index).toBe(snap.meta.index);
    expect(dec(f.storage.snapshot().data)).toBe(`state@${snap.meta.index}`);
    expect(f.raft.log.firstIndex()).toBe(snap.meta.index + 1);
    expect(f.raft.log.committed).toBe(net.raft(1).log.committed);
    // Entries covered by the snapshot are not applied one by one.
    expect(net.appliedData(3)).toEqual(['a']);

    net.propose(1, 'e');
    expect(net.appliedData(3)).toEqual(['a', 'e']);
    expect(net.raft(1).status().progress.get(nodeId(3))!.state).toBe(ProgressState.Replicate);
    expect(net.raft(1).status().progress.get(nodeId(3))!.match).toBe(net.raft(1).log.lastIndex());
  });

  it('a follower whose missing entries are still in the leader log is repaired by appends, not a snapshot', () => {
    const net = clusterWithLeader([1, 2, 3]);
    net.propose(1, 'a');
    net.stabilize();
    const behind = net.raft(3).log.lastIndex();
    net.isolate(3);
    net.propose(1, 'b', 'c');
    // Compact only what node 3 already has.
    const { raft, storage } = net.node(1);
    storage.createSnapshot(behind, raft.confStateAt(behind), enc('x'));
    storage.compact(behind);
    net.heal();
    net.tick(1, 1);
    expect(msgsOf(net.delivered, MessageType.Snap)).toEqual([]);
    expect(net.appliedData(3)).toEqual(['a', 'b', 'c']);
  });

  it('while a snapshot is in flight the leader sends that follower nothing else; a failed delivery makes it probe again', () => {
    const { net, snap } = followerBehindCompaction();
    net.dropTypes.add(MessageType.Snap); // the snapshot is lost in transit
    net.tick(1, 1);
    const pr = (): ProgressState => net.raft(1).status().progress.get(nodeId(3))!.state;
    expect(pr()).toBe(ProgressState.Snapshot);

    const before = net.delivered.length;
    net.propose(1, 'e');
    expect(msgsOf(net.delivered.slice(before), MessageType.App, 3)).toEqual([]);

    net.raft(1).reportSnapshot(nodeId(3), false);
    expect(pr()).toBe(ProgressState.Probe);
    net.heal();
    net.tick(1, 2);
    expect(net.node(3).storage.snapshot().meta.index).toBe(snap.meta.index);
    expect(net.appliedData(3)).toEqual(['a', 'e']);
  });

  it('a node restarted after installing a snapshot resumes from it', () => {
    const { net, snap } = followerBehindCompaction();
    net.tick(1, 1);
    const node = net.restart(3);
    expect(node.raft.log.firstIndex()).toBe(snap.meta.index + 1);
    expect(node.raft.log.committed).toBeGreaterThanOrEqual(snap.meta.index);
    expect(node.raft.confState()).toEqual(snap.meta.confState);
    net.propose(1, 'e');
    expect(net.raft(3).log.committed).toBe(net.raft(1).log.committed);
  });

  it('a follower ignores a snapshot that is not newer than its commit index', () => {
    const { raft, storage } = soloRaft(2, [1, 2, 3], {}, [], makeEntries(1, [1, 1, 1, 1]), { term: 1, commit: 4 });
    const old: Snapshot = { meta: { index: 3, term: 1, confState: raft.confState() }, data: enc('old') };
    raft.step(message({ type: MessageType.Snap, from: nodeId(1), to: nodeId(2), term: 1, snapshot: old }));
    const resp = msgsOf(drain(raft, storage), MessageType.AppResp, 1);
    expect(resp.map((m) => [m.reject, m.index])).toEqual([[false, 4]]);
    expect(raft.log.firstIndex()).toBe(2);
    expect(raft.log.lastIndex()).toBe(4);
    expect(storage.snapshot().data).not.toEqual(enc('old'));
  });

  it('a follower that already holds the snapshot point keeps its log and only learns the commit', () => {
    const { raft, storage } = soloRaft(2, [1, 2, 3], {}, [], makeEntries(1, [1, 1, 1, 1, 1]), { term: 1, commit: 2 });
    const snap: Snapshot = { meta: { index: 4, term: 1, confState: raft.confState() }, data: enc('s') };
    raft.step(message({ type: MessageType.Snap, from: nodeId(1), to: nodeId(2), term: 1, snapshot: snap }));
    drain(raft, storage);
    expect(raft.log.committed).toBe(4);
    expect(raft.log.lastIndex()).toBe(5);
    expect(storage.snapshot().meta.index).toBe(1);
  });
});
