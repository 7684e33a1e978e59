// The migration plane's invariants (MIGRATION.md), checked over the groups a
// script opened (the `check` verb), and the per-job monotonicity rule
// checked after every applied pass:
// - at most one group serves any key, for reads and for writes (no split brain);
// - each group's job state agrees with its ownership map over the job's range;
// - job states only move forward per (job, attempt): on a source
//   capturing ⇄ fenced → released, or → abandoned; on a target clearing →
//   importing → adopted, or → abandoned → removed; attempts only rise; fence
//   epochs, change-log heads and truncation points never go back; cleaned stays;
// - a source's change log holds only entries in (truncated, head]; a release
//   timestamp is at or below the source's clock; a target's floor is at or
//   above what it imported and at or below its clock;
// - once a target adopted, its versions at or below the floor equal the
//   source's frozen copy (the VERIFY rule), until the source cleaned it up;
//   a cleaned-up source holds no version of the range.

import type { OwnedInterval } from '../../src/distribution/ownership.js';
import { unhex, type GroupJobState } from '../../src/migration/group-state.js';
import { compareBytes } from '../../src/storage/keys.js';
import type { Group, Harness } from './group-harness.js';
import { keyText, rangeText } from './group-harness.js';

const E = new Uint8Array(0);

/** States reachable from each state, per role (a pass may apply several steps). */
const REACHABLE: Record<'source' | 'target', Record<string, readonly string[]>> = {
  source: {
    capturing: ['capturing', 'fenced', 'released', 'abandoned'],
    fenced: ['capturing', 'fenced', 'released', 'abandoned'],
    released: ['released'],
    abandoned: ['abandoned'],
  },
  target: {
    clearing: ['clearing', 'importing', 'adopted', 'abandoned', 'removed'],
    importing: ['importing', 'adopted', 'abandoned', 'removed'],
    adopted: ['adopted'],
    abandoned: ['abandoned', 'removed'],
    removed: ['removed'],
  },
};

/** Compares a group's job states with those seen after its previous pass; records them. */
export function observeTransitions(h: Harness, g: Group): string[] {
  const out: string[] = [];
  for (const key of h.seen.keys()) {
    const [name, job] = key.split('/');
    if (name === g.name && !g.sm.jobs.has(Number(job))) out.push(`${g.name}: job ${job} disappeared`);
  }
  for (const st of g.sm.jobs.values()) {
    const key = `${g.name}/${st.jobId}`;
    const prev = h.seen.get(key);
    h.seen.set(key, st);
    if (!prev) continue;
    const where = `${g.name}: job ${st.jobId}`;
    if (st.attempt < prev.attempt) out.push(`${where}: attempt went back from ${prev.attempt} to ${st.attempt}`);
    if (st.attempt !== prev.attempt) continue;
    if (st.role !== prev.role) out.push(`${where}: role changed from ${prev.role} to ${st.role}`);
    else if (!(REACHABLE[st.role][prev.state] ?? []).includes(st.state)) out.push(`${where}: state went from ${prev.state} to ${st.state}`);
    if (st.fenceEpoch < prev.fenceEpoch) out.push(`${where}: fence epoch went back`);
    if (st.head < prev.head) out.push(`${where}: change-log head went back`);
    if (st.truncated < prev.truncated) out.push(`${where}: truncation point went back`);
    if (prev.cleaned && !st.cleaned) out.push(`${where}: cleaned was undone`);
    if (st.captureIndex !== prev.captureIndex) out.push(`${where}: capture index changed`);
  }
  return out;
}

/** The interval state a job's state implies over its range (undefined: the job holds none of it). */
function impliedInterval(st: GroupJobState): Pick<OwnedInterval, 'state' | 'jobId'> | 'owned' | 'none' {
  if (st.role === 'source') {
    if (st.state === 'abandoned') return 'owned';
    return { state: st.state as 'capturing' | 'fenced' | 'released', jobId: st.jobId };
  }
  switch (st.state) {
    case 'clearing':
    case 'abandoned':
      return { state: 'clearing', jobId: st.jobId };
    case 'importing':
      return { state: 'importing', jobId: st.jobId };
    case 'adopted':
      return 'owned';
    default:
      return 'none';
  }
}

/** Whether a later job took part of the job's range on this group (it overwrote the interval: the older job's claim ended there). */
function superseded(g: Group, st: GroupJobState): boolean {
  const start = unhex(st.start);
  const end = unhex(st.end);
  if (g.sm.ownership.overlapping(start, end).some((iv) => iv.jobId !== undefined && iv.jobId > st.jobId)) return true;
  const overlaps = (j: GroupJobState): boolean => (end.byteLength === 0 || compareBytes(unhex(j.start), end) < 0) && (j.end.length === 0 || compareBytes(unhex(j.end), start) > 0);
  return [...g.sm.jobs.values()].some((j) => j.jobId > st.jobId && overlaps(j));
}

function agreement(g: Group, st: GroupJobState): string[] {
  if (superseded(g, st)) return [];
  const start = unhex(st.start);
  const end = unhex(st.end);
  const want = impliedInterval(st);
  const ivs = g.sm.ownership.overlapping(start, end);
  const where = `${g.name}: job ${st.jobId} ${st.role} ${st.state} over ${rangeText(start, end)}`;
  if (want === 'none') return ivs.some((iv) => iv.jobId === st.jobId) ? [`${where}: the job still holds an interval`] : [];
  if (want === 'owned') {
    if (st.role === 'source') return ivs.some((iv) => iv.jobId === st.jobId) ? [`${where}: the job still holds an interval`] : [];
    return ivs.every((iv) => iv.state === 'owned') && covers(ivs, start, end) ? [] : [`${where}: the range is not plainly owned`];
  }
  const ok = covers(ivs, start, end) && ivs.every((iv) => iv.state === want.state && iv.jobId === want.jobId && (want.state !== 'released' || iv.targetGroup === st.peerGroup));
  return ok ? [] : [`${where}: the ownership map says ${ivs.map((iv) => `${rangeText(iv.start, iv.end)} ${iv.state}${iv.jobId !== undefined ? ` job ${iv.jobId}` : ''}`).join(', ') || 'nothing'}`];
}

/** Whether clipped intervals cover [start, end) without a gap. */
function covers(ivs: readonly OwnedInterval[], start: Uint8Array, end: Uint8Array): boolean {
  let at = start;
  for (const iv of ivs) {
    if (compareBytes(iv.start, at) !== 0) return false;
    at = iv.end;
    if (at.byteLength === 0) return true;
  }
  return end.byteLength > 0 && compareBytes(at, end) === 0;
}

/** Every key where some group's ownership changes: serving is constant between two of them. */
function boundaries(h: Harness): Uint8Array[] {
  const keys = new Map<string, Uint8Array>([['', E]]);
  for (const g of h.groups.values()) {
    for (const iv of g.sm.ownership.intervals()) {
      keys.set(Buffer.from(iv.start).toString('hex'), iv.start);
      if (iv.end.byteLength > 0) keys.set(Buffer.from(iv.end).toString('hex'), iv.end);
    }
  }
  return [...keys.values()].sort(compareBytes);
}

function splitBrain(h: Harness): string[] {
  const out: string[] = [];
  for (const key of boundaries(h)) {
    for (const mode of ['read', 'write'] as const) {
      const servers = [...h.groups.values()].filter((g) => g.sm.ownership.check(key, undefined, mode) === undefined).map((g) => g.name);
      if (servers.length > 1) out.push(`key ${keyText(key) || "''"} is served for ${mode}s by ${servers.join(' and ')}`);
    }
  }
  return out;
}

async function versionsAtOrBelow(g: Group, start: Uint8Array, end: Uint8Array, maxTs?: bigint): Promise<string[]> {
  const out: string[] = [];
  for await (const v of g.sm.mvcc.versionsIn(start, end, maxTs)) out.push(`${keyText(v.key)}@${v.ts}=${v.value === null ? '⊥' : keyText(v.value)}`);
  return out;
}

async function sourceChecks(h: Harness, g: Group, st: GroupJobState): Promise<string[]> {
  const out: string[] = [];
  const where = `${g.name}: job ${st.jobId} source`;
  if (st.truncated > st.head) out.push(`${where}: truncated ${st.truncated} past head ${st.head}`);
  const log = await g.sm.readChangeLog(st.jobId, st.attempt, 0, 1 << 30);
  const stray = log.filter((e) => e.seq > st.head || e.seq <= st.truncated);
  if (stray.length > 0) out.push(`${where}: change-log entries outside (${st.truncated}, ${st.head}]: ${stray.map((e) => e.seq).join(', ')}`);
  if (st.state !== 'released' || superseded(g, st)) return out;
  if (BigInt(st.releaseTs) > g.sm.maxTs) out.push(`${where}: releaseTs ${st.releaseTs} above the clock ${g.sm.maxTs}`);
  const start = unhex(st.start);
  const end = unhex(st.end);
  const mine = await versionsAtOrBelow(g, start, end);
  if (st.cleaned) return mine.length > 0 ? [...out, `${where}: cleaned, yet holds ${mine.join(' ')}`] : out;
  const t = [...h.groups.values()].find((x) => x.id === st.peerGroup);
  const tst = t?.sm.jobs.get(st.jobId);
  if (!t || !tst || tst.attempt !== st.attempt || tst.state !== 'adopted') return out;
  const theirs = await versionsAtOrBelow(t, start, end, BigInt(tst.floor));
  if (theirs.join(' ') !== mine.join(' ')) out.push(`${where}: ${t.name}'s versions at or below the floor ${tst.floor} differ from the frozen copy: ${theirs.join(' ') || '(none)'} vs ${mine.join(' ') || '(none)'}`);
  return out;
}

function targetChecks(g: Group, st: GroupJobState): string[] {
  if (st.state !== 'adopted') return [];
  const where = `${g.name}: job ${st.jobId} target`;
  const floor = BigInt(st.floor);
  const out: string[] = [];
  if (floor < BigInt(st.importedMaxTs)) out.push(`${where}: floor ${st.floor} below the imported ${st.importedMaxTs}`);
  if (floor > g.sm.maxTs) out.push(`${where}: floor ${st.floor} above the clock ${g.sm.maxTs}`);
  return out;
}

export async function checkInvariants(h: Harness): Promise<string[]> {
  const out = splitBrain(h);
  for (const g of [...h.groups.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    for (const st of [...g.sm.jobs.values()].sort((a, b) => a.jobId - b.jobId)) {
      out.push(...agreement(g, st));
      out.push(...(st.role === 'source' ? await sourceChecks(h, g, st) : targetChecks(g, st)));
    }
  }
  return out;
}
