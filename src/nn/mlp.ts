/**
 * Dense layers and multilayer perceptrons, as plain functions over parameter
 * trees. Initialisation draws from a key (`Random`); the forward pass takes an
 * explicit mode and returns a `Random` value in `Train` when dropout is on.
 */
import { describe } from '../core/check.js'
import { TensorError, fmtShape } from '../core/errors.js'
import type { FloatDType } from '../core/dtype.js'
import { type Tensor, tensorArg, zeros } from '../core/tensor.js'
import { add, mul, relu, sigmoid, tanh } from '../ad/ops/elementwise.js'
import { elu, gelu, leakyRelu, silu, softplus } from '../ad/ops/activations.js'
import { matmul } from '../ad/ops/matmul.js'
import type { Random } from '../random/random.js'
import * as R from '../random/random.js'
import { key } from '../random/key.js'
import { type Convention, type Eval, type Mode, type Train, dropoutWithMask, scaleOutgoing } from './dropout.js'
import { type Retention, keepProbability } from './retention.js'

/** Parameters of one dense layer y = x·w + b, w of shape [in, out]. @since 0.1.0 */
// Type aliases, not interfaces: an interface has no index signature, so it is not a `Tree`.
export type Dense = {
  readonly w: Tensor
  readonly b: Tensor
}
/** Parameters of an MLP: its dense layers, input side first. @since 0.1.0 */
export type MlpParams = {
  readonly layers: readonly Dense[]
}

/**
 * Hidden-unit nonlinearities, each the `jax.nn` function of that name with
 * its defaults: `'gelu'` is `jax.nn.gelu(x)` (approximate = true, the tanh
 * form), `'elu'` has alpha 1, `'leakyRelu'` (`jax.nn.leaky_relu`) a negative
 * slope of 0.01. @since 0.1.0
 */
export type Activation = 'relu' | 'sigmoid' | 'tanh' | 'gelu' | 'silu' | 'elu' | 'leakyRelu' | 'softplus'

const ACTIVATIONS: { readonly [A in Activation]: (z: Tensor) => Tensor } = {
  relu,
  sigmoid,
  tanh,
  gelu: (z) => gelu(z),
  silu,
  elu: (z) => elu(z),
  leakyRelu: (z) => leakyRelu(z),
  softplus,
}

/** Dropout on the inputs and on every hidden layer, in one convention. @since 0.1.0 */
export interface MlpDropout {
  readonly input: Retention
  readonly hidden: Retention
  readonly convention?: Convention
}

/** The architecture of an MLP. @since 0.1.0 */
export interface MlpSpec {
  /** Layer widths, inputs first and outputs last, e.g. `[784, 1024, 1024, 10]`. */
  readonly sizes: readonly number[]
  readonly activation?: Activation
  readonly dropout?: MlpDropout
}

/** Weight initialisers: N(0, 1/fan_in) as in the paper's recipe, Glorot (Xavier) normal, He normal. @since 0.1.0 */
export type Initializer = 'normal' | 'glorot' | 'he'

/** The initialiser's σ for the given fans (shared with `initConv`). @internal */
export const initStddev = (init: Initializer, fanIn: number, fanOut: number): number =>
  init === 'normal' ? Math.sqrt(1 / fanIn) : init === 'glorot' ? Math.sqrt(2 / (fanIn + fanOut)) : Math.sqrt(2 / fanIn)

/**
 * A dense layer `[fanIn, fanOut]` with weights drawn N(0, σ²) by the
 * initialiser and zero biases.
 * @example
 * import { nn, random } from 'grad-ts'
 * const d = random.evaluate(random.key(0))(nn.dense(784, 10))
 * console.assert(d.w.shape.join() === '784,10' && d.b.shape.join() === '10')
 * @since 0.1.0
 */
export const dense = (fanIn: number, fanOut: number, init: Initializer = 'normal', dtype: FloatDType = 'float32'): Random<Dense> => {
  if (!Number.isSafeInteger(fanIn) || !Number.isSafeInteger(fanOut) || fanIn < 1 || fanOut < 1) {
    throw new TensorError('dense', `layer sizes must be positive integers, got ${fanIn} × ${fanOut}`)
  }
  const s = initStddev(init, fanIn, fanOut)
  return R.map((w: Tensor): Dense => ({ w: mul(w, s), b: zeros([fanOut], dtype) }))(R.normalR([fanIn, fanOut], dtype))
}

/**
 * A dense layer's output `x·w + b` (flax's `Dense.apply`): `x` `[..., in]`,
 * `w` `[in, out]`, `b` `[out]`, the result `[..., out]`. The one definition of
 * a dense layer: {@link mlp} applies its layers with it.
 * @example
 * import { nn, tensor } from 'grad-ts'
 * const layer = { w: tensor([[1, 2], [3, 4]]), b: tensor([10, 20]) }
 * console.assert(nn.applyDense(layer, tensor([[1, 1]])).toTypedArray().join() === '14,26')
 * @since 0.2.0
 */
export const applyDense = (layer: Dense, x: Tensor): Tensor => {
  const op = 'applyDense'
  const given: unknown = layer
  if (typeof given !== 'object' || given === null) throw new TensorError(op, `layer must be { w, b }, got ${describe(layer)}`)
  const w = tensorArg(op, 'layer.w', layer.w)
  const b = tensorArg(op, 'layer.b', layer.b)
  tensorArg(op, 'x', x)
  if (w.rank !== 2) throw new TensorError(op, `layer.w must be a matrix [in, out], got ${fmtShape(w.shape)}`)
  if (b.rank !== 1 || b.shape[0] !== w.shape[1]) throw new TensorError(op, `layer.b${fmtShape(b.shape)} must have the shape [${w.shape[1]}] of layer.w${fmtShape(w.shape)}'s outputs`)
  if (x.rank < 1 || x.shape[x.rank - 1] !== w.shape[0]) throw new TensorError(op, `x${fmtShape(x.shape)} must end in the ${w.shape[0]} inputs of layer.w${fmtShape(w.shape)}`)
  return add(matmul(x, w), b)
}

const checkSpec = (spec: MlpSpec): void => {
  if (spec.sizes.length < 2 || spec.sizes.some((n) => !Number.isSafeInteger(n) || n < 1)) {
    throw new TensorError('mlp', `sizes must list at least two positive integers, got [${spec.sizes.join(',')}]`)
  }
  const a: unknown = spec.activation
  if (a !== undefined && !(typeof a === 'string' && Object.hasOwn(ACTIVATIONS, a))) {
    throw new TensorError('mlp', `activation must be one of ${Object.keys(ACTIVATIONS).map((k) => `'${k}'`).join(', ')}, got ${describe(a)}`)
  }
  if (spec.dropout) {
    keepProbability(spec.dropout.input, 'mlp')
    keepProbability(spec.dropout.hidden, 'mlp')
  }
}

/**
 * Draws the parameters of an MLP, one layer after another from the key stream.
 * @example
 * import { nn, random } from 'grad-ts'
 * const p = random.evaluate(random.key(0))(nn.initMlp({ sizes: [4, 8, 3] }))
 * console.assert(p.layers.length === 2 && p.layers[1]!.w.shape.join() === '8,3')
 * @since 0.1.0
 */
export const initMlp = (spec: MlpSpec, init: Initializer = 'normal', dtype: FloatDType = 'float32'): Random<MlpParams> => {
  checkSpec(spec)
  const layers = spec.sizes.slice(1).map((n, i) => dense(spec.sizes[i]!, n, init, dtype))
  return R.map((ls: readonly Dense[]): MlpParams => ({ layers: ls }))(R.traverseArray((d: Random<Dense>) => d)(layers))
}

/** The output of an MLP, the activations of its hidden layers, and the dropout masks it drew. @since 0.1.0 */
export interface MlpTrace {
  readonly logits: Tensor
  /** Each hidden layer's activations, after the nonlinearity and before dropout. */
  readonly hidden: readonly Tensor[]
  /**
   * The keep-masks (bool, the shape of the layer's input) in the order they
   * were drawn: the input's, then each hidden layer's. Empty without a
   * `dropout` spec; `null` where nothing was drawn (Eval mode, or keep = 1).
   */
  readonly masks: readonly (Tensor | null)[]
}

/**
 * The forward pass with its hidden activations, as a `Random` value: masks are
 * drawn in `Train` mode (input dropout first, then one mask per hidden layer);
 * nothing is drawn in `Eval` mode.
 * @example
 * import { nn, random, ones } from 'grad-ts'
 * const spec = { sizes: [4, 8, 3], dropout: { input: { keep: 0.8 }, hidden: { keep: 0.5 } } }
 * const p = random.evaluate(random.key(0))(nn.initMlp(spec))
 * const t = random.evaluate(random.key(1))(nn.mlpTrace(spec, p, ones([2, 4]), nn.Train))
 * console.assert(t.logits.shape.join() === '2,3' && t.hidden.length === 1)
 * // The masks are the ones nn.dropoutMask draws from the same key, input first.
 * const [input, hidden] = random.evaluate(random.key(1))(random.sequenceT(nn.dropoutMask([2, 4], { keep: 0.8 }), nn.dropoutMask([2, 8], { keep: 0.5 })))
 * console.assert(t.masks[0]!.toTypedArray().join() === input.toTypedArray().join())
 * console.assert(t.masks[1]!.toTypedArray().join() === hidden.toTypedArray().join())
 * @since 0.1.0
 */
export const mlpTrace =
  (spec: MlpSpec, params: MlpParams, x: Tensor, mode: Mode): Random<MlpTrace> =>
  (key) => {
    checkSpec(spec)
    if (params.layers.length !== spec.sizes.length - 1) throw new TensorError('mlp', `the spec has ${spec.sizes.length - 1} layers, the parameters ${params.layers.length}`)
    const d = spec.dropout
    const opts = { convention: d?.convention ?? 'inverted' }
    let k = key
    const masks: (Tensor | null)[] = []
    const drop = (h: Tensor, r: Retention): Tensor => {
      const [[y, m], next] = dropoutWithMask(mode, r, opts)(h)(k)
      k = next
      masks.push(m)
      return y
    }
    let h = d ? drop(x, d.input) : x
    const hidden: Tensor[] = []
    params.layers.forEach((layer, i) => {
      const z = applyDense(layer, h)
      if (i === params.layers.length - 1) {
        h = z
        return
      }
      const a = ACTIVATIONS[spec.activation ?? 'relu'](z)
      hidden.push(a)
      h = d ? drop(a, d.hidden) : a
    })
    return [{ logits: h, hidden, masks }, k]
  }

/**
 * The MLP's logits. In `Train` mode a `Random<Tensor>` (dropout masks are drawn);
 * in `Eval` mode a plain tensor (the weight-scaled network).
 * @example
 * import { nn, random, ones } from 'grad-ts'
 * const spec = { sizes: [4, 8, 3], dropout: { input: { keep: 0.8 }, hidden: { keep: 0.5 } } }
 * const p = random.evaluate(random.key(0))(nn.initMlp(spec))
 * const test = nn.mlp(spec, p, ones([2, 4]), nn.Eval)
 * const train = random.evaluate(random.key(1))(nn.mlp(spec, p, ones([2, 4]), nn.Train))
 * console.assert(test.shape.join() === train.shape.join())
 * @since 0.1.0
 */
export function mlp(spec: MlpSpec, params: MlpParams, x: Tensor, mode: Train): Random<Tensor>
export function mlp(spec: MlpSpec, params: MlpParams, x: Tensor, mode: Eval): Tensor
export function mlp(spec: MlpSpec, params: MlpParams, x: Tensor, mode: Mode): Random<Tensor> | Tensor {
  const r = R.map((t: MlpTrace) => t.logits)(mlpTrace(spec, params, x, mode))
  return mode._tag === 'Train' ? r : R.evaluate(EVAL_KEY)(r)
}
// Eval mode draws nothing, so any key serves; this one is never consumed.
const EVAL_KEY = key(0)

/**
 * The paper's test-time weights for a network trained with dropout in the
 * paper's convention: each layer's weights are scaled by the retention of the
 * units feeding it (p_input for the first layer, p_hidden after). The result
 * is a plain MLP: `mlp(plain, scaled, x, Eval)` equals `mlp(spec, params, x, Eval)`.
 * With the inverted convention the weights are already test-time weights.
 * @example
 * import { nn, random, ones } from 'grad-ts'
 * const spec = { sizes: [4, 3], dropout: { input: { keep: 0.5 }, hidden: { keep: 0.5 }, convention: 'paper' as const } }
 * const p = random.evaluate(random.key(0))(nn.initMlp(spec))
 * const { spec: plain, params: scaled } = nn.scaleWeights(spec, p)
 * const a = nn.mlp(spec, p, ones([1, 4]), nn.Eval).toTypedArray()
 * const b = nn.mlp(plain, scaled, ones([1, 4]), nn.Eval).toTypedArray()
 * console.assert(a.every((v, i) => Math.abs(v - b[i]!) < 1e-6))
 * @since 0.1.0
 */
export const scaleWeights = (spec: MlpSpec, params: MlpParams): { readonly spec: MlpSpec; readonly params: MlpParams } => {
  const d = spec.dropout
  const plain: MlpSpec = { sizes: spec.sizes, ...(spec.activation ? { activation: spec.activation } : {}) }
  if (!d || (d.convention ?? 'inverted') === 'inverted') return { spec: plain, params }
  return {
    spec: plain,
    params: { layers: params.layers.map((l, i) => ({ w: scaleOutgoing(l.w, i === 0 ? d.input : d.hidden), b: l.b })) },
  }
}
