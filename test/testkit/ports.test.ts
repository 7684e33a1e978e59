// The test cluster's port picker: the OS may hand a just-closed ephemeral port
// out again at once, and two nodes of one cluster once got the same port (the
// cluster file was refused, nothing started, and the wait for leaders timed out).
import { describe, expect, it } from 'vitest';
import { freePort } from '../../testkit/cluster.js';

describe('freePort', () => {
  it('never hands out the same port twice in one process', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 300; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
    expect(ports.every((p) => p > 0 && p < 65536)).toBe(true);
  });
});
