/**
 * The new elementwise ops and jax.nn activations: values against independent
 * definitions written here in float64 and against JAX's own test cases
 * (tests/nn_test.py: softplus(89) = 89, elu(1e4) = 1e4, softplus's gradient at
 * 0, ±∞ and NaN), analytic derivatives, stability at large |x|, and errors.
 * The laws (test/laws) check every derivative against finite differences.
 */
import { describe, expect, it } from 'vitest'
import {
  TensorError, cos, elu, erf, exp, expm1, gelu, grad, leakyRelu, logSigmoid, mean, rsqrt, sigmoidBinaryCrossEntropy, silu, sin, softplus, sum, tan,
  tensor, vmap, type Tensor,
} from '../../src/index.js'

const arr = (t: Tensor): number[] => Array.from(t.toTypedArray())
const xs = [-30, -3.5, -1, -0.25, 0, 0.3, 1, 2.5, 30]
const x64 = tensor(xs, 'float64')
const close = (got: readonly number[], want: readonly number[], tol = 1e-15): void => {
  expect(got.length).toBe(want.length)
  got.forEach((g, i) => {
    expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]!)))
  })
}
const d = (f: (x: Tensor) => Tensor) => (x: Tensor): Tensor => grad((v: Tensor) => sum(f(v)))(x)

describe('sin, cos, tan, expm1: the kernels are Math’s, rounded once in float32', () => {
  it.each([['sin', sin, Math.sin], ['cos', cos, Math.cos], ['tan', tan, Math.tan], ['expm1', expm1, Math.expm1]] as const)('%s', (_, f, m) => {
    expect(arr(f(x64))).toEqual(xs.map(m))
    expect(arr(f(tensor(xs, 'float32')))).toEqual(xs.map((x) => Math.fround(m(Math.fround(x)))))
    expect(f(tensor([1, 2], 'int32')).dtype).toBe('float32')
  })
  it('have their analytic derivatives, to second order', () => {
    const at = tensor([-2, -0.5, 0, 0.7, 1.3], 'float64')
    const v = arr(at)
    close(arr(d(sin)(at)), v.map(Math.cos))
    close(arr(d(d(sin))(at)), v.map((x) => -Math.sin(x)))
    close(arr(d(cos)(at)), v.map((x) => -Math.sin(x)))
    close(arr(d(tan)(at)), v.map((x) => 1 / Math.cos(x) ** 2), 1e-14)
    close(arr(d(d(tan))(at)), v.map((x) => (2 * Math.sin(x)) / Math.cos(x) ** 3), 1e-14)
    close(arr(d(expm1)(at)), v.map(Math.exp))
    close(arr(d(d(expm1))(at)), v.map(Math.exp))
  })
  it('expm1 keeps small arguments that exp(x) − 1 loses', () => {
    expect(expm1(tensor(1e-12, 'float64')).item()).toBe(Math.expm1(1e-12))
    expect(expm1(tensor(1e-12, 'float64')).item()).not.toBe(exp(tensor(1e-12, 'float64')).item() - 1)
  })
})

describe('jax.nn activations', () => {
  it('softplus is log(1 + eˣ) where that is exact, and stays finite far out', () => {
    close(arr(softplus(tensor([-3.5, -1, 0, 0.3, 2.5], 'float64'))), [-3.5, -1, 0, 0.3, 2.5].map((x) => Math.log(1 + Math.exp(x))))
    expect(softplus(tensor(89, 'float32')).item()).toBe(89) // JAX's testSoftplusValue
    expect(arr(softplus(tensor([1000, -1000], 'float64')))).toEqual([1000, 0])
    expect(softplus(tensor(-800, 'float64')).item()).toBe(Math.exp(-800))
  })
  it('softplus′ is sigmoid: 1/2 at 0, 1 at ∞, 0 at −∞, NaN at NaN (JAX’s testSoftplusGrad*)', () => {
    expect(arr(d(softplus)(tensor([0, Infinity, -Infinity, NaN], 'float64')))).toEqual([0.5, 1, 0, NaN])
    expect(arr(d(d(softplus))(tensor([0], 'float64')))).toEqual([0.25])
  })
  it('logSigmoid is −softplus(−x), finite for large negative logits', () => {
    close(arr(logSigmoid(tensor([-3.5, 0, 2.5], 'float64'))), [-3.5, 0, 2.5].map((x) => Math.log(1 / (1 + Math.exp(-x)))))
    expect(arr(logSigmoid(tensor([-1000, 1000], 'float64')))).toEqual([-1000, -0])
    close(arr(d(logSigmoid)(x64)), xs.map((x) => 1 / (1 + Math.exp(x))))
  })
  it('silu is x·σ(x) with derivative σ(x)(1 + x(1 − σ(x)))', () => {
    const s = (x: number) => 1 / (1 + Math.exp(-x))
    close(arr(silu(x64)), xs.map((x) => x * s(x)))
    close(arr(d(silu)(x64)), xs.map((x) => s(x) * (1 + x * (1 - s(x)))))
  })
  it('gelu: the tanh approximation by default (as JAX), the exact x·Φ(x) on request', () => {
    const approx = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)))
    close(arr(gelu(x64)), xs.map(approx))
    expect(arr(gelu(x64, { approximate: true }))).toEqual(arr(gelu(x64)))
    // Φ(±1), Φ(2) from the normal table (A&S 26.2.2 / DLMF 7.2); Φ(x) = (1 + erf(x/√2))/2.
    close(arr(gelu(tensor([1, -1, 2], 'float64'), { approximate: false })), [0.8413447460685429, -0.15865525393145707, 2 * 0.9772498680518208])
    const normalPdf = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI)
    const phi = (x: number) => (1 + arr(erf(tensor(x / Math.SQRT2, 'float64')))[0]!) / 2
    close(arr(d((x) => gelu(x, { approximate: false }))(tensor([-1, 0, 1.5], 'float64'))), [-1, 0, 1.5].map((x) => phi(x) + x * normalPdf(x)))
    expect(Math.abs(gelu(tensor(1, 'float64')).item() - 0.8413447460685429)).toBeLessThan(2e-4) // the approximation is close
  })
  it('elu: x for x > 0, alpha·(eˣ − 1) below; finite gradients for large x (JAX’s testEluValue)', () => {
    expect(elu(tensor(1e4, 'float32')).item()).toBe(1e4)
    close(arr(elu(x64, { alpha: 0.5 })), xs.map((x) => (x > 0 ? x : 0.5 * Math.expm1(x))))
    expect(arr(d((x) => elu(x, { alpha: 2 }))(tensor([1000, 0, -1], 'float64')))).toEqual([1, 2, 2 * Math.exp(-1)])
  })
  it('leakyRelu: slope 0.01 by default, and 1 at 0 (JAX: where(x ≥ 0, x, slope·x))', () => {
    expect(arr(leakyRelu(x64))).toEqual(xs.map((x) => (x >= 0 ? x : 0.01 * x)))
    expect(arr(d(leakyRelu)(tensor([-2, 0, 3], 'float64')))).toEqual([0.01, 1, 1])
    expect(arr(leakyRelu(tensor([-2]), { negativeSlope: 0.5 }))).toEqual([-1])
  })
  it('rsqrt is 1/√x', () => {
    expect(arr(rsqrt(tensor([4, 0.25, 2], 'float64')))).toEqual([0.5, 2, 1 / Math.sqrt(2)])
    expect(arr(rsqrt(tensor([0, Infinity], 'float64')))).toEqual([Infinity, 0])
  })
  it('work under vmap', () => {
    const m = tensor([[-1, 2], [0.5, -3]], 'float64')
    expect(arr(vmap((r: Tensor) => gelu(elu(r)))(m))).toEqual(arr(gelu(elu(m))))
  })
})

describe('sigmoidBinaryCrossEntropy', () => {
  const naive = (x: number, z: number) => {
    const p = 1 / (1 + Math.exp(-x))
    return -z * Math.log(p) - (1 - z) * Math.log(1 - p)
  }
  it('is optax’s loss per element: −z·log σ(x) − (1 − z)·log(1 − σ(x))', () => {
    const logits = [-3, -0.5, 0, 0.5, 2, 4]
    const labels = [0, 1, 0.5, 0.2, 1, 0]
    const l = sigmoidBinaryCrossEntropy(tensor(logits, 'float64'), tensor(labels, 'float64'))
    expect(l.shape).toEqual([6])
    close(arr(l), logits.map((x, i) => naive(x, labels[i]!)), 1e-14)
  })
  it('is stable for logits of ±1e4, with the gradient σ(x) − z', () => {
    const x = tensor([1e4, -1e4, 1e4, -1e4, 0.3], 'float64')
    const z = tensor([1, 0, 0, 1, 0.25], 'float64')
    expect(arr(sigmoidBinaryCrossEntropy(x, z))).toEqual([0, 0, 1e4, 1e4, Math.log1p(Math.exp(-0.3)) + 0.3 - 0.3 * 0.25])
    const g = arr(grad((v: Tensor) => sum(sigmoidBinaryCrossEntropy(v, z)))(x))
    close(g, [0, 0, 1, -1, 1 / (1 + Math.exp(-0.3)) - 0.25])
  })
  it('takes int and bool labels, broadcasts, and its mean is the usual scalar loss', () => {
    const x = tensor([[0.5, -1], [2, 0]], 'float64')
    expect(arr(sigmoidBinaryCrossEntropy(x, tensor([1, 0], 'int32')))).toEqual(arr(sigmoidBinaryCrossEntropy(x, tensor([[1, 0], [1, 0]], 'float64'))))
    expect(arr(sigmoidBinaryCrossEntropy(x, tensor([true, false])))).toEqual(arr(sigmoidBinaryCrossEntropy(x, tensor([1, 0], 'float64'))))
    expect(sigmoidBinaryCrossEntropy(x, 1).shape).toEqual([2, 2])
    close([mean(sigmoidBinaryCrossEntropy(x, 1)).item()], [[0.5, -1, 2, 0].reduce((s, v) => s + naive(v, 1), 0) / 4])
  })
  it('names itself, the argument and the shapes when they are wrong', () => {
    expect(() => sigmoidBinaryCrossEntropy(tensor([1, 2], 'int32'), tensor([1, 0], 'int32'))).toThrow('sigmoidBinaryCrossEntropy: logits must be float32 or float64, got int32')
    expect(() => sigmoidBinaryCrossEntropy(tensor([1, 2, 3]), tensor([1, 0]))).toThrow(/^sigmoidBinaryCrossEntropy: \[3\] and \[2\] do not broadcast/)
    expect(() => sigmoidBinaryCrossEntropy('x' as unknown as Tensor, tensor([1]))).toThrow(TensorError)
  })
})

describe('bad options are TensorErrors naming the op and the option', () => {
  it.each([
    [() => gelu(tensor([1]), { approximate: 'yes' as unknown as boolean }), 'gelu: approximate must be a boolean, got "yes"'],
    [() => elu(tensor([1]), { alpha: NaN }), 'elu: alpha must be a finite number, got NaN'],
    [() => leakyRelu(tensor([1]), { negativeSlope: '0.1' as unknown as number }), 'leakyRelu: negativeSlope must be a finite number, got "0.1"'],
    [() => elu(tensor([1]), null as unknown as object), 'elu: options must be an object'],
    [() => softplus('a' as unknown as Tensor), 'softplus: x must be a tensor or a number, got "a"'],
  ])('%#', (f, message) => {
    expect(f).toThrow(TensorError)
    expect(f).toThrow(message)
  })
})
