/**
 * Per-element adaptive scalings in optax's pattern and the optimizers made
 * of them: RMSprop (`scaleByRms`, centered: `scaleByStddev`) and Adagrad
 * (`scaleByRss`). Names, defaults and formulas are optax's; eps goes under
 * the square root by default, as in optax (PyTorch adds it outside).
 */
import { add, div, greater, mul, sqrt, sub, where } from '../ad/ops/elementwise.js'
import { square } from '../ad/ops/composite.js'
import type { Tensor } from '../core/tensor.js'
import type { Schedule } from './schedule.js'
import { type CountState, type TraceState, byLearningRate, checkNow, fullLike, isDecay, isRate, traceAs, zerosLike } from './optimizers.js'
import { type EmptyState, type GradientTransformation, chain, identity, tagState, zipLeaves } from './transform.js'
import type { Tree } from '../tree/index.js'

/**
 * The state of {@link scaleByRms}: the step count and ν, the moving average
 * of g². Why: ν is what the next step divides by.
 *
 * @example
 * import { optim, tensor, tree } from 'grad-ts'
 * const s: optim.RmsState = optim.scaleByRms({ initialScale: 1 }).init({ w: tensor([5, 5]) })
 * console.assert(s.count === 0 && tree.leaves(s.nu)[0]!.toTypedArray().join() === '1,1')
 * @since 0.2.0
 */
export interface RmsState extends CountState {
  readonly nu: Tree
}

/**
 * The state of {@link scaleByStddev}: the step count and the moving
 * averages μ of g and ν of g². Why: ν − μ² estimates the variance.
 *
 * @example
 * import { optim, tensor, tree } from 'grad-ts'
 * const s: optim.StddevState = optim.scaleByStddev().init({ w: tensor([5]) })
 * console.assert(s.count === 0 && tree.count(s.mu) === 1 && tree.count(s.nu) === 1)
 * @since 0.2.0
 */
export interface StddevState extends CountState {
  readonly mu: Tree
  readonly nu: Tree
}

/**
 * The state of {@link scaleByRss}: the running sum of g² per element
 * (optax's `sum_of_squares`). Why: Adagrad divides by its root.
 *
 * @example
 * import { optim, tensor, tree } from 'grad-ts'
 * const s: optim.RssState = optim.scaleByRss().init({ w: tensor([5]) })
 * console.assert(Math.abs(tree.leaves(s.sumOfSquares)[0]!.item() - 0.1) < 1e-8)
 * @since 0.2.0
 */
export interface RssState {
  readonly sumOfSquares: Tree
}

/**
 * The options of {@link scaleByRms} and {@link scaleByStddev}; defaults are
 * optax's. Why: one record for both RMS stages and {@link rmsprop}.
 *
 * @example
 * import { optim } from 'grad-ts'
 * const o: optim.ScaleByRmsOptions = { decay: 0.99, epsInSqrt: false, biasCorrection: true }
 * console.assert(optim.scaleByRms(o).init({}).count === 0)
 * @since 0.2.0
 */
export interface ScaleByRmsOptions {
  /** Decay of the moving averages, in [0, 1) (default 0.9). */
  readonly decay?: number
  /** Added to the denominator, ≥ 0 (default 1e-8). */
  readonly eps?: number
  /** The initial ν in every element, ≥ 0 (default 0). */
  readonly initialScale?: number
  /** Add eps under the square root, √(ν + eps), rather than outside, √ν + eps (default true). */
  readonly epsInSqrt?: boolean
  /** Divide the averages by 1 − decayᵗ (t from 1), as Adam does (default false). */
  readonly biasCorrection?: boolean
}

interface RmsSettings {
  readonly decay: number
  readonly eps: number
  readonly initialScale: number
  readonly epsInSqrt: boolean
  readonly biasCorrection: boolean
}

const rmsSettings = (op: string, { decay = 0.9, eps = 1e-8, initialScale = 0, epsInSqrt = true, biasCorrection = false }: ScaleByRmsOptions): RmsSettings => {
  checkNow(op, 'decay', decay, isDecay, 'in [0, 1)')
  checkNow(op, 'eps', eps, isRate, 'a finite number ≥ 0')
  checkNow(op, 'initialScale', initialScale, isRate, 'a finite number ≥ 0')
  return { decay, eps, initialScale, epsInSqrt, biasCorrection }
}

// g / √(s + eps), or g / (√s + eps): optax multiplies by rsqrt(s + eps); dividing by the root rounds once less.
const scaled = (g: Tensor, s: Tensor, { eps, epsInSqrt }: RmsSettings): Tensor => (epsInSqrt ? div(g, sqrt(add(s, eps))) : div(g, add(sqrt(s), eps)))
const moment = (g: Tensor, m: Tensor, decay: number): Tensor => add(mul(g, 1 - decay), mul(m, decay))
const corrected = (x: Tensor, decay: number, count: number, on: boolean): Tensor => (on ? div(x, 1 - decay ** count) : x)

const scaleByRmsAs = (op: string, settings: RmsSettings): GradientTransformation<RmsState> => {
  const { decay, initialScale, biasCorrection } = settings
  return {
    init: (params) => tagState('optim.scaleByRms', { count: 0, nu: fullLike(op, params, initialScale) }),
    update: (grads, state) => {
      const nu = zipLeaves(op, ['gradients', 'second moment'], [grads, state.nu], ([g, v]) => moment(square(g!), v!, decay))
      const count = state.count + 1
      const updates = zipLeaves(op, ['gradients', 'second moment'], [grads, nu], ([g, v]) => scaled(g!, corrected(v!, decay, count, biasCorrection), settings))
      return [updates as typeof grads, tagState('optim.scaleByRms', { count, nu })]
    },
  }
}

/**
 * RMSprop's scaling without the learning rate (Tieleman & Hinton 2012;
 * optax's `scale_by_rms`): ν ← decay·ν + (1 − decay)·g², updates =
 * g / √(ν̂ + eps) (or g / (√ν̂ + eps) with `epsInSqrt: false`), ν̂ = ν or,
 * with `biasCorrection`, ν/(1 − decayᵗ). ν starts at `initialScale`.
 * Why: the adaptive stage of {@link rmsprop}.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const tx = optim.scaleByRms({ decay: 0.75, eps: 0 })
 * const g = { w: tensor([-2], 'float64') }
 * const [u] = tx.update(g, tx.init(g), g) // ν = 0.25·4 = 1, so the update is g/1
 * console.assert(u.w.item() === -2)
 * @since 0.2.0
 */
export const scaleByRms = (options: ScaleByRmsOptions = {}): GradientTransformation<RmsState> =>
  scaleByRmsAs('optim.scaleByRms', rmsSettings('optim.scaleByRms', options))

const scaleByStddevAs = (op: string, settings: RmsSettings): GradientTransformation<StddevState> => {
  const { decay, initialScale, biasCorrection } = settings
  return {
    init: (params) => tagState('optim.scaleByStddev', { count: 0, mu: zerosLike(params), nu: fullLike(op, params, initialScale) }),
    update: (grads, state) => {
      const mu = zipLeaves(op, ['gradients', 'first moment'], [grads, state.mu], ([g, m]) => moment(g!, m!, decay))
      const nu = zipLeaves(op, ['gradients', 'second moment'], [grads, state.nu], ([g, v]) => moment(square(g!), v!, decay))
      const count = state.count + 1
      const updates = zipLeaves(op, ['gradients', 'first moment', 'second moment'], [grads, mu, nu], ([g, m, v]) =>
        scaled(g!, sub(corrected(v!, decay, count, biasCorrection), square(corrected(m!, decay, count, biasCorrection))), settings),
      )
      return [updates as typeof grads, tagState('optim.scaleByStddev', { count, mu, nu })]
    },
  }
}

/**
 * Centered RMSprop's scaling (Graves 2013; optax's `scale_by_stddev`):
 * μ ← decay·μ + (1 − decay)·g, ν ← decay·ν + (1 − decay)·g², updates =
 * g / √(ν̂ − μ̂² + eps) (eps outside the root with `epsInSqrt: false`);
 * μ starts at 0, ν at `initialScale`. Why: divide by the standard
 * deviation of the gradient, not its RMS.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const tx = optim.scaleByStddev({ decay: 0.5, eps: 0 })
 * const g = { w: tensor([2], 'float64') }
 * const [u] = tx.update(g, tx.init(g), g) // μ = 1, ν = 2, ν − μ² = 1
 * console.assert(u.w.item() === 2)
 * @since 0.2.0
 */
export const scaleByStddev = (options: ScaleByRmsOptions = {}): GradientTransformation<StddevState> =>
  scaleByStddevAs('optim.scaleByStddev', rmsSettings('optim.scaleByStddev', options))

/**
 * The options of {@link scaleByRss} and {@link adagrad}; defaults are
 * optax's. Why: Adagrad's two constants.
 *
 * @example
 * import { optim } from 'grad-ts'
 * const o: optim.ScaleByRssOptions = { initialAccumulatorValue: 0, eps: 1e-10 }
 * console.assert(typeof optim.scaleByRss(o).update === 'function')
 * @since 0.2.0
 */
export interface ScaleByRssOptions {
  /** The initial sum of squares in every element, ≥ 0 (default 0.1). */
  readonly initialAccumulatorValue?: number
  /** Added to the sum under the square root, ≥ 0 (default 1e-7). */
  readonly eps?: number
}

const scaleByRssAs = (op: string, { initialAccumulatorValue = 0.1, eps = 1e-7 }: ScaleByRssOptions): GradientTransformation<RssState> => {
  checkNow(op, 'initialAccumulatorValue', initialAccumulatorValue, isRate, 'a finite number ≥ 0')
  checkNow(op, 'eps', eps, isRate, 'a finite number ≥ 0')
  return {
    init: (params) => tagState('optim.scaleByRss', { sumOfSquares: fullLike(op, params, initialAccumulatorValue) }),
    update: (grads, state) => {
      const sumOfSquares = zipLeaves(op, ['gradients', 'sum of squares'], [grads, state.sumOfSquares], ([g, s]) => add(square(g!), s!))
      // Where nothing was accumulated the update is 0 (as optax's), not 0/√eps's NaN when eps is 0.
      const updates = zipLeaves(op, ['gradients', 'sum of squares'], [grads, sumOfSquares], ([g, s]) => where(greater(s!, 0), div(g!, sqrt(add(s!, eps))), 0))
      return [updates as typeof grads, tagState('optim.scaleByRss', { sumOfSquares })]
    },
  }
}

/**
 * Adagrad's scaling (Duchi et al. 2011; optax's `scale_by_rss`):
 * s ← s + g², updates = g / √(s + eps) where s > 0 and 0 where s = 0;
 * s starts at `initialAccumulatorValue`. Why: the adaptive stage of {@link adagrad}.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const tx = optim.scaleByRss({ initialAccumulatorValue: 0, eps: 0 })
 * const g = { w: tensor([3, 0], 'float64') }
 * const [u] = tx.update(g, tx.init(g), g)
 * console.assert(u.w.toTypedArray().join() === '1,0')
 * @since 0.2.0
 */
export const scaleByRss = (options: ScaleByRssOptions = {}): GradientTransformation<RssState> => scaleByRssAs('optim.scaleByRss', options)

/**
 * The options of {@link rmsprop}: the learning rate, the RMS stage's options,
 * and optax's `centered`, `momentum` and `nesterov`. Why: optax's flexible
 * RMSprop, one record.
 *
 * @example
 * import { optim } from 'grad-ts'
 * const o: optim.RmspropOptions = { learningRate: 1e-3, centered: true, momentum: 0.9 }
 * console.assert(optim.rmsprop(o).init({}).length === 3)
 * @since 0.2.0
 */
export interface RmspropOptions extends ScaleByRmsOptions {
  /** The learning rate ε ≥ 0, or a schedule of it. */
  readonly learningRate: number | Schedule
  /** Divide by the gradient's standard deviation ({@link scaleByStddev}) instead of its RMS (default false). */
  readonly centered?: boolean
  /** Momentum on the scaled updates, in [0, 1) or a schedule; absent or undefined (the default, optax's None): no momentum. */
  readonly momentum?: number | Schedule | undefined
  /** Nesterov's form of that momentum (default false). */
  readonly nesterov?: boolean
}

/**
 * RMSprop as optax's `rmsprop`: `chain(scaleByRms or, when centered,
 * scaleByStddev; scaleByLearningRate; trace({ decay: momentum, nesterov })
 * or identity)`. The momentum comes after the learning rate, as in optax,
 * so with momentum m: Δ ← mΔ − εₜ·g/√(ν + eps), w ← w + Δ. Why: the
 * adaptive optimizer of Hinton's lecture notes, still common for RNNs and RL.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const train = optim.step(optim.rmsprop({ learningRate: 0.1, decay: 0.75, eps: 0 }))
 * const p = { w: tensor([1], 'float64') }
 * const [next, state] = train(p, train.init(p), { w: tensor([2], 'float64') }) // ν = 1: w − 0.1·2/1
 * console.assert(next.w.item() === 1 - 0.1 * 2 && state[0].count === 1)
 * @since 0.2.0
 */
export const rmsprop = ({ learningRate, centered = false, momentum, nesterov = false, ...rms }: RmspropOptions): GradientTransformation<
  readonly [RmsState | StddevState, CountState, TraceState | EmptyState]
> => {
  const op = 'optim.rmsprop'
  const settings = rmsSettings(op, rms)
  const scaling: GradientTransformation<RmsState | StddevState> = centered
    ? (scaleByStddevAs(op, settings))
    : (scaleByRmsAs(op, settings))
  const lr = byLearningRate(op, learningRate)
  const tail: GradientTransformation<TraceState | EmptyState> =
    momentum === undefined ? (identity()) : (traceAs(op, 'momentum', { decay: momentum, nesterov }))
  return chain(scaling, lr, tail)
}

/**
 * The options of {@link adagrad}: the learning rate and {@link scaleByRss}'s
 * options, with optax's defaults. Why: Adagrad's knobs in one record.
 *
 * @example
 * import { optim } from 'grad-ts'
 * const o: optim.AdagradOptions = { learningRate: 0.01 }
 * console.assert(optim.adagrad(o).init({}).length === 2)
 * @since 0.2.0
 */
export interface AdagradOptions extends ScaleByRssOptions {
  /** The learning rate ε ≥ 0, or a schedule of it. */
  readonly learningRate: number | Schedule
}

/**
 * Adagrad (Duchi et al. 2011) as optax's `adagrad`:
 * `chain(scaleByRss({ initialAccumulatorValue, eps }), scaleByLearningRate)`,
 * so s ← s + g², w ← w − εₜ·g/√(s + eps). Why: per-coordinate rates for
 * sparse features, and the ancestor of RMSprop and Adam.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const train = optim.step(optim.adagrad({ learningRate: 0.5, initialAccumulatorValue: 0, eps: 0 }))
 * const p = { w: tensor([1], 'float64') }
 * const [p1, s1] = train(p, train.init(p), { w: tensor([3], 'float64') }) // s = 9: w − 0.5·3/3
 * const [p2] = train(p1, s1, { w: tensor([4], 'float64') }) //                 s = 25: w − 0.5·4/5
 * console.assert(p1.w.item() === 0.5 && p2.w.item() === 0.5 - 0.4)
 * @since 0.2.0
 */
export const adagrad = ({ learningRate, ...rss }: AdagradOptions): GradientTransformation<readonly [RssState, CountState]> =>
  chain(scaleByRssAs('optim.adagrad', rss), byLearningRate('optim.adagrad', learningRate))
