// Split keys that cut the key space evenly for a cluster file's initial
// routes: lowercase keys of the fewest letters that give every range a key
// of its own — ["", b) [b, c) … for up to 26 ranges, ["", ab) … for up to
// 676, and so on. Used by `ferry-cluster` and the test cluster harness.

/** The `ranges - 1` split keys, strictly increasing, none empty. */
export function evenSplitKeys(ranges: number): string[] {
  if (!Number.isInteger(ranges) || ranges < 1) throw new RangeError(`ranges: must be a positive integer (got ${ranges})`);
  const letters = Math.max(1, Math.ceil(Math.log(ranges) / Math.log(26) - 1e-9));
  const word = (n: number): string => Array.from({ length: letters }, (_, k) => String.fromCharCode(97 + (Math.floor(n / 26 ** (letters - 1 - k)) % 26))).join('');
  return Array.from({ length: ranges - 1 }, (_, i) => word(Math.round(((i + 1) * 26 ** letters) / ranges)));
}
