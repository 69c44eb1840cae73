/**
 * Threefry-2x32 with 20 rounds: the counter-based block cipher of Salmon et al.,
 * "Parallel Random Numbers: As Easy as 1, 2, 3" (SC'11), exactly as JAX lowers
 * it (`jax/_src/prng.py`, `_threefry2x32_lowering`): rotations [13, 15, 26, 6]
 * and [17, 29, 16, 24], key schedule word `k0 ^ k1 ^ 0x1BD11BDA`, a key
 * injection after every 4 rounds.
 *
 * Arithmetic is int32 (`| 0`, `Math.imul`-free since Threefry only adds,
 * rotates and xors); a Uint32Array store reinterprets the bits as unsigned.
 * The loops are the only loops over counters in `src/random/`.
 */
import { TensorError } from '../../core/errors.js'

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r))

/**
 * Hashes counters `(x0[i], x1[i])` for `i` in `[from, to)` under the key
 * `(k0, k1)` and writes the two output words to `y0[i]`, `y1[i]`.
 * @internal
 */
export const threefryInto = (
  k0: number,
  k1: number,
  x0: Uint32Array,
  x1: Uint32Array,
  y0: Uint32Array,
  y1: Uint32Array,
  from: number,
  to: number,
): void => {
  const ks0 = k0 | 0
  const ks1 = k1 | 0
  const ks2 = (k0 ^ k1 ^ 0x1bd11bda) | 0
  for (let i = from; i < to; i++) {
    let a = (x0[i]! + ks0) | 0
    let b = (x1[i]! + ks1) | 0
    // rounds 1–4
    a = (a + b) | 0; b = rotl(b, 13) ^ a
    a = (a + b) | 0; b = rotl(b, 15) ^ a
    a = (a + b) | 0; b = rotl(b, 26) ^ a
    a = (a + b) | 0; b = rotl(b, 6) ^ a
    a = (a + ks1) | 0; b = (b + ks2 + 1) | 0
    // rounds 5–8
    a = (a + b) | 0; b = rotl(b, 17) ^ a
    a = (a + b) | 0; b = rotl(b, 29) ^ a
    a = (a + b) | 0; b = rotl(b, 16) ^ a
    a = (a + b) | 0; b = rotl(b, 24) ^ a
    a = (a + ks2) | 0; b = (b + ks0 + 2) | 0
    // rounds 9–12
    a = (a + b) | 0; b = rotl(b, 13) ^ a
    a = (a + b) | 0; b = rotl(b, 15) ^ a
    a = (a + b) | 0; b = rotl(b, 26) ^ a
    a = (a + b) | 0; b = rotl(b, 6) ^ a
    a = (a + ks0) | 0; b = (b + ks1 + 3) | 0
    // rounds 13–16
    a = (a + b) | 0; b = rotl(b, 17) ^ a
    a = (a + b) | 0; b = rotl(b, 29) ^ a
    a = (a + b) | 0; b = rotl(b, 16) ^ a
    a = (a + b) | 0; b = rotl(b, 24) ^ a
    a = (a + ks1) | 0; b = (b + ks2 + 4) | 0
    // rounds 17–20
    a = (a + b) | 0; b = rotl(b, 13) ^ a
    a = (a + b) | 0; b = rotl(b, 15) ^ a
    a = (a + b) | 0; b = rotl(b, 26) ^ a
    a = (a + b) | 0; b = rotl(b, 6) ^ a
    y0[i] = a + ks2
    y1[i] = b + ks0 + 5
  }
}

const isWord = (w: unknown): w is number => typeof w === 'number' && Number.isInteger(w) && w >= 0 && w <= 0xffffffff

/**
 * The Threefry-2x32 (20 rounds) hash of counter pairs under a two-word key:
 * `[y0, y1][i] = threefry2x32(key, (x0[i], x1[i]))`. Every random function of
 * grad-ts is this function applied to counters; exposed so that the Random123
 * known-answer vectors can be checked directly.
 *
 * @example
 * import { random } from 'grad-ts'
 * // Random123's first known-answer vector: zero key, zero counter.
 * const [y0, y1] = random.threefry2x32([0, 0], new Uint32Array([0]), new Uint32Array([0]))
 * console.assert(y0[0] === 0x6b200159 && y1[0] === 0x99ba4efe)
 * @since 0.1.0
 */
export const threefry2x32 = (
  key: readonly [number, number],
  x0: Uint32Array,
  x1: Uint32Array,
): readonly [Uint32Array, Uint32Array] => {
  if (!isWord(key[0]) || !isWord(key[1])) {
    throw new TensorError('threefry2x32', `key words must be integers in [0, 2^32), got ${String(key[0])}, ${String(key[1])}`)
  }
  if (x0.length !== x1.length) {
    throw new TensorError('threefry2x32', `counter arrays must have one length, got ${x0.length} and ${x1.length}`)
  }
  const y0 = new Uint32Array(x0.length)
  const y1 = new Uint32Array(x0.length)
  threefryInto(key[0], key[1], x0, x1, y0, y1, 0, x0.length)
  return [y0, y1]
}

const CHUNK = 1024

/**
 * Hashes the counters `(hi(i), lo(i))` for `i = 0 … n − 1` (the 64-bit index
 * split in two words, JAX's `iota_2x32_shape`) and hands each chunk of outputs
 * to `emit(y0, y1, offset, count)`. Memory stays at two chunks whatever `n`.
 * @internal
 */
export const threefryIota = (
  k0: number,
  k1: number,
  n: number,
  emit: (y0: Uint32Array, y1: Uint32Array, offset: number, count: number) => void,
): void => {
  const len = Math.min(n, CHUNK)
  const x0 = new Uint32Array(len)
  const x1 = new Uint32Array(len)
  const y0 = new Uint32Array(len)
  const y1 = new Uint32Array(len)
  for (let offset = 0; offset < n; offset += CHUNK) {
    const count = Math.min(CHUNK, n - offset)
    for (let j = 0; j < count; j++) {
      const i = offset + j
      x0[j] = Math.floor(i / 4294967296)
      x1[j] = i
    }
    threefryInto(k0, k1, x0, x1, y0, y1, 0, count)
    emit(y0, y1, offset, count)
  }
}
