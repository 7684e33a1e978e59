// A linearizable read whose read index is not confirmed in time is asked once
// more before it fails (a flaky integration test met one slow heartbeat round
// on a loaded machine: "read index not confirmed in 1500 ms").
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupMachine } from '../../src/apply/group-machine.js';
import { OwnershipMap } from '../../src/distribution/ownership.js';
import { openGroupMachine, writeBootstrap } from '../../src/server/groups.js';
import { NodeDb } from '../../src/storage/db.js';
import { FAMILY_MVCC } from '../../src/storage/keys.js';
import { Hlc } from '../../src/hlc/hlc.js';
import { KvService } from '../../src/kv/kv-service.js';
import { ReplicaError } from '../../src/node/replica.js';
import { RouteCache } from '../../src/routing/route-cache.js';

let dir: string;
let db: NodeDb;
let machine: GroupMachine;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferrykv-rb-'));
  db = await NodeDb.open(dir);
  const b = db.batch();
  writeBootstrap(b, 1, { owned: new OwnershipMap([{ start: new Uint8Array(0), end: new Uint8Array(0), state: 'owned' }]) });
  machine = await openGroupMachine(db, 1);
  machine.data.store(FAMILY_MVCC).putVersion(b, Buffer.from('k'), 5n, Buffer.from('v'));
  await b.write({ sync: true });
  await machine.reload();
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

function service(failures: string[]): { kv: KvService; barriers: () => number } {
  let calls = 0;
  const replica = {
    group: 1,
    sm: machine,
    readBarrier: (): Promise<void> => {
      const why = failures[calls++];
      return why ? Promise.reject(new ReplicaError('UNAVAILABLE', why)) : Promise.resolve();
    },
  };
  const kv = new KvService({
    host: { replica: () => replica } as never,
    routes: new RouteCache(),
    refreshRoutes: () => Promise.resolve(),
    hlc: new Hlc(),
    transport: {} as never,
    requestTimeoutMs: 5000,
  });
  return { kv, barriers: () => calls };
}

describe('linearizable reads', () => {
  it('ask a read index again once when it was not confirmed in time', async () => {
    const { kv, barriers } = service(['group 1: read index not confirmed in 1500 ms']);
    const res = await kv.get({ key: Buffer.from('k'), readTs: '0' });
    expect(Buffer.from(res.value).toString()).toBe('v');
    expect(barriers()).toBe(2);
  });

  it('fail after a second unconfirmed read index, and at once without a leader', async () => {
    const twice = service(['group 1: read index not confirmed in 1500 ms', 'group 1: read index not confirmed in 1500 ms']);
    await expect(twice.kv.get({ key: Buffer.from('k'), readTs: '0' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(twice.barriers()).toBe(2);
    const leaderless = service(['group 1 has no leader']);
    await expect(leaderless.kv.get({ key: Buffer.from('k'), readTs: '0' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(leaderless.barriers()).toBe(1);
  });
});
