// How ferryctl shows values to people: keys (escaped so that the text is
// reversible and has no spaces), byte counts and ages in human units, aligned
// tables, and the look of progress bars. Pure functions and constants.

/**
 * A key for display: bytes 0x21-0x7e as-is, except `\` (printed `\\`) and `"`
 * (printed `\x22`); every other byte as `\xNN`. Reversible, with no spaces.
 */
export function showKey(b: Uint8Array): string {
  let s = '';
  for (const c of b) {
    if (c === 0x5c) s += '\\\\';
    else if (c > 0x20 && c < 0x7f && c !== 0x22) s += String.fromCharCode(c);
    else s += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s;
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A range's start: the empty key is the beginning of the key space, `""`. */
export const showStart = (b: Uint8Array): string => (b.length === 0 ? '""' : showKey(b));

/** A range's end: the empty key is +infinity, `+inf`. */
export const showEnd = (b: Uint8Array): string => (b.length === 0 ? '+inf' : showKey(b));

/** How keys are printed, for the commands' --help. */
export const KEY_HELP = `
Keys are bytes. They are printed with bytes 0x21-0x7e as-is, except \\ (printed \\\\)
and " (printed \\x22); any other byte (space, control, non-ASCII) as \\xNN.
An empty START is the beginning of the key space, printed ""; an empty END is
+infinity, printed +inf.`;

export function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** A table's lines, each after `indent`: columns as wide as their widest cell plus two, the last one unpadded. */
export function table(head: string[], rows: string[][], indent = ''): string[] {
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)) + 2);
  const line = (cells: string[]): string => indent + cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, width[i]!))).join('');
  return [line(head), ...rows.map(line)];
}

export function fmtBytes(v: string | number): string {
  let n = Number(v);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(n >= 100 ? 0 : 1)} ${units[i]}`;
}

export function fmtAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number): string => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d${Math.floor(s / 3600) % 24}h`;
}

/** The time of day of a millisecond timestamp, UTC (e.g. 14:03:07Z). */
export const timeOfDay = (ms: number): string => `${new Date(ms).toISOString().slice(11, 19)}Z`;

export const plural = (n: number, one: string, many = `${one}s`): string => (n === 1 ? one : many);

/** The look of ferryctl's progress bars (cli-progress options; `job watch` and `verify --all` on a terminal). */
export const BAR_LOOK = { fps: 2, barsize: 24, hideCursor: true, barCompleteChar: '\u2588', barIncompleteChar: '\u2591' } as const;
