// Who may send this node raft traffic: a peer of this cluster, with the store
// this node knows it by. Every raft batch and snapshot carries the sender's
// store claim (cluster id, store id, and — for a node started with
// --replace-node — the store it replaces). The first store a node id shows is
// remembered (persisted by the caller); later traffic from another store of
// that node id is refused, unless it names the remembered store as the one it
// replaces. So a node whose data dir was wiped (or swapped) cannot vote as the
// voter it was: its votes and acknowledgements never reach a quorum.
//
// Invariant: a claim is accepted only if its store is the known store of its
// node id, or replaces it, or no store is known yet for that id.

export interface StoreClaim {
  readonly clusterId: string;
  readonly storeId: Uint8Array;
  readonly replaces: Uint8Array;
}

export type GuardVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface PeerGuardOptions {
  readonly clusterId: string;
  /** This node's id (its own traffic never comes through the guard). */
  readonly nodeId: number;
  /** Store ids known at start (persisted). */
  readonly known: ReadonlyMap<number, Uint8Array>;
  /** Persists a newly learned or replaced store id. */
  readonly remember: (nodeId: number, storeId: Uint8Array) => Promise<void>;
  readonly log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void; error: (o: object, m: string) => void };
}

/** The prefix of every refusal: the sender's transport recognizes it and stops. */
export const STORE_REFUSED = 'STORE_REFUSED';
/** One refusal log line per node per this many ms. */
const REFUSAL_LOG_EVERY_MS = 10_000;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const same = (a: Uint8Array, b: Uint8Array): boolean => a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;

export class PeerGuard {
  private readonly known: Map<number, Uint8Array>;
  private readonly lastLogged = new Map<number, number>();
  /** Raft traffic refused, by sender (a metric). */
  readonly refused = new Map<number, number>();

  constructor(private readonly opts: PeerGuardOptions) {
    this.known = new Map(opts.known);
  }

  /** The store this node knows `nodeId` by, if any. */
  knownStore(nodeId: number): Uint8Array | undefined {
    return this.known.get(nodeId);
  }

  check(from: number, claim: StoreClaim | undefined): GuardVerdict {
    const verdict = this.judge(from, claim);
    if (!verdict.ok) {
      this.refused.set(from, (this.refused.get(from) ?? 0) + 1);
      const now = Date.now();
      if (now - (this.lastLogged.get(from) ?? 0) >= REFUSAL_LOG_EVERY_MS) {
        this.lastLogged.set(from, now);
        this.opts.log.error({ peer: from, reason: verdict.reason }, 'refusing raft traffic from a peer whose store is not the one this node knows');
      }
    }
    return verdict;
  }

  private judge(from: number, claim: StoreClaim | undefined): GuardVerdict {
    if (from === this.opts.nodeId) return { ok: false, reason: `${STORE_REFUSED}: traffic claims to come from this node's own id ${from}` };
    if (!claim || claim.storeId.byteLength === 0) return { ok: false, reason: `${STORE_REFUSED}: node ${from} sent no store identity (an older ferrykv?)` };
    if (claim.clusterId !== this.opts.clusterId) {
      return { ok: false, reason: `${STORE_REFUSED}: node ${from} belongs to cluster ${claim.clusterId}, this node to cluster ${this.opts.clusterId}` };
    }
    const known = this.known.get(from);
    if (known && same(known, claim.storeId)) return { ok: true };
    if (!known) {
      this.learn(from, claim.storeId, 'first contact');
      return { ok: true };
    }
    if (claim.replaces.byteLength > 0 && same(known, claim.replaces)) {
      this.learn(from, claim.storeId, 'replaced (--replace-node)');
      return { ok: true };
    }
    return {
      ok: false,
      reason:
        `${STORE_REFUSED}: node ${from} now runs on store ${hex(claim.storeId)}, but this node knows it as store ${hex(known)}: ` +
        `its data directory was wiped or swapped, so it may vote as if it had never acknowledged anything. ` +
        `Bring the original data back, or replace the node (ferrykv-server --replace-node, docs/operations.md)`,
    };
  }

  private learn(nodeId: number, storeId: Uint8Array, why: string): void {
    const copy = Uint8Array.from(storeId);
    this.known.set(nodeId, copy);
    this.opts.log.info({ peer: nodeId, store: hex(copy), why }, 'peer store recorded');
    this.opts.remember(nodeId, copy).catch((e: unknown) => this.opts.log.warn({ peer: nodeId, err: (e as Error).message }, 'could not persist a peer store id; it is learned again on restart'));
  }
}
