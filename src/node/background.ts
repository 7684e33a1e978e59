// A node's periodic background work (request-id GC, version GC, the
// transaction lock resolver, replica consistency checks, the source fence
// watchdog), in one place: each task is named, runs on its own period, never
// overlaps itself (a pass still running when the next is due is skipped and
// counted), logs its failures once per pass, and stops with the node, which
// waits (bounded) for the passes in flight.

import type { Logger } from 'pino';

export interface PeriodicTask {
  readonly name: string;
  readonly everyMs: number;
  /** One pass. A rejection is logged at `failureLevel` and the task runs again next period. */
  run(): Promise<void> | void;
  readonly failureLevel?: 'debug' | 'warn';
}

export interface TaskStatus {
  readonly name: string;
  readonly runs: number;
  readonly failures: number;
  /** Passes skipped because the previous one was still running. */
  readonly skipped: number;
  readonly running: boolean;
  readonly lastMs: number;
}

interface Running {
  readonly task: PeriodicTask;
  timer: NodeJS.Timeout | undefined;
  inFlight: Promise<void> | undefined;
  runs: number;
  failures: number;
  skipped: number;
  lastMs: number;
}

export class Background {
  private readonly tasks = new Map<string, Running>();
  private stopped = false;

  constructor(private readonly log: Logger) {}

  /** Adds a task and starts its timer; names are unique. */
  add(task: PeriodicTask): void {
    if (this.tasks.has(task.name)) throw new Error(`background task ${task.name} added twice`);
    if (!(task.everyMs > 0)) throw new Error(`background task ${task.name}: period must be positive (got ${task.everyMs})`);
    const t: Running = { task, timer: undefined, inFlight: undefined, runs: 0, failures: 0, skipped: 0, lastMs: 0 };
    this.tasks.set(task.name, t);
    if (this.stopped) return;
    t.timer = setInterval(() => this.pass(t), task.everyMs);
    t.timer.unref();
  }

  /** Runs one pass of a task now (unless one is running); resolves when it ends. */
  runNow(name: string): Promise<void> {
    const t = this.tasks.get(name);
    if (!t) return Promise.reject(new Error(`no background task ${name}`));
    this.pass(t);
    return t.inFlight ?? Promise.resolve();
  }

  status(): TaskStatus[] {
    return [...this.tasks.values()].map((t) => ({ name: t.task.name, runs: t.runs, failures: t.failures, skipped: t.skipped, running: t.inFlight !== undefined, lastMs: t.lastMs }));
  }

  /** Stops every timer and waits (at most `waitMs`) for the passes in flight. */
  async stop(waitMs = 2000): Promise<void> {
    this.stopped = true;
    for (const t of this.tasks.values()) clearInterval(t.timer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.tasks.values()].map((t) => t.inFlight ?? Promise.resolve())),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs))),
    ]).finally(() => clearTimeout(timer));
  }

  private pass(t: Running): void {
    if (this.stopped) return;
    if (t.inFlight) {
      t.skipped++;
      return;
    }
    const started = performance.now();
    t.runs++;
    t.inFlight = Promise.resolve()
      .then(() => t.task.run())
      .catch((e: unknown) => {
        t.failures++;
        this.log[t.task.failureLevel ?? 'warn']({ task: t.task.name, err: (e as Error).message }, 'background task failed; will retry');
      })
      .finally(() => {
        t.lastMs = performance.now() - started;
        t.inFlight = undefined;
      });
  }
}
