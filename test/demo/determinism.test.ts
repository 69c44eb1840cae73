/** Same seed ⇒ the same numbers, bit for bit: two trainings of a small net agree exactly. */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { io, tree } from '../../src/index.js'
import { head, loadDigits, splitDigits } from '../../docs/demo/data.js'
import { train } from '../../docs/demo/train.js'

describe('the demo’s training', () => {
  it('is bit-for-bit reproducible from its seed, with dropout and max-norm', () => {
    const split = splitDigits(loadDigits())
    const data = { train: head(split.train, 300), test: head(split.test, 200) }
    const config = io.decodeTrainingConfig({
      layers: [784, 32, 32, 10], activation: 'relu', keep: { input: 0.8, hidden: 0.5 }, maxNorm: 2,
      optimizer: { type: 'momentum', learningRate: 0.1, momentum: 0.9, nesterov: false }, batchSize: 50, epochs: 2, seed: 7,
    })
    if (E.isLeft(config)) throw config.left
    const a = train({ name: 'a', config: config.right }, data)
    const b = train({ name: 'b', config: config.right }, data)
    expect(b.curve).toEqual(a.curve)
    const bits = (p: typeof a.params) => tree.leaves(p).map((t) => Buffer.from(t.toTypedArray().buffer).toString('hex'))
    expect(bits(b.params)).toEqual(bits(a.params))
    const c = train({ name: 'c', config: { ...config.right, seed: 8 as typeof config.right.seed } }, data)
    expect(bits(c.params)).not.toEqual(bits(a.params))
  })
})
