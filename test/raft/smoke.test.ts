import { describe, expect, it } from 'vitest';
import { StateRole } from '../../src/raft/index.js';
import { Network } from './harness.js';

describe('smoke', () => {
  it('elects a leader and replicates', () => {
    const net = new Network([1, 2, 3]);
    net.campaign(1);
    expect(net.raft(1).role).toBe(StateRole.Leader);
    net.propose(1, 'a', 'b');
    net.tickAll(2);
    for (const n of [1, 2, 3]) expect(net.appliedData(n)).toEqual(['a', 'b']);
  });
});
