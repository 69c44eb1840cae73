/**
 * Optimizers and constraints, imported as the `optim` namespace of grad-ts:
 * projections (max-norm), pure gradient transformations in optax's pattern
 * (sgd, momentum, adam, adamw, rmsprop, adagrad, weight decay, global-norm
 * clipping, composed with `chain`), schedules, and
 * the projected step update → apply → project.
 *
 * @example
 * import { optim, grad, matmul, mean, square, sub, tensor, type Tensor } from 'grad-ts'
 * type Params = { w: Tensor; b: Tensor }
 * const loss = (p: Params, x: Tensor, y: Tensor) => mean(square(sub(matmul(x, p.w), y)))
 * // The paper's recipe: inverse-time learning rate, momentum ramp, max-norm 3 on weights.
 * const train = optim.step(
 *   optim.momentum({ learningRate: optim.inverseTime(0.1, 1e4), momentum: optim.momentumRamp(0.5, 0.99, 1e5) }),
 *   optim.onLeaves(/(^|\.)w$/, optim.maxNorm({ c: 3 })),
 * )
 * const x = tensor([[1, 0], [0, 1], [1, 1]])
 * const y = tensor([[2], [-1], [1]])
 * let params: Params = { w: tensor([[0], [0]]), b: tensor([0]) }
 * let state = train.init(params)
 * for (let i = 0; i < 50; i++) [params, state] = train(params, state, grad(loss)(params, x, y))
 * console.assert(loss(params, x, y).item() < 1e-2 && state[0].count === 50)
 * @since 0.1.0
 *
 * @module
 */
export {
  type Projection,
  type LeafSelector,
  type MaxNormOptions,
  getProjectionMonoid,
  onLeaves,
  maxNorm,
} from './projection.js'
export {
  type GradientTransformation,
  type EmptyState,
  type StateOf,
  type ChainState,
  type ProjectedStep,
  identity,
  chain,
  applyUpdates,
  step,
} from './transform.js'
export {
  type CountState,
  type TraceState,
  type AdamState,
  type TraceOptions,
  type ScaleByAdamOptions,
  type MomentumOptions,
  type AdamOptions,
  type AdamWOptions,
  scale,
  scaleByLearningRate,
  trace,
  scaleByAdam,
  addWeightDecay,
  sgd,
  momentum,
  adam,
  adamw,
} from './optimizers.js'
export {
  type RmsState,
  type StddevState,
  type RssState,
  type ScaleByRmsOptions,
  type ScaleByRssOptions,
  type RmspropOptions,
  type AdagradOptions,
  scaleByRms,
  scaleByStddev,
  scaleByRss,
  rmsprop,
  adagrad,
} from './adaptive.js'
export { globalNorm, clipByGlobalNorm } from './clip.js'
export { type Mask, type MaskOption } from './mask.js'
export {
  type Schedule,
  constant,
  exponentialDecay,
  inverseTime,
  momentumRamp,
  linear,
  cosineDecay,
  warmupCosineDecay,
  piecewiseConstant,
  join,
} from './schedule.js'
export { scheduleFromConfig, optimizerFromConfig, fromConfig } from './config.js'
