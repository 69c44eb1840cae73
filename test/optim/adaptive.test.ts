/**
 * RMSprop, Adagrad, AdamW (with masks) and global-norm clipping, each against
 * an independent float64 definition written here (plain loops over numbers,
 * from the formulas in optax's transform.py / alias.py docstrings), over
 * several steps; plus optax's own cross-checks and checkpoint round trips.
 */
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { io, tensor, type Tensor, type Tree, tree } from 'grad-ts'
import * as optim from '../../src/optim/index.js'
import { optimProblemArb, statesEqual, treesEqual, type OptimProblem } from '../../laws/optim.js'
import { errorOf } from '../errors.js'


/** A reference optimizer: a step function over one element's number state. */
type Reference = (t: number, g: number, w: number, s: Record<string, number>, leaf: number) => number

/** Runs `tx` over a problem and the reference element by element; returns the largest relative difference of the parameters. */
const maxRelError = <S>(tx: optim.GradientTransformation<S>, reference: Reference, problem: OptimProblem): number => {
  const train = optim.step(tx)
  let params = problem.params
  let state = train.init(params)
  const ws = tree.flatten(params).map((l) => Array.from(l.value.toTypedArray()))
  const ss = ws.map((w) => w.map(() => ({})))
  let worst = 0
  problem.grads.forEach((grads, t) => {
    ;[params, state] = train(params, state, grads)
    const got = tree.leaves(params)
    tree.leaves(grads).forEach((g, i) => {
      const gs = g.toTypedArray()
      const out = got[i]!.toTypedArray()
      ws[i]!.forEach((w, k) => {
        const next = w + reference(t, gs[k]!, w, ss[i]![k]!, i)
        ws[i]![k] = next
        // Both NaN counts as agreement: centered RMSprop takes √ of a ν − μ² that rounding can make negative, in optax too.
        const diff = Number.isNaN(out[k]!) && Number.isNaN(next) ? 0 : Math.abs(out[k]! - next) / Math.max(1, Math.abs(next))
        worst = Math.max(worst, diff)
      })
    })
  })
  return worst
}

const at = (v: number | optim.Schedule, t: number): number => (typeof v === 'number' ? v : v(t))

interface RmsRef {
  lr: number | optim.Schedule
  decay: number
  eps: number
  initialScale: number
  centered: boolean
  momentum?: number | undefined
  nesterov: boolean
  epsInSqrt: boolean
  biasCorrection: boolean
}
const rmspropRef = (o: RmsRef): Reference => (t, g, _w, s) => {
  const d = o.decay
  s.nu = d * (s.nu ?? o.initialScale) + (1 - d) * (g * g)
  s.mu = d * (s.mu ?? 0) + (1 - d) * g
  const c = o.biasCorrection ? 1 - d ** (t + 1) : 1
  const nu = s.nu / c
  const mu = s.mu / c
  const den = o.centered ? nu - mu * mu : nu
  const scaled = o.epsInSqrt ? g / Math.sqrt(den + o.eps) : g / (Math.sqrt(den) + o.eps)
  let u = -at(o.lr, t) * scaled
  if (o.momentum !== undefined) {
    s.v = o.momentum * (s.v ?? 0) + u
    u = o.nesterov ? u + o.momentum * s.v : s.v
  }
  return u
}

const rmsArb: fc.Arbitrary<RmsRef> = fc.record({
  lr: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 5 }).map((T) => optim.linear(0.5, 0.01, T))),
  decay: fc.double({ min: 0, max: 0.99, noNaN: true }),
  eps: fc.constantFrom(1e-8, 1e-3, 0.1),
  initialScale: fc.constantFrom(0, 0.1, 1),
  centered: fc.boolean(),
  momentum: fc.option(fc.double({ min: 0, max: 0.95, noNaN: true }), { nil: undefined }),
  nesterov: fc.boolean(),
  epsInSqrt: fc.boolean(),
  biasCorrection: fc.boolean(),
})
const rmspropOf = (o: RmsRef) =>
  optim.rmsprop({ learningRate: o.lr, decay: o.decay, eps: o.eps, initialScale: o.initialScale, centered: o.centered, momentum: o.momentum, nesterov: o.nesterov, epsInSqrt: o.epsInSqrt, biasCorrection: o.biasCorrection })

const problems64 = optimProblemArb({ dtype: 'float64', maxSteps: 5 })

describe('rmsprop', () => {
  it('matches the float64 definition over several steps, every variant (centered, momentum, Nesterov, eps placement, bias correction)', () => {
    fc.assert(
      fc.property(rmsArb, problems64, (o, p) => {
        return maxRelError(rmspropOf(o), rmspropRef(o), p) < 1e-12
      }),
      { numRuns: 150 },
    )
  })

  it('defaults are optax’s: decay 0.9, eps 1e-8 under the root, initial scale 0, no momentum', () => {
    const g = { w: tensor([2], 'float64') }
    const tx = optim.rmsprop({ learningRate: 1 })
    const s = tx.init(g)
    expect(s[2]).toEqual({}) // identity: no momentum stage state
    const [u] = tx.update(g, s, g)
    expect(u.w.item()).toBe(-(2 / Math.sqrt((1 - 0.9) * 4 + 1e-8)))
  })

  it('float32 parameters and state stay float32', () => {
    const o: RmsRef = { lr: 0.01, decay: 0.9, eps: 1e-8, initialScale: 0, centered: true, momentum: 0.9, nesterov: false, epsInSqrt: true, biasCorrection: false }
    fc.assert(
      fc.property(optimProblemArb({ dtype: 'float32', maxSteps: 4 }), (p) => {
        const train = optim.step(rmspropOf(o))
        let params = p.params
        let state = train.init(params)
        for (const g of p.grads) [params, state] = train(params, state, g)
        return tree.leaves(params).every((l) => l.dtype === 'float32') && tree.leaves(state[0].nu).every((l) => l.dtype === 'float32')
      }),
      { numRuns: 30 },
    )
  })

  it('optax’s cross-check: scaleByRms({ decay: b2, epsInSqrt: false, biasCorrection: true }) is scaleByAdam({ b1: 0, b2 })', () => {
    // optax transform_test.py, test_rms_match_adam.
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.999, noNaN: true }), problems64, (b2, p) => {
        const rms = optim.scaleByRms({ decay: b2, epsInSqrt: false, biasCorrection: true })
        const adam = optim.scaleByAdam({ b1: 0, b2 })
        let sr = rms.init(p.params)
        let sa = adam.init(p.params)
        return p.grads.every((g) => {
          const [ur, nr] = rms.update(g, sr, p.params)
          const [ua, na] = adam.update(g, sa, p.params)
          sr = nr
          sa = na
          return tree.leaves(ur).every((l, i) => {
            const a = tree.leaves(ua)[i]!.toTypedArray()
            return Array.from(l.toTypedArray()).every((x, k) => Math.abs(x - a[k]!) <= 1e-12 * Math.max(1, Math.abs(a[k]!)))
          })
        })
      }),
      { numRuns: 100 },
    )
  })

  it('known answers by hand: two centered steps with momentum', () => {
    // decay 0.5, eps 0, lr 1, momentum 0.5; g = 2 then 0 (w starts at 0).
    // t=1: μ = 1, ν = 2, ν−μ² = 1 → s = 2, u = −2, Δ = −2.      w = −2
    // t=2: μ = 0.5, ν = 1, ν−μ² = 0.75 → s = 0, u = 0, Δ = −1.  w = −3
    const train = optim.step(optim.rmsprop({ learningRate: 1, decay: 0.5, eps: 0, centered: true, momentum: 0.5 }))
    let p = { w: tensor([0], 'float64') }
    let s = train.init(p)
    const ws: number[] = []
    for (const g of [2, 0]) {
      ;[p, s] = train(p, s, { w: tensor([g], 'float64') })
      ws.push(p.w.item())
    }
    expect(ws).toEqual([-2, -3])
    expect(s[0].count).toBe(2)
  })
})

const adagradRef = (lr: number, a0: number, eps: number): Reference => (_t, g, _w, s) => {
  s.s = (s.s ?? a0) + g * g
  return s.s > 0 ? -lr * (g / Math.sqrt(s.s + eps)) : 0
}

describe('adagrad', () => {
  it('matches the float64 definition over several steps', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 2, noNaN: true }), fc.constantFrom(0, 0.1, 1), fc.constantFrom(0, 1e-7, 1e-2), problems64, (lr, a0, eps, p) =>
        maxRelError(optim.adagrad({ learningRate: lr, initialAccumulatorValue: a0, eps }), adagradRef(lr, a0, eps), p) < 1e-12,
      ),
      { numRuns: 150 },
    )
  })

  it('defaults are optax’s (initialAccumulatorValue 0.1, eps 1e-7); a zero accumulator gives a zero update, not NaN', () => {
    const g = { w: tensor([3], 'float64') }
    const [u] = optim.adagrad({ learningRate: 1 }).update(g, optim.adagrad({ learningRate: 1 }).init(g), g)
    expect(u.w.item()).toBe(-(3 / Math.sqrt(9 + 0.1 + 1e-7)))
    const tx = optim.scaleByRss({ initialAccumulatorValue: 0, eps: 0 })
    const z = { w: tensor([0, 2], 'float64') }
    const [v] = tx.update(z, tx.init(z), z)
    expect(Array.from(v.w.toTypedArray())).toEqual([0, 1])
  })
})

type Layers = { layers: readonly { w: Tensor; b: Tensor }[] }
const adamwRef = (lr: number, wd: number, decays: (leaf: number) => boolean): Reference => (t, g, w, s, leaf) => {
  const [b1, b2, eps] = [0.9, 0.999, 1e-8]
  s.m = b1 * (s.m ?? 0) + (1 - b1) * g
  s.v = b2 * (s.v ?? 0) + (1 - b2) * (g * g)
  const mh = s.m / (1 - b1 ** (t + 1))
  const vh = s.v / (1 - b2 ** (t + 1))
  return -lr * (mh / (Math.sqrt(vh) + eps) + (decays(leaf) ? wd * w : 0))
}

describe('adamw', () => {
  it('matches the float64 definition, with no mask, a mask tree, a prefix mask and a mask function', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 3 }), problems64, (lr, wd, kind, p) => {
        const n = (p.params as Layers).layers.length
        // Leaves in flatten order: layers.0.w, layers.0.b, layers.1.w, …: even indices are weights.
        const cases: [optim.MaskOption<Layers> | undefined, (leaf: number) => boolean][] = [
          [undefined, () => true],
          [{ layers: Array.from({ length: n }, () => ({ w: true, b: false })) }, (i) => i % 2 === 0],
          [{ layers: false }, () => false],
          [(q: Layers) => ({ layers: q.layers.map((_, i) => (i === 0 ? true : { w: false, b: true })) }), (i) => i < 2 || i % 2 === 1],
        ]
        const [mask, decays] = cases[kind]!
        return maxRelError(optim.adamw<Layers>({ learningRate: lr, weightDecay: wd, mask }), adamwRef(lr, wd, decays), p) < 1e-12
      }),
      { numRuns: 150 },
    )
  })

  it('is chain(scaleByAdam, addWeightDecay(λ, mask), scaleByLearningRate), bit for bit, with optax’s default λ = 1e-4', () => {
    const p = { w: tensor([1, -2]), b: tensor([3]) }
    const gs = [{ w: tensor([0.5, 1]), b: tensor([-1]) }, { w: tensor([2, -1]), b: tensor([0.25]) }]
    const mask = { w: true, b: false }
    const a = optim.adamw({ learningRate: 0.1, mask })
    const b = optim.chain(optim.scaleByAdam(), optim.addWeightDecay(1e-4, mask), optim.scaleByLearningRate(0.1))
    let [pa, sa, pb, sb] = [p, a.init(p), p, b.init(p)] as const
    for (const g of gs) {
      ;[pa, sa] = optim.step(a)(pa, sa, g)
      ;[pb, sb] = optim.step(b)(pb, sb, g)
    }
    expect(treesEqual(pa, pb)).toBe(true)
    expect(statesEqual(sa, sb)).toBe(true)
  })

  it('bad masks are refused, naming the optimizer, the path and what the mask has there', () => {
    const p = { layers: [{ w: tensor([1]), b: tensor([1]) }] }
    const run = (mask: optim.MaskOption) => () => optim.adamw({ learningRate: 0.1, mask }).update(p, optim.adamw({ learningRate: 0.1 }).init(p), p)
    expect(errorOf(run({ layers: [{ w: true }] }))).toBe('optim.adamw: mask at layers.0 has no "b", which the params have')
    expect(errorOf(run({ layers: [{ w: true, b: false, c: true }] }))).toBe('optim.adamw: mask at layers.0 has "c", which the params do not')
    expect(errorOf(run({ layers: [true, false] }))).toBe('optim.adamw: mask at layers must be a boolean or an array of 1 like the params, got an array of 2')
    expect(errorOf(run({ layers: [{ w: { x: true }, b: true }] }))).toBe('optim.adamw: mask at layers.0.w must be a boolean (the params have a tensor there), got an object (Object)')
    expect(errorOf(() => optim.adamw({ learningRate: 0.1, mask: { w: 1 } as never }))).toBe('optim.adamw: mask at w must be a boolean, an array or a record of booleans, or a function of the params, got 1')
  })
})

describe('clipByGlobalNorm', () => {
  const vals = (t: Tree): number[] => tree.leaves(t).flatMap((l) => Array.from(l.toTypedArray()))

  it('matches optax’s formula against a float64 definition: g when ‖g‖ < M, else (g/‖g‖)·M', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 5, noNaN: true }), problems64, (M, p) =>
        p.grads.every((g) => {
          const xs = vals(g)
          const n = Math.sqrt(xs.reduce((a, x) => a + x * x, 0))
          const tx = optim.clipByGlobalNorm(M)
          const got = vals(tx.update(g, tx.init(g), g)[0])
          return got.every((y, k) => Math.abs(y - (n < M ? xs[k]! : (xs[k]! / n) * M)) <= 1e-14 * Math.max(1, M))
        }),
      ),
      { numRuns: 200 },
    )
  })

  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: never increases the global norm, is the identity (bit for bit) below maxNorm, and ends at most at maxNorm`, () => {
      const ulp = dtype === 'float32' ? 2 ** -22 : 2 ** -50
      fc.assert(
        fc.property(fc.double({ min: 1e-3, max: 10, noNaN: true }), optimProblemArb({ dtype }), (M, p) =>
          p.grads.every((g) => {
            const tx = optim.clipByGlobalNorm(M)
            const [u] = tx.update(g, tx.init(g), g)
            const before = optim.globalNorm(g).item()
            const after = optim.globalNorm(u).item()
            const identity = before < M ? treesEqual(u, g) : true
            return identity && after <= before * (1 + ulp) && after <= M * (1 + ulp)
          }),
        ),
        { numRuns: 200 },
      )
    })
  }

  it('optax’s test: clipping to 1/i leaves norm 1/i, and clipping again changes nothing', () => {
    // optax transforms/_clipping_test.py, test_clip_by_global_norm.
    let updates: Tree = { a: tensor([[3, 4], [1, -2]]), b: [tensor([0.5, 12])] }
    const original = updates
    for (let i = 1; i <= 5; i++) {
      const tx = optim.clipByGlobalNorm(1 / i)
      updates = tx.update(updates, tx.init(updates), updates)[0]
      expect(optim.globalNorm(updates).item()).toBeCloseTo(1 / i, 6)
      const fresh = tx.update(original, tx.init(original), original)[0]
      expect(vals(fresh).every((x, k) => Math.abs(x - vals(updates)[k]!) < 1e-6)).toBe(true)
    }
  })

  it('zero updates stay zero; the global norm neither overflows nor underflows in float32', () => {
    const z = { w: tensor([0, 0]), b: tensor([-0]) }
    const tx = optim.clipByGlobalNorm(1)
    const [u] = tx.update(z, tx.init(z), z)
    expect(treesEqual(u, z)).toBe(true)
    // (3e30)² overflows float32; optax's sum of squares would be ∞ and clip everything to 0.
    const big = { w: tensor([3e30]), b: [tensor([4e30])] }
    expect(optim.globalNorm(big).item()).toBe(Math.fround(5e30))
    const [c] = tx.update(big, tx.init(big), big)
    expect(vals(c).map((x) => Math.round(x * 1e6) / 1e6)).toEqual([0.6, 0.8])
    expect(optim.globalNorm({ w: tensor([3e-30, 4e-30]) }).item()).toBeCloseTo(5e-30, 36)
    expect(optim.globalNorm({}).item()).toBe(0)
    expect(optim.globalNorm({ a: tensor([3]), b: tensor([4], 'float64') }).dtype).toBe('float64')
  })

  it('bad maxNorm is refused when made', () => {
    expect(errorOf(() => optim.clipByGlobalNorm(0))).toBe('optim.clipByGlobalNorm: maxNorm must be a positive finite number, got 0')
    expect(errorOf(() => optim.clipByGlobalNorm(NaN))).toBe('optim.clipByGlobalNorm: maxNorm must be a positive finite number, got NaN')
    expect(errorOf(() => optim.clipByGlobalNorm(Infinity))).toBe('optim.clipByGlobalNorm: maxNorm must be a positive finite number, got Infinity')
  })
})

describe('bad options are refused when made, naming the function, the argument and the value', () => {
  it('rmsprop, scaleByRms, scaleByStddev, adagrad, scaleByRss, adamw', () => {
    expect(errorOf(() => optim.rmsprop({ learningRate: 0.1, decay: 1 }))).toBe('optim.rmsprop: decay must be in [0, 1), got 1')
    expect(errorOf(() => optim.rmsprop({ learningRate: 0.1, eps: -1 }))).toBe('optim.rmsprop: eps must be a finite number ≥ 0, got -1')
    expect(errorOf(() => optim.rmsprop({ learningRate: 0.1, initialScale: NaN }))).toBe('optim.rmsprop: initialScale must be a finite number ≥ 0, got NaN')
    expect(errorOf(() => optim.rmsprop({ learningRate: 0.1, momentum: 1 }))).toBe('optim.rmsprop: momentum must be in [0, 1), got 1')
    expect(errorOf(() => optim.rmsprop({ learningRate: -0.1 }))).toBe('optim.rmsprop: learningRate must be a finite number ≥ 0, got -0.1')
    expect(errorOf(() => optim.scaleByRms({ decay: -0.5 }))).toBe('optim.scaleByRms: decay must be in [0, 1), got -0.5')
    expect(errorOf(() => optim.scaleByStddev({ eps: Infinity }))).toBe('optim.scaleByStddev: eps must be a finite number ≥ 0, got Infinity')
    expect(errorOf(() => optim.adagrad({ learningRate: 0.1, initialAccumulatorValue: -1 }))).toBe('optim.adagrad: initialAccumulatorValue must be a finite number ≥ 0, got -1')
    expect(errorOf(() => optim.scaleByRss({ eps: -1e-7 }))).toBe('optim.scaleByRss: eps must be a finite number ≥ 0, got -1e-7')
    expect(errorOf(() => optim.adamw({ learningRate: 0.1, weightDecay: NaN }))).toBe('optim.adamw: weightDecay must be a finite number, got NaN')
    expect(errorOf(() => optim.adamw({ learningRate: 0.1, b1: 1 }))).toBe('optim.adamw: b1 must be in [0, 1), got 1')
  })
})

// The chain, identity and state laws of optim.test.ts draw the new stages too (gradientTransformationArb).
describe('the new stages round-trip through checkpoints', () => {
  const txs = {
    rmsprop: optim.rmsprop({ learningRate: 0.1 }),
    'centered rmsprop with momentum': optim.rmsprop({ learningRate: 0.1, centered: true, momentum: 0.9, biasCorrection: true }),
    adagrad: optim.adagrad({ learningRate: 0.1 }),
    'adamw with a mask': optim.adamw({ learningRate: 0.1, mask: { w: true, b: false } }),
    'clipping then adam': optim.chain(optim.clipByGlobalNorm(1), optim.adam({ learningRate: 0.1 })),
  } as const
  for (const [name, tx] of Object.entries(txs)) {
    it(`${name}: encodeCheckpoint → decodeCheckpoint gives the state back, and resuming gives the same step`, () => {
      const p = { w: tensor([[1, -2], [0.5, 3]]), b: tensor([0.25, -1]) }
      const g = { w: tensor([[0.5, 1], [-2, 0.1]]), b: tensor([1, -1]) }
      const t = tx as optim.GradientTransformation<unknown>
      const [, s1] = t.update(g, t.init(p), p)
      const bytes = io.encodeCheckpoint(p, { optState: s1 })
      const r = io.decodeCheckpoint(p, bytes, { optState: t.init(p) })
      if (E.isLeft(r)) throw r.left
      expect(statesEqual(r.right.optState, s1)).toBe(true)
      const [ua, sa] = t.update(g, s1, p)
      const [ub, sb] = t.update(g, r.right.optState, p)
      expect(treesEqual(ua, ub) && statesEqual(sa, sb)).toBe(true)
    })
  }

  it('a checkpoint of rmsprop is refused by adagrad, naming the stages', () => {
    const p = { w: tensor([1]) }
    const bytes = io.encodeCheckpoint(p, { optState: optim.rmsprop({ learningRate: 0.1 }).init(p) })
    const r = io.decodeCheckpoint(p, bytes, { optState: optim.adagrad({ learningRate: 0.1 }).init(p) })
    expect(E.isLeft(r) && r.left.message).toBe('optState: expected the state of a chain of 2 stages, got the state of a chain of 3 stages: the checkpoint was saved with a different optimizer')
  })
})
