/**
 * `vmap`: vectorising a function over a batch axis, as `jax.vmap`. The
 * function runs once, on tracers that stand for one slice each; every
 * primitive it applies runs once over the whole batch, through its batching
 * rule. It composes with itself and with `grad`, `vjp` and `jvp` in every
 * order, and a key mapped over draws a slice per key.
 */
import { describe, isArray } from '../core/check.js'
import { TensorError, fmtShape } from '../core/errors.js'
import { normAxis } from '../core/shape.js'
import { Tensor } from '../core/tensor.js'
import { flattenWith, rebuild } from '../tree/index.js'
import { batchRaw } from './interpreters/batch.js'
import { moveToFront } from './rules/batching.js'
import { bind } from './trace.js'

/**
 * Where a value's batch axis is: an axis (negative counts from the end), `null`
 * for a value that is the same for every slice, or a tree of those matching a
 * prefix of the value's tree (an axis for a whole subtree).
 * @since 0.2.0
 */
export type AxisSpec = number | null | readonly AxisSpec[] | { readonly [key: string]: AxisSpec }

/** Options of {@link vmap}. @since 0.2.0 */
export interface VmapOptions {
  /** One spec for all arguments, or one per positional argument (JAX's `in_axes`); default 0. */
  readonly inAxes?: number | null | readonly AxisSpec[]
  /** Where the outputs' batch axis goes: a spec for the output tree (JAX's `out_axes`); default 0. */
  readonly outAxes?: AxisSpec
}

const isTensor = (t: unknown): t is Tensor => t instanceof Tensor

/** The spec of each leaf of `tree`, broadcasting a prefix spec down its subtrees. */
const specOfLeaves = (op: string, what: string, spec: AxisSpec, tree: unknown): (number | null)[] => {
  if (spec === null || typeof spec === 'number') return flattenWith(op, tree, isTensor).map(() => spec)
  if (isArray(spec)) {
    const specs = spec
    if (!isArray(tree) || tree.length !== specs.length) throw new TensorError(op, `${what} is an array of ${specs.length} specs, but the value there is ${isArray(tree) ? `an array of ${tree.length}` : describe(tree)}`)
    return specs.flatMap((s, i) => specOfLeaves(op, `${what}[${i}]`, s, tree[i]))
  }
  const rec = spec
  if (typeof tree !== 'object' || tree === null || Array.isArray(tree) || tree instanceof Tensor) throw new TensorError(op, `${what} is a record of specs, but the value there is ${describe(tree)}`)
  const t = tree as Readonly<Record<string, unknown>>
  const keys = Object.keys(t)
  if (keys.length !== Object.keys(rec).length || keys.some((k) => !(k in rec))) throw new TensorError(op, `${what} has keys ${Object.keys(rec).join(', ')}, the value there has ${keys.join(', ')}`)
  return keys.flatMap((k) => specOfLeaves(op, `${what}.${k}`, rec[k]!, t[k]))
}

/**
 * Vectorises `f` over a batch axis of its arguments, as `jax.vmap`: the result
 * equals stacking `f` over the slices, but each primitive runs once over the
 * whole batch. `inAxes` says where each argument's batch axis is (`null`: not
 * mapped; a tree of specs for a tree argument), `outAxes` where the outputs'
 * go (outputs that do not depend on the batch are broadcast). Arguments that
 * are not mapped may be any value. Values inside `f` have no elements to read.
 *
 * Per-example gradients: `vmap(grad(loss), { inAxes: [null, 0, 0] })(params, xs, ys)`.
 * @example
 * import { vmap, grad, matmul, mul, sum, tensor, type Tensor } from 'grad-ts'
 * const dot = (a: Tensor, b: Tensor) => sum(mul(a, b))
 * const rows = vmap(dot)(tensor([[1, 2], [3, 4]]), tensor([[1, 1], [2, 0]]))
 * console.assert(rows.toTypedArray().join() === '3,6')
 * const loss = (w: Tensor, x: Tensor) => sum(mul(matmul(x, w), matmul(x, w)))
 * const perExample = vmap(grad(loss), { inAxes: [null, 0] })(tensor([[1], [2]]), tensor([[1, 0], [0, 1]]))
 * console.assert(perExample.shape.join() === '2,2,1' && perExample.toTypedArray().join() === '2,0,0,4')
 * @since 0.2.0
 */
export const vmap =
  <A extends readonly unknown[], Y>(f: (...args: A) => Y, options: VmapOptions = {}) =>
  (...args: A): Y => {
    const op = 'vmap'
    const inAxes = options.inAxes ?? 0
    const outAxes = options.outAxes ?? 0
    if (Array.isArray(inAxes) && inAxes.length !== args.length) {
      throw new TensorError(op, `inAxes has ${inAxes.length} specs for ${args.length} arguments`)
    }
    const perArg = args.map((a, i) => (Array.isArray(inAxes) ? (inAxes as readonly AxisSpec[])[i]! : (inAxes as number | null)))
    const leaves = args.map((a, i) => (perArg[i] === null ? [] : flattenWith(op, a, isTensor)))
    const specs = args.map((a, i) => (perArg[i] === null ? [] : specOfLeaves(op, `inAxes[${i}]`, perArg[i]!, a)))
    const flat: Tensor[] = []
    const dims: (number | null)[] = []
    let size: number | undefined
    leaves.forEach((ls, i) => { ls.forEach((l, j) => {
        const s = specs[i]?.[j] ?? null
        const d = s === null ? null : normAxis(op, s, l.value.rank)
        if (d !== null) {
          const n = l.value.shape[d]!
          if (size !== undefined && n !== size) throw new TensorError(op, `mapped axes have different sizes: ${size} and ${n} (argument ${i}${l.path === '' ? '' : ` at ${l.path}`}, ${fmtShape(l.value.shape)} along axis ${d})`)
          size = n
        }
        flat.push(l.value)
        dims.push(d)
      }); },
    )
    if (size === undefined) throw new TensorError(op, 'needs at least one mapped argument (an inAxes entry that is not null, over a tensor)')
    let shape: Y | undefined
    const outs = batchRaw(op, (xs) => {
      let k = 0
      const rebuilt = args.map((a, i) => (perArg[i] === null ? a : rebuild(a as object, leaves[i]!.map(() => xs[k++]!))))
      shape = f(...(rebuilt as unknown as A))
      return flattenWith(op, shape, isTensor).map((l) => l.value)
    }, flat, dims, size)
    const outSpecs = specOfLeaves(op, 'outAxes', outAxes, shape)
    const placed = outs.map(([y, bdim], i) => {
      const d = outSpecs[i] ?? null
      if (d === null) {
        if (bdim !== null) throw new TensorError(op, `output ${i} has outAxes null but depends on the mapped axis; give it an axis`)
        return y
      }
      const front = moveToFront(y, bdim, size!)
      const axis = normAxis(op, d, front.rank)
      if (axis === 0) return front
      const perm = front.shape.map((_, k) => k).slice(1)
      perm.splice(axis, 0, 0)
      return bind('transpose', [front], { perm })
    })
    return rebuild(shape as object, placed) as Y
  }
