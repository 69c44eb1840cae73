/**
 * Random kernels: threefry's bits for a batch of keys, turned into JAX's
 * uniform and normal samples, and the key derivations `split` and `foldIn` —
 * JAX's partitionable algorithms bit for bit (`jax/_src/prng.py`,
 * `_threefry_random_bits_partitionable`, `_threefry_split`,
 * `_threefry_fold_in`; `jax/_src/random.py`, `_uniform`, `_normal_real`):
 *
 * - 32-bit bits at flat index `i`: `y0 ^ y1` of `threefry2x32(key, (hi(i), lo(i)))`;
 *   64-bit bits: `(y0 << 32) | y1`.
 * - float32 uniform: `bitcast((bits >>> 9) | 0x3f800000) − 1`, then
 *   `max(minval, u · (maxval − minval) + minval)`, each step rounded to float32;
 *   float64 uniform: the same with 64-bit bits and a 52-bit mantissa.
 * - normal: `√2 · erfinv(u)`, `u` uniform on `[nextafter(−1, 0), 1)` in the dtype.
 * - `split(k, n)[i] = threefry2x32(k, (hi(i), lo(i)))`; `foldIn(k, d) = threefry2x32(k, (0, d))`.
 *
 * A key is two uint32 words stored as the bits of an int32 pair; a batch of
 * keys is `[..., 2]`, and each key of the batch draws its own block.
 */
import type { Distribution } from '../../ad/primitives.js'
import { erfinv32, erfinv64 } from './erfinv.js'
import { threefryInto, threefryIota } from './threefry.js'

const TWO_M23 = 2 ** -23
const TWO_M52 = 2 ** -52

/** The 32-bit words of `n` flat positions under one key, written from `at`. */
const bits32Into = (k0: number, k1: number, n: number, out: Int32Array | Uint32Array, at: number): void => {
  threefryIota(k0, k1, n, (y0, y1, offset, count) => {
    for (let j = 0; j < count; j++) out[at + offset + j] = y0[j]! ^ y1[j]!
  })
}

const uniform32Into = (k0: number, k1: number, n: number, minval: number, maxval: number, out: Float32Array, at: number): void => {
  const f = Math.fround
  const lo = f(minval)
  const span = f(f(maxval) - lo)
  const b = new Uint32Array(n)
  bits32Into(k0, k1, n, b, 0)
  for (let i = 0; i < n; i++) {
    const v = f(f((b[i]! >>> 9) * TWO_M23 * span) + lo)
    out[at + i] = v < lo ? lo : v
  }
}

const uniform64Into = (k0: number, k1: number, n: number, lo: number, hi: number, out: Float64Array, at: number): void => {
  const span = hi - lo
  threefryIota(k0, k1, n, (y0, y1, offset, count) => {
    for (let j = 0; j < count; j++) {
      const w0 = y0[j]!
      const mant = (w0 >>> 12) * 4294967296 + ((((w0 & 0xfff) << 20) | (y1[j]! >>> 12)) >>> 0)
      const v = mant * TWO_M52 * span + lo
      out[at + offset + j] = v < lo ? lo : v
    }
  })
}

/** Draws `n` values per key for `keys.length / 2` keys: block `b` of `out` from key `b`. @internal */
export const randomBitsKernel = (keys: Int32Array, n: number, dist: Distribution): Int32Array | Float32Array | Float64Array | Uint8Array => {
  const count = keys.length / 2
  if (dist.kind === 'bits') {
    const out = new Int32Array(count * n)
    for (let b = 0; b < count; b++) bits32Into(keys[2 * b]!, keys[2 * b + 1]!, n, out, b * n)
    return out
  }
  if (dist.kind === 'bernoulli') {
    // The float32 uniforms on [0, 1), then u < p: what less(uniform(k, shape), p) computes.
    const u = new Float32Array(count * n)
    for (let b = 0; b < count; b++) uniform32Into(keys[2 * b]!, keys[2 * b + 1]!, n, 0, 1, u, b * n)
    const out = new Uint8Array(count * n)
    const p = Math.fround(dist.p)
    for (let i = 0; i < out.length; i++) out[i] = u[i]! < p ? 1 : 0
    return out
  }
  if (dist.dtype === 'float32') {
    const out = new Float32Array(count * n)
    const [lo, hi] = [dist.minval, dist.maxval]
    for (let b = 0; b < count; b++) uniform32Into(keys[2 * b]!, keys[2 * b + 1]!, n, lo, hi, out, b * n)
    if (dist.kind === 'normal') {
      const sqrt2 = Math.fround(Math.SQRT2)
      for (let i = 0; i < out.length; i++) out[i] = Math.fround(sqrt2 * erfinv32(out[i]!))
    }
    return out
  }
  const out = new Float64Array(count * n)
  const [lo, hi] = [dist.minval, dist.maxval]
  for (let b = 0; b < count; b++) uniform64Into(keys[2 * b]!, keys[2 * b + 1]!, n, lo, hi, out, b * n)
  if (dist.kind === 'normal') for (let i = 0; i < out.length; i++) out[i] = Math.SQRT2 * erfinv64(out[i]!)
  return out
}

/** `n` new keys per key: `[..., n, 2]`. @internal */
export const randomSplitKernel = (keys: Int32Array, n: number): Int32Array => {
  const count = keys.length / 2
  const out = new Int32Array(count * n * 2)
  for (let b = 0; b < count; b++) {
    threefryIota(keys[2 * b]!, keys[2 * b + 1]!, n, (y0, y1, offset, c) => {
      for (let j = 0; j < c; j++) {
        const at = 2 * (b * n + offset + j)
        out[at] = y0[j]!
        out[at + 1] = y1[j]!
      }
    })
  }
  return out
}

/** Each key folded with the 32-bit `data`. @internal */
export const randomFoldInKernel = (keys: Int32Array, data: number): Int32Array => {
  const count = keys.length / 2
  const out = new Int32Array(count * 2)
  const x0 = new Uint32Array(1)
  const x1 = new Uint32Array([data >>> 0])
  const y0 = new Uint32Array(1)
  const y1 = new Uint32Array(1)
  for (let b = 0; b < count; b++) {
    threefryInto(keys[2 * b]!, keys[2 * b + 1]!, x0, x1, y0, y1, 0, 1)
    out[2 * b] = y0[0]!
    out[2 * b + 1] = y1[0]!
  }
  return out
}

/** A stable argsort of the middle axis of `x` seen as `[outer, n, inner]`. @internal */
export const argsortKernel = (x: ArrayLike<number>, outer: number, n: number, inner: number): Int32Array => {
  const out = new Int32Array(outer * n * inner)
  const idx = Array.from({ length: n }, (_, i) => i)
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < inner; c++) {
      const base = o * n * inner + c
      const vals = idx.map((i) => x[base + i * inner]!)
      // Array.prototype.sort is stable; NaN sorts last, as in lax.sort.
      const order = idx.slice().sort((a, b) => {
        const u = vals[a]!
        const v = vals[b]!
        return u < v ? -1 : u > v ? 1 : u === v ? 0 : u !== u ? (v !== v ? 0 : 1) : -1
      })
      for (let i = 0; i < n; i++) out[base + i * inner] = order[i]!
    }
  }
  return out
}
