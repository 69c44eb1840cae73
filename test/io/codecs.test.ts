import { fc, test as propTest } from '@fast-check/vitest'
import * as t from 'io-ts/lib/index.js'
import { describe, expect, test } from 'vitest'
import { Tensor, nn } from '../../src/index.js'
import * as io from '../../src/io/index.js'

/** The message of a Left, or a failure when the decode unexpectedly succeeded. */
const messageOf = (r: { readonly _tag: 'Left'; readonly left: io.DecodeError } | { readonly _tag: 'Right' }): string => {
  if (r._tag === 'Right') throw new Error('expected a decode error, got a value')
  return r.left.message
}

const validConfig = {
  layers: [784, 1024, 1024, 10],
  activation: 'relu',
  keep: { input: 0.8, hidden: 0.5 },
  maxNorm: 3,
  optimizer: { type: 'momentum', learningRate: 10, momentum: 0.5, nesterov: false },
  schedules: {
    learningRate: { type: 'exponentialDecay', initial: 10, decayRate: 0.998, transitionSteps: 1 },
    momentum: { type: 'momentumRamp', initial: 0.5, final: 0.99, timescale: 500 },
  },
  weightDecay: 0,
  batchSize: 100,
  epochs: 3000,
  seed: 0,
}

describe('branded numbers', () => {
  test.each([
    ['Keep', io.Keep, [Number.MIN_VALUE, 0.5, 1], [0, -0.1, 1 + 2 ** -52, NaN, '0.5']],
    ['Rate', io.Rate, [0, 0.5, 1 - 2 ** -53], [1, -Number.MIN_VALUE, NaN]],
    ['Probability', io.Probability, [0, 1], [-0.01, 1.01, NaN]],
    ['DecayFactor', io.DecayFactor, [0, 0.99], [1, -0.5]],
    ['PositiveInt', io.PositiveInt, [1, 2 ** 53 - 1], [0, 1.5, 2 ** 53, -1, Infinity]],
    ['NonNegativeInt', io.NonNegativeInt, [0, 7], [-1, 0.5, NaN]],
    ['PositiveNumber', io.PositiveNumber, [1e-300, 10], [0, Infinity, NaN, -1]],
    ['NonNegativeNumber', io.NonNegativeNumber, [0, 3.5], [-1e-9, Infinity]],
    ['Seed', io.Seed, [0, -3, 2 ** 53 - 1], [0.5, 2 ** 53, NaN]],
    ['Uint32', io.Uint32, [0, 2 ** 32 - 1], [2 ** 32, -1, 0.5]],
  ] as const)('%s accepts exactly its range', (_, codec, good, bad) => {
    for (const g of good) expect(codec.decode(g)._tag).toBe('Right')
    for (const b of bad) expect(codec.decode(b)._tag).toBe('Left')
  })

  test('messages name the range', () => {
    expect(messageOf(io.decodeKeep(0))).toBe('expected a keep probability in (0, 1], got 0')
    expect(messageOf(io.decodeRate(1))).toBe('expected a drop rate in [0, 1), got 1')
    expect(messageOf(io.decodePositiveInt('3'))).toBe('expected a positive integer, got "3"')
  })

  propTest.prop([fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })])('a decoded rate gives a valid keep (one vocabulary: nn.keepProbability)', (r) => {
    const rate = io.decodeRate(r)
    expect(rate._tag).toBe('Right')
    const keep = nn.keepProbability({ rate: r })
    expect(io.Keep.is(keep)).toBe(true)
    expect(keep).toBe(1 - r)
  })

  test('the codecs and nn.keepProbability accept exactly the same ranges', () => {
    for (const v of [0, 1e-300, 0.5, 1 - 2 ** -53, 1, 1.0000001, -0, NaN, Infinity]) {
      const viaNn = (r: { keep: number } | { rate: number }) => { try { nn.keepProbability(r); return true } catch { return false } }
      expect(io.Keep.is(v)).toBe(viaNn({ keep: v }))
      expect(io.Rate.is(v)).toBe(viaNn({ rate: v }))
    }
  })
})

describe('training config', () => {
  test('a full config decodes and encodes back to the same JSON', () => {
    const r = io.decodeTrainingConfig(validConfig)
    expect(r._tag).toBe('Right')
    if (r._tag === 'Right') expect(io.TrainingConfig.encode(r.right)).toEqual(validConfig)
  })

  test('optional keys may be absent or undefined, and are then absent', () => {
    const plain = Object.fromEntries(Object.entries(validConfig).filter(([k]) => !['maxNorm', 'schedules', 'weightDecay'].includes(k)))
    const r = io.decodeTrainingConfig({ ...plain, maxNorm: undefined })
    expect(r._tag === 'Right' && !('maxNorm' in r.right) && !('schedules' in r.right)).toBe(true)
  })

  test('errors name the path precisely', () => {
    const cases: readonly [unknown, string][] = [
      [{ ...validConfig, layers: [784, -3, 10] }, 'layers[1]: expected a positive integer, got -3'],
      [{ ...validConfig, layers: [784] }, 'layers: expected at least 2 layer sizes (input and output), got 1'],
      [{ ...validConfig, keep: { input: 0, hidden: 0.5 } }, 'keep.input: expected a keep probability in (0, 1], got 0'],
      [{ ...validConfig, optimizer: { ...validConfig.optimizer, momentum: 1 } }, 'optimizer.momentum: expected a factor in [0, 1), got 1'],
      [{ ...validConfig, optimizer: { type: 'lion' } }, 'optimizer.type: expected one of "sgd", "momentum", "adam", "rmsprop", "adagrad", "adamw", got "lion"'],
      [{ ...validConfig, optimizer: { learningRate: 1 } }, 'optimizer.type: missing, expected one of "sgd", "momentum", "adam", "rmsprop", "adagrad", "adamw"'],
      [{ ...validConfig, schedules: { learningRate: { type: 'inverseTime', initial: 0.1, timescale: 0 } } }, 'schedules.learningRate.timescale: expected a positive finite number, got 0'],
      [{ ...validConfig, activation: 'swish' }, 'activation: expected an activation ("relu", "sigmoid", "tanh", "gelu", "silu", "elu", "leakyRelu" or "softplus"), got "swish"'],
      [{ ...validConfig, maxnorm: 3 }, 'maxnorm: unknown key; a training config has layers, activation, keep, optimizer, batchSize, epochs, seed, maxNorm, weightDecay, schedules'],
      [{ ...validConfig, epochs: undefined }, 'epochs: missing, expected a positive integer'],
      [Object.fromEntries(Object.entries(validConfig).filter(([k]) => k !== 'seed')), 'seed: missing, expected a seed (a safe integer)'],
      [42, 'expected a training config, got 42'],
    ]
    for (const [input, message] of cases) expect(messageOf(io.decodeTrainingConfig(input))).toBe(message)
  })

  test('every problem is reported, one per line', () => {
    const r = io.decodeTrainingConfig({ ...validConfig, batchSize: 0, seed: 0.5, keep: { input: 2 } })
    expect(r._tag === 'Left' && r.left.issues.map((i) => i.path)).toEqual(['keep.input', 'keep.hidden', 'batchSize', 'seed'])
    expect(messageOf(r).split('\n')).toHaveLength(4)
  })

  test('optimizer configs derive plain types', () => {
    const r = io.decodeOptimizerConfig({ type: 'adam', learningRate: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8 })
    expect(r._tag === 'Right' && r.right.type === 'adam' && r.right.b2).toBe(0.999)
  })

  test('a PRNG key is exactly two uint32 words', () => {
    expect(io.decodeKeyWords([0, 42])._tag).toBe('Right')
    expect(messageOf(io.decodeKeyWords([0, 42, 7]))).toBe('expected a PRNG key (two unsigned 32-bit words), got [0,42,7]')
    expect(messageOf(io.decodeKeyWords([0, 2 ** 32]))).toBe('[1]: expected an unsigned 32-bit integer, got 4294967296')
  })
})

describe('tensor JSON', () => {
  test('decodes to a tensor of the right dtype and values', () => {
    const r = io.decodeTensorJson({ dtype: 'bool', shape: [2, 2], data: [true, 0, 1, false] })
    expect(r._tag === 'Right' && r.right.dtype === 'bool' && r.right.toArray()).toEqual([[true, false], [true, false]])
  })

  test('rejects data that does not fit', () => {
    const cases: readonly [unknown, string][] = [
      [{ dtype: 'float32', shape: [2, 3], data: [1, 2, 3, 4, 5] }, 'data: expected 6 values for shape [2,3], got 5'],
      [{ dtype: 'int32', shape: [3], data: [1, 2.5, 3.5] }, 'data[1]: expected an int32 (an integer in [-2147483648, 2147483647]), got 2.5 (and 1 more invalid values)'],
      [{ dtype: 'int32', shape: [1], data: [2 ** 31] }, 'data[0]: expected an int32 (an integer in [-2147483648, 2147483647]), got 2147483648'],
      [{ dtype: 'bool', shape: [1], data: [2] }, 'data[0]: expected a boolean or 0/1 for a bool tensor, got 2'],
      [{ dtype: 'float64', shape: [2], data: [1, 'NaN'] }, 'data[1]: expected a finite number, got "NaN" (pass allowNonFinite: true to accept NaN and ±Infinity)'],
      [{ dtype: 'float64', shape: [1], data: [Infinity] }, 'data[0]: expected a finite number, got Infinity (pass allowNonFinite: true to accept NaN and ±Infinity)'],
      [{ dtype: 'float32', shape: [1], data: [1e39] }, 'data[0]: expected a float32 value, got 1e+39, which overflows float32'],
      [{ dtype: 'float32', shape: [1], data: ['1'] }, 'data[0]: expected a number, got "1"'],
      [{ dtype: 'float16', shape: [1], data: [1] }, 'dtype: expected a dtype ("float32", "float64", "int32" or "bool"), got "float16"'],
      [{ dtype: 'float32', shape: [-3], data: [] }, 'shape[0]: expected a non-negative integer, got -3'],
      [{ dtype: 'float32', shape: [1], data: [1], extra: 1 }, 'extra: unknown key; a tensor { dtype, shape, data } has dtype, shape, data'],
    ]
    for (const [input, message] of cases) expect(messageOf(io.decodeTensorJson(input))).toBe(message)
  })

  test('non-finite values pass only when allowed, and are written as strings', () => {
    const r = io.decodeTensorJson({ dtype: 'float32', shape: [3], data: ['NaN', 'Infinity', -Infinity] }, { allowNonFinite: true })
    if (r._tag === 'Left') throw r.left
    expect(Array.from(r.right.toTypedArray())).toEqual([NaN, Infinity, -Infinity])
    expect(io.TensorFromJson.encode(r.right).data).toEqual(['NaN', 'Infinity', '-Infinity'])
  })

  test('paths through a tree: record keys with dots, array indices in brackets', () => {
    const json = { layers: [{ w: { dtype: 'float32', shape: [1], data: [0] } }, { w: { dtype: 'float32', shape: [-3], data: [] } }] }
    expect(messageOf(io.decodeTreeJson(json))).toBe('layers.1.w.shape[0]: expected a non-negative integer, got -3')
    expect(messageOf(io.decodeTreeJson({ w: 3 }))).toBe('w: expected a parameter tree (a tensor { dtype, shape, data }, or an array or record of trees), got 3')
  })

  const finite = (dtype: 'float32' | 'float64' | 'int32' | 'bool'): fc.Arbitrary<number> =>
    dtype === 'bool' ? fc.constantFrom(0, 1) : dtype === 'int32' ? fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) : dtype === 'float32' ? fc.float({ noNaN: true, noDefaultInfinity: true }) : fc.double({ noNaN: true, noDefaultInfinity: true })

  const tensorArb: fc.Arbitrary<Tensor> = fc
    .tuple(fc.constantFrom('float32', 'float64', 'int32', 'bool' as const), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }))
    .chain(([dtype, shape]) =>
      fc.array(finite(dtype), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) }).map((data) => {
        const r = io.decodeTensorJson({ dtype, shape, data })
        if (r._tag === 'Left') throw r.left
        return r.right
      }),
    )

  propTest.prop([fc.dictionary(fc.stringMatching(/^[a-z]{1,4}$/), fc.array(tensorArb, { maxLength: 2 }), { maxKeys: 3 })])(
    'a tree survives JSON text (values compared with ===, as JSON has no -0)',
    (tree) => {
      const text = JSON.stringify(io.TreeFromJson.encode(tree))
      const back = io.decodeTreeJson(JSON.parse(text))
      if (back._tag === 'Left') throw back.left
      const b = back.right as Readonly<Record<string, readonly Tensor[]>>
      expect(Object.keys(b)).toEqual(Object.keys(tree))
      for (const k of Object.keys(tree)) {
        tree[k]!.forEach((x, i) => {
          const y = b[k]![i]!
          expect([y.dtype, y.shape]).toEqual([x.dtype, x.shape])
          expect(Array.from(y.toTypedArray()).every((v, j) => v === x.toTypedArray()[j])).toBe(true)
        })
      }
    },
  )
})

describe('the reporter', () => {
  test('a plain union reports the branch that got furthest', () => {
    const U = t.union([t.type({ a: t.string }), t.type({ b: t.type({ c: t.number }) })])
    expect(messageOf(io.decodeWith(U)({ b: { c: 'x' } }))).toBe('b.c: expected a number, got "x"')
    expect(messageOf(io.decodeWith(U)({ a: 1 }))).toBe('a: expected a string, got 1')
  })

  test('a plain union failing on the value itself names the union', () => {
    expect(messageOf(io.decodeWith(t.union([t.string, t.boolean]))(5))).toBe('expected (string | boolean), got 5')
  })

  test('io-ts tagged unions name the tag', () => {
    const U = t.union([t.type({ kind: t.literal('a'), x: t.number }), t.type({ kind: t.literal('b') })])
    expect(messageOf(io.decodeWith(U)({ kind: 'c' }))).toBe('kind: expected one of "a", "b", got "c"')
    expect(messageOf(io.decodeWith(U)({ kind: 'a', x: 'no' }))).toBe('x: expected a number, got "no"')
  })

  test('decoding never throws, even on hostile values', () => {
    const hostile = Object.defineProperty({}, 'layers', {
      enumerable: true,
      get() {
        throw new Error('boom')
      },
    })
    expect(messageOf(io.decodeTrainingConfig(hostile))).toBe('could not be decoded: boom')
    let deep: unknown = []
    for (let i = 0; i < 50_000; i++) deep = [deep]
    expect(messageOf(io.decodeTreeJson(deep))).toBe('could not be decoded: Maximum call stack size exceeded')
  })

  test('a decoded tree is never half-built: no value on any error', () => {
    const r = io.decodeTreeJson({ a: { dtype: 'float32', shape: [1], data: [1] }, b: { dtype: 'float32', shape: [1], data: [] } })
    expect(r._tag).toBe('Left')
    expect(r).not.toHaveProperty('right')
  })

  propTest.prop([fc.array(fc.nat(), { maxLength: 5 }), fc.nat({ max: 5 }), fc.integer({ min: -1000, max: -1 })])('a bad dimension is named by its index', (dims, at, bad) => {
    const i = Math.min(at, dims.length)
    const shape = [...dims.slice(0, i), bad, ...dims.slice(i)]
    expect(messageOf(io.decodeShape(shape))).toBe(`[${i}]: expected a non-negative integer, got ${bad}`)
  })
})
