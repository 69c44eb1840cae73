/**
 * From a decoded training config (`io.decodeTrainingConfig`) to the update
 * step it describes: the optimizer with its schedules, weight decay added to
 * the gradient first, and max-norm on every weight matrix (leaves named `w`)
 * after the update. Types only come from `io`; nothing here decodes.
 */
import type { OptimizerConfig, ScheduleConfig, TrainingConfig } from '../io/config.js'
import { maxNorm, onLeaves } from './projection.js'
import { adam, adamw, addWeightDecay, momentum, sgd } from './optimizers.js'
import { adagrad, rmsprop } from './adaptive.js'
import { clipByGlobalNorm } from './clip.js'
import { type Schedule, constant, cosineDecay, exponentialDecay, inverseTime, join, linear, momentumRamp, piecewiseConstant, warmupCosineDecay } from './schedule.js'
import { type GradientTransformation, type ProjectedStep, chain, step } from './transform.js'

/**
 * The schedule a config describes.
 * @example
 * import { io, optim } from 'grad-ts'
 * const config = io.decodeScheduleConfig({ type: 'inverseTime', initial: 1, timescale: 10000 })
 * if (config._tag === 'Left') throw new Error(config.left.message)
 * const lr = optim.scheduleFromConfig(config.right)
 * console.assert(lr(0) === 1 && lr(10000) === 0.5)
 * @since 0.1.0
 */
export const scheduleFromConfig = (s: ScheduleConfig): Schedule => {
  switch (s.type) {
    case 'constant':
      return constant(s.value)
    case 'exponentialDecay':
      return exponentialDecay(s.initial, s.transitionSteps, s.decayRate)
    case 'inverseTime':
      return inverseTime(s.initial, s.timescale)
    case 'momentumRamp':
      return momentumRamp(s.initial, s.final, s.timescale)
    case 'linear':
      return linear(s.initValue, s.endValue, s.transitionSteps, s.transitionBegin)
    case 'cosineDecay':
      return cosineDecay(s.initValue, s.decaySteps, s.alpha, s.exponent)
    case 'warmupCosineDecay':
      return warmupCosineDecay(s.initValue, s.peakValue, s.warmupSteps, s.decaySteps, s.endValue, s.exponent)
    case 'piecewiseConstant':
      return piecewiseConstant(s.initValue, s.boundariesAndScales)
    case 'join':
      return join(s.schedules.map(scheduleFromConfig), s.boundaries)
  }
}

/**
 * The gradient transformation of an optimizer config; schedules, when given,
 * replace its constant learning rate and momentum (of momentum and
 * rmsprop). A `clipByGlobalNorm` c puts `clipByGlobalNorm(c)` first:
 * `chain(clipByGlobalNorm(c), optimizer)`, as optax chains them.
 * @example
 * import { io, optim, tensor } from 'grad-ts'
 * const config = io.decodeOptimizerConfig({ type: 'sgd', learningRate: 0.5 })
 * if (config._tag === 'Left') throw new Error(config.left.message)
 * const tx = optim.optimizerFromConfig(config.right)
 * const w = tensor([1, 2])
 * const [u] = tx.update(tensor([2, 4]), tx.init(w), w)
 * console.assert(u.toTypedArray().join() === '-1,-2')
 * @since 0.1.0
 */
export const optimizerFromConfig = (
  o: OptimizerConfig,
  schedules: { readonly learningRate?: ScheduleConfig; readonly momentum?: ScheduleConfig } = {},
): GradientTransformation<unknown> => {
  const tx = baseOptimizer(o, schedules)
  return o.clipByGlobalNorm === undefined ? tx : chain(clipByGlobalNorm(o.clipByGlobalNorm), tx)
}

const baseOptimizer = (
  o: OptimizerConfig,
  schedules: { readonly learningRate?: ScheduleConfig; readonly momentum?: ScheduleConfig },
): GradientTransformation<unknown> => {
  const lr = schedules.learningRate ? scheduleFromConfig(schedules.learningRate) : o.learningRate
  const m = schedules.momentum ? scheduleFromConfig(schedules.momentum) : undefined
  // The config's optional fields are the optimizer's own options: absent stays absent (its default).
  switch (o.type) {
    case 'sgd':
      return sgd(lr)
    case 'momentum': {
      const { type: _, clipByGlobalNorm: __, ...options } = o
      return momentum({ ...options, learningRate: lr, momentum: m ?? o.momentum })
    }
    case 'adam': {
      const { type: _, clipByGlobalNorm: __, ...options } = o
      return adam({ ...options, learningRate: lr })
    }
    case 'rmsprop': {
      const { type: _, clipByGlobalNorm: __, momentum: ___, ...options } = o
      const mo = m ?? o.momentum
      return rmsprop({ ...options, learningRate: lr, ...(mo === undefined ? {} : { momentum: mo }) })
    }
    case 'adagrad': {
      const { type: _, clipByGlobalNorm: __, ...options } = o
      return adagrad({ ...options, learningRate: lr })
    }
    case 'adamw': {
      const { type: _, clipByGlobalNorm: __, ...options } = o
      return adamw({ ...options, learningRate: lr })
    }
  }
}

/**
 * The whole update step of a training config: weight decay (if any), the
 * optimizer with its schedules, then max-norm c on each unit's incoming
 * weights (column j of every leaf named `w`) if `maxNorm` is set.
 * @example
 * import { io, optim, tensor } from 'grad-ts'
 * const config = io.decodeTrainingConfig({
 *   layers: [2, 1], activation: 'relu', keep: { input: 1, hidden: 1 }, maxNorm: 1,
 *   optimizer: { type: 'sgd', learningRate: 1 }, batchSize: 1, epochs: 1, seed: 0,
 * })
 * if (config._tag === 'Left') throw new Error(config.left.message)
 * const update = optim.fromConfig(config.right)
 * const p = { w: tensor([[0], [0]]), b: tensor([0]) }
 * const [q] = update(p, update.init(p), { w: tensor([[-3], [-4]]), b: tensor([0]) })
 * console.assert(q.w.toTypedArray().join() === '0.6000000238418579,0.800000011920929')
 * @since 0.1.0
 */
export const fromConfig = (c: TrainingConfig): ProjectedStep<unknown> => {
  const tx = optimizerFromConfig(c.optimizer, c.schedules ?? {})
  const withDecay = c.weightDecay === undefined || c.weightDecay === 0 ? tx : (chain(addWeightDecay(c.weightDecay), tx) as GradientTransformation<unknown>)
  return c.maxNorm === undefined ? step(withDecay) : step(withDecay, onLeaves(/(^|\.)w$/, maxNorm({ c: c.maxNorm })))
}

