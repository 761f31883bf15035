/**
 * Fuzz targets run for a time budget: STEVEDORE_FUZZ_MS per target (2 s by default, as in every CI
 * run; scripts/fuzz.sh runs them for longer) from STEVEDORE_FUZZ_SEED. A failure names the seed
 * and the case number, which replay it; inputs that once failed become regular tests.
 */
export const FUZZ_MS = Number(process.env.STEVEDORE_FUZZ_MS ?? 2000);
export const FUZZ_SEED = Number(process.env.STEVEDORE_FUZZ_SEED ?? Date.now() % 1_000_000);

/** A small seeded PRNG (mulberry32): the same seed gives the same cases. */
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

/** Byte-level mutations of a seed input: flips, overwrites with interesting values, cuts, splices. */
export function mutateBytes(random: () => number, seed: Buffer, interesting: readonly Buffer[] = []): Buffer {
  let data = Buffer.from(seed);
  const edits = 1 + Math.floor(random() * 8);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(random() * (data.length + 1));
    const r = random();
    if (r < 0.3 && data.length) data[Math.min(at, data.length - 1)] ^= 1 << Math.floor(random() * 8);
    else if (r < 0.55 && interesting.length) {
      const value = interesting[Math.floor(random() * interesting.length)];
      data = Buffer.concat([data.subarray(0, at), value, data.subarray(Math.min(data.length, at + value.length))]);
    } else if (r < 0.7) data = data.subarray(0, at);
    else if (r < 0.85) data = Buffer.concat([data.subarray(0, at), data.subarray(Math.min(data.length, at + 1 + Math.floor(random() * 600)))]);
    else data = Buffer.concat([data.subarray(0, at), Buffer.from([Math.floor(random() * 256)]), data.subarray(at)]);
  }
  return data;
}

/**
 * Calls `one(caseNumber, random)` until the budget is spent; a throw from it fails with the seed.
 * Returns how many cases ran.
 */
export async function fuzz(name: string, one: (n: number, random: () => number) => void | Promise<void>, budgetMs = FUZZ_MS): Promise<number> {
  const random = rng(FUZZ_SEED);
  const deadline = Date.now() + budgetMs;
  let n = 0;
  while (Date.now() < deadline) {
    try {
      await one(n, random);
    } catch (err) {
      throw new Error(`fuzz ${name}: case ${n} of STEVEDORE_FUZZ_SEED=${FUZZ_SEED} failed: ${(err as Error).stack ?? String(err)}`, { cause: err });
    }
    n++;
  }
  return n;
}
