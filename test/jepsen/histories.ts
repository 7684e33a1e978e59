// Test helpers for the history checkers: a builder for hand-written
// histories, a seeded RNG, a single-copy register simulator that produces
// histories that are linearizable by construction, an unconstrained random
// history generator, and a brute-force linearizability oracle for tiny
// histories (every order of every subset of info ops).

import { pairOperations, type EventType, type HistoryEvent, type RegisterOp } from '../../jepsen/checker/history.js';
import { rng } from '../../testkit/rng.js';

type Value = number | null;

/** Builds a history one event at a time; completions reuse the invoke's op. */
export class HistoryBuilder<Op extends { readonly f: string } = RegisterOp> {
  readonly events: HistoryEvent<Op>[] = [];
  private readonly open = new Map<number, Op>();

  invoke(process: number, op: Op): this {
    this.open.set(process, op);
    return this.push('invoke', process, op);
  }

  /** Completes `process`'s op; `result` replaces the op (e.g. a read's value). */
  complete(type: Exclude<EventType, 'invoke'>, process: number, result?: Op): this {
    const op = result ?? this.open.get(process);
    if (op === undefined) throw new Error(`process ${process} has nothing outstanding`);
    this.open.delete(process);
    return this.push(type, process, op);
  }

  ok(process: number, result?: Op): this {
    return this.complete('ok', process, result);
  }

  fail(process: number): this {
    return this.complete('fail', process);
  }

  info(process: number): this {
    return this.complete('info', process);
  }

  private push(type: EventType, process: number, op: Op): this {
    this.events.push({ index: this.events.length, type, process, time: this.events.length * 10, op });
    return this;
  }
}

export const read = (value: Value = null, key = 'x'): RegisterOp => ({ f: 'read', key, value });
export const write = (value: number, key = 'x'): RegisterOp => ({ f: 'write', key, value });
export const cas = (expected: Value, next: number, key = 'x'): RegisterOp => ({ f: 'cas', key, value: [expected, next] });

/** Register history builder with shorthands for complete operations. */
export class RegisterHistory extends HistoryBuilder<RegisterOp> {
  /** An ok write that runs alone (invoke immediately followed by ok). */
  w(process: number, value: number, key = 'x'): this {
    return this.invoke(process, write(value, key)).ok(process);
  }

  /** An ok read that runs alone and returns `value`. */
  r(process: number, value: Value, key = 'x'): this {
    return this.invoke(process, read(null, key)).ok(process, read(value, key));
  }
}

/** The simulator's seeded PRNG (mulberry32), shared by the randomized checker tests. */
export { rng };

const pick = <T>(random: () => number, xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

export interface SimulationOptions {
  processes: number;
  ops: number;
  keys: readonly string[];
}

interface InFlight {
  readonly op: RegisterOp;
  /** Set once the op has taken effect on the register: how it completes. */
  result?: { type: 'ok' | 'fail'; op: RegisterOp };
}

/**
 * Runs random concurrent clients against one copy of each register: every op
 * takes effect atomically at some step between its invoke and completion, so
 * the history is linearizable by construction. Some ops crash: they complete
 * `info` after taking effect, or before it — and then take effect later (even
 * after the info completion) or never; a few writes `fail` without effect;
 * the run stops with some ops never completed. Written values are unique
 * positive integers.
 */
export function simulateRegister(seed: number, opts: SimulationOptions): HistoryEvent<RegisterOp>[] {
  const random = rng(seed);
  const register = new Map<string, Value>();
  const written = new Map<string, number[]>();
  const events: HistoryEvent<RegisterOp>[] = [];
  const inFlight: (InFlight | undefined)[] = Array.from({ length: opts.processes }, () => undefined);
  let zombies: RegisterOp[] = []; // crashed before taking effect; may still do so
  let nextValue = 1;
  let invoked = 0;
  let time = 0;

  const emit = (type: EventType, process: number, op: RegisterOp): void => {
    time += 1 + Math.floor(random() * 5);
    events.push({ index: events.length, type, process, time, op });
  };
  const apply = (op: RegisterOp): { type: 'ok' | 'fail'; op: RegisterOp } => {
    const current = register.get(op.key) ?? null;
    switch (op.f) {
      case 'read':
        return { type: 'ok', op: { ...op, value: current } };
      case 'write':
        register.set(op.key, op.value);
        return { type: 'ok', op };
      case 'cas':
        if (current !== op.value[0]) return { type: 'fail', op };
        register.set(op.key, op.value[1]);
        return { type: 'ok', op };
    }
  };
  const newOp = (): RegisterOp => {
    const key = pick(random, opts.keys);
    const x = random();
    if (x < 0.4) return read(null, key);
    const value = nextValue++;
    written.set(key, [...(written.get(key) ?? []), value]);
    if (x < 0.75) return write(value, key);
    const y = random();
    const expected = y < 0.5 ? (register.get(key) ?? null) : y < 0.75 ? null : pick(random, written.get(key)!);
    return cas(expected, value, key);
  };
  const crashInfo = (op: RegisterOp): RegisterOp => (op.f === 'read' ? { ...op, value: null } : op);

  for (;;) {
    if (invoked >= opts.ops && (inFlight.every((f) => f === undefined) || random() < 0.1)) break;
    if (zombies.length > 0 && random() < 0.05) {
      const z = pick(random, zombies);
      zombies = zombies.filter((o) => o !== z);
      if (random() < 0.7) apply(z);
      continue;
    }
    const p = Math.floor(random() * opts.processes);
    const f = inFlight[p];
    if (!f) {
      if (invoked < opts.ops) {
        const op = newOp();
        inFlight[p] = { op };
        invoked++;
        emit('invoke', p, op);
      }
      continue;
    }
    const x = random();
    if (!f.result) {
      if (x < 0.6) f.result = apply(f.op);
      else if (x < 0.7) {
        emit('info', p, crashInfo(f.op));
        if (f.op.f !== 'read' && random() < 0.5) zombies.push(f.op);
        inFlight[p] = undefined;
      } else if (x < 0.75 && f.op.f === 'write') {
        emit('fail', p, f.op);
        inFlight[p] = undefined;
      }
      continue;
    }
    if (x < 0.85) emit(f.result.type, p, f.result.op);
    else emit('info', p, crashInfo(f.op));
    inFlight[p] = undefined;
  }
  return events;
}

/** A copy of `history` with the ok read at `index` returning `value` instead. */
export function corruptRead(history: readonly HistoryEvent<RegisterOp>[], index: number, value: Value): HistoryEvent<RegisterOp>[] {
  return history.map((e) => (e.index === index && e.op.f === 'read' ? { ...e, op: { ...e.op, value } } : e));
}

export interface RandomHistoryOptions {
  processes: number;
  ops: number;
  keys: readonly string[];
  /** Values are drawn from 1..values (and null for reads and cas). */
  values: number;
  /** Share of completions that are info (the rest: 85% ok, 15% fail). */
  infoRate: number;
}

/**
 * An unconstrained random history: random ops, random interleavings, random
 * outcomes and read results, over few values so that both valid and invalid
 * histories come up.
 */
export function randomHistory(seed: number, opts: RandomHistoryOptions): HistoryEvent<RegisterOp>[] {
  const random = rng(seed);
  const b = new HistoryBuilder<RegisterOp>();
  const open = new Map<number, RegisterOp>();
  const value = (): number => 1 + Math.floor(random() * opts.values);
  const maybeNull = (): Value => (random() < 0.2 ? null : value());
  let invoked = 0;
  while (invoked < opts.ops || (open.size > 0 && random() < 0.9)) {
    const p = Math.floor(random() * opts.processes);
    const op = open.get(p);
    if (!op) {
      if (invoked >= opts.ops) continue;
      const key = pick(random, opts.keys);
      const x = random();
      const next: RegisterOp = x < 0.4 ? read(null, key) : x < 0.75 ? write(value(), key) : cas(maybeNull(), value(), key);
      open.set(p, next);
      b.invoke(p, next);
      invoked++;
      continue;
    }
    open.delete(p);
    const y = random();
    if (y < opts.infoRate) b.info(p);
    else if (y < opts.infoRate + (1 - opts.infoRate) * 0.85) b.ok(p, op.f === 'read' ? read(maybeNull(), op.key) : op);
    else b.fail(p);
  }
  return b.events;
}

interface OracleOp {
  readonly f: RegisterOp['f'];
  readonly expect: Value;
  readonly write: Value;
  readonly invoke: number;
  /** Infinity for info ops, which are also optional. */
  readonly complete: number;
}

/**
 * Brute-force oracle: tries every order of the ok ops together with every
 * subset of the info writes/cas, respecting real time. Exponential; only for
 * histories with a handful of ops per key.
 */
export function bruteForceLinearizable(history: readonly HistoryEvent<RegisterOp>[]): boolean {
  const byKey = new Map<string, OracleOp[]>();
  for (const o of pairOperations(history)) {
    if (o.outcome === 'fail') continue;
    const op = o.invoke.op;
    let entry: OracleOp | undefined;
    if (op.f === 'read') {
      const result = o.completion?.op;
      if (o.outcome === 'ok' && result?.f === 'read') entry = { f: 'read', expect: result.value, write: null, invoke: o.invokePos, complete: o.completePos };
    } else if (op.f === 'write') entry = { f: 'write', expect: null, write: op.value, invoke: o.invokePos, complete: o.outcome === 'ok' ? o.completePos : Infinity };
    else entry = { f: 'cas', expect: op.value[0], write: op.value[1], invoke: o.invokePos, complete: o.outcome === 'ok' ? o.completePos : Infinity };
    if (entry) byKey.set(op.key, [...(byKey.get(op.key) ?? []), entry]);
  }
  for (const ops of byKey.values()) {
    const done = new Array<boolean>(ops.length).fill(false);
    const search = (value: Value): boolean => {
      if (ops.every((o, i) => done[i] || o.complete === Infinity)) return true;
      for (let i = 0; i < ops.length; i++) {
        if (done[i]) continue;
        const o = ops[i]!;
        // Some pending op finished before this one started: it must go first.
        if (ops.some((p, j) => !done[j] && p.complete < o.invoke)) continue;
        if (o.f !== 'write' && o.expect !== value) continue;
        done[i] = true;
        const ok = search(o.f === 'read' ? value : o.write);
        done[i] = false;
        if (ok) return true;
      }
      return false;
    };
    if (!search(null)) return false;
  }
  return true;
}
