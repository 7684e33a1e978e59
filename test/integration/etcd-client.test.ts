// The etcd3 npm client (the Node.js etcd library) against ferrykv's etcd
// endpoint on a real 3-node, 3-group cluster (docs/etcd-compat.md): its KV
// and transaction builders, watches, leases (keep-alive, revoke, expiry), and
// the election and lock recipes built on them.
import { Etcd3, type Watcher } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { TestCluster, sleep } from '../../testkit/cluster.js';

let c: TestCluster;
let keepLogs = false;
const clients: Etcd3[] = [];

function client(...ids: number[]): Etcd3 {
  const e = new Etcd3({ hosts: (ids.length ? ids : [1, 2, 3]).map((id) => `http://${c.etcdAddress(id)}`) });
  clients.push(e);
  return e;
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('the etcd3 npm client against ferrykv', () => {
  beforeAll(async () => {
    c = await TestCluster.start({ etcd: true });
  });
  afterAll(async () => {
    for (const e of clients) e.close();
    await c?.cleanup(keepLogs);
  });

  it('KV: put, get, prefix reads, counts, deletes and transactions', async () => {
    onTestFailed(() => {
      keepLogs = true;
    });
    const e = client();
    await e.put('cfg/a').value('1');
    await e.put('cfg/b').value('2');
    await e.put('cfg/c').value(JSON.stringify({ n: 3 }));
    expect(await e.get('cfg/a').string()).toBe('1');
    expect(await e.get('cfg/c').json()).toEqual({ n: 3 });
    expect(await e.get('missing').string()).toBeNull();
    expect(await e.getAll().prefix('cfg/').keys()).toEqual(['cfg/a', 'cfg/b', 'cfg/c']);
    expect(await e.getAll().prefix('cfg/').count()).toBe(3);
    expect(await e.getAll().prefix('cfg/').sort('Key', 'Descend').limit(1).keys()).toEqual(['cfg/c']);
    const ok = await e.if('cfg/a', 'Value', '==', '1').then(e.put('cfg/a').value('one')).else(e.put('cfg/a').value('never')).commit();
    expect(ok.succeeded).toBe(true);
    const no = await e.if('cfg/a', 'Version', '>', 5).then(e.put('cfg/a').value('never')).else(e.get('cfg/b')).commit();
    expect(no.succeeded).toBe(false);
    expect(Buffer.from(no.responses[0]!.response_range.kvs[0]!.value).toString()).toBe('2');
    expect(await e.get('cfg/a').string()).toBe('one');
    const meta = await e.get('cfg/a').exec();
    expect(meta.kvs[0]!.version).toBe('2');
    expect(BigInt(meta.kvs[0]!.mod_revision)).toBeGreaterThan(BigInt(meta.kvs[0]!.create_revision));
    await e.delete().prefix('cfg/');
    expect(await e.getAll().prefix('cfg/').count()).toBe(0);
  });

  it('watches: a prefix watch sees puts and deletes in revision order, with previous values', async () => {
    const e = client(2);
    const w: Watcher = await e.watch().prefix('feed/').withPreviousKV().create();
    const seen: string[] = [];
    let lastRev = 0n;
    let ordered = true;
    w.on('put', (kv, prev) => {
      if (BigInt(kv.mod_revision) <= lastRev) ordered = false;
      lastRev = BigInt(kv.mod_revision);
      seen.push(`put ${kv.key.toString()}=${kv.value.toString()}${prev ? ` (was ${prev.value.toString()})` : ''}`);
    });
    w.on('delete', (kv) => {
      if (BigInt(kv.mod_revision) <= lastRev) ordered = false;
      lastRev = BigInt(kv.mod_revision);
      seen.push(`delete ${kv.key.toString()}`);
    });
    const writer = client(3);
    await writer.put('feed/x').value('1');
    await writer.put('feed/y').value('2');
    await writer.put('feed/x').value('3');
    await writer.delete().key('feed/y');
    await writer.put('other').value('not watched');
    await until('four events', () => seen.length >= 4);
    expect(seen).toEqual(['put feed/x=1', 'put feed/y=2', 'put feed/x=3 (was 1)', 'delete feed/y']);
    expect(ordered).toBe(true);
    await w.cancel();
  });

  it('leases: keys live while kept alive, go with a revoke, and expire without keep-alives', async () => {
    const e = client();
    const kept = e.lease(3);
    await kept.put('lease/kept').value('alive');
    const id = await kept.grant();
    expect((await kept.keepaliveOnce()).TTL).toBe('3');
    await sleep(4500); // past the TTL: the client's automatic keep-alives held it
    expect(await e.get('lease/kept').string()).toBe('alive');
    await kept.revoke();
    expect(await e.get('lease/kept').string()).toBeNull();
    expect(id).toMatch(/^\d+$/);
    const lapsing = e.lease(2, { autoKeepAlive: false });
    await lapsing.put('lease/lapsing').value('soon gone');
    expect(await e.get('lease/lapsing').string()).toBe('soon gone');
    await until('the lease to expire and take its key', async () => (await e.get('lease/lapsing').string()) === null, 15_000);
  });

  it('election: one leader at a time, the next takes over when it resigns, an observer follows', async () => {
    const a = client(1).election('jobs', 2);
    const b = client(2).election('jobs', 2);
    const observer = await client(3).election('jobs', 2).observe();
    const first = a.campaign('node-a');
    await new Promise<void>((resolve, reject) => {
      first.on('elected', () => resolve());
      first.on('error', reject);
    });
    const second = b.campaign('node-b');
    let secondElected = false;
    second.on('elected', () => {
      secondElected = true;
    });
    await sleep(1000);
    expect(secondElected).toBe(false);
    expect(await a.leader()).toBe('node-a');
    await until('the observer to see node-a', () => observer.leader() === 'node-a');
    await first.resign();
    await until('node-b to be elected', () => secondElected);
    expect(await b.leader()).toBe('node-b');
    await until('the observer to see node-b', () => observer.leader() === 'node-b');
    await second.resign();
    await observer.cancel();
  });

  it('locks: mutual exclusion between clients on different nodes', async () => {
    const held = await client(1).lock('mutex').ttl(5).acquire();
    await expect(client(2).lock('mutex').ttl(5).acquire()).rejects.toThrow();
    await held.release();
    const again = await client(2).lock('mutex').ttl(5).acquire();
    await again.release();
    let inside = 0;
    let overlapped = false;
    await Promise.all(
      [1, 2, 3].flatMap((id) =>
        [0, 1].map(async () => {
          for (;;) {
            try {
              await client(id)
                .lock('counter')
                .ttl(5)
                .do(async () => {
                  inside++;
                  if (inside > 1) overlapped = true;
                  await sleep(20);
                  inside--;
                });
              return;
            } catch {
              await sleep(20 + Math.random() * 50); // held by another: try again
            }
          }
        }),
      ),
    );
    expect(overlapped).toBe(false);
  });
});
