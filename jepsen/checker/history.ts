// History model shared by the Jepsen runner and the checkers.
//
// A history is the totally ordered list of events the clients recorded: each
// operation is an `invoke` followed later by exactly one completion from the
// same process — `ok` (it happened, with its result), `fail` (it definitely
// did not happen) or `info` (indeterminate: it may take effect at any time
// after its invocation, or never). An invoke with no completion is treated as
// `info`. A process has at most one outstanding operation at a time. The
// position of an event in the array is its real-time order; the checkers use
// positions, not `time` or `index`, so sub-histories keep working.

export type EventType = 'invoke' | 'ok' | 'fail' | 'info';
export type RegisterOp =
  | { f: 'read'; key: string; value: number | null } // invoke: value null; ok: value observed (null = absent)
  | { f: 'write'; key: string; value: number }
  | { f: 'cas'; key: string; value: [number | null, number] }; // [expected (null = absent), new]
export type SetOp = { f: 'add'; value: number } | { f: 'read-set'; value: number[] | null };
/**
 * One step of a list-append transaction: append a value to the list at a key,
 * or read that list. Invoke: reads carry null; ok completion: each read
 * carries the list it observed (null = absent, i.e. empty), appends echo.
 */
export type MicroOp = ['append', string, number] | ['r', string, number[] | null];
export type TxnOp = { f: 'txn'; value: MicroOp[] };
/** Bank workload: transfers between accounts and whole-bank reads (ok: balance per account). */
export type BankOp =
  | { f: 'transfer'; value: { from: string; to: string; amount: number } }
  | { f: 'read'; value: Record<string, number> | null };
export interface HistoryEvent<Op = RegisterOp | SetOp> {
  readonly index: number; // position in the history (0..n-1)
  readonly type: EventType;
  readonly process: number; // a client; one outstanding op per process at a time
  readonly time: number; // ms since the run started
  readonly op: Op;
}

/** A history the checkers cannot interpret (a runner bug, not a database bug). */
export class HistoryError extends Error {
  override readonly name = 'HistoryError';
}

/** How an operation ended; a missing completion counts as `info`. */
export type Outcome = 'ok' | 'fail' | 'info';

/** An invocation paired with its completion. */
export interface Operation<Op> {
  readonly process: number;
  readonly invoke: HistoryEvent<Op>;
  /** Undefined when the history ended before the operation completed. */
  readonly completion: HistoryEvent<Op> | undefined;
  readonly outcome: Outcome;
  /** Position of the invoke event in the history array. */
  readonly invokePos: number;
  /** Position of the completion event; `Infinity` if there is none. */
  readonly completePos: number;
}

interface Pending<Op> {
  readonly invoke: HistoryEvent<Op>;
  readonly invokePos: number;
  readonly slot: number;
}

/**
 * Pairs every invoke with its process's next completion, in invocation order.
 * Throws HistoryError on a completion with nothing outstanding, a second
 * invoke while one is outstanding, or a completion whose `f` (or `key`)
 * differs from its invoke's.
 */
export function pairOperations<Op extends { readonly f: string }>(history: readonly HistoryEvent<Op>[]): Operation<Op>[] {
  const out: (Operation<Op> | undefined)[] = [];
  const pending = new Map<number, Pending<Op>>();
  history.forEach((event, pos) => {
    const open = pending.get(event.process);
    if (event.type === 'invoke') {
      if (open) {
        throw new HistoryError(
          `process ${event.process} invoked at event ${event.index} while its op from event ${open.invoke.index} is outstanding`,
        );
      }
      pending.set(event.process, { invoke: event, invokePos: pos, slot: out.length });
      out.push(undefined);
      return;
    }
    if (!open) throw new HistoryError(`process ${event.process} completed (${event.type}) at event ${event.index} with nothing outstanding`);
    if (open.invoke.op.f !== event.op.f || keyOf(open.invoke.op) !== keyOf(event.op)) {
      throw new HistoryError(`completion at event ${event.index} does not match its invoke at event ${open.invoke.index}`);
    }
    pending.delete(event.process);
    out[open.slot] = {
      process: event.process,
      invoke: open.invoke,
      completion: event,
      outcome: event.type,
      invokePos: open.invokePos,
      completePos: pos,
    };
  });
  for (const open of pending.values()) {
    out[open.slot] = {
      process: open.invoke.process,
      invoke: open.invoke,
      completion: undefined,
      outcome: 'info',
      invokePos: open.invokePos,
      completePos: Infinity,
    };
  }
  return out.filter((o): o is Operation<Op> => o !== undefined);
}

/** The events of some operations, back in history order (for sub-histories). */
export function eventsOf<Op>(ops: readonly Operation<Op>[]): HistoryEvent<Op>[] {
  const events: { pos: number; event: HistoryEvent<Op> }[] = [];
  for (const o of ops) {
    events.push({ pos: o.invokePos, event: o.invoke });
    if (o.completion) events.push({ pos: o.completePos, event: o.completion });
  }
  return events.sort((a, b) => a.pos - b.pos).map((e) => e.event);
}

function keyOf(op: object): unknown {
  return 'key' in op ? op.key : undefined;
}
