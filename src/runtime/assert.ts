// Invariant checks (TigerBeetle's habit): a violated invariant of a node's own
// state is a bug, and crashes loudly rather than going on with wrong state. A
// caller's bad input is never an assertion: it is refused with a typed error.

export class InvariantViolation extends Error {
  constructor(message: string) {
    super(`invariant violated: ${message}`);
    this.name = 'InvariantViolation';
  }
}

export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new InvariantViolation(message);
}
