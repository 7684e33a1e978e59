// The environment behind the migration plane's scripted tests
// (testdata/*.txt): named groups, each a fully registered group machine
// (GroupState) on its own LevelDB, each with a raft log the script appends to
// (`propose`) and applies (`apply`), as a replica would apply committed
// entries. The verbs are documented in testdata/README.md.
//
// Crashes: every batch the groups write goes through a WritePlan. A plan with
// a budget lets that many batch writes land and crashes the group whose next
// batch write comes: the batch never reaches disk, the group's in-memory
// state is dropped, its db is reopened from what was written, and it
// re-applies its log from the stored applied index, as raft replays committed
// entries after a restart. `crash-points.test.ts` runs each script once per
// batch write with such a plan.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCommand, type KvCommand, type KvResult, type MigrationCommand, type MigrationKind } from '../../src/apply/commands.js';
import type { MigrationRow } from '../../src/apply/rows.js';
import { OwnershipMap, type OwnedInterval } from '../../src/distribution/ownership.js';
import { backfillCursor, changeCursor, decodeCursor, unhex, type GroupJobState } from '../../src/migration/group-state.js';
import { EntryType, type Entry } from '../../src/raft/index.js';
import { GroupState } from '../../src/server/group-state.js';
import { NodeDb, StorageBatch, type Level } from '../../src/storage/db.js';
import { FAMILY_DEDUP, FAMILY_MVCC } from '../../src/storage/keys.js';
import type { CmdArg, TestCase } from './datadriven.js';
import { checkInvariants, observeTransitions } from './invariants.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const E = new Uint8Array(0);
const MAX_TS = (1n << 64n) - 1n;

/** Thrown by a batch write the plan does not let through: the group "dies" there. */
export class InjectedCrash extends Error {
  constructor(
    readonly group: string,
    /** 1-based number of the write that never landed. */
    readonly write: number,
  ) {
    super(`injected crash of group ${group} at batch write ${write}`);
    this.name = 'InjectedCrash';
  }
}

/** Counts the groups' batch writes; with a budget, the write after the budget-th crashes its group (once). */
export class WritePlan {
  writes = 0;
  fired: InjectedCrash | undefined;

  constructor(readonly crashAfter?: number) {}

  /** Whether the next write of `group` may land (counted if so). */
  admit(group: string): boolean {
    if (this.crashAfter !== undefined && this.fired === undefined && this.writes >= this.crashAfter) {
      this.fired = new InjectedCrash(group, this.writes + 1);
      return false;
    }
    this.writes++;
    return true;
  }
}

class PlannedBatch extends StorageBatch {
  constructor(
    level: Level,
    private readonly plan: WritePlan,
    private readonly group: string,
  ) {
    super(level);
  }

  override async write(opts: { sync: boolean }): Promise<void> {
    if (!this.plan.admit(this.group)) {
      await this.discard(); // never reaches disk
      throw this.plan.fired!;
    }
    await super.write(opts);
  }
}

/** Opens a group's db with every batch going through the plan. */
async function openPlanned(dir: string, plan: WritePlan, name: string): Promise<NodeDb> {
  const db = await NodeDb.open(dir);
  db.batch = (): StorageBatch => new PlannedBatch(db.level, plan, name);
  return db;
}

export interface Group {
  readonly name: string;
  readonly id: number;
  readonly dir: string;
  db: NodeDb;
  sm: GroupState;
  /** The group's raft log: entry i has index i + 1 (durable: a crash keeps it). */
  readonly log: Entry[];
  /** A short label per entry, for apply's output. */
  readonly labels: string[];
}

// ------------------------------------------------------------------ syntax

/** `a..b` (empty end: +∞, empty start: the first key). */
export function parseRange(s: string): { start: Uint8Array; end: Uint8Array } {
  const i = s.indexOf('..');
  if (i < 0) throw new Error(`range ${s}: want start..end`);
  return { start: enc(s.slice(0, i)), end: enc(s.slice(i + 2)) };
}

/** A key as text when printable, else as hex. */
export function keyText(b: Uint8Array): string {
  return b.every((x) => x > 0x20 && x < 0x7f) ? dec(b) : `0x${Buffer.from(b).toString('hex')}`;
}

export function rangeText(start: Uint8Array, end: Uint8Array): string {
  return `${keyText(start)}..${keyText(end)}`;
}

/** `start` (or empty), `B<position>` (a backfill cursor), `C<seq>` (a change-log cursor). */
function parseCursor(s: string): Uint8Array {
  if (s === '' || s === 'start') return E;
  if (s.startsWith('B')) return backfillCursor(enc(s.slice(1)));
  if (s.startsWith('C') && /^C\d+$/.test(s)) return changeCursor(Number(s.slice(1)));
  throw new Error(`cursor ${s}: want start, B<position> or C<seq>`);
}

export function cursorText(hexCursor: string): string {
  const d = decodeCursor(unhex(hexCursor));
  if (d.kind === 'start') return 'start';
  return d.kind === 'change' ? `C${d.seq}` : `B${keyText(d.position)}`;
}

/** `key@ts=value`, or `key@ts=⊥` for a tombstone. */
function parseRow(s: string): MigrationRow {
  const m = /^([^@]+)@(\d+)=(.*)$/.exec(s);
  if (!m) throw new Error(`row ${s}: want key@ts=value or key@ts=⊥`);
  const tombstone = m[3] === '⊥';
  return { family: FAMILY_MVCC, key: enc(m[1]!), ts: BigInt(m[2]!), value: tombstone ? E : enc(m[3]!), tombstone, delete: false };
}

export function rowText(r: MigrationRow): string {
  if (r.family === FAMILY_MVCC) return `mvcc ${keyText(r.key)}@${r.ts}=${r.tombstone ? '⊥' : keyText(r.value)}`;
  return `${r.family === FAMILY_DEDUP ? 'dedup' : `family ${r.family}`} ${keyText(r.key)}${r.delete ? ' deleted' : ''}`;
}

const MIGRATION_KINDS: ReadonlySet<string> = new Set<MigrationKind>(['CLEAR', 'BEGIN_CAPTURE', 'FENCE', 'UNFENCE', 'RELEASE', 'ADOPT', 'IMPORT', 'ABANDON', 'CLEANUP', 'TRUNCATE_LOG', 'REPAIR', 'FINISH']);

class Args {
  private readonly used = new Set<string>();
  constructor(
    private readonly tc: TestCase,
    private readonly list: readonly CmdArg[],
  ) {}

  get(key: string): string | undefined {
    const a = this.list.find((x) => x.key === key);
    if (!a) return undefined;
    this.used.add(key);
    if (a.vals.length !== 1) throw new Error(`${this.tc.cmd}: ${key} wants one value`);
    return a.vals[0];
  }

  vals(key: string): readonly string[] | undefined {
    const a = this.list.find((x) => x.key === key);
    if (a) this.used.add(key);
    return a?.vals;
  }

  num(key: string): number | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new Error(`${this.tc.cmd}: ${key}=${v} is not a number`);
    return Number(v);
  }

  big(key: string): bigint | undefined {
    const v = this.num(key);
    return v === undefined ? undefined : BigInt(v);
  }

  /** Every argument was read (a typo fails loudly instead of being ignored). */
  done(): void {
    const extra = this.list.filter((a) => !this.used.has(a.key)).map((a) => a.key);
    if (extra.length > 0) throw new Error(`${this.tc.file}:${this.tc.line}: unknown argument(s) ${extra.join(', ')}`);
  }
}

// ------------------------------------------------------------------ the harness

export interface HarnessOptions {
  readonly plan?: WritePlan;
  readonly entryPerPass?: boolean;
}

export class Harness {
  readonly groups = new Map<string, Group>();
  readonly plan: WritePlan;
  /** Rendered result of every entry applied, by group name, then index (results lost in a crash are missing). */
  readonly results = new Map<string, Map<number, string>>();
  /** Injected crashes this harness recovered from. */
  readonly recovered: InjectedCrash[] = [];
  /** Batch writes of each pass that completed (more than one: the shell flushed mid-pass). */
  readonly passWrites: number[] = [];
  /** Job states last seen per group (group/job → state), for the monotonicity check. */
  readonly seen = new Map<string, GroupJobState>();
  /** Monotonicity violations seen since the last `check`. */
  readonly violations: string[] = [];
  /** Apply every entry in a pass of its own, whatever the script batched (replicas batch differently). */
  private readonly entryPerPass: boolean;
  private nextId = 2;

  private constructor(
    readonly dir: string,
    opts: HarnessOptions,
  ) {
    this.plan = opts.plan ?? new WritePlan();
    this.entryPerPass = opts.entryPerPass ?? false;
  }

  static create(opts: HarnessOptions = {}): Harness {
    return new Harness(mkdtempSync(join(tmpdir(), 'ferrykv-dd-')), opts);
  }

  async close(): Promise<void> {
    for (const g of this.groups.values()) await g.db.close();
    this.groups.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }

  group(name: string | undefined): Group {
    const g = name === undefined ? undefined : this.groups.get(name);
    if (!g) throw new Error(`no group ${name ?? '(none given)'}`);
    return g;
  }

  nameOf(id: number): string {
    for (const g of this.groups.values()) if (g.id === id) return g.name;
    return `#${id}`;
  }

  async run(tc: TestCase): Promise<string> {
    const [first, ...rest] = tc.args;
    const name = first?.key;
    switch (tc.verb) {
      case 'open':
        return this.open(tc, name, new Args(tc, rest));
      case 'propose':
        return this.propose(tc, this.group(name), rest);
      case 'apply':
        return this.applyVerb(this.group(name), rest[0]?.key);
      case 'state':
        return name === undefined ? [...this.groups.values()].sort((a, b) => a.name.localeCompare(b.name)).map((g) => this.stateText(g)).join('\n') : this.stateText(this.group(name));
      case 'get':
        return this.getVerb(this.group(name), rest.map((a) => a.key));
      case 'versions':
        return this.versionsVerb(this.group(name), rest[0]?.key);
      case 'changelog':
        return this.changelogVerb(tc, this.group(name), new Args(tc, rest));
      case 'seed':
        return this.seedVerb(this.group(name), new Args(tc, rest));
      case 'crash':
        return this.crashVerb(this.group(name));
      case 'redeliver':
        return this.redeliverVerb(this.group(name), new Args(tc, rest));
      case 'reopen':
        return this.reopenVerb(this.group(name));
      case 'check':
        return this.checkVerb();
      default:
        throw new Error(`${tc.file}:${tc.line}: unknown verb ${tc.verb}`);
    }
  }

  // ---------------------------------------------------------------- verbs

  private async open(tc: TestCase, name: string | undefined, a: Args): Promise<string> {
    if (name === undefined || this.groups.has(name)) throw new Error(`${tc.cmd}: want a new group name`);
    const id = a.num('id') ?? this.nextId;
    this.nextId = Math.max(this.nextId, id) + 1;
    const owns = a.vals('owns') ?? ['..'];
    a.done();
    const owned: OwnedInterval[] = owns.filter((o) => o !== 'none').map((o) => ({ ...parseRange(o), state: 'owned' as const }));
    const dir = join(this.dir, name);
    const db = await openPlanned(dir, this.plan, name);
    const b = new StorageBatch(db.level); // not the plan's: the group exists before any step can crash
    GroupState.writeBootstrap(b, id, { owned: new OwnershipMap(owned) });
    await b.write({ sync: false });
    const g: Group = { name, id, dir, db, sm: await GroupState.open(db, id), log: [], labels: [] };
    this.groups.set(name, g);
    this.results.set(name, new Map());
    return this.ownText(g);
  }

  private async propose(tc: TestCase, g: Group, rest: readonly CmdArg[]): Promise<string> {
    const [kindArg, ...args] = rest;
    const kind = kindArg?.key ?? '';
    const cmd = MIGRATION_KINDS.has(kind) ? await this.migrationCommand(tc, g, kind as MigrationKind, new Args(tc, args)) : this.clientCommand(tc, kind, args);
    const index = g.log.length + 1;
    g.log.push({ index, term: 1, type: EntryType.Normal, data: encodeCommand(cmd) });
    g.labels.push(MIGRATION_KINDS.has(kind) ? kind : clientLabel(kind, args));
    return `#${index}`;
  }

  private clientCommand(tc: TestCase, kind: string, args: readonly CmdArg[]): KvCommand {
    const opt = (k: string): string | undefined => args.find((x) => x.key === k)?.vals[0];
    const keys = args.filter((x) => x.key !== 'rid' && x.key !== 'ts');
    if (kind === 'put' && keys.some((x) => x.vals.length !== 1)) throw new Error(`${tc.cmd}: put wants key=value pairs`);
    const base = { requestId: enc(opt('rid') ?? ''), proposedTs: BigInt(opt('ts') ?? '0') };
    switch (kind) {
      case 'put':
        return { ...base, kind: 'WRITE', writes: keys.map((x) => ({ key: enc(x.key), value: enc(x.vals[0] ?? '') })) };
      case 'delete':
        return { ...base, kind: 'WRITE', writes: keys.map((x) => ({ key: enc(x.key), value: null })) };
      case 'delete-range': {
        const range = args.find((x) => x.key === 'range')?.vals[0];
        if (range === undefined) throw new Error(`${tc.cmd}: delete-range wants range=`);
        return { ...base, kind: 'DELETE_RANGE', ...parseRange(range), maxKeys: Number(opt('max-keys') ?? '0') };
      }
      case 'gc':
        return { ...base, kind: 'MVCC_GC', ts: BigInt(opt('safe-point') ?? '0'), start: E, maxKeys: Number(opt('max-keys') ?? '100') };
      case 'dedup-gc':
        return { ...base, kind: 'DEDUP_GC', ts: BigInt(opt('before') ?? '0'), start: E, maxKeys: Number(opt('max-keys') ?? '100') };
      default:
        throw new Error(`${tc.file}:${tc.line}: unknown command kind ${kind}`);
    }
  }

  private async migrationCommand(tc: TestCase, g: Group, kind: MigrationKind, a: Args): Promise<KvCommand> {
    const jobId = a.num('job') ?? 0;
    const attempt = a.num('attempt') ?? 1;
    const range = a.get('range');
    const peer = a.get('peer');
    const from = a.get('from');
    const to = a.get('to');
    const release = a.get('release');
    const recorded = release === undefined ? undefined : this.group(release).sm.jobs.get(jobId);
    if (release !== undefined && !recorded) throw new Error(`${tc.cmd}: group ${release} has no job ${jobId}`);
    const m: MigrationCommand = {
      kind,
      jobId,
      attempt,
      ...(range !== undefined ? parseRange(range) : {}),
      ...(peer !== undefined ? { peerGroup: this.group(peer).id } : {}),
      ...(from !== undefined ? { fromCursor: parseCursor(from) } : {}),
      ...(to !== undefined ? { toCursor: parseCursor(to) } : {}),
      ...opt('fenceEpoch', a.num('epoch')),
      ...opt('head', a.num('head') ?? recorded?.head),
      ...opt('releaseTs', a.big('release-ts') ?? (recorded ? BigInt(recorded.releaseTs) : undefined)),
      ...opt('safePoint', a.big('safe-point') ?? (recorded ? BigInt(recorded.releaseSafePoint ?? '0') : undefined)),
      ...opt('maxKeys', a.num('max-keys')),
      ...opt('throughSeq', a.num('through')),
      ...opt('rows', await this.rows(tc, g, a, jobId, attempt, from, to)),
    };
    const proposedTs = a.big('ts') ?? 0n;
    a.done();
    return { kind: 'MIGRATION', requestId: E, proposedTs, migration: m };
  }

  /** IMPORT/REPAIR rows: listed (`rows=(k@ts=v,...)`), a group's change log between the cursors (`log=g`), or a group's versions (`export=g [keys=a..b]`). */
  private async rows(tc: TestCase, g: Group, a: Args, jobId: number, attempt: number, from?: string, to?: string): Promise<MigrationRow[] | undefined> {
    const listed = a.vals('rows');
    const log = a.get('log');
    const exp = a.get('export');
    const keys = a.get('keys');
    if (listed) return listed.map(parseRow);
    if (log !== undefined) {
      const seq = (c: string | undefined): number => {
        const d = decodeCursor(parseCursor(c ?? ''));
        if (d.kind !== 'change') throw new Error(`${tc.cmd}: log= wants change-log cursors from=C<a> to=C<b>`);
        return d.seq;
      };
      const [lo, hi] = [seq(from), seq(to)];
      return (await this.group(log).sm.readChangeLog(jobId, attempt, lo, 1 << 30)).filter((e) => e.seq <= hi).map((e) => e.row);
    }
    if (exp !== undefined) {
      const st = g.sm.jobs.get(jobId);
      const r = keys !== undefined ? parseRange(keys) : st ? { start: unhex(st.start), end: unhex(st.end) } : { start: E, end: E };
      const out: MigrationRow[] = [];
      for await (const v of this.group(exp).sm.mvcc.versionsIn(r.start, r.end)) {
        out.push({ family: FAMILY_MVCC, key: v.key, ts: v.ts, value: v.value ?? E, tombstone: v.value === null, delete: false });
      }
      return out;
    }
    return undefined;
  }

  private async applyVerb(g: Group, n: string | undefined): Promise<string> {
    const pending = g.log.length - g.sm.applied;
    const count = n === undefined ? pending : Number(n);
    if (!(count >= 0 && count <= pending)) throw new Error(`apply ${g.name} ${n}: ${pending} entries pending`);
    const out = await this.applyThrough(g, g.sm.applied + count);
    return out.length === 0 ? '(nothing to apply)' : out.join('\n');
  }

  /** Applies the log through `target` in one pass (or one per entry); an injected crash restarts the group and replays from its stored applied index. */
  async applyThrough(g: Group, target: number): Promise<string[]> {
    if (!this.entryPerPass) return this.pass(g, target);
    const out: string[] = [];
    while (g.sm.applied < target) out.push(...(await this.pass(g, g.sm.applied + 1)));
    return out;
  }

  private async pass(g: Group, target: number): Promise<string[]> {
    const out: string[] = [];
    const res = await this.applyRecovering(g, () => g.log.slice(g.sm.applied, target), out);
    for (const [index, r] of [...res].sort((a, b) => a[0] - b[0])) {
      const label = g.labels[index - 1] ?? '';
      const text = `#${index} ${label}: ${this.resultText(r, label)}`;
      this.results.get(g.name)!.set(index, text);
      out.push(text);
    }
    this.violations.push(...observeTransitions(this, g));
    return out;
  }

  /** One applyEntries pass; after an injected crash, restarts the group and applies `entries()` again (results of the lost pass are gone). */
  private async applyRecovering(g: Group, entries: () => Entry[], notes: string[]): Promise<Map<number, KvResult>> {
    for (;;) {
      const writesBefore = this.plan.writes;
      try {
        const res = await g.sm.applyEntries(entries());
        this.passWrites.push(this.plan.writes - writesBefore);
        return res;
      } catch (e) {
        if (!(e instanceof InjectedCrash)) throw e;
        this.recovered.push(e);
        await this.restart(g);
        notes.push(`(crashed at batch write ${e.write}; reopened at applied=${g.sm.applied})`);
      }
    }
  }

  /** Drops the group's in-memory state and reopens its db from what was written. */
  private async restart(g: Group): Promise<void> {
    await g.db.close();
    g.db = await openPlanned(g.dir, this.plan, g.name);
    g.sm = await GroupState.open(g.db, g.id);
  }

  /** Writes versions straight to the group's disk, outside its log: what an earlier life left behind. */
  private async seedVerb(g: Group, a: Args): Promise<string> {
    const rows = (a.vals('rows') ?? []).map(parseRow);
    a.done();
    const b = new StorageBatch(g.db.level); // not the plan's: a seed is not a step that can crash
    for (const r of rows) {
      if (r.tombstone) g.sm.mvcc.deleteVersion(b, r.key, r.ts);
      else g.sm.mvcc.putVersion(b, r.key, r.ts, r.value);
    }
    await b.write({ sync: false });
    return `seeded ${rows.length} versions`;
  }

  private async crashVerb(g: Group): Promise<string> {
    await this.restart(g);
    return `reopened at applied=${g.sm.applied}; ${g.log.length - g.sm.applied} entries to replay`;
  }

  /** Hands the group its log again from `from` (as raft may after a restart or a snapshot): entries at or below the applied index are skipped. */
  private async redeliverVerb(g: Group, a: Args): Promise<string> {
    const from = a.num('from') ?? 1;
    a.done();
    const before = g.sm.applied;
    const notes: string[] = [];
    const res = await this.applyRecovering(g, () => g.log.slice(from - 1, before), notes);
    return [...notes, `redelivered #${from}..#${before}: ${res.size} applied, applied=${g.sm.applied}`].join('\n');
  }

  private async reopenVerb(g: Group): Promise<string> {
    const before = this.stateText(g);
    await this.restart(g);
    const after = this.stateText(g);
    return before === after ? `reopened at applied=${g.sm.applied}: state as before` : `reopened, and the state differs:\n-- before\n${before}\n-- after\n${after}`;
  }

  private async getVerb(g: Group, keys: readonly string[]): Promise<string> {
    const lines: string[] = [];
    for (const k of keys) {
      const key = enc(k);
      const refused = g.sm.ownership.check(key, undefined, 'read');
      const v = await g.sm.mvcc.get(key, MAX_TS);
      const stored = v ? `${k}=${keyText(v.value)}@${v.ts}` : `${k} not found`;
      if (!refused) {
        lines.push(stored);
        continue;
      }
      const why = [refused.code ?? 'NOT_OWNER', ...(refused.jobId !== undefined ? [`job=${refused.jobId}`] : []), ...(refused.targetGroup !== undefined ? [`to=${this.nameOf(refused.targetGroup)}`] : [])];
      lines.push(`${k}: ${why.join(' ')} (stored: ${stored})`);
    }
    return lines.join('\n');
  }

  private async versionsVerb(g: Group, range: string | undefined): Promise<string> {
    const r = range === undefined ? { start: E, end: E } : parseRange(range);
    const lines: string[] = [];
    for await (const v of g.sm.mvcc.versionsIn(r.start, r.end)) lines.push(`${keyText(v.key)}@${v.ts}=${v.value === null ? '⊥' : keyText(v.value)}`);
    return lines.length === 0 ? '(no versions)' : lines.join('\n');
  }

  private async changelogVerb(tc: TestCase, g: Group, a: Args): Promise<string> {
    const job = a.num('job');
    const attempt = a.num('attempt') ?? 1;
    a.done();
    if (job === undefined) throw new Error(`${tc.cmd}: want job=`);
    const log = await g.sm.readChangeLog(job, attempt, 0, 1 << 30);
    return log.length === 0 ? '(empty)' : log.map((e) => `${e.seq} ${rowText(e.row)}`).join('\n');
  }

  private async checkVerb(): Promise<string> {
    const found = [...this.violations, ...(await checkInvariants(this))];
    this.violations.length = 0;
    return found.length === 0 ? 'ok' : found.join('\n');
  }

  // ---------------------------------------------------------------- rendering

  ownText(g: Group): string {
    const ivs = g.sm.ownership.intervals();
    if (ivs.length === 0) return 'own nothing';
    return ivs
      .map((iv) => `own ${rangeText(iv.start, iv.end)} ${iv.state}${iv.jobId !== undefined ? ` job=${iv.jobId}` : ''}${iv.targetGroup !== undefined ? ` to=${this.nameOf(iv.targetGroup)}` : ''}`)
      .join('\n');
  }

  jobText(st: GroupJobState): string {
    const head = `job=${st.jobId} attempt=${st.attempt} ${st.role} ${st.state} range=${rangeText(unhex(st.start), unhex(st.end))} peer=${this.nameOf(st.peerGroup)}`;
    const parts =
      st.role === 'source'
        ? [`capture=#${st.captureIndex}`, `head=${st.head}`, `truncated=${st.truncated}`, `epoch=${st.fenceEpoch}`, ...(st.state === 'released' ? [`releaseTs=${st.releaseTs}`, `releaseSafePoint=${st.releaseSafePoint ?? '0'}`] : [])]
        : [`cursor=${cursorText(st.cursor)}`, `importedMaxTs=${st.importedMaxTs}`, ...(st.state === 'adopted' ? [`floor=${st.floor}`] : [])];
    return [head, ...parts, ...(st.cleaned ? ['cleaned'] : [])].join(' ');
  }

  stateText(g: Group): string {
    const jobs = [...g.sm.jobs.values()].sort((a, b) => a.jobId - b.jobId).map((j) => this.jobText(j));
    return [`${g.name}: applied=${g.sm.applied} pending=${g.log.length - g.sm.applied} maxTs=${g.sm.maxTs} safePoint=${g.sm.safePoint}`, this.ownText(g), ...jobs].join('\n');
  }

  /** A result as one line; `deleted` counts what the command removed (REPAIR: the rows it added). */
  resultText(r: KvResult, label = ''): string {
    if (r.errorCode) {
      const extra = [...(r.retryAfterMs ? [`retry after ${r.retryAfterMs} ms`] : []), ...(r.movedToGroup ? [`moved to ${this.nameOf(r.movedToGroup)}`] : [])];
      return `${r.errorCode}: ${r.errorMessage ?? ''}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
    }
    const counts = [...(r.deleted > 0 ? [`${label === 'REPAIR' ? 'added' : 'deleted'}=${r.deleted}`] : []), ...(r.more ? ['more'] : [])];
    if (r.stateJson !== undefined) {
      const st = JSON.parse(r.stateJson) as GroupJobState;
      return [r.succeeded ? 'ok' : 'no effect', ...counts, '|', this.jobText(st)].join(' ');
    }
    if (r.commitTs > 0n) return ['ok', `commitTs=${r.commitTs}`, ...counts].join(' ');
    return ['ok', ...counts, ...(r.succeeded ? [] : ['(not applied)'])].join(' ');
  }

  /** Every key and value of every group's db (hex), by group: what a crash must reproduce exactly. */
  async dump(): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const g of [...this.groups.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      const rows: string[] = [];
      for await (const [k, v] of g.db.level.iterator()) rows.push(`${Buffer.from(k).toString('hex')} ${Buffer.from(v).toString('hex')}`);
      out.set(g.name, rows);
    }
    return out;
  }

  /** Cleanly reopens every group (what is on disk must read back as what was in memory). */
  async reopenAll(): Promise<void> {
    for (const g of this.groups.values()) await this.restart(g);
  }
}

/** `put q n`, `delete r`, `delete-range p..t`. */
function clientLabel(kind: string, args: readonly CmdArg[]): string {
  const shown = args.filter((x) => !['rid', 'ts', 'max-keys', 'safe-point', 'before'].includes(x.key)).map((x) => (x.key === 'range' ? (x.vals[0] ?? '') : x.key));
  return [kind, ...shown].join(' ');
}

function opt<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

