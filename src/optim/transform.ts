/**
 * Optimizers as values, in optax's pattern: a gradient transformation is a
 * pure pair `init`/`update` over parameter trees. `update` turns gradients
 * into updates and returns a new state; it never changes the old one, so a
 * state can be kept, compared, checkpointed or replayed. The built-in stages
 * tag their states with their name (not a field: a non-enumerable symbol),
 * so `io.decodeCheckpoint` can refuse a state saved by another optimizer.
 * Transformations compose with {@link chain}; {@link step} runs
 * update → apply → project.
 */
import { TensorError } from '../core/errors.js'
import type { Tensor } from '../core/tensor.js'
import { add } from '../ad/ops/elementwise.js'
import { type Tree, type TreeLike, alignedLeaves, rebuild } from '../tree/index.js'
import type { Projection } from './projection.js'

/**
 * A pure optimizer stage. `init(params)` gives the state before the first
 * step; `update(grads, state, params)` gives the updates (a tree like the
 * gradients, to be added to the parameters) and the next state. Why: state
 * as an immutable value makes optimizers composable and replayable.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const tx = optim.sgd(0.5)
 * const params = { w: tensor([1, 2]) }
 * const [updates, state] = tx.update({ w: tensor([2, 2]) }, tx.init(params), params)
 * console.assert(updates.w.toTypedArray().join() === '-1,-1' && state.count === 1)
 * @since 0.1.0
 */
export interface GradientTransformation<S> {
  /** The state before the first step. */
  init<P extends TreeLike<P>>(params: P): S
  /** The updates for `grads` and the next state; `state` itself is left as it was. */
  update<P extends TreeLike<P>>(grads: P, state: S, params: P): readonly [P, S]
}

/**
 * The state of a transformation that keeps none. Why: stateless stages
 * still fit the `init`/`update` shape.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const s: optim.EmptyState = optim.identity().init({ w: tensor([1]) })
 * console.assert(Object.keys(s).length === 0)
 * @since 0.1.0
 */
export type EmptyState = Readonly<Record<string, never>>

/**
 * The state type of a transformation. Why: name a composed optimizer's state
 * without spelling it out.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const tx = optim.sgd(0.1)
 * const s: optim.StateOf<typeof tx> = tx.init({ w: tensor([1]) })
 * console.assert(s.count === 0)
 * @since 0.1.0
 */
export type StateOf<T> = T extends GradientTransformation<infer S> ? S : never

/**
 * The state of `chain(t₁, …, tₙ)`: the tuple of the stages' states. Why:
 * each stage's state stays reachable and typed.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const tx = optim.chain(optim.trace({ decay: 0.9 }), optim.sgd(0.1))
 * const s: optim.ChainState<[optim.GradientTransformation<optim.TraceState>, optim.GradientTransformation<optim.CountState>]> = tx.init({ w: tensor([1]) })
 * console.assert(s[0].count === 0 && s[1].count === 0)
 * @since 0.1.0
 */
export type ChainState<Ts extends readonly GradientTransformation<unknown>[]> = { readonly [K in keyof Ts]: StateOf<Ts[K]> }

/**
 * The built-in stages whose states can be checkpointed; a state's tag names
 * the stage that made it (`sgd` is `scaleByLearningRate`; `momentum`, `adam`
 * and `chain` make tuples of their stages' states).
 * @internal
 */
export type StateKind =
  | 'optim.identity'
  | 'optim.scale'
  | 'optim.scaleByLearningRate'
  | 'optim.trace'
  | 'optim.scaleByAdam'
  | 'optim.addWeightDecay'
  | 'optim.scaleByRms'
  | 'optim.scaleByStddev'
  | 'optim.scaleByRss'
  | 'optim.clipByGlobalNorm'

// A registered symbol, so that two copies of grad-ts in one program read each other's tags.
const KIND = Symbol.for('grad-ts/optim.stateKind')

/**
 * Tags a state record with the stage that made it and freezes it. The tag is
 * a non-enumerable symbol property: it is not a field of the state (laws
 * compare fields, spreads drop it) but it travels with the value, so a
 * checkpoint can say which stage a state belongs to.
 * @internal
 */
export const tagState = <S extends object>(kind: StateKind, state: S): S => {
  Object.defineProperty(state, KIND, { value: kind, enumerable: false })
  return Object.freeze(state)
}

/** The tag of a state record made by a built-in stage, or undefined. @internal */
export const stateKind = (state: unknown): StateKind | undefined => {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return undefined
  const kind: unknown = (state as { readonly [KIND]?: unknown })[KIND]
  return typeof kind === 'string' ? (kind as StateKind) : undefined
}

const empty: EmptyState = tagState('optim.identity', {})

/**
 * The transformation that passes gradients through unchanged and keeps no
 * state. Why: the unit of {@link chain}.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const g = { w: tensor([1, -1]) }
 * const [u] = optim.identity().update(g, optim.identity().init(g), g)
 * console.assert(u === g)
 * @since 0.1.0
 */
export const identity = (): GradientTransformation<EmptyState> => ({
  init: () => empty,
  update: (grads, state) => [grads, state],
})

/**
 * Runs transformations one after another: each stage's updates are the next
 * stage's gradients; all stages see the same parameters. The state is the
 * tuple of the stages' states. Associative up to re-bracketing of that
 * tuple: `chain(chain(a, b), c)` and `chain(a, chain(b, c))` give the same
 * updates bit for bit and states with the same leaves in the same order.
 * Why: optimizers are small stages composed (`adam = chain(scaleByAdam, scaleByLearningRate)`).
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const tx = optim.chain(optim.addWeightDecay(0.5), optim.sgd(0.1))
 * const p = { w: tensor([2], 'float64') }
 * const [u, s] = tx.update({ w: tensor([1], 'float64') }, tx.init(p), p)
 * console.assert(u.w.item() === -0.1 * (1 + 0.5 * 2) && s.length === 2)
 * @since 0.1.0
 */
export const chain = <const Ts extends readonly GradientTransformation<unknown>[]>(...ts: Ts): GradientTransformation<ChainState<Ts>> => ({
  init: (params) => Object.freeze(ts.map((t) => t.init(params))) as unknown as ChainState<Ts>,
  update: (grads, state, params) => {
    const states = state as readonly unknown[]
    if (!Array.isArray(states) || states.length !== ts.length) {
      throw new TensorError('optim.chain', `expected a state of ${ts.length} stages, got ${Array.isArray(states) ? `${states.length}` : typeof states}`)
    }
    let updates = grads
    const next = ts.map((t, i) => {
      const [u, s] = t.update(updates, states[i], params)
      updates = u
      return s
    })
    return [updates, Object.freeze(next) as unknown as ChainState<Ts>]
  },
})

/**
 * Combines the leaves of trees that must have one structure, and per leaf one
 * shape and dtype; mismatches name the op, the path and both sides.
 * @internal
 */
export const zipLeaves = (op: string, names: readonly string[], trees: readonly Tree[], f: (xs: readonly Tensor[], path: string, index: number) => Tensor): Tree => {
  const flat = alignedLeaves(op, names, trees)
  return rebuild(trees[0]!, flat[0]!.map((l, i) => f(flat.map((ls) => ls[i]!.value), l.path, i))) as Tree
}

/**
 * `params + updates`, leaf by leaf. Updates must match the parameters in
 * structure, shape and dtype (no silent broadcasting, no dtype change).
 * Why: optax's `apply_updates`; updates are deltas, already signed.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const p = optim.applyUpdates({ w: tensor([1, 2]) }, { w: tensor([0.5, -1]) })
 * console.assert(p.w.toTypedArray().join() === '1.5,1')
 * @since 0.1.0
 */
export const applyUpdates = <P extends TreeLike<P>>(params: P, updates: P): P =>
  zipLeaves('optim.applyUpdates', ['params', 'updates'], [params, updates], ([p, u]) => add(p!, u!)) as P

/**
 * One projected training step: update → apply → project. Given the
 * parameters, the optimizer state and the gradients, returns the new
 * parameters (projected onto the constraint set) and the new state.
 * Why: the paper's max-norm runs project after every update.
 *
 * The first author's MNIST recipe — εₜ = 1/(1 + t/10000),
 * mₜ = 0.99 − 0.49·e^(−t/100000), Δ ← mΔ + g, w ← w − εΔ, then each unit's
 * incoming column clipped to norm ≤ 3 — in one expression:
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const train = optim.step(
 *   optim.momentum({ learningRate: optim.inverseTime(1, 1e4), momentum: optim.momentumRamp(0.5, 0.99, 1e5) }),
 *   optim.onLeaves(/(^|\.)w$/, optim.maxNorm({ c: 3 })),
 * )
 * const params = { w: tensor([[0], [0]]), b: tensor([0]) }
 * const [next, state] = train(params, train.init(params), { w: tensor([[-3], [-4]]), b: tensor([-4]) })
 * // w − 1·g = [3, 4] has norm 5, projected to norm 3; the bias is not constrained.
 * console.assert(Math.abs(next.w.toTypedArray()[0]! - 1.8) < 1e-6 && next.b.item() === 4)
 * console.assert(state[0].count === 1)
 * @since 0.1.0
 */
export const step = <S, Q extends Tree = Tree>(tx: GradientTransformation<S>, project?: Projection<Q>): ProjectedStep<S, Q> => {
  const run = <P extends Q>(params: P, state: S, grads: P): readonly [P, S] => {
    const [updates, next] = tx.update(grads, state, params)
    const moved = applyUpdates(params, updates)
    return [project === undefined ? moved : (project(moved) as P), next]
  }
  return Object.assign(run, { init: (params: Q): S => tx.init(params) })
}

/**
 * What {@link step} returns: the step function, with the optimizer's `init`
 * at hand. Why: a training loop needs only this one value.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const train: optim.ProjectedStep<optim.CountState> = optim.step(optim.sgd(1))
 * const p = { w: tensor([1]) }
 * console.assert(train(p, train.init(p), { w: tensor([1]) })[0].w.item() === 0)
 * @since 0.1.0
 */
export interface ProjectedStep<S, Q extends Tree = Tree> {
  <P extends Q>(params: P, state: S, grads: P): readonly [P, S]
  /** The optimizer state before the first step. */
  readonly init: (params: Q) => S
}
