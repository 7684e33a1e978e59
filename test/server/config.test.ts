// Node configuration validation (src/server/config.ts): one clear message per
// bad field, and none that is only a consequence of another.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, buildConfig, type RawOptions } from '../../src/server/config.js';

const dir = mkdtempSync(join(tmpdir(), 'ferrykv-cfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(nodes: { id: number; address: string }[], voters = [1, 2, 3]): string {
  const f = join(dir, `c${n++}.json`);
  writeFileSync(f, JSON.stringify({ nodes, groups: [{ id: 1, voters }], routes: [{ start: '', end: '', group: 1 }] }));
  return f;
}
const three = [1, 2, 3].map((id) => ({ id, address: `127.0.0.1:${7000 + id}` }));

function problems(raw: RawOptions): string[] {
  try {
    buildConfig(raw, {});
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return [...e.problems];
  }
}

describe('node configuration', () => {
  it('accepts a good file and defaults', () => {
    const cfg = buildConfig({ nodeId: '2', cluster: file(three), dataDir: dir }, {});
    expect(cfg.listen).toBe('127.0.0.1:7002');
    expect(cfg.maxClockDriftMs).toBe(500);
    expect(cfg.replaceNode).toBe(false);
    expect(buildConfig({ nodeId: '2', cluster: file(three), dataDir: dir, replaceNode: true }, {}).replaceNode).toBe(true);
  });

  it('refuses a cluster file that puts every node on one address', () => {
    const p = problems({ nodeId: '1', cluster: file(three.map((x) => ({ ...x, address: '127.0.0.1:7001' }))), dataDir: dir });
    expect(p.some((x) => /nodes\[1\]\.address: 127\.0\.0\.1:7001 is also node 1's address/.test(x))).toBe(true);
    expect(p.some((x) => /nodes\[2\]\.address/.test(x))).toBe(true);
  });

  it('reports a duplicate node id as a duplicate, with no spurious --listen complaint', () => {
    const p = problems({ nodeId: '1', cluster: file([three[0]!, { id: 1, address: '127.0.0.1:7002' }, three[2]!]), dataDir: dir });
    expect(p.some((x) => /nodes\[1\]\.id: duplicate node id 1/.test(x))).toBe(true);
    expect(p.some((x) => x.startsWith('--listen'))).toBe(false);
  });

  it('does not add --listen to a node id that is not in the file', () => {
    expect(problems({ nodeId: '9', cluster: file(three), dataDir: dir })).toEqual(['--node-id: node 9 is not listed in the cluster file']);
  });

  it('refuses a voter listed twice, and a drift bound below the clock offset', () => {
    expect(problems({ nodeId: '1', cluster: file(three, [1, 1, 2]), dataDir: dir }).some((x) => /voters: a node is listed twice/.test(x))).toBe(true);
    expect(problems({ nodeId: '1', cluster: file(three), dataDir: dir, maxClockOffsetMs: '800', maxClockDriftMs: '500' })).toEqual(['--max-clock-drift-ms: must be at least --max-clock-offset-ms (800)']);
  });
});
