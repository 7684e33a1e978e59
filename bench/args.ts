// What every benchmark script shares: reading `--name value` options, the
// commit a checkout is at, and percentiles (nearest rank: the smallest value
// with at least p% of the samples at or below it).

import { execFileSync } from 'node:child_process';

/** The value after `--name` in `args`, or `def` when absent or empty. */
export function opt(args: readonly string[], name: string, def: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : def;
}

/** The p-th percentile of ascending samples (0 for none), rounded to `digits` decimals. */
export function percentileSorted(sorted: ArrayLike<number>, p: number, digits = 3): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return +sorted[i]!.toFixed(digits);
}

/** The p-th percentile of samples in any order. */
export function percentile(xs: readonly number[], p: number, digits = 3): number {
  return percentileSorted([...xs].sort((a, b) => a - b), p, digits);
}

/** The commit the checkout at `dir` is at (short), with "+src-changes" if asked and `src/` differs from it; "unknown" outside git. */
export function commitOf(dir: string, markSrcChanges = false): string {
  try {
    const head = execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    if (!markSrcChanges) return head;
    const changed = execFileSync('git', ['-C', dir, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim() !== '';
    return changed ? `${head}+src-changes` : head;
  } catch {
    return 'unknown';
  }
}
