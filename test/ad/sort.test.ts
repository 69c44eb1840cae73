/**
 * sort, argsort and topK against an independent definition — a stable
 * insertion sort written here, with JAX's order (−0 = +0, NaN after +∞) — on
 * ties, −0, NaN, every axis and dtype, sizes 0 and 1; known answers from
 * JAX's and TensorFlow's documentation; derivatives at ties (the cotangent
 * follows the stable permutation); and the vmap and evalShape laws on inputs
 * with ties and NaN, batched.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { evalShapeProperty, tensorArb, vmapProperty } from '../../laws/index.js'
import { shapeArb } from '../../laws/arbitraries.js'
import type { Tree } from '../../src/tree/index.js'
import { TensorError, argsort, fromTypedArray, grad, jvp, mul, sort, sum, tensor, topK, vjp, type Tensor } from '../../src/index.js'

type DT = 'float32' | 'float64' | 'int32'

/** JAX's comparison of sort keys: −0 equals +0, every NaN is larger than everything else and equal to other NaNs. */
const before = (u: number, v: number): boolean => (Number.isNaN(u) ? false : Number.isNaN(v) ? true : u < v)

/** The stable ascending order of one row: insertion sort, which moves an element only past strictly larger ones. */
const stableOrder = (row: readonly number[]): number[] => {
  const out: number[] = []
  for (let i = 0; i < row.length; i++) {
    let j = out.length
    while (j > 0 && before(row[i]!, row[out[j - 1]!]!)) j--
    out.splice(j, 0, i)
  }
  return out
}
/** The stable descending order: insertion moving only past strictly smaller elements (NaN the largest). */
const stableDescending = (row: readonly number[]): number[] => {
  const out: number[] = []
  for (let i = 0; i < row.length; i++) {
    let j = out.length
    while (j > 0 && before(row[out[j - 1]!]!, row[i]!)) j--
    out.splice(j, 0, i)
  }
  return out
}

/** Applies `perRow` (a row's values → its output, with a possibly different length) to every row along `axis`. */
const alongAxis = (data: ArrayLike<number>, shape: readonly number[], axis: number, perRow: (row: number[]) => number[]): { values: number[]; shape: number[] } => {
  const n = shape[axis]!
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1)
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1)
  const rows: number[][] = []
  for (let o = 0; o < outer; o++) for (let c = 0; c < inner; c++) rows.push(perRow(Array.from({ length: n }, (_, i) => data[o * n * inner + i * inner + c]!)))
  const m = rows[0]?.length ?? (n === 0 ? 0 : perRow(Array<number>(n).fill(0)).length)
  const values = Array<number>(outer * m * inner)
  for (let o = 0; o < outer; o++) for (let c = 0; c < inner; c++) for (let i = 0; i < m; i++) values[o * m * inner + i * inner + c] = rows[o * inner + c]![i]!
  return { values, shape: shape.map((d, i) => (i === axis ? m : d)) }
}

const bits = (t: Tensor): number[] => Array.from(t.toTypedArray() as ArrayLike<number>)
/** Element-for-element, with −0 ≠ +0 and NaN = NaN. */
const same = (got: readonly number[], want: readonly number[]): boolean => got.length === want.length && got.every((v, i) => Object.is(v, want[i]))

/** Values with ties, −0 and NaN (floats), or small ints with ties. */
const tiedArb = (shape: readonly number[], dtype: DT): fc.Arbitrary<Tensor> => {
  const n = shape.reduce((a, b) => a * b, 1)
  const choices = dtype === 'int32' ? [-3, 0, 1, 2, 2 ** 31 - 1, -(2 ** 31)] : [-Infinity, -1.5, -0, 0, 0.25, 2, Infinity, NaN]
  return fc.array(fc.oneof(fc.constantFrom(...choices), fc.integer({ min: -4, max: 4 })), { minLength: n, maxLength: n })
    .map((vs) => fromTypedArray(dtype === 'int32' ? Int32Array.from(vs) : dtype === 'float32' ? Float32Array.from(vs) : Float64Array.from(vs), shape))
}
const caseArb = shapeArb({ minRank: 1, maxRank: 3, maxDim: 5, maxSize: 40 }).chain((s) =>
  fc.tuple(fc.constantFrom<DT>('float32', 'float64', 'int32'), fc.nat(s.length - 1), fc.boolean()).chain(([dtype, axis, neg]) =>
    tiedArb(s, dtype).map((x) => ({ x, axis, given: neg ? axis - s.length : axis }))))

describe('argsort, sort and topK against a stable insertion sort', () => {
  it('argsort, ascending and descending, is the stable order on every axis and dtype', () => {
    fc.assert(fc.property(caseArb, ({ x, axis, given }) => {
      const data = x.toTypedArray() as ArrayLike<number>
      expect(bits(argsort(x, { axis: given }))).toEqual(alongAxis(data, x.shape, axis, stableOrder).values)
      expect(bits(argsort(x, { axis: given, descending: true }))).toEqual(alongAxis(data, x.shape, axis, stableDescending).values)
      expect(argsort(x, { axis: given }).dtype).toBe('int32')
    }), { numRuns: 300 })
  })

  it('sort is the values in stable order; descending is the ascending sort reversed (as jnp.sort), bit for bit', () => {
    fc.assert(fc.property(caseArb, ({ x, axis, given }) => {
      const data = x.toTypedArray() as ArrayLike<number>
      const up = alongAxis(data, x.shape, axis, (r) => stableOrder(r).map((i) => r[i]!))
      const down = alongAxis(data, x.shape, axis, (r) => stableOrder(r).map((i) => r[i]!).reverse())
      const s = sort(x, { axis: given })
      expect(s.dtype).toBe(x.dtype)
      expect(s.shape).toEqual(x.shape)
      expect(same(bits(s), up.values)).toBe(true)
      expect(same(bits(sort(x, { axis: given, descending: true })), down.values)).toBe(true)
      expect(same(bits(sort(x, { axis: given, stable: false })), up.values)).toBe(true)
    }), { numRuns: 300 })
  })

  it('topK is the first k of the stable descending order: ties by lower index, NaN largest', () => {
    fc.assert(fc.property(caseArb.chain((c) => fc.nat(c.x.shape[c.axis]!).map((k) => ({ ...c, k }))), ({ x, axis, given, k }) => {
      const data = x.toTypedArray() as ArrayLike<number>
      const idx = alongAxis(data, x.shape, axis, (r) => stableDescending(r).slice(0, k))
      const vals = alongAxis(data, x.shape, axis, (r) => stableDescending(r).slice(0, k).map((i) => r[i]!))
      const [v, i] = topK(x, k, { axis: given })
      expect(i.shape).toEqual(idx.shape)
      expect(v.shape).toEqual(idx.shape)
      expect(bits(i)).toEqual(idx.values)
      expect(same(bits(v), vals.values)).toBe(true)
    }), { numRuns: 300 })
  })

  it('axis: null sorts the flattened tensor (JAX\'s axis=None), also a scalar', () => {
    const x = tensor([[3, 1], [NaN, -2]], 'float64')
    expect(bits(sort(x, { axis: null }))).toEqual([-2, 1, 3, NaN])
    expect(bits(argsort(x, { axis: null, descending: true }))).toEqual([2, 0, 1, 3])
    expect(sort(tensor(5), { axis: null }).shape).toEqual([1])
  })

  it('sizes 0 and 1', () => {
    expect(sort(tensor([], 'float64')).shape).toEqual([0])
    expect(argsort(fromTypedArray(new Float64Array(0), [2, 0]), { axis: 1, descending: true }).shape).toEqual([2, 0])
    expect(bits(sort(tensor([[-0], [NaN]]), { axis: 1, descending: true }))).toEqual([-0, NaN])
    const [v, i] = topK(fromTypedArray(new Float64Array(0), [3, 0]), 0)
    expect([v.shape, i.shape]).toEqual([[3, 0], [3, 0]])
    const [v1, i1] = topK(tensor([[4], [7]]), 1)
    expect([bits(v1), bits(i1)]).toEqual([[4, 7], [0, 0]])
    expect(topK(tensor([1, 2, 3]), 0)[0].shape).toEqual([0])
  })
})

describe('known answers from JAX and TensorFlow documentation', () => {
  it('lax.top_k([9, 3, 6, 4, 10], 3) = [10, 9, 6], [4, 0, 2] (JAX docs)', () => {
    const [v, i] = topK(tensor([9, 3, 6, 4, 10]), 3)
    expect([bits(v), bits(i)]).toEqual([[10, 9, 6], [4, 0, 2]])
  })
  it('jnp.top_k([[1,2,3,4,5],[5,4,3,2,1]], 2) = [[5,4],[5,4]], [[4,3],[0,1]] (JAX docs)', () => {
    const [v, i] = topK(tensor([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]], 'int32'), 2)
    expect([v.toArray(), i.toArray(), v.dtype]).toEqual([[[5, 4], [5, 4]], [[4, 3], [0, 1]], 'int32'])
  })
  it('tf.math.top_k: [99, 98, 96] at [5, 2, 9], and ties [0, 1, 3] by lower index (TensorFlow docs)', () => {
    const [v, i] = topK(tensor([1, 2, 98, 1, 1, 99, 3, 1, 3, 96, 4, 1], 'int32'), 3)
    expect([bits(v), bits(i)]).toEqual([[99, 98, 96], [5, 2, 9]])
    expect(bits(topK(tensor([1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0], 'int32'), 3)[1])).toEqual([0, 1, 3])
  })
})

describe('derivatives follow the stable permutation, also at ties', () => {
  const tied = tensor([2, 1, 2, -0, 0, 1, 2], 'float64')
  const w = tensor([1, 10, 100, 1e3, 1e4, 1e5, 1e6], 'float64')
  it('the VJP of sort scatters the cotangent back through the permutation', () => {
    for (const descending of [false, true]) {
      const order = descending ? stableOrder(bits(tied)).reverse() : stableOrder(bits(tied))
      const want = Array<number>(7).fill(0)
      order.forEach((src, dst) => { want[src] = bits(w)[dst]! })
      expect(bits(grad((v: Tensor) => sum(mul(sort(v, { descending }), w)))(tied))).toEqual(want)
      const [, pullback] = vjp((v: Tensor) => sort(v, { descending }), tied)
      expect(bits(pullback(w))).toEqual(want)
      // The JVP gathers the tangent through the same permutation.
      expect(bits(jvp((v: Tensor) => sort(v, { descending }), tied, w)[1])).toEqual(order.map((i) => bits(w)[i]!))
    }
  })
  it('topK sends each output\'s cotangent to the entry it chose, zero elsewhere', () => {
    const g = grad((v: Tensor) => sum(mul(topK(v, 3)[0], tensor([1, 10, 100], 'float64'))))(tied)
    expect(bits(g)).toEqual([1, 0, 10, 0, 0, 0, 100])
  })
})

describe('the vmap and evalShape laws on batched ties, −0 and NaN', () => {
  const cases = caseArb.chain(({ x, given }) => fc.nat(x.shape[given < 0 ? given + x.rank : given]!).map((k) => ({ x, given, k })))
  const fs: Readonly<Record<string, (c: { given: number; k: number }) => (v: Tensor) => Tree>> = {
    'argsort ascending': ({ given }: { given: number }) => (v: Tensor) => argsort(v, { axis: given }),
    'argsort descending': ({ given }: { given: number }) => (v: Tensor) => argsort(v, { axis: given, descending: true }),
    'sort ascending': ({ given }: { given: number }) => (v: Tensor) => sort(v, { axis: given }),
    'sort descending': ({ given }: { given: number }) => (v: Tensor) => sort(v, { axis: given, descending: true }),
    'topK (values and indices)': ({ given, k }: { given: number; k: number }) => (v: Tensor) => topK(v, k, { axis: given }),
  }
  it.each(Object.entries(fs))('%s', (_, make) => {
    const rows = cases.map((c) => ({ f: make(c), x: c.x }))
    fc.assert(vmapProperty(rows), { numRuns: 100 })
    fc.assert(evalShapeProperty(rows), { numRuns: 50 })
  })
  it('float64 values away from ties under vmap of grad', () => {
    fc.assert(vmapProperty(shapeArb({ minRank: 1, maxRank: 2, maxDim: 4 }).chain((s) => tensorArb(s, { separation: 0.05 }))
      .map((x) => ({ f: grad((v: Tensor) => sum(mul(sort(v), sort(v, { descending: true })))), x }))), { numRuns: 50 })
  })
})

describe('bad arguments are TensorErrors naming the function', () => {
  it('rejects scalars, bad axes, k out of range and bad flags', () => {
    expect(() => sort(tensor(1))).toThrow(TensorError)
    expect(() => sort(tensor(1))).toThrow('sort: x must have at least one axis to sort along, got a scalar float32[]; pass axis: null')
    expect(() => argsort(tensor([1, 2]), { axis: 1 })).toThrow('argsort: axis 1 is out of range for rank 1')
    expect(() => argsort(tensor([1, 2]), { descending: 'yes' as unknown as boolean })).toThrow('argsort: descending must be a boolean, got "yes"')
    expect(() => sort(tensor([1, 2]), { axis: [0] as unknown as number })).toThrow('sort: axis must be one integer or null, got an array')
    expect(() => topK(tensor([[1, 2, 3]]), 4)).toThrow('topK: k must be an integer in [0, 3] (the size of axis 1 of x[1,3]), got 4')
    expect(() => topK(tensor([1, 2, 3]), -1)).toThrow('topK: k must be an integer in [0, 3]')
    expect(() => topK(tensor([1, 2, 3]), 1.5)).toThrow('topK: k must be an integer in [0, 3]')
    expect(() => topK(tensor(3), 1)).toThrow('topK: x must have at least one axis, got a scalar float32[]')
  })
})
