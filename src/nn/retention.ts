/**
 * Keep and rate: the one vocabulary of dropout probabilities. The paper's p is
 * the *retention* probability, the chance a unit is kept; frameworks' `rate`
 * is the *drop* probability, `rate = 1 − p`. Code names which one it means
 * with a {@link Retention}; outside data is decoded with `io.Keep` and
 * `io.Rate`, whose ranges are the predicates defined here.
 */
import { TensorError } from '../core/errors.js'

/** Whether `p` is a retention probability: p ∈ (0, 1] (0 would drop every unit). @internal */
export const isKeep = (p: unknown): p is number => typeof p === 'number' && p > 0 && p <= 1

/** Whether `r` is a drop rate: r ∈ [0, 1) (1 would drop every unit). @internal */
export const isRate = (r: unknown): r is number => typeof r === 'number' && r >= 0 && r < 1

/**
 * A dropout probability, named: `{ keep: p }` (the paper's retention
 * probability, p ∈ (0, 1]) or `{ rate: r }` (the drop probability, r ∈ [0, 1)).
 * @example
 * import { nn } from 'grad-ts'
 * console.assert(nn.keepProbability({ keep: 0.8 }) === 0.8 && nn.keepProbability({ rate: 0.25 }) === 0.75)
 * @since 0.1.0
 */
export type Retention = { readonly keep: number; readonly rate?: never } | { readonly rate: number; readonly keep?: never }

/**
 * The retention probability p of a {@link Retention}, validated: keep outside
 * (0, 1] or rate outside [0, 1) is a `TensorError`.
 * @example
 * import { nn } from 'grad-ts'
 * try { nn.keepProbability({ rate: 1 }) } catch (e) { console.assert(String(e).includes('rate must be in [0, 1)')) }
 * @since 0.1.0
 */
export const keepProbability = (r: Retention, op = 'dropout'): number => {
  const named = (r as { keep?: unknown }).keep !== undefined
  if (named === ((r as { rate?: unknown }).rate !== undefined)) throw new TensorError(op, 'name exactly one of keep (retention p) or rate (drop probability 1 − p)')
  if (named) {
    if (!isKeep(r.keep)) throw new TensorError(op, `keep must be in (0, 1], got ${String(r.keep)}`)
    return r.keep
  }
  if (!isRate(r.rate)) throw new TensorError(op, `rate must be in [0, 1), got ${String(r.rate)}`)
  return 1 - r.rate
}
