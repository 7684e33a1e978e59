// The import rules of docs/architecture.md, as a checker: the layer table
// (which folder may import which), the plane rules (no plane's handlers are
// imported by another plane; the replicated halves of planes — their
// `commands/` and `group/` folders — stay off the node-side layers), and
// "products never import tests". test/layers.test.ts runs it on the tree and
// on made-up trees with a bad import.

import { posix } from 'node:path';

export interface LayerRules {
  /** Folder (e.g. `src/kv`, `cmd`) → the folders it may import (its own always). */
  readonly allowed: ReadonlyMap<string, ReadonlySet<string>>;
  /** The plane folders (their `commands/` and `group/` subfolders are handler code). */
  readonly planes: ReadonlySet<string>;
  /** What a plane's handler folders may import besides their own plane and other planes' non-handler modules. */
  readonly handlerAllowed: ReadonlySet<string>;
}

export interface Violation {
  readonly file: string;
  readonly imports: string;
  readonly rule: string;
}

const HANDLER_DIRS = ['commands', 'group'];
const TABLE_START = '<!-- layers:begin -->';
const TABLE_END = '<!-- layers:end -->';

/** Reads the rules from the marked tables of docs/architecture.md. */
export function parseRules(markdown: string): LayerRules {
  const start = markdown.indexOf(TABLE_START);
  const end = markdown.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`no layer table between ${TABLE_START} and ${TABLE_END}`);
  const allowed = new Map<string, Set<string>>();
  const planes = new Set<string>();
  let handlerAllowed = new Set<string>();
  const names = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  for (const line of markdown.slice(start, end).split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 5 || !cells[1]!.startsWith('`')) continue;
    const [layer] = names(cells[1]!);
    const kind = cells[2]!;
    const deps = new Set(names(cells[3]!));
    if (!layer) continue;
    if (layer === 'handlers') {
      handlerAllowed = deps;
      continue;
    }
    allowed.set(layer, deps);
    if (kind === 'plane') planes.add(layer);
  }
  if (allowed.size === 0) throw new Error('the layer table has no rows');
  return { allowed, planes, handlerAllowed };
}

/** The relative module specifiers a TypeScript source imports or re-exports (static and dynamic). */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  const re = /(?:^|[;\s])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(re)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec?.startsWith('.')) out.push(spec);
  }
  return out;
}

/** The folder a repository path belongs to: `src/<dir>` inside src, else its top-level folder. */
export function layerOf(path: string): string {
  const parts = path.split('/');
  return parts[0] === 'src' ? `src/${parts[1]}` : parts[0]!;
}

/** A plane's handler folder the path is in (`src/kv/commands`), if any. */
function handlerDir(path: string, planes: ReadonlySet<string>): string | undefined {
  const parts = path.split('/');
  const plane = `${parts[0]}/${parts[1]}`;
  return planes.has(plane) && parts.length > 3 && HANDLER_DIRS.includes(parts[2]!) ? `${plane}/${parts[2]}` : undefined;
}

/** Every rule a set of files breaks (paths relative to the repository root, posix). */
export function violations(files: ReadonlyMap<string, string>, rules: LayerRules): Violation[] {
  const out: Violation[] = [];
  for (const [file, source] of files) {
    const from = layerOf(file);
    const allowed = rules.allowed.get(from);
    if (!allowed) {
      out.push({ file, imports: '', rule: `${from} has no row in the layer table` });
      continue;
    }
    const fromHandlers = handlerDir(file, rules.planes);
    for (const spec of importsOf(source)) {
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      const to = layerOf(target);
      if (to === 'test' && from !== 'test') out.push({ file, imports: target, rule: 'products never import tests' });
      else if (to !== from && !allowed.has(to)) out.push({ file, imports: target, rule: `${from} may not import ${to}` });
      const intoHandlers = handlerDir(target, rules.planes);
      if (to !== from && rules.planes.has(from) && intoHandlers) out.push({ file, imports: target, rule: `a plane never imports another plane's handlers (${intoHandlers})` });
      if (fromHandlers && to !== from && !rules.planes.has(to) && !rules.handlerAllowed.has(to)) {
        out.push({ file, imports: target, rule: `replicated handler code (${fromHandlers}) may not import ${to}` });
      }
    }
  }
  return out;
}
