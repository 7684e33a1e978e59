// `ferryctl verify` against a real 3-node, 3-group cluster (["", "h") → 1,
// ["h", "p") → 2, ["p", +∞) → 3) where node 2 silently skips applying writes
// of the key `i/bad` (test failpoint): the built CLI (dist/cmd/ferryctl.js)
// run as a child process finds group 2's replicas differ and names that key
// and node 2, finds groups 1 and 3 consistent, and exits 0 / 1 / 2 as its
// --help says.

import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { VerifyJson } from '../../cmd/ferryctl/output.js';
import { FerryClient } from '../../src/client/client.js';
import { TestCluster } from '../../testkit/cluster.js';
import { runCtl, type CtlRun } from './ferryctl-run.js';

const NODES = [1, 2, 3];

let c: TestCluster;
let keepLogs = process.env.FERRYKV_IT_KEEP_LOGS === '1';

/** Runs the built CLI against the cluster; resolves with its exit code and output. */
function ctl(...args: string[]): Promise<CtlRun> {
  return runCtl(NODES.map((id) => c.address(id)).join(','), args, { timeoutMs: 20_000 });
}

describe('ferryctl verify on a 3-node, 3-group cluster with one damaged replica', () => {
  beforeAll(async () => {
    c = await TestCluster.start({ nodes: 3, groups: 3, nodeEnv: { 2: { FERRYKV_FAILPOINT_SKIP_APPLY_KEY: 'i/bad' } } });
    const db = new FerryClient({ endpoints: NODES.map((n) => c.address(n)), timeoutMs: 10_000 });
    try {
      for (const prefix of ['a/', 'i/', 'q/']) {
        await db.batchWrite(Array.from({ length: 50 }, (_, j) => ({ op: 'put' as const, key: `${prefix}${String(j).padStart(3, '0')}`, value: `v${j}` })));
      }
      await db.put('i/bad', 'lost on node 2');
    } finally {
      db.close();
    }
  });
  afterAll(async () => {
    if (keepLogs) console.error(`ferryctl-verify: node logs kept in ${c?.dir}`);
    await c?.cleanup(keepLogs);
  });

  it('--group 1 --json: consistent, three replicas with one root, exit 0', async () => {
    onTestFailed(() => void (keepLogs = true));
    const r = await ctl('--json', 'verify', '--group', '1');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as VerifyJson;
    expect(j.consistent).toBe(true);
    expect(j.readTs).toBe('0');
    expect(j.groups).toHaveLength(1);
    const g = j.groups[0]!;
    expect([g.groupId, g.status, g.error]).toEqual([1, 'CONSISTENT', null]);
    expect(g.report!.consistent).toBe(true);
    expect(g.report!.replicas.map((x) => x.nodeId).sort()).toEqual(NODES);
    expect(new Set(g.report!.replicas.map((x) => x.root)).size).toBe(1);
    expect(g.report!.replicas.every((x) => x.error === '' && Number(x.bytes) > 0)).toBe(true);
    expect(g.report!.differingKeys).toEqual([]);
    expect(Number(g.report!.index)).toBeGreaterThan(0);
  });

  it('--group 2: INCONSISTENT, names i/bad and node 2, exit 1', async () => {
    onTestFailed(() => void (keepLogs = true));
    const r = await ctl('verify', '--group', '2');
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^group 2: INCONSISTENT \(all keys, all versions\); reference node [123] /m);
    expect(r.stdout).toMatch(/^ {2}NODE +ROOT +LEAVES +BYTES +ERROR$/m);
    expect(r.stdout).toMatch(/^ {2}odd one out: node 2 \(nodes 1, 3 agree\)$/m);
    expect(r.stdout).toMatch(/^ {4}i\/bad +[0-9]+ +[123] +(missing|extra)$/m);
    expect(r.stdout).toMatch(/read point at log index [0-9]+/);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('INCONSISTENT: the replicas differ in group 2');

    const j = JSON.parse((await ctl('--json', 'verify', '--group', '2', '--start', 'i/', '--end', 'i0')).stdout) as VerifyJson;
    const rep = j.groups[0]!.report!;
    expect(j.inconsistentGroups).toEqual([2]);
    expect(new Set(rep.differingKeys.map((k) => k.key))).toEqual(new Set(['i/bad']));
    expect(rep.differingKeys[0]!.keyHex).toBe(Buffer.from('i/bad').toString('hex'));
    // The leader is the reference: node 2 lacks the version, or (node 2 leading) the others have it extra.
    if (rep.referenceNodeId === 2) expect(rep.differingKeys.map((k) => [k.nodeId, k.kind]).sort()).toEqual([[1, 'extra'], [3, 'extra']]);
    else expect(rep.differingKeys.map((k) => [k.nodeId, k.kind])).toEqual([[2, 'missing']]);
  });

  it('--all: groups 1 and 3 consistent, 2 not, exit 1', async () => {
    onTestFailed(() => void (keepLogs = true));
    const r = await ctl('verify', '--all', '--at', 'now');
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^group 1: CONSISTENT /m);
    expect(r.stdout).toMatch(/^group 2: INCONSISTENT /m);
    expect(r.stdout).toMatch(/^group 3: CONSISTENT /m);
    expect(r.stdout).toMatch(/verifying group 3 \(3 of 3\)/);
    expect(r.stdout).toMatch(/^ {4}i\/bad +/m);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('INCONSISTENT: the replicas differ in group 2 (1 of 3 groups)');
  });

  it('bad input exits 2: unknown group (the cluster says INVALID_ARGUMENT), --group with --all, bad hex', async () => {
    onTestFailed(() => void (keepLogs = true));
    const unknown = await ctl('verify', '--group', '9');
    expect(unknown.code, unknown.stdout + unknown.stderr).toBe(2);
    expect(unknown.stderr).toMatch(/INVALID_ARGUMENT: .*group 9 does not exist/);
    const both = await ctl('verify', '--group', '1', '--all');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--group and --all exclude each other');
    const hex = await ctl('verify', '--group', '1', '--hex', '--start', 'zz');
    expect(hex.code).toBe(2);
    expect(hex.stderr).toContain('is not hex');
  });
});
