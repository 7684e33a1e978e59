// The import directions of docs/architecture.md hold over the whole tree
// (testkit/layers.ts checks them), and the checker does fail on bad imports.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf, layerOf, parseRules, violations } from '../testkit/layers.js';

const ROOT = join(import.meta.dirname, '..');
const rules = parseRules(readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8'));

function tsFiles(dir: string, out: Map<string, string> = new Map()): Map<string, string> {
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = join(dir, name);
    if (['node_modules', 'store', 'results', 'dist'].includes(name)) continue;
    if (statSync(join(ROOT, path)).isDirectory()) tsFiles(path, out);
    else if (name.endsWith('.ts')) out.set(relative(ROOT, join(ROOT, path)).split('\\').join('/'), readFileSync(join(ROOT, path), 'utf8'));
  }
  return out;
}

describe('layers', () => {
  // This file's example imports are strings, not imports: it is left out of the scan.
  const tree = new Map([...['src', 'cmd', 'bench', 'jepsen', 'testkit', 'test'].flatMap((d) => [...tsFiles(d)])].filter(([f]) => f !== 'test/layers.test.ts'));

  it('reads a row for every folder of src/ and every top-level product folder', () => {
    const folders = new Set([...tree.keys()].map(layerOf));
    expect([...folders].filter((f) => !rules.allowed.has(f))).toEqual([]);
    expect(rules.planes).toEqual(new Set(['src/distribution', 'src/verify', 'src/kv', 'src/txn', 'src/migration', 'src/watch', 'src/etcd']));
  });

  it('every import in the tree points the way the table allows', () => {
    expect(violations(tree, rules)).toEqual([]);
  });

  it('the apply shell imports no plane', () => {
    for (const plane of rules.planes) expect(rules.allowed.get('src/apply')!.has(plane)).toBe(false);
  });

  it('finds static, dynamic, re-export and side-effect imports, and only relative ones', () => {
    const src = [
      "import { a } from '../x/a.js';",
      "import type { B } from './b.js';",
      "export { c } from '../../y/c.js';",
      "const d = await import('../z/d.js');",
      "import './side.js';",
      "import * as grpc from '@grpc/grpc-js';",
      'import {\n  e,\n  f,\n} from "../w/e.js";',
    ].join('\n');
    expect(importsOf(src).sort()).toEqual(['../../y/c.js', '../w/e.js', '../x/a.js', '../z/d.js', './b.js', './side.js']);
  });

  it.each([
    ['src/raft/log.ts', "import { NodeDb } from '../storage/db.js';", 'src/raft may not import src/storage'],
    ['src/apply/group-machine.ts', "import { casHandler } from '../kv/commands/cas.js';", 'src/apply may not import src/kv'],
    ['src/kv/commands/write.ts', "import type { NodeHost } from '../../node/node-host.js';", 'replicated handler code (src/kv/commands) may not import src/node'],
    ['src/migration/migrator.ts', "import { writeHandler } from '../kv/commands/write.js';", "a plane never imports another plane's handlers (src/kv/commands)"],
    ['jepsen/run.ts', "import { sleep } from '../test/helpers.js';", 'products never import tests'],
    ['src/client/client.ts', "import { KvService } from '../kv/kv-service.js';", 'src/client may not import src/kv'],
    ['src/newplane/x.ts', "import { a } from '../api/errors.js';", 'src/newplane has no row in the layer table'],
  ])('fails on a bad import: %s', (file, source, rule) => {
    const found = violations(new Map([[file, source]]), rules);
    expect(found.map((v) => v.rule)).toContain(rule);
  });

  it('accepts the allowed counterparts', () => {
    const ok = new Map([
      ['src/kv/commands/write.ts', "import { EMPTY_RESULT } from '../../apply/commands.js';\nimport { decodeLock } from '../../txn/txn-records.js';"],
      ['src/server/groups.ts', "import { casHandler } from '../kv/commands/cas.js';"],
      ['test/x.test.ts', "import { h } from './helpers.js';\nimport { casHandler } from '../src/kv/commands/cas.js';"],
    ]);
    expect(violations(ok, rules)).toEqual([]);
  });

  it('refuses a document without the marked table', () => {
    expect(() => parseRules('# no table here')).toThrow(/no layer table/);
  });
});
