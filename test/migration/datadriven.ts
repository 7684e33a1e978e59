// A small runner for scripted test files in the style of etcd-io/raft's
// datadriven `testdata/*.txt`. A file is a sequence of cases:
//
//   # a comment (kept as is; so are blank lines between cases)
//   <verb> <args...>
//   ----
//   <expected output>
//   (a blank line, or the end of the file, ends the case)
//
// Arguments are `key`, `key=value` or `key=(v1,v2,...)`. A case's output
// never holds a blank line (that would end the case early): the runner
// refuses such output rather than write a file it cannot read back.
//
// With REWRITE=1 in the environment the runner writes every case's actual
// output back into the file instead of comparing, so a case is authored by
// writing its command line and reviewing the diff.

import { readFileSync, writeFileSync } from 'node:fs';

export interface CmdArg {
  readonly key: string;
  /** Empty for a bare `key`; one value for `key=v`; the list for `key=(a,b)`. */
  readonly vals: readonly string[];
}

export interface TestCase {
  readonly file: string;
  /** 1-based line of the command. */
  readonly line: number;
  /** The command line as written. */
  readonly cmd: string;
  readonly verb: string;
  readonly args: readonly CmdArg[];
  /** Without a trailing newline; '' for no output. */
  readonly expected: string;
}

type Chunk = { readonly kind: 'text'; readonly line: string } | { readonly kind: 'case'; readonly tc: TestCase; readonly terminated: boolean };

const SEPARATOR = '----';

/** Splits a command line's arguments; parentheses group a comma-separated list. */
export function parseArgs(text: string): CmdArg[] {
  const out: CmdArg[] = [];
  for (const token of text.split(/\s+/).filter((t) => t.length > 0)) {
    const eq = token.indexOf('=');
    if (eq < 0) {
      out.push({ key: token, vals: [] });
      continue;
    }
    const key = token.slice(0, eq);
    const raw = token.slice(eq + 1);
    if (raw.startsWith('(') && raw.endsWith(')')) {
      const inner = raw.slice(1, -1);
      out.push({ key, vals: inner.length === 0 ? [] : inner.split(',') });
    } else {
      out.push({ key, vals: [raw] });
    }
  }
  return out;
}

function parseChunks(text: string, file: string): Chunk[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const chunks: Chunk[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '' || line.startsWith('#')) {
      chunks.push({ kind: 'text', line });
      i++;
      continue;
    }
    const at = i + 1;
    if (lines[i + 1] !== SEPARATOR) throw new Error(`${file}:${at}: a command must be followed by a '${SEPARATOR}' line`);
    i += 2;
    const expected: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '') expected.push(lines[i++]!);
    const terminated = i < lines.length;
    if (terminated) i++; // the blank line belongs to the case
    const cmd = line.trim();
    const [verb = '', ...rest] = cmd.split(/\s+/);
    chunks.push({ kind: 'case', tc: { file, line: at, cmd, verb, args: parseArgs(rest.join(' ')), expected: expected.join('\n') }, terminated });
  }
  return chunks;
}

/** The cases of a file, in order. */
export function parseCases(path: string): TestCase[] {
  return parseChunks(readFileSync(path, 'utf8'), path).flatMap((c) => (c.kind === 'case' ? [c.tc] : []));
}

/** Trailing spaces and trailing newlines dropped; a blank line inside is an error. */
function normalize(tc: TestCase, actual: string): string {
  const lines = actual.split('\n').map((l) => l.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.some((l) => l === '')) throw new Error(`${tc.file}:${tc.line}: output of '${tc.cmd}' holds a blank line, which would end the case`);
  return lines.join('\n');
}

export interface RunOptions {
  /** Compares one case's actual output with its expected output (e.g. vitest's expect); not called when rewriting. */
  readonly compare: (tc: TestCase, actual: string) => void;
  /** Rewrite the expected outputs in place (default: REWRITE=1 in the environment). */
  readonly rewrite?: boolean;
}

/** Runs every case of a file in order through `run`; compares, or rewrites the file. */
export async function runFile(path: string, run: (tc: TestCase) => Promise<string>, opts: RunOptions): Promise<void> {
  const rewrite = opts.rewrite ?? process.env.REWRITE === '1';
  const chunks = parseChunks(readFileSync(path, 'utf8'), path);
  const out: string[] = [];
  for (const c of chunks) {
    if (c.kind === 'text') {
      out.push(c.line);
      continue;
    }
    const actual = normalize(c.tc, await run(c.tc));
    if (!rewrite) opts.compare(c.tc, actual);
    out.push(c.tc.cmd, SEPARATOR, ...(actual === '' ? [] : [actual]));
    if (c.terminated) out.push('');
  }
  if (rewrite) writeFileSync(path, `${out.join('\n')}\n`);
}

/** Where a case is, for failure messages. */
export function where(tc: TestCase): string {
  return `${tc.file}:${tc.line}: ${tc.cmd}`;
}
