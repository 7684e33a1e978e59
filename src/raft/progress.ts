// The leader's view of each follower: how far its log matches and how to feed it.
//
// States:
//   Probe     — the follower's log position is unknown; send one append per
//               heartbeat interval until one is accepted.
//   Replicate — optimistic streaming: `next` advances as appends are sent,
//               bounded by the inflight window (count and bytes).
//   Snapshot  — the follower needs a snapshot; send nothing until the host
//               reports the snapshot's delivery or the follower catches up.
// Invariant: match < next.

import { assert } from './errors.js';

export enum ProgressState {
  Probe = 'Probe',
  Replicate = 'Replicate',
  Snapshot = 'Snapshot',
}

/** A bounded window of in-flight append messages, by count and by bytes. */
export class Inflights {
  private readonly lastIndices: number[] = [];
  private readonly sizes: number[] = [];
  private bytes = 0;

  constructor(
    readonly maxCount: number,
    readonly maxBytes: number,
  ) {
    assert(maxCount > 0, 'inflight window must hold at least one message');
  }

  add(lastIndex: number, bytes: number): void {
    assert(!this.full(), 'cannot add to a full inflight window');
    this.lastIndices.push(lastIndex);
    this.sizes.push(bytes);
    this.bytes += bytes;
  }

  /** Frees every in-flight message whose last index is ≤ `index`. */
  freeLE(index: number): void {
    let n = 0;
    while (n < this.lastIndices.length && this.lastIndices[n]! <= index) {
      this.bytes -= this.sizes[n]!;
      n++;
    }
    if (n > 0) {
      this.lastIndices.splice(0, n);
      this.sizes.splice(0, n);
    }
  }

  /** Frees the oldest in-flight message (a heartbeat proved the peer alive). */
  freeFirstOne(): void {
    if (this.lastIndices.length === 0) return;
    this.bytes -= this.sizes[0]!;
    this.lastIndices.shift();
    this.sizes.shift();
  }

  full(): boolean {
    return this.lastIndices.length >= this.maxCount || (this.maxBytes > 0 && this.bytes >= this.maxBytes);
  }

  count(): number {
    return this.lastIndices.length;
  }

  inflightBytes(): number {
    return this.bytes;
  }

  reset(): void {
    this.lastIndices.length = 0;
    this.sizes.length = 0;
    this.bytes = 0;
  }
}

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = ProgressState.Probe;
  /** In Probe: an append was sent and we wait for its answer or the next heartbeat. */
  probeSent = false;
  /** In Snapshot: index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Heard from since the last CheckQuorum round. */
  recentActive = false;
  /** Leader tick at which the newest acknowledged heartbeat was sent (lease reads). */
  ackedSentTick = -1;
  readonly inflights: Inflights;
  isLearner: boolean;

  constructor(next: number, maxInflight: number, maxInflightBytes: number, isLearner: boolean) {
    this.next = next;
    this.inflights = new Inflights(maxInflight, maxInflightBytes);
    this.isLearner = isLearner;
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === ProgressState.Snapshot) {
      const pending = this.pendingSnapshot;
      this.resetState(ProgressState.Probe);
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState(ProgressState.Probe);
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState(ProgressState.Snapshot);
    this.pendingSnapshot = snapshotIndex;
  }

  /** Records an accepted append through `n`; returns whether match moved. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /**
   * Handles a rejected append at `rejected` with the follower's hint. Returns
   * false if the rejection is stale (from an older append).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === ProgressState.Replicate) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }

  /** Notes that an append carrying entries up to `lastIndex` was sent. */
  sentEntries(lastIndex: number, bytes: number): void {
    if (this.state === ProgressState.Replicate) {
      this.next = lastIndex + 1;
      this.inflights.add(lastIndex, bytes);
    } else if (this.state === ProgressState.Probe) {
      this.probeSent = true;
    }
  }

  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.probeSent;
      case ProgressState.Replicate:
        return this.inflights.full();
      case ProgressState.Snapshot:
        return true;
    }
  }
}
