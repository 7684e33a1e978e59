// The seeded RNG of every randomized test, simulation, Jepsen schedule and benchmark:
// everything random in a run comes from one seed, so a run replays from it.

/** mulberry32: small, fast, good enough for fault schedules. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
