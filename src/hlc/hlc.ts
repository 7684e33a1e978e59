// Hybrid logical clock: 64-bit timestamps = 48-bit Unix milliseconds | 16-bit
// logical counter, as bigint (uint64 on the wire).
//
// Invariants:
//  - now() is strictly monotonic, even when the wall clock goes backwards;
//  - now() never returns a physical part at or above the ceiling (the
//    Raft-agreed lease of DESIGN.md §5) until the ceiling is raised; when the
//    logical counter would overflow under the ceiling, now() fails with
//    CLOCK_CEILING instead of crossing it;
//  - observe(ts) (client-supplied timestamps) refuses a timestamp more than
//    maxDriftMs ahead of the wall clock; forward(ts) (Raft-applied imports and
//    floors) moves the clock without that check.

export const LOGICAL_BITS = 16n;
export const LOGICAL_MASK = (1n << LOGICAL_BITS) - 1n;
export const MAX_PHYSICAL_MS = (1n << 48n) - 1n;

export type Timestamp = bigint;

export function makeTimestamp(physicalMs: number | bigint, logical: number | bigint = 0): Timestamp {
  return (BigInt(physicalMs) << LOGICAL_BITS) | BigInt(logical);
}

export function physicalOf(ts: Timestamp): bigint {
  return ts >> LOGICAL_BITS;
}

export function logicalOf(ts: Timestamp): bigint {
  return ts & LOGICAL_MASK;
}

export function formatTimestamp(ts: Timestamp): string {
  return `${physicalOf(ts)}.${logicalOf(ts)}`;
}

export type HlcErrorCode = 'CLOCK_DRIFT' | 'CLOCK_CEILING' | 'CLOCK_INVALID';

export class HlcError extends Error {
  constructor(
    readonly code: HlcErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'HlcError';
  }
}

export interface HlcOptions {
  /** Wall clock in Unix milliseconds (injected in tests). */
  readonly wallClockMs?: () => number;
  /** observe() rejects timestamps further than this ahead of the wall clock. */
  readonly maxDriftMs?: number;
  /** Physical ceiling (exclusive, ms); undefined: no ceiling. */
  readonly ceilingMs?: bigint;
}

export class Hlc {
  private last: Timestamp = 0n;
  private ceiling: bigint | undefined;
  private readonly wall: () => number;
  readonly maxDriftMs: number;

  constructor(opts: HlcOptions = {}) {
    this.wall = opts.wallClockMs ?? Date.now;
    this.maxDriftMs = opts.maxDriftMs ?? 500;
    this.ceiling = opts.ceilingMs;
  }

  /** A new timestamp, greater than every timestamp returned or observed before. */
  now(): Timestamp {
    let physical = BigInt(Math.floor(this.wall()));
    if (this.ceiling !== undefined && physical >= this.ceiling) physical = this.ceiling - 1n;
    const lastPhysical = physicalOf(this.last);
    let next: Timestamp;
    if (physical > lastPhysical) {
      next = makeTimestamp(physical, 0);
    } else if (logicalOf(this.last) < LOGICAL_MASK) {
      next = this.last + 1n;
    } else {
      // Logical overflow: borrow the next millisecond, unless the ceiling forbids it.
      const bumped = lastPhysical + 1n;
      if (this.ceiling !== undefined && bumped >= this.ceiling) {
        throw new HlcError('CLOCK_CEILING', `clock at ceiling ${this.ceiling} ms with the logical counter exhausted`);
      }
      next = makeTimestamp(bumped, 0);
    }
    if (this.ceiling !== undefined && physicalOf(next) >= this.ceiling) {
      throw new HlcError('CLOCK_CEILING', `clock at ceiling ${this.ceiling} ms`);
    }
    this.last = next;
    return next;
  }

  /** The newest timestamp issued or observed (no new timestamp is issued). */
  peek(): Timestamp {
    return this.last;
  }

  /**
   * Observes a client-supplied timestamp; later now() values exceed it.
   * Rejects one further than maxDriftMs ahead of the wall clock.
   */
  observe(ts: Timestamp): void {
    checkValid(ts);
    const wall = BigInt(Math.floor(this.wall()));
    const ahead = physicalOf(ts) - wall;
    if (ahead > BigInt(this.maxDriftMs)) {
      throw new HlcError(
        'CLOCK_DRIFT',
        `timestamp ${formatTimestamp(ts)} is ${ahead} ms ahead of the local clock (max drift ${this.maxDriftMs} ms)`,
      );
    }
    this.forward(ts);
  }

  /** Moves the clock to at least `ts`, without the drift check (Raft-applied floors). */
  forward(ts: Timestamp): void {
    checkValid(ts);
    if (ts > this.last) this.last = ts;
  }

  /** The current physical ceiling (exclusive), if any. */
  ceilingMs(): bigint | undefined {
    return this.ceiling;
  }

  /** Raises the ceiling; never lowers it. */
  raiseCeiling(ms: bigint): void {
    if (this.ceiling === undefined || ms > this.ceiling) this.ceiling = ms;
  }

  /** Removes the ceiling (a node that is not a leaseholder issues no timestamps). */
  clearCeiling(): void {
    this.ceiling = undefined;
  }
}

function checkValid(ts: Timestamp): void {
  if (ts < 0n || physicalOf(ts) > MAX_PHYSICAL_MS) {
    throw new HlcError('CLOCK_INVALID', `timestamp ${ts} is outside the 64-bit HLC range`);
  }
}
