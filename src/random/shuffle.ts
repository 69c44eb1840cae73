/**
 * `permutation`, by JAX's shuffle (`jax/_src/random.py`, `_shuffle`): no
 * Fisher–Yates, but ⌈3·ln(size) / ln(2³² − 1)⌉ rounds (one up to 1,625 items,
 * two up to about 2.6 million), each `key, sub = split(key)`, 32-bit sort keys
 * of `x`'s shape from `sub`, and a stable sort of `x` along the axis by them.
 */
import { TensorError, fmtShape } from '../core/errors.js'
import { normAxis } from '../core/shape.js'
import { describe, optionsOf } from '../core/check.js'
import { Tensor, arange } from '../core/tensor.js'
import { argsort, takeAlong } from '../ad/ops/sort.js'
import { gather } from '../ad/ops/shape.js'
import { bind } from '../ad/trace.js'
import { type Key, consume, splitPair } from './key.js'
import { unsigned } from './integers.js'

/** JAX's `_shuffle` of a checked key (already consumed by the caller): sort rounds along `axis`. @internal */
export const shuffle = (k: Key, x: Tensor, axis: number): Tensor => {
  const rounds = Math.ceil((3 * Math.log(Math.max(1, x.size))) / Math.log(0xffffffff))
  let key = k
  let out = x
  for (let r = 0; r < rounds; r++) {
    const [next, sub] = splitPair(key)
    key = next
    // The sort keys are uint32 words (int32 bits), made exact and unsigned in float64 for the stable sort.
    const words = unsigned(bind('randomBits', [sub], { shape: x.shape, dist: { kind: 'bits' } }))
    out = takeAlong(out, argsort(words, { axis }), axis)
  }
  return out
}

/** Options of {@link permutation}. @since 0.2.0 */
export interface PermutationOptions {
  /** The axis to permute; default 0. */
  readonly axis?: number
  /** Permute each slice along the axis on its own (JAX's `independent=True`); default false: one permutation of the axis for all. */
  readonly independent?: boolean
}

/** `n` of `permutation(key, n)`, checked. */
const countOf = (op: string, n: number): number => {
  if (!Number.isSafeInteger(n) || n < 0 || n > 2 ** 31 - 1) throw new TensorError(op, `n must be an integer in [0, 2³¹), got ${n}`)
  return n
}

/**
 * A random permutation, as `jax.random.permutation(key, x, axis, independent)`
 * with JAX's algorithm and bits: of `0 … n − 1` (int32) when `x` is a number
 * `n`; of `x`'s slices along `axis` (default 0) when `x` is a tensor — one
 * permutation of the axis for every slice, or, with `independent: true`, each
 * slice along the axis shuffled on its own. Consumes `key`.
 *
 * @example
 * import { random, tensor } from 'grad-ts'
 * const p = Array.from(random.permutation(random.key(0), 10).toTypedArray())
 * console.assert([...p].sort((a, b) => a - b).join() === '0,1,2,3,4,5,6,7,8,9')
 * const rows = random.permutation(random.key(1), tensor([[1, 2], [3, 4], [5, 6]]))
 * console.assert(rows.shape.join() === '3,2' && Array.from(rows.toTypedArray()).reduce((a, b) => a + b, 0) === 21)
 * const cols = random.permutation(random.key(2), tensor([[1, 2, 3], [4, 5, 6]]), { axis: 1, independent: true })
 * console.assert(Array.from(cols.toTypedArray().slice(0, 3)).sort().join() === '1,2,3')
 * @since 0.1.0
 */
export const permutation = (k: Key, x: number | Tensor, options: PermutationOptions = {}): Tensor =>
  permutationPlan('permutation', x, options)(consume('permutation', k))

/** {@link permutation}'s arguments checked under the name `op`: the sampler of a consumed key. @internal */
export const permutationPlan = (op: string, x: number | Tensor, options: PermutationOptions = {}): ((k: Key) => Tensor) => {
  const { axis = 0, independent = false } = optionsOf(op, options)
  if (typeof independent !== 'boolean') throw new TensorError(op, `independent must be a boolean, got ${describe(independent)}`)
  if (typeof x === 'number') {
    const n = countOf(op, x)
    normAxis(op, axis, 1)
    return (k) => shuffle(k, arange(0, n, 1, 'int32'), 0)
  }
  if (!(x instanceof Tensor)) throw new TensorError(op, `x must be an integer or a tensor, got ${describe(x)}`)
  if (x.rank === 0) throw new TensorError(op, `x must be an integer or a tensor of rank ≥ 1, got a ${x.dtype}${fmtShape(x.shape)} tensor`)
  const ax = normAxis(op, axis, x.rank)
  if (independent || x.rank === 1) return (k) => shuffle(k, x, ax)
  return (k) => gather(x, shuffle(k, arange(0, x.shape[ax], 1, 'int32'), 0), { axis: ax })
}
