import { describe, expect, it } from 'vitest';
import { MessageType, ProgressState, message, nodeId, type Message } from '../../src/raft/index.js';
import type { Network } from './harness.js';
import { clusterWithLeader, msgsOf } from './helpers.js';

/** Appends with entries sent (delivered or not) by the leader to `to` since `since`. */
function appsSent(net: Network, to: number, since: number): Message[] {
  return msgsOf(net.sent.slice(since), MessageType.App, to).filter((m) => m.entries.length > 0);
}

const progressOf = (net: Network, leader: number, n: number) => net.raft(leader).status().progress.get(nodeId(n))!;

describe('Flow control: the inflight window', () => {
  it.each([1, 3, 5])(
    'with maxInflightMsgs = %i the leader sends at most that many appends to an unresponsive follower in Replicate',
    (n) => {
      const net = clusterWithLeader([1, 2, 3], { maxInflightMsgs: n });
      expect(progressOf(net, 1, 3).state).toBe(ProgressState.Replicate);
      net.cutLink(3, 1); // node 3 receives but its answers are lost
      const since = net.sent.length;
      const proposals = 2 * n + 3;
      for (let i = 0; i < proposals; i++) net.propose(1, `p${i}`);
      net.tick(1, 3); // heartbeats do not reopen the window: their responses are lost too
      expect(appsSent(net, 3, since)).toHaveLength(n);
      expect(progressOf(net, 1, 3).inflight).toBe(n);
      // The responsive follower is unaffected.
      expect(net.appliedData(2)).toHaveLength(proposals);
    },
  );

  it.each([
    { ackOf: 0, which: 'the oldest', freed: 1 },
    { ackOf: 2, which: 'the third', freed: 3 },
    { ackOf: 3, which: 'the newest', freed: 4 },
  ])('acknowledging $which in-flight append frees it and every older one ($freed slots), and the window refills', ({ ackOf, freed }) => {
    const window = 4;
    // One entry per message so the count of messages equals the count of entries.
    const net = clusterWithLeader([1, 2, 3], { maxInflightMsgs: window, maxSizePerMsg: 1 });
    net.cutLink(3, 1);
    const since = net.sent.length;
    for (let i = 0; i < 10; i++) net.propose(1, `p${i}`);
    const inFlight = appsSent(net, 3, since);
    expect(inFlight).toHaveLength(window);

    const acked = inFlight[ackOf]!;
    const leader = net.raft(1);
    const mark = net.sent.length;
    leader.step(
      message({ type: MessageType.AppResp, from: nodeId(3), to: nodeId(1), term: leader.term, index: acked.entries[acked.entries.length - 1]!.index }),
    );
    net.stabilize();
    expect(appsSent(net, 3, mark)).toHaveLength(freed);
    expect(progressOf(net, 1, 3).inflight).toBe(window);
  });

  it('maxInflightBytes bounds the window by bytes as well', () => {
    // 100-byte payloads count 124 bytes: the window is full once 300 bytes are out, i.e. after three.
    const net = clusterWithLeader([1, 2, 3], { maxInflightMsgs: 100, maxInflightBytes: 300 });
    net.cutLink(3, 1);
    const since = net.sent.length;
    for (let i = 0; i < 6; i++) net.propose(1, `${i}`.padEnd(100, '.'));
    expect(appsSent(net, 3, since)).toHaveLength(3);
  });

  it('a follower whose in-flight appends were all lost recovers: a heartbeat response reopens one slot', () => {
    const window = 2;
    const net = clusterWithLeader([1, 2, 3], { maxInflightMsgs: window });
    net.dropWhen((m) => m.type === MessageType.App && m.to === 3); // appends lost, heartbeats get through
    const since = net.sent.length;
    for (let i = 0; i < 5; i++) net.propose(1, `p${i}`);
    expect(appsSent(net, 3, since)).toHaveLength(window);
    net.heal();
    net.tick(1, 3);
    expect(net.appliedData(3)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    expect(progressOf(net, 1, 3).state).toBe(ProgressState.Replicate);
  });

  it('a follower in Probe state gets one append at a time until it answers', () => {
    const net = clusterWithLeader([1, 2, 3]);
    net.raft(1).reportUnreachable(nodeId(3));
    expect(progressOf(net, 1, 3).state).toBe(ProgressState.Probe);
    net.cutLink(3, 1);
    const since = net.sent.length;
    for (let i = 0; i < 4; i++) net.propose(1, `p${i}`);
    expect(appsSent(net, 3, since)).toHaveLength(1);

    // Once it answers, the leader switches back to streaming.
    net.heal();
    net.tick(1, 2);
    expect(progressOf(net, 1, 3).state).toBe(ProgressState.Replicate);
    expect(net.appliedData(3)).toEqual(['p0', 'p1', 'p2', 'p3']);
  });
});
