// What a plane gives the apply layer: command handlers and per-group state.
//
// A handler declares, for each command, its footprint — which user keys it
// reads and writes (the shell flushes its write batch before a command that
// reads what an earlier command of the batch wrote), which intervals the group
// must serve for it (client commands: checked against the group's ownership
// before it applies; a refusal writes nothing), the routing span of its
// request-id entry (if it is deduplicated), and the timestamps it brings into
// the group's state (bounded against its proposal timestamp). Then it applies
// against an ApplyContext. Handlers of one plane never import another plane's
// handlers; what they share goes through the shell (the group clock, the data
// families and their effect observers, the ownership gate, the held ranges).

import type { StorageBatch } from '../storage/db.js';
import { EMPTY_RESULT, type CommandKind, type CommandType, type KvCommand, type KvResult } from './commands.js';
import type { GroupMachine } from './group-machine.js';

/** User keys (hex of the raw key) a command touches, or every key, or none. */
export type Span = 'none' | 'all' | readonly string[];

/** What a client command needs the group to serve. */
export interface Served {
  readonly mode: 'read' | 'write';
  readonly keys?: readonly Uint8Array[];
  readonly ranges?: readonly { readonly start: Uint8Array; readonly end: Uint8Array }[];
}

export interface Footprint {
  readonly reads: Span;
  readonly writes: Span;
  /** Client commands: checked against the group's ownership gate before apply. */
  readonly serves?: readonly Served[];
  /** The routing span [start, end) of the request-id entry; unset: the command is not deduplicated. */
  readonly dedup?: { readonly start: Uint8Array; readonly end: Uint8Array };
  /** Timestamps the command brings into the group's state (apply refuses them past its proposer's clock + bound). */
  readonly timestamps?: readonly { readonly field: string; readonly ts: bigint }[];
  /**
   * A collector's step (version GC, request-id expiry): it only removes what
   * retention lets go, so it does not count as a write that leaves work for
   * the collectors (GroupMachine.writeGeneration).
   */
  readonly collects?: true;
}

export interface ApplyContext {
  readonly batch: StorageBatch;
  /** The entry's log index. */
  readonly index: number;
  readonly machine: GroupMachine;
  /** A request id collected by this command: it must not answer from the pass's memory either (hex). */
  readonly forgetRequestId: (hex: string) => void;
}

export interface CommandHandler {
  readonly kinds: readonly CommandKind[];
  declare(cmd: KvCommand): Footprint;
  apply(ctx: ApplyContext, cmd: KvCommand): Promise<KvResult> | KvResult;
}

/**
 * Per-group state of a plane, kept by the group machine: loaded when the group
 * opens and after a snapshot replaced its data, written into the batch of
 * every applied pass (what changed in it), told when the pass is durable.
 */
export interface PlaneState {
  /** Re-reads the state from storage (after open and after a snapshot install). */
  reload(): Promise<void>;
  /** Writes what changed during the pass into its batch (before the batch is written). */
  flush?(b: StorageBatch): void;
  /** Runs after the pass's batch is durable (listeners, waiters). */
  afterBatch?(): void;
}

/** The key under which a plane's state is kept on a group machine. */
export interface Slot<T extends PlaneState> {
  readonly name: string;
  /** Only for the type: never read. */
  readonly _type?: T;
}

export function slot<T extends PlaneState>(name: string): Slot<T> {
  return { name };
}

/** What a handler of a defined kind (defineCommand) implements, over its decoded payload. */
export interface TypedHandler<P> {
  declare(payload: P, cmd: KvCommand): Footprint;
  apply(ctx: ApplyContext, payload: P, cmd: KvCommand): Promise<KvResult> | KvResult;
}

/**
 * The handler of a defined kind: decodes the payload once per command and
 * hands it to `h`. A payload that does not decode is refused at apply with
 * INVALID_ARGUMENT (deterministically, on every replica) and writes nothing.
 */
export function typedHandler<P>(type: CommandType<P>, h: TypedHandler<P>): CommandHandler {
  const decoded = new WeakMap<KvCommand, { ok: true; payload: P } | { ok: false; reason: string }>();
  const payloadOf = (cmd: KvCommand): { ok: true; payload: P } | { ok: false; reason: string } => {
    let d = decoded.get(cmd);
    if (!d) {
      try {
        d = { ok: true, payload: type.decode(cmd.payload ?? new Uint8Array(0)) };
      } catch (e) {
        d = { ok: false, reason: (e as Error).message };
      }
      decoded.set(cmd, d);
    }
    return d;
  };
  return {
    kinds: [type.kind],
    declare(cmd) {
      const d = payloadOf(cmd);
      return d.ok ? h.declare(d.payload, cmd) : { reads: 'none', writes: 'none' };
    },
    apply(ctx, cmd) {
      const d = payloadOf(cmd);
      if (!d.ok) return { ...EMPTY_RESULT, succeeded: false, errorCode: 'INVALID_ARGUMENT', errorMessage: `${type.kind}: malformed payload: ${d.reason}` };
      return h.apply(ctx, d.payload, cmd);
    },
  };
}
