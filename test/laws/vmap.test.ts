/**
 * The vmap laws over every primitive and composite: the rows of the gradient
 * table (each drawing `{ f, x }` on random shapes), and rows for the
 * primitives that have no derivative — comparisons, argmax/argmin, argsort,
 * sign, cast, stopGradient, where with a batched bool condition, gather and
 * scatterAdd with batched indices, and the random primitives through the
 * samplers with a mapped key. Every row draws batch sizes (0, 1 and more), a
 * batch axis per input (anywhere, negative, or none) and per output, and
 * checks vmap against the loop, vmap of vmap against the double loop, and —
 * for float64 rows — jvp and grad against vmap in both orders. The evalShape
 * law runs over the same rows, and under vmap and grad.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type VmapCase,
  type VmapPropertyOptions,
  checkVmap,
  evalShapeCheck,
  evalShapeLaw,
  evalShapeProperty,
  normalLike,
  vmapCaseArb,
  vmapCheck,
  vmapGradCheck,
  vmapGradLaw,
  vmapJvpCheck,
  vmapJvpLaw,
  vmapLaw,
  vmapNestedCheck,
  vmapNestedLaw,
  vmapProperty,
  vmapTolerances,
} from '../../laws/index.js'
import { broadcastShapesArb, shapeArb, tensorArb } from '../../laws/arbitraries.js'
import type { Shape } from '../../src/core/shape.js'
import { type Tensor, fromTypedArray, tensor } from '../../src/core/tensor.js'
import * as T from '../../src/ad/index.js'
import { type Prim, abstractEval } from '../../src/ad/primitives.js'
import * as random from '../../src/random/index.js'
import type { Tree } from '../../src/tree/index.js'
import { type Case, S, scalarized, table } from './table.js'

const RUNS = { numRuns: 200 }

interface VRow {
  readonly name: string
  readonly cases: fc.Arbitrary<Case>
  readonly options: VmapPropertyOptions
}
const vrow = <P extends Tree>(name: string, cases: fc.Arbitrary<{ f: (x: P) => Tree; x: P }>, options: VmapPropertyOptions = {}): VRow =>
  ({ name, cases: cases as unknown as fc.Arbitrary<Case>, options })

/** Rows whose batched kernels may sum in another order than the loop's: compared within roundoff, not bit for bit. */
const reordered = /^(sum|mean|logSumExp|logSoftmax|softmax|softmaxCrossEntropy|mse|norm|sumTo|matmul)\b/

// ---------------------------------------------------------------- rows without derivatives

/** Values from a few choices (ties, zeros, −0), so comparisons, sign and the arg-reductions meet their edge cases. */
const choiceArb = (shape: Shape, choices: readonly number[], dtype: 'float64' | 'int32' = 'float64'): fc.Arbitrary<Tensor> => {
  const n = shape.reduce((a, b) => a * b, 1)
  return fc.array(fc.constantFrom(...choices), { minLength: n, maxLength: n }).map((vs) => fromTypedArray(dtype === 'int32' ? Int32Array.from(vs) : Float64Array.from(vs), shape))
}
const tiesArb = (shape: Shape) => fc.oneof(choiceArb(shape, [-1, 0, 0.5, 2]), choiceArb(shape, [-2, 0, 1], 'int32'), tensorArb(shape))
const nonEmptyAxis = shapeArb({ ...S, minRank: 1 }).filter((s) => s.some((d) => d > 0))
  .chain((s) => fc.constantFrom(...s.flatMap((d, i) => (d > 0 ? [i, i - s.length] : []))).map((axis) => [s, axis] as const))

const compares = { equal: T.equal, notEqual: T.notEqual, less: T.less, lessEqual: T.lessEqual, greater: T.greater, greaterEqual: T.greaterEqual }
const compareRows = Object.entries(compares).map(([name, op]) =>
  vrow(name, broadcastShapesArb(2, S).chain(([sa, sb]) => fc.constantFrom<'float64' | 'int32'>('float64', 'int32').chain((d) =>
    fc.tuple(choiceArb(sa!, [-1, 0, 2], d), choiceArb(sb!, [-1, 0, 2], d))))
    .map(([a, b]) => ({ f: (p: { a: Tensor; b: Tensor }) => op(p.a, p.b), x: { a, b } }))))

/** Keys (int32 [2] leaves) are drawn as fresh words; every other leaf is resampled from the case. */
const keyWords = (like: Tensor, shape: Shape): fc.Arbitrary<Tensor> | undefined =>
  like.dtype !== 'int32' ? undefined : fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) }).map((ws) => fromTypedArray(Int32Array.from(ws), shape))
const keyArb = fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((s) => random.key(s) as Tensor)
const sampleShape = shapeArb({ maxRank: 2, maxDim: 3 })
const floatD = fc.constantFrom<'float32' | 'float64'>('float32', 'float64')
const keyed = (name: string, draw: fc.Arbitrary<(k: random.Key) => Tree>) =>
  vrow(name, fc.tuple(keyArb, draw).map(([x, f]) => ({ f: (k: Tensor) => f(k as random.Key), x })), { leaf: keyWords })

const undifferentiatedRows: readonly VRow[] = [
  ...compareRows,
  vrow('argmax', nonEmptyAxis.chain(([s, axis]) => fc.tuple(tiesArb(s), fc.boolean(), fc.boolean())
    .map(([x, keepdims, flat]) => ({ f: (v: Tensor) => T.argmax(v, flat && x.size > 0 ? { keepdims } : { axis, keepdims }), x })))),
  vrow('argmin', nonEmptyAxis.chain(([s, axis]) => fc.tuple(tiesArb(s), fc.boolean()).map(([x, keepdims]) => ({ f: (v: Tensor) => T.argmin(v, { axis, keepdims }), x })))),
  vrow('argsort', shapeArb({ ...S, minRank: 1 }).chain((s) => fc.tuple(tiesArb(s), fc.integer({ min: -s.length, max: s.length - 1 })))
    .map(([x, axis]) => ({ f: (v: Tensor) => T.argsort(v, { axis }), x }))),
  vrow('sign', shapeArb(S).chain((s) => choiceArb(s, [-1.5, -0, 0, 2, NaN])).map((x) => ({ f: T.sign, x }))),
  vrow('cast (to every dtype)', shapeArb(S).chain((s) => fc.tuple(tiesArb(s), fc.constantFrom<'float32' | 'float64' | 'int32' | 'bool'>('float32', 'float64', 'int32', 'bool')))
    .map(([x, d]) => ({ f: (v: Tensor) => T.cast(v, d), x }))),
  vrow('stopGradient', shapeArb(S).chain((s) => tensorArb(s)).map((x) => ({ f: T.stopGradient, x }))),
  vrow('where, batched bool condition', broadcastShapesArb(3, S).chain(([sc, sa, sb]) => fc.tuple(tensorArb(sc!, { dtype: 'bool' }), tensorArb(sa!), tensorArb(sb!)))
    .map(([c, a, b]) => ({ f: (p: { c: Tensor; a: Tensor; b: Tensor }) => T.where(p.c, p.a, p.b), x: { c, a, b } }))),
  vrow('gather, batched indices', shapeArb({ ...S, minRank: 1 }).chain((s) => fc.nat(s.length - 1).chain((axis) =>
    fc.tuple(tensorArb(s), s[axis] === 0 ? fc.constant([0]) : shapeArb({ maxRank: 2, maxDim: 3 }), fc.boolean()).chain(([x, is, neg]) =>
      tensorArb(is, { dtype: 'int32', min: 0, max: Math.max(s[axis]! - 1, 0) }).map((idx) => ({ f: (p: { x: Tensor; idx: Tensor }) => T.gather(p.x, p.idx, { axis: neg ? axis - s.length : axis }), x: { x, idx } })))))),
  vrow('gather, flattened, batched indices', shapeArb({ ...S, minDim: 1 }).chain((s) => fc.tuple(tensorArb(s), shapeArb({ maxRank: 2, maxDim: 3 })).chain(([x, is]) =>
    tensorArb(is, { dtype: 'int32', min: 0, max: x.size - 1 }).map((idx) => ({ f: (p: { x: Tensor; idx: Tensor }) => T.gather(p.x, p.idx), x: { x, idx } }))))),
  vrow('scatterAdd, batched indices', fc.tuple(shapeArb({ maxRank: 2, maxDim: 3 }), shapeArb({ maxRank: 1, maxDim: 3 }), shapeArb({ maxRank: 1, maxDim: 3 }), fc.integer({ min: 1, max: 4 }))
    .chain(([is, pre, post, size]) => fc.tuple(tensorArb([...pre, ...is, ...post]), tensorArb(is, { dtype: 'int32', min: 0, max: size - 1 }))
      .map(([u, idx]) => ({ f: (p: { u: Tensor; idx: Tensor }) => T.scatterAdd(p.u, p.idx, { axis: pre.length, size }), x: { u, idx } })))),
  vrow('oneHot, batched labels', shapeArb({ maxRank: 2, maxDim: 3 }).chain((s) => fc.integer({ min: 1, max: 4 }).chain((C) =>
    tensorArb(s, { dtype: 'int32', min: 0, max: C - 1 }).map((labels) => ({ f: (l: Tensor) => T.oneHot(l, C, 'float64'), x: labels }))))),
  vrow('softmaxCrossEntropy, batched int labels', shapeArb({ maxRank: 2, minDim: 1, maxDim: 3 }).chain((s) => fc.integer({ min: 1, max: 4 }).chain((C) =>
    fc.tuple(tensorArb([...s, C], { min: -3, max: 3 }), tensorArb(s, { dtype: 'int32', min: 0, max: C - 1 }))
      .map(([logits, labels]) => ({ f: (p: { logits: Tensor; labels: Tensor }) => T.softmaxCrossEntropy(p.logits, p.labels), x: { logits, labels } })))), { exact: false }),
  keyed('randomBits (uniform)', fc.tuple(sampleShape, floatD, fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: 0, max: 3, noNaN: true }))
    .map(([s, dtype, minval, w]) => (k: random.Key) => random.uniform(k, s, { dtype, minval, maxval: minval + w }))),
  keyed('randomBits (normal)', fc.tuple(sampleShape, floatD).map(([s, dtype]) => (k: random.Key) => random.normal(k, s, dtype))),
  keyed('randomBits (bernoulli, number p)', fc.tuple(sampleShape, fc.double({ min: 0, max: 1, noNaN: true })).map(([s, p]) => (k: random.Key) => random.bernoulli(k, p, s))),
  vrow('randomBits (bernoulli, batched tensor p)', fc.tuple(keyArb, sampleShape.chain((s) => fc.tuple(tensorArb(s, { min: 0, max: 1 }), fc.boolean())))
    .map(([k, [p, f32]]) => ({ f: (q: { k: Tensor; p: Tensor }) => random.bernoulli(q.k as random.Key, f32 ? T.cast(q.p, 'float32') : q.p), x: { k, p } })), { leaf: keyWords }),
  keyed('randomBits (permutation)', fc.integer({ min: 0, max: 6 }).map((n) => (k: random.Key) => random.permutation(k, n))),
  keyed('randomSplit', fc.integer({ min: 0, max: 3 }).map((n) => (k: random.Key) => random.split(k, n))),
  keyed('randomSplit (a pair, then draws)', fc.constant((k: random.Key) => {
    const [a, b] = random.split(k)
    return [a, random.uniform(b, [2], { dtype: 'float64' })]
  })),
  keyed('randomFoldIn', fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }).map((d) => (k: random.Key) => random.foldIn(k, d))),
  keyed('randomFoldIn (then split and draw over the key array with an inner vmap)', fc.integer({ min: 0, max: 100 }).map((d) => (k: random.Key) =>
    T.vmap((s: Tensor) => random.normal(s as random.Key, [2], 'float64'))(random.split(random.foldIn(k, d), 3)))),
]

const vmapTable: readonly VRow[] = [
  ...table.map((r) => vrow(r.name, r.cases, { exact: !reordered.test(r.name) })),
  ...undifferentiatedRows,
]

describe('the vmap laws hold for every primitive and composite', () => {
  it.each(vmapTable.map((r) => [r.name, r] as const))('%s', (_, r) => {
    fc.assert(vmapProperty(r.cases, r.options), RUNS)
  })

  it('the table covers every primitive of the catalogue, and each row exercises its ops', () => {
    const prims = (Object.keys(abstractEval) as Prim[]).filter((p) => p !== 'user')
    const exercised = new Set<string>()
    for (const r of vmapTable) for (const k of fc.sample(r.cases, { numRuns: 10, seed: 1 })) for (const n of T.trace(k.f)(k.x).nodes) exercised.add(n.op)
    expect(prims.filter((name) => !exercised.has(name))).toEqual([])
    expect(prims.filter((name) => !vmapTable.some((r) => r.name.split(' ')[0] === name))).toEqual([])
  })

  it('the draws cover sizes 0 and 1, negative and shared axes, positional arguments, and batched indices and keys', () => {
    const rows = ['add', 'concat', 'gather, batched indices', 'randomBits (uniform)'].map((n) => vmapTable.find((r) => r.name === n)!)
    const drawn = rows.flatMap((r) => fc.sample(vmapCaseArb(r.cases, r.options), { numRuns: 200, seed: 3 }))
    const specs = (s: unknown): unknown[] => (s === null || typeof s === 'number' ? [s] : Array.isArray(s) ? s.flatMap(specs) : Object.values(s as object).flatMap(specs))
    expect(new Set(drawn.map((c) => c.size))).toEqual(new Set([0, 1, 2, 3]))
    expect(drawn.some((c) => specs(c.axes.inAxes).includes(null))).toBe(true)
    expect(drawn.some((c) => specs(c.axes.inAxes).some((a) => typeof a === 'number' && a < 0))).toBe(true)
    expect(drawn.some((c) => specs(c.axes.outAxes).some((a) => typeof a === 'number' && a > 0))).toBe(true)
    expect(drawn.some((c) => c.axes.positional === true)).toBe(true)
    expect(drawn.some((c) => typeof c.axes.inAxes === 'number')).toBe(true)
    expect(drawn.some((c) => typeof c.axes.inAxes === 'object' && c.axes.inAxes !== null)).toBe(true)
  })
})

/** The vmapped function of a drawn case, called as the laws call it. */
const vmapped = (c: VmapCase<Tree, Tree>) => (xs: Tree): Tree =>
  c.axes.positional === true
    ? T.vmap((...a: Tree[]) => c.f(a), { inAxes: c.axes.inAxes as number | null | readonly T.AxisSpec[], outAxes: c.axes.outAxes ?? 0 })(...(xs as Tree[]))
    : T.vmap(c.f, { inAxes: [c.axes.inAxes ?? 0], outAxes: c.axes.outAxes ?? 0 })(xs)

describe('the evalShape law: abstract evaluation gives the real output\'s avals', () => {
  it.each(vmapTable.map((r) => [r.name, r] as const))('%s: f, vmap(f) and its derivatives', (_, r) => {
    fc.assert(evalShapeProperty(r.cases), { numRuns: 30 })
    fc.assert(evalShapeProperty(vmapCaseArb(r.cases, r.options).map((c) => ({ f: vmapped(c), x: c.xs }))), { numRuns: 30 })
  })

  it.each(table.map((r) => [r.name, r] as const))('%s: the gradient, jvp and pullback maps', (_, r) => {
    fc.assert(fc.property(r.cases, (k) => {
      const s = scalarized(k)
      const t = normalLike(k.x, 1)
      const y = k.f(k.x)
      expect(evalShapeLaw(T.grad(s.f), k.x)).toBe(true)
      expect(evalShapeLaw((p: { x: Tree; t: Tree }) => T.jvp(k.f, p.x, p.t), { x: k.x, t })).toBe(true)
      expect(evalShapeLaw((p: { x: Tree; c: Tree }) => T.vjp(k.f, p.x)[1](p.c), { x: k.x, c: normalLike(y, 2) })).toBe(true)
    }), { numRuns: 10 })
  })
})

// ---------------------------------------------------------------- the laws can fail

/** An elementwise user primitive computing `impl`, with the batch rule given (written wrong on purpose below). */
const elementwise = (name: string, impl: (v: number) => number, batch: (x: Tensor, d: number | null, self: (x: Tensor) => Tensor) => readonly [Tensor, number | null], rules: Partial<Pick<T.PrimitiveDef<undefined>, 'vjp' | 'jvp'>> = {}) => {
  const p: T.Primitive<undefined> = T.definePrimitive({
    name,
    abstractEval: ([x]) => x!,
    impl: ([x]) => x!.map(impl),
    vjp: rules.vjp ?? null,
    jvp: rules.jvp ?? null,
    batch: ([x], [d]) => batch(x!, d!, self),
  })
  const self = (x: Tensor): Tensor => p([x], undefined)
  return self
}
/** 2x, whose batch rule says the batch axis is in front wherever it was. */
const frontDim = elementwise('frontDim', (v) => 2 * v, (x, _d, self) => [self(x), 0])
/** 2x, whose batch rule says the output does not depend on the batch. */
const lostBatch = elementwise('lostBatch', (v) => 2 * v, (x, _d, self) => [self(x), null])
/** 2x, whose batch rule returns the slices in reverse order: the right shape, the wrong values. */
const reversed = elementwise('reversed', (v) => 2 * v, (x, d, self) => {
  const n = x.shape[d!]!
  return [self(T.gather(x, tensor(Array.from({ length: n }, (_, i) => n - 1 - i), 'int32'), { axis: d! })), d]
})
/** 3x, batched as (21x)/7: the same number up to one rounding. */
const reassociated = elementwise('reassociated', (v) => v * 3, (x, d) => [T.div(T.mul(x, 21), 7), d])
/** 3x with a right batch rule, whose derivative rules use `lostBatch` (wrong under vmap). */
const badInside = elementwise('badInside', (v) => 3 * v, (x, d, self) => [self(x), d], {
  jvp: ([t]) => T.mul(lostBatch(t!), 1.5),
  vjp: (g) => T.mul(lostBatch(g), 1.5),
})
/** The sum over the last axis, whose batch rule forgets that the batch axis may be that axis. */
const rowSumP: T.Primitive<undefined> = T.definePrimitive({
  name: 'rowSum',
  abstractEval: ([x]) => ({ shape: x!.shape.slice(0, -1), dtype: x!.dtype }),
  impl: ([x], _, out) => {
    const n = out.shape.reduce((a, b) => a * b, 1)
    const k = n === 0 ? 0 : x!.length / n
    const sums = new Float64Array(n)
    for (let i = 0; i < n * k; i++) sums[Math.floor(i / k)]! += x![i]!
    return sums
  },
  vjp: null,
  jvp: null,
  batch: ([x], [d]) => [rowSumP([x!], undefined), d!],
})
const rowSum = (x: Tensor): Tensor => rowSumP([x], undefined)

describe('the laws can fail', () => {
  const xs = tensor([[1, 2, 3], [4, 5, 6]], 'float64')
  const fails = (p: fc.IProperty<[unknown]>): string => {
    try {
      fc.assert(p, { numRuns: 100, seed: 7 })
    } catch (e) {
      const cause = (e as Error).cause
      return cause instanceof Error ? cause.message : String(e)
    }
    return 'no failure'
  }
  const inputs = shapeArb({ minRank: 1, maxRank: 2, minDim: 1, maxDim: 3 }).chain((s) => tensorArb(s))

  it('a batch rule that misplaces the batch axis fails where the axis is not in front, and the property finds it', () => {
    expect(vmapLaw(frontDim, xs, { inAxes: 0 })).toBe(true)
    const r = vmapCheck(frontDim, xs, { inAxes: 1 })
    expect(r.ok).toBe(false)
    expect(r.at).toBe('the transformed function threw: frontDim: batch rule returned float64[2,3] with batch axis 0, expected an axis of size 3')
    expect(fails(vmapProperty(frontDim, inputs, { nested: false }))).toMatch(/vmap\(f\) = f stacked over the slices fails/)
  })

  it('a batch rule that shuffles the slices fails on values, though every shape is right', () => {
    expect(vmapLaw(reversed, tensor([[1, 2, 3]], 'float64'))).toBe(true) // one slice: nothing to shuffle
    const r = vmapCheck(reversed, xs, { inAxes: 1 })
    expect([r.ok, r.at, r.got, r.want]).toEqual([false, 'output [0]', 6, 2])
    expect(fails(vmapProperty(reversed, inputs, { nested: false }))).toMatch(/vmap\(f\) = f stacked over the slices fails at output/)
  })

  it('a batch rule that drops the batch fails, and so does outAxes null on a batched output', () => {
    expect(vmapCheck(lostBatch, xs).at).toBe('the transformed function threw: lostBatch: batch rule returned float64[2,3], expected float64[3]')
    expect(vmapCheck(T.exp, xs, { outAxes: null }).at).toMatch(/threw: vmap: the output has outAxes null but depends on the mapped axis/)
  })

  it('a reordered computation fails the exact comparison by an ulp, and passes within roundoff', () => {
    const x = tensor([[3.4246575342465753], [3.9726027397260273]], 'float64')
    const r = vmapCheck(reassociated, x)
    expect(r.ok).toBe(false)
    expect(Math.abs(r.got - r.want)).toBeLessThan(1e-14)
    expect(vmapLaw(reassociated, x, {}, { exact: false })).toBe(true)
    expect(vmapLaw(reassociated, x, {}, { exact: false, ulps: 0 })).toBe(false)
    expect(vmapTolerances.ulps).toBe(2 ** 13)
  })

  it('derivative rules that are wrong under vmap fail the jvp and grad laws, though vmap of the function passes', () => {
    // Only vmap of jvp (of grad) batches the derivative rules; jvp of vmap (grad of vmap) runs them on whole batches.
    const x = tensor([[0.5, 1], [2, -1], [3, 0]], 'float64')
    expect(vmapLaw(badInside, x, { inAxes: 1 })).toBe(true)
    expect(vmapJvpLaw(badInside, x, normalLike(x, 1), { inAxes: 1 })).toBe(false)
    const [outside, inside] = vmapJvpCheck(badInside, x, normalLike(x, 1), { inAxes: 1 })
    expect([outside!.ok, inside!.ok]).toEqual([true, false])
    expect(inside!.law).toMatch(/^vmap\(jvp\(f\)\)/)
    // The cotangent must be batched for the VJP rule to be batched: not so for sum(f(v)), whose cotangent is a broadcast 1.
    const loss = (v: Tensor) => T.sum(T.mul(badInside(v), v))
    expect(vmapGradLaw((v: Tensor) => T.sum(badInside(v)), x, { inAxes: 1 })).toBe(true)
    expect(vmapGradLaw(loss, x, { inAxes: 1 })).toBe(false)
    expect(vmapGradCheck(loss, x, { inAxes: 1 }).map((c) => [c.law, c.ok])).toEqual([['vmap(grad(f)) = the loop of grad(f)', false], ['grad(Σ vmap(f)) = the per-slice gradients, stacked or summed', true]])
    expect(vmapGradLaw((v: Tensor) => T.sum(T.mul(v, 3)), x, { inAxes: 1 })).toBe(true)
  })

  it('a batch rule that ignores where the batch axis is fails vmap and vmap of vmap', () => {
    const x = tensor([[[1, 2], [3, 4], [5, 6]]], 'float64') // [1, 3, 2]
    expect(vmapLaw(rowSum, x, { inAxes: 0 })).toBe(true)
    expect(vmapLaw(rowSum, x, { inAxes: -1 })).toBe(false)
    expect(vmapNestedLaw(rowSum, x, { inAxes: 0 }, { inAxes: 0 })).toBe(true)
    expect(vmapNestedCheck(rowSum, x, { inAxes: 1 }, { inAxes: 0 }).ok).toBe(false)
  })

  it('a function that reads elements fails the evalShape law, which names the error', () => {
    const peek = (v: Tensor) => (v.toTypedArray()[0]! > 0 ? v : T.neg(v))
    expect(evalShapeLaw(T.exp, xs)).toBe(true)
    expect(evalShapeCheck(peek, xs).at).toMatch(/evalShape threw/)
    expect(checkVmap({ f: T.exp, x: tensor([1], 'float64'), xs: tensor([[1], [2]], 'float64'), axes: {}, size: 2 }).every((c) => c.ok)).toBe(true)
  })
})
