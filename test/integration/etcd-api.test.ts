// The etcd API (docs/etcd-compat.md) through Debian's etcdctl 3.4 against a
// real 3-node, 3-group cluster: one session of writes, reads of every shape,
// deletes, interactive transactions, compaction and etcd's typed errors, and
// one of watches and leases, give the same normalized output as etcd itself (a live etcd when /usr/bin/etcd
// is installed, else the transcript recorded from one); member list,
// endpoint status and health answer in etcd's shapes; a follower node
// answers like a leader; and the etcd key space is apart from the native one.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { TestCluster } from '../../testkit/cluster.js';
import { ETCDCTL_BIN, ETCD_BIN, EtcdProcesses, etcdctl } from '../../testkit/etcd.js';
import { kvSession, watchLeaseSession, type StepOutput } from './etcd-script.js';

const HAVE_ETCDCTL = existsSync(ETCDCTL_BIN);
const HAVE_ETCD = existsSync(ETCD_BIN);
const fixture = (name: string): string => join(import.meta.dirname, 'fixtures', name);

let c: TestCluster;
let keepLogs = false;

describe.skipIf(!HAVE_ETCDCTL)('etcd API through etcdctl', () => {
  beforeAll(async () => {
    c = await TestCluster.start({ etcd: true });
  });
  afterAll(async () => {
    await c?.cleanup(keepLogs);
  });

  /** What etcd itself prints for `session`: a live etcd when installed (checked against the recorded transcript), else the transcript. */
  async function etcdSays(session: (endpoint: string) => Promise<StepOutput[]>, file: string): Promise<StepOutput[]> {
    const recorded = (JSON.parse(readFileSync(fixture(file), 'utf8')) as { steps: StepOutput[] }).steps;
    if (!HAVE_ETCD) return recorded;
    const e = await EtcdProcesses.start(1);
    try {
      const live = await session(e.endpoints[0]!);
      // The transcript is what a live etcd says, so the fallback stays honest.
      expect(recorded).toEqual(live);
      return live;
    } finally {
      await e.stop();
    }
  }

  async function sameAsEtcd(session: (endpoint: string) => Promise<StepOutput[]>, file: string): Promise<void> {
    onTestFailed(() => {
      keepLogs = true;
    });
    const expected = await etcdSays(session, file);
    // Node 2: most likely not the leader of the group holding the etcd keys (answers the same).
    const ours = await session(c.etcdAddress(2));
    expect(ours.map((s) => s.step)).toEqual(expected.map((s) => s.step));
    for (let i = 0; i < expected.length; i++) expect(ours[i], expected[i]!.step).toEqual(expected[i]);
  }

  it("one etcdctl session of writes, reads, deletes, transactions and compaction gives etcd's own output, step by step", async () => {
    await sameAsEtcd(kvSession, 'etcdctl-kv-session.json');
  });

  it("watches (from a revision, with previous values, while another process writes) and leases (grant, keep-alive, time-to-live, revoke, expiry) give etcd's own output", async () => {
    await sameAsEtcd(watchLeaseSession, 'etcdctl-watch-lease-session.json');
  }, 120_000);

  it('member list, endpoint status and endpoint health answer in etcd shapes', async () => {
    const all = [1, 2, 3].map((id) => c.etcdAddress(id)).join(',');
    const members = await etcdctl(c.etcdAddress(1), ['member', 'list']);
    expect(members.code).toBe(0);
    const lines = members.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    // etcdctl's line shape (id in hex, status, name, peer URLs, client URLs, learner), which etcd's own output has too.
    const SHAPE = /^[0-9a-f]+, started, [\w-]+, http:\/\/127\.0\.0\.1:\d+, http:\/\/127\.0\.0\.1:\d+, false$/;
    lines.forEach((l, i) => {
      expect(l).toMatch(SHAPE);
      expect(l).toContain(`node-${i + 1}, http://${c.address(i + 1)}, http://${c.etcdAddress(i + 1)}, false`);
    });
    const statusKeys = (json: string): string[] => Object.keys((JSON.parse(json) as { Status: object }[])[0]!.Status).sort();
    if (HAVE_ETCD) {
      const e = await EtcdProcesses.start(1);
      try {
        const theirs = await etcdctl(e.endpoints[0]!, ['member', 'list']);
        expect(theirs.stdout.trim()).toMatch(SHAPE);
        const theirStatus = await etcdctl(e.endpoints[0]!, ['endpoint', 'status', '-w', 'json']);
        const ourStatus = await etcdctl(c.etcdAddress(1), ['endpoint', 'status', '-w', 'json']);
        expect(statusKeys(ourStatus.stdout)).toEqual(statusKeys(theirStatus.stdout));
      } finally {
        await e.stop();
      }
    }
    const status = await etcdctl(all, ['endpoint', 'status', '-w', 'json']);
    expect(status.code).toBe(0);
    const rows = JSON.parse(status.stdout) as { Endpoint: string; Status: { version: string; leader: number; raftTerm: number; header: { member_id: number } } }[];
    expect(rows.map((r) => r.Endpoint).sort()).toEqual([1, 2, 3].map((id) => c.etcdAddress(id)).sort());
    for (const r of rows) {
      expect(r.Status.version).toBe('3.4.0');
      expect(r.Status.raftTerm).toBeGreaterThan(0);
      expect([1, 2, 3]).toContain(r.Status.leader);
    }
    // Every node names the same leader (of the default group), and exactly one reports being it.
    expect(new Set(rows.map((r) => r.Status.leader)).size).toBe(1);
    expect(rows.filter((r) => r.Status.leader === r.Status.header.member_id)).toHaveLength(1);
    const health = await etcdctl(all, ['endpoint', 'health']);
    expect(health.code).toBe(0);
    // etcdctl 3.4 prints the health lines on stderr.
    for (const id of [1, 2, 3]) expect(health.stdout + health.stderr).toMatch(new RegExp(`${c.etcdAddress(id).replace(/\./g, '\\.')} is healthy: successfully committed proposal: took = `));
  });

  it('keeps the etcd key space apart from the native one', async () => {
    const kv = c.api(1);
    await kv.put({ key: Buffer.from('shared'), value: Buffer.from('native'), requestId: Buffer.alloc(16, 7) });
    expect((await etcdctl(c.etcdAddress(1), ['get', 'shared'])).stdout).toBe('');
    expect((await etcdctl(c.etcdAddress(1), ['put', 'shared', 'etcd'])).stdout.trim()).toBe('OK');
    expect((await etcdctl(c.etcdAddress(3), ['get', 'shared', '--print-value-only'])).stdout.trim()).toBe('etcd');
    const native = await kv.get({ key: Buffer.from('shared'), readTs: '0' });
    expect(Buffer.from(native.value).toString()).toBe('native');
  });

  it('answers UNIMPLEMENTED for auth (until ferrykv has authentication) and for the methods ferrykv does its own way', async () => {
    for (const args of [['user', 'list'], ['auth', 'enable'], ['defrag'], ['snapshot', 'save', '/dev/null'], ['member', 'add', 'x', '--peer-urls=http://127.0.0.1:1']]) {
      const r = await etcdctl(c.etcdAddress(1), args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(/Unimplemented|does not implement/);
    }
  });

  it('refuses an etcd request over --etcd-max-request-bytes with etcd\'s error', async () => {
    const big = 'x'.repeat(1_800_000); // over 1.5 MiB, under etcdctl's own 2 MiB send limit
    const r = await etcdctl(c.etcdAddress(1), ['put', 'big'], big); // the value from stdin (an argument that long is refused by the kernel)
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('etcdserver: request is too large');
  });
});
