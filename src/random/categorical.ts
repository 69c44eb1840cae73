/**
 * Discrete choices by JAX's algorithms (`jax/_src/random.py`): `gumbel` as
 * `−log(−log(u))`, `u` uniform on `[tiny, 1)`; `categorical` as the argmax of
 * Gumbel noise plus the logits; `choice` with replacement by `randint` or by
 * inverting the cumulative `p`, without replacement by the first draws of a
 * permutation or by the top Gumbel-perturbed log-probabilities.
 */
import type { FloatDType } from '../core/dtype.js'
import { describe, optionsOf } from '../core/check.js'
import { TensorError, fmtShape } from '../core/errors.js'
import { type Shape, checkShape, normAxis, shapeEq, sizeOf } from '../core/shape.js'
import { Tensor, arange, elementsIfConcrete, scalar } from '../core/tensor.js'
import { add, cast, less, log, mul, neg, sub } from '../ad/ops/elementwise.js'
import { argmax, sum } from '../ad/ops/reduce.js'
import { argsort, topK } from '../ad/ops/sort.js'
import { gather, reshape, slice, transpose } from '../ad/ops/shape.js'
import { cumsum } from '../ad/ops/stats.js'
import { type Key, consume } from './key.js'
import { broadcastsTo, randintOf } from './integers.js'
import { checkDType, uniformOf } from './sample.js'
import { shuffle } from './shuffle.js'

const TINY = { float32: 2 ** -126, float64: 2 ** -1022 } as const

/** `−log(−log(u))`: Gumbel noise of uniforms on `[tiny, 1)`. @internal */
export const gumbelOfUniform = (u: Tensor): Tensor => neg(log(neg(log(u))))

/** Gumbel noise of a key the caller has consumed. */
const gumbelOf = (k: Key, shape: Shape, dtype: FloatDType): Tensor => gumbelOfUniform(uniformOf(k, shape, dtype, TINY[dtype], 1))

/**
 * Standard Gumbel samples, as `jax.random.gumbel(key, shape, dtype)` in its
 * default mode: `−log(−log(u))` with `u` uniform on `[tiny, 1)` (`tiny` the
 * dtype's smallest normal number), so every sample is finite. Consumes `key`.
 *
 * @example
 * import { random } from 'grad-ts'
 * const g = random.gumbel(random.key(0), [1000])
 * const mean = Array.from(g.toTypedArray()).reduce((a, b) => a + b, 0) / 1000
 * console.assert(Math.abs(mean - 0.5772) < 0.15) // the Euler–Mascheroni constant
 * @since 0.2.0
 */
export const gumbel = (k: Key, shape: readonly number[] = [], dtype: FloatDType = 'float32'): Tensor =>
  gumbelPlan('gumbel', shape, dtype)(consume('gumbel', k))

/** {@link gumbel}'s arguments checked under the name `op`: the sampler of a consumed key. @internal */
export const gumbelPlan = (op: string, shape: readonly number[] = [], dtype: FloatDType = 'float32'): ((k: Key) => Tensor) => {
  const s = checkShape(op, shape)
  const dt = checkDType(op, dtype)
  return (k) => gumbelOf(k, s, dt)
}

/** Options of {@link categorical}. @since 0.2.0 */
export interface CategoricalOptions {
  /** The axis of the categories in `logits`; default −1. */
  readonly axis?: number
  /** The shape of the result: the batch shape of `logits` (its shape without `axis`), or a shape ending in one it broadcasts to (ending in the batch shape itself without replacement); default the batch shape. */
  readonly shape?: readonly number[]
  /** With replacement (default true), or without: the samples over the leading axes of `shape` are distinct categories. */
  readonly replace?: boolean
}

/**
 * Samples of categories (int32 indices) with unnormalised log-probabilities
 * `logits`, as `jax.random.categorical(key, logits, axis, shape, replace)`:
 * with replacement (the default), the argmax over `axis` of `gumbel +
 * logits`, with JAX's shapes — the result has `shape`, whose trailing axes
 * are the batch shape of `logits` and whose leading axes draw independent
 * samples. Without replacement (`replace: false`), JAX's Gumbel top-k: one
 * Gumbel draw of `logits`' shape is added to the logits, and the k = (size
 * of `shape`'s leading axes) largest along `axis` are the samples, in
 * decreasing order of perturbed logit, so the samples along the leading
 * axes are distinct categories (the first has the softmax's distribution);
 * then `shape` must end in the batch shape itself, and k may not exceed the
 * number of categories. A logit of −∞ is never drawn with replacement (and
 * only after every finite one without). Consumes `key`.
 *
 * @example
 * import { random, tensor } from 'grad-ts'
 * const logits = tensor([[0, -Infinity, 0], [-Infinity, 0, -Infinity]])
 * const c = random.categorical(random.key(0), logits, { shape: [5, 2] })
 * const v = Array.from(c.toTypedArray())
 * console.assert(c.shape.join() === '5,2' && v.every((x, i) => (i % 2 === 0 ? x !== 1 : x === 1)))
 * // Without replacement: 4 distinct categories of 6 for each of the 2 rows.
 * const d = random.categorical(random.key(1), tensor([[1, 2, 3, 4, 5, 6], [0, 0, 0, 0, 0, 0]]), { shape: [4, 2], replace: false })
 * const rows = [0, 1].map((r) => [0, 1, 2, 3].map((i) => d.toTypedArray()[2 * i + r]!))
 * console.assert(d.shape.join() === '4,2' && rows.every((r) => new Set(r).size === 4))
 * @since 0.2.0
 */
export const categorical = (k: Key, logits: Tensor, options: CategoricalOptions = {}): Tensor =>
  categoricalPlan('categorical', logits, options)(consume('categorical', k))

/** {@link categorical}'s arguments checked under the name `op`: the sampler of a consumed key. @internal */
export const categoricalPlan = (op: string, logits: Tensor, options: CategoricalOptions = {}): ((k: Key) => Tensor) => {
  const { axis = -1, shape, replace = true } = optionsOf(op, options)
  if (typeof replace !== 'boolean') throw new TensorError(op, `replace must be a boolean, got ${describe(replace)}`)
  if (!(logits instanceof Tensor) || (logits.dtype !== 'float32' && logits.dtype !== 'float64')) {
    throw new TensorError(op, `logits must be a float32 or float64 tensor, got ${logits instanceof Tensor ? `a ${logits.dtype} tensor` : describe(logits)}`)
  }
  if (logits.rank === 0) throw new TensorError(op, `logits must have an axis of categories, got shape ${fmtShape(logits.shape)}`)
  const ax = normAxis(op, axis, logits.rank)
  const n = logits.shape[ax]!
  if (n === 0) throw new TensorError(op, `logits has no categories: axis ${axis} of shape ${fmtShape(logits.shape)} is empty`)
  const batch = logits.shape.filter((_, i) => i !== ax)
  const s = shape === undefined ? batch : checkShape(op, shape)
  if (!broadcastsTo(batch, s)) {
    throw new TensorError(op, `shape ${fmtShape(s)} must end in a shape that the batch shape ${fmtShape(batch)} of logits ${fmtShape(logits.shape)} broadcasts to`)
  }
  const lead = s.length - batch.length
  const prefix = s.slice(0, lead)
  const tail = s.slice(lead)
  const dtype = logits.dtype
  if (replace) {
    return (k) => {
      const noise = gumbelOf(k, [...prefix, ...tail.slice(0, ax), n, ...tail.slice(ax)], dtype)
      const shifted = add(noise, reshape(logits, [...new Array<number>(lead).fill(1), ...logits.shape]))
      return argmax(shifted, { axis: lead + ax })
    }
  }
  if (!shapeEq(tail, batch)) {
    throw new TensorError(op, `without replacement, shape ${fmtShape(s)} must end in the batch shape ${fmtShape(batch)} of logits ${fmtShape(logits.shape)} itself, not a shape it broadcasts to`)
  }
  const draws = sizeOf(prefix)
  if (draws > n) {
    throw new TensorError(op, `cannot take ${draws} samples (the leading axes ${fmtShape(prefix)} of shape ${fmtShape(s)}) without replacement from ${n} categories (axis ${axis} of logits ${fmtShape(logits.shape)})`)
  }
  // The k samples of each batch element along axis, moved to the front: [k, ...batch], then split into shape's leading axes.
  const perm = [ax, ...batch.map((_, i) => (i < ax ? i : i + 1))]
  return (k) => {
    const [, top] = topK(add(logits, gumbelOf(k, logits.shape, dtype)), draws, { axis: ax })
    return reshape(transpose(top, perm), s)
  }
}

/** Options of {@link choice}. @since 0.2.0 */
export interface ChoiceOptions {
  /** The shape of the draws; default `[]` (one draw). */
  readonly shape?: readonly number[]
  /** With replacement (default true) or without. */
  readonly replace?: boolean
  /** Probabilities of the `n` entries (float32/float64, shape `[n]`, non-negative, summing to 1); default uniform. */
  readonly p?: Tensor
  /** The axis of `a` to choose along; default 0. */
  readonly axis?: number
}

/** `p` checked against `n` entries: its shape always, its values when it has them. */
const checkP = (op: string, p: unknown, n: number, draws: number, replace: boolean): Tensor => {
  if (!(p instanceof Tensor) || (p.dtype !== 'float32' && p.dtype !== 'float64')) {
    throw new TensorError(op, `p must be a float32 or float64 tensor, got ${p instanceof Tensor ? `a ${p.dtype} tensor` : describe(p)}`)
  }
  if (!shapeEq(p.shape, [n])) throw new TensorError(op, `p must have shape [${n}] (one probability per entry of a along axis), got ${fmtShape(p.shape)}`)
  const v = elementsIfConcrete(p)
  if (v === undefined) return p
  const bad = v.findIndex((x) => !(x >= 0 && x <= 1))
  if (bad >= 0) throw new TensorError(op, `p must hold probabilities in [0, 1], found ${v[bad]!} at index ${bad}`)
  const total = Array.from(v).reduce((a, b) => a + b, 0)
  // NumPy's tolerance: √ε of p's dtype.
  const tol = Math.sqrt(p.dtype === 'float32' ? 2 ** -23 : 2 ** -52)
  if (Math.abs(total - 1) > tol) throw new TensorError(op, `p must sum to 1, got ${total}`)
  const positive = Array.from(v).filter((x) => x > 0).length
  if (!replace && draws > positive) throw new TensorError(op, `cannot take ${draws} draws without replacement when p has only ${positive} non-zero entries`)
  return p
}

/**
 * Random draws from `0 … a − 1` (a number `a`) or from the slices of a tensor
 * `a` along `axis`, as `jax.random.choice(key, a, shape, replace, p, axis)`
 * with JAX's algorithms: with replacement and uniform, `randint(key, shape, 0, n)`;
 * without replacement and uniform, the first draws of `permutation`; with
 * `p` and replacement, `searchsorted(cumsum(p), cumsum(p)[−1] · (1 − u))`;
 * with `p` and without replacement, the top Gumbel-perturbed `log p`. The
 * result has `shape` in place of `axis`: `a.shape[:axis] + shape + a.shape[axis+1:]`.
 * Deviations: `p` must sum to 1 (NumPy's check; JAX normalises silently) and
 * hold enough non-zero entries for draws without replacement, when `p` has
 * values; the cumulative sum is taken in ⌈log₂ n⌉ steps, so its last bits (and
 * hence a draw landing within rounding of a boundary) may differ from JAX's.
 * Consumes `key`.
 *
 * @example
 * import { random, tensor } from 'grad-ts'
 * const hand = Array.from(random.choice(random.key(0), 52, { shape: [5], replace: false }).toTypedArray())
 * console.assert(new Set(hand).size === 5 && hand.every((c) => c >= 0 && c < 52))
 * const coin = random.choice(random.key(1), tensor([-1, 1], 'int32'), { shape: [100], p: tensor([0.9, 0.1]) })
 * console.assert(coin.toTypedArray().every((x) => x === -1 || x === 1))
 * @since 0.2.0
 */
export const choice = (k: Key, a: number | Tensor, options: ChoiceOptions = {}): Tensor => choicePlan('choice', a, options)(consume('choice', k))

/** {@link choice}'s arguments checked under the name `op`: the sampler of a consumed key. @internal */
export const choicePlan = (op: string, a: number | Tensor, options: ChoiceOptions = {}): ((k: Key) => Tensor) => {
  const { shape = [], replace = true, p, axis = 0 } = optionsOf(op, options)
  const s = checkShape(op, shape)
  if (typeof replace !== 'boolean') throw new TensorError(op, `replace must be a boolean, got ${describe(replace)}`)
  let n: number
  let ax = 0
  if (typeof a === 'number') {
    if (!Number.isSafeInteger(a) || a < 0 || a > 2 ** 31 - 1) throw new TensorError(op, `a must be an integer in [0, 2³¹) or a tensor, got ${a}`)
    n = a
  } else if (a instanceof Tensor && a.rank > 0) {
    ax = normAxis(op, axis, a.rank)
    n = a.shape[ax]!
  } else {
    throw new TensorError(op, `a must be an integer or a tensor of rank ≥ 1, got ${a instanceof Tensor ? `a ${a.dtype}${fmtShape(a.shape)} tensor` : describe(a)}`)
  }
  const draws = sizeOf(s)
  if (draws > 0 && n === 0) throw new TensorError(op, `a has no entries to choose from (n = 0) but shape ${fmtShape(s)} asks for ${draws} draws`)
  if (!replace && draws > n) throw new TensorError(op, `cannot take ${draws} draws (shape ${fmtShape(s)}) without replacement from ${n} entries`)
  const probs = p === undefined ? undefined : checkP(op, p, n, draws, replace)
  const pick = (k: Key): Tensor => {
    if (draws === 0) return reshape(arange(0, 0, 1, 'int32'), s)
    if (probs === undefined && replace) return randintOf(k, s, scalar(0, 'float64'), scalar(n, 'float64'))
    if (probs === undefined) return reshape(slice(shuffle(k, arange(0, n, 1, 'int32'), 0), [0], [draws]), s)
    if (replace) {
      const cuml = cumsum(probs, { axis: 0 })
      const r = mul(reshape(slice(cuml, [n - 1], [n]), []), sub(1, uniformOf(k, s, probs.dtype as FloatDType, 0, 1)))
      return sum(cast(less(cuml, reshape(r, [...s, 1])), 'int32'), { axis: -1 })
    }
    const g = add(gumbelOf(k, [n], probs.dtype as FloatDType), log(probs))
    return reshape(slice(argsort(neg(g)), [0], [draws]), s)
  }
  return (k) => {
    const ind = pick(k)
    return typeof a === 'number' ? ind : gather(a, ind, { axis: ax })
  }
}
