import { describe, expect, it } from 'vitest'
import { test } from '@fast-check/vitest'
import fc from 'fast-check'
import { TensorError } from '../../src/core/errors.js'
import { threefry2x32 } from '../../src/random/index.js'

const u32 = (...xs: number[]) => new Uint32Array(xs)

describe('threefry2x32 (20 rounds)', () => {
  // Random123 known-answer vectors for threefry2x32_20, as used by JAX:
  // jax-ml/jax tests/random_test.py (testThreefry2x32), which cites
  // DEShawResearch/Random123-Boost libs/random/test/test_threefry.cpp#L30-L32
  // (commit 65e3d874b67aa7b3e02d5ad8306462f52d2079c0).
  it('matches the all-zero Random123 vector', () => {
    const [y0, y1] = threefry2x32([0, 0], u32(0), u32(0))
    expect([y0[0], y1[0]]).toEqual([0x6b200159, 0x99ba4efe])
  })

  it('matches the all-ones Random123 vector', () => {
    const m = 0xffffffff
    const [y0, y1] = threefry2x32([m, m], u32(m), u32(m))
    expect([y0[0], y1[0]]).toEqual([0x1cb996fc, 0xbb002be7])
  })

  it('matches the pi-digits Random123 vector', () => {
    const [y0, y1] = threefry2x32([0x13198a2e, 0x03707344], u32(0x243f6a88), u32(0x85a308d3))
    expect([y0[0], y1[0]]).toEqual([0xc4923a9c, 0x483df7a0])
  })

  it('hashes every counter of a long vector alike (JAX testThreefry2x32Large, smaller n)', () => {
    const n = 100_000
    const [y0, y1] = threefry2x32([0x13198a2e, 0x03707344], new Uint32Array(n).fill(0x243f6a88), new Uint32Array(n).fill(0x85a308d3))
    expect(y0.every((v) => v === 0xc4923a9c)).toBe(true)
    expect(y1.every((v) => v === 0x483df7a0)).toBe(true)
  })

  test.prop([fc.tuple(fc.nat(0xffffffff), fc.nat(0xffffffff)), fc.array(fc.tuple(fc.nat(0xffffffff), fc.nat(0xffffffff)), { maxLength: 20 })])(
    'is elementwise: a vector of counters hashes like each counter alone',
    (k, counters) => {
      const [y0, y1] = threefry2x32(k, u32(...counters.map((c) => c[0])), u32(...counters.map((c) => c[1])))
      counters.forEach(([a, b], i) => {
        const [z0, z1] = threefry2x32(k, u32(a), u32(b))
        expect([y0[i], y1[i]]).toEqual([z0[0], z1[0]])
      })
    },
  )

  it('handles empty counters', () => {
    const [y0, y1] = threefry2x32([1, 2], u32(), u32())
    expect(y0.length + y1.length).toBe(0)
  })

  it('rejects bad keys and mismatched counters', () => {
    expect(() => threefry2x32([-1, 0], u32(0), u32(0))).toThrow(TensorError)
    expect(() => threefry2x32([0, 2 ** 32], u32(0), u32(0))).toThrow(/^threefry2x32: key words/)
    expect(() => threefry2x32([0.5, 0], u32(0), u32(0))).toThrow(TensorError)
    expect(() => threefry2x32([0, 0], u32(0, 1), u32(0))).toThrow(/^threefry2x32: counter arrays/)
  })
})
