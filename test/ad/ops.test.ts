import { describe, expect, it } from 'vitest'
import {
  TensorError, abs, add, arange, argmax, argmin, broadcastTo, cast, clip, concat, div, equal, exp, gather, greater, log, logSoftmax,
  logSumExp, matmul, max, maximum, mean, min, minimum, mul, neg, norm, oneHot, pad, pow, relu, reshape, scatterAdd, sigmoid, slice,
  softmax, softmaxCrossEntropy, sqrt, sub, sum, tanh, tensor, transpose, where, zeros, grad, type Tensor,
} from '../../src/index.js'

const arr = (t: { toTypedArray(): ArrayLike<number> }) => Array.from(t.toTypedArray())

describe('elementwise', () => {
  it('computes unary math in the input dtype', () => {
    const x = tensor([-2, 0, 0.5], 'float64')
    expect(arr(neg(x))).toEqual([2, -0, -0.5])
    expect(arr(abs(x))).toEqual([2, 0, 0.5])
    expect(arr(exp(x))).toEqual([Math.exp(-2), 1, Math.exp(0.5)])
    expect(arr(tanh(x))).toEqual([Math.tanh(-2), 0, Math.tanh(0.5)])
    expect(arr(relu(x))).toEqual([0, 0, 0.5])
    expect(arr(sqrt(tensor([4, 2], 'float64')))).toEqual([2, Math.SQRT2])
    expect(arr(log(tensor([1, Math.E], 'float64')))).toEqual([0, 1])
    expect(arr(exp(tensor([1])))).toEqual([Math.fround(Math.E)])
  })
  it('sigmoid is stable at ±1000 and exact at 0', () => {
    expect(arr(sigmoid(tensor([-1000, 0, 1000], 'float64')))).toEqual([0, 0.5, 1])
    expect(sigmoid(tensor(-40, 'float64')).item()).toBeCloseTo(Math.exp(-40) / (1 + Math.exp(-40)), 30)
  })
  it('broadcasts binary ops', () => {
    const a = tensor([[1], [2], [3]])
    const b = tensor([10, 20])
    expect(add(a, b).toArray()).toEqual([[11, 21], [12, 22], [13, 23]])
    expect(arr(sub(b, 1))).toEqual([9, 19])
    expect(arr(mul(2, b))).toEqual([20, 40])
    expect(arr(div(b, tensor([4, 8])))).toEqual([2.5, 2.5])
    expect(arr(pow(tensor([2, 3]), tensor([3, 2])))).toEqual([8, 9])
    expect(arr(maximum(tensor([1, NaN, 3]), 2))).toEqual([2, NaN, 3])
    expect(arr(minimum(tensor([1, 5]), tensor([[0], [4]])))).toEqual([0, 0, 1, 4])
    expect(() => add(zeros([2, 3]), zeros([4]))).toThrow('add: [2,3] and [4] do not broadcast: dimension 3 ≠ 4')
  })
  it('promotes dtypes and never downcasts', () => {
    expect(add(tensor([1], 'float32'), tensor([1], 'float64')).dtype).toBe('float64')
    expect(add(tensor([1], 'int32'), 2).dtype).toBe('int32')
    expect(add(tensor([1], 'int32'), 0.5).dtype).toBe('float32')
    expect(mul(tensor([1], 'float32'), 3).dtype).toBe('float32')
    expect(add(tensor([1], 'int32'), tensor([1], 'float32')).dtype).toBe('float32')
    expect(div(tensor([3], 'int32'), tensor([2], 'int32')).dtype).toBe('float32')
    expect(add(tensor([true]), tensor([true])).dtype).toBe('int32')
    // float32 + float64 keeps the float64 precision of the wider operand
    expect(add(tensor([0.1], 'float32'), tensor([1e-12], 'float64')).item()).toBe(Math.fround(0.1) + 1e-12)
  })
  it('compares into bool tensors and selects with where', () => {
    const x = tensor([-1, 0, 2])
    expect(greater(x, 0).dtype).toBe('bool')
    expect(greater(x, 0).toArray()).toEqual([false, false, true])
    expect(arr(where(greater(x, 0), x, tensor([7])))).toEqual([7, 7, 2])
    expect(arr(where(tensor([1, 0], 'int32'), 1, 2))).toEqual([1, 2])
    expect(equal(tensor([NaN]), tensor([NaN])).toArray()).toEqual([false])
  })
  it('casts', () => {
    expect(arr(cast(tensor([1.7, -1.7, 0.5]), 'int32'))).toEqual([1, -1, 0])
    expect(cast(tensor([2, 0]), 'bool').toArray()).toEqual([true, false])
    expect(cast(tensor([0.1], 'float64'), 'float32').item()).toBe(Math.fround(0.1))
  })
})

describe('reductions', () => {
  const x = reshape(arange(24, undefined, 1, 'float64'), [2, 3, 4])
  it('sum over any axes with keepdims', () => {
    expect(sum(x).item()).toBe(276)
    expect(sum(x, { axis: [0, 2] }).toArray()).toEqual([60, 92, 124])
    expect(sum(x, { axis: -1, keepdims: true }).shape).toEqual([2, 3, 1])
    expect(sum(x, { axis: 1 }).toArray()).toEqual([[12, 15, 18, 21], [48, 51, 54, 57]])
    expect(sum(zeros([0, 3]), { axis: 0 }).toArray()).toEqual([0, 0, 0])
    expect(() => sum(x, { axis: 3 })).toThrow('sum: axis 3 is out of range for rank 3')
    expect(() => sum(x, { axis: [1, -2] })).toThrow('sum: axis 1 is repeated')
  })
  it('float32 sums accumulate in double precision', () => {
    // 1 + 2^-24 · k summed in float32 steps would stay at 1; the exact sum rounds once.
    const v = new Float32Array(1 + 4096).fill(2 ** -24)
    v[0] = 1
    expect(sum(tensor(Array.from(v))).item()).toBe(Math.fround(1 + 4096 * 2 ** -24))
  })
  it('max, min, argmax, argmin and mean', () => {
    expect(max(x, { axis: [0, 2] }).toArray()).toEqual([15, 19, 23])
    expect(min(x, { axis: 0 }).shape).toEqual([3, 4])
    expect(arr(argmax(tensor([[1, 3, 3], [9, 2, 1]]), { axis: -1 }))).toEqual([1, 0])
    expect(arr(argmin(tensor([[1, 3, 3], [9, 2, 1]]), { axis: 0 }))).toEqual([0, 1, 1])
    expect(mean(x).item()).toBe(11.5)
    expect(max(tensor([1, NaN, 3])).item()).toBeNaN()
    expect(() => max(zeros([0]))).toThrow(/max: cannot reduce an empty axis/)
  })
})

describe('movement', () => {
  const x = reshape(arange(6), [2, 3])
  it('reshape, transpose, broadcastTo', () => {
    expect(reshape(x, [3, -1]).shape).toEqual([3, 2])
    expect(() => reshape(x, [4, -1])).toThrow('reshape: cannot reshape [2,3] (6 elements) to [4,-1]')
    expect(transpose(x).toArray()).toEqual([[0, 3], [1, 4], [2, 5]])
    const y = reshape(arange(24), [2, 3, 4])
    expect(transpose(y, [2, 0, 1]).shape).toEqual([4, 2, 3])
    expect((transpose(y, [2, 0, 1]).toArray() as number[][][])[1]).toEqual([[1, 5, 9], [13, 17, 21]])
    expect(broadcastTo(tensor([[1], [2]]), [2, 2]).toArray()).toEqual([[1, 1], [2, 2]])
    expect(() => broadcastTo(x, [3, 3])).toThrow(/broadcastTo/)
    expect(() => transpose(x, [0, 0])).toThrow(/transpose: \[0,0\] is not a permutation/)
  })
  it('slice, pad, concat', () => {
    expect(slice(x, [0, 1]).toArray()).toEqual([[1, 2], [4, 5]])
    expect(slice(x, [1], [2]).toArray()).toEqual([[3, 4, 5]])
    expect(() => slice(x, [0, 2], [2, 5])).toThrow('slice: bounds 2:5 are out of range for axis 1 of [2,3]')
    expect(pad(tensor([[1]]), [[1, 0], [0, 2]]).toArray()).toEqual([[0, 0, 0], [1, 0, 0]])
    expect(concat([x, x], { axis: 1 }).toArray()).toEqual([[0, 1, 2, 0, 1, 2], [3, 4, 5, 3, 4, 5]])
    expect(() => concat([x, zeros([2, 2])], { axis: 0 })).toThrow(/concat: float32\[2,3\] \+\+ float32\[2,2\]/)
  })
  it('concat promotes dtypes as the binary ops do, and each gradient keeps its input dtype', () => {
    const a = tensor([0.1, 0.2])
    const b = tensor([0.3], 'float64')
    const c = concat([a, b, tensor([4], 'int32')])
    expect(c.dtype).toBe('float64')
    expect(Array.from(c.toTypedArray())).toEqual([Math.fround(0.1), Math.fround(0.2), 0.3, 4])
    const g = grad((p: { a: Tensor; b: Tensor }) => sum(mul(concat([p.a, p.b]), tensor([1, 2, 3], 'float64'))))({ a, b })
    expect([g.a.dtype, g.b.dtype]).toEqual(['float32', 'float64'])
    expect(Array.from(g.a.toTypedArray())).toEqual([1, 2])
    expect(Array.from(g.b.toTypedArray())).toEqual([3])
  })
  it('gather, scatterAdd and oneHot', () => {
    const idx = tensor([[2, 0], [1, 1]], 'int32')
    expect(gather(x, idx, { axis: 1 }).shape).toEqual([2, 2, 2])
    expect(gather(x, idx, { axis: 1 }).toArray()).toEqual([[[2, 0], [1, 1]], [[5, 3], [4, 4]]])
    expect(scatterAdd(tensor([1, 2, 3]), tensor([1, 1, 0], 'int32'), { size: 2 }).toArray()).toEqual([3, 3])
    expect(() => gather(x, tensor([3], 'int32'), { axis: 0 })).toThrow('gather: index 3 is out of range [0, 2) (indices [1])')
    expect(oneHot(tensor([1, 0], 'int32'), 2).toArray()).toEqual([[0, 1], [1, 0]])
  })
})

describe('matmul', () => {
  it('multiplies matrices, vectors and batches', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]])
    const b = tensor([[1, 0], [0, 1], [1, 1]])
    expect(matmul(a, b).toArray()).toEqual([[4, 5], [10, 11]])
    expect(matmul(a, tensor([1, 1, 1])).toArray()).toEqual([6, 15])
    expect(matmul(tensor([1, 1]), a).toArray()).toEqual([5, 7, 9])
    expect(matmul(a, a, { transposeB: true }).toArray()).toEqual([[14, 32], [32, 77]])
    expect(matmul(a, a, { transposeA: true }).shape).toEqual([3, 3])
    const batch = broadcastTo(a, [4, 2, 3])
    expect(matmul(batch, b).shape).toEqual([4, 2, 2])
    expect(matmul(reshape(batch, [4, 1, 2, 3]), broadcastTo(b, [5, 3, 2])).shape).toEqual([4, 5, 2, 2])
  })
  it('names the op and the shapes on mismatch', () => {
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow(new TensorError('matmul', '[2,3] × [4,5]: inner dimensions 3 ≠ 4'))
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow('matmul: [2,3] × [4,5]: inner dimensions 3 ≠ 4')
  })
})

describe('composites', () => {
  it('softmax, logSoftmax and logSumExp are stable for logits of ±1e4', () => {
    const z = tensor([[1e4, -1e4, 0]], 'float64')
    expect(arr(softmax(z))).toEqual([1, 0, 0])
    expect(arr(logSoftmax(z))).toEqual([0, -2e4, -1e4])
    expect(logSumExp(tensor([-Infinity, -Infinity])).item()).toBe(-Infinity)
    expect(logSumExp(tensor([Infinity, 0])).item()).toBe(Infinity)
  })
  it('softmaxCrossEntropy agrees with its definition and stays finite', () => {
    const logits = tensor([[2, 1, 0], [0, 0, 0]], 'float64')
    const labels = tensor([0, 2], 'int32')
    const lse0 = Math.log(Math.exp(2) + Math.exp(1) + 1)
    const expected = ((lse0 - 2) + Math.log(3)) / 2
    expect(softmaxCrossEntropy(logits, labels).item()).toBeCloseTo(expected, 14)
    expect(softmaxCrossEntropy(logits, oneHot(labels, 3, 'float64')).item()).toBeCloseTo(expected, 14)
    expect(softmaxCrossEntropy(tensor([[1e4, -1e4]]), tensor([1], 'int32')).item()).toBe(2e4)
    expect(() => softmaxCrossEntropy(logits, tensor([0], 'int32'))).toThrow(/softmaxCrossEntropy: labels \[1\]/)
  })
  it('clip and norm', () => {
    expect(arr(clip(tensor([-1, 0.5, 2]), 0, 1))).toEqual([0, 0.5, 1])
    expect(norm(tensor([3, 4])).item()).toBe(5)
    expect(norm(zeros([3])).item()).toBe(0)
  })
})
