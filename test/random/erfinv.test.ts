import { describe, expect, it } from 'vitest'
import { erfinv32, erfinv64 } from '../../src/backend/js/erfinv.js'
import { erfinvRelError } from './erf-reference.js'

describe('erfinv64 (Giles, double precision, as XLA decomposes chlo.erf_inv)', () => {
  // Inputs whose square is exact in float64 (≤ 26 significant bits), so
  // w = −log1p(−u·u) carries no cancellation error and what is left is the
  // approximation error itself: a few float64 ulps (measured ≤ 4.8e-16) in
  // all three branches (w < 6.25, w < 16, w ≥ 16).
  const grid = [
    ...Array.from({ length: 400 }, (_, i) => (i + 1) / 401),
    ...Array.from({ length: 24 }, (_, j) => 1 - 2 ** -(j + 2)),
    ...Array.from({ length: 24 }, (_, j) => 1 - 3 * 2 ** -(j + 3)),
  ].map((u) => Math.round(u * 2 ** 26) / 2 ** 26)

  it('inverts erf to within 1e-15 relative error', () => {
    let worst = 0
    for (const u of grid) worst = Math.max(worst, Math.abs(erfinvRelError(u, erfinv64(u))))
    expect(worst).toBeLessThan(1e-15)
  })

  it('is odd, zero at zero and infinite at ±1', () => {
    for (const u of [0.1, 0.7, 0.999, 1 - 1e-12]) expect(erfinv64(-u)).toBe(-erfinv64(u))
    expect(erfinv64(0)).toBe(0)
    expect(erfinv64(1)).toBe(Infinity)
    expect(erfinv64(-1)).toBe(-Infinity)
  })
})

describe('erfinv32 (Giles, single precision, in float32 arithmetic)', () => {
  it('returns float32 values, odd, infinite at ±1', () => {
    for (const u of [0.1, 0.5, 0.9, 0.99999994].map(Math.fround)) {
      const x = erfinv32(u)
      expect(Math.fround(x)).toBe(x)
      expect(erfinv32(-u)).toBe(-x)
    }
    expect(erfinv32(1)).toBe(Infinity)
  })

  // Giles' single-precision polynomial (relative error ≈ 3e-7 for w < 5, a few
  // 1e-6 in the tail) on inputs with exact squares; the bit-level agreement with
  // JAX is checked by the normal() known answers in sample.test.ts.
  it('inverts erf to within Giles single-precision accuracy', () => {
    let worstSmall = 0
    let worstTail = 0
    for (let i = 1; i < 400; i++) {
      const u = Math.fround(Math.round((i / 400) * 2 ** 12) / 2 ** 12)
      worstSmall = Math.max(worstSmall, Math.abs(erfinvRelError(u, erfinv32(u))))
    }
    for (let j = 4; j <= 12; j++) {
      const u = 1 - 2 ** -j
      worstTail = Math.max(worstTail, Math.abs(erfinvRelError(u, erfinv32(u))))
    }
    expect(worstSmall).toBeLessThan(5e-7)
    expect(worstTail).toBeLessThan(1e-5)
  })
})
