/**
 * The law table: one row per differentiable primitive and composite, each an
 * arbitrary of cases `{ f, x }` on random shapes (broadcasting, size-0 and
 * size-1 dimensions) with inputs inside the op's domain and away from its
 * kinks. Used by gradients.test.ts.
 */
import fc from 'fast-check'
import type { GradCase, GradsOptions } from '../../laws/gradients.js'
import { type TensorArbOptions, broadcastShapesArb, matmulCaseArb, normalLike, shapeArb, tensorArb, tensorsArb } from '../../laws/arbitraries.js'
import { type Shape, broadcastShapes, sizeOf } from '../../src/core/shape.js'
import { type Tensor, fromTypedArray, tensor } from '../../src/core/tensor.js'
import { type Tree, flatten } from '../../src/tree/index.js'
import * as T from '../../src/ad/index.js'
import * as nn from '../../src/nn/index.js'

/** Small shapes keep second-order checks cheap: rank ≤ 4, dimensions ≤ 4, at most 36 elements. */
export const S = { maxRank: 4, maxDim: 4, maxSize: 36 } as const

export type Case = GradCase<Tree, Tree>
export interface Row {
  readonly name: string
  readonly cases: fc.Arbitrary<Case>
  readonly options?: GradsOptions
}
const row = <P extends Tree, Y extends Tree>(name: string, cases: fc.Arbitrary<GradCase<P, Y>>, options?: GradsOptions): Row =>
  ({ name, cases: cases as unknown as fc.Arbitrary<Case>, ...(options === undefined ? {} : { options }) })

const unary = (name: string, f: (x: Tensor) => Tensor, values: TensorArbOptions = {}, shapes = shapeArb(S)): Row =>
  row(name, shapes.chain((s) => tensorArb(s, values)).map((x) => ({ f, x })))

const binary = (name: string, f: (a: Tensor, b: Tensor) => Tensor, va: TensorArbOptions = {}, vb: TensorArbOptions = va, opts?: { joint?: TensorArbOptions; minDim?: number }): Row =>
  row(name, broadcastShapesArb(2, { ...S, minDim: opts?.minDim ?? 0 })
    .chain(([sa, sb]) => (opts?.joint !== undefined ? tensorsArb([sa!, sb!], opts.joint) : fc.tuple(tensorArb(sa!, va), tensorArb(sb!, vb))))
    .map(([a, b]) => ({ f: (p: { a: Tensor; b: Tensor }) => f(p.a, p.b), x: { a: a!, b: b! } })))

/** Reduction axes of `shape` (or none = all), only over non-empty axes when `nonEmpty` (max, min, mean). */
const reduceOptionsArb = (shape: Shape, nonEmpty: boolean): fc.Arbitrary<T.ReduceOptions> => {
  const axes = shape.flatMap((d, i) => (nonEmpty && d === 0 ? [] : [i]))
  const all = !nonEmpty || shape.every((d) => d > 0)
  return fc.tuple(fc.subarray(axes), fc.boolean(), fc.boolean()).map(([ax, whole, keepdims]) =>
    whole && all ? { keepdims } : { axis: ax.map((a) => (a % 2 === 0 ? a : a - shape.length)), keepdims })
}

/** A shape with at least one non-empty axis, and one such axis (negative half the time). */
const nonEmptyAxis = shapeArb({ ...S, minRank: 1 })
  .filter((s) => s.some((d) => d > 0))
  .chain((s) => fc.constantFrom(...s.flatMap((d, i) => (d > 0 ? [i, i - s.length] : []))).map((axis) => [s, axis] as const))

/** How many elements each output of a reduction with these options sums. */
const reducedCount = (shape: Shape, o: T.ReduceOptions): number =>
  (o.axis === undefined ? shape : (typeof o.axis === 'number' ? [o.axis] : o.axis).map((a) => shape[a < 0 ? a + shape.length : a]!)).reduce((k, d) => k * d, 1)

const permutation = (n: number) => fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n, maxLength: n })

const sep = { separation: 0.05 }
const positive = { min: 0.5, max: 3 }
const awayFromZero = { avoid: [0], margin: 0.05 }

/**
 * A convolution's case: 1-d or 2-d, batch 0–2, spatial extents 1–3 (size 1 included),
 * channels per group 0–2 and output channels per group 0–2 (size 0 included), groups
 * 1–2, strides, dilations, every padding mode (explicit pads down to −1) and both layouts.
 */
const convCaseArb = fc.integer({ min: 1, max: 2 }).chain((nsp) => {
  const per = (min: number, max: number) => fc.array(fc.integer({ min, max }), { minLength: nsp, maxLength: nsp })
  return fc.record({
    n: fc.nat(2), spatial: per(1, 3), window: per(1, 2), cg: fc.nat(2), groups: fc.integer({ min: 1, max: 2 }), og: fc.nat(2),
    strides: per(1, 2), lhsDilation: per(1, 2), rhsDilation: per(1, 2),
    padding: fc.oneof(fc.constant('SAME' as const), fc.constant('VALID' as const), fc.array(fc.tuple(fc.integer({ min: -1, max: 1 }), fc.integer({ min: 0, max: 1 })), { minLength: nsp, maxLength: nsp })),
    layout: fc.constantFrom('NHWC' as const, 'NCHW' as const),
  })
}).filter((c) => c.n * sizeOf(c.spatial) * c.cg * c.groups <= 36 && c.spatial.every((d, a) => {
  const din = (d - 1) * c.lhsDilation[a]! + 1
  const k = (c.window[a]! - 1) * c.rhsDilation[a]! + 1
  return typeof c.padding !== 'object' || c.padding[a]![0] + din + c.padding[a]![1] >= k
}) && (typeof c.padding === 'object' || c.padding === 'SAME' || c.spatial.every((d, a) => (d - 1) * c.lhsDilation[a]! + 1 >= (c.window[a]! - 1) * c.rhsDilation[a]! + 1)))
  .chain((c) => {
    const first = c.layout === 'NCHW'
    const C = c.cg * c.groups
    const O = c.og * c.groups
    const xs = first ? [c.n, C, ...c.spatial] : [c.n, ...c.spatial, C]
    const ws = first ? [O, c.cg, ...c.window] : [...c.window, c.cg, O]
    const options: T.ConvOptions = { strides: c.strides, padding: c.padding, lhsDilation: c.lhsDilation, rhsDilation: c.rhsDilation, featureGroupCount: c.groups, dimensionNumbers: c.layout }
    return tensorsArb([xs, ws]).map(([x, w]) => ({ f: (p: { x: Tensor; w: Tensor }) => T.conv(p.x, p.w, options), x: { x: x!, w: w! } }))
  })

/** A pooling case: [batch, ...spatial, features] with 1 or 2 spatial axes, windows that fit, every padding mode. */
const poolCaseArb = (pool: (x: Tensor, window: readonly number[], o: T.AvgPoolOptions) => Tensor, values: TensorArbOptions, includePad: fc.Arbitrary<boolean>) =>
  fc.integer({ min: 1, max: 2 }).chain((nsp) => {
    const per = (min: number, max: number) => fc.array(fc.integer({ min, max }), { minLength: nsp, maxLength: nsp })
    return fc.record({
      batch: fc.array(fc.nat(2), { maxLength: 1 }), spatial: per(1, 3), c: fc.nat(2), window: per(1, 2), strides: per(1, 2),
      padding: fc.oneof(fc.constant('SAME' as const), fc.constant('VALID' as const), fc.array(fc.tuple(fc.nat(1), fc.nat(1)), { minLength: nsp, maxLength: nsp })),
      countIncludePad: includePad,
    })
  }).filter((c) => sizeOf([...c.batch, ...c.spatial, c.c]) <= 36 && (c.padding === 'SAME' || c.spatial.every((d, a) => d >= c.window[a]!)))
    // Every window overlaps the input (one wholly in padding has no maximum, and no count to average by).
    .filter((c) => typeof c.padding !== 'object' || c.padding.every((q, a) => q[0] < c.window[a]! && q[1] < c.window[a]!))
    .chain((c) => tensorArb([...c.batch, ...c.spatial, c.c], values).map((x) => ({ f: (v: Tensor) => pool(v, c.window, { strides: c.strides, padding: c.padding, countIncludePad: c.countIncludePad }), x })))

const primitiveRows: readonly Row[] = [
  unary('neg', T.neg),
  unary('exp', T.exp),
  unary('expm1', T.expm1, { min: -2, max: 2 }),
  unary('log', T.log, positive),
  unary('log1p', T.log1p, { min: -0.5, max: 2 }),
  unary('sqrt', T.sqrt, positive),
  unary('abs', T.abs, awayFromZero),
  unary('sin', T.sin, { min: -4, max: 4 }),
  unary('cos', T.cos, { min: -4, max: 4 }),
  // |x| ≤ 1: tan's fourth derivative is ~3400 at 1.2 (~400 at 1), which put the order-2 finite differences (eps 1e-4) past their tolerance there once in ~4000 draws.
  unary('tan', T.tan, { min: -1, max: 1 }),
  unary('tanh', T.tanh, { min: -3, max: 3 }),
  unary('sigmoid', T.sigmoid, { min: -4, max: 4 }),
  unary('relu', T.relu, awayFromZero),
  unary('erf', T.erf, { min: -3, max: 3 }),
  // |x| ≤ 0.6: erfInv's derivatives blow up towards ±1 (the fourth is 68 at 0.6, 423 at 0.75, 1.5·10⁴ at 0.9); the
  // order-2 finite differences (eps 1e-4) failed their tolerance once in ~2000 draws on |x| ≤ 0.75, none in 45000 on 0.6.
  unary('erfInv', T.erfInv, { min: -0.6, max: 0.6 }),
  binary('add', T.add),
  binary('sub', T.sub),
  binary('mul', T.mul),
  binary('div', T.div, {}, { avoid: [0], margin: 0.5 }),
  binary('pow', T.pow, { min: 0.5, max: 2 }, { min: -2, max: 2 }),
  binary('maximum', T.maximum, {}, {}, { joint: sep }),
  binary('minimum', T.minimum, {}, {}, { joint: sep }),
  row('where', broadcastShapesArb(3, S)
    .chain(([sc, sa, sb]) => fc.tuple(tensorArb(sc!, { dtype: 'bool' }), tensorArb(sa!), tensorArb(sb!)))
    .map(([c, a, b]) => ({ f: (p: { a: Tensor; b: Tensor }) => T.where(c, p.a, p.b), x: { a, b } }))),
  // Rounding to float32 is piecewise constant: a central difference sees it as the identity plus an
  // error ≤ 2⁻²⁴·|x ± εt|/ε per element. The map is otherwise linear (no truncation error at any ε),
  // so ε = 1 puts that error (≈ 2e-7 for |x| ≤ 3) far below atol = 1e-5. Its derivative maps compute
  // in float32 too, so the exact identities hold to float32 rounding: the default budget of 2¹³ units
  // of roundoff, in float32's unit 2⁻²⁴.
  row('cast', shapeArb(S).chain((s) => tensorArb(s)).map((x) => ({ f: (v: Tensor) => T.cast(T.mul(T.cast(v, 'float32'), 3), 'float64'), x })), { eps: 1, roundoff: 2 ** 13 * 2 ** -24 }),
  row('sum', shapeArb(S).chain((s) => fc.tuple(tensorArb(s), reduceOptionsArb(s, false))).map(([x, o]) => ({ f: (v: Tensor) => T.sum(v, o), x }))),
  row('max', shapeArb(S).chain((s) => fc.tuple(tensorArb(s, sep), reduceOptionsArb(s, true))).map(([x, o]) => ({ f: (v: Tensor) => T.max(v, o), x }))),
  row('min', shapeArb(S).chain((s) => fc.tuple(tensorArb(s, sep), reduceOptionsArb(s, true))).map(([x, o]) => ({ f: (v: Tensor) => T.min(v, o), x }))),
  row('reshape', shapeArb(S).chain((s) => fc.tuple(tensorArb(s), fc.constantFrom<readonly number[]>([sizeOf(s)], [...s].reverse(), [1, ...s, 1], [-1])))
    .map(([x, to]) => ({ f: (v: Tensor) => T.reshape(v, to), x }))),
  row('transpose', shapeArb(S).chain((s) => fc.tuple(tensorArb(s), permutation(s.length))).map(([x, p]) => ({ f: (v: Tensor) => T.transpose(v, p), x }))),
  row('broadcastTo', broadcastShapesArb(2, S).chain(([a, b]) => tensorArb(a!).map((x) => ({ f: (v: Tensor) => T.broadcastTo(v, broadcastShapes(a!, b!)), x })))),
  row('slice', shapeArb(S).chain((s) => fc.tuple(tensorArb(s), fc.tuple(...s.map((d) => fc.tuple(fc.nat(d), fc.nat(d)).map(([p, q]) => [Math.min(p, q), Math.max(p, q)] as const)))))
    .map(([x, box]) => ({ f: (v: Tensor) => T.slice(v, box.map((b) => b[0]), box.map((b) => b[1])), x }))),
  row('pad', shapeArb(S).chain((s) => fc.tuple(tensorArb(s), fc.array(fc.nat(2), { minLength: s.length, maxLength: s.length }), fc.array(fc.nat(2), { minLength: s.length, maxLength: s.length })))
    .map(([x, before, after]) => ({ f: (v: Tensor) => T.pad(v, before.map((b, i) => [b, after[i]!] as const)), x }))),
  row('concat', shapeArb({ ...S, minRank: 1, maxSize: 12 }).chain((s) => fc.nat(s.length - 1).chain((axis) =>
    fc.array(fc.nat(3), { minLength: 2, maxLength: 3 }).chain((ks) => tensorsArb(ks.map((k) => s.map((d, i) => (i === axis ? k : d)))).map((xs) => ({ f: (vs: readonly Tensor[]) => T.concat(vs, { axis }), x: xs })))))),
  row('gather', shapeArb({ ...S, minRank: 1 }).chain((s) => fc.nat(s.length - 1).chain((axis) =>
    fc.tuple(tensorArb(s), s[axis] === 0 ? fc.constant([0]) : shapeArb({ maxRank: 2, maxDim: 3 })).chain(([x, is]) =>
      tensorArb(is, { dtype: 'int32', min: 0, max: Math.max(s[axis]! - 1, 0) }).map((idx) => ({ f: (v: Tensor) => T.gather(v, idx, { axis }), x })))))),
  row('scatterAdd', fc.tuple(shapeArb({ maxRank: 2, maxDim: 3 }), shapeArb({ maxRank: 1, maxDim: 3 }), shapeArb({ maxRank: 1, maxDim: 3 }), fc.integer({ min: 1, max: 4 }))
    .chain(([is, pre, post, size]) => fc.tuple(tensorArb([...pre, ...is, ...post]), tensorArb(is, { dtype: 'int32', min: 0, max: size - 1 }))
      .map(([u, idx]) => ({ f: (v: Tensor) => T.scatterAdd(v, idx, { axis: pre.length, size }), x: u })))),
  ...([[false, false], [true, false], [false, true], [true, true]] as const).map(([ta, tb]) =>
    row(`matmul ${ta ? 'Aᵀ' : 'A'}·${tb ? 'Bᵀ' : 'B'}`, matmulCaseArb({ transposeA: ta, transposeB: tb, maxBatchRank: 0, vectors: false }).chain(matmulInputs))),
  row('matmul batched, broadcast', matmulCaseArb({ maxBatchRank: 2, vectors: false, maxDim: 3 }).chain(matmulInputs)),
  row('matmul with 1-D operands', matmulCaseArb({ maxBatchRank: 1 }).filter((c) => c.a.length === 1 || c.b.length === 1).chain(matmulInputs)),
  row('conv (1-d and 2-d; strides, dilations, groups, padding, both layouts)', convCaseArb),
]

function matmulInputs(c: { a: Shape; b: Shape; transposeA: boolean; transposeB: boolean }): fc.Arbitrary<GradCase<{ a: Tensor; b: Tensor }, Tensor>> {
  return fc.tuple(tensorArb(c.a), tensorArb(c.b)).map(([a, b]) => ({ f: (p: { a: Tensor; b: Tensor }) => T.matmul(p.a, p.b, c), x: { a, b } }))
}

const compositeRows: readonly Row[] = [
  row('mean', shapeArb(S).chain((s) => fc.tuple(tensorArb(s), reduceOptionsArb(s, true))).map(([x, o]) => ({ f: (v: Tensor) => T.mean(v, o), x }))),
  unary('square', T.square),
  unary('rsqrt', T.rsqrt, positive),
  unary('softplus', T.softplus, { min: -4, max: 4 }),
  // At 0 each side takes its own branch; the derivatives must still be σ(0) = 1/2 and σ′(0) = 1/4.
  row('softplus at 0 and far out', shapeArb(S).chain((s) => fc.array(fc.constantFrom(0, -30, 30, -0.5), { minLength: sizeOf(s), maxLength: sizeOf(s) })
    .map((vs) => ({ f: T.softplus, x: fromTypedArray(Float64Array.from(vs), s) })))),
  unary('logSigmoid', T.logSigmoid, { min: -4, max: 4 }),
  unary('silu', T.silu, { min: -4, max: 4 }),
  unary('gelu (tanh approximation)', T.gelu, { min: -4, max: 4 }),
  unary('gelu (exact)', (x) => T.gelu(x, { approximate: false }), { min: -4, max: 4 }),
  unary('elu', (x) => T.elu(x, { alpha: 0.7 }), awayFromZero),
  unary('leakyRelu', (x) => T.leakyRelu(x, { negativeSlope: 0.2 }), awayFromZero),
  binary('sigmoidBinaryCrossEntropy', T.sigmoidBinaryCrossEntropy, { min: -4, max: 4 }, { min: 0, max: 1 }),
  row('logSumExp', nonEmptyAxis.chain(([s, axis]) => fc.tuple(tensorArb(s, { min: -3, max: 3 }), fc.boolean()).map(([x, k]) => ({ f: (v: Tensor) => T.logSumExp(v, { axis, keepdims: k }), x })))),
  row('logSoftmax', nonEmptyAxis.chain(([s, axis]) => tensorArb(s, { min: -3, max: 3 }).map((x) => ({ f: (v: Tensor) => T.logSoftmax(v, { axis }), x })))),
  row('softmax', nonEmptyAxis.chain(([s, axis]) => tensorArb(s, { min: -3, max: 3 }).map((x) => ({ f: (v: Tensor) => T.softmax(v, { axis }), x })))),
  row('oneHot (a constant factor)', shapeArb({ maxRank: 2, maxDim: 3 }).chain((s) => fc.integer({ min: 1, max: 4 }).chain((C) =>
    fc.tuple(tensorArb([...s, C]), tensorArb(s, { dtype: 'int32', min: 0, max: C - 1 })).map(([x, labels]) => ({ f: (v: Tensor) => T.mul(v, T.oneHot(labels, C, 'float64')), x }))))),
  row('softmaxCrossEntropy, int labels', shapeArb({ maxRank: 2, minDim: 1, maxDim: 3 }).chain((s) => fc.integer({ min: 1, max: 4 }).chain((C) =>
    fc.tuple(tensorArb([...s, C], { min: -3, max: 3 }), tensorArb(s, { dtype: 'int32', min: 0, max: C - 1 })).map(([x, labels]) => ({ f: (v: Tensor) => T.softmaxCrossEntropy(v, labels), x }))))),
  row('softmaxCrossEntropy, target distributions', shapeArb({ minRank: 1, maxRank: 3, minDim: 1, maxDim: 3 }).chain((s) =>
    fc.tuple(tensorArb(s, { min: -3, max: 3 }), tensorArb(s, { min: 0, max: 1 })).map(([logits, targets]) => ({ f: (p: { logits: Tensor; targets: Tensor }) => T.softmaxCrossEntropy(p.logits, p.targets), x: { logits, targets } })))),
  binary('mse', T.mse, {}, {}, { minDim: 1 }),
  row('clip', broadcastShapesArb(3, { ...S, maxSize: 24 }).chain(([sx, sl, sh]) => tensorsArb([sx!, sl!, sh!], sep))
    .map(([x, lo, hi]) => ({ f: (p: { x: Tensor; lo: Tensor; hi: Tensor }) => T.clip(p.x, p.lo, p.hi), x: { x: x!, lo: lo!, hi: hi! } }))),
  row('norm', shapeArb(S).chain((s) => fc.tuple(tensorArb(s, { avoid: [0], margin: 0.1 }), reduceOptionsArb(s, false))).map(([x, o]) => ({ f: (v: Tensor) => T.norm(v, o), x }))),
  row('sumTo', broadcastShapesArb(2, S).chain(([a, b]) => tensorArb(broadcastShapes(a!, b!)).map((x) => ({ f: (v: Tensor) => T.sumTo(v, a!), x })))),
  row('expandDims', shapeArb({ ...S, maxRank: 3 }).chain((s) => fc.tuple(tensorArb(s), fc.integer({ min: -s.length - 1, max: s.length }))).map(([x, a]) => ({ f: (v: Tensor) => T.expandDims(v, { axis: a }), x }))),
  row('variance', shapeArb(S).chain((s) => fc.tuple(tensorArb(s), reduceOptionsArb(s, true), fc.nat(1)))
    .filter(([x, o, ddof]) => reducedCount(x.shape, o) > ddof).map(([x, o, ddof]) => ({ f: (v: Tensor) => T.variance(v, { ...o, ddof }), x }))),
  // std′ = (x − μ)/(N·std), and its higher derivatives grow like 1/std³: values spread out (a ramp of 1.2 per
  // element plus noise in ±0.4, so any two differ by ≥ 0.4) keep the order-2 finite differences accurate; with a
  // separation of only 0.1, [−1.8, −2, −1.9] failed them once, the rule being right.
  row('std', shapeArb({ ...S, minDim: 2 }).chain((s) => fc.tuple(
    tensorArb(s, { min: -0.4, max: 0.4 }).map((u) => T.add(u, fromTypedArray(Float64Array.from({ length: sizeOf(s) }, (_, i) => 1.2 * i), s))),
    reduceOptionsArb(s, true), fc.nat(1)))
    .filter(([x, o]) => reducedCount(x.shape, o) >= 2).map(([x, o, ddof]) => ({ f: (v: Tensor) => T.std(v, { ...o, ddof }), x }))),
  row('prod', shapeArb(S).chain((s) => fc.tuple(tensorArb(s, { min: -1.5, max: 1.5 }), reduceOptionsArb(s, false))).map(([x, o]) => ({ f: (v: Tensor) => T.prod(v, o), x }))),
  // Factors of magnitude ≤ 1: with 2s and −1.5s a product of sixteen reaches 2¹⁰, and its third derivatives put
  // the order-2 finite differences (eps 1e-4) past their tolerance (a JVP of exactly 0 measured as −3.6e-5).
  row('prod with zeros', shapeArb({ ...S, minRank: 1 }).chain((s) => fc.array(fc.constantFrom(0, 0, -0.75, 1), { minLength: sizeOf(s), maxLength: sizeOf(s) })
    .chain((vs) => reduceOptionsArb(s, false).map((o) => ({ f: (v: Tensor) => T.prod(v, o), x: fromTypedArray(Float64Array.from(vs), s) }))))),
  row('cumsum', shapeArb(S).chain((s) => fc.tuple(tensorArb(s), s.length === 0 ? fc.constant(undefined) : fc.option(fc.integer({ min: -s.length, max: s.length - 1 }), { nil: undefined })))
    .map(([x, axis]) => ({ f: (v: Tensor) => T.cumsum(v, axis === undefined ? {} : { axis }), x }))),
  row('stack', shapeArb({ ...S, maxRank: 3, maxSize: 12 }).chain((s) => fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: -s.length - 1, max: s.length }))
    .chain(([k, axis]) => tensorsArb(Array<Shape>(k).fill(s)).map((xs) => ({ f: (vs: readonly Tensor[]) => T.stack(vs, { axis }), x: xs }))))),
  row('flip', shapeArb(S).chain((s) => fc.tuple(tensorArb(s), fc.subarray(s.map((_, i) => i)), fc.boolean()))
    .map(([x, axes, all]) => ({ f: (v: Tensor) => T.flip(v, all ? {} : { axis: axes }), x }))),
  row('tile', shapeArb({ ...S, maxRank: 3, maxSize: 12 }).chain((s) => fc.tuple(tensorArb(s), fc.array(fc.nat(2), { maxLength: 4 })))
    .map(([x, reps]) => ({ f: (v: Tensor) => T.tile(v, reps), x }))),
  row('repeat', shapeArb({ ...S, maxRank: 3, maxSize: 12 }).chain((s) => fc.tuple(tensorArb(s), fc.nat(3), s.length === 0 ? fc.constant(undefined) : fc.option(fc.nat(s.length - 1), { nil: undefined })))
    .map(([x, r, axis]) => ({ f: (v: Tensor) => T.repeat(v, r, axis === undefined ? {} : { axis }), x }))),
  row('repeat, a count per element', shapeArb({ ...S, minRank: 1, maxRank: 3, maxSize: 12 }).chain((s) => fc.nat(s.length - 1).chain((axis) =>
    fc.tuple(tensorArb(s), fc.array(fc.nat(3), { minLength: s[axis]!, maxLength: s[axis]! })).map(([x, rs]) => ({ f: (v: Tensor) => T.repeat(v, rs, { axis }), x }))))),
  row('pad (the jnp.pad form, a constant)', shapeArb(S).chain((s) => fc.tuple(tensorArb(s), fc.oneof(fc.nat(2), fc.tuple(fc.nat(2), fc.nat(2)), fc.tuple(...s.map(() => fc.tuple(fc.nat(2), fc.nat(2))))), fc.constantFrom(0, 2.5)))
    .map(([x, w, c]) => ({ f: (v: Tensor) => T.pad(v, w, { constantValues: c }), x }))),
  // Well-separated values: no ties within a window, so the maximum is differentiable.
  row('maxPool', poolCaseArb((x, w, o) => T.maxPool(x, w, o), sep, fc.constant(true))),
  row('avgPool', poolCaseArb((x, w, o) => T.avgPool(x, w, o), {}, fc.boolean())),
  row('squeeze', shapeArb({ ...S, minDim: 1, maxDim: 3 }).map((s) => s.flatMap((d, i) => (i % 2 === 0 ? [d, 1] : [d]))).chain((s) => tensorArb(s)).map((x) => ({ f: (v: Tensor) => T.squeeze(v), x }))),
]

// ---------------------------------------------------------------- sorting: sort, argsort, topK

/** A rank ≥ 1 shape and one of its axes (negative half the time). */
const sortAxisArb = shapeArb({ ...S, minRank: 1 }).chain((s) => fc.nat(s.length - 1).chain((a) => fc.constantFrom(a, a - s.length)).map((axis) => [s, axis] as const))
/** Sort keys with ties, −0 and NaN: the stable order is what decides where each value goes. */
const tiedKeyArb = (n: number) => fc.array(fc.constantFrom(-1, 0, -0, 0.5, 2, NaN), { minLength: n, maxLength: n }).map((vs) => fromTypedArray(Float64Array.from(vs), [n]))

const sortRows: readonly Row[] = [
  // Values kept apart: sort is linear between ties and has no derivative at one.
  row('sort', sortAxisArb.chain(([s, axis]) => fc.tuple(tensorArb(s, sep), fc.boolean()).map(([x, descending]) => ({ f: (v: Tensor) => T.sort(v, { axis, descending }), x })))),
  row('sort, flattened (axis: null)', shapeArb(S).chain((s) => tensorArb(s, sep)).map((x) => ({ f: (v: Tensor) => T.sort(v, { axis: null }), x }))),
  row('topK (values)', sortAxisArb.chain(([s, axis]) => fc.tuple(tensorArb(s, sep), fc.nat(s[axis < 0 ? axis + s.length : axis]!))
    .map(([x, k]) => ({ f: (v: Tensor) => T.topK(v, k, { axis })[0], x })))),
  // Ties and NaN in the key: values move by the stable permutation (ascending, descending, top-k), which is
  // exactly how sort's and topK's derivatives route tangents and cotangents at ties.
  row('argsort with ties and NaN, gathering values', fc.integer({ min: 0, max: 6 }).chain((n) => fc.tuple(tensorArb([n]), tiedKeyArb(n), fc.boolean()))
    .map(([x, key, descending]) => ({ f: (v: Tensor) => T.gather(v, T.argsort(key, { descending })), x }))),
  row('topK with ties and NaN, gathering values', fc.integer({ min: 0, max: 6 }).chain((n) => fc.tuple(tensorArb([n]), tiedKeyArb(n), fc.nat(n)))
    .map(([x, key, k]) => ({ f: (v: Tensor) => T.gather(v, T.topK(key, k)[1]), x }))),
]

// ---------------------------------------------------------------- nn layers: layer norm, batch norm, maxout

/** A shape with a non-empty last axis of 2..4 features and at least two values per normalised group. */
const featuresArb = shapeArb({ ...S, minRank: 1, maxRank: 3, minDim: 1, maxDim: 3, maxSize: 24 }).chain((s) => fc.integer({ min: 2, max: 4 }).map((c) => [...s.slice(0, -1), c]))
const scaleBiasArb = (c: number) => fc.tuple(tensorArb([c]), tensorArb([c]))
/**
 * Values u + 1.2·i (i the flat index, |u| ≤ 0.4): any two differ by at least 0.4, so every normalised group
 * has σ ≥ 0.2 and 1/√(σ² + ε) stays tame — the finite differences of the order-2 maps see no steep curvature.
 */
const spreadArb = (s: Shape) => tensorArb(s, { min: -0.4, max: 0.4 }).map((u) => T.add(u, fromTypedArray(Float64Array.from({ length: sizeOf(s) }, (_, i) => 1.2 * i), s)))

const nnRows: readonly Row[] = [
  // Kept away from zero variance, where 1/√(σ² + ε) is steep (see spreadArb).
  row('nn.layerNorm', featuresArb.chain((s) => fc.tuple(spreadArb(s), scaleBiasArb(s[s.length - 1]!)))
    .map(([x, [scale, bias]]) => ({ f: (p: { x: Tensor; scale: Tensor; bias: Tensor }) => nn.layerNorm()({ scale: p.scale, bias: p.bias }, p.x), x: { x, scale, bias } }))),
  row('nn.batchNorm (Train: batch statistics)', featuresArb.filter((s) => s.length >= 2 && sizeOf(s) / s[s.length - 1]! >= 2)
    .chain((s) => fc.tuple(spreadArb(s), scaleBiasArb(s[s.length - 1]!)))
    .map(([x, [scale, bias]]) => {
      const c = x.shape[x.rank - 1]!
      const stats = { mean: fromTypedArray(new Float64Array(c), [c]), var: fromTypedArray(new Float64Array(c).fill(1), [c]) }
      return { f: (p: { x: Tensor; scale: Tensor; bias: Tensor }) => nn.batchNorm({ momentum: 0.9 })({ scale: p.scale, bias: p.bias }, stats, p.x, nn.Train)[0], x: { x, scale, bias } }
    })),
  row('nn.batchNorm (Eval: the running statistics are inputs)', featuresArb.chain((s) => fc.tuple(tensorArb(s), scaleBiasArb(s[s.length - 1]!), tensorArb([s[s.length - 1]!]), tensorArb([s[s.length - 1]!], positive)))
    .map(([x, [scale, bias], mean, v]) => ({
      f: (p: { x: Tensor; scale: Tensor; bias: Tensor; mean: Tensor; var: Tensor }) => nn.batchNorm()({ scale: p.scale, bias: p.bias }, { mean: p.mean, var: p.var }, p.x, nn.Eval)[0],
      x: { x, scale, bias, mean, var: v },
    }))),
  row('nn.maxout', shapeArb({ ...S, maxRank: 2, maxSize: 12 }).chain((s) => fc.integer({ min: 1, max: 3 }).chain((k) => tensorArb([...s, k * 2], sep).map((z) => ({ f: (v: Tensor) => nn.maxout(v, k), x: z }))))),
]

export const table: readonly Row[] = [...primitiveRows, ...compositeRows, ...sortRows, ...nnRows]

/** x ↦ Σ ⟨w, f(x)⟩ with a fixed normal weight w: a scalar function whose Hessian involves every second derivative of f. */
export const scalarized = (k: Case): GradCase<Tree, Tensor> => {
  const w = flatten(normalLike(k.f(k.x), 99))
  return {
    x: k.x,
    f: (x) => flatten(k.f(x)).reduce((s, { value }, i) => T.add(s, T.sum(T.mul(w[i]!.value, value))), tensor(0, 'float64')),
  }
}
