/**
 * JAX's original (non-partitionable) threefry layout, written out from the
 * hash for the known-answer vectors of tests/random_test.py
 * (`_RANDOM_VALUES_CASES`), which JAX recorded in that mode:
 *
 * - `random_bits(key, 32, (n,))` hashes the counters `0 … n − 1`, padded with
 *   a 0 to even length and cut in two halves `x0`, `x1`; the words are
 *   `concat(y0, y1)[:n]`;
 * - `split(key)` is those words for `n = 4`, as two keys `[w0, w1]`, `[w2, w3]`;
 * - each case's key is `PRNGKey(adler32(name + 'threefry2x32'))`, i.e. `[0, seed]`.
 *
 * The library draws in the partitionable layout, so these vectors check the
 * arithmetic each sampler applies to its words, fed with the words below.
 */
import { threefry2x32 } from '../../src/random/index.js'

export type Words = readonly [number, number]

/** zlib's adler32 of an ASCII string. */
export const adler32 = (s: string): number => {
  let a = 1
  let b = 0
  for (const c of Buffer.from(s, 'latin1')) {
    a = (a + c) % 65521
    b = (b + a) % 65521
  }
  return ((b << 16) | a) >>> 0
}

/** The key of a `_RANDOM_VALUES_CASES` case for the threefry implementation. */
export const caseKey = (name: string): Words => [0, adler32(`${name}threefry2x32`)]

/** `random_bits(key, 32, (n,))` in the original layout. */
export const originalBits = (key: Words, n: number): Uint32Array => {
  const m = n + (n % 2)
  const counts = Uint32Array.from({ length: m }, (_, i) => (i < n ? i : 0))
  const [y0, y1] = threefry2x32(key, counts.subarray(0, m / 2), counts.subarray(m / 2))
  return Uint32Array.from([...y0, ...y1].slice(0, n))
}

/** `split(key)` in the original layout. */
export const originalSplit = (key: Words): readonly [Words, Words] => {
  const w = originalBits(key, 4)
  return [
    [w[0]!, w[1]!],
    [w[2]!, w[3]!],
  ]
}

/** JAX's float32 uniform of 32-bit words on `[lo, hi)`: mantissa bits under the exponent of 1, minus 1, scaled, shifted. */
export const uniform32 = (words: Uint32Array, lo: number, hi: number): number[] => {
  const f = Math.fround
  const span = f(f(hi) - f(lo))
  // bitcast((w >>> 9) | 0x3f800000) − 1 is exactly (w >>> 9) · 2⁻²³.
  return Array.from(words, (w) => Math.max(f(lo), f(f((w >>> 9) * 2 ** -23 * span) + f(lo))))
}
