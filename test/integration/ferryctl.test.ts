// ferryctl's `routes list` and `routes split` against a real 3-node, 3-group
// cluster (routes ["", "h") → 1, ["h", "p") → 2, ["p", +∞) → 3): the built CLI
// (dist/cmd/ferryctl.js) run as a child process, its --json output and its
// human table, idempotent splits, and the usage exit code on bad input.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { ErrorJson, RouteJson, RoutesListJson, RoutesSplitJson, WatchEventJson, WriteJson } from '../../cmd/ferryctl/output.js';
import { TestCluster } from '../../testkit/cluster.js';
import { runCtl, type CtlRun } from './ferryctl-run.js';

let c: TestCluster;
let keepLogs = process.env.FERRYKV_IT_KEEP_LOGS === '1';

/** Runs the built CLI against the cluster; resolves with its exit code and output. */
function ctl(...args: string[]): Promise<CtlRun> {
  return runCtl([1, 2, 3].map((id) => c.address(id)).join(','), args);
}

async function ctlJson<T>(...args: string[]): Promise<T> {
  const r = await ctl('--json', ...args);
  expect(r.code, `ferryctl ${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** The routes tile the key space: start at "", each end is the next start, the last ends at +∞. */
function expectTiling(routes: readonly RouteJson[]): void {
  expect(routes.length).toBeGreaterThan(0);
  expect(routes[0]!.startHex).toBe('');
  for (let i = 1; i < routes.length; i++) {
    expect(routes[i]!.startHex, `route ${i} starts where route ${i - 1} ends`).toBe(routes[i - 1]!.endHex);
    expect(Buffer.compare(Buffer.from(routes[i - 1]!.startHex, 'hex'), Buffer.from(routes[i]!.startHex, 'hex'))).toBe(-1);
  }
  expect(routes.at(-1)!.endHex).toBe('');
}

const shape = (r: RouteJson): [string, string, number] => [r.start, r.end, r.groupId];

describe('ferryctl routes on a 3-node, 3-group cluster', () => {
  beforeAll(async () => {
    c = await TestCluster.start({ nodes: 3, groups: 3 });
  });

  afterAll(async () => {
    if (keepLogs) console.error(`ferryctl: node logs kept in ${c?.dir}`);
    await c?.cleanup(keepLogs);
  });

  it('routes list --json: the initial routes tile the key space as in the cluster file', async () => {
    onTestFailed(() => {
      keepLogs = true;
    });
    const file = JSON.parse(readFileSync(c.clusterFile, 'utf8')) as { routes: { start: string; end: string; group: number }[] };
    const list = await ctlJson<RoutesListJson>('routes', 'list');
    expectTiling(list.routes);
    expect(list.routes.map(shape)).toEqual(file.routes.map((r) => [r.start, r.end, r.group]));
    expect(list.routes.map((r) => [r.startHex, r.endHex])).toEqual(file.routes.map((r) => [Buffer.from(r.start).toString('hex'), Buffer.from(r.end).toString('hex')]));
    expect(Number(list.version)).toBeGreaterThanOrEqual(0);
    expect([1, 2, 3]).toContain(list.nodeId);
    for (const r of list.routes) {
      expect(r.state).toBe('ACTIVE');
      expect([1, 2, 3], `leader of group ${r.groupId}`).toContain(r.leader);
    }

    // Each node's own applied copy agrees (after the linearizable read above).
    for (const id of [1, 2, 3]) {
      const local = await ctlJson<RoutesListJson>('routes', 'list', '--local', '--node', c.address(id));
      expect({ node: local.nodeId, local: local.local, routes: local.routes.map(shape) }).toEqual({ node: id, local: true, routes: list.routes.map(shape) });
    }
  });

  it('routes split: a new split, then the same split again (already split, same version)', async () => {
    onTestFailed(() => {
      keepLogs = true;
    });
    const before = await ctlJson<RoutesListJson>('routes', 'list');

    const first = await ctlJson<RoutesSplitJson>('routes', 'split', 'm');
    expect(first.alreadySplit).toBe(false);
    expect(BigInt(first.version)).toBeGreaterThan(BigInt(before.version));
    expect([first.splitKey, first.splitKeyHex]).toEqual(['m', '6d']);
    expect(first.left && shape(first.left)).toEqual(['h', 'm', 2]);
    expect(first.right && shape(first.right)).toEqual(['m', 'p', 2]);

    const again = await ctl('routes', 'split', 'm');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/already split at m/);
    expect(again.stdout).toContain(`catalog version ${first.version}`);
    const againJson = await ctlJson<RoutesSplitJson>('routes', 'split', '--hex', '6d');
    expect({ already: againJson.alreadySplit, version: againJson.version }).toEqual({ already: true, version: first.version });
    expect(againJson.left && shape(againJson.left)).toEqual(['h', 'm', 2]);
    expect(againJson.right && shape(againJson.right)).toEqual(['m', 'p', 2]);

    // A binary split key, given in hex, printed escaped.
    const bin = await ctl('routes', 'split', '--hex', '7000ff');
    expect(bin.code, bin.stderr).toBe(0);
    expect(bin.stdout).toMatch(/^split at p\\x00\\xff: catalog version \d+/);
    expect(bin.stdout).toMatch(/left: +route \d+ +\[p, p\\x00\\xff\) +group 3/);
    expect(bin.stdout).toMatch(/right: +route \d+ +\[p\\x00\\xff, \+inf\) +group 3/);

    const after = await ctlJson<RoutesListJson>('routes', 'list');
    expectTiling(after.routes);
    expect(after.routes.map(shape)).toEqual([
      ['', 'h', 1],
      ['h', 'm', 2],
      ['m', 'p', 2],
      ['p', 'p\\x00\\xff', 3],
      ['p\\x00\\xff', '', 3],
    ]);
    expect(after.routes.map((r) => r.startHex)).toEqual(['', '68', '6d', '70', '7000ff']);
    expect(BigInt(after.version)).toBeGreaterThan(BigInt(first.version));
    expect(new Set(after.routes.map((r) => r.routeId)).size).toBe(5);
  });

  it('routes list: the human table has the header and one row per route', async () => {
    onTestFailed(() => {
      keepLogs = true;
    });
    const list = await ctlJson<RoutesListJson>('routes', 'list');
    const r = await ctl('routes', 'list');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^catalog version ${list.version}, 5 routes \\(node [123], linearizable\\)$`));
    expect(lines[1]!.split(/\s+/)).toEqual(['ROUTE', 'START', 'END', 'GROUP', 'LEADER', 'STATE', 'VERSION']);
    const rows = lines.slice(2).map((l) => l.split(/\s+/));
    expect(rows.map((x) => [x[1], x[2], x[3]])).toEqual([
      ['""', 'h', '1'],
      ['h', 'm', '2'],
      ['m', 'p', '2'],
      ['p', 'p\\x00\\xff', '3'],
      ['p\\x00\\xff', '+inf', '3'],
    ]);
    for (const x of rows) {
      expect(x[4]).toMatch(/^[123-]$/);
      expect(x[5]).toBe('ACTIVE');
    }
    expect(rows.map((x) => x[0])).toEqual(list.routes.map((x) => x.routeId));
  });

  it('watch --from-ts --json prints each change from that timestamp, one JSON object per line, and stops at --count', async () => {
    const first = await ctlJson<WriteJson>('put', 'wctl/a', '1');
    await ctlJson<WriteJson>('put', 'wctl/b', '2');
    await ctlJson<WriteJson>('del', 'wctl/a');
    const r = await ctl('--json', 'watch', 'wctl/', '--from-ts', String(BigInt(first.commitTs) - 1n), '--count', '3', '--prev');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as WatchEventJson);
    expect(lines.map((e) => [e.type, e.key, e.value, e.prev])).toEqual([
      ['put', 'wctl/a', '1', null],
      ['delete', 'wctl/a', undefined, '1'],
      ['put', 'wctl/b', '2', null],
    ]);
    expect(lines[0]!.commitTs).toBe(first.commitTs);
  });

  it('numeric arguments out of range exit with the usage code (2), never NaN or a negative on the wire', async () => {
    for (const args of [
      ['scan', '--limit', 'abc'],
      ['scan', '--limit', '-1'],
      ['scan', '--limit', '0'],
      ['members', 'add', 'x', '1'],
      ['members', 'remove', '1', '-2'],
      ['transfer-leader', '1', '1.5'],
      ['watch', 'x/', '--count', '0'],
      ['watch', 'x/', '--from-ts', '-5'],
    ]) {
      const r = await ctl(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/must be/);
    }
  });

  it('routes split: bad input exits with the usage code (2) and says why', async () => {
    const badHex = await ctl('routes', 'split', '--hex', 'zz1');
    expect(badHex.code).toBe(2);
    expect(badHex.stderr).toMatch(/INVALID_ARGUMENT: key: "zz1" is not hex/);

    const empty = await ctl('--json', 'routes', 'split', '');
    expect(empty.code).toBe(2);
    expect(JSON.parse(empty.stdout) as ErrorJson).toMatchObject({ error: { code: 'INVALID_ARGUMENT', field: 'key' } });

    const missing = await ctl('routes', 'split');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing required argument 'key'/);

    // Nothing changed.
    const list = await ctlJson<RoutesListJson>('routes', 'list');
    expect(list.routes).toHaveLength(5);
  });
});
