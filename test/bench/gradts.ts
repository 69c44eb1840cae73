/**
 * grad-ts in the benchmark, through the public API, as three peers that share
 * one process and one backend singleton: `grad-ts` (the wasm backend on one
 * thread), `grad-ts-2t` (wasm, two threads) and `grad-ts-js` (the JavaScript
 * reference backend). Each peer installs its backend and thread count right
 * before every setup and every timed run (untimed), so the peers can take turns.
 *
 * Everything library-specific sits in `matmulOnce`, `denseMatmuls`,
 * `makeMlpStep`, `makeMlpDropoutStep`, `convQuantities` and `makeLenetStep`;
 * the peers only time them. For the
 * wasm peers every measurement also reports the time and bytes spent copying
 * between typed arrays and the WebAssembly memory during its timed runs (the
 * backend's internal counters, read from src — this is our own test code).
 */
import {
  type Tensor, add, concat, conv, expandDims, fromTypedArray, getBackend, grad, matmul, maxPool, reshape, slice, vmap, vjp, mul, nn, optim, random, relu, setBackend, setThreads,
  softmaxCrossEntropy, sub, tree, valueAndGrad, zeros,
} from '../../src/index.js'
import { backend } from '../../src/backend/backend.js'
import type { WasmBackend } from '../../src/backend/wasm/index.js'
import {
  type ConvCase, type ConvQuantity, type ConvRun, type Detail, type ElementwiseCase, type LenetInit, type MaskCase, type MaskRun, type MatmulCase, type MlpDropoutInit, type MlpInit, type MlpRun, type Peer,
  type PerExampleCase, type Timed, storedShapes,
} from './peer.js'

/** The product of the plain matmul rows: A·B. */
export const matmulOnce = (a: Tensor, b: Tensor): Tensor => matmul(a, b)

/** The three products of a dense layer's training step, for x [batch,in], W [in,out], dy [batch,out]. */
export const denseMatmuls = {
  forward: (x: Tensor, w: Tensor): Tensor => matmul(x, w),
  inputGrad: (dy: Tensor, w: Tensor): Tensor => matmul(dy, w, { transposeB: true }),
  weightGrad: (x: Tensor, dy: Tensor): Tensor => matmul(x, dy, { transposeA: true }),
} as const

// A `type`, not an `interface`: parameter trees need an index signature.
type Params = { readonly w: readonly Tensor[]; readonly b: readonly Tensor[] }

/** Mean softmax cross-entropy of the ReLU MLP. */
const loss = (p: Params, x: Tensor, labels: Tensor): Tensor => {
  let h = x
  p.w.forEach((w, l) => {
    const z = add(matmul(h, w), p.b[l]!)
    h = l < p.w.length - 1 ? relu(z) : z
  })
  return softmaxCrossEntropy(h, labels)
}

/** A training step of the MLP (SGD with momentum: v ← μ·v + g, p ← p − lr·v); each call returns the loss. */
export const makeMlpStep = (init: MlpInit): (() => number) => {
  const { sizes, batch, learningRate: lr, momentum: mu } = init
  let params: Params = {
    w: init.weights.map((w, l) => fromTypedArray(w, [sizes[l]!, sizes[l + 1]!])),
    b: init.biases.map((b) => fromTypedArray(b)),
  }
  let velocity: Params = tree.map((p) => zeros(p.shape, p.dtype))(params)
  const x = fromTypedArray(init.x, [batch, sizes[0]!])
  const labels = fromTypedArray(init.labels, [batch])
  return () => {
    const [value, g] = valueAndGrad(loss)(params, x, labels)
    velocity = tree.zipWith((v, gi) => add(mul(v, mu), gi))(velocity, g)
    params = tree.zipWith((p, v) => sub(p, mul(v, lr)))(params, velocity)
    return value.item()
  }
}

/**
 * A training step of the MLP with dropout and max-norm, all from the library:
 * `nn.mlp` in Train mode (inverted dropout, masks drawn from the step's key),
 * `optim.momentum` (Δ ← μΔ + g, w ← w − lr·Δ) and `optim.maxNorm` on the weight
 * matrices (axis 0: each column, a unit's incoming weights). Step s uses the key
 * `random.foldIn(random.key(seed), s)`, made by `nextKey` before the clock starts.
 */
export const makeMlpDropoutStep = (init: MlpDropoutInit): { readonly nextKey: () => random.Key; readonly step: (k: random.Key) => number } => {
  const { sizes, batch } = init
  const spec: nn.MlpSpec = { sizes, dropout: { input: { keep: init.keepInput }, hidden: { keep: init.keepHidden }, convention: 'inverted' } }
  let params: nn.MlpParams = {
    layers: init.weights.map((w, l) => ({ w: fromTypedArray(w, [sizes[l]!, sizes[l + 1]!]), b: fromTypedArray(init.biases[l]!) })),
  }
  const train = optim.step(
    optim.momentum({ learningRate: init.learningRate, momentum: init.momentum }),
    optim.onLeaves(/(^|\.)w$/, optim.maxNorm({ c: init.maxNorm })),
  )
  let state = train.init(params)
  const x = fromTypedArray(init.x, [batch, sizes[0]!])
  const labels = fromTypedArray(init.labels, [batch])
  const root = random.key(init.seed)
  let s = 0
  return {
    nextKey: () => random.foldIn(root, s++),
    step: (k) => {
      const lossOf = (p: nn.MlpParams): Tensor => softmaxCrossEntropy(random.evaluate(k)(nn.mlp(spec, p, x, nn.Train)), labels)
      const [value, g] = valueAndGrad(lossOf)(params)
      ;[params, state] = train(params, state, g)
      return value.item()
    },
  }
}

/**
 * The conv2d rows: `conv` (NHWC, HWIO, stride 1, SAME: its defaults) and its two
 * pullbacks from `vjp`, each made once in setup (the forward before the clock),
 * so a run is the pullback alone: `input` is dy against the filters, `filter` dy
 * against the input.
 */
export const convQuantities = (x: Tensor, filter: Tensor, q: ConvQuantity): ((operand: Tensor) => Tensor) => {
  if (q === 'forward') return (f) => conv(x, f)
  if (q === 'input') return vjp((xi: Tensor) => conv(xi, filter), x)[1]
  return vjp((fi: Tensor) => conv(x, fi), filter)[1]
}

// A `type`, not an `interface`: parameter trees need an index signature.
type LenetParams = { readonly conv: readonly nn.Dense[]; readonly dense: readonly nn.Dense[] }

/**
 * The lenet row's train step: `conv` + ReLU + `maxPool` twice, a dense ReLU
 * layer with `nn.dropout` (inverted, its mask from the step's key), a dense
 * output layer; `optim.momentum`, then `optim.maxNorm` on the conv filters per
 * output channel (axis [0, 1, 2] of HWIO) and on the dense weights per unit
 * (axis 0). Step s uses `random.foldIn(random.key(seed), s)`, made by `nextKey`
 * before the clock starts.
 */
export const makeLenetStep = (init: LenetInit): { readonly nextKey: () => random.Key; readonly step: (k: random.Key) => number } => {
  const { batch } = init
  const convShapes = [[5, 5, 1, 32], [5, 5, 32, 64]] as const
  const denseShapes = [[3136, 1024], [1024, 10]] as const
  let params: LenetParams = {
    conv: init.convWeights.map((w, l) => ({ w: fromTypedArray(w, convShapes[l]), b: fromTypedArray(init.convBiases[l]!) })),
    dense: init.denseWeights.map((w, l) => ({ w: fromTypedArray(w, denseShapes[l]), b: fromTypedArray(init.denseBiases[l]!) })),
  }
  const M = optim.getProjectionMonoid<LenetParams>()
  const train = optim.step(
    optim.momentum({ learningRate: init.learningRate, momentum: init.momentum }),
    M.concat(
      optim.onLeaves(/^conv\.\d+\.w$/, optim.maxNorm({ c: init.maxNorm, axis: [0, 1, 2] })),
      optim.onLeaves(/^dense\.\d+\.w$/, optim.maxNorm({ c: init.maxNorm })),
    ),
  )
  let state = train.init(params)
  const x = fromTypedArray(init.x, [batch, 28, 28, 1])
  const labels = fromTypedArray(init.labels, [batch])
  const dropout = nn.dropout({ keep: init.keep })
  const logits = (p: LenetParams): random.Random<Tensor> => {
    let h = x
    for (const { w, b } of p.conv) h = maxPool(relu(add(conv(h, w), b)), [2, 2], { strides: 2 })
    const [d1, d2] = p.dense as [nn.Dense, nn.Dense]
    const hidden = relu(add(matmul(reshape(h, [batch, 3136]), d1.w), d1.b))
    return random.map((d: Tensor) => add(matmul(d, d2.w), d2.b))(dropout(hidden))
  }
  const root = random.key(init.seed)
  let s = 0
  return {
    nextKey: () => random.foldIn(root, s++),
    step: (k) => {
      const lossOf = (p: LenetParams): Tensor => softmaxCrossEntropy(random.evaluate(k)(logits(p)), labels)
      const [value, g] = valueAndGrad(lossOf)(params)
      ;[params, state] = train(params, state, g)
      return value.item()
    },
  }
}

interface Config {
  readonly backend: 'wasm' | 'js'
  readonly threads: number
}

/** The wasm backend when it is the current one (for its copy counters and memory size). */
const wasmBackend = (): WasmBackend | undefined => {
  const b = backend()
  return b.name === 'wasm' ? (b as WasmBackend) : undefined
}

/** Makes `config` the current backend and thread count (and checks that it took). */
const install = (config: Config): void => {
  setBackend(config.backend)
  if (config.backend === 'wasm') setThreads(config.threads)
  const b = getBackend()
  if (b.name !== config.backend || (config.backend === 'wasm' && b.threads !== config.threads)) {
    throw new Error(`grad-ts bench: wanted ${config.backend} on ${config.threads} thread(s), have ${b.name} on ${b.threads}`)
  }
}

/** Per run: its time and the copies at the seam during it. */
interface RunRecord { readonly ms: number; readonly copyMs: number; readonly bytes: number; readonly copies: number }

/**
 * The grad-ts wasm peer that ran last. The wasm peers share one backend, so
 * one memory arena: a step of one evicts what the other left resident there
 * (its parameters, say), which a training loop running alone never sees.
 */
let lastWasmPeer: string | undefined

interface TimedOptions {
  /** Untimed, before each run (after the configuration is installed): fresh operands, keys. */
  readonly before?: () => void
  /**
   * Untimed, before a run that follows another wasm peer's: one step more, so
   * that the timed step starts from what the previous step of its own loop left
   * in the arena, as in a loop running alone (the MLP rows).
   */
  readonly settle?: () => void
}

/**
 * A timed body with the configuration installed before the clock starts, and
 * the wasm backend's copy counters read around it: `detail(runs)` reports the
 * share of the last `runs` runs' time spent copying and the bytes copied per run.
 */
const timedWith = (name: string, config: Config, prepare: () => () => void, options: TimedOptions = {}): Timed => {
  install(config)
  const records: RunRecord[] = []
  const body = prepare()
  let settled = 0
  return {
    run: () => {
      install(config)
      options.before?.()
      const w = wasmBackend()
      if (w !== undefined) {
        // Not before the first run: there is no previous step of its own to start from (and the warm-up steps stay the same count everywhere).
        if (records.length > 0 && lastWasmPeer !== name && options.settle !== undefined) {
          options.settle()
          settled++
        }
        lastWasmPeer = name
      }
      const c0 = w === undefined ? undefined : { ...w.copies }
      const t0 = performance.now()
      body()
      const ms = performance.now() - t0
      if (w !== undefined && c0 !== undefined) {
        const c = w.copies
        records.push({ ms, copyMs: c.ms - c0.ms, bytes: c.bytesIn + c.bytesOut - c0.bytesIn - c0.bytesOut, copies: c.copies - c0.copies })
      }
      return Promise.resolve(ms)
    },
    dispose: () => undefined,
    detail: (runs: number): Detail => {
      const rs = records.slice(-runs)
      if (config.backend !== 'wasm' || rs.length === 0) return { backend: config.backend, threads: config.threads }
      const total = rs.reduce((s, r) => s + r.ms, 0)
      const copyMs = rs.reduce((s, r) => s + r.copyMs, 0)
      return {
        backend: config.backend,
        threads: config.threads,
        copyFraction: Number((copyMs / total).toFixed(4)),
        copyMsPerRun: Number((copyMs / rs.length).toFixed(3)),
        copyMiBPerRun: Number((rs.reduce((s, r) => s + r.bytes, 0) / rs.length / 2 ** 20).toFixed(2)),
        copiesPerRun: Number((rs.reduce((s, r) => s + r.copies, 0) / rs.length).toFixed(1)),
        ...(options.settle !== undefined ? { untimedSettleSteps: settled } : {}),
      }
    },
  }
}

/** A train step that draws from a fresh key each run (the dropout MLP's, LeNet's): the key before the clock, its loss kept. */
interface KeyedStep { readonly nextKey: () => random.Key; readonly step: (k: random.Key) => number }

/** Times a keyed step: its key drawn untimed before each run, one untimed step to settle after another wasm peer's. */
const keyedStepRun = (name: string, config: Config, make: () => KeyedStep): Promise<MlpRun> => {
  let last = NaN
  let k: random.Key | undefined
  let m: KeyedStep | undefined
  const t = timedWith(name, config, () => {
    m = make()
    return () => (last = m!.step(k!))
  }, { before: () => (k = m!.nextKey()), settle: () => m!.step(m!.nextKey()) })
  return Promise.resolve({ ...t, loss: () => Promise.resolve(last) })
}

const peer = (name: string, config: Config): Peer => ({
  name,
  matmul: (c: MatmulCase, a, fresh) => {
    if (c.transA && c.transB) throw new Error('grad-ts bench: Aᵀ·Bᵀ is not one of the rows')
    // A·B is `matmulOnce`; A·Bᵀ is the dense layer's dy·Wᵀ, Aᵀ·B its xᵀ·dy.
    const product = c.transB ? denseMatmuls.inputGrad : c.transA ? denseMatmuls.weightGrad : matmulOnce
    const shapes = storedShapes(c)
    let B: Tensor | undefined
    return Promise.resolve(timedWith(name, config, () => {
      const A = fromTypedArray(a, shapes.a)
      return () => product(A, B!)
    }, { before: () => (B = fromTypedArray(fresh(), shapes.b)) })) // a new right operand (fromTypedArray copies)
  },
  elementwise: (c: ElementwiseCase) => {
    let xs: readonly Tensor[] = []
    return Promise.resolve(timedWith(name, config, () => () => add(mul(xs[0]!, xs[1]!), xs[2]!), { before: () => (xs = c.fresh().map((d) => fromTypedArray(d))) }))
  },
  bernoulli: (c: MaskCase): Promise<MaskRun> => {
    const root = random.key(c.seed)
    let i = 0
    let k: random.Key | undefined
    const t = timedWith(name, config, () => () => random.bernoulli(k!, c.p, c.shape), { before: () => (k = random.foldIn(root, i++)) }) // a fresh key per run
    return Promise.resolve({
      ...t,
      mask: (words) => {
        install(config)
        return Promise.resolve(random.bernoulli(random.wrapKeyData(words), c.p, c.shape).toTypedArray() as Uint8Array)
      },
    })
  },
  mlp: (init: MlpInit): Promise<MlpRun> => {
    let last = NaN
    let step: (() => number) | undefined
    const t = timedWith(name, config, () => {
      step = makeMlpStep(init)
      return () => (last = step!())
    }, { settle: () => step!() })
    return Promise.resolve({ ...t, loss: () => Promise.resolve(last) })
  },
  mlpDropout: (init: MlpDropoutInit): Promise<MlpRun> => keyedStepRun(name, config, () => makeMlpDropoutStep(init)),
  perExample: (c: PerExampleCase, how: 'vmap' | 'loop'): Promise<Timed> =>
    Promise.resolve(timedWith(name, config, () => {
      const params = { w: c.weights.map((w, l) => fromTypedArray(w, [c.sizes[l]!, c.sizes[l + 1]!])), b: c.biases.map((b) => fromTypedArray(b)) }
      const xs = fromTypedArray(c.x, [c.batch, c.sizes[0]!])
      const ys = fromTypedArray(c.labels, [c.batch])
      const one = (p: Params, x: Tensor, y: Tensor): Tensor => loss(p, expandDims(x, { axis: 0 }), expandDims(y, { axis: 0 }))
      if (how === 'vmap') {
        const perExample = vmap(grad(one), { inAxes: [null, 0, 0] })
        return () => perExample(params, xs, ys)
      }
      const rows = Array.from({ length: c.batch }, (_, i) => [reshape(slice(xs, [i, 0], [i + 1, c.sizes[0]!]), [c.sizes[0]!]), reshape(slice(ys, [i], [i + 1]), [])] as const)
      // The loop a user writes without vmap: one gradient per example, then stacked leaf by leaf.
      return () => {
        const gs = rows.map(([x, y]) => grad(one)(params, x, y))
        const leaves = gs.map((g) => tree.leaves(g))
        return tree.unflatten(gs[0]!, leaves[0]!.map((_, j) => concat(leaves.map((l) => expandDims(l[j]!, { axis: 0 })))))
      }
    })),
  conv2d: (c: ConvCase, q: ConvQuantity): Promise<ConvRun> => {
    let operand: Tensor | undefined
    let last: Tensor | undefined
    const t = timedWith(name, config, () => {
      const x = fromTypedArray(c.x, [c.n, c.h, c.w, c.c])
      const filter = fromTypedArray(c.filter, [c.kh, c.kw, c.c, c.o])
      const f = convQuantities(x, filter, q)
      return () => (last = f(operand!))
    }, { before: () => (operand = q === 'forward' ? fromTypedArray(c.filter, [c.kh, c.kw, c.c, c.o]) : fromTypedArray(c.dy, [c.n, c.h, c.w, c.o])) })
    return Promise.resolve({
      ...t,
      result: () => {
        install(config)
        return Promise.resolve(last!.toTypedArray() as Float32Array)
      },
    })
  },
  lenet: (init: LenetInit): Promise<MlpRun> => keyedStepRun(name, config, () => makeLenetStep(init)),
  wasmMemoryBytes: () => (config.backend === 'wasm' ? wasmBackend()?.memoryBytes() : undefined),
})

/** grad-ts on the wasm backend, one thread. */
export const gradTs: Peer = peer('grad-ts', { backend: 'wasm', threads: 1 })
/** grad-ts on the wasm backend, two threads. */
export const gradTs2t: Peer = peer('grad-ts-2t', { backend: 'wasm', threads: 2 })
/** grad-ts on the JavaScript backend. */
export const gradTsJs: Peer = peer('grad-ts-js', { backend: 'js', threads: 1 })
