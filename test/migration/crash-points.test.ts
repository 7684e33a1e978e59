// A crash between every two writes (STYLE.md, "what if this process dies
// here?"; TESTING.md: crash points model-checked exhaustively in unit tests).
//
// Each scripted scenario of testdata/ runs once without crashes: that counts
// its storage batch writes (N) and records, after every case that may write,
// every group's whole database, and the output of every read-only verb. Then, for every k
// in 0..N-1, it runs again with a crash injected at batch write k+1: that
// batch and every later one of the crashed process never reach disk (a pass
// may write several batches when the shell flushes mid-pass), the group's
// in-memory state is dropped, its db reopened, and its log re-applied from
// the stored applied index, as raft replays committed entries. After every
// case the databases must be byte for byte those of the reference run, every
// result a replay produced must be the one the reference got for that entry,
// and at the end a clean reopen must read back the same state.
//
// A second check applies every script with one entry per pass (replicas
// batch their applies differently): the same databases and results again.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCases, type TestCase } from './datadriven.js';
import { Harness, WritePlan, type HarnessOptions } from './group-harness.js';

const DIR = join(import.meta.dirname, 'testdata');
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.txt'))
  .sort();

/** Verbs whose output is a function of the groups' state (apply's and crash's output legitimately change with a crash). */
const READ_ONLY = new Set(['state', 'get', 'versions', 'changelog', 'check', 'open', 'propose']);
/** Verbs that may write to a group's disk: the databases are compared after these. */
const WRITING = new Set(['open', 'seed', 'apply', 'redeliver', 'crash', 'reopen']);

interface Checkpoint {
  readonly tc: TestCase;
  /** Every group's db after a verb that may write: one line per key (hex key, hex value). */
  readonly dump: ReadonlyMap<string, readonly string[]> | undefined;
  readonly output: string | undefined;
}

interface Run {
  readonly writes: number;
  readonly passWrites: readonly number[];
  readonly checkpoints: readonly Checkpoint[];
  readonly results: ReadonlyMap<string, ReadonlyMap<number, string>>;
  readonly recovered: number;
  /** Every group's db after a final clean reopen, and its rendered state. */
  readonly final: { readonly dump: ReadonlyMap<string, readonly string[]>; readonly state: string };
}

async function runScenario(cases: readonly TestCase[], opts: HarnessOptions): Promise<Run> {
  const h = Harness.create(opts);
  try {
    const checkpoints: Checkpoint[] = [];
    for (const tc of cases) {
      const out = await h.run(tc);
      checkpoints.push({ tc, dump: WRITING.has(tc.verb) ? await h.dump() : undefined, output: READ_ONLY.has(tc.verb) ? out : undefined });
    }
    const writes = h.plan.writes;
    await h.reopenAll();
    const state = [...h.groups.values()].map((g) => h.stateText(g)).join('\n');
    return { writes, passWrites: h.passWrites, checkpoints, results: h.results, recovered: h.recovered.length, final: { dump: await h.dump(), state } };
  } finally {
    await h.close();
  }
}

/** What differs between two dumps, readably (undefined: nothing). */
function dumpDiff(want: ReadonlyMap<string, readonly string[]>, got: ReadonlyMap<string, readonly string[]>): string | undefined {
  const lines: string[] = [];
  for (const [group, rows] of want) {
    const mine = new Map(rows.map((r) => r.split(' ') as [string, string]));
    const theirs = new Map((got.get(group) ?? []).map((r) => r.split(' ') as [string, string]));
    for (const [k, v] of mine) {
      if (!theirs.has(k)) lines.push(`${group}: missing ${describeKey(k)} = ${v}`);
      else if (theirs.get(k) !== v) lines.push(`${group}: ${describeKey(k)} is ${theirs.get(k)}, want ${v}`);
    }
    for (const [k, v] of theirs) if (!mine.has(k)) lines.push(`${group}: extra ${describeKey(k)} = ${v}`);
  }
  return lines.length === 0 ? undefined : lines.slice(0, 20).join('\n');
}

/** A storage key by namespace (src/storage/keys.ts), with its printable tail. */
function describeKey(hexKey: string): string {
  const b = Buffer.from(hexKey, 'hex');
  const ns = ['?', 'meta', 'raft', 'state', 'data', 'stage'][b[0] ?? 0] ?? '?';
  const tail = b.subarray(ns === 'data' ? 6 : 5).toString('latin1').replace(/[^\x21-\x7e]/g, '.');
  return `${ns}${ns === 'data' ? ` family ${b[5]}` : ''} ${tail} (${hexKey})`;
}

/** Compares a run with the reference after every case, then at the end; fails naming the first case that differs. */
function expectSameAs(ref: Run, run: Run, label: string): void {
  expect(run.checkpoints.length, label).toBe(ref.checkpoints.length);
  for (let i = 0; i < ref.checkpoints.length; i++) {
    const want = ref.checkpoints[i]!;
    const got = run.checkpoints[i]!;
    const at = `${label}, after ${want.tc.file.split('/').pop()}:${want.tc.line} '${want.tc.cmd}'`;
    const diff = want.dump && got.dump ? dumpDiff(want.dump, got.dump) : undefined;
    if (diff !== undefined) expect.fail(`${at}: the databases differ:\n${diff}`);
    if (want.output !== undefined) expect(got.output, at).toBe(want.output);
  }
  for (const [group, results] of run.results) {
    for (const [index, text] of results) expect(text, `${label}: result of ${group} #${index}`).toBe(ref.results.get(group)?.get(index));
  }
  const diff = dumpDiff(ref.final.dump, run.final.dump);
  if (diff !== undefined) expect.fail(`${label}: after a clean reopen the databases differ:\n${diff}`);
  expect(run.final.state, `${label}: state after a clean reopen`).toBe(ref.final.state);
}

describe('migration group protocol: a crash after any batch write recovers to the same state', () => {
  const covered = { points: 0, midPass: 0 };

  it.each(FILES)('%s', async (file) => {
    const cases = parseCases(join(DIR, file));
    const ref = await runScenario(cases, {});
    expect(ref.recovered).toBe(0);
    expect(ref.writes).toBeGreaterThan(0);
    for (let k = 0; k < ref.writes; k++) {
      const plan = new WritePlan(k);
      const run = await runScenario(cases, { plan });
      expect(plan.fired, `crash after write ${k}`).toBeDefined();
      expect(run.recovered, `crash after write ${k}`).toBe(1);
      expectSameAs(ref, run, `${file}: crash after batch write ${k} of ${ref.writes} (group ${plan.fired?.group})`);
    }
    covered.points += ref.writes;
    covered.midPass += ref.passWrites.filter((n) => n > 1).length;
    console.log(`${file}: ${ref.writes} crash points, ${ref.passWrites.filter((n) => n > 1).length} passes flushed mid-pass`);
  });

  it.each(FILES)('%s, applied one entry per pass', async (file) => {
    const cases = parseCases(join(DIR, file));
    const ref = await runScenario(cases, {});
    expectSameAs(ref, await runScenario(cases, { entryPerPass: true }), `${file}: one entry per pass`);
  });

  it('covered crash points, some inside a pass the shell flushed mid-way', () => {
    expect(covered.points).toBeGreaterThan(0);
    expect(covered.midPass).toBeGreaterThan(0);
  });
});
