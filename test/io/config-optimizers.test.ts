import { fc, test as propTest } from '@fast-check/vitest'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, test } from 'vitest'
import { optim, tensor, type Tensor } from '../../src/index.js'
import * as io from '../../src/io/index.js'

const messageOf = (r: E.Either<io.DecodeError, unknown>): string => {
  if (E.isRight(r)) throw new Error('expected a decode error, got a value')
  return r.left.message
}
const decoded = <A>(r: E.Either<io.DecodeError, A>): A => {
  if (E.isLeft(r)) throw r.left
  return r.right
}

type P = { layers: { w: Tensor; b: Tensor }[] }
const params: P = { layers: [{ w: tensor([[0.5, -1.5], [2, 0.25]]), b: tensor([0.1, -0.2]) }] }
/** Gradients that change from step to step, large enough that clipping at 1 acts. */
const gradsAt = (i: number): P => ({
  layers: [{ w: tensor([[1 + i, -2 * i], [0.5, 3 - i]]), b: tensor([-1 / (i + 1), 0.75 * i]) }],
})
const bitsOf = (p: P): number[][] => p.layers.flatMap((l) => [Array.from(l.w.toTypedArray()), Array.from(l.b.toTypedArray())])

/** The parameters after `steps` updates of two transformations from the same start, bit for bit. */
const expectSameSteps = (a: optim.GradientTransformation<unknown>, b: optim.GradientTransformation<unknown>, steps = 4): void => {
  const sa = optim.step(a)
  const sb = optim.step(b)
  let [pa, xa] = [params, sa.init(params)] as const
  let [pb, xb] = [params, sb.init(params)] as const
  for (let i = 0; i < steps; i++) {
    ;[pa, xa] = sa(pa, xa, gradsAt(i))
    ;[pb, xb] = sb(pb, xb, gradsAt(i))
    const [va, vb] = [bitsOf(pa), bitsOf(pb)]
    // Object.is, element by element: the same bits (NaN and −0 included), not merely close.
    va.forEach((leaf, j) => { leaf.forEach((x, k) => { expect(Object.is(x, vb[j]![k]), `step ${i}, leaf ${j}[${k}]: ${x} vs ${vb[j]![k]}`).toBe(true) }) })
  }
}

describe('the rmsprop, adagrad and adamw configs', () => {
  const configs: readonly (readonly [object, optim.GradientTransformation<unknown>])[] = [
    [{ type: 'rmsprop', learningRate: 0.01 }, optim.rmsprop({ learningRate: 0.01 })],
    [
      { type: 'rmsprop', learningRate: 0.01, decay: 0.95, eps: 1e-6, initialScale: 0.1, epsInSqrt: false, centered: true, momentum: 0.9, nesterov: true, biasCorrection: true },
      optim.rmsprop({ learningRate: 0.01, decay: 0.95, eps: 1e-6, initialScale: 0.1, epsInSqrt: false, centered: true, momentum: 0.9, nesterov: true, biasCorrection: true }),
    ],
    [{ type: 'adagrad', learningRate: 0.1 }, optim.adagrad({ learningRate: 0.1 })],
    [{ type: 'adagrad', learningRate: 0.1, initialAccumulatorValue: 0, eps: 1e-10 }, optim.adagrad({ learningRate: 0.1, initialAccumulatorValue: 0, eps: 1e-10 })],
    [{ type: 'adamw', learningRate: 1e-3 }, optim.adamw({ learningRate: 1e-3 })],
    [{ type: 'adamw', learningRate: 1e-2, b1: 0.8, b2: 0.99, eps: 1e-6, epsRoot: 1e-9, weightDecay: 0.05 }, optim.adamw({ learningRate: 1e-2, b1: 0.8, b2: 0.99, eps: 1e-6, epsRoot: 1e-9, weightDecay: 0.05 })],
    [{ type: 'adam', learningRate: 1e-2, epsRoot: 1e-8 }, optim.adam({ learningRate: 1e-2, epsRoot: 1e-8 })],
    // Clipping chained in front, as optax.chain(clip_by_global_norm(c), optimizer).
    [{ type: 'sgd', learningRate: 0.1, clipByGlobalNorm: 1 }, optim.chain(optim.clipByGlobalNorm(1), optim.sgd(0.1))],
    [{ type: 'momentum', learningRate: 0.1, momentum: 0.9, clipByGlobalNorm: 2 }, optim.chain(optim.clipByGlobalNorm(2), optim.momentum({ learningRate: 0.1, momentum: 0.9 }))],
    [{ type: 'adamw', learningRate: 1e-2, weightDecay: 0.1, clipByGlobalNorm: 0.5 }, optim.chain(optim.clipByGlobalNorm(0.5), optim.adamw({ learningRate: 1e-2, weightDecay: 0.1 }))],
    [{ type: 'rmsprop', learningRate: 0.01, momentum: 0.5, clipByGlobalNorm: 1 }, optim.chain(optim.clipByGlobalNorm(1), optim.rmsprop({ learningRate: 0.01, momentum: 0.5 }))],
    [{ type: 'adagrad', learningRate: 0.1, clipByGlobalNorm: 3 }, optim.chain(optim.clipByGlobalNorm(3), optim.adagrad({ learningRate: 0.1 }))],
  ]

  test.each(configs.map(([c, tx], i) => [i, JSON.stringify(c), c, tx] as const))('%i: %s decodes, encodes back, and updates bit for bit as the optimizer built directly', (_, __, config, tx) => {
    const c = decoded(io.decodeOptimizerConfig(config))
    expect(io.OptimizerConfig.encode(c)).toEqual(config)
    expectSameSteps(optim.optimizerFromConfig(c), tx)
  })

  test('the clipping really acts: without it the steps differ', () => {
    const clipped = optim.optimizerFromConfig(decoded(io.decodeOptimizerConfig({ type: 'sgd', learningRate: 0.1, clipByGlobalNorm: 1 })))
    const plain = optim.optimizerFromConfig(decoded(io.decodeOptimizerConfig({ type: 'sgd', learningRate: 0.1 })))
    const g = gradsAt(1)
    const [u] = clipped.update(g, clipped.init(params), params) as unknown as [P]
    const [v] = plain.update(g, plain.init(params), params) as unknown as [P]
    // The clipped update has global norm 0.1 (learning rate × 1); the plain one is larger.
    expect(optim.globalNorm(u).item()).toBeCloseTo(0.1, 6)
    expect(optim.globalNorm(v).item()).toBeGreaterThan(0.2)
  })

  test('a momentum schedule drives rmsprop\'s momentum', () => {
    const c = decoded(io.decodeOptimizerConfig({ type: 'rmsprop', learningRate: 0.01 }))
    const m = { type: 'momentumRamp', initial: 0.5, final: 0.9, timescale: 3 } as const
    expectSameSteps(
      optim.optimizerFromConfig(c, { momentum: decoded(io.decodeScheduleConfig(m)) }),
      optim.rmsprop({ learningRate: 0.01, momentum: optim.momentumRamp(0.5, 0.9, 3) }),
    )
  })

  test('bad values are decode errors naming the field and the value', () => {
    const cases: readonly [unknown, string][] = [
      [{ type: 'rmsprop', learningRate: 0 }, 'learningRate: expected a positive finite number, got 0'],
      [{ type: 'rmsprop', learningRate: 0.1, decay: 1 }, 'decay: expected a factor in [0, 1), got 1'],
      [{ type: 'rmsprop', learningRate: 0.1, momentum: -0.1 }, 'momentum: expected a factor in [0, 1), got -0.1'],
      [{ type: 'rmsprop', learningRate: 0.1, centered: 'yes' }, 'centered: expected a boolean, got "yes"'],
      [{ type: 'adagrad', learningRate: 0.1, initialAccumulatorValue: -1 }, 'initialAccumulatorValue: expected a non-negative finite number, got -1'],
      [{ type: 'adagrad', learningRate: 0.1, eps: Infinity }, 'eps: expected a non-negative finite number, got Infinity'],
      [{ type: 'adamw', learningRate: 1e-3, weightDecay: -0.01 }, 'weightDecay: expected a non-negative finite number, got -0.01'],
      [{ type: 'adamw', learningRate: 1e-3, b2: 1 }, 'b2: expected a factor in [0, 1), got 1'],
      [{ type: 'adamw', learningRate: 1e-3, mask: { b: false } }, 'mask: unknown key; an adamw config has type, learningRate, b1, b2, eps, epsRoot, weightDecay, clipByGlobalNorm'],
      [{ type: 'sgd', learningRate: 0.1, clipByGlobalNorm: 0 }, 'clipByGlobalNorm: expected a positive finite number, got 0'],
      [{ type: 'adam', learningRate: 0.1, clipByGlobalNorm: -1 }, 'clipByGlobalNorm: expected a positive finite number, got -1'],
      [{ type: 'lion', learningRate: 0.1 }, 'type: expected one of "sgd", "momentum", "adam", "rmsprop", "adagrad", "adamw", got "lion"'],
    ]
    for (const [input, message] of cases) expect(messageOf(io.decodeOptimizerConfig(input))).toBe(message)
  })

  test('a training config carries the new optimizers, and its update step uses them', () => {
    const base = { layers: [2, 2], activation: 'gelu', keep: { input: 1, hidden: 1 }, batchSize: 1, epochs: 1, seed: 0 }
    const config = { ...base, optimizer: { type: 'adamw', learningRate: 0.01, weightDecay: 0.1, clipByGlobalNorm: 1 } }
    const c = decoded(io.decodeTrainingConfig(config))
    expect(io.TrainingConfig.encode(c)).toEqual(config)
    const update = optim.fromConfig(c)
    const direct = optim.step(optim.chain(optim.clipByGlobalNorm(1), optim.adamw({ learningRate: 0.01, weightDecay: 0.1 })))
    const [a] = update(params, update.init(params), gradsAt(2))
    const [b] = direct(params, direct.init(params), gradsAt(2))
    expect(bitsOf(a)).toEqual(bitsOf(b))
  })
})

describe('the activation codec', () => {
  const names = ['relu', 'sigmoid', 'tanh', 'gelu', 'silu', 'elu', 'leakyRelu', 'softplus'] as const
  test('accepts exactly the eight names, and encodes them as themselves', () => {
    for (const n of names) {
      expect(decoded(io.decodeActivation(n))).toBe(n)
      expect(io.Activation.encode(n)).toBe(n)
    }
    expect(Object.keys(io.Activation.keys)).toEqual([...names])
  })
  propTest.prop([fc.string()])('refuses every other string, naming the value', (s) => {
    fc.pre(!(names as readonly string[]).includes(s))
    expect(messageOf(io.decodeActivation(s))).toBe(`expected an activation ("relu", "sigmoid", "tanh", "gelu", "silu", "elu", "leakyRelu" or "softplus"), got ${JSON.stringify(s)}`)
  })
  test('refuses JAX\'s snake_case spelling and non-strings', () => {
    expect(E.isLeft(io.decodeActivation('leaky_relu'))).toBe(true)
    expect(E.isLeft(io.decodeActivation('ReLU'))).toBe(true)
    expect(E.isLeft(io.decodeActivation(0))).toBe(true)
  })
})

describe('the join schedule config', () => {
  const warmup = { type: 'linear', initValue: 0, endValue: 1, transitionSteps: 10 }
  const decay = { type: 'cosineDecay', initValue: 1, decaySteps: 100, alpha: 0.1 }
  const steps = [0, 1, 5, 9, 10, 11, 50, 109, 110, 111, 500]

  test('decodes, encodes back, and is the schedule optim.join builds', () => {
    const config = { type: 'join', schedules: [warmup, decay, { type: 'constant', value: 0.1 }], boundaries: [10, 110] }
    const c = decoded(io.decodeScheduleConfig(config))
    expect(io.ScheduleConfig.encode(c)).toEqual(config)
    const direct = optim.join([optim.linear(0, 1, 10), optim.cosineDecay(1, 100, 0.1), optim.constant(0.1)], [10, 110])
    const s = optim.scheduleFromConfig(c)
    expect(steps.map(s)).toEqual(steps.map(direct))
    // Independent of optim.join: the linear ramp, then the cosine decay on the steps since 10, then 0.1.
    const byHand = (t: number): number => (t < 10 ? t / 10 : t < 110 ? 0.1 + 0.9 * 0.5 * (1 + Math.cos((Math.PI * (t - 10)) / 100)) : 0.1)
    steps.forEach((t) => { expect(s(t)).toBeCloseTo(byHand(t), 12) })
  })

  test('joins nest, and equal boundaries are a zero-length phase (as optim.join allows)', () => {
    const inner = { type: 'join', schedules: [{ type: 'constant', value: 1 }, { type: 'constant', value: 2 }], boundaries: [5] }
    const config = { type: 'join', schedules: [inner, { type: 'constant', value: 3 }, { type: 'constant', value: 4 }], boundaries: [20, 20] }
    const c = decoded(io.decodeScheduleConfig(config))
    expect(io.ScheduleConfig.encode(c)).toEqual(config)
    expect([0, 4, 5, 19, 20, 21].map(optim.scheduleFromConfig(c))).toEqual([1, 1, 2, 2, 4, 4])
  })

  test('a learning-rate join drives a training config', () => {
    const base = { layers: [2, 2], activation: 'relu', keep: { input: 1, hidden: 1 }, batchSize: 1, epochs: 1, seed: 0, optimizer: { type: 'sgd', learningRate: 1 } }
    const lr = { type: 'join', schedules: [{ type: 'constant', value: 0.5 }, { type: 'constant', value: 0.25 }], boundaries: [1] }
    const update = optim.fromConfig(decoded(io.decodeTrainingConfig({ ...base, schedules: { learningRate: lr } })))
    const g = { layers: [{ w: tensor([[1, 1], [1, 1]]), b: tensor([1, 1]) }] }
    const [q, s] = update(params, update.init(params), g)
    const [r] = update(q, s, g)
    expect(Array.from(q.layers[0]!.b.toTypedArray())).toEqual([Math.fround(0.1) - 0.5, Math.fround(-0.2) - 0.5].map(Math.fround))
    expect(Array.from(r.layers[0]!.b.toTypedArray())).toEqual([Math.fround(Math.fround(0.1) - 0.5) - 0.25, Math.fround(Math.fround(-0.2) - 0.5) - 0.25].map(Math.fround))
  })

  test('what optim.join checks when it is made is a decode error at boundaries', () => {
    const c1 = { type: 'constant', value: 1 }
    const cases: readonly [unknown, string][] = [
      [{ type: 'join', schedules: [c1, c1], boundaries: [] }, 'boundaries: expected 1 boundary (one fewer than the 2 schedules), got 0'],
      [{ type: 'join', schedules: [c1, c1, c1], boundaries: [5] }, 'boundaries: expected 2 boundaries (one fewer than the 3 schedules), got 1'],
      [{ type: 'join', schedules: [c1, c1, c1], boundaries: [10, 5] }, 'boundaries[1]: expected non-decreasing boundaries, got 10 then 5'],
      [{ type: 'join', schedules: [c1, c1], boundaries: [-1] }, 'boundaries[0]: expected a non-negative integer, got -1'],
      [{ type: 'join', schedules: [c1, c1], boundaries: [2.5] }, 'boundaries[0]: expected a non-negative integer, got 2.5'],
      [{ type: 'join', schedules: [], boundaries: [] }, 'schedules: expected a non-empty array of schedule configs, got an empty array'],
      [{ type: 'join', schedules: c1, boundaries: [] }, 'schedules: expected a non-empty array of schedule configs, got {"type":"constant","value":1}'],
      // The error of a nested schedule is named by its path.
      [{ type: 'join', schedules: [c1, { type: 'inverseTime', initial: 1, timescale: 0 }], boundaries: [3] }, 'schedules[1].timescale: expected a positive finite number, got 0'],
      [{ type: 'join', schedules: [c1, { type: 'join', schedules: [c1, c1], boundaries: [] }], boundaries: [3] }, 'schedules[1].boundaries: expected 1 boundary (one fewer than the 2 schedules), got 0'],
      [{ type: 'join', schedules: [c1], boundaries: [], extra: 1 }, 'extra: unknown key; a join schedule has type, schedules, boundaries'],
    ]
    for (const [input, message] of cases) expect(messageOf(io.decodeScheduleConfig(input))).toBe(message)
  })

  propTest.prop([fc.array(fc.nat({ max: 1000 }), { maxLength: 6 })])('every sorted list of boundaries decodes and round-trips; a decreasing pair is refused', (raw) => {
    const boundaries = [...raw].sort((a, b) => a - b)
    const schedules = [...boundaries, 0].map((_, i) => ({ type: 'constant', value: i }))
    const config = { type: 'join', schedules, boundaries }
    expect(io.ScheduleConfig.encode(decoded(io.decodeScheduleConfig(config)))).toEqual(config)
    expect(io.JoinSchedule.is(config)).toBe(true)
    const at = boundaries.findIndex((b, i) => i > 0 && b > boundaries[i - 1]!)
    if (at > 0) {
      const swapped = [...boundaries]
      ;[swapped[at - 1], swapped[at]] = [swapped[at]!, swapped[at - 1]!]
      expect(E.isLeft(io.decodeScheduleConfig({ ...config, boundaries: swapped }))).toBe(true)
      expect(io.JoinSchedule.is({ ...config, boundaries: swapped })).toBe(false)
    }
  })
})
