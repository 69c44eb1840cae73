/**
 * vmap, by known answers and independent definitions: axis specs as trees and
 * prefixes, null in and out axes, negative axes, bad input (TensorErrors
 * naming vmap and the argument), per-example gradients, Monte-Carlo dropout
 * over a key array, per-slice randomness, and batches of size 0 and 1.
 */
import { describe, expect, it } from 'vitest'
import {
  type Tensor, TensorError, add, evalShape, exp, gather, grad, jvp, matmul, mul, nn, random, scatterAdd, sub, sum, tensor, trace, vmap, zeros,
} from '../../src/index.js'

const f64 = (v: Parameters<typeof tensor>[0]) => tensor(v, 'float64')
const arr = (t: Tensor) => t.toArray()
const dot = (a: Tensor, b: Tensor) => sum(mul(a, b))

/** The TensorError `f` throws (fails the test if it throws something else or nothing). */
const errorOf = (f: () => unknown): TensorError => {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(TensorError)
    return e as TensorError
  }
  throw new Error('expected a TensorError')
}

describe('vmap maps over axes', () => {
  const A = tensor([[1, 2, 3], [4, 5, 6]])

  it('maps axis 0 of every argument by default, and any axis, negative ones counted from the end', () => {
    expect(arr(vmap(dot)(tensor([[1, 2], [3, 4]]), tensor([[1, 1], [2, 0]])))).toEqual([3, 6])
    expect(arr(vmap((r: Tensor) => sum(r))(A))).toEqual([6, 15])
    expect(arr(vmap((c: Tensor) => sum(c), { inAxes: 1 })(A))).toEqual([5, 7, 9])
    expect(arr(vmap((c: Tensor) => sum(c), { inAxes: -1 })(A))).toEqual([5, 7, 9])
    expect(arr(vmap((r: Tensor) => sum(r), { inAxes: -2 })(A))).toEqual([6, 15])
  })

  it('puts the output batch axis where outAxes says, negative ones counted in the batched output', () => {
    const twice = (r: Tensor) => mul(r, 2) // per row of A: [2, 4, 6], [8, 10, 12]
    expect(arr(vmap(twice)(A))).toEqual([[2, 4, 6], [8, 10, 12]])
    expect(arr(vmap(twice, { outAxes: 1 })(A))).toEqual([[2, 8], [4, 10], [6, 12]])
    expect(arr(vmap(twice, { outAxes: -1 })(A))).toEqual([[2, 8], [4, 10], [6, 12]])
    expect(arr(vmap(twice, { inAxes: 1, outAxes: 1 })(A))).toEqual([[2, 4, 6], [8, 10, 12]])
  })

  it('takes inAxes per argument, as trees, and as prefixes of a tree', () => {
    const p = { a: A, b: tensor([[10, 20, 30]]) } // a batched on axis 1 (3 columns), b on axis 1 too
    const f = (q: { a: Tensor; b: Tensor }) => add(sum(q.a), sum(q.b))
    expect(arr(vmap(f, { inAxes: [{ a: 1, b: 1 }] })(p))).toEqual([15, 27, 39])
    expect(arr(vmap(f, { inAxes: [1] })(p))).toEqual([15, 27, 39]) // one spec for the whole record
    expect(arr(vmap(f, { inAxes: 1 })(p))).toEqual([15, 27, 39]) // one spec for every argument
    expect(arr(vmap(f, { inAxes: [{ a: 0, b: null }] })({ a: A, b: tensor([100]) }))).toEqual([106, 115])
    // Nested trees: the first argument's w shared, its b mapped; the second mapped on axis 1.
    const g = (params: { w: Tensor; b: Tensor }, x: Tensor) => add(dot(params.w, x), params.b)
    const params = { w: tensor([1, -1]), b: tensor([0, 100]) }
    expect(arr(vmap(g, { inAxes: [{ w: null, b: 0 }, 1] })(params, tensor([[1, 2], [5, 3]])))).toEqual([-4, 99])
    expect(arr(vmap((xs: readonly Tensor[]) => add(xs[0]!, xs[1]!), { inAxes: [[0, null]] })([A, tensor([1, 1, 1])]))).toEqual([[2, 3, 4], [5, 6, 7]])
  })

  it('takes outAxes as a tree or a prefix of the output tree', () => {
    const f = (r: Tensor) => ({ s: sum(r), t: mul(r, 2) })
    const o = vmap(f, { outAxes: { s: 0, t: 1 } })(A)
    expect(arr(o.s)).toEqual([6, 15])
    expect(arr(o.t)).toEqual([[2, 8], [4, 10], [6, 12]])
    const both = vmap((r: Tensor) => [r, mul(r, -1)], { outAxes: 1 })(A)
    expect(both.map((t) => t.shape)).toEqual([[3, 2], [3, 2]])
    const [u, v] = vmap((r: Tensor) => [r, r], { outAxes: [0, -1] })(A)
    expect([u!.shape, v!.shape]).toEqual([[2, 3], [3, 2]])
  })

  it('passes unmapped arguments through as any value, and broadcasts outputs that do not depend on the batch', () => {
    const scaleBy = (x: Tensor, k: number, label: string) => (label === 'double' ? mul(x, k * 2) : mul(x, k))
    expect(arr(vmap(scaleBy, { inAxes: [0, null, null] })(tensor([1, 2]), 3, 'double'))).toEqual([6, 12])
    const c = tensor([7, 8])
    const constant = (r: Tensor) => {
      expect(r.shape).toEqual([3]) // f sees one row
      return c
    }
    expect(arr(vmap(constant)(A))).toEqual([[7, 8], [7, 8]])
    expect(arr(vmap(constant, { outAxes: 1 })(A))).toEqual([[7, 7], [8, 8]])
  })

  it('with outAxes null, returns an output that does not depend on the batch as it is', () => {
    const f = (x: Tensor, w: Tensor) => [mul(x, w), exp(w)] as const
    const [y, e] = vmap(f, { inAxes: [0, null], outAxes: [0, null] })(tensor([1, 2], 'float64'), f64(0))
    expect(arr(y)).toEqual([0, 0])
    expect(e.shape).toEqual([])
    expect(e.item()).toBe(1)
    // Regression: a top-level null (inAxes or outAxes) was taken for the default 0.
    expect(vmap((_x: Tensor, w: Tensor) => exp(w), { inAxes: [0, null], outAxes: null })(tensor([1, 2]), f64(0)).shape).toEqual([])
    expect(() => vmap((x: Tensor) => x, { inAxes: null })(tensor([1, 2]))).toThrow(/needs at least one mapped argument/)
  })

  it('batches of size 0 and 1', () => {
    const f = (r: Tensor) => sum(mul(r, r))
    expect(vmap(f)(zeros([0, 3])).shape).toEqual([0])
    expect(vmap((r: Tensor) => mul(r, 2), { outAxes: 1 })(zeros([0, 3])).shape).toEqual([3, 0])
    expect(vmap(dot, { inAxes: [1, null] })(zeros([3, 0]), zeros([3])).shape).toEqual([0])
    expect(vmap(grad(f))(zeros([0, 3], 'float64')).shape).toEqual([0, 3])
    expect(vmap((k: random.Key) => random.uniform(k, [2]))(random.split(random.key(0), 0)).shape).toEqual([0, 2])
    expect(arr(vmap(f)(tensor([[1, 2, 3]])))).toEqual([14])
    expect(arr(vmap(f, { inAxes: 1 })(tensor([[1], [2], [3]])))).toEqual([14])
  })
})

describe('vmap composes', () => {
  it('with itself: an outer product from a scalar product', () => {
    const outer = vmap(vmap((a: Tensor, b: Tensor) => mul(a, b), { inAxes: [null, 0] }), { inAxes: [0, null] })
    expect(arr(outer(tensor([1, 2]), tensor([3, 4, 5])))).toEqual([[3, 4, 5], [6, 8, 10]])
    const colsOfRows = vmap(vmap((v: Tensor) => mul(v, 10)), { inAxes: 1, outAxes: 1 })
    expect(arr(colsOfRows(tensor([[1, 2], [3, 4]])))).toEqual([[10, 20], [30, 40]])
  })

  it('with jvp, in both orders', () => {
    const f = (r: Tensor) => sum(mul(r, r)) // per row: Σr², tangent 2⟨r, t⟩
    const xs = f64([[1, 2], [3, 4]])
    const ts = f64([[1, 0], [1, 1]])
    const [y1, t1] = jvp(vmap(f), xs, ts)
    const [y2, t2] = vmap((x: Tensor, t: Tensor) => jvp(f, x, t))(xs, ts)
    expect([arr(y1), arr(t1)]).toEqual([[5, 25], [2, 14]])
    expect([arr(y2), arr(t2)]).toEqual([[5, 25], [2, 14]])
  })

  it('with grad: grad of a sum over the batch sums the per-example gradients of a shared parameter', () => {
    const loss = (w: Tensor, x: Tensor) => sum(mul(mul(w, x), x)) // ∂/∂w = x²
    const xs = f64([[1, 2], [3, 4]])
    const w = f64([1, 1])
    expect(arr(grad((v: Tensor) => sum(vmap(loss, { inAxes: [null, 0] })(v, xs)))(w))).toEqual([1 + 9, 4 + 16])
    expect(arr(vmap(grad(loss), { inAxes: [null, 0] })(w, xs))).toEqual([[1, 4], [9, 16]])
  })

  it('under evalShape and trace: shapes only, the batch axis in front', () => {
    expect(evalShape(vmap(dot))({ shape: [1000, 3], dtype: 'float32' }, { shape: [1000, 3], dtype: 'float32' })).toEqual({ shape: [1000], dtype: 'float32' })
    const g = trace(vmap((r: Tensor) => sum(r)))({ shape: [5, 3], dtype: 'float64' })
    expect(g.nodes.map((n) => n.op)).toEqual(['input', 'sum'])
    expect(g.nodes[1]!.params).toBe('axes [1]')
  })
})

describe('per-example gradients', () => {
  // A linear model: prediction w·x + b, loss (w·x + b − y)². Its gradient by hand: 2r·x for w, 2r for b, r the residual.
  const loss = (params: { w: Tensor; b: Tensor }, x: Tensor, y: Tensor) => {
    const r = sub(add(dot(params.w, x), params.b), y)
    return mul(r, r)
  }
  const params = { w: f64([0.5, -1, 2]), b: f64(0.25) }
  const xs = [[1, 2, 3], [-1, 0, 4], [2, 2, -2], [0, 0, 1]]
  const ys = [1, -2, 0.5, 3]

  it('vmap(grad(loss), { inAxes: [null, 0, 0] }) equals the loop, and the gradients by hand', () => {
    const g = vmap(grad(loss), { inAxes: [null, 0, 0] })(params, f64(xs), f64(ys))
    expect(g.w.shape).toEqual([4, 3])
    expect(g.b.shape).toEqual([4])
    xs.forEach((x, i) => {
      const one = grad(loss)(params, f64(x), f64(ys[i]!))
      expect(Array.from(g.w.toArray() as number[][])[i]).toEqual(one.w.toArray())
      expect((g.b.toArray() as number[])[i]).toBe(one.b.item())
      const r = 0.5 * x[0]! - x[1]! + 2 * x[2]! + 0.25 - ys[i]!
      expect(one.w.toArray()).toEqual(x.map((v) => 2 * r * v))
      expect(one.b.item()).toBe(2 * r)
    })
  })
})

describe('randomness under vmap: one slice per key', () => {
  const k = random.key(42)

  it('Monte-Carlo dropout over 100 keys equals the loop over the keys, bit for bit', () => {
    const x = tensor([[1, 2, 3, 4], [5, 6, 7, 8]])
    const keys = random.split(k, 100)
    const drop = (key: random.Key) => random.evaluate(key)(nn.dropout({ keep: 0.5 })(x))
    const batched = vmap(drop)(keys)
    expect(batched.shape).toEqual([100, 2, 4])
    const loop = [...keys].map(drop)
    const rows = batched.toArray() as number[][][]
    loop.forEach((y, i) => { expect(rows[i]).toEqual(y.toArray()); })
    // The masks differ between keys (100 draws of 2⁸ masks give ≈ 256·(1 − (255/256)¹⁰⁰) ≈ 83 distinct ones), and every kept unit is x / 0.5.
    expect(new Set(loop.map((y) => y.toTypedArray().join())).size).toBeGreaterThan(70)
    expect(Array.from(batched.toTypedArray()).every((v, i) => v === 0 || v === 2 * ((i % 8) + 1))).toBe(true)
  })

  it('a mapped key draws per slice (the loop\'s draws), an unmapped key the same for every slice', () => {
    const keys = random.split(k, 3)
    const draw = (key: random.Key, scale: Tensor) => mul(random.normal(key, [2], 'float64'), scale)
    const perSlice = vmap(draw)(keys, f64([1, 10, 100]))
    const loop = [...keys].map((key, i) => arr(draw(key, f64([1, 10, 100][i]!))))
    expect(arr(perSlice)).toEqual(loop)
    const shared = vmap(draw, { inAxes: [null, 0] })(random.foldIn(k, 7), f64([1, 1, 1]))
    const rows = shared.toArray() as number[][]
    expect(rows[0]).toEqual(rows[1])
    expect(rows[1]).toEqual(rows[2])
    expect(rows[0]).toEqual(arr(random.normal(random.foldIn(k, 7), [2], 'float64')))
  })

  it('split, foldIn and the samplers of a key array batched on any axis', () => {
    const keys = random.split(k, 4)
    const words = (t: Tensor) => t.toArray()
    expect(words(vmap((key: random.Key) => random.split(key, 2))(keys))).toEqual([...keys].map((key) => words(random.split(key, 2))))
    expect(words(vmap((key: random.Key) => random.foldIn(key, 3))(keys))).toEqual([...keys].map((key) => words(random.foldIn(key, 3))))
    const transposed = vmap((key: random.Key) => random.uniform(key, [3]), { inAxes: 1 })(vmap((key: random.Key) => key, { outAxes: 1 })(keys))
    expect(arr(transposed)).toEqual([...keys].map((key) => arr(random.uniform(key, [3]))))
    expect(arr(vmap((key: random.Key) => random.bernoulli(key, 0.5, [5]))(keys))).toEqual([...keys].map((key) => arr(random.bernoulli(key, 0.5, [5]))))
    expect(arr(vmap((key: random.Key) => random.permutation(key, 5))(keys))).toEqual([...keys].map((key) => arr(random.permutation(key, 5))))
  })
})

describe('vmap rejects bad input with TensorErrors naming vmap and the argument', () => {
  const A = tensor([[1, 2, 3], [4, 5, 6]])

  it('mapped axes of different sizes', () => {
    const e = errorOf(() => vmap(dot)(A, tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]])))
    expect(e.op).toBe('vmap')
    expect(e.message).toBe('vmap: mapped axes have different sizes: 2 and 3 (argument 1, [3,3] along axis 0)')
    expect(errorOf(() => vmap((p: { a: Tensor; b: Tensor }) => add(p.a, p.b))({ a: A, b: tensor([1, 2, 3]) })).message).toMatch(/argument 0 at b, \[3\] along axis 0/)
  })

  it('axes out of range, a scalar to map, an axis that is not an integer', () => {
    expect(errorOf(() => vmap((r: Tensor) => r, { inAxes: 2 })(A)).message).toBe('vmap: inAxes 2 for argument 0 is out of range: it has shape [2,3] (rank 2)')
    expect(errorOf(() => vmap(dot, { inAxes: [0, -3] })(A, A)).message).toMatch(/^vmap: inAxes -3 for argument 1 is out of range/)
    expect(errorOf(() => vmap((r: Tensor) => r)(tensor(3))).message).toBe('vmap: argument 0 is a scalar: it has no axis 0 to map over (give it inAxes null to share it)')
    expect(errorOf(() => vmap((r: Tensor) => r, { inAxes: 0.5 })(A)).message).toMatch(/^vmap: inAxes for argument 0 must be an integer or null, got 0\.5/)
    expect(errorOf(() => vmap((r: Tensor) => r, { outAxes: 2 })(A)).message).toBe('vmap: outAxes 2 for the output ([3] per slice) must be an integer in [-2, 1]')
    expect(errorOf(() => vmap((r: Tensor) => ({ y: r }), { outAxes: { y: -3 } })(A)).message).toMatch(/^vmap: outAxes -3 for output y/)
  })

  it('specs that do not match the arguments', () => {
    expect(errorOf(() => vmap(dot, { inAxes: [0] })(A, A)).message).toBe('vmap: inAxes has 1 specs for 2 arguments')
    expect(errorOf(() => vmap((p: { a: Tensor }) => p.a, { inAxes: [{ b: 0 }] })({ a: A })).message).toMatch(/^vmap: inAxes\[0\] has keys b, the value there has a/)
    expect(errorOf(() => vmap((p: readonly Tensor[]) => p[0]!, { inAxes: [[0, 0]] })([A])).message).toMatch(/^vmap: inAxes\[0\] is an array of 2 specs/)
    expect(errorOf(() => vmap((r: Tensor) => r, { inAxes: [{ a: 0 }] })(A)).message).toMatch(/^vmap: inAxes\[0\] is a record of specs, but the value there is/)
    expect(errorOf(() => vmap((r: Tensor) => r, { inAxes: 'rows' as never })(A)).message).toMatch(/^vmap: inAxes must be an axis, null, or an array/)
  })

  it('nothing to map, a mapped value that is not a tensor tree, an output that is not one, a batched output with outAxes null', () => {
    expect(errorOf(() => vmap((r: Tensor) => r, { inAxes: null })(A)).message).toMatch(/^vmap: needs at least one mapped argument/)
    expect(errorOf(() => vmap((r: Tensor, n: number) => mul(r, n))(A, 3)).message).toMatch(/^vmap: argument 1: the tree is not a tensor, array or plain record \(got 3\)/)
    expect(errorOf(() => vmap((r: Tensor) => r.size)(A)).message).toMatch(/^vmap: the output: the tree is not a tensor/)
    expect(errorOf(() => vmap((r: Tensor) => r, { outAxes: null })(A)).message).toBe('vmap: the output has outAxes null but depends on the mapped axis; give it an axis')
  })

  it('reading elements inside f, and leaking a batched value out of it', () => {
    expect(() => vmap((r: Tensor) => tensor(r.toTypedArray()[0]!))(A)).toThrow(TensorError)
    let leaked: Tensor | undefined
    vmap((r: Tensor) => (leaked = mul(r, 2)))(A)
    expect(() => add(leaked!, 1)).toThrow(/leaked tracer/)
  })
})

describe('batching rules, spot checks against hand-computed answers', () => {
  it('gather and scatterAdd with batched indices: an index out of its slice\'s range is an error, as in the loop, not a read of another slice', () => {
    // Regression: the batched rules offset slice b's indices by b·n into one flattened axis, so index 3 of slice 0
    // (of 3 entries) used to read entry 0 of slice 1. The loop throws; so does vmap now.
    const x = tensor([[1, 2, 3], [4, 5, 6]])
    expect(() => gather(tensor([1, 2, 3]), tensor([3], 'int32'), { axis: 0 })).toThrow(/gather: index 3 is out of range/)
    expect(() => vmap((v: Tensor, i: Tensor) => gather(v, i, { axis: 0 }))(x, tensor([[3], [0]], 'int32'))).toThrow(/^gather: index -1 is out of range/)
    expect(() => vmap((v: Tensor, i: Tensor) => gather(v, i, { axis: 0 }))(x, tensor([[0], [-1]], 'int32'))).toThrow(/^gather: index -1 is out of range/)
    expect(() => vmap((u: Tensor, i: Tensor) => scatterAdd(u, i, { axis: 0, size: 2 }))(tensor([[1], [1]]), tensor([[2], [0]], 'int32'))).toThrow(/^scatterAdd: index -1 is out of range/)
    expect(arr(vmap((v: Tensor, i: Tensor) => gather(v, i, { axis: 0 }))(x, tensor([[2], [0]], 'int32')))).toEqual([[3], [4]])
    expect(arr(vmap((u: Tensor, i: Tensor) => scatterAdd(u, i, { axis: 0, size: 2 }))(tensor([[1], [5]]), tensor([[1], [0]], 'int32')))).toEqual([[0, 1], [5, 0]])
  })

  it('matmul with one operand batched, vectors and shared matrices', () => {
    const W = tensor([[1, 2], [3, 4]])
    expect(arr(vmap((x: Tensor) => matmul(x, W))(tensor([[1, 0], [0, 1], [1, 1]])))).toEqual([[1, 2], [3, 4], [4, 6]])
    expect(arr(vmap((x: Tensor) => matmul(W, x), { inAxes: 1 })(tensor([[1, 0], [0, 1]])))).toEqual([[1, 3], [2, 4]])
  })
})
