/**
 * Dropout as an explicit random-key effect (Srivastava et al. 2014).
 *
 * **Vocabulary.** Every function here takes a `Retention` — `{ keep: p }` or
 * `{ rate: r }` (see `./retention.ts`) — so a caller always names which one it
 * means; a bare number is a type error.
 *
 * **Conventions.** `'paper'`: training multiplies by a Bernoulli(p) mask, and the
 * test-time network scales by p (activations, or each unit's outgoing weights).
 * `'inverted'` (JAX/flax, TensorFlow, PyTorch): training multiplies by mask/p,
 * and the test-time network is the identity. Both have E[train(x)] = eval(x).
 *
 * **Randomness.** Training-time dropout is a `Random<Tensor>`: it draws one
 * Bernoulli mask from the key it is run with, exactly as
 * `jax.random.bernoulli(key, p, shape)` does, so a key gives the same masks here
 * as in JAX. The mask is a constant of the backward pass: gradients flow through
 * the kept units and are zero for the dropped ones.
 */
import { TensorError, fmtShape } from '../core/errors.js'
import { type Retention, keepProbability } from './retention.js'
import { normAxes } from '../core/shape.js'
import type { Tensor } from '../core/tensor.js'
import { add, div, mul, where } from '../ad/ops/elementwise.js'
import type { Random } from '../random/random.js'
import * as R from '../random/random.js'

/** Where the test-time scaling lives: `'paper'` (scale by p at test time) or `'inverted'` (divide by p in training). @since 0.1.0 */
export type Convention = 'paper' | 'inverted'

/** Training mode: dropout draws masks. @since 0.1.0 */
export interface Train {
  readonly _tag: 'Train'
}
/** Evaluation mode: the deterministic, weight-scaled network. @since 0.1.0 */
export interface Eval {
  readonly _tag: 'Eval'
}
/** Train or Eval — an explicit mode, never a boolean flag. @since 0.1.0 */
export type Mode = Train | Eval
/**
 * The training mode: the network's masks are drawn, so `nn.mlp` in Train mode is a `Random` value.
 * @example
 * import { nn, random, ones } from 'grad-ts'
 * const spec = { sizes: [4, 3], dropout: { input: { keep: 0.5 }, hidden: { keep: 1 } } }
 * const p = random.evaluate(random.key(0))(nn.initMlp(spec))
 * const thinned = nn.mlp(spec, p, ones([1, 4]), nn.Train)
 * const [a, b] = [random.key(1), random.key(2)].map((k) => random.evaluate(k)(thinned).toTypedArray().join())
 * console.assert(nn.Train._tag === 'Train' && a !== b)
 * @since 0.1.0
 */
export const Train: Train = Object.freeze({ _tag: 'Train' })
/**
 * The evaluation mode: the deterministic network, each unit's outgoing weights scaled by its p (paper convention).
 * @example
 * import { nn, random, ones } from 'grad-ts'
 * const spec = { sizes: [4, 3], dropout: { input: { keep: 0.5 }, hidden: { keep: 1 } } }
 * const p = random.evaluate(random.key(0))(nn.initMlp(spec))
 * const a = nn.mlp(spec, p, ones([1, 4]), nn.Eval).toTypedArray().join()
 * console.assert(nn.Eval._tag === 'Eval' && a === nn.mlp(spec, p, ones([1, 4]), nn.Eval).toTypedArray().join())
 * @since 0.1.0
 */
export const Eval: Eval = Object.freeze({ _tag: 'Eval' })

/** How a dropout layer behaves. @since 0.1.0 */
export interface DropoutOptions {
  /** Default `'inverted'`, as in JAX/flax, TensorFlow and PyTorch. */
  readonly convention?: Convention
  /** Axes along which one mask value is shared (flax's `broadcast_dims`), e.g. `[0]` for one mask per feature across the batch. */
  readonly broadcastAxes?: readonly number[]
}

/**
 * The shape of the mask for an input of `shape`: size 1 on the broadcast axes.
 * @example
 * import { nn } from 'grad-ts'
 * console.assert(nn.maskShape([32, 10], [0]).join() === '1,10')
 * @since 0.1.0
 */
export const maskShape = (shape: readonly number[], broadcastAxes: readonly number[] = []): readonly number[] => {
  const axes = normAxes('dropout', broadcastAxes, shape.length)
  return shape.map((d, i) => (axes.includes(i) ? 1 : d))
}

/**
 * Applies a given keep-mask (bool, broadcastable to x): `where(mask, x, 0)` in
 * the paper's convention, `where(mask, x / p, 0)` in the inverted one. The
 * deterministic half of {@link dropout}, used by the exact laws that enumerate
 * every mask. Dropped units are exact zeros, never `0 · ∞`, so no NaN appears
 * even as p → 0.
 * @example
 * import { nn, tensor } from 'grad-ts'
 * const y = nn.applyMask(tensor([1, 2, 3, 4]), tensor([true, false, true, false]), { keep: 0.5 }, 'inverted')
 * console.assert(y.toTypedArray().join() === '2,0,6,0')
 * @since 0.1.0
 */
export const applyMask = (x: Tensor, mask: Tensor, r: Retention, convention: Convention = 'inverted'): Tensor => {
  if (mask.dtype !== 'bool') throw new TensorError('dropout', `the mask must be bool, got ${mask.dtype}${fmtShape(mask.shape)}`)
  const p = keepProbability(r)
  return where(mask, convention === 'inverted' && p !== 1 ? div(x, p) : x, 0)
}

/**
 * Draws a keep-mask for an input of `shape`: Bernoulli(p) on the mask shape, as
 * `jax.random.bernoulli(key, p, maskShape)`.
 * @example
 * import { nn, random } from 'grad-ts'
 * const m = random.evaluate(random.key(0))(nn.dropoutMask([2, 3], { keep: 0.5 }, [0]))
 * console.assert(m.dtype === 'bool' && m.shape.join() === '1,3')
 * @since 0.1.0
 */
export const dropoutMask = (shape: readonly number[], r: Retention, broadcastAxes: readonly number[] = []): Random<Tensor> =>
  R.bernoulliR(keepProbability(r), maskShape(shape, broadcastAxes))

/**
 * Training-time dropout: a `Random<Tensor>` that draws one mask and applies it.
 * With keep = 1 it is the identity and draws nothing (like flax's `rate == 0`).
 * @example
 * import { nn, random, ones } from 'grad-ts'
 * const y = random.evaluate(random.key(0))(nn.dropout({ keep: 0.5 })(ones([1000])))
 * const kept = y.toTypedArray().filter((v) => v !== 0)
 * console.assert(kept.every((v) => v === 2) && kept.length > 400 && kept.length < 600)
 * @since 0.1.0
 */
export const dropout = (r: Retention, options: DropoutOptions = {}): ((x: Tensor) => Random<Tensor>) => {
  checkDropout('dropout', r, options)
  return dropoutIn(Train, r, options)
}

/** Validates a retention and dropout options when a dropout function is made, not when it is applied; returns p. */
const checkDropout = (op: string, r: Retention, options: DropoutOptions): number => {
  const p = keepProbability(r, op)
  const { convention, broadcastAxes } = options
  if (!([undefined, 'paper', 'inverted'] as readonly unknown[]).includes(convention)) throw new TensorError(op, `convention must be 'paper' or 'inverted', got ${String(convention)}`)
  if (broadcastAxes !== undefined) {
    if (!Array.isArray(broadcastAxes) || broadcastAxes.some((a) => !Number.isInteger(a))) throw new TensorError(op, `broadcastAxes must be an array of integer axes, got ${String(broadcastAxes)}`)
    if (new Set(broadcastAxes).size !== broadcastAxes.length) throw new TensorError(op, `broadcastAxes [${broadcastAxes.join(',')}] repeats an axis`)
  }
  return p
}

/**
 * Test-time dropout: `p · x` in the paper's convention, `x` in the inverted one.
 * @example
 * import { nn, tensor } from 'grad-ts'
 * console.assert(nn.dropoutEval({ keep: 0.5 }, { convention: 'paper' })(tensor([4])).item() === 2)
 * console.assert(nn.dropoutEval({ keep: 0.5 })(tensor([4])).item() === 4)
 * @since 0.1.0
 */
export const dropoutEval = (r: Retention, options: DropoutOptions = {}): ((x: Tensor) => Tensor) => {
  const p = checkDropout('dropoutEval', r, options)
  return (x) => ((options.convention ?? 'inverted') === 'paper' && p !== 1 ? mul(x, p) : x)
}

/**
 * Dropout in a given mode, as one `Random` value: a mask in `Train`, the
 * test-time scaling (drawing nothing) in `Eval`.
 * @example
 * import { nn, random, tensor } from 'grad-ts'
 * const y = random.evaluate(random.key(0))(nn.dropoutIn(nn.Eval, { rate: 0.5 }, { convention: 'paper' })(tensor([4])))
 * console.assert(y.item() === 2)
 * @since 0.1.0
 */
export const dropoutIn = (mode: Mode, r: Retention, options: DropoutOptions = {}): ((x: Tensor) => Random<Tensor>) => {
  const withMask = dropoutWithMaskAs('dropoutIn', mode, r, options)
  return (x) => R.map(([y]: readonly [Tensor, Tensor | null]) => y)(withMask(x))
}

/**
 * Dropout in a given mode with the mask it drew: `[output, mask]`, the mask
 * `null` when nothing is drawn (`Eval`, or keep = 1). The one definition
 * behind `dropout`, `dropoutIn` and `nn.mlpTrace`'s masks.
 * @example
 * import { nn, random, ones } from 'grad-ts'
 * const [y, mask] = random.evaluate(random.key(0))(nn.dropoutWithMask(nn.Train, { keep: 0.5 })(ones([8])))
 * const same = random.evaluate(random.key(0))(nn.dropoutMask([8], { keep: 0.5 }))
 * const bits = mask?.toTypedArray() ?? []
 * console.assert(bits.join() === same.toTypedArray().join())
 * console.assert(y.toTypedArray().every((v, i) => v === (bits[i] === 1 ? 2 : 0)))  // inverted: kept units × 1/p
 * @since 0.1.0
 */
export const dropoutWithMask = (mode: Mode, r: Retention, options: DropoutOptions = {}): ((x: Tensor) => Random<readonly [Tensor, Tensor | null]>) =>
  dropoutWithMaskAs('dropoutWithMask', mode, r, options)

const dropoutWithMaskAs = (op: string, mode: Mode, r: Retention, options: DropoutOptions): ((x: Tensor) => Random<readonly [Tensor, Tensor | null]>) => {
  const p = checkDropout(op, r, options)
  if (!(['Eval', 'Train'] as readonly unknown[]).includes((mode as { _tag?: unknown })._tag)) throw new TensorError(op, `mode must be nn.Train or nn.Eval, got ${String((mode as { _tag?: unknown })._tag)}`)
  const evalNet = dropoutEval(r, options)
  return (x) => {
    if (mode._tag === 'Eval') return R.of([evalNet(x), null])
    if (p === 1) return R.of([x, null])
    return R.map((m: Tensor) => [applyMask(x, m, r, options.convention), m] as const)(dropoutMask(x.shape, r, options.broadcastAxes))
  }
}

/**
 * Scales a trained weight matrix for the paper's test-time network: each
 * unit's *outgoing* weights are multiplied by that unit's retention p. With
 * y = x·W (W of shape [in, out]) the outgoing weights of input unit i are row i,
 * so this is `p · W` — a single p per layer scales every row alike.
 * @example
 * import { nn, tensor } from 'grad-ts'
 * console.assert(nn.scaleOutgoing(tensor([[2, 4]]), { keep: 0.5 }).toTypedArray().join() === '1,2')
 * @since 0.1.0
 */
export const scaleOutgoing = (w: Tensor, r: Retention): Tensor => {
  const p = keepProbability(r)
  return p === 1 ? w : mul(w, p)
}

/**
 * Gaussian dropout (paper §10): multiplies by r ~ N(1, σ²) with σ² = (1 − p)/p,
 * which has the mean and variance of Bernoulli(p)/p; the test-time network is
 * the identity.
 * @example
 * import { nn, random, ones, mean } from 'grad-ts'
 * const y = random.evaluate(random.key(1))(nn.gaussianDropout({ keep: 0.5 })(ones([20000], 'float64')))
 * console.assert(Math.abs(mean(y).item() - 1) < 0.05)
 * @since 0.1.0
 */
export const gaussianDropout = (r: Retention, options: Pick<DropoutOptions, 'broadcastAxes'> = {}): ((x: Tensor) => Random<Tensor>) => {
  const p = checkDropout('gaussianDropout', r, options)
  const sigma = Math.sqrt((1 - p) / p)
  return (x) => {
    if (p === 1) return R.of(x)
    const dtype = x.dtype === 'float64' ? 'float64' : 'float32'
    return R.map((eps: Tensor) => mul(x, add(mul(eps, sigma), 1)))(R.normalR(maskShape(x.shape, options.broadcastAxes), dtype))
  }
}
