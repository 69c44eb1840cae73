import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  TensorError, abs, grad, matmul, mean, mul, nn, ones, random, sub, sum, tensor, type Tensor,
} from '../../src/index.js'
import {
  enumerateMasks, exactDropoutProperties, keyArb, linearMapLaw, logisticNwgmLaw, regressionLaw, sampledDropoutProperties, softmaxNgmLaw,
} from '../../laws/index.js'

const f64 = (v: number[][] | number[]) => tensor(v, 'float64')
const vals = (t: Tensor) => Array.from(t.toTypedArray())

describe('the keep/rate vocabulary', () => {
  it('names p one way or the other, never bare', () => {
    expect(nn.keepProbability({ keep: 0.8 })).toBe(0.8)
    expect(nn.keepProbability({ rate: 0.2 })).toBe(0.8)
    expect(() => nn.keepProbability({ keep: 0 })).toThrow('dropout: keep must be in (0, 1], got 0')
    expect(() => nn.keepProbability({ keep: 1.5 })).toThrow(TensorError)
    expect(() => nn.keepProbability({ rate: 1 })).toThrow('dropout: rate must be in [0, 1), got 1')
    expect(() => nn.keepProbability({ rate: -0.1 })).toThrow(TensorError)
    expect(() => nn.keepProbability({ keep: NaN })).toThrow(TensorError)
    expect(() => nn.keepProbability({ keep: 0.5, rate: 0.5 } as never)).toThrow('dropout: name exactly one of keep')
    // @ts-expect-error a bare number is not a Retention
    expect(() => nn.dropout(0.5)).toThrow(TensorError)
  })
})

describe('dropout', () => {
  const k = random.key(0)
  const x = tensor([[1, 2, 3, 4, 5, 6, 7, 8]])
  it('keep = 1 is the identity and draws nothing', () => {
    const [y, next] = nn.dropout({ keep: 1 })(x)(k)
    expect(y).toBe(x)
    expect(next).toBe(k)
  })
  it('draws the mask jax.random.bernoulli draws from the same key', () => {
    const mask = random.bernoulli(random.split(k)[1], 0.5, [1, 8])
    const y = random.evaluate(k)(nn.dropout({ keep: 0.5 }, { convention: 'paper' })(x))
    expect(vals(y)).toEqual(vals(x).map((v, i) => (mask.toTypedArray()[i] ? v : 0)))
  })
  it('inverted dropout scales kept units by 1/p, the paper convention does not', () => {
    const inv = vals(random.evaluate(k)(nn.dropout({ rate: 0.75 })(x)))
    const pap = vals(random.evaluate(k)(nn.dropout({ rate: 0.75 }, { convention: 'paper' })(x)))
    inv.forEach((v, i) => { expect(v).toBe(pap[i]! * 4); })
  })
  it('evaluation: paper scales by p, inverted is the identity', () => {
    expect(vals(nn.dropoutEval({ keep: 0.25 }, { convention: 'paper' })(x))).toEqual(vals(x).map((v) => v / 4))
    expect(nn.dropoutEval({ keep: 0.25 })(x)).toBe(x)
    expect(vals(random.evaluate(k)(nn.dropoutIn(nn.Eval, { keep: 0.25 }, { convention: 'paper' })(x)))).toEqual(vals(x).map((v) => v / 4))
  })
  it('shares one mask along broadcast axes', () => {
    const y = random.evaluate(k)(nn.dropout({ keep: 0.5 }, { broadcastAxes: [0] })(ones([50, 20])))
    const rows = y.toArray() as number[][]
    for (const row of rows) expect(row).toEqual(rows[0])
    expect(() => nn.dropout({ keep: 0.5 }, { broadcastAxes: [2] })(ones([2, 2]))).toThrow('dropout: axis 2 is out of range for rank 2')
  })
  it('never produces NaN as rate → 1, in values or gradients', () => {
    for (const rate of [0.999999, 1 - 1e-12, 1 - 2 ** -52]) {
      const f = (v: Tensor) => sum(random.evaluate(random.key(1))(nn.dropout({ rate })(v)))
      const xs = ones([1000])
      expect(vals(random.evaluate(random.key(1))(nn.dropout({ rate })(xs))).every(Number.isFinite)).toBe(true)
      expect(vals(grad(f)(xs)).every(Number.isFinite)).toBe(true)
      expect(vals(random.evaluate(random.key(2))(nn.gaussianDropout({ rate })(xs))).every(Number.isFinite)).toBe(true)
    }
  })
  it('lets gradients through kept units only: the mask is a constant', () => {
    const loss = (v: Tensor) => sum(mul(random.evaluate(k)(nn.dropout({ keep: 0.5 })(v)), 3))
    const xs = ones([1, 8])
    const y = vals(random.evaluate(k)(nn.dropout({ keep: 0.5 })(xs)))
    expect(vals(grad(loss)(xs))).toEqual(y.map((v) => (v === 0 ? 0 : 6)))
  })
})

describe('exact expected-value laws (all 2^n masks)', () => {
  it('enumerates masks with probabilities that sum to one', () => {
    const ms = enumerateMasks([3], { keep: 0.3 })
    expect(ms.length).toBe(8)
    expect(ms.reduce((s, m) => s + m.probability, 0)).toBeCloseTo(1, 15)
  })
  it('hold on hand-made cases, in both conventions', () => {
    const x = f64([[0.5, -1, 2, 1, -0.3]])
    const w = f64([[1], [0.4], [-0.7], [0.2], [1.5]])
    for (const c of ['paper', 'inverted'] as const) {
      expect(linearMapLaw(x, w, { keep: 0.7 }, c)).toBe(true)
      expect(logisticNwgmLaw(x, w, f64([0.1]), { keep: 0.7 }, c)).toBe(true)
      expect(softmaxNgmLaw(x, f64([[1, 0], [0.5, 2], [-1, 1], [0, 0], [2, -2]]), f64([0, 0.5]), { rate: 0.4 }, c)).toBe(true)
      expect(regressionLaw(f64([[1, 2, 0], [0.5, -1, 3], [3, 0, 1], [1, 1, 1]]), f64([1, 0, 2, -1]), f64([0.3, -0.2, 0.5]), { keep: 0.7 }, c)).toBe(true)
    }
  })
  it('the arithmetic mean of a logistic unit is only close; the NWGM is exact', () => {
    // The same unit as above: the arithmetic mean over masks differs from σ(p·wᵀx + b).
    const x = f64([[0.5, -1, 2, 1, -0.3]])
    const w = f64([[1], [0.4], [-0.7], [0.2], [1.5]])
    let arith = 0
    for (const { mask, probability } of enumerateMasks(x.shape, { keep: 0.7 })) {
      const s = matmul(nn.applyMask(x, mask, { keep: 0.7 }, 'paper'), w).item() + 0.1
      arith += probability / (1 + Math.exp(-s))
    }
    const scaled = 1 / (1 + Math.exp(-(matmul(mul(x, 0.7), w).item() + 0.1)))
    expect(Math.abs(arith - scaled)).toBeGreaterThan(1e-4)
  })
  it('fail for a wrong test-time network', () => {
    // Treating paper-convention training as if it were inverted (no scaling at test time) must break the law.
    const x = f64([[1, 2]])
    const w = f64([[1], [1]])
    const wrong = (r: { keep: number }) => {
      let acc = 0
      for (const { mask, probability } of enumerateMasks(x.shape, r)) acc += probability * matmul(nn.applyMask(x, mask, r, 'paper'), w).item()
      return acc === matmul(x, w).item()
    }
    expect(wrong({ keep: 0.5 })).toBe(false)
  })
  const props = exactDropoutProperties(8)
  it('linear map: mean over masks = test-time output', () => { fc.assert(props.linearMap, { numRuns: 40 }); })
  it('logistic unit: NWGM = weight-scaled prediction', () => { fc.assert(props.logisticNwgm, { numRuns: 40 }); })
  it('softmax layer: normalised geometric mean = weight-scaled distribution', () => { fc.assert(props.softmaxNgm, { numRuns: 30 }); })
  it('linear regression: E‖y − (R∗X)w‖² = ‖y − pXw‖² + p(1−p)‖Γw‖²', () => { fc.assert(props.regression, { numRuns: 30 }); })
  it('regression law on all 2^12 masks', () => {
    const X = f64([[1, -2, 0.5], [0, 1, 2], [3, 1, -1], [0.25, 0.5, 1]])
    expect(regressionLaw(X, f64([1, -1, 0.5, 2]), f64([0.2, -0.4, 1]), { keep: 0.7 }, 'paper')).toBe(true)
  })
})

describe('sampled laws (6σ, keys from fast-check)', () => {
  const props = sampledDropoutProperties(keyArb())
  it('unbiasedness', () => { fc.assert(props.unbiased, { numRuns: 30 }); })
  it('keep rate ≈ p', () => { fc.assert(props.keepRate, { numRuns: 30 }); })
  it('same key ⇒ same mask', () => { fc.assert(props.sameKeySameMask, { numRuns: 30 }); })
  it('masks of split keys are uncorrelated', () => { fc.assert(props.splitUncorrelated, { numRuns: 20 }); })
  it('Gaussian dropout moments', () => { fc.assert(props.gaussianMoments, { numRuns: 20 }); })
  it('Monte-Carlo average → weight-scaled output (linear network)', () => { fc.assert(props.monteCarloLinear, { numRuns: 20 }); })
  it('MC averaging of a thinned MLP approaches weight scaling as k grows', () => {
    const spec = { sizes: [6, 16, 3], dropout: { input: { keep: 0.8 }, hidden: { keep: 0.5 }, convention: 'paper' as const } }
    const p = random.evaluate(random.key(0))(nn.initMlp(spec, 'normal', 'float64'))
    const x = random.evaluate(random.key(1))(random.normalR([4, 6], 'float64'))
    const scaled = nn.mlp(spec, p, x, nn.Eval)
    const gap = (k: number) => mean(abs(sub(random.evaluate(random.key(2))(nn.monteCarlo(k)(nn.mlp(spec, p, x, nn.Train))), scaled))).item()
    expect(gap(400)).toBeLessThan(gap(1) / 4)
  })
})

