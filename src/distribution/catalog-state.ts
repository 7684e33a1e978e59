// The route catalog as the default group's replicated state (DESIGN.md §7):
// the directory clients route by, changed only by CATALOG commands (and,
// atomically with a migration job's record, by JOB commands). Each accepted
// change is announced to listeners after its batch is durable; the last
// changes stay in memory so a route watcher can resume with deltas.

import type { KvResult } from '../apply/commands.js';
import { rejected, type GroupMachine } from '../apply/group-machine.js';
import { slot, type PlaneState } from '../apply/handler.js';
import type { StorageBatch } from '../storage/db.js';
import { stateKey } from '../storage/keys.js';
import { RouteCatalog, type CatalogCommand, type CatalogImage, type RouteDescriptor } from '../routing/catalog.js';
import { decodeCatalog, encodeCatalog } from '../routing/codec.js';

/** Catalog changes kept in memory so a watcher can resume with deltas. */
const CATALOG_HISTORY = 1000;

/** A catalog change as watchers see it: the whole catalog (`reset`) or the routes changed at `version`. */
export interface CatalogEvent {
  readonly version: number;
  readonly reset: boolean;
  readonly routes: readonly RouteDescriptor[];
}

export type CatalogOutcome = { ok: true; version: number; noop: boolean; changed: readonly RouteDescriptor[] } | { ok: false; code: string; message: string };

export const CATALOG = slot<CatalogState>('catalog');

/** A catalog refusal as a command result: bad input, or a precondition that no longer holds (re-read and retry). */
export function catalogRefusal(res: Extract<CatalogOutcome, { ok: false }>): KvResult {
  return rejected(res.code === 'INVALID_ARGUMENT' || res.code === 'NOT_FOUND' ? 'INVALID_ARGUMENT' : 'ABORTED', `${res.code}: ${res.message}`);
}

export class CatalogState implements PlaneState {
  catalog: RouteCatalog | undefined;
  private history: CatalogEvent[] = [];
  private pending: CatalogEvent[] = [];
  private readonly listeners = new Set<(e: CatalogEvent) => void>();

  constructor(private readonly m: GroupMachine) {}

  static attach(m: GroupMachine): CatalogState {
    return m.attach(CATALOG, new CatalogState(m));
  }

  /** Writes the initial catalog in the batch that bootstraps the default group. */
  static writeBootstrap(b: StorageBatch, group: number, image: CatalogImage): void {
    b.put(stateKey(group, 'catalog'), encodeCatalog(RouteCatalog.fromImage(image).image()));
  }

  async reload(): Promise<void> {
    const c = await this.m.db.level.get(stateKey(this.m.group, 'catalog'));
    const before = this.catalog?.version;
    this.catalog = c === undefined ? undefined : RouteCatalog.fromImage(decodeCatalog(c));
    this.history = [];
    if (this.catalog && this.catalog.version !== before) this.emit({ version: this.catalog.version, reset: true, routes: this.catalog.list() });
  }

  /** Applies a catalog change in `b`; watchers hear of it after the batch. */
  change(b: StorageBatch, c: CatalogCommand): CatalogOutcome {
    if (!this.catalog) return { ok: false, code: 'INVALID_ARGUMENT', message: `group ${this.m.group} holds no route catalog (the default group does)` };
    const res = this.catalog.apply(c);
    if (!res.ok) return { ok: false, code: res.code, message: res.message };
    if (!res.noop) {
      b.put(stateKey(this.m.group, 'catalog'), encodeCatalog(this.catalog.image()));
      this.pending.push({ version: res.version, reset: false, routes: res.changed });
    }
    return { ok: true, version: res.version, noop: res.noop, changed: res.changed };
  }

  afterBatch(): void {
    const events = this.pending;
    this.pending = [];
    for (const ev of events) {
      this.history.push(ev);
      if (this.history.length > CATALOG_HISTORY) this.history.shift();
      this.emit(ev);
    }
  }

  /** Calls `f` after every applied catalog change; returns the unsubscribe function. */
  onChange(f: (e: CatalogEvent) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  /** The changes after `version`, if they are all still in memory (else a watcher needs a reset). */
  changesSince(version: number): CatalogEvent[] | undefined {
    if (!this.catalog) return undefined;
    if (version >= this.catalog.version) return [];
    const first = this.history[0];
    if (!first || first.version > version + 1) return undefined;
    return this.history.filter((e) => e.version > version);
  }

  private emit(e: CatalogEvent): void {
    for (const f of this.listeners) {
      try {
        f(e);
      } catch {
        /* a listener's failure is its own */
      }
    }
  }
}
