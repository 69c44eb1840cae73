/**
 * Schedules: a hyperparameter as a function of the step count t = 0, 1, 2, …
 * (the number of updates made before this one, so the first update sees t = 0,
 * as in optax). Optimizers take a number or a schedule wherever the paper
 * lets a value change during training (learning rate, momentum).
 */
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

/** A number or a schedule, evaluated at step t and checked. @internal */
export const valueAt = (op: string, name: string, v: number | Schedule, t: number, ok: (x: number) => boolean, expected: string): number => {
  const x = typeof v === 'number' ? v : v(t)
  if (typeof x !== 'number' || !ok(x)) {
    throw new TensorError(op, `${name} must be ${expected}, got ${String(x)}${typeof v === 'number' ? '' : ` (from its schedule at step ${t})`}`)
  }
  return x
}
