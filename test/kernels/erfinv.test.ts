/**
 * The erfInv op: known values from mpmath (`mpmath.erfinv` at 40 digits, at the
 * exact doubles given; inputs whose squares are exact, so w = −log1p(−x²)
 * carries no rounding of its own), erf ∘ erfInv as the identity, float32
 * results equal to the normal sampler's erfinv bit for bit, JAX's special
 * values, and the derivatives (√π/2)·e^(y²) and 2y·((√π/2)·e^(y²))², y = erfinv x.
 * The kernels themselves (Giles' polynomials) are checked against erf in
 * 256-bit fixed point in test/random/erfinv.test.ts.
 */
import { test } from '@fast-check/vitest'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { erfinv32, erfinv64 } from '../../src/backend/js/erfinv.js'
import { TensorError, erf, erfInv, grad, jvp, sum, tensor, vmap, type Tensor } from '../../src/index.js'

const values = (t: Tensor): number[] => Array.from(t.toTypedArray())
const sameBits = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => Object.is(x, b[i]))

// [x, erfinv(x)] from mpmath; the first four lie in the first float64 branch (w < 6.25), the last two in the second (6.25 ≤ w < 16) and third (w ≥ 16).
const MPMATH: readonly (readonly [number, number])[] = ([
  [0.25, '0.225312055012178104725'],
  [0.5, '0.4769362762044698733814'],
  [0.75, '0.8134198475976185416903'],
  [-0.9375, '-1.317150334986130748884'],
  [1 - 2 ** -20, '3.465505025803330717256'],
  [1 - 2 ** -26, '4.004131885114475294736'],
] as const).map(([x, y]) => [x, Number(y)] as const)

describe('erfInv in float64', () => {
  it('agrees with mpmath to the kernel\'s 1e-15 relative error, in all three branches', () => {
    const got = values(erfInv(tensor(MPMATH.map(([x]) => x), 'float64')))
    MPMATH.forEach(([, y], i) => {
      expect(Math.abs(got[i]! - y) / Math.abs(y)).toBeLessThan(1e-15)
    })
  })

  // |erf(erfInv x) − x| ≤ 2e-15·|x| + 2·2⁻¹⁰⁷⁴: erfInv's relative error ε ≤ 1e-15 moves erf by erf′(y)·|y|·ε ≤ |x|·ε
  // (erf′ decreases on [0, ∞), so y·erf′(y) ≤ erf(y)); erf's own error is ≤ 2 ulp ≤ 4.5e-16·|x|; the roundings of x²,
  // of log1p and of erfInv's result each move erf by at most about half an ulp of x (the rounding of x², whatever the
  // conditioning near ±1, by |x|·2⁻⁵⁴: erf′(y)·erfInv′(x) = 1). Subnormal results add half a subnormal per rounding.
  test.prop([fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 })], { numRuns: 200 })(
    'is erf\'s inverse: erf(erfInv(x)) = x to 2e-15·|x|',
    (xs) => {
      const all = [...xs, 1 - 2 ** -53, -(1 - 2 ** -53), 1e-300, 0.1, 0.999]
      const back = values(erf(erfInv(tensor(all, 'float64'))))
      all.forEach((x, i) => {
        expect(Math.abs(back[i]! - x)).toBeLessThanOrEqual(2e-15 * Math.abs(x) + 2 * Number.MIN_VALUE)
      })
    },
  )

  test.prop([fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 50 })])('is the float64 kernel bit for bit, across its three branches, and odd', (xs) => {
    // w = −log1p(−x²) reaches the second (6.25 ≤ w < 16) and third (w ≥ 16) branches only near ±1.
    const all = [...xs, -1, 1, 0, 1 - 1e-4, 1 - 1e-9, -(1 - 1e-12), 1 - 2 ** -53]
    expect(sameBits(values(erfInv(tensor(all, 'float64'))), all.map(erfinv64))).toBe(true)
    expect(sameBits(values(erfInv(tensor(all.map((x) => -x), 'float64'))), all.map((x) => -erfinv64(x)))).toBe(true)
  })
})

describe('erfInv in float32', () => {
  test.prop([fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 50 })])('is the random-bits kernel\'s erfinv, bit for bit', (xs) => {
    const all = [...xs, -1, 1, 0, -0, Math.fround(1 - 2 ** -24), Math.fround(-1 + 2 ** -24), 2 ** -149, Math.fround(0.5)]
    expect(sameBits(values(erfInv(tensor(all, 'float32'))), all.map(erfinv32))).toBe(true)
  })

  it('agrees with mpmath to Giles\' single-precision accuracy (5e-7 relative for w < 5), and lifts integers to float32', () => {
    const got = values(erfInv(tensor([0.25, 0.5, 0.75, -0.9375], 'float32')))
    MPMATH.slice(0, 4).forEach(([, y], i) => {
      expect(Math.abs(got[i]! - y) / Math.abs(y)).toBeLessThan(5e-7)
    })
    const e = erfInv(tensor([0, 1, -1, 2], 'int32'))
    expect(e.dtype).toBe('float32')
    expect(values(e)).toEqual([0, Infinity, -Infinity, NaN])
  })
})

describe('erfInv\'s domain and special values, as JAX', () => {
  it('is ±∞ at ±1, NaN outside [−1, 1] and at NaN, and keeps the sign of zero', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const got = values(erfInv(tensor([1, -1, 1.5, -2, Infinity, -Infinity, NaN, 0, -0], dtype)))
      expect(got.slice(0, 2)).toEqual([Infinity, -Infinity])
      expect(got.slice(2, 7).every(Number.isNaN)).toBe(true)
      expect(Object.is(got[7], 0) && Object.is(got[8], -0)).toBe(true)
    }
  })

  it('names itself in its errors', () => {
    expect(() => erfInv('0.5' as unknown as number)).toThrow(TensorError)
    expect(() => erfInv('0.5' as unknown as number)).toThrow(/^erfInv: x must be a tensor or a number, got/)
  })
})

describe('erfInv\'s derivatives', () => {
  const c = Math.sqrt(Math.PI) / 2
  it('are (√π/2)·e^(y²) and 2y·((√π/2)·e^(y²))² (mpmath at 0.5: 1.1125848189719498, 1.1807463499934)', () => {
    const d = grad((x: Tensor) => sum(erfInv(x)))
    const dd = grad((x: Tensor) => sum(d(x)))
    expect(d(tensor(0.5, 'float64')).item()).toBeCloseTo(1.1125848189719498, 14)
    expect(dd(tensor(0.5, 'float64')).item()).toBeCloseTo(1.1807463499934, 13)
    const xs = [-0.95, -0.3, 0, 0.6, 0.99]
    const first = values(d(tensor(xs, 'float64')))
    const second = values(dd(tensor(xs, 'float64')))
    xs.forEach((x, i) => {
      const y = erfinv64(x)
      const g = c * Math.exp(y * y)
      // The same formulas evaluated here in float64: a few roundings apart.
      expect(Math.abs(first[i]! - g)).toBeLessThanOrEqual(1e-15 * g)
      expect(Math.abs(second[i]! - 2 * y * g * g)).toBeLessThanOrEqual(1e-14 * Math.abs(2 * y * g * g))
    })
  })

  it('agree in forward mode and under vmap, and are 1/erf′ at erfInv(x)', () => {
    const xs = tensor([-0.7, 0.2, 0.85], 'float64')
    const [, t] = jvp(erfInv, xs, tensor([1, 1, 1], 'float64'))
    const rev = grad((x: Tensor) => sum(erfInv(x)))(xs)
    expect(sameBits(values(vmap(erfInv)(xs)), values(erfInv(xs)))).toBe(true)
    const erfPrime = grad((y: Tensor) => sum(erf(y)))(erfInv(xs))
    values(t).forEach((v, i) => {
      expect(v / values(rev)[i]!).toBeCloseTo(1, 14)
      expect(v * values(erfPrime)[i]!).toBeCloseTo(1, 14)
    })
  })
})
