/**
 * Checkpoints with optimizer state: every built-in transformation's state
 * round-trips exactly, a state saved by one optimizer is refused by another
 * (a DecodeError naming both), and resuming from a checkpoint mid-run gives
 * bit-identical parameters to the uninterrupted run.
 */
import { Buffer } from 'node:buffer'
import { describe, expect, test } from 'vitest'
import { type Tensor, type Tree, add, grad, matmul, mean, optim, random, square, sub, tanh, tensor, tree, zeros } from '../../src/index.js'
import * as io from '../../src/io/index.js'
import { encodeLeaves } from '../../src/io/safetensors.js'
import { statesEqual } from '../../laws/index.js'

type Params = { readonly layers: readonly { readonly w: Tensor; readonly b: Tensor }[] }

const init = (k: random.Key): Params => {
  const [k1, k2] = random.split(k)
  return {
    layers: [
      { w: random.normal(k1, [3, 4]), b: tensor([0.1, -0, 0.2, -0.3]) },
      { w: random.normal(k2, [4, 2]), b: zeros([2]) },
    ],
  }
}
const like: Params = { layers: [{ w: zeros([3, 4]), b: zeros([4]) }, { w: zeros([4, 2]), b: zeros([2]) }] }

const loss = (p: Params, x: Tensor, y: Tensor): Tensor => {
  const h = tanh(add(matmul(x, p.layers[0]!.w), p.layers[0]!.b))
  return mean(square(sub(add(matmul(h, p.layers[1]!.w), p.layers[1]!.b), y)))
}

interface Run<S> {
  readonly params: Params
  readonly optState: S
  readonly key: random.Key
  readonly step: number
}

/** Steps `from`..`to` − 1; each step's batch is drawn from foldIn(key, step), as a training loop does. */
const train = <S>(update: optim.ProjectedStep<S>, run: Run<S>, to: number): Run<S> => {
  let { params, optState } = run
  for (let t = run.step; t < to; t++) {
    const [kx, ky] = random.split(random.foldIn(run.key, t))
    const x = random.normal(kx, [5, 3])
    const y = random.normal(ky, [5, 2])
    ;[params, optState] = update(params, optState, grad(loss)(params, x, y))
  }
  return { params, optState, key: run.key, step: to }
}

const save = <S>(r: Run<S>): Uint8Array => io.encodeCheckpoint(r.params, { optState: r.optState, key: r.key, step: r.step })

const restore = <S>(tx: optim.GradientTransformation<S>, bytes: Uint8Array): Run<S> => {
  const ck = io.decodeCheckpoint(like, bytes, { optState: tx.init(like) })
  if (ck._tag === 'Left') throw ck.left
  return { params: ck.right.params, optState: ck.right.optState, key: ck.right.key!, step: ck.right.step! }
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b))

const message = (r: { readonly _tag: 'Left'; readonly left: Error } | { readonly _tag: 'Right' }): string => (r._tag === 'Left' ? r.left.message : 'decoded')

const optimizers: readonly (readonly [string, () => optim.GradientTransformation<unknown>])[] = [
  ['sgd with inverse-time decay', () => optim.sgd(optim.inverseTime(0.1, 2))],
  ['momentum with both schedules', () => optim.momentum({ learningRate: optim.inverseTime(0.05, 3), momentum: optim.momentumRamp(0.5, 0.99, 4) })],
  ['Nesterov momentum', () => optim.momentum({ learningRate: 0.05, momentum: optim.momentumRamp(0.5, 0.9, 2), nesterov: true })],
  ['adam with exponential decay', () => optim.adam({ learningRate: optim.exponentialDecay(0.01, 2, 0.5) })],
  ['chain(addWeightDecay, momentum)', () => optim.chain(optim.addWeightDecay(1e-2), optim.momentum({ learningRate: optim.inverseTime(0.05, 3), momentum: 0.9 }))],
  ['chain(identity, trace, scale) with a schedule', () => optim.chain(optim.identity(), optim.trace({ decay: 0.8 }), optim.scale((t) => -0.02 / (1 + t)))],
  ['chain(scaleByAdam, scaleByLearningRate)', () => optim.chain(optim.scaleByAdam({ b1: 0.8 }), optim.scaleByLearningRate(optim.inverseTime(0.01, 5)))],
]

describe('resuming from a checkpoint is bit-identical to not stopping', () => {
  const N = 9
  const k = 4
  const start = <S>(tx: optim.GradientTransformation<S>): Run<S> => {
    const params = init(random.key(3))
    return { params, optState: tx.init(params), key: random.key(11), step: 0 }
  }

  test.each(optimizers)('%s', (_, make) => {
    const tx = make()
    const update = optim.step(tx, optim.onLeaves(/(^|\.)w$/, optim.maxNorm({ c: 2 })))
    const straight = train(update, start(tx), N)

    const bytes = save(train(update, start(tx), k))
    // A fresh process: a new optimizer value, everything else from the file.
    const tx2 = make()
    const resumed = train(optim.step(tx2, optim.onLeaves(/(^|\.)w$/, optim.maxNorm({ c: 2 }))), restore(tx2, bytes), N)

    expect(resumed.step).toBe(N)
    expect(same(io.safetensors.encode(resumed.params), io.safetensors.encode(straight.params))).toBe(true)
    expect(statesEqual(resumed.optState, straight.optState)).toBe(true)
    expect(same(save(resumed), save(straight))).toBe(true) // parameters, state, key and step, byte for byte
  })

  test('the test has teeth: resuming with a fresh optimizer state instead of the saved one diverges', () => {
    const tx = optim.momentum({ learningRate: optim.inverseTime(0.05, 3), momentum: 0.9 })
    const update = optim.step(tx)
    const straight = train(update, start(tx), N)
    const r = restore(tx, save(train(update, start(tx), k)))
    const fresh = train(update, { ...r, optState: tx.init(r.params) }, N)
    expect(same(io.safetensors.encode(fresh.params), io.safetensors.encode(straight.params))).toBe(false)
  })
})

describe('optimizer state in checkpoints', () => {
  const params = { w: tensor([1, -2, 3]), b: tensor([0.5], 'float64') }
  const grads = { w: tensor([0.5, 0.25, -1]), b: tensor([2], 'float64') }
  const stepped = <S>(tx: optim.GradientTransformation<S>, n: number): S => {
    let s = tx.init(params)
    for (let i = 0; i < n; i++) s = tx.update(grads, s, params)[1]
    return s
  }

  test.each([
    ['identity', () => optim.identity()],
    ['scale', () => optim.scale(2)],
    ['scaleByLearningRate', () => optim.scaleByLearningRate(0.1)],
    ['trace', () => optim.trace({ decay: 0.9 })],
    ['scaleByAdam', () => optim.scaleByAdam()],
    ['addWeightDecay', () => optim.addWeightDecay(0.1)],
    ['chain of chains', () => optim.chain(optim.chain(optim.identity(), optim.trace({ decay: 0.5 })), optim.sgd(1))],
    ['sgd', () => optim.sgd(0.1)],
    ['momentum', () => optim.momentum({ learningRate: 0.1, momentum: 0.9 })],
    ['adam', () => optim.adam({ learningRate: 0.1 })],
  ] as const)('%s: the state round-trips exactly, tagged and frozen', (_, make) => {
    const tx: optim.GradientTransformation<unknown> = make()
    const s = stepped(tx, 3)
    const bytes = io.encodeCheckpoint(params, { optState: s })
    const r = io.decodeCheckpoint({ w: zeros([3]), b: zeros([1], 'float64') }, bytes, { optState: tx.init(params) })
    if (r._tag === 'Left') throw r.left
    expect(statesEqual(r.right.optState, s)).toBe(true)
    expect(same(io.encodeCheckpoint(params, { optState: r.right.optState }), bytes)).toBe(true) // the tags came back too
    // Chain tuples and stage records are frozen, as update makes them.
    const frozen = (x: unknown): boolean => Object.isFrozen(x) && (!Array.isArray(x) || x.every(frozen))
    expect(frozen(r.right.optState)).toBe(true)
    // The restored state steps on exactly like the original.
    expect(statesEqual(tx.update(grads, r.right.optState, params)[1], tx.update(grads, s, params)[1])).toBe(true)
  })

  test('the parameters alone load from a checkpoint with a state; other tools see ordinary tensors', () => {
    const bytes = io.encodeCheckpoint(params, { optState: stepped(optim.adam({ learningRate: 0.1 }), 2) })
    const r = io.decodeCheckpoint({ w: zeros([3]), b: zeros([1], 'float64') }, bytes)
    expect(r._tag === 'Right' && r.right.optState).toBe(undefined)
    const raw = io.safetensors.decode(bytes)
    expect(raw._tag === 'Right' && Object.keys(raw.right.tensors)).toEqual(['b', 'grad-ts/optState.0.mu.b', 'grad-ts/optState.0.nu.b', 'grad-ts/optState.0.mu.w', 'grad-ts/optState.0.nu.w', 'w'])
    expect(raw._tag === 'Right' && raw.right.metadata['grad-ts/optState']).toBe('[{"kind":"optim.scaleByAdam","count":2},{"kind":"optim.scaleByLearningRate","count":2}]')
  })

  test('counts are stored exactly, up to 2^53 − 1', () => {
    const big = Number.MAX_SAFE_INTEGER
    const file = encodeLeaves('test', tree.flatten(params), { 'grad-ts/optState': `{"kind":"optim.scaleByLearningRate","count":${big}}` }, true)
    const r = io.decodeCheckpoint(params, file, { optState: optim.sgd(0.1).init(params) })
    if (r._tag === 'Left') throw r.left
    expect(r.right.optState.count).toBe(big)
    expect(same(io.encodeCheckpoint(params, { optState: r.right.optState }), file)).toBe(true)
    const bad = encodeLeaves('test', tree.flatten(params), { 'grad-ts/optState': '{"kind":"optim.scaleByLearningRate","count":1.5,"extra":0}' }, true)
    expect(message(io.decodeCheckpoint(params, bad, { optState: optim.sgd(0.1).init(params) }))).toBe(
      'optState.count: expected a step count (a non-negative integer), got 1.5\noptState.extra: unknown field of optim.scaleByLearningRate\'s state',
    )
  })

  describe('a state saved by another optimizer is refused, naming what was expected and what was found', () => {
    const saved = (tx: optim.GradientTransformation<unknown>): Uint8Array => io.encodeCheckpoint(params, { optState: stepped(tx, 2), step: 2 })
    const load = <S>(bytes: Uint8Array, tx: optim.GradientTransformation<S>) => io.decodeCheckpoint(params, bytes, { optState: tx.init(params) })
    const different = 'the checkpoint was saved with a different optimizer'

    test.each([
      ['momentum into adam', optim.momentum({ learningRate: 0.1, momentum: 0.9 }), optim.adam({ learningRate: 0.1 }), [
        `optState.0: expected the state of optim.scaleByAdam, got the state of optim.trace: ${different}`,
      ]],
      ['sgd into momentum', optim.sgd(0.1), optim.momentum({ learningRate: 0.1, momentum: 0.9 }), [
        `optState: expected the state of a chain of 2 stages, got the state of optim.scaleByLearningRate: ${different}`,
      ]],
      ['adam into sgd', optim.adam({ learningRate: 0.1 }), optim.sgd(0.1), [
        `optState: expected the state of optim.scaleByLearningRate, got the state of a chain of 2 stages: ${different}`,
      ]],
      ['chain(addWeightDecay, momentum) into momentum', optim.chain(optim.addWeightDecay(0.1), optim.momentum({ learningRate: 0.1, momentum: 0.9 })), optim.momentum({ learningRate: 0.1, momentum: 0.9 }), [
        `optState.0: expected the state of optim.trace, got the state of optim.addWeightDecay: ${different}`,
        `optState.1: expected the state of optim.scaleByLearningRate, got the state of a chain of 2 stages: ${different}`,
      ]],
      ['chain(identity, sgd) into chain(addWeightDecay, sgd)', optim.chain(optim.identity(), optim.sgd(0.1)), optim.chain(optim.addWeightDecay(0.1), optim.sgd(0.1)), [
        `optState.0: expected the state of optim.addWeightDecay, got the state of optim.identity: ${different}`,
      ]],
      ['scale into scaleByLearningRate', optim.scale(-0.1), optim.scaleByLearningRate(0.1), [
        `optState: expected the state of optim.scaleByLearningRate, got the state of optim.scale: ${different}`,
      ]],
      ['a chain of 3 into a chain of 2', optim.chain(optim.identity(), optim.identity(), optim.sgd(1)), optim.chain(optim.identity(), optim.sgd(1)), [
        `optState: expected the state of a chain of 2 stages, got the state of a chain of 3 stages: ${different}`,
      ]],
    ] as const)('%s', (_, from, into, issues) => {
      const r = load(saved(from), into as optim.GradientTransformation<unknown>)
      expect(r._tag).toBe('Left')
      expect(r._tag === 'Left' && r.left).toBeInstanceOf(io.DecodeError)
      expect(message(r)).toBe(issues.join('\n'))
    })

    test('hyperparameters are not part of the state: the learning rate may change on resume', () => {
      const r = load(saved(optim.adam({ learningRate: 0.1 })), optim.adam({ learningRate: 0.01, b1: 0.5 }))
      expect(r._tag === 'Right' && r.right.optState[0].count).toBe(2)
    })

    test('a state over parameters of another shape is refused at each path, with the parameters', () => {
      const other = { w: zeros([2]), b: zeros([1], 'float64') }
      const tx = optim.momentum({ learningRate: 0.1, momentum: 0.9 })
      const r = io.decodeCheckpoint(other, saved(tx), { optState: tx.init(other) })
      expect(message(r)).toBe('w.shape[0]: expected 2, got 3\noptState.0.velocity.w.shape[0]: expected 2, got 3')
    })

    test('asking for a state the file does not have', () => {
      const r = load(io.encodeCheckpoint(params, { step: 1 }), optim.sgd(0.1))
      expect(message(r)).toBe('optState: missing from the file: the checkpoint was saved without an optimizer state')
    })
  })

  test('states not made by optim are programmer errors, on saving and on loading', () => {
    expect(() => io.encodeCheckpoint(params, { optState: { count: 1 } })).toThrow(
      'io.encodeCheckpoint: the optimizer state is not an optimizer state made by optim (the init or update of sgd, momentum, adam, chain, …), got {"count":1}',
    )
    expect(() => io.encodeCheckpoint(params, { optState: [optim.sgd(1).init(params), { ...optim.sgd(1).init(params) }] })).toThrow(
      'io.encodeCheckpoint: the optimizer state at 1 is not an optimizer state made by optim',
    )
    const bytes = io.encodeCheckpoint(params, { optState: optim.sgd(1).init(params) })
    expect(() => io.decodeCheckpoint(params, bytes, { optState: { count: 0 } })).toThrow('io.decodeCheckpoint: options.optState is not an optimizer state made by optim')
    expect(() => io.decodeCheckpoint(params, new Uint8Array(3), { optState: { count: 0 } })).toThrow('io.decodeCheckpoint: options.optState') // before reading
  })

  test('an expected tree whose leaves share a name cannot be matched by name', () => {
    const clash: Tree = { 'a.b': tensor([1]), a: { b: tensor([2]) } }
    expect(() => io.safetensors.decodeTree(clash, new Uint8Array(3))).toThrow('io.safetensors.decodeTree: two leaves of the expected tree are named "a.b"')
    expect(() => io.decodeCheckpoint(clash, new Uint8Array(3))).toThrow('io.decodeCheckpoint: two leaves of the expected tree are named "a.b"')
  })
})
