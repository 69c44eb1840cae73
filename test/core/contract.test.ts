/**
 * The contract an outside fuzzer checked, item by item: no silent wrong
 * answers (labels read from another row, bool bytes other than 0/1, silent
 * coercion, overflowing norms, a wrong derivative at a kink), and errors that
 * are TensorErrors naming the function the user called and the bad argument.
 */
import { describe, expect, it } from 'vitest'
import {
  TensorError, abs, add, arange, argmax, broadcastTo, cast, concat, eye, fromTypedArray, full, gather, grad, jvp, hvp, linspace, logSoftmax, logSumExp,
  matmul, max, mean, mul, neg, nn, norm, oneHot, ones, optim, pad, random, relu, reshape, scalar, scatterAdd, sign, slice, softmax, softmaxCrossEntropy,
  sqrt, squeeze, sub, sum, tensor, transpose, where, zeros, greater, type Tensor, exp,
} from '../../src/index.js'

const errorOf = (f: () => unknown): Error => {
  try {
    f()
  } catch (e) {
    return e as Error
  }
  throw new Error('expected an error')
}
const bad = (v: unknown): never => v as never

describe('bool tensors hold only the bytes 0 and 1', () => {
  it('constructors refuse other values instead of storing them', () => {
    expect(errorOf(() => tensor([2, -1], 'bool')).message).toBe('tensor: [0] is 2, not a bool (true, false, 0 or 1)')
    expect(errorOf(() => full([1], 2, 'bool')).message).toBe('full: the fill value is 2, not a bool (true, false, 0 or 1)')
    expect(errorOf(() => fromTypedArray(new Uint8Array([0, 7]))).message).toBe('fromTypedArray: a Uint8Array is read as bool and may hold only 0 and 1, found 7 at index 1')
    expect(tensor([1, 0, true], 'bool').toArray()).toEqual([true, false, true])
  })

  it('fromTypedArray takes only the four typed arrays, not any array-like', () => {
    for (const a of [new Int16Array([1]), [1, 2], new Uint8ClampedArray([1]), new Uint32Array([1])]) {
      const e = errorOf(() => fromTypedArray(bad(a)))
      expect(e).toBeInstanceOf(TensorError)
      expect(e.message).toMatch(/^fromTypedArray: array must be a Float32Array, Float64Array, Int32Array or Uint8Array \(bool\), got /)
    }
  })

  it('ops on bools either keep 0/1 or refuse: neg and scatterAdd refuse, as in NumPy and JAX', () => {
    const b = tensor([true, false, true])
    expect(errorOf(() => neg(b)).message).toBe('neg: is not defined for bool tensors; cast to int32 first')
    expect(errorOf(() => scatterAdd(b, tensor([0, 0, 0], 'int32'), { size: 1 })).message).toMatch(/^scatterAdd: updates must be numeric, got bool/)
    const results = [abs(b), sign(b), relu(b), max(b, { axis: 0, keepdims: true }), where(b, b, tensor(false)), gather(b, tensor([2, 2], 'int32')),
      pad(b, [[1, 1]]), concat([b, b]), transpose(reshape(b, [3, 1])), broadcastTo(b, [2, 3]), cast(tensor([5, 0, -1]), 'bool'), greater(tensor([1, 2]), 1)]
    for (const r of results) {
      expect(r.dtype === 'bool' ? Array.from(r.toTypedArray()).every((v) => v === 0 || v === 1) : r.dtype).toBe(true)
      expect(r.toString()).not.toMatch(/\d{2,}/)
    }
  })
})

describe('no silent coercion: every constructor and op refuses what tensor() refuses', () => {
  it.each([
    ['full([2], 0.5, int32)', () => full([2], 0.5, 'int32'), 'full: the fill value is 0.5, not an int32'],
    ['full([1], 1e10, int32)', () => full([1], 1e10, 'int32'), 'full: the fill value is 10000000000, not an int32'],
    ['scalar(2.7, int32)', () => scalar(2.7, 'int32'), 'scalar: the value is 2.7, not an int32'],
    ['arange(0, 1, 0.5, int32)', () => arange(0, 1, 0.5, 'int32'), 'arange: element 1 is 0.5, not an int32'],
    ['linspace(0, 1, 3, int32)', () => linspace(0, 1, 3, 'int32'), 'linspace: element 1 is 0.5, not an int32'],
    ['oneHot(l, 2.5)', () => oneHot(tensor([0], 'int32'), 2.5), 'oneHot: classes must be a non-negative integer, got 2.5'],
    ['oneHot(l, -1)', () => oneHot(tensor([0], 'int32'), -1), 'oneHot: classes must be a non-negative integer, got -1'],
    ["add(x, '1')", () => add(tensor([1]), bad('1')), 'add: b must be a tensor or a number, got "1"'],
    ['add(x, null)', () => add(tensor([1]), bad(null)), 'add: b must be a tensor or a number, got null'],
    ['mul(undefined, x)', () => mul(bad(undefined), tensor([1])), 'mul: a must be a tensor or a number, got undefined'],
    ['add(int32, 1e10)', () => add(tensor([1], 'int32'), 1e10), 'add: b is 10000000000, which does not fit the int32 it meets'],
    ["tensor([1, 'a'])", () => tensor(bad([1, 'a'])), 'tensor: [1] is "a", not a number or boolean'],
  ])('%s', (_, f, message) => {
    const e = errorOf(f)
    expect(e).toBeInstanceOf(TensorError)
    expect(e.message).toBe(message)
  })

  it('weak scalars that fit still work as before', () => {
    expect(add(tensor([1], 'int32'), 2 ** 31 - 1).toTypedArray()[0]).toBe(-(2 ** 31)) // int32 arithmetic wraps, as in JAX
    expect(add(tensor([1], 'int32'), 0.5).dtype).toBe('float32')
    expect(add(tensor([1], 'int32'), 1e10 + 0.5).dtype).toBe('float32')
  })
})

describe('labels and indices are checked against the axis they index', () => {
  it('softmaxCrossEntropy names the row and the label instead of reading another row', () => {
    const logits = tensor([[0, 0, 0], [5, 0, 0]])
    expect(errorOf(() => softmaxCrossEntropy(logits, tensor([3, 0], 'int32'))).message).toBe('softmaxCrossEntropy: the label of row [0] is 3, outside the 3 classes [0, 3)')
    expect(errorOf(() => softmaxCrossEntropy(logits, tensor([0, -1], 'int32'))).message).toBe('softmaxCrossEntropy: the label of row [1] is -1, outside the 3 classes [0, 3)')
    expect(errorOf(() => softmaxCrossEntropy(tensor([[[0, 0]], [[0, 0]]]), tensor([[0], [2]], 'int32'))).message).toBe('softmaxCrossEntropy: the label of row [1][0] is 2, outside the 2 classes [0, 2)')
  })

  it("softmaxCrossEntropy's gradient lands on each row's own logits: (softmax − onehot)/N", () => {
    const logits = tensor([[0, 1, 2], [5, 0, -1]], 'float64')
    const labels = tensor([2, 0], 'int32')
    const g = grad((z: Tensor) => softmaxCrossEntropy(z, labels))(logits).toTypedArray()
    const want = sub(softmax(logits), oneHot(labels, 3, 'float64')).toTypedArray().map((v) => v / 2)
    g.forEach((v, i) => { expect(v).toBeCloseTo(want[i]!, 14) })
    expect(Math.abs(softmaxCrossEntropy(tensor([[-Infinity, 0]], 'float64'), tensor([1], 'int32')).item())).toBe(0) // no 0·(−∞) NaN
  })

  it('oneHot refuses labels outside [0, classes); gather checks the axis it indexes', () => {
    expect(errorOf(() => oneHot(tensor([[0, 3]], 'int32'), 3)).message).toBe('oneHot: labels[0][1] is 3, outside the 3 classes [0, 3)')
    expect(errorOf(() => gather(zeros([2, 3]), tensor([2], 'int32'), { axis: 0 })).message).toBe('gather: index 2 is out of range [0, 2) (indices [1])')
    expect(gather(zeros([2, 3]), tensor([2], 'int32'), { axis: 1 }).shape).toEqual([2, 1])
  })
})

describe('derivatives at kinks follow JAX', () => {
  it("abs′(0) = 1 (JAX: select(x ≥ 0, g, −g)), forward and reverse, at every order", () => {
    const x = tensor([0, -2, 3], 'float64')
    expect(Array.from(grad((v: Tensor) => sum(abs(v)))(x).toTypedArray())).toEqual([1, -1, 1])
    expect(Array.from(jvp(abs, x, ones([3], 'float64'))[1].toTypedArray())).toEqual([1, -1, 1])
    expect(Array.from(hvp((v: Tensor) => sum(abs(v)))(x, ones([3], 'float64')).toTypedArray())).toEqual([0, 0, 0])
  })
})

describe('norms scale before squaring (as hypot and LAPACK nrm2)', () => {
  it('no overflow or underflow in float32, and the same answers as Math.hypot', () => {
    expect(norm(tensor([3e19, 4e19])).item()).toBe(Math.fround(5e19))
    expect(norm(tensor([3e-30, 4e-30])).item()).toBe(Math.fround(5e-30))
    expect(norm(tensor([Infinity, 1])).item()).toBe(Infinity)
    expect(norm(tensor([NaN, 1])).item()).toBeNaN()
    expect(Array.from(norm(tensor([[3, 4], [0, 0], [1e-200, 1e-200]], 'float64'), { axis: 1 }).toTypedArray())).toEqual([5, 0, Math.hypot(1e-200, 1e-200)])
    expect(Array.from(norm(zeros([0, 2]), { axis: 0 }).toTypedArray())).toEqual([0, 0])
  })

  it('optim.maxNorm of a huge unit projects it onto the ball instead of zeroing it', () => {
    const p = optim.maxNorm({ c: 1 })(tensor([[3e19], [4e19]])).toTypedArray()
    expect(p[0]).toBeCloseTo(0.6, 6)
    expect(p[1]).toBeCloseTo(0.8, 6)
  })

  it('the gradient is x/‖x‖ whatever the scale', () => {
    const g = grad((v: Tensor) => norm(v))(tensor([3e150, 4e150], 'float64')).toTypedArray()
    expect(g[0]).toBeCloseTo(0.6, 14)
    expect(g[1]).toBeCloseTo(0.8, 14)
  })
})

describe('errors name the function the user called and the bad argument', () => {
  it.each([
    ['zeros([1e6, 1e6])', () => zeros([1e6, 1e6]), /^zeros: shape \[1000000,1000000\] has 1\.000e\+12 elements/],
    ['ones([1e6, 1e6])', () => ones([1e6, 1e6]), /^ones: shape /],
    ['arange(0, 1e12)', () => arange(0, 1e12), /^arange: shape \[1000000000000\] has 1\.000e\+12 elements/],
    ['eye(1e6)', () => eye(1e6), /^eye: shape \[1000000,1000000\]/],
    ['random.normal(k, [1e6, 1e6])', () => random.normal(random.key(0), [1e6, 1e6]), /^normal: shape \[1000000,1000000\]/],
    ['random.uniform(k, [1e5, 1e5])', () => random.uniform(random.key(0), [1e5, 1e5]), /^uniform: shape /],
    ['add of a 1e10-element broadcast', () => add(zeros([100000, 1]), zeros([1, 100000])), /^add: shape \[100000,100000\] has 1\.000e\+10 elements/],
    ['where(null, 1, 2)', () => where(bad(null), 1, 2), /^where: cond must be a tensor, got null$/],
    ['zeros([-1])', () => zeros([-1]), /^zeros: bad shape \[-1\]/],
    ["zeros([1], 'int8')", () => zeros([1], bad('int8')), /^zeros: dtype must be 'float32', 'float64', 'int32' or 'bool', got "int8"$/],
    ["ones([1], 'x')", () => ones([1], bad('x')), /^ones: dtype must be/],
    ["tensor([1], 'x')", () => tensor([1], bad('x')), /^tensor: dtype must be/],
    ["cast(x, 'x')", () => cast(tensor([1]), bad('x')), /^cast: dtype must be/],
    ["arange(3, undefined, 1, 'x')", () => arange(3, undefined, 1, bad('x')), /^arange: dtype must be/],
    ['softmax(x, { axis: 3 })', () => softmax(zeros([2, 2]), { axis: 3 }), /^softmax: axis 3 is out of range for rank 2$/],
    ['logSoftmax(x, { axis: 3 })', () => logSoftmax(zeros([2, 2]), { axis: 3 }), /^logSoftmax: axis 3 is out of range for rank 2$/],
    ['logSumExp(x, { axis: 3 })', () => logSumExp(zeros([2, 2]), { axis: 3 }), /^logSumExp: axis 3 is out of range/],
    ['softmaxCrossEntropy(x, labels, bad axis)', () => softmaxCrossEntropy(scalar(1), tensor(0, 'int32')), /^softmaxCrossEntropy: logits must have a class axis/],
    ['mean(x, { axis: 5 })', () => mean(zeros([2]), { axis: 5 }), /^mean: axis 5 is out of range/],
    ['mean(x, 3)', () => mean(zeros([2]), bad(3)), /^mean: options must be an object such as \{ axis \}, got 3$/],
    ['sum(x, 0)', () => sum(zeros([2]), bad(0)), /^sum: options must be/],
    ["max(x, { axis: 'a' })", () => max(zeros([2]), bad({ axis: 'a' })), /^max: axis must be an integer or an array of integers, got "a"$/],
    ['norm(x, { axis: 2 })', () => norm(zeros([2]), { axis: 2 }), /^norm: axis 2 is out of range/],
    ['sum(null)', () => sum(bad(null)), /^sum: x must be a tensor, got null$/],
    ['reshape(x, 6)', () => reshape(zeros([6]), bad(6)), /^reshape: shape must be an array of integers, got 6$/],
    ['slice(x, 0)', () => slice(zeros([6]), bad(0)), /^slice: begin and end must be arrays/],
    ['squeeze(null)', () => squeeze(bad(null)), /^squeeze: x must be a tensor/],
    ['concat([x, 1])', () => concat([zeros([1]), bad(1)]), /^concat: xs\[1\] must be a tensor, got 1$/],
    ['argmax(x, { axis: 2 })', () => argmax(zeros([2]), { axis: 2 }), /^argmax: axis 2 is out of range/],
    ['exp("a")', () => exp(bad('a')), /^exp: x must be a tensor or a number, got "a"$/],
    ['sqrt(null)', () => sqrt(bad(null)), /^sqrt: x must be a tensor or a number, got null$/],
    ['matmul(x, null)', () => matmul(zeros([2, 2]), bad(null)), /^matmul: b must be a tensor or a number, got null$/],
  ])('%s', (_, f, pattern) => {
    const e = errorOf(f)
    expect(e).toBeInstanceOf(TensorError)
    expect(e.message).toMatch(pattern)
  })
})

describe('options are validated when the function is made, not when it is applied', () => {
  it.each([
    ['optim.maxNorm({ c: 1, axis: [0, 0] })', () => optim.maxNorm({ c: 1, axis: [0, 0] }), 'optim.maxNorm: axis [0,0] repeats an axis'],
    ["optim.maxNorm({ c: 1, axis: 'a' })", () => optim.maxNorm({ c: 1, axis: bad('a') }), 'optim.maxNorm: axis must be an integer or an array of integers, got a'],
    ['nn.gaussianDropout({ keep: 0 })', () => nn.gaussianDropout({ keep: 0 }), 'gaussianDropout: keep must be in (0, 1], got 0'],
    ['nn.dropoutEval({ rate: 1 })', () => nn.dropoutEval({ rate: 1 }), 'dropoutEval: rate must be in [0, 1), got 1'],
    ['nn.dropoutIn(Train, { keep: 2 })', () => nn.dropoutIn(nn.Train, { keep: 2 }), 'dropoutIn: keep must be in (0, 1], got 2'],
    ['nn.dropoutWithMask(Train, { keep: 0.5 }, { broadcastAxes: [1, 1] })', () => nn.dropoutWithMask(nn.Train, { keep: 0.5 }, { broadcastAxes: [1, 1] }), 'dropoutWithMask: broadcastAxes [1,1] repeats an axis'],
    ["nn.dropout({ keep: 0.5 }, { convention: 'x' })", () => nn.dropout({ keep: 0.5 }, { convention: bad('x') }), "dropout: convention must be 'paper' or 'inverted', got x"],
  ])('%s', (_, make, message) => {
    const e = errorOf(make)
    expect(e).toBeInstanceOf(TensorError)
    expect(e.message).toBe(message)
  })

  it('well-formed options still build and apply', () => {
    const y = random.evaluate(random.key(0))(nn.gaussianDropout({ keep: 0.5 })(ones([4])))
    expect(y.shape).toEqual([4])
    expect(optim.maxNorm({ c: 1, axis: [0, 1] })(ones([2, 2])).shape).toEqual([2, 2])
  })
})

describe("forward-mode rules broadcast to their op's output", () => {
  it('where with a constant branch that sets the shape (jvp and hvp)', () => {
    expect(jvp((x: Tensor) => where(tensor(true), zeros([2]), x), scalar(1), scalar(1))[1].shape).toEqual([2])
    const f = (x: Tensor) => sum(mul(where(greater(x, 0), x, zeros([3, 2])), x))
    expect(Array.from(hvp(f)(tensor([1, -1]), tensor([1, 1])).toTypedArray())).toEqual([6, 0])
  })
})

describe('integers meet float functions exactly (found by the op-graph fuzzer)', () => {
  it('mean of int32 sums exactly, then rounds once to float32', () => {
    const big = tensor([[-2147483648, 2147483647], [0, -2147483648], [2147483647, 0], [-2147483648, 2147483647]], 'int32')
    expect(mean(big).item()).toBe(-0.375)
    expect(mean(tensor([2147483647, 2147483647], 'int32')).item()).toBe(Math.fround(2147483647))
  })

  it('softmaxCrossEntropy of int32 logits computes in float32 (no int32 overflow)', () => {
    expect(softmaxCrossEntropy(tensor([[2147483647, -3]], 'int32'), tensor([1], 'int32')).item()).toBe(Math.fround(2147483650))
  })

  it('int32 products wrap exactly, as Math.imul', () => {
    expect(mul(tensor([123456789], 'int32'), 987654321).item()).toBe(Math.imul(123456789, 987654321))
  })
})

