/**
 * variance, std, prod, cumsum, stack, flip, tile, repeat and the jnp.pad form
 * of pad, against independent definitions written here (index maps and loops
 * over flat arrays, on integer-valued floats so that sums and products are
 * exact), NumPy's documented examples, size-0 and size-1 cases, and their
 * errors. The laws (test/laws) check their derivatives and vmap.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { shapeArb } from '../../laws/arbitraries.js'
import type { Shape } from '../../src/core/shape.js'
import {
  TensorError, cumsum, flip, fromTypedArray, grad, pad, prod, repeat, stack, std, sum, tensor, tile, variance, zeros, type Tensor,
} from '../../src/index.js'

const arr = (t: Tensor): number[] => Array.from(t.toTypedArray())
const size = (s: Shape) => s.reduce((a, b) => a * b, 1)
/** The multi-index of flat index k in `shape`, and back. */
const unravel = (shape: Shape, k: number): number[] => {
  const idx = shape.map(() => 0)
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = k % shape[d]!
    k = Math.floor(k / shape[d]!)
  }
  return idx
}
const ravel = (shape: Shape, idx: readonly number[]): number => idx.reduce((k, i, d) => k * shape[d]! + i, 0)
/** The tensor of `shape` whose element at each index is `at(index)`. */
const build = (shape: Shape, at: (idx: number[]) => number): number[] => Array.from({ length: size(shape) }, (_, k) => at(unravel(shape, k)))

/** Integer-valued float64 tensors: sums and products of them are exact. */
const intsArb = (s: Shape, lo = -3, hi = 3) => fc.array(fc.integer({ min: lo, max: hi }), { minLength: size(s), maxLength: size(s) }).map((v) => fromTypedArray(Float64Array.from(v), s))
const small = shapeArb({ maxRank: 3, maxDim: 3 })
const withAxis = shapeArb({ minRank: 1, maxRank: 3, maxDim: 3 }).chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: -s.length, max: s.length - 1 })))
const norm = (a: number, r: number) => (a < 0 ? a + r : a)

describe('variance and std', () => {
  it('give NumPy’s documented values (np.var, np.std of [[1, 2], [3, 4]])', () => {
    const a = tensor([[1, 2], [3, 4]], 'float64')
    expect(variance(a).item()).toBe(1.25)
    expect(arr(variance(a, { axis: 0 }))).toEqual([1, 1])
    expect(arr(variance(a, { axis: 1 }))).toEqual([0.25, 0.25])
    expect(std(a).item()).toBe(1.118033988749895)
    expect(arr(std(a, { axis: 1 }))).toEqual([0.5, 0.5])
    expect(variance(tensor([1, 2, 3, 4], 'float64'), { ddof: 1 }).item()).toBe(5 / 3)
  })
  it('agree with the two-pass formula over any axes, with keepdims and ddof', () => {
    fc.assert(fc.property(small.chain((s) => fc.tuple(intsArb(s), fc.subarray(s.map((_, i) => i)), fc.boolean(), fc.nat(2))), ([x, axes, keepdims, ddof]) => {
      const s = x.shape
      const out = s.map((d, i) => (axes.includes(i) ? 1 : d))
      const n = axes.reduce((k, a) => k * s[a]!, 1)
      const data = arr(x)
      const want = build(out, (o) => {
        const block = data.filter((_, k) => unravel(s, k).every((v, d) => axes.includes(d) || v === o[d]))
        const m = block.reduce((a, b) => a + b, 0) / n
        return block.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(n - ddof, 0)
      })
      const got = variance(x, { axis: axes, keepdims, ddof })
      expect(got.shape).toEqual(keepdims ? out : s.filter((_, i) => !axes.includes(i)))
      arr(got).forEach((g, k) => {
        if (!Number.isFinite(want[k]!)) expect(g).toBe(want[k])
        else expect(Math.abs(g - want[k]!)).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(want[k]!)))
      })
      expect(arr(std(x, { axis: axes, keepdims, ddof }))).toEqual(arr(got).map(Math.sqrt))
    }), { numRuns: 200 })
  })
  it('as jnp.var: ddof ≥ N divides by 0, an empty axis is NaN, integers compute in float32, a large offset does not cancel', () => {
    expect(variance(tensor([1, 3], 'float64'), { ddof: 2 }).item()).toBe(Infinity)
    expect(variance(tensor([2, 2], 'float64'), { ddof: 2 }).item()).toBeNaN()
    expect(variance(zeros([0]))).toSatisfy((t: Tensor) => Number.isNaN(t.item()))
    expect(variance(tensor([1, 2], 'int32')).dtype).toBe('float32')
    expect(variance(tensor([1e8 + 1, 1e8 + 2, 1e8 + 3], 'float64')).item()).toBe(2 / 3)
    expect(arr(grad((x: Tensor) => variance(x, { ddof: 1 }))(tensor([1, 2, 6], 'float64')))).toEqual([-2, -1, 3])
  })
  it('reject a bad ddof under their own names', () => {
    expect(() => variance(tensor([1]), { ddof: -1 })).toThrow('variance: ddof must be a non-negative integer, got -1')
    expect(() => std(tensor([1]), { ddof: 0.5 })).toThrow('std: ddof must be a non-negative integer, got 0.5')
    expect(() => std(tensor([1]), { axis: 2 })).toThrow('std: axis 2 is out of range for rank 1')
  })
})

describe('prod and cumsum', () => {
  it('prod is the product of each block; 1 when empty; bools as int32', () => {
    fc.assert(fc.property(small.chain((s) => fc.tuple(intsArb(s, -2, 2), fc.subarray(s.map((_, i) => i)), fc.boolean())), ([x, axes, keepdims]) => {
      const s = x.shape
      const out = s.map((d, i) => (axes.includes(i) ? 1 : d))
      const data = arr(x)
      const want = build(out, (o) => data.filter((_, k) => unravel(s, k).every((v, d) => axes.includes(d) || v === o[d])).reduce((a, b) => a * b, 1))
      const got = prod(x, { axis: axes, keepdims })
      expect(got.shape).toEqual(keepdims ? out : s.filter((_, i) => !axes.includes(i)))
      expect(arr(got)).toEqual(want)
    }), { numRuns: 300 })
    expect(arr(prod(zeros([2, 0, 3]), { axis: 1 }))).toEqual([1, 1, 1, 1, 1, 1])
    expect(prod(tensor([true, false])).dtype).toBe('int32')
    expect(prod(tensor([65536, 65536], 'int32')).item()).toBe(0) // wraps, as int32 products do in JAX
  })
  it('prod’s gradient is the product of the others, zeros included', () => {
    expect(arr(grad((x: Tensor) => prod(x))(tensor([2, 0, 3, 0.5], 'float64')))).toEqual([0, 3, 0, 0])
    expect(arr(grad((x: Tensor) => prod(x))(tensor([2, 0, 3, 4], 'float64')))).toEqual([0, 24, 0, 0])
    expect(arr(grad((x: Tensor) => prod(x))(tensor([2, 5, 3], 'float64')))).toEqual([15, 6, 10])
  })
  it('cumsum is the running sum along an axis (the flattened tensor without one)', () => {
    fc.assert(fc.property(withAxis.chain(([s, a]) => fc.tuple(intsArb(s), fc.constant(a), fc.boolean())), ([x, a0, flat]) => {
      const s = flat ? [x.size] : x.shape
      const a = flat ? 0 : norm(a0, s.length)
      const data = arr(x)
      const want = build(s, (i) => {
        let acc = 0
        for (let j = 0; j <= i[a]!; j++) acc += data[ravel(s, i.map((v, d) => (d === a ? j : v)))]!
        return acc
      })
      const got = cumsum(x, flat ? {} : { axis: a0 })
      expect(got.shape).toEqual(s)
      expect(arr(got)).toEqual(want)
    }), { numRuns: 300 })
    expect(cumsum(tensor(5)).shape).toEqual([1])
    expect(arr(cumsum(tensor([true, true, false, true])))).toEqual([1, 2, 2, 3])
    expect(arr(grad((x: Tensor) => sum(cumsum(x)))(tensor([1, 1, 1, 1], 'float64')))).toEqual([4, 3, 2, 1])
  })
})

describe('stack, flip, tile, repeat', () => {
  it('stack puts each input at its index along a new axis', () => {
    fc.assert(fc.property(small.chain((s) => fc.tuple(fc.array(intsArb(s), { minLength: 1, maxLength: 3 }), fc.integer({ min: -s.length - 1, max: s.length }))), ([xs, a0]) => {
      const a = norm(a0, xs[0]!.rank + 1)
      const out = [...xs[0]!.shape.slice(0, a), xs.length, ...xs[0]!.shape.slice(a)]
      const got = stack(xs, { axis: a0 })
      expect(got.shape).toEqual(out)
      expect(arr(got)).toEqual(build(out, (i) => arr(xs[i[a]!]!)[ravel(xs[0]!.shape, i.filter((_, d) => d !== a))]!))
    }), { numRuns: 200 })
  })
  it('flip reverses the named axes (all by default)', () => {
    fc.assert(fc.property(small.chain((s) => fc.tuple(intsArb(s), fc.option(fc.subarray(s.map((_, i) => i)), { nil: undefined }))), ([x, axes]) => {
      const s = x.shape
      const flipped = axes ?? s.map((_, i) => i)
      const got = flip(x, axes === undefined ? {} : { axis: axes })
      expect(arr(got)).toEqual(build(s, (i) => arr(x)[ravel(s, i.map((v, d) => (flipped.includes(d) ? s[d]! - 1 - v : v)))]!))
    }), { numRuns: 200 })
  })
  it('tile repeats the whole tensor, with jnp.tile’s rank rules', () => {
    fc.assert(fc.property(small.chain((s) => fc.tuple(intsArb(s), fc.oneof(fc.nat(3), fc.array(fc.nat(3), { maxLength: 4 })))), ([x, reps]) => {
      const r0 = typeof reps === 'number' ? [reps] : reps
      const d = Math.max(r0.length, x.rank)
      const r = [...Array<number>(d - r0.length).fill(1), ...r0]
      const s = [...Array<number>(d - x.rank).fill(1), ...x.shape]
      const out = s.map((n, i) => n * r[i]!)
      const got = tile(x, reps)
      expect(got.shape).toEqual(out)
      expect(arr(got)).toEqual(build(out, (i) => arr(x)[ravel(s, i.map((v, k) => v % s[k]!))]!))
    }), { numRuns: 200 })
  })
  it('repeat repeats each element, a number of times or a count each', () => {
    fc.assert(fc.property(withAxis.chain(([s, a]) => fc.tuple(intsArb(s), fc.constant(a), fc.oneof(fc.nat(3), fc.array(fc.nat(3), { minLength: s[norm(a, s.length)]!, maxLength: s[norm(a, s.length)]! })))), ([x, a0, rs]) => {
      const a = norm(a0, x.rank)
      const counts = typeof rs === 'number' ? Array<number>(x.shape[a]!).fill(rs) : rs
      const source = counts.flatMap((c, i) => Array<number>(c).fill(i))
      const out = x.shape.map((d, i) => (i === a ? source.length : d))
      const got = repeat(x, rs, { axis: a0 })
      expect(got.shape).toEqual(out)
      expect(arr(got)).toEqual(build(out, (i) => arr(x)[ravel(x.shape, i.map((v, d) => (d === a ? source[v]! : v)))]!))
    }), { numRuns: 200 })
    expect(arr(repeat(tensor([[1, 2], [3, 4]]), 2))).toEqual([1, 1, 2, 2, 3, 3, 4, 4])
    expect(repeat(tensor(7), 3).shape).toEqual([3])
  })
  it('name the op, the argument and the shapes when the input is wrong', () => {
    expect(() => stack([])).toThrow('stack: needs at least one tensor')
    expect(() => stack([zeros([2]), zeros([3])])).toThrow('stack: all tensors must have one shape, got [2], [3]')
    expect(() => stack([zeros([2])], { axis: 2 })).toThrow('stack: axis 2 is out of range for rank 2')
    expect(() => flip(zeros([2]), { axis: 1 })).toThrow('flip: axis 1 is out of range for rank 1')
    expect(() => tile(zeros([2]), [-1])).toThrow('tile: reps must be a non-negative integer or an array of them, got [-1]')
    expect(() => repeat(zeros([2]), 1.5)).toThrow('repeat: repeats must be a non-negative integer or an array of them, got 1.5')
    expect(() => repeat(zeros([2, 3]), [1, 2], { axis: 1 })).toThrow('repeat: repeats has 2 counts for axis 1 of [2,3], which has 3 elements')
    for (const f of [() => stack('x' as unknown as Tensor[]), () => tile('x' as unknown as Tensor, 1)]) expect(f).toThrow(TensorError)
  })
})

describe('pad, the jnp.pad form', () => {
  it('pads each axis by n, by [before, after], or by a pair per axis, with a constant', () => {
    fc.assert(fc.property(small.chain((s) => fc.tuple(intsArb(s), fc.oneof(fc.nat(2), fc.tuple(fc.nat(2)), fc.tuple(fc.nat(2), fc.nat(2)), fc.tuple(...s.map(() => fc.tuple(fc.nat(2), fc.nat(2))))), fc.constantFrom(0, -7.5))), ([x, w, c]) => {
      // NumPy broadcasting of pad_width to [rank, 2]: a number, [n], [before, after], or a pair per axis.
      const flat = typeof w === 'number' ? [w, w] : typeof w[0] !== 'number' ? undefined : w.length === 1 ? [w[0], w[0]] : w
      const p = (flat === undefined ? w : x.shape.map(() => flat)) as readonly (readonly number[])[]
      const out = x.shape.map((d, i) => p[i]![0]! + d + p[i]![1]!)
      const got = pad(x, w, { constantValues: c })
      expect(got.shape).toEqual(out)
      expect(arr(got)).toEqual(build(out, (i) => (i.every((v, d) => v >= p[d]![0]! && v < p[d]![0]! + x.shape[d]!) ? arr(x)[ravel(x.shape, i.map((v, d) => v - p[d]![0]!))]! : c)))
    }), { numRuns: 300 })
  })
  it('sends no gradient to the padding, and rejects other modes and widths', () => {
    expect(arr(grad((x: Tensor) => sum(pad(x, 1, { constantValues: 3 })))(tensor([1, 2], 'float64')))).toEqual([1, 1])
    expect(() => pad(zeros([2]), -1)).toThrow('pad: padWidth must be a non-negative integer, a pair [before, after], or 1 such pairs for [2], got -1')
    expect(() => pad(zeros([2, 2]), [[1, 1], [1, 1], [1, 1]])).toThrow('pad: padWidth must be a non-negative integer, a pair [before, after], or 2 such pairs for [2,2], got [[1,1],[1,1],[1,1]]')
    expect(() => pad(zeros([2]), 1, { mode: 'edge' as 'constant' })).toThrow('pad: mode must be \'constant\' (the only mode), got "edge"')
    expect(() => pad(zeros([2]), 1, { constantValues: '1' as unknown as number })).toThrow('pad: constantValues must be a number, got "1"')
  })
})
