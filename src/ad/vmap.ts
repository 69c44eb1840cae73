/**
 * `vmap`: vectorising a function over a batch axis, as `jax.vmap`. The
 * function runs once, on tracers that stand for one slice each; every
 * primitive it applies runs once over the whole batch, through its batching
 * rule. It composes with itself and with `grad`, `vjp` and `jvp` in every
 * order, and a key mapped over draws a slice per key.
 */
import { describe, isArray } from '../core/check.js'
import { TensorError, fmtShape } from '../core/errors.js'
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

/** `body`, with a malformed tree reported as `what`'s (an argument, the output). */
const named = <T>(what: string, body: () => T): T => {
  try {
    return body()
  } catch (e) {
    if (e instanceof TensorError && e.op === 'vmap') throw new TensorError('vmap', `${what}: ${e.detail}`)
    throw e
  }
}

/** The mapped axis `spec` of `x`, normalised, or a TensorError naming the argument. */
const mappedAxis = (op: string, spec: number, x: Tensor, where: string): number => {
  if (!Number.isInteger(spec)) throw new TensorError(op, `inAxes for ${where} must be an integer or null, got ${describe(spec)}`)
  if (x.rank === 0) throw new TensorError(op, `${where} is a scalar: it has no axis ${spec} to map over (give it inAxes null to share it)`)
  if (spec < -x.rank || spec >= x.rank) throw new TensorError(op, `inAxes ${spec} for ${where} is out of range: it has shape ${fmtShape(x.shape)} (rank ${x.rank})`)
  return spec < 0 ? spec + x.rank : spec
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
    // `null` is a spec (not mapped / not batched), so only a missing option takes the default.
    const inAxes = options.inAxes === undefined ? 0 : options.inAxes
    const outAxes = options.outAxes === undefined ? 0 : options.outAxes
    if (inAxes !== null && typeof inAxes !== 'number' && !isArray(inAxes)) {
      throw new TensorError(op, `inAxes must be an axis, null, or an array of one spec per argument, got ${describe(inAxes)}`)
    }
    if (isArray(inAxes) && inAxes.length !== args.length) {
      throw new TensorError(op, `inAxes has ${inAxes.length} specs for ${args.length} arguments`)
    }
    const perArg = args.map((_, i) => (isArray(inAxes) ? inAxes[i]! : inAxes))
    const leaves = args.map((a, i) => (perArg[i] === null ? [] : named(`argument ${i}`, () => flattenWith(op, a, isTensor))))
    const specs = args.map((a, i) => (perArg[i] === null ? [] : specOfLeaves(op, `inAxes[${i}]`, perArg[i]!, a)))
    const flat: Tensor[] = []
    const dims: (number | null)[] = []
    let size: number | undefined
    leaves.forEach((ls, i) => {
      ls.forEach((l, j) => {
        const s = specs[i]?.[j] ?? null
        const where = `argument ${i}${l.path === '' ? '' : ` at ${l.path}`}`
        const d = s === null ? null : mappedAxis(op, s, l.value, where)
        if (d !== null) {
          const n = l.value.shape[d]!
          if (size !== undefined && n !== size) throw new TensorError(op, `mapped axes have different sizes: ${size} and ${n} (${where}, ${fmtShape(l.value.shape)} along axis ${d})`)
          size = n
        }
        flat.push(l.value)
        dims.push(d)
      })
    })
    if (size === undefined) throw new TensorError(op, 'needs at least one mapped argument (an inAxes entry that is not null, over a tensor)')
    let shape: Y | undefined
    const outs = batchRaw(op, (xs) => {
      let k = 0
      const rebuilt = args.map((a, i) => (perArg[i] === null ? a : rebuild(a as object, leaves[i]!.map(() => xs[k++]!))))
      shape = f(...(rebuilt as unknown as A))
      return named('the output', () => flattenWith(op, shape, isTensor)).map((l) => l.value)
    }, flat, dims, size)
    const outSpecs = specOfLeaves(op, 'outAxes', outAxes, shape)
    const outPaths = flattenWith(op, shape, isTensor).map((l) => (l.path === '' ? 'the output' : `output ${l.path}`))
    const placed = outs.map(([y, bdim], i) => {
      const d = outSpecs[i] ?? null
      if (d === null) {
        if (bdim !== null) throw new TensorError(op, `${outPaths[i]} has outAxes null but depends on the mapped axis; give it an axis`)
        return y
      }
      const front = moveToFront(y, bdim, size!)
      if (!Number.isInteger(d) || d < -front.rank || d >= front.rank) {
        throw new TensorError(op, `outAxes ${describe(d)} for ${outPaths[i]} (${fmtShape(y.shape.filter((_, k) => k !== bdim))} per slice) must be an integer in [${-front.rank}, ${front.rank - 1}]`)
      }
      const axis = d < 0 ? d + front.rank : d
      if (axis === 0) return front
      const perm = front.shape.map((_, k) => k).slice(1)
      perm.splice(axis, 0, 0)
      return bind('transpose', [front], { perm })
    })
    return rebuild(shape as object, placed) as Y
  }
