import { describe, expect, it } from 'vitest'
import { TensorError, abs, max, nn, ones, random, relu, sub, tensor, type Tensor } from '../../src/index.js'

const vals = (t: Tensor) => Array.from(t.toTypedArray())

describe('dense layers and MLPs', () => {
  it('initialise weights N(0, σ²) per initialiser, biases zero', () => {
    for (const [init, sd] of [['normal', Math.sqrt(1 / 400)], ['glorot', Math.sqrt(2 / 700)], ['he', Math.sqrt(2 / 400)]] as const) {
      const d = random.evaluate(random.key(1))(nn.dense(400, 300, init, 'float64'))
      const w = vals(d.w)
      const m = w.reduce((a, b) => a + b, 0) / w.length
      const v = w.reduce((a, b) => a + (b - m) ** 2, 0) / (w.length - 1)
      // 120,000 draws: the sample sd is within 6·sd/√(2n) of sd, the mean within 6·sd/√n of 0.
      expect(Math.abs(Math.sqrt(v) - sd)).toBeLessThan((6 * sd) / Math.sqrt(2 * w.length))
      expect(Math.abs(m)).toBeLessThan((6 * sd) / Math.sqrt(w.length))
      expect(vals(d.b).every((b) => b === 0)).toBe(true)
    }
    expect(() => nn.dense(0, 3)).toThrow('dense: layer sizes must be positive integers, got 0 × 3')
  })
  it('draws layers from one key stream: same key, same network', () => {
    const spec = { sizes: [5, 4, 3] }
    const a = random.evaluate(random.key(0))(nn.initMlp(spec))
    const b = random.evaluate(random.key(0))(nn.initMlp(spec))
    expect(vals(a.layers[1]!.w)).toEqual(vals(b.layers[1]!.w))
    expect(vals(a.layers[0]!.w)).not.toEqual(vals(random.evaluate(random.key(1))(nn.initMlp(spec)).layers[0]!.w))
  })
  it('Eval is deterministic and draws nothing; Train draws masks', () => {
    const spec = { sizes: [6, 8, 2], dropout: { input: { keep: 0.8 }, hidden: { rate: 0.5 } } }
    const p = random.evaluate(random.key(0))(nn.initMlp(spec, 'he', 'float64'))
    const x = random.evaluate(random.key(1))(random.normalR([3, 6], 'float64'))
    const [t, k] = nn.mlpTrace(spec, p, x, nn.Eval)(random.key(9))
    expect(random.keyEq.equals(k, random.key(9))).toBe(true)
    expect(vals(t.logits)).toEqual(vals(nn.mlp(spec, p, x, nn.Eval)))
    const a = random.evaluate(random.key(2))(nn.mlp(spec, p, x, nn.Train))
    const b = random.evaluate(random.key(3))(nn.mlp(spec, p, x, nn.Train))
    expect(vals(a)).not.toEqual(vals(b))
  })
  it('reports the masks it drew, and its Train logits are the network on the masked activations', () => {
    const spec = { sizes: [6, 8, 8, 2], dropout: { input: { keep: 1 }, hidden: { keep: 0.5 }, convention: 'paper' as const } }
    const p = random.evaluate(random.key(0))(nn.initMlp(spec, 'he', 'float64'))
    const x = random.evaluate(random.key(1))(random.normalR([3, 6], 'float64'))
    const t = random.evaluate(random.key(4))(nn.mlpTrace(spec, p, x, nn.Train))
    // keep = 1 on the input draws nothing; the two hidden masks come from the key stream in order.
    expect(t.masks[0]).toBeNull()
    const [m1, m2] = random.evaluate(random.key(4))(random.sequenceT(nn.dropoutMask([3, 8], { keep: 0.5 }), nn.dropoutMask([3, 8], { keep: 0.5 })))
    expect(vals(t.masks[1]!)).toEqual(vals(m1))
    expect(vals(t.masks[2]!)).toEqual(vals(m2))
    // Recompute the forward pass by hand with those masks (paper convention: no rescaling in training).
    const plain = { sizes: spec.sizes }
    const h1 = nn.applyMask(t.hidden[0]!, m1, { keep: 0.5 }, 'paper')
    const z2 = nn.mlp({ sizes: [8, 8] }, { layers: [p.layers[1]!] }, h1, nn.Eval) // the last layer is linear: h1·W + b
    expect(vals(t.hidden[1]!)).toEqual(vals(relu(z2)))
    const logits = nn.mlp({ sizes: [8, 2] }, { layers: [p.layers[2]!] }, nn.applyMask(t.hidden[1]!, m2, { keep: 0.5 }, 'paper'), nn.Eval)
    expect(vals(t.logits)).toEqual(vals(logits))
    expect(nn.mlpTrace(spec, p, x, nn.Eval)(random.key(4))[0].masks).toEqual([null, null, null])
    expect(nn.mlpTrace(plain, p, x, nn.Train)(random.key(4))[0].masks).toEqual([])
  })
  it('scaleWeights turns a paper-convention net into the equivalent plain net', () => {
    const spec = { sizes: [6, 8, 8, 2], activation: 'tanh' as const, dropout: { input: { keep: 0.8 }, hidden: { keep: 0.5 }, convention: 'paper' as const } }
    const p = random.evaluate(random.key(0))(nn.initMlp(spec, 'normal', 'float64'))
    const x = random.evaluate(random.key(1))(random.normalR([4, 6], 'float64'))
    const { spec: plain, params } = nn.scaleWeights(spec, p)
    expect(plain.dropout).toBeUndefined()
    expect(max(abs(sub(nn.mlp(spec, p, x, nn.Eval), nn.mlp(plain, params, x, nn.Eval)))).item()).toBeLessThan(1e-14)
    // Inverted-convention weights are already test-time weights.
    const inv = { ...spec, dropout: { ...spec.dropout, convention: 'inverted' as const } }
    expect(nn.scaleWeights(inv, p).params).toBe(p)
  })
  it('names the mismatch between a spec and its parameters', () => {
    const p = random.evaluate(random.key(0))(nn.initMlp({ sizes: [3, 2] }))
    expect(() => nn.mlp({ sizes: [3, 4, 2] }, p, ones([1, 3]), nn.Eval)).toThrow('mlp: the spec has 2 layers, the parameters 1')
    expect(() => nn.initMlp({ sizes: [3] })).toThrow('mlp: sizes must list at least two positive integers, got [3]')
    expect(() => nn.initMlp({ sizes: [3, 2], dropout: { input: { keep: 2 }, hidden: { keep: 1 } } })).toThrow(TensorError)
  })
})

describe('activation statistics', () => {
  it('mean, per-unit means, zero fraction and a NumPy-style histogram', () => {
    const a = tensor([[0, 1, 4], [0, 3, 0]], 'float64')
    const s = nn.activationStats(a, 4)
    expect(s.mean).toBe(8 / 6)
    expect(vals(s.unitMeans)).toEqual([0, 2, 2])
    expect(s.zeroFraction).toBe(0.5)
    expect(s.histogram.edges).toEqual([0, 1, 2, 3, 4])
    expect(s.histogram.counts).toEqual([3, 1, 0, 2])
    expect(nn.histogram(tensor([5, 6]), { bins: 2, min: 0, max: 4 }).counts).toEqual([0, 0])
    expect(() => nn.activationStats(tensor([1, 2]))).toThrow('activationStats: needs activations of shape [batch, units], got rank 1')
    expect(() => nn.histogram(tensor([Infinity]))).toThrow(/histogram: the range/)
  })
})
