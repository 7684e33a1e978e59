// An in-process GroupsPort over real group machines, for the migrator's unit
// tests (issue 18, item 7). Three groups, each a GroupState on its own temp
// LevelDB: the default group 1 (the route catalog and the job records)
// serving [, m), the source 2 serving [m, t) and [t, +∞), the target 3
// serving nothing. A job moves the route [m, t) from 2 to 3.
//
// Every step is one raft entry applied through the real handlers, one entry
// at a time per group (a leader's apply order); exports stream from the real
// exporter; digest read points and Merkle leaves come from the real machines.
// What crosses a wire in production crosses an encoding here too (commands,
// results, exported rows), so a field that would not survive the wire does not
// survive here. Each port method does what src/server/services/internal.ts
// does on a leader: migration steps and digests are stamped with the group
// leader's clock, job-state reads wait for the applies before them (the read
// barrier), refusals throw.
//
// Faults are rules over port calls (numbered in the order they are made, over
// every migrator): fail a call before it reaches its group, make it ambiguous
// (it applies; the reply is lost), crash the migrator that made it (before or
// after the call applied: its later calls all fail and it no longer leads the
// default group; a new Migrator takes the job over the same groups, as a new
// default-group leader would), or depose it (it no longer leads, but its calls
// in flight and after still reach the groups: a stale migrator).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { KvError, type KvErrorCode } from '../../src/api/errors.js';
import { decodeResult, encodeCommand, encodeResult, type JobCommand, type KvCommand, type KvResult, type MigrationCommand } from '../../src/apply/commands.js';
import { packRows, unpackRows } from '../../src/apply/packed-rows.js';
import { OwnershipMap } from '../../src/distribution/ownership.js';
import { Hlc } from '../../src/hlc/hlc.js';
import { exportRange, type ExportRequest } from '../../src/migration/exporter.js';
import { decodeCursor, decodeGroupJobState, hex, unhex, type GroupJobState } from '../../src/migration/group-state.js';
import type { DigestLeavesQuery, ExportChunk, GroupsPort } from '../../src/migration/groups-port.js';
import { AFTER_RELEASE, DEFAULT_OPTIONS, PHASES, TERMINAL, decodeJob, encodeJob, newJob, type JobOptions, type Phase, type SplitJob } from '../../src/migration/job.js';
import { Migrator } from '../../src/migration/migrator.js';
import type { ExportRangeRequest } from '../../src/proto-gen/ferrykv/internal/v1/ExportRangeRequest.js';
import { EntryType } from '../../src/raft/index.js';
import { RouteCatalog, type RouteDescriptor } from '../../src/routing/catalog.js';
import { GroupState } from '../../src/server/group-state.js';
import { NodeDb } from '../../src/storage/db.js';
import { DIGESTS } from '../../src/verify/digests.js';
import { replicaLeaves } from '../../src/verify/replica-check.js';

export const DEFAULT_GROUP = 1;
export const SOURCE = 2;
export const TARGET = 3;

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const E = new Uint8Array(0);
const MAX_TS = (1n << 64n) - 1n;

/** The route a job moves: [m, t). */
export const MOVING = { start: enc('m'), end: enc('t') } as const;

/** The node that leads each group (what `propose` answers; `digestLeaves` is asked there). */
const leaderNode = (group: number): number => 100 + group;

/** A client write is given up on after this long (a stuck job fails the test, it does not hang it). */
const WRITE_DEADLINE_MS = 15_000;

export type PortMethod = 'command' | 'state' | 'import' | 'export' | 'exportChunk' | 'propose' | 'digestLeaves' | 'proposeJob';

/** One call a migrator made through its port (or its job-record proposer). */
export interface PortCall {
  /** 1-based, over every migrator of this fake, in the order the calls were made. */
  readonly n: number;
  /** The node id of the migrator that made it. */
  readonly node: number;
  readonly method: PortMethod;
  readonly group: number;
  /**
   * command: the step (`CLEAR`, `FENCE`, …); import: `backfill` or `change log` (by the cursor it starts at);
   * export: the mode; exportChunk: `mode #i`;
   * propose: the command kind; proposeJob: `UPDATE FROM→TO` for a phase change, else `UPDATE PHASE`.
   */
  readonly what: string;
  /** The phase the job's record was in when the call was made. */
  readonly phase: Phase | undefined;
  /** import: the rows it carries. */
  readonly rows?: number;
}

/**
 * fail: the call never reaches its group. ambiguous: it applies, the reply is lost.
 * crash-before / crash-after: the calling migrator dies before / after the call applied.
 * depose: the calling migrator stops leading the default group just before the call (which still goes through).
 */
export type FaultKind = 'fail' | 'ambiguous' | 'crash-before' | 'crash-after' | 'depose';

export interface FaultRule {
  readonly fault: FaultKind;
  readonly match: (c: PortCall) => boolean;
  /** Matching calls it hits (default 1). */
  readonly times?: number;
}

/** A write a client had acknowledged, and where. */
export interface Ack {
  readonly key: string;
  /** null: a delete. */
  readonly value: string | null;
  readonly group: number;
  readonly commitTs: bigint;
}

export interface FakeGroupsOptions {
  /** TEST-ONLY failpoint of the target: its imports drop this key's versions (VERIFY must notice). */
  readonly skipImportKey?: string;
}

/** One group's replica on its own LevelDB, applied to like its leader: one entry at a time, in order. */
class FakeGroup {
  readonly hlc = new Hlc();
  readonly digests = new Set<string>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly id: number,
    readonly dir: string,
    readonly db: NodeDb,
    readonly state: GroupState,
  ) {}

  /** Appends a command to the group's log and applies it; the result as it crosses the wire. */
  apply(cmd: KvCommand): Promise<KvResult> {
    const data = encodeCommand(cmd);
    if (cmd.kind === 'DIGEST') this.digests.add(hex(cmd.key ?? E));
    const run = async (): Promise<KvResult> => {
      const index = this.state.applied + 1;
      const res = await this.state.applyEntries([{ index, term: 1, type: EntryType.Normal, data }]);
      this.hlc.forward(this.state.maxTs);
      return decodeResult(encodeResult(res.get(index)!));
    };
    const p = this.tail.then(run, run);
    this.tail = p.catch(() => undefined);
    return p;
  }

  /** Resolves once everything proposed before the call has applied (a leader's read barrier). */
  async barrier(): Promise<void> {
    await this.tail;
  }

  /** A migration step as the leader proposes one sent without a clock reading (services/internal.ts `stamped`). */
  step(m: MigrationCommand): KvCommand {
    return { kind: 'MIGRATION', requestId: E, proposedTs: this.hlc.now(), migration: m };
  }
}

/** One migrator's view of the cluster: its port, its default-group leadership, whether it is alive. */
class Session {
  crashed = false;
  leading = true;
  migrator: Migrator | undefined;

  constructor(readonly node: number) {}
}

function injected(c: PortCall, how: string): KvError {
  return new KvError('UNAVAILABLE', `injected fault: call ${c.n} (${c.method} ${c.what} on group ${c.group}) ${how}`);
}

function crashedError(node: number): KvError {
  return new KvError('UNAVAILABLE', `migrator on node ${node} crashed`);
}

function stateOf(r: KvResult): GroupJobState | undefined {
  return r.stateJson ? decodeGroupJobState(enc(r.stateJson)) : undefined;
}

function refusal(r: KvResult): KvError {
  return new KvError(r.errorCode as KvErrorCode, r.errorMessage ?? r.errorCode ?? 'refused');
}

const bytes = (b: Buffer | Uint8Array | string | undefined): Uint8Array => {
  if (typeof b === 'string') throw new Error('the fake takes bytes fields as bytes, not strings');
  return b === undefined ? E : Uint8Array.from(b);
};
const MODES = ['BACKFILL', 'CHANGE_LOG', 'VERIFY'] as const;
const modeOf = (m: ExportRangeRequest['mode']): ExportRequest['mode'] => (typeof m === 'number' ? MODES[m] : (m ?? 'BACKFILL'));

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `ok` until it holds; fails with `what` after `timeoutMs` (a bound, never an expectation of how long it takes). */
export async function waitFor<T>(what: string | (() => string), ok: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = ok();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(2);
  }
}

export class FakeGroups {
  /** Every port call made so far, in order. */
  readonly calls: PortCall[] = [];
  /** Acknowledged client writes, in acknowledgement order. */
  readonly acks: Ack[] = [];
  /** Called before each port call proceeds (after it is numbered); a hook may await (e.g. a client write's first attempt). */
  onCall: ((c: PortCall) => Promise<void> | void) | undefined;
  /** Migrators hold a job in this phase (their pauseAt hook); 'AFTER_RELEASE' holds a fast cutover between Release and Adopt. */
  holdAt: Phase | 'AFTER_RELEASE' | undefined;
  /** Cut over step by step (FINAL_DELTA and CUTOVER as recorded phases) instead of the fast path right after FENCE. */
  stepByStep = false;
  /** A crashed migrator is replaced by a new one at once (a new default-group leader's). */
  restartOnCrash = true;

  private readonly rules: { rule: FaultRule; left: number }[] = [];
  private readonly sessions: Session[] = [];
  private readonly problems: string[] = [];
  private readonly writes: Promise<unknown>[] = [];
  private readonly log = pino({ level: 'silent' });

  private constructor(private readonly groups: ReadonlyMap<number, FakeGroup>) {}

  static async open(opts: FakeGroupsOptions = {}): Promise<FakeGroups> {
    const routes = RouteCatalog.bootstrap([
      { start: E, end: MOVING.start, groupId: DEFAULT_GROUP },
      { start: MOVING.start, end: MOVING.end, groupId: SOURCE },
      { start: MOVING.end, end: E, groupId: SOURCE },
    ]).image();
    const groups = new Map<number, FakeGroup>();
    for (const id of [DEFAULT_GROUP, SOURCE, TARGET]) {
      const dir = mkdtempSync(join(tmpdir(), `ferrykv-fake-g${id}-`));
      const db = await NodeDb.open(dir);
      const b = db.batch();
      GroupState.writeBootstrap(b, id, { owned: OwnershipMap.ofGroup(routes.routes, id), ...(id === DEFAULT_GROUP ? { catalog: routes } : {}) });
      await b.write({ sync: false });
      const state = await GroupState.open(db, id, id === TARGET && opts.skipImportKey ? { skipImportKey: enc(opts.skipImportKey) } : {});
      groups.set(id, new FakeGroup(id, dir, db, state));
    }
    return new FakeGroups(groups);
  }

  // ------------------------------------------------------------ the groups

  /** A group's replicated state (read it only after what you wait for has applied). */
  state(group: number): GroupState {
    return this.group(group).state;
  }

  get catalog(): RouteCatalog {
    return this.state(DEFAULT_GROUP).catalog!;
  }

  /** The catalog's route for the moving range. */
  movingRoute(): RouteDescriptor {
    return this.catalog.lookup(MOVING.start);
  }

  job(jobId: number): SplitJob {
    const j = this.state(DEFAULT_GROUP).splitJobs.get(jobId);
    if (!j) throw new Error(`job ${jobId} does not exist`);
    return j;
  }

  /** Proposes a command on a group's leader directly (not as a migrator: no faults, no numbering). */
  propose(group: number, cmd: KvCommand): Promise<KvResult> {
    return this.group(group).apply(cmd);
  }

  /** Every version in [start, end) of a group as `key@ts=value` (`⊥`: a tombstone), in storage order. */
  async versions(group: number, start: Uint8Array = E, end: Uint8Array = E): Promise<string[]> {
    const out: string[] = [];
    for await (const v of this.state(group).mvcc.versionsIn(start, end)) out.push(`${dec(v.key)}@${v.ts}=${v.value === null ? '⊥' : dec(v.value)}`);
    return out;
  }

  /** The newest value of `key` at the group the catalog routes it to, which must serve it (null: absent or deleted). */
  async read(key: string): Promise<{ group: number; value: string | null }> {
    const group = this.catalog.lookup(enc(key)).groupId;
    const sm = this.state(group);
    const refused = sm.ownership.check(enc(key));
    if (refused) throw new Error(`group ${group}, where the catalog routes ${key}, does not serve it: ${refused.code}`);
    const kv = await sm.mvcc.get(enc(key), MAX_TS);
    return { group, value: kv ? dec(kv.value) : null };
  }

  // ------------------------------------------------------------ the admin side

  /** StartSplitMigration of the route [m, t) to the target (as src/server/jobs.ts proposes it). */
  async createJob(options: Partial<JobOptions> = {}): Promise<SplitJob> {
    const route = this.movingRoute();
    const record = newJob({
      routeId: route.routeId,
      sourceGroup: SOURCE,
      targetGroup: TARGET,
      start: hex(route.start),
      end: hex(route.end),
      createdAt: Date.now(),
      options: { ...DEFAULT_OPTIONS, chunkBytes: 4096, cleanupGraceMs: 0, ...options },
    });
    const res = await this.proposeJob({ kind: 'CREATE', recordJson: encodeJob(record), maxLiveJobs: 4 });
    if (res.errorCode) throw refusal(res);
    return decodeJob(res.stateJson!);
  }

  /** AbandonSplitJob (src/server/jobs.ts): false if the job already ended or passed release. */
  async requestAbandon(jobId: number): Promise<boolean> {
    for (;;) {
      const j = this.job(jobId);
      if (TERMINAL.has(j.phase) || AFTER_RELEASE.has(j.phase)) return false;
      if (j.abandonRequested) return true;
      const res = await this.proposeJob({ kind: 'UPDATE', recordJson: encodeJob({ ...j, abandonRequested: true, updatedAt: Date.now() }), expectedVersion: j.version });
      if (!res.errorCode) return true;
      if (!res.errorMessage?.startsWith('VERSION_MISMATCH')) throw refusal(res);
    }
  }

  /** RepairFromSource (src/server/jobs.ts) of a job that failed verification. */
  async requestRepair(jobId: number): Promise<void> {
    const j = this.job(jobId);
    const res = await this.proposeJob({ kind: 'UPDATE', recordJson: encodeJob({ ...j, phase: 'VERIFY', repair: true, updatedAt: Date.now() }), expectedVersion: j.version });
    if (res.errorCode) throw refusal(res);
  }

  /** Waits until the job's record is in one of `phases`, and the default group has written that record (its listeners heard of it). */
  async waitForPhase(jobId: number, phases: readonly Phase[], timeoutMs?: number): Promise<SplitJob> {
    const j = await waitFor(() => `job ${jobId} to reach ${phases.join(' or ')} (it is ${this.job(jobId).phase}; last call ${this.calls.length})`, () => (phases.includes(this.job(jobId).phase) ? this.job(jobId) : undefined), timeoutMs);
    await this.group(DEFAULT_GROUP).barrier();
    return j;
  }

  waitForEnd(jobId: number, timeoutMs?: number): Promise<SplitJob> {
    return this.waitForPhase(jobId, [...TERMINAL], timeoutMs);
  }

  // ------------------------------------------------------------ clients

  /**
   * A client write of `key`, routed by the catalog and following refusals as
   * the SDK does (ROUTE_MOVED: to the group named; NOT_OWNER: the catalog
   * again; WRITE_FENCED / RANGE_PENDING: again shortly). `tried` resolves
   * once its first attempt applied or was refused. Writes of one key may be in
   * flight together (a fenced one waits while a later one is sent): the
   * version a read must see is the acknowledged one with the highest commit
   * timestamp.
   */
  put(key: string, value: string | null): { acked: Promise<Ack>; tried: Promise<void> } {
    let tried!: () => void;
    const first = new Promise<void>((r) => (tried = r));
    const acked = this.write(key, value, tried);
    this.writes.push(acked);
    void acked.then(
      (a) => this.acks.push(a),
      (e: unknown) => {
        tried();
        this.problems.push(`client write of ${key}: ${(e as Error).message}`);
      },
    );
    return { acked, tried: first };
  }

  private async write(key: string, value: string | null, tried: () => void): Promise<Ack> {
    let hint: number | undefined;
    const deadline = Date.now() + WRITE_DEADLINE_MS;
    for (;;) {
      const group = hint ?? this.catalog.lookup(enc(key)).groupId;
      const g = this.group(group);
      const res = await g.apply({ kind: 'WRITE', requestId: E, proposedTs: g.hlc.now(), writes: [{ key: enc(key), value: value === null ? null : enc(value) }] });
      tried();
      if (!res.errorCode) return { key, value, group, commitTs: res.commitTs };
      if (res.errorCode === 'ROUTE_MOVED') hint = res.movedToGroup;
      else if (res.errorCode === 'NOT_OWNER') hint = undefined;
      else if (res.errorCode !== 'WRITE_FENCED' && res.errorCode !== 'RANGE_PENDING') throw refusal(res);
      if (Date.now() > deadline) throw new Error(`not acknowledged in ${WRITE_DEADLINE_MS} ms (last: ${res.errorCode} at group ${group})`);
      await sleep(1);
    }
  }

  /** Waits for every client write issued so far; throws if one failed. */
  async settleWrites(): Promise<void> {
    await Promise.allSettled(this.writes);
    this.assertNoProblems();
  }

  /**
   * No acknowledged write is lost: every acknowledged version is still at the
   * group the catalog routes its key to (which serves it), and each key reads
   * as its acknowledged write with the highest commit timestamp.
   */
  async assertNoLostWrite(): Promise<void> {
    await this.settleWrites();
    const last = new Map<string, Ack>();
    for (const a of this.acks) if ((last.get(a.key)?.commitTs ?? -1n) < a.commitTs) last.set(a.key, a);
    const problems: string[] = [];
    for (const a of this.acks) {
      const group = this.catalog.lookup(enc(a.key)).groupId;
      const have = await this.versions(group, enc(a.key), Uint8Array.of(...enc(a.key), 0));
      const want = `${a.key}@${a.commitTs}=${a.value ?? '⊥'}`;
      if (!have.includes(want)) problems.push(`${want} (acknowledged by group ${a.group}) is not at group ${group}: ${have.join(', ') || 'no versions'}`);
    }
    for (const a of last.values()) {
      const r = await this.read(a.key);
      if (r.value !== a.value) problems.push(`${a.key} reads ${r.value} at group ${r.group}, last acknowledged ${a.value}`);
    }
    if (problems.length > 0) throw new Error(`lost writes:\n${problems.join('\n')}`);
  }

  // ------------------------------------------------------------ migrators

  /** Adds a fault rule (rules are tried in the order added; the first that matches a call applies). */
  inject(rule: FaultRule): void {
    this.rules.push({ rule, left: rule.times ?? 1 });
  }

  /** The migrator that leads the default group now. */
  get leader(): Migrator | undefined {
    return this.sessions.find((s) => s.leading && !s.crashed)?.migrator;
  }

  /** Migrators started so far (the first, then one per crash or deposition). */
  get migratorsStarted(): number {
    return this.sessions.length;
  }

  /** Starts a Migrator on a new node that leads the default group from now on (the previous leader must be gone). */
  startMigrator(): Migrator {
    const s = new Session(this.sessions.length + 1);
    if (this.sessions.some((x) => x.leading && !x.crashed)) throw new Error('a migrator already leads the default group');
    this.sessions.push(s);
    s.migrator = new Migrator({
      nodeId: s.node,
      log: this.log,
      leaderSm: () => (s.leading && !s.crashed ? this.state(DEFAULT_GROUP) : undefined),
      proposeJob: (cmd) => this.call(s, 'proposeJob', DEFAULT_GROUP, this.describeJob(cmd), () => this.proposeJob(cmd, s)),
      groups: this.portFor(s),
      pauseAt: () => this.pauseAt(),
      tickMs: 5,
    });
    s.migrator.start();
    return s.migrator;
  }

  /** Kills the leading migrator (its later calls fail, replies to calls in flight are lost) and starts a new one. */
  crashLeader(): Migrator {
    const s = this.leadingSession();
    s.crashed = true;
    void s.migrator?.stop();
    return this.startMigrator();
  }

  /** The port a source leader's own duties use (no faults, no numbering). */
  portForNode(): GroupsPort {
    const s = new Session(0);
    return this.portFor(s, false);
  }

  /** Stops every migrator, then closes the groups; throws if a client write or a hook failed. */
  async close(): Promise<void> {
    await Promise.all(this.sessions.map((s) => (s.migrator ? s.migrator.stop() : Promise.resolve())));
    await Promise.allSettled(this.writes);
    for (const g of this.groups.values()) {
      await g.barrier();
      for (const id of g.digests) g.state.machine.state(DIGESTS).release(id);
      await g.db.close();
      rmSync(g.dir, { recursive: true, force: true });
    }
    this.assertNoProblems();
  }

  private assertNoProblems(): void {
    if (this.problems.length > 0) throw new Error(this.problems.join('\n'));
  }

  private group(id: number): FakeGroup {
    const g = this.groups.get(id);
    if (!g) throw new KvError('UNAVAILABLE', `group ${id} does not exist`);
    return g;
  }

  private leadingSession(): Session {
    const s = this.sessions.find((x) => x.leading && !x.crashed);
    if (!s) throw new Error('no migrator leads the default group');
    return s;
  }

  private pauseAt(): Phase | undefined {
    if (this.holdAt !== undefined) return this.holdAt as Phase;
    if (!this.stepByStep) return undefined;
    // Holding "at CUTOVER" while the job is before it makes FENCE skip the fast path; the hold lifts once CUTOVER is reached.
    const live = this.liveJob();
    return live && PHASES.indexOf(live.phase) < PHASES.indexOf('CUTOVER') ? 'CUTOVER' : undefined;
  }

  /** The job not yet ended (these tests run one at a time), else the newest. */
  private liveJob(): SplitJob | undefined {
    const jobs = [...this.state(DEFAULT_GROUP).splitJobs.values()];
    return jobs.find((j) => !TERMINAL.has(j.phase)) ?? jobs[jobs.length - 1];
  }

  private proposeJob(cmd: JobCommand, s?: Session): Promise<KvResult> {
    // A node that no longer leads the default group cannot propose there (proposeOnLeader: NOT_LEADER).
    if (s && !s.leading) return Promise.reject(new KvError('NOT_LEADER', `node ${s.node} no longer leads the default group`));
    return this.group(DEFAULT_GROUP).apply({ kind: 'JOB', requestId: E, proposedTs: 0n, job: cmd });
  }

  private describeJob(cmd: JobCommand): string {
    const rec = decodeJob(cmd.recordJson);
    const cur = this.state(DEFAULT_GROUP).splitJobs.get(rec.jobId);
    return cur && cur.phase !== rec.phase ? `${cmd.kind} ${cur.phase}→${rec.phase}` : `${cmd.kind} ${rec.phase}`;
  }

  private take(c: PortCall): FaultKind | undefined {
    const r = this.rules.find((x) => x.left > 0 && x.rule.match(c));
    if (!r) return undefined;
    r.left--;
    return r.rule.fault;
  }

  private crash(s: Session): void {
    if (s.crashed) return;
    s.crashed = true;
    void s.migrator?.stop();
    if (this.restartOnCrash && s.leading) this.startMigrator();
  }

  /** One numbered port call of a migrator, with the faults that match it. */
  private async call<T>(s: Session, method: PortMethod, group: number, what: string, run: () => Promise<T>, numbered = true, rows?: number): Promise<T> {
    if (s.crashed) throw crashedError(s.node);
    if (!numbered) return run();
    const c: PortCall = { n: this.calls.length + 1, node: s.node, method, group, what, phase: this.liveJob()?.phase, ...(rows !== undefined ? { rows } : {}) };
    this.calls.push(c);
    try {
      await this.onCall?.(c);
    } catch (e) {
      this.problems.push(`hook at call ${c.n}: ${(e as Error).message}`);
    }
    const fault = this.take(c);
    if (fault === 'fail') throw injected(c, 'failed before it reached the group');
    if (fault === 'crash-before') {
      this.crash(s);
      throw crashedError(s.node);
    }
    if (fault === 'depose' && s.leading) {
      s.leading = false;
      this.startMigrator();
    }
    let out: T;
    try {
      out = await run();
    } catch (e) {
      this.afterCall(s, fault);
      throw e;
    }
    this.afterCall(s, fault);
    if (fault === 'ambiguous') throw injected(c, 'applied, but its reply was lost');
    return out;
  }

  /** After a call returned or threw: a crash it was to trigger; a dead process hears no reply (the call may still have applied). */
  private afterCall(s: Session, fault: FaultKind | undefined): void {
    if (fault === 'crash-after') this.crash(s);
    if (s.crashed) throw crashedError(s.node);
  }

  private portFor(s: Session, numbered = true): GroupsPort {
    const at = <T>(method: PortMethod, group: number, what: string, run: () => Promise<T>, rows?: number): Promise<T> => this.call(s, method, group, what, run, numbered, rows);
    return {
      command: (group, m) =>
        at('command', group, m.kind, async () => {
          const res = await this.group(group).apply(this.group(group).step(m));
          if (res.errorCode) throw refusal(res);
          return { result: res, state: stateOf(res) };
        }),
      state: (group, jobId) => at('state', group, `job ${jobId}`, () => this.jobState(group, jobId)),
      import: (group, jobId, attempt, from, to, rows) =>
        at(
          'import',
          group,
          decodeCursor(from).kind === 'change' ? 'change log' : 'backfill',
          async () => {
            const g = this.group(group);
            const res = await g.apply(g.step({ kind: 'IMPORT', jobId, attempt, fromCursor: from, toCursor: to, rows: unpackRows(packRows(rows)) }));
            if (res.errorCode) throw refusal(res);
            return { result: res, state: stateOf(res) };
          },
          rows.length,
        ),
      export: (group, req) => this.exportFor(s, group, req, numbered),
      propose: (group, cmd) =>
        at('propose', group, cmd.kind, async () => {
          const g = this.group(group);
          const res = await g.apply(cmd.proposedTs === 0n ? { ...cmd, proposedTs: g.hlc.now() } : cmd);
          if (res.errorCode) throw refusal(res);
          return { result: res, leader: leaderNode(group) };
        }),
      digestLeaves: (node, req) => at('digestLeaves', req.groupId, `node ${node}`, () => this.digestLeaves(node, req)),
    };
  }

  /** A job's state on a group's leader after a read barrier; a source adds its size estimate (services/internal.ts readJobState). */
  private async jobState(group: number, jobId: number): Promise<GroupJobState | undefined> {
    const g = this.group(group);
    await g.barrier();
    const st = g.state.jobs.get(jobId);
    if (!st) return undefined;
    const approxBytes = st.role === 'source' ? await g.state.mvcc.approximateBytes(unhex(st.start), unhex(st.end)) : undefined;
    return decodeGroupJobState(enc(JSON.stringify({ ...st, ...(approxBytes !== undefined ? { approxBytes } : {}) })));
  }

  /** The export stream (services/internal.ts exportRangeStream): opening it is one call, each chunk another. */
  private async *exportFor(s: Session, group: number, req: Omit<ExportRangeRequest, 'groupId'>, numbered: boolean): AsyncGenerator<ExportChunk> {
    const mode = modeOf(req.mode);
    const g = this.group(group);
    await this.call(
      s,
      'export',
      group,
      mode,
      async () => {
        if (mode === 'CHANGE_LOG') await g.barrier();
        const minApplied = Number(req.minApplied ?? 0);
        if (g.state.applied < minApplied) throw new KvError('UNAVAILABLE', `group ${group} has not applied the capture (${g.state.applied} < ${minApplied})`);
      },
      numbered,
    );
    const chunks = exportRange(
      g.state.machine,
      {
        mode,
        jobId: Number(req.jobId ?? 0),
        attempt: req.attempt ?? 0,
        start: bytes(req.start),
        end: bytes(req.end),
        cursor: bytes(req.cursor),
        afterSeq: Number(req.afterSeq ?? 0),
        chunkBytes: req.chunkBytes ?? 0,
        rateLimitBytesPerSec: Number(req.rateLimitBytesPerSec ?? 0),
        maxTs: BigInt(String(req.maxTs ?? 0)),
      },
      () => s.crashed,
    );
    let i = 0;
    for await (const c of chunks) {
      const wire = (): Promise<ExportChunk> => Promise.resolve({ rows: unpackRows(packRows(c.rows)), nextCursor: Uint8Array.from(c.nextCursor), lastSeq: c.lastSeq, done: c.done, scannedBytes: c.scannedBytes });
      yield await this.call(s, 'exportChunk', group, `${mode} #${++i}`, wire, numbered);
    }
  }

  /** Merkle leaves of the group's replica at a digest read point (services/internal.ts digestLeaves, replica-verify.ts atDigest). */
  private async digestLeaves(node: number, req: DigestLeavesQuery): Promise<{ boundaries: Uint8Array[]; hashes: Buffer[] }> {
    if (node !== leaderNode(req.groupId)) throw new KvError('UNAVAILABLE', `node ${node} holds no replica of group ${req.groupId}`);
    const sm = this.state(req.groupId);
    if (sm.applied < req.index) throw new KvError('UNAVAILABLE', `group ${req.groupId} has not applied the read point ${req.index}`);
    const d = sm.digest(hex(req.digestId));
    if (!d) throw new KvError('UNAVAILABLE', `group ${req.groupId}: no read point ${hex(req.digestId)}`);
    const leaves = await replicaLeaves(sm, d.snapshot, {
      start: req.start,
      end: req.end,
      readTs: req.upToTs,
      boundaries: req.boundaries,
      upTo: true,
      ...(req.excludeKeys && req.excludeKeys.length > 0 ? { exclude: new Set(req.excludeKeys.map((k) => hex(k))) } : {}),
    });
    return { boundaries: leaves.boundaries.map((b) => Uint8Array.from(b)), hashes: leaves.hashes.map((h) => Buffer.from(Uint8Array.from(h))) };
  }
}
