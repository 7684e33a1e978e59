// Linearizability checker for single-register histories (read / write / cas),
// after Wing & Gong and Lowe ("Testing for linearizability", 2017).
//
// Registers on different keys are independent, so the history is split per
// key and each key is searched on its own; every register starts absent
// (null). Per key, the search keeps the not-yet-linearized operations in a
// list of call and return entries in history order; the candidates to
// linearize next are the calls before the first return entry (operations
// whose invocation precedes every pending response). It linearizes one,
// recurses, and backtracks on a dead end, memoizing (linearized set, register
// value) so no configuration is expanded twice.
//
// `fail` operations are dropped. `info` (and never-completed) writes and cas
// have no return entry: they may be linearized any time after their
// invocation, or never; the search succeeds once every `ok` operation is
// linearized. `info` reads carry no information and are dropped. On top of
// Lowe's algorithm, four reductions keep the search small, each of which
// preserves the verdict:
//   - an ok read (or a cas that would leave the value unchanged) that is
//     consistent with the current value is linearized at once, with no
//     branching — it can always be moved earlier without changing any state;
//   - an info op is only linearized right before a candidate that observes
//     the value it writes (a read of it, or a cas expecting it): anywhere
//     else it is overwritten unseen, or is last, and can be left out;
//   - linearizing an info op is never necessary, so a configuration is pruned
//     when one with the same ok set and value but a subset of its info ops
//     was already visited (ok candidates are tried before info candidates);
//   - identical info ops (same f and values) are linearized in invocation
//     order only.
//
// Invariant: `valid: true` is only reported when a linearization was found;
// when a key's time or visited-configuration budget runs out, that key (and
// the result, unless another key is invalid) is 'unknown'. For a key that is
// not linearizable, `failure.minimal` is a sub-history (whole operations) that
// is itself not linearizable and, by construction, implies the original is
// not (see minimize()); `failure.message` describes where the search got stuck.

import { eventsOf, pairOperations, type HistoryEvent, type Operation, type RegisterOp } from './history.js';
import { VisitedSet } from './visited.js';

export interface KeyResult {
  key: string;
  valid: boolean | 'unknown';
  /** Operations the search considered: ok ops plus info writes and cas. */
  ops: number;
  /** Configurations (linearized set, value) the search expanded. */
  visited: number;
  ms: number;
  failure?: { message: string; minimal: HistoryEvent<RegisterOp>[] };
}

export interface RegisterResult {
  valid: boolean | 'unknown';
  keys: KeyResult[];
  ms: number;
}

export interface RegisterCheckOptions {
  /** Wall-clock budget for each key's search; default 30 s. */
  timeoutMs?: number;
  /** Configurations one key may expand before it is 'unknown'; default 1,000,000. */
  maxVisited?: number;
  /** Extra wall-clock budget per invalid key for shrinking `minimal`; default 2 s. */
  minimizeMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_VISITED = 1_000_000;
const DEFAULT_MINIMIZE_MS = 2_000;
/** Least visited budget for each trial search while shrinking a failing history. */
const MINIMIZE_TRIAL_VISITED = 20_000;

type Value = number | null;

/** A register operation as the search sees it. */
interface RegOp {
  readonly f: 'read' | 'write' | 'cas';
  /** read: the value observed; cas: the value expected; write: unused. */
  readonly expect: Value;
  /** write / cas: the value written; read: unused. */
  readonly write: Value;
  /** ok (must be linearized before its completion) vs info (may never happen). */
  readonly definite: boolean;
  readonly source: Operation<RegisterOp>;
}

interface Budget {
  readonly deadline: number;
  readonly maxVisited: number;
}

interface Stuck {
  /** How many ok ops were linearized at the deepest dead end. */
  depth: number;
  /** The op whose response forced the search to backtrack there. */
  op: RegOp;
  /** Register values from which that op could not be linearized. */
  values: Set<Value>;
}

interface SearchOutcome {
  valid: boolean | 'unknown';
  visited: number;
  stuck: Stuck | undefined;
}

export function checkRegister(history: readonly HistoryEvent<RegisterOp>[], opts: RegisterCheckOptions = {}): RegisterResult {
  const start = performance.now();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxVisited = opts.maxVisited ?? DEFAULT_MAX_VISITED;
  const minimizeMs = opts.minimizeMs ?? DEFAULT_MINIMIZE_MS;

  const byKey = new Map<string, Operation<RegisterOp>[]>();
  for (const o of pairOperations(history)) {
    const list = byKey.get(o.invoke.op.key);
    if (list) list.push(o);
    else byKey.set(o.invoke.op.key, [o]);
  }

  const keys: KeyResult[] = [];
  for (const [key, operations] of byKey) {
    const keyStart = performance.now();
    const ops = toRegOps(operations);
    const outcome = search(ops, { deadline: keyStart + timeoutMs, maxVisited });
    const result: KeyResult = { key, valid: outcome.valid, ops: ops.length, visited: outcome.visited, ms: 0 };
    if (outcome.valid === false) {
      // Each trial gets a budget in proportion to what the full search took:
      // sub-histories are rarely harder, and a trial that runs out just keeps
      // its ops.
      const trialVisited = Math.min(maxVisited, Math.max(MINIMIZE_TRIAL_VISITED, 2 * outcome.visited));
      const minimal = minimize(ops, outcome.stuck, { deadline: performance.now() + minimizeMs, maxVisited: trialVisited });
      // Describe the shrunk history: searching it again stays within the
      // budget of the trial that accepted it (the search is deterministic).
      const diagnosis = minimal.length === ops.length ? outcome.stuck : search(minimal, { deadline: Infinity, maxVisited: trialVisited }).stuck;
      result.failure = { message: describeFailure(minimal, diagnosis), minimal: eventsOf(minimal.map((o) => o.source)) };
    }
    result.ms = performance.now() - keyStart;
    keys.push(result);
  }

  const valid = keys.some((k) => k.valid === false) ? false : keys.some((k) => k.valid === 'unknown') ? 'unknown' : true;
  return { valid, keys, ms: performance.now() - start };
}

/** Drops what cannot constrain the register: failed ops and indeterminate reads. */
function toRegOps(operations: readonly Operation<RegisterOp>[]): RegOp[] {
  const out: RegOp[] = [];
  for (const o of operations) {
    if (o.outcome === 'fail') continue;
    const definite = o.outcome === 'ok';
    const op = o.invoke.op;
    switch (op.f) {
      case 'read':
        // The observed value is on the completion, which an info read lacks.
        if (definite && o.completion?.op.f === 'read') out.push({ f: 'read', expect: o.completion.op.value, write: null, definite, source: o });
        break;
      case 'write':
        out.push({ f: 'write', expect: null, write: op.value, definite, source: o });
        break;
      case 'cas':
        out.push({ f: 'cas', expect: op.value[0], write: op.value[1], definite, source: o });
        break;
    }
  }
  return out;
}

/** The register after `op` applied to `value`, or undefined if it cannot apply. */
function step(op: RegOp, value: Value): Value | undefined {
  switch (op.f) {
    case 'read':
      return op.expect === value ? value : undefined;
    case 'write':
      return op.write;
    case 'cas':
      return op.expect === value ? op.write : undefined;
  }
}

/**
 * Drops info writes and cas whose written value no op observes (reads, or
 * expects in a cas): linearizing one can never help (see candidates()), so
 * they would only lengthen every scan of the candidate window.
 */
function withoutUselessInfo(ops: readonly RegOp[]): readonly RegOp[] {
  let kept = ops;
  for (;;) {
    const observed = new Set<Value>();
    for (const o of kept) if (o.f !== 'write') observed.add(o.expect);
    const next = kept.filter((o) => o.definite || (observed.has(o.write) && !(o.f === 'cas' && o.expect === o.write)));
    if (next.length === kept.length) return kept;
    kept = next;
  }
}

// --- The search -------------------------------------------------------------

const NONE = -1;

/**
 * Depth-first search for a linearization of one key's operations. Entry ids:
 * the call of op i is 2i, its return (ok ops only) 2i+1, the list head 2n.
 */
function search(allOps: readonly RegOp[], budget: Budget): SearchOutcome {
  const ops = withoutUselessInfo(allOps);
  const n = ops.length;
  const head = 2 * n;
  const next = new Int32Array(2 * n + 1).fill(NONE);
  const prev = new Int32Array(2 * n + 1).fill(NONE);
  const entries: { pos: number; id: number }[] = [];
  const okIndex = new Int32Array(n).fill(NONE);
  const infoIndex = new Int32Array(n).fill(NONE);
  let okCount = 0;
  let infoCount = 0;
  ops.forEach((op, i) => {
    entries.push({ pos: op.source.invokePos, id: 2 * i });
    if (op.definite) {
      entries.push({ pos: op.source.completePos, id: 2 * i + 1 });
      okIndex[i] = okCount++;
    } else {
      infoIndex[i] = infoCount++;
    }
  });
  entries.sort((a, b) => a.pos - b.pos);
  let last = head;
  for (const { id } of entries) {
    next[last] = id;
    prev[id] = last;
    last = id;
  }

  // Identical info ops are interchangeable: only linearize one once every
  // earlier identical one (by invocation) has been.
  const earlierTwin = new Int32Array(n).fill(NONE);
  const lastOfKind = new Map<string, number>();
  ops.forEach((op, i) => {
    if (op.definite) return;
    const kind = `${op.f}:${op.expect}:${op.write}`;
    earlierTwin[i] = lastOfKind.get(kind) ?? NONE;
    lastOfKind.set(kind, i);
  });

  const okBits = new Uint32Array(Math.ceil(okCount / 32));
  const infoBits = new Uint32Array(Math.ceil(infoCount / 32));
  const rng = xorshift32(0x9e3779b9);
  const zobrist1 = Int32Array.from({ length: okCount }, rng);
  const zobrist2 = Int32Array.from({ length: okCount }, rng);
  let hash1 = 0;
  let hash2 = 0;
  let value: Value = null;
  let remaining = okCount;
  let visited = 0;
  let iterations = 0;
  let stuck: Stuck | undefined;

  const cache = new VisitedSet(infoBits.length);
  const isInfoLinearized = (i: number): boolean => {
    const b = infoIndex[i]!;
    return (infoBits[b >>> 5]! & (1 << (b & 31))) !== 0;
  };
  const toggle = (i: number): void => {
    const ok = okIndex[i]!;
    if (ok !== NONE) {
      okBits[ok >>> 5]! ^= 1 << (ok & 31);
      hash1 ^= zobrist1[ok]!;
      hash2 ^= zobrist2[ok]!;
    } else {
      const b = infoIndex[i]!;
      infoBits[b >>> 5]! ^= 1 << (b & 31);
    }
  };
  // Dancing links: an unlinked entry keeps its own pointers, so undoing in
  // reverse order restores the list exactly.
  const unlink = (e: number): void => {
    next[prev[e]!] = next[e]!;
    if (next[e]! !== NONE) prev[next[e]!] = prev[e]!;
  };
  const relink = (e: number): void => {
    next[prev[e]!] = e;
    if (next[e]! !== NONE) prev[next[e]!] = e;
  };
  const lift = (i: number): void => {
    unlink(2 * i);
    if (ops[i]!.definite) unlink(2 * i + 1);
  };
  const unlift = (i: number): void => {
    if (ops[i]!.definite) relink(2 * i + 1);
    relink(2 * i);
  };
  /**
   * Ops that may be linearized next: the calls before the first return
   * entry, ok ones first — or a single forced move.
   */
  const observed = new Set<Value>();
  const candidates = (): number[] => {
    const ok: number[] = [];
    const info: number[] = [];
    observed.clear();
    for (let e = next[head]!; e !== NONE && (e & 1) === 0; e = next[e]!) {
      const i = e >> 1;
      const op = ops[i]!;
      if (!op.definite) {
        if (op.f === 'cas' && op.expect === op.write) continue; // an optional no-op is never needed
        if (op.f === 'cas') observed.add(op.expect);
        info.push(i);
        continue;
      }
      if (op.f !== 'write') observed.add(op.expect);
      // A read (or no-op cas) that fits the current value changes nothing and
      // can always be moved earlier: take it now, without branching. (A write
      // of the current value cannot: where it really went, it overwrote.)
      if (op.f !== 'write' && step(op, value) === value) return [i];
      ok.push(i);
    }
    // An info op is only worth linearizing right before an op that observes
    // the value it writes; that observer is among the current candidates.
    for (const i of info) if (observed.has(ops[i]!.write)) ok.push(i);
    return ok;
  };
  const noteDeadEnd = (): void => {
    let e = next[head]!;
    while (e !== NONE && (e & 1) === 0) e = next[e]!;
    if (e === NONE) return;
    const depth = okCount - remaining;
    const op = ops[e >> 1]!;
    if (!stuck || depth > stuck.depth) stuck = { depth, op, values: new Set([value]) };
    else if (depth === stuck.depth && op === stuck.op) stuck.values.add(value);
  };
  /** Records the current configuration; false if it (or a dominating one) was seen. */
  const remember = (): boolean => {
    const [s1, s2] = hashValue(value);
    return cache.add(((hash1 ^ s1) >>> 0) * 0x200000 + ((hash2 ^ s2) & 0x1fffff), okBits, value, infoBits);
  };

  if (remaining === 0) return { valid: true, visited, stuck };
  remember();
  visited++;

  interface Frame {
    readonly candidates: number[];
    next: number;
    /** The op linearized to reach this frame, and the value before it. */
    readonly op: number;
    readonly before: Value;
  }
  const frames: Frame[] = [{ candidates: candidates(), next: 0, op: NONE, before: null }];
  for (;;) {
    if ((++iterations & 0x3ff) === 0 && performance.now() > budget.deadline) return { valid: 'unknown', visited, stuck };
    const top = frames[frames.length - 1]!;
    if (top.next >= top.candidates.length) {
      noteDeadEnd();
      frames.pop();
      if (frames.length === 0) return { valid: false, visited, stuck };
      unlift(top.op);
      toggle(top.op);
      if (ops[top.op]!.definite) remaining++;
      value = top.before;
      continue;
    }
    const i = top.candidates[top.next++]!;
    const op = ops[i]!;
    if (!op.definite && earlierTwin[i]! !== NONE && !isInfoLinearized(earlierTwin[i]!)) continue;
    const after = step(op, value);
    if (after === undefined) continue;
    toggle(i);
    const before: Value = value;
    value = after;
    if (!remember()) {
      toggle(i);
      value = before;
      continue;
    }
    if (op.definite) remaining--;
    if (remaining === 0) return { valid: true, visited: visited + 1, stuck };
    if (++visited > budget.maxVisited) return { valid: 'unknown', visited, stuck };
    lift(i);
    frames.push({ candidates: candidates(), next: 0, op: i, before });
  }
}

const floatView = new Float64Array(1);
const wordView = new Int32Array(floatView.buffer);

function hashValue(v: Value): [number, number] {
  if (v === null) return [0x5bd1e995, 0x1b873593];
  floatView[0] = v;
  return [Math.imul(wordView[0]! ^ 0x27d4eb2d, 0x85ebca6b) ^ wordView[1]!, Math.imul(wordView[1]! ^ 0x165667b1, 0xc2b2ae35) ^ wordView[0]!];
}

function xorshift32(seed: number): () => number {
  let x = seed | 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x;
  };
}

// --- Shrinking a failing history -------------------------------------------

/**
 * Greedy delta debugging over operations (invoke + completion pairs): try
 * removing chunks of halving size, keeping a removal when the rest is still
 * definitely not linearizable. Only removals that preserve the implication
 * "the sub-history is not linearizable ⇒ the original is not" are made: any
 * read may go, but a write or cas only together with every op that observes
 * (reads, or expects in a cas) a value it wrote — otherwise the sub-history
 * could fail merely because a value read has no writer left. So `minimal`
 * is evidence against the original history, not just a failing fragment.
 */
function minimize(ops: readonly RegOp[], stuck: Stuck | undefined, budget: Budget): RegOp[] {
  let current = ops.slice();
  const tryRemove = (chunk: readonly RegOp[]): boolean => {
    const drop = withObservers(current, chunk);
    if (drop.size === 0 || drop.size === current.length) return false;
    const rest = current.filter((o) => !drop.has(o));
    if (search(rest, budget).valid !== false) return false;
    current = rest;
    return true;
  };
  const outOfTime = (): boolean => performance.now() > budget.deadline;

  // The search's deepest dead end usually bounds the evidence: first try
  // dropping everything invoked after the blocking op's response.
  if (stuck) {
    const cut = stuck.op.source.completePos;
    tryRemove(current.filter((o) => o.source.invokePos > cut));
  }

  let size = Math.max(1, Math.ceil(current.length / 2));
  for (;;) {
    let progress = false;
    for (let at = 0; at < current.length && !outOfTime(); ) {
      if (tryRemove(current.slice(at, at + size))) progress = true;
      else at += size;
    }
    if (outOfTime() || (size === 1 && !progress)) return current;
    size = Math.max(1, Math.ceil(size / 2));
  }
}

/** `chunk` plus the ops in `ops` that observe a value it writes, transitively. */
function withObservers(ops: readonly RegOp[], chunk: readonly RegOp[]): Set<RegOp> {
  const drop = new Set(chunk);
  const observers = new Map<Value, RegOp[]>();
  for (const o of ops) {
    if (o.f === 'write') continue;
    const list = observers.get(o.expect);
    if (list) list.push(o);
    else observers.set(o.expect, [o]);
  }
  const todo = [...chunk];
  for (let o = todo.pop(); o; o = todo.pop()) {
    if (o.f === 'read') continue;
    for (const x of observers.get(o.write) ?? []) {
      if (drop.has(x)) continue;
      drop.add(x);
      todo.push(x);
    }
  }
  return drop;
}

// --- Explaining a failure ---------------------------------------------------

function describeFailure(ops: readonly RegOp[], stuck: Stuck | undefined): string {
  const head = `not linearizable (minimal history: ${ops.length} ops)`;
  if (!stuck) return `${head}.`;
  const values = [...stuck.values].map(show).join(' or ');
  const before =
    stuck.depth === 0
      ? `the register holds ${values} before any other op`
      : `every valid order of the ${stuck.depth} op(s) that can precede it leaves the register holding ${values}`;
  const o = stuck.op.source;
  const where = `process ${o.process}, events ${o.invoke.index}→${o.completion ? o.completion.index : '∞'}`;
  switch (stuck.op.f) {
    case 'read':
      return `${head}: a read (${where}) returned ${show(stuck.op.expect)}, but ${before}.`;
    case 'cas':
      return `${head}: a cas ${show(stuck.op.expect)}→${show(stuck.op.write)} (${where}) succeeded, but ${before}.`;
    case 'write':
      // A write always applies; what fails is ordering the ops concurrent with it.
      return `${head}: no valid order of the ops concurrent with a write of ${show(stuck.op.write)} (${where}) exists; before them the register holds ${values}.`;
  }
}

function show(v: Value): string {
  return v === null ? 'null (absent)' : String(v);
}
