import { tensor } from '../../src/core/tensor.js'
import { describe, expect, it } from 'vitest'
import { test } from '@fast-check/vitest'
import fc from 'fast-check'
import { TensorError } from '../../src/core/errors.js'
import { type Key, checkKeyReuse, foldIn, isKey, key, keyData, keyEq, split, threefry2x32, uniform, wrapKeyData } from '../../src/random/index.js'
import { keyArb } from '../../laws/random.js'

const words = (k: Key) => keyData(k)
const hash = (k: Key, hi: number, lo: number) => {
  const [y0, y1] = threefry2x32(keyData(k), new Uint32Array([hi]), new Uint32Array([lo]))
  return [y0[0], y1[0]]
}

describe('key(seed)', () => {
  // jax-ml/jax tests/random_test.py, test_prng_seeds_and_keys: the expected key
  // data for Python-int / int64 seeds. For negative and out-of-int32 seeds we
  // follow the jax_enable_x64=True column (64-bit two's complement).
  it.each([
    [0, [0, 0]],
    [1, [0, 1]],
    [2, [0, 2]],
    [3, [0, 3]],
    [-1, [4294967295, 4294967295]],
    [-3, [4294967295, 4294967293]],
    [2147483647 + 100, [0, 2147483747]],
    [2147483647 + 101, [0, 2147483748]],
    [-2147483648 - 100, [4294967295, 2147483548]],
    [-2147483648 - 101, [4294967295, 2147483547]],
  ])('key(%d) has JAX key data %j', (seed, expected) => {
    expect(words(key(seed))).toEqual(expected)
  })

  // docs.jax.dev/en/latest/jax.random.html: `random.key(0)` overlays [0 0];
  // docs.jax.dev/en/latest/_autosummary/jax.experimental.random.StatefulPRNG.html:
  // `stateful_rng(42)` holds the key [ 0 42].
  it('matches the JAX docs for seeds 0 and 42', () => {
    expect(words(key(0))).toEqual([0, 0])
    expect(words(key(42))).toEqual([0, 42])
  })

  test.prop([fc.maxSafeInteger()])('splits a 64-bit seed into high and low words', (seed) => {
    const [hi, lo] = words(key(seed))
    expect(BigInt.asUintN(64, BigInt(seed))).toBe((BigInt(hi) << 32n) | BigInt(lo))
  })

  it('uses both words for seeds of 2^32 and more', () => {
    expect(words(key(2 ** 32 + 5))).toEqual([1, 5])
    expect(words(key(Number.MAX_SAFE_INTEGER))).toEqual([2 ** 21 - 1, 0xffffffff])
    expect(words(key(Number.MIN_SAFE_INTEGER))).toEqual([0xffe00000, 1])
  })

  it('rejects non-integer and unsafe seeds', () => {
    for (const bad of [1.5, Number.NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53)]) {
      expect(() => key(bad)).toThrow(TensorError)
    }
    expect(() => key('3' as unknown as number)).toThrow(/^key: seed must be a safe integer/)
  })

  it('makes keys (int32 [2] tensors) that a plain array or another tensor is not', () => {
    const k = key(5)
    expect(k.shape).toEqual([2])
    expect(k.dtype).toBe('int32')
    expect(isKey(k)).toBe(true)
    expect(isKey(tensor([0, 5]))).toBe(false)
    expect(isKey([0, 5])).toBe(false)
    expect(isKey(Object.freeze([0, -5]))).toBe(false)
    expect(isKey('key')).toBe(false)
    expect(() => split([0, 5] as unknown as Key)).toThrow(/^split: expected a Key/)
  })
})

describe('keyData / wrapKeyData', () => {
  test.prop([keyArb()])('round-trip', (k) => {
    expect(keyEq.equals(wrapKeyData(keyData(k)), k)).toBe(true)
  })

  it('accepts a Uint32Array and validates words', () => {
    expect(words(wrapKeyData(new Uint32Array([1, 2])))).toEqual([1, 2])
    expect(() => wrapKeyData([1])).toThrow(/^wrapKeyData: needs exactly two/)
    expect(() => wrapKeyData([1, 2, 3])).toThrow(TensorError)
    expect(() => wrapKeyData([1, -2])).toThrow(TensorError)
    expect(() => wrapKeyData([1, 2 ** 32])).toThrow(TensorError)
    expect(() => wrapKeyData([1, 0.5])).toThrow(TensorError)
    expect(() => keyData([1, 2] as unknown as Key)).toThrow(/^keyData: expected a Key/)
  })

  it('returns a copy', () => {
    const k = key(9)
    const d = keyData(k)
    d[1] = 0
    expect(words(k)).toEqual([0, 9])
  })
})

describe('split (partitionable threefry)', () => {
  // NVIDIA/TensorRT-Incubator mlir-tensorrt/integrations/PJRT/test/JAX/test_random.py:
  // `random.split(random.PRNGKey(i))` for i = 0, 1, 2 under JAX's default (partitionable) mode.
  it.each([
    [0, [[1797259609, 2579123966], [928981903, 3453687069]]],
    [1, [[507451445, 1853169794], [1948878966, 4237131848]]],
    [2, [[1821159224, 3364244817], [637334850, 3278974502]]],
  ])('split(key(%d)) is %j', (seed, expected) => {
    expect(split(key(seed)).map(words)).toEqual(expected)
  })

  it('is threefry of the counter (hi(i), lo(i)) — split(key(0))[0] is the all-zero Random123 vector', () => {
    expect(words(split(key(0))[0])).toEqual([0x6b200159, 0x99ba4efe])
    const k = key(1234)
    ;[...split(k, 5)].forEach((s, i) => { expect(words(s)).toEqual(hash(k, 0, i)) })
  })

  // jax-ml/jax tests/random_test.py, test_threefry_split_fold_in_symmetry (key 72, three keys).
  it('agrees with foldIn on key(72)', () => {
    const k = key(72)
    expect([...split(k, 3)].map(words)).toEqual([0, 1, 2].map((i) => words(foldIn(k, i))))
  })

  test.prop([keyArb(), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 })])('a prefix does not depend on n', (k, a, b) => {
    const [short, long] = a < b ? [[...split(k, a)], [...split(k, b)]] : [[...split(k, b)], [...split(k, a)]]
    expect(long.slice(0, short.length).map(words)).toEqual(short.map(words))
  })

  it('crosses the 1024-counter chunk boundary like single hashes', () => {
    const k = key(3)
    const keys = [...split(k, 2500)]
    for (const i of [0, 1023, 1024, 1025, 2047, 2048, 2499]) expect(words(keys[i]!)).toEqual(hash(k, 0, i))
  })

  it('defaults to two keys, allows zero, rejects bad counts', () => {
    expect(split(key(0)).length).toBe(2)
    expect(split(key(0), 0).shape).toEqual([0, 2])
    expect([...split(key(0), 0)]).toEqual([])
    expect(split(key(0), 3).shape).toEqual([3, 2])
    expect(() => split(key(0), -1)).toThrow(/^split: n must be/)
    expect(() => split(key(0), 1.5)).toThrow(TensorError)
  })
})

describe('foldIn', () => {
  test.prop([keyArb(), fc.nat(0xffffffff)])('is threefry of the counter (0, data)', (k, d) => {
    expect(words(foldIn(k, d))).toEqual(hash(k, 0, d))
  })

  it('reads negative int32 data as uint32 and rejects the rest', () => {
    const k = key(11)
    expect(keyEq.equals(foldIn(k, -1), foldIn(k, 0xffffffff))).toBe(true)
    expect(keyEq.equals(foldIn(k, -(2 ** 31)), foldIn(k, 2 ** 31))).toBe(true)
    expect(() => foldIn(k, 2 ** 32)).toThrow(/^foldIn: data must be/)
    expect(() => foldIn(k, -(2 ** 31) - 1)).toThrow(TensorError)
    expect(() => foldIn(k, 0.5)).toThrow(TensorError)
  })
})

describe('checkKeyReuse', () => {
  it('is off by default', () => {
    const k = key(0)
    expect(() => { split(k); split(k); uniform(k, [1]) }).not.toThrow()
  })

  it('throws on the second use of a key, naming the op', () => {
    const k = key(0)
    expect(() => { checkKeyReuse(() => { split(k); uniform(k, [1]) }) }).toThrow(/^uniform: key \[0, 0\] was already consumed/)
  })

  it('does not count foldIn as a use (as JAX does not), see reuse.test.ts', () => {
    const k = key(0)
    expect(() => { checkKeyReuse(() => { foldIn(k, 0); foldIn(k, 1); split(k); foldIn(k, 2) }) }).not.toThrow()
  })

  it('allows each fresh key once, and tracks per key object', () => {
    const out = checkKeyReuse(() => {
      const [a, b] = split(key(0))
      return [uniform(a, [2]), uniform(b, [2]), uniform(key(0), [2])]
    })
    expect(out).toHaveLength(3)
  })

  it('shares its record with nested scopes and ends with its scope, even on error', () => {
    const k = key(1)
    expect(() => { checkKeyReuse(() => { split(k); checkKeyReuse(() => { split(k) }) }) }).toThrow(TensorError)
    expect(() => checkKeyReuse(() => { throw new Error('boom') })).toThrow('boom')
    expect(() => { split(k); split(k) }).not.toThrow()
  })
})
