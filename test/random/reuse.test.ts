/**
 * The key-consumption rules of checkKeyReuse, JAX's (jax/_src/key_reuse/_core.py):
 * split and the samplers consume their key; foldIn, clone, keyData and keyEq
 * do not; key, wrapKeyData, foldIn, clone and split make fresh keys. Every
 * real reuse throws a TensorError naming the function and the key; the idioms
 * of the docs and the nn module's own use of keys in a training loop pass.
 */
import { describe, expect, it } from 'vitest'
import { pipe } from 'fp-ts/lib/function.js'
import { TensorError } from '../../src/core/errors.js'
import { add, grad, matmul, mul, nn, optim, relu, softmaxCrossEntropy, tensor, valueAndGrad, zeros, type Tensor } from '../../src/index.js'
import * as random from '../../src/random/index.js'
import type { Key } from '../../src/random/index.js'

const { bernoulli, bits, checkKeyReuse, clone, foldIn, key, keyData, keyEq, normal, permutation, split, uniform, wrapKeyData } = random

/** The TensorError `f` throws under the checker. */
const reuseError = (f: () => unknown): TensorError => {
  try {
    checkKeyReuse(f)
  } catch (e) {
    expect(e).toBeInstanceOf(TensorError)
    return e as TensorError
  }
  throw new Error('expected a key-reuse error')
}
const words = (k: Key) => `[${keyData(k).join(', ')}]`
const consumedBy = (op: string, k: Key) => `${op}: key ${words(k)} was already consumed; split it instead of reusing it`

const samplers: [string, (k: Key) => unknown][] = [
  ['bits', (k) => bits(k, [2])],
  ['uniform', (k) => uniform(k, [2])],
  ['normal', (k) => normal(k, [2])],
  ['bernoulli', (k) => bernoulli(k, 0.5, [2])],
  ['bernoulli', (k) => bernoulli(k, tensor([0.5, 0.5]), [2])],
  ['permutation', (k) => permutation(k, 5)],
  ['permutation', (k) => permutation(k, 1)],
  ['split', (k) => split(k)],
  ['split', (k) => split(k, 5)],
]

describe('what consumes a key', () => {
  it.each(samplers)('%s consumes its key: a second consuming use throws, naming the op and the key', (op, use) => {
    for (const [, first] of samplers) {
      const k = key(7)
      expect(reuseError(() => [first(k), use(k)]).message).toBe(consumedBy(op, k))
    }
  })

  it('the same key sampled twice, split twice, sampled after split, split after sampling', () => {
    const k = key(3)
    expect(reuseError(() => [uniform(k, [1]), uniform(k, [1])]).message).toBe(consumedBy('uniform', k))
    expect(reuseError(() => [split(k), split(k)]).message).toBe(consumedBy('split', k))
    expect(reuseError(() => [split(k), normal(k, [1])]).message).toBe(consumedBy('normal', k))
    expect(reuseError(() => [bernoulli(k, 0.5), split(k, 3)]).message).toBe(consumedBy('split', k))
    const [a] = split(key(3))
    expect(reuseError(() => [uniform(a, [1]), bits(a, [1])]).message).toBe(consumedBy('bits', a))
  })

  it('a subkey from split, a folded key and a clone are each consumed once', () => {
    const root = key(5)
    const [, sub] = split(root)
    expect(reuseError(() => [uniform(sub, [1]), uniform(sub, [1])]).message).toBe(consumedBy('uniform', sub))
    const f = foldIn(root, 9)
    expect(reuseError(() => [uniform(f, [1]), split(f)]).message).toBe(consumedBy('split', f))
    const c = clone(root)
    expect(reuseError(() => [normal(c, [1]), normal(c, [1])]).message).toBe(consumedBy('normal', c))
  })

  it('the Random draws consume the running key and name themselves', () => {
    const k = key(0)
    const draws: [string, random.Random<unknown>][] = [
      ['keyR', random.keyR],
      ['bitsR', random.bitsR([1])],
      ['uniformR', random.uniformR([1])],
      ['normalR', random.normalR([1])],
      ['bernoulliR', random.bernoulliR(0.5, [1])],
    ]
    for (const [op, r] of draws) {
      expect(reuseError(() => [r(k), r(k)]).message).toBe(consumedBy(op, k))
      expect(reuseError(() => [uniform(k, [1]), random.evaluate(k)(r)]).message).toBe(consumedBy(op, k))
      expect(reuseError(() => [random.run(k)(r), split(k)]).message).toBe(consumedBy('split', k))
    }
  })

  it('a program run twice on one key, or on a key consumed by hand, throws at its first draw', () => {
    const prog = pipe(random.of(1), random.chain(() => random.sequenceT(random.normalR([2]), random.uniformR([2]))))
    const k = key(11)
    expect(reuseError(() => [random.evaluate(k)(prog), random.evaluate(k)(prog)]).message).toBe(consumedBy('normalR', k))
    // A program that draws nothing does not consume.
    expect(() => checkKeyReuse(() => [random.evaluate(k)(random.of(1)), random.evaluate(k)(prog)])).not.toThrow()
  })

  it('the leftover key of a program is consumed by the next use, not by the program', () => {
    const k = key(12)
    checkKeyReuse(() => {
      const rest = random.execute(k)(random.uniformR([1]))
      uniform(rest, [1])
      expect(() => uniform(rest, [1])).toThrow(consumedBy('uniform', rest))
    })
  })
})

describe('what does not consume a key', () => {
  it('foldIn: one key folded with many numbers, before or after it is consumed (as in JAX)', () => {
    const k = key(0)
    const out = checkKeyReuse(() => {
      const perStep = [0, 1, 2].map((s) => uniform(foldIn(k, s), [2]))
      split(k)
      const after = uniform(foldIn(k, 3), [2])
      return [...perStep, after]
    })
    expect(out).toHaveLength(4)
    // The idiom, verbatim.
    expect(() => {
      checkKeyReuse(() => {
        [0, 1, 2].forEach((s) => uniform(foldIn(k, s), [2]))
      })
    }).not.toThrow()
  })

  it('clone: the same words, the same draws, a fresh key; cloning a consumed key is allowed (as in JAX)', () => {
    const k = key(4)
    checkKeyReuse(() => {
      const a = uniform(k, [3])
      const b = uniform(clone(k), [3])
      const c = uniform(clone(k), [3])
      expect(Array.from(b.toTypedArray())).toEqual(Array.from(a.toTypedArray()))
      expect(Array.from(c.toTypedArray())).toEqual(Array.from(a.toTypedArray()))
    })
    expect(keyEq.equals(clone(k), k) && clone(k) !== k && random.isKey(clone(k))).toBe(true)
    expect(() => clone([0, 1] as unknown as Key)).toThrow(/^clone: expected a Key/)
  })

  it('keyData, keyEq and isKey read a key without consuming it; wrapKeyData and key make fresh keys', () => {
    const k = key(8)
    checkKeyReuse(() => {
      keyData(k)
      keyEq.equals(k, k)
      random.isKey(k)
      uniform(k, [1])
      uniform(wrapKeyData(keyData(k)), [1])
      uniform(key(8), [1])
      expect(keyData(k)).toEqual([0, 8])
    })
  })

  it('of and map draw nothing', () => {
    const k = key(9)
    checkKeyReuse(() => {
      random.run(k)(random.of(1))
      random.run(k)(pipe(random.of(2), random.map((n: number) => n + 1)))
      uniform(k, [1])
    })
  })

  it('foldIn and clone still check their argument', () => {
    expect(() => foldIn([1, 2] as unknown as Key, 0)).toThrow(/^foldIn: expected a Key/)
    expect(() => permutation([1, 2] as unknown as Key, 1)).toThrow(/^permutation: expected a Key/)
  })
})

describe('the idioms of the guides pass the checker (see reuse-docs.test.ts for every example)', () => {
  it('split into keys for the parts, foldIn a step into a root, keyR inside a program', () => {
    checkKeyReuse(() => {
      const root = key(42)
      const keys = { init: foldIn(root, 0), shuffle: foldIn(root, 1), dropout: foldIn(root, 2) }
      const [k0, k1] = split(keys.init)
      normal(k0, [3, 2])
      normal(k1, [2])
      for (let epoch = 0; epoch < 3; epoch++) permutation(foldIn(keys.shuffle, epoch), 10)
      for (let step = 0; step < 5; step++) bernoulli(foldIn(keys.dropout, step), 0.5, [4])
      const permR = (n: number) => random.map((k: Key) => permutation(k, n))(random.keyR)
      random.evaluate(key(5))(random.traverseArray(permR)([3, 4, 5]))
      random.evaluate(key(6))(random.traverseArray((i: number) => random.map((k: Key) => uniform(foldIn(k, i), [1]))(random.keyR))([0, 1]))
    })
  })
})

describe("the nn module's internals pass the checker in a training loop", () => {
  const spec: nn.MlpSpec = { sizes: [3, 8, 2], dropout: { input: { keep: 0.8 }, hidden: { keep: 0.5 } } }
  const x = tensor([[1, 0, -1], [0.5, 2, 0], [-1, 1, 1], [0, -2, 0.5]])
  const y = tensor([1, 0, 1, 0], 'int32')

  it('initMlp, mlp (Train and Eval), mlpTrace, dropout, gaussianDropout and monteCarlo under grad, step after step', () => {
    checkKeyReuse(() => {
      const root = key(0)
      let params = random.evaluate(foldIn(root, 0))(nn.initMlp(spec))
      const loss = (p: nn.MlpParams, k: Key): Tensor => softmaxCrossEntropy(random.evaluate(k)(nn.mlp(spec, p, x, nn.Train)), y)
      const tx = optim.adam({ learningRate: 0.01 })
      let state = tx.init(params)
      const dropoutKey = foldIn(root, 2)
      for (let step = 0; step < 20; step++) {
        const [, grads] = valueAndGrad(loss)(params, foldIn(dropoutKey, step))
        const [updates, next] = tx.update(grads, state, params)
        params = optim.applyUpdates(params, updates)
        state = next
        random.evaluate(foldIn(foldIn(root, 4), step))(nn.mlpTrace(spec, params, x, nn.Train))
      }
      nn.mlp(spec, params, x, nn.Eval)
      nn.mlp(spec, params, x, nn.Eval)
      random.evaluate(foldIn(root, 3))(nn.monteCarlo(10)(nn.mlp(spec, params, x, nn.Train)))
      random.evaluate(foldIn(root, 5))(nn.monteCarloCurve([1, 4, 9])(nn.mlp(spec, params, x, nn.Train)))
      random.evaluate(foldIn(root, 6))(nn.gaussianDropout({ keep: 0.5 })(x))
      random.evaluate(foldIn(root, 7))(random.sequenceT(nn.dropout({ rate: 0.5 })(x), nn.dropoutMask([4, 3], { keep: 0.5 }), nn.dropoutIn(nn.Eval, { rate: 0.5 })(x)))
      // The docs' flax-style loop: a model built from nn.dropoutIn, differentiated with grad.
      type Dense = { kernel: Tensor; bias: Tensor }
      const dense = (p: Dense, h: Tensor) => add(matmul(h, p.kernel), p.bias)
      const [ka, kb] = split(foldIn(root, 8))
      let flax = { a: { kernel: mul(normal(ka, [3, 16]), 0.5), bias: zeros([16]) }, b: { kernel: mul(normal(kb, [16, 2]), 0.5), bias: zeros([2]) } }
      const model = (p: typeof flax, mode: nn.Mode) => random.map((h: Tensor) => dense(p.b, h))(nn.dropoutIn(mode, { rate: 0.5 })(relu(dense(p.a, x))))
      const flaxLoss = (p: typeof flax, k: Key) => softmaxCrossEntropy(random.evaluate(k)(model(p, nn.Train)), y)
      const sgd = optim.sgd(0.1)
      let sgdState = sgd.init(flax)
      const flaxKeys = foldIn(root, 9)
      for (let step = 0; step < 5; step++) {
        const grads = grad(flaxLoss)(flax, foldIn(flaxKeys, step))
        const [u, s] = sgd.update(grads, sgdState, flax)
        flax = optim.applyUpdates(flax, u)
        sgdState = s
      }
      random.evaluate(flaxKeys)(model(flax, nn.Eval)) // Eval draws nothing: the folded-into key is not consumed
    })
  })

  it('a real reuse inside a training step is caught: the same step key twice', () => {
    const params = random.evaluate(key(1))(nn.initMlp(spec))
    const k = foldIn(key(2), 0)
    const e = reuseError(() => [random.evaluate(k)(nn.mlp(spec, params, x, nn.Train)), random.evaluate(k)(nn.mlp(spec, params, x, nn.Train))])
    expect(e.message).toBe(consumedBy('bernoulliR', k))
  })
})
