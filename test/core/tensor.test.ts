import { describe, expect, it } from 'vitest'
import { TensorError, arange, broadcastShapes, eye, fromTypedArray, full, linspace, ones, scalar, show, tensor, zeros } from '../../src/index.js'

describe('tensor constructors', () => {
  it('infers shape and keeps values from nested arrays', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]])
    expect(x.shape).toEqual([2, 3])
    expect(x.dtype).toBe('float32')
    expect(Array.from(x.toTypedArray())).toEqual([1, 2, 3, 4, 5, 6])
    expect(x.toArray()).toEqual([[1, 2, 3], [4, 5, 6]])
  })
  it('makes scalars, bools and int32 labels', () => {
    expect(tensor(3.5, 'float64').shape).toEqual([])
    expect(tensor(3.5, 'float64').item()).toBe(3.5)
    expect(tensor([true, false]).dtype).toBe('bool')
    expect(tensor([true, false]).toArray()).toEqual([true, false])
    expect(tensor([1, 2], 'int32').toTypedArray()).toBeInstanceOf(Int32Array)
  })
  it('rejects ragged arrays and non-integers for int32, naming the place', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/tensor: ragged nested array: \[1\] should be an array of length 2/)
    expect(() => tensor([1, 2.5], 'int32')).toThrow(/\[1\] is 2.5, not an int32/)
  })
  it('copies typed arrays, so the source cannot change the tensor', () => {
    const src = new Float32Array([1, 2, 3, 4])
    const x = fromTypedArray(src, [2, 2])
    src[0] = 99
    expect(x.toArray()).toEqual([[1, 2], [3, 4]])
    const out = x.toTypedArray()
    out[1] = 42
    expect(x.toTypedArray()[1]).toBe(2)
    expect(() => fromTypedArray(src, [3])).toThrow(TensorError)
  })
  it('zeros, ones, full, eye, scalar', () => {
    expect(Array.from(zeros([2]).toTypedArray())).toEqual([0, 0])
    expect(Array.from(ones([2], 'int32').toTypedArray())).toEqual([1, 1])
    expect(Array.from(full([3], 2.5, 'float64').toTypedArray())).toEqual([2.5, 2.5, 2.5])
    expect(eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]])
    expect(scalar(4).rank).toBe(0)
    expect(zeros([0, 3]).size).toBe(0)
    expect(() => zeros([-1])).toThrow(/^zeros: bad shape \[-1\]/)
  })
  it('arange and linspace follow NumPy', () => {
    expect(Array.from(arange(5).toTypedArray())).toEqual([0, 1, 2, 3, 4])
    expect(Array.from(arange(2, 8, 3).toTypedArray())).toEqual([2, 5])
    expect(Array.from(arange(3, 0, -1).toTypedArray())).toEqual([3, 2, 1])
    expect(arange(0, 1, 0.1, 'float64').size).toBe(10)
    expect(() => arange(0, 1, 0)).toThrow(/arange/)
    const l = linspace(0, 1, 11, 'float64').toTypedArray()
    expect(l[10]).toBe(1)
    expect(l[5]).toBe(0.5)
  })
  it('shows values readably, eliding long axes', () => {
    expect(show(tensor([[1, 2], [3, 4]]))).toBe('tensor([[1., 2.],\n        [3., 4.]], float32, [2,2])')
    expect(show(scalar(2, 'int32'))).toBe('tensor(2, int32, [])')
    expect(show(arange(100))).toContain('...')
    expect(String(tensor([true]))).toBe('tensor([true], bool, [1])')
  })
})

describe('broadcasting', () => {
  it('follows NumPy rules', () => {
    expect(broadcastShapes([2, 1, 3], [4, 1])).toEqual([2, 4, 3])
    expect(broadcastShapes([], [3])).toEqual([3])
    expect(broadcastShapes([0, 1], [1, 5])).toEqual([0, 5])
    expect(() => broadcastShapes([2, 3], [4])).toThrow('broadcast: [2,3] and [4] do not broadcast: dimension 3 ≠ 4')
  })
})
