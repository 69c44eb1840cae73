/**
 * Schedules: a hyperparameter as a function of the step count t = 0, 1, 2, …
 * (the number of updates made before this one, so the first update sees t = 0,
 * as in optax). Optimizers take a number or a schedule wherever the paper
 * lets a value change during training (learning rate, momentum).
 */
import { describe, isArray } from '../core/check.js'
import { TensorError } from '../core/errors.js'

/**
 * A hyperparameter per step: t ↦ value, with t the number of earlier
 * updates. Why: any function of t is a schedule; no class to extend.
 *
 * @example
 * import { optim } from 'grad-ts'
 * const warmup: optim.Schedule = (t) => Math.min(1, (t + 1) / 100)
 * console.assert(warmup(0) === 0.01 && optim.sgd(warmup).init({}).count === 0)
 * @since 0.1.0
 */
export type Schedule = (step: number) => number

const finite = (op: string, name: string, v: number): number => {
  if (!Number.isFinite(v)) throw new TensorError(op, `${name} must be a finite number, got ${v}`)
  return v
}
const positive = (op: string, name: string, v: number): number => {
  if (!(Number.isFinite(v) && v > 0)) throw new TensorError(op, `${name} must be a positive finite number, got ${v}`)
  return v
}

/**
 * The same value at every step: vₜ = value. Why: lets every option take a
 * schedule without special cases.
 *
 * @example
 * import { optim } from 'grad-ts'
 * const s = optim.constant(0.1)
 * console.assert(s(0) === 0.1 && s(1e6) === 0.1)
 * @since 0.1.0
 */
export const constant = (value: number): Schedule => {
  finite('optim.constant', 'value', value)
  return () => value
}

/**
 * Exponential decay, optax's `exponential_decay` (same argument order) without
 * staircase: vₜ = initial · decayRate^(t / transitionSteps). Why: the paper's conv-net
 * runs decay the learning rate by a fixed factor per epoch.
 *
 * @example
 * import { optim } from 'grad-ts'
 * const s = optim.exponentialDecay(10, 100, 0.5)
 * console.assert(s(0) === 10 && s(100) === 5 && s(200) === 2.5)
 * @since 0.1.0
 */
export const exponentialDecay = (initial: number, transitionSteps: number, decayRate: number): Schedule => {
  const op = 'optim.exponentialDecay'
  finite(op, 'initial', initial)
  positive(op, 'transitionSteps', transitionSteps)
  positive(op, 'decayRate', decayRate)
  return (t) => initial * decayRate ** (t / transitionSteps)
}

/**
 * Inverse-time decay: εₜ = ε₀ / (1 + t/T), with ε₀ = `initial` and
 * T = `timescale`. Why: the first author's MNIST recipe uses
 * εₜ = 1.0/(1 + t/10000), i.e. `inverseTime(1, 10000)`.
 *
 * @example
 * import { optim } from 'grad-ts'
 * const s = optim.inverseTime(1, 10000)
 * console.assert(s(0) === 1 && s(10000) === 0.5 && s(30000) === 0.25)
 * @since 0.1.0
 */
export const inverseTime = (initial: number, timescale: number): Schedule => {
  const op = 'optim.inverseTime'
  finite(op, 'initial', initial)
  positive(op, 'timescale', timescale)
  return (t) => initial / (1 + t / timescale)
}

/**
 * The momentum ramp used with dropout: mₜ = m_max − (m_max − m₀)·e^(−t/T),
 * with m₀ = `initial`, m_max = `final` and T = `timescale`. Why: the paper
 * starts momentum low and raises it towards 0.99 (recipe:
 * mₜ = 0.99 − 0.49·e^(−t/100000), i.e. `momentumRamp(0.5, 0.99, 100000)`).
 *
 * @example
 * import { optim } from 'grad-ts'
 * const m = optim.momentumRamp(0.5, 0.99, 100000)
 * console.assert(m(0) === 0.5 && Math.abs(m(100000) - (0.99 - 0.49 / Math.E)) < 1e-15)
 * @since 0.1.0
 */
export const momentumRamp = (initial: number, final: number, timescale: number): Schedule => {
  const op = 'optim.momentumRamp'
  finite(op, 'initial', initial)
  finite(op, 'final', final)
  positive(op, 'timescale', timescale)
  return (t) => final - (final - initial) * Math.exp(-t / timescale)
}

const steps = (op: string, name: string, v: number): number => {
  if (!(Number.isInteger(v) && v >= 0)) throw new TensorError(op, `${name} must be a non-negative integer, got ${v}`)
  return v
}

/**
 * A linear ramp from `initValue` to `endValue` (optax's `linear_schedule`):
 * vₜ = I + (E − I)·clip(t − B, 0, T)/T with B = `transitionBegin`, T =
 * `transitionSteps`: I until step B, E from step B + T on. T = 0 is the
 * constant I, as in optax. Deviation: a negative T or B is an error (optax
 * logs it and treats it as 0). Why: learning-rate warm-up, and the first
 * half of {@link warmupCosineDecay}.
 *
 * @example
 * import { optim } from 'grad-ts'
 * const s = optim.linear(0, 1, 4, 2)
 * console.assert([0, 2, 3, 4, 6, 100].map(s).join() === '0,0,0.25,0.5,1,1')
 * @since 0.2.0
 */
export const linear = (initValue: number, endValue: number, transitionSteps: number, transitionBegin = 0): Schedule => {
  const op = 'optim.linear'
  finite(op, 'initValue', initValue)
  finite(op, 'endValue', endValue)
  steps(op, 'transitionSteps', transitionSteps)
  steps(op, 'transitionBegin', transitionBegin)
  if (transitionSteps === 0) return () => initValue
  return (t) => {
    const frac = 1 - Math.min(Math.max(t - transitionBegin, 0), transitionSteps) / transitionSteps
    return (initValue - endValue) * frac + endValue
  }
}

/**
 * Cosine decay (Loshchilov & Hutter 2017; optax's `cosine_decay_schedule`):
 * vₜ = initValue·((1 − α)·c^p + α), c = ½(1 + cos(π·min(t, T)/T)), with
 * T = `decaySteps` > 0, α = `alpha` and p = `exponent`: from initValue down
 * to α·initValue at step T, then constant. Why: the second half of
 * {@link warmupCosineDecay}.
 *
 * @example
 * import { optim } from 'grad-ts'
 * const s = optim.cosineDecay(2, 10, 0.5)
 * console.assert(s(0) === 2 && Math.abs(s(5) - 1.5) < 1e-15 && s(10) === 1 && s(20) === 1)
 * @since 0.2.0
 */
export const cosineDecay = (initValue: number, decaySteps: number, alpha = 0, exponent = 1): Schedule => cosineDecayAs('optim.cosineDecay', initValue, decaySteps, alpha, exponent)

const cosineDecayAs = (op: string, initValue: number, decaySteps: number, alpha: number, exponent: number): Schedule => {
  finite(op, 'initValue', initValue)
  positive(op, 'decaySteps', decaySteps)
  finite(op, 'alpha', alpha)
  finite(op, 'exponent', exponent)
  return (t) => {
    const c = 0.5 * (1 + Math.cos((Math.PI * Math.min(t, decaySteps)) / decaySteps))
    return initValue * ((1 - alpha) * c ** exponent + alpha)
  }
}

/**
 * Linear warm-up, then cosine decay (optax's `warmup_cosine_decay_schedule`,
 * same argument order): {@link linear} from `initValue` to `peakValue` over
 * the first `warmupSteps` steps, then {@link cosineDecay} from `peakValue`
 * to `endValue` over the remaining `decaySteps − warmupSteps` (so
 * `decaySteps` counts the warm-up too), then `endValue`. As in optax, the
 * decay uses α = endValue/peakValue, so a zero `peakValue` decays to 0, not
 * to `endValue`; an α that overflows (a tiny `peakValue`) is an error.
 * Why: the usual schedule of transformer and ResNet training.
 *
 * @example
 * import { optim } from 'grad-ts'
 * const s = optim.warmupCosineDecay(0, 1, 10, 110, 0.1)
 * console.assert(s(0) === 0 && s(5) === 0.5 && s(10) === 1 && Math.abs(s(60) - 0.55) < 1e-15 && Math.abs(s(110) - 0.1) < 1e-15)
 * @since 0.2.0
 */
export const warmupCosineDecay = (initValue: number, peakValue: number, warmupSteps: number, decaySteps: number, endValue = 0, exponent = 1): Schedule => {
  const op = 'optim.warmupCosineDecay'
  finite(op, 'initValue', initValue)
  finite(op, 'peakValue', peakValue)
  steps(op, 'warmupSteps', warmupSteps)
  finite(op, 'endValue', endValue)
  if (!(Number.isFinite(decaySteps) && decaySteps > warmupSteps)) {
    throw new TensorError(op, `decaySteps must be a finite number greater than warmupSteps (${warmupSteps}), got ${decaySteps}`)
  }
  const alpha = peakValue === 0 ? 0 : endValue / peakValue
  if (!Number.isFinite(alpha)) throw new TensorError(op, `endValue / peakValue must be finite (the decay's α), got ${endValue} / ${peakValue}`)
  return joinAs(op, [linear(initValue, peakValue, warmupSteps), cosineDecayAs(op, peakValue, decaySteps - warmupSteps, alpha, exponent)], [warmupSteps])
}

/**
 * `initValue` multiplied by every scale whose boundary the step has reached
 * (optax's `piecewise_constant_schedule`): vₜ = initValue · Π{sᵦ : b ≤ t}
 * over `boundariesAndScales` = { b: sᵦ }. Scales must be finite and ≥ 0, as
 * in optax. Why: the step-wise decay of classic image-classification runs
 * ("divide the rate by 10 at epochs 30 and 60").
 *
 * @example
 * import { optim } from 'grad-ts'
 * const s = optim.piecewiseConstant(1, { 100: 0.5, 200: 0.5 })
 * console.assert([0, 99, 100, 199, 200, 1e6].map(s).join() === '1,1,0.5,0.5,0.25,0.25')
 * @since 0.2.0
 */
export const piecewiseConstant = (initValue: number, boundariesAndScales: Readonly<Record<number, number>> = {}): Schedule => {
  const op = 'optim.piecewiseConstant'
  finite(op, 'initValue', initValue)
  const given: unknown = boundariesAndScales
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new TensorError(op, `boundariesAndScales must be a record { boundary: scale }, got ${describe(boundariesAndScales)}`)
  }
  const pieces = Object.entries(boundariesAndScales).map(([k, scale]: [string, unknown]) => {
    const b = Number(k)
    if (k.trim() === '' || !Number.isFinite(b)) throw new TensorError(op, `boundariesAndScales: the boundary ${JSON.stringify(k)} is not a finite number`)
    if (typeof scale !== 'number' || !(Number.isFinite(scale) && scale >= 0)) {
      throw new TensorError(op, `boundariesAndScales: the scale at ${k} must be a finite number ≥ 0, got ${describe(scale)}`)
    }
    return [b, scale] as const
  })
  pieces.sort((x, y) => x[0] - y[0])
  return (t) => pieces.reduce((v, [b, scale]) => (t >= b ? v * scale : v), initValue)
}

/**
 * Schedules one after another (optax's `join_schedules`): schedule i + 1
 * takes over at `boundaries[i]`, and sees the steps since its boundary
 * (t − bᵢ). There must be one boundary fewer than schedules; boundaries
 * must be finite and non-decreasing (optax does not check these). Why:
 * warm-up then decay, or any sequence of phases.
 *
 * @example
 * import { optim } from 'grad-ts'
 * const s = optim.join([optim.constant(1), optim.linear(2, 0, 4), optim.constant(5)], [3, 7])
 * console.assert([0, 2, 3, 5, 6, 7, 100].map(s).join() === '1,1,2,1,0.5,5,5')
 * @since 0.2.0
 */
export const join = (schedules: readonly Schedule[], boundaries: readonly number[]): Schedule => joinAs('optim.join', schedules, boundaries)

const shown = (x: unknown): string => (Array.isArray(x) ? `an array of ${x.length}` : describe(x))

const joinAs = (op: string, schedules: readonly Schedule[], boundaries: readonly number[]): Schedule => {
  const list: unknown = schedules
  if (!isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'function')) {
    throw new TensorError(op, `schedules must be a non-empty array of schedules (functions of the step), got ${shown(list)}`)
  }
  if (!isArray(boundaries) || boundaries.length !== schedules.length - 1) {
    throw new TensorError(op, `boundaries must be an array of ${schedules.length - 1} numbers (one fewer than the schedules), got ${shown(boundaries)}`)
  }
  boundaries.forEach((b, i) => {
    if (typeof b !== 'number' || !Number.isFinite(b)) throw new TensorError(op, `boundaries[${i}] must be a finite number, got ${describe(b)}`)
    if (i > 0 && b < boundaries[i - 1]!) throw new TensorError(op, `boundaries must be non-decreasing, got ${boundaries[i - 1]} then ${b} at ${i}`)
  })
  const [first, ...rest] = schedules
  return (t) => rest.reduce((v, s, i) => (t < boundaries[i]! ? v : s(t - boundaries[i]!)), first!(t))
}

/** A number or a schedule, evaluated at step t and checked. @internal */
export const valueAt = (op: string, name: string, v: number | Schedule, t: number, ok: (x: number) => boolean, expected: string): number => {
  const x = typeof v === 'number' ? v : v(t)
  if (typeof x !== 'number' || !ok(x)) {
    throw new TensorError(op, `${name} must be ${expected}, got ${String(x)}${typeof v === 'number' ? '' : ` (from its schedule at step ${t})`}`)
  }
  return x
}
