/**
 * Batching rules, one per primitive of the catalogue (the compiler checks):
 * how a primitive applied to values with a batch axis (`dims[i]`, or `null`
 * for an input without one) is computed once over the whole batch, and where
 * the output's batch axis is. Each rule rewrites the application into
 * primitives one level down — a wider reduction, a transpose with the batch
 * axis kept in front, a gather on a flattened axis — never a loop over slices.
 */
import { type Tensor, arange, zeros } from '../../core/tensor.js'
import { add, greaterEqual, less, mul, where } from '../ops/elementwise.js'
import { type Args, type ParamsOf, type Prim, convDims } from '../primitives.js'
import { broadcastTo, reshape, transpose } from '../ops/shape.js'
import { bind } from '../trace.js'

/** A rule: the batched output and its batch axis (`null`: the same for every slice). @internal */
export type BatchRule<P extends Prim> = (args: Args<P, Tensor>, dims: Args<P, number | null>, params: ParamsOf[P], size: number) => readonly [Tensor, number | null]

/** `x` with its batch axis `d` moved to the front (or broadcast to one of `size` when it has none). @internal */
export const moveToFront = (x: Tensor, d: number | null, size: number): Tensor => {
  if (d === null) return broadcastTo(x, [size, ...x.shape])
  if (d === 0) return x
  const perm = [d, ...x.shape.map((_, i) => i).filter((i) => i !== d)]
  return transpose(x, perm)
}

/**
 * Indices of slice b moved into block b of a flattened (batch, axis) axis: `i + b·n`
 * for `i` in [0, n); an index out of that range becomes −1, so that the kernel still
 * rejects it (it would otherwise land in another slice's block, silently).
 */
const offsetIndices = (i: Tensor, size: number, n: number): Tensor => {
  const offsets = reshape(mul(arange(0, size, 1, 'int32'), n), [size, ...i.shape.slice(1).map(() => 1)])
  return where(less(i, 0), -1, where(greaterEqual(i, n), -1, add(i, offsets)))
}

/** The physical axis of logical axis `a` when the batch axis is `d`. */
const physical = (a: number, d: number): number => (a < d ? a : a + 1)

/** The same primitive on the batched value, batch axis unchanged (elementwise maps of one input). */
const elementwise1 = <P extends Prim>(prim: P): BatchRule<P> => ([x], [d], params) => [bind(prim, [x] as unknown as Args<P, Tensor>, params), d ?? null]

/**
 * Broadcasting ops of several inputs: batched inputs get their batch axis in
 * front and size-1 axes up to the widest logical rank, so that NumPy
 * broadcasting (aligned on the right) lines the batch up with the batch;
 * inputs without one broadcast as they are.
 */
const broadcasting = <P extends Prim>(prim: P): BatchRule<P> => (args, dims, params) => {
  const xs = args as readonly Tensor[]
  const ds = dims as readonly (number | null)[]
  const first = ds.find((d) => d !== null)
  if (xs.every((x, i) => ds[i] === first && x.rank === xs[0]!.rank)) return [bind(prim, args, params), first!]
  const rank = Math.max(...xs.map((x, i) => x.rank - (ds[i] === null ? 0 : 1)))
  const aligned = xs.map((x, i) => {
    const d = ds[i]!
    if (ds[i] === null) return x
    const front = moveToFront(x, d, 0)
    const logical = front.shape.slice(1)
    return reshape(front, [front.shape[0]!, ...Array<number>(rank - logical.length).fill(1), ...logical])
  })
  return [bind(prim, aligned as unknown as Args<P, Tensor>, params), 0]
}

const reduction = <P extends 'sum' | 'max' | 'min'>(prim: P): BatchRule<P> => ([x], [d], { axes, keepdims }) => {
  const b = d!
  const out = bind(prim, [x] as unknown as Args<P, Tensor>, { axes: axes.map((a) => physical(a, b)), keepdims })
  return [out, keepdims ? b : b - axes.filter((a) => a < b).length]
}

const argReduction = <P extends 'argmax' | 'argmin'>(prim: P): BatchRule<P> => ([x], [d], { axis }) => {
  const b = d!
  return [bind(prim, [x] as unknown as Args<P, Tensor>, { axis: physical(axis, b) }), axis < b ? b - 1 : b]
}

/** Batched keys: the random primitives draw for a batch of keys `[B, 2]` in one kernel. */
const keyed = <P extends 'randomBits' | 'randomSplit' | 'randomFoldIn'>(prim: P): BatchRule<P> => ([k], [d], params, size) =>
  [bind(prim, [moveToFront(k, d, size)] as unknown as Args<P, Tensor>, params), 0]

/** @internal */
export const batchRules: { readonly [P in Prim]: BatchRule<P> } = {
  neg: elementwise1('neg'), exp: elementwise1('exp'), expm1: elementwise1('expm1'), log: elementwise1('log'), log1p: elementwise1('log1p'), sqrt: elementwise1('sqrt'),
  abs: elementwise1('abs'), sign: elementwise1('sign'), sin: elementwise1('sin'), cos: elementwise1('cos'), tan: elementwise1('tan'), tanh: elementwise1('tanh'),
  sigmoid: elementwise1('sigmoid'), relu: elementwise1('relu'), erf: elementwise1('erf'), erfInv: elementwise1('erfInv'),
  add: broadcasting('add'), sub: broadcasting('sub'), mul: broadcasting('mul'), div: broadcasting('div'), pow: broadcasting('pow'),
  maximum: broadcasting('maximum'), minimum: broadcasting('minimum'),
  equal: broadcasting('equal'), notEqual: broadcasting('notEqual'), less: broadcasting('less'), lessEqual: broadcasting('lessEqual'),
  greater: broadcasting('greater'), greaterEqual: broadcasting('greaterEqual'),
  where: broadcasting('where'),
  cast: elementwise1('cast'),
  stopGradient: elementwise1('stopGradient'),
  sum: reduction('sum'), max: reduction('max'), min: reduction('min'),
  argmax: argReduction('argmax'), argmin: argReduction('argmin'),
  argsort: ([x], [d], { axis }) => [bind('argsort', [x], { axis: physical(axis, d!) }), d!],
  reshape: ([x], [d], { shape }, size) => [bind('reshape', [moveToFront(x, d, size)], { shape: [size, ...shape] }), 0],
  transpose: ([x], [d], { perm }, size) => [bind('transpose', [moveToFront(x, d, size)], { perm: [0, ...perm.map((p) => p + 1)] }), 0],
  broadcastTo: ([x], [d], { shape }, size) => {
    const front = moveToFront(x, d, size)
    const logical = front.shape.slice(1)
    const lifted = reshape(front, [size, ...Array<number>(shape.length - logical.length).fill(1), ...logical])
    return [bind('broadcastTo', [lifted], { shape: [size, ...shape] }), 0]
  },
  slice: ([x], [d], { begin, end }, size) => [bind('slice', [moveToFront(x, d, size)], { begin: [0, ...begin], end: [size, ...end] }), 0],
  pad: ([x], [d], { before, after }, size) => [bind('pad', [moveToFront(x, d, size)], { before: [0, ...before], after: [0, ...after] }), 0],
  concat: (xs, ds, { axis }, size) => [bind('concat', xs.map((x, i) => moveToFront(x, ds[i]!, size)), { axis: axis + 1 }), 0],
  gather: ([x, idx], [dx, di], { axis }, size) => {
    if (di === null) return [bind('gather', [moveToFront(x, dx, size), idx], { axis: axis + 1 }), 0]
    const i = moveToFront(idx, di, size)
    if (dx === null) return [bind('gather', [x, i], { axis }), axis]
    // Both batched: slice b gathers from block b of x flattened over (batch, axis): index + b·A (offsetIndices).
    const xb = moveToFront(x, dx, size)
    const A = xb.shape[axis + 1]!
    const pre = xb.shape.slice(1, axis + 1)
    const post = xb.shape.slice(axis + 2)
    const rows = transpose(xb, [0, axis + 1, ...pre.map((_, k) => k + 1), ...post.map((_, k) => axis + 2 + k)])
    const flat = reshape(rows, [size * A, ...pre, ...post])
    const got = bind('gather', [flat, offsetIndices(i, size, A)], { axis: 0 }) // [B, ...is, ...pre, ...post]
    const ir = i.rank - 1
    const perm = [0, ...pre.map((_, k) => 1 + ir + k), ...Array.from({ length: ir }, (_, k) => 1 + k), ...post.map((_, k) => 1 + ir + pre.length + k)]
    return [transpose(got, perm), 0]
  },
  scatterAdd: ([u, idx], [du, di], { axis, size: n }, size) => {
    if (di === null) return [bind('scatterAdd', [moveToFront(u, du, size), idx], { axis: axis + 1, size: n }), 0]
    // Batched indices: scatter slice b into block b of a (batch, axis) axis of size B·n: index + b·n (offsetIndices).
    const ub = moveToFront(u, du, size)
    const i = moveToFront(idx, di, size)
    const ir = i.rank - 1
    const pre = ub.shape.slice(1, axis + 1)
    const post = ub.shape.slice(axis + 1 + ir)
    // [B, pre, is, post] → [pre, B, is, post], so the batch sits next to the index axes.
    const moved = transpose(ub, [...pre.map((_, k) => k + 1), 0, ...Array.from({ length: ir + post.length }, (_, k) => axis + 1 + k)])
    const got = bind('scatterAdd', [moved, offsetIndices(i, size, n)], { axis: pre.length, size: size * n }) // [pre, B·n, post]
    const split = reshape(got, [...pre, size, n, ...post])
    return [transpose(split, [pre.length, ...pre.map((_, k) => k), ...Array.from({ length: 1 + post.length }, (_, k) => pre.length + 1 + k)]), 0]
  },
  matmul: ([a, b], [da, db], params, size) => {
    // Batch axes in front, and the operands' own batch axes padded to one rank, so the batch lines up.
    const A = da === null ? a : moveToFront(a, da, size)
    const B = db === null ? b : moveToFront(b, db, size)
    const own = (x: Tensor, d: number | null): number => x.rank - 2 - (d === null ? 0 : 1)
    const rank = Math.max(own(A, da), own(B, db))
    const pad = (x: Tensor, d: number | null): Tensor =>
      d === null ? x : reshape(x, [size, ...Array<number>(rank - own(x, d)).fill(1), ...x.shape.slice(1)])
    return [bind('matmul', [pad(A, da), pad(B, db)], params), 0]
  },
  conv: ([x, w], [dx, dw], p, size) => {
    const nsp = p.strides.length
    const groups = p.featureGroupCount
    if (dw === null) {
      // A batch of inputs is a bigger batch N: [B, N, ...] → [B·N, ...].
      const xb = moveToFront(x, dx, size)
      const y = bind('conv', [reshape(xb, [size * xb.shape[1]!, ...xb.shape.slice(2)]), w], p)
      return [reshape(y, [size, xb.shape[1]!, ...y.shape.slice(1)]), 0]
    }
    const wb = moveToFront(w, dw, size) // [B, ...window, C/G, O]
    const window = wb.shape.slice(1, nsp + 1)
    const [cg, o] = [wb.shape[nsp + 1]!, wb.shape[nsp + 2]!]
    const og = o / groups
    const axes = (n: number, from: number): number[] => Array.from({ length: n }, (_, i) => i + from)
    if (dx === null) {
      // A batch of filters is more output channels in each group: group g's are (b, f) for b < B, f < O/G.
      const filters = reshape(transpose(reshape(wb, [size, ...window, cg, groups, og]), [...axes(nsp + 2, 1), 0, nsp + 3]), [...window, cg, groups * size * og])
      const y = bind('conv', [x, filters], p) // [N, ...spatial′, G·B·O/G]
      const front = y.shape.slice(0, -1)
      const split = reshape(y, [...front, groups, size, og])
      return [reshape(transpose(split, [front.length + 1, ...axes(front.length, 0), front.length, front.length + 2]), [size, ...front, o]), 0]
    }
    if (size === 0) {
      const d = convDims(x.shape.filter((_, i) => i !== dx), w.shape.filter((_, i) => i !== dw), p)
      return [zeros([0, d.n, ...d.out, d.o], x.dtype), 0] // no slices: no groups to fold them into
    }
    // Both batched: B·G groups in all, channels (b, c) of the inputs meeting filters (b, f).
    const xb = moveToFront(x, dx, size) // [B, N, ...spatial, C]
    const inputs = reshape(transpose(xb, [...axes(nsp + 1, 1), 0, nsp + 2]), [...xb.shape.slice(1, -1), size * xb.shape[nsp + 2]!])
    const filters = reshape(transpose(wb, [...axes(nsp + 1, 1), 0, nsp + 2]), [...window, cg, size * o])
    const y = bind('conv', [inputs, filters], { ...p, featureGroupCount: size * groups }) // [N, ...spatial′, B·O]
    return [reshape(y, [...y.shape.slice(0, -1), size, o]), nsp + 1]
  },
  randomBits: keyed('randomBits'),
  randomSplit: keyed('randomSplit'),
  randomFoldIn: keyed('randomFoldIn'),
  user: (xs, ds, { rules, params }) => rules.batch(xs, ds, params),
}
