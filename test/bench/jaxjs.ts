/**
 * jax-js 0.1.25 as two peers, on its `wasm` device: eager op-by-op dispatch, and
 * the same code under `jit` (traced once, then run as fused compiled kernels).
 * Under Node, jax-js runs single-threaded: its worker pool needs a global
 * `Worker`, which Node does not have.
 *
 * How jax-js must be driven (its README, "Reference counting"):
 * - every function takes ownership of its array arguments and frees them; pass
 *   `x.ref` (count +1) to keep using `x`, and `dispose()` what you no longer need;
 * - work is lazy and asynchronous: `blockUntilReady` (which does not consume) is
 *   what the clock waits for; `data()` consumes the array it reads.
 * Every array made here is consumed or disposed exactly once, so memory stays flat.
 *
 * Its convolution, `lax.convGeneralDilated`, takes NCHW inputs and OIHW filters
 * only (no dimension numbers), so the conv and lenet rows lay the shared NHWC/HWIO
 * data out as NCHW/OIHW during setup (untimed) and run in that layout throughout;
 * results are laid back out as NHWC/HWIO for the cross-checks.
 *
 * Randomness is JAX's threefry (partitionable): `random.split(k)` is
 * [fold_in(k, 0), fold_in(k, 1)] and `bits` hashes the counters (0, i), as in
 * grad-ts, so the same key words give the same masks; the bench checks it.
 */
import { type Array as JaxArray, blockUntilReady, defaultDevice, init, jit, lax, nn, numpy as np, random, tree, valueAndGrad, vjp } from '@jax-js/jax'
import {
  type ConvCase, type ConvQuantity, type ConvRun, type ElementwiseCase, type LenetInit, permuted, type KeyWords, type MaskCase, type MaskRun, type MatmulCase, type MlpDropoutInit, type MlpInit, type MlpRun, type Peer,
  type Timed, storedShapes,
} from './peer.js'

let ready: Promise<void> | undefined
const start = (): Promise<void> =>
  (ready ??= init('wasm').then((devices) => {
    if (!devices.includes('wasm')) throw new Error('jax-js: the wasm device is unavailable')
    defaultDevice('wasm')
  }))

/**
 * An array from typed data. jax-js 0.1.25 cannot take a Float64Array under Node 20
 * (it tests `instanceof Float16Array`, a global Node 20 lacks), so float64 data is
 * passed as float32 and cast on the device: the values are rounded to float32,
 * which changes no timing.
 */
const fromData = (data: Float32Array | Float64Array, shape: readonly number[]): JaxArray =>
  data instanceof Float64Array ? np.array(Float32Array.from(data)).reshape([...shape]).astype(np.float64) : np.array(data).reshape([...shape])

const F64_NOTE = 'operands made as float32 and cast to float64 on the device: jax-js 0.1.25 cannot take a Float64Array under Node 20 (it tests instanceof Float16Array)'

const matmul = async (jitted: boolean, c: MatmulCase, a: Float32Array | Float64Array, fresh: () => Float32Array | Float64Array): Promise<Timed> => {
  await start()
  const shapes = storedShapes(c)
  const dtype = c.dtype ?? 'float32'
  const product = (x: JaxArray, y: JaxArray): JaxArray =>
    np.matmul(c.transA ? np.transpose(x) : x, c.transB ? np.transpose(y) : y)
  const compiled = jitted ? jit(product) : null
  const f = compiled ?? product
  const A = await blockUntilReady(fromData(a, shapes.a))
  if ((A.dtype as string) !== dtype) throw new Error(`jax-js: A is ${A.dtype}, wanted ${dtype}`)
  const run = async (): Promise<number> => {
    const B = await blockUntilReady(fromData(fresh(), shapes.b))
    const t0 = performance.now()
    const C = await blockUntilReady(f(A.ref, B)) // consumes the new reference to A, and B
    const t = performance.now() - t0
    const wrong = (C.dtype as string) !== dtype ? C.dtype : undefined
    C.dispose()
    if (wrong !== undefined) throw new Error(`jax-js: the product is ${wrong}, wanted ${dtype}`)
    return t
  }
  return {
    run,
    dispose: () => {
      A.dispose()
      compiled?.dispose()
    },
    ...(dtype === 'float64' ? { detail: () => ({ note: F64_NOTE }) } : {}),
  }
}

const elementwise = async (jitted: boolean, c: ElementwiseCase): Promise<Timed> => {
  await start()
  const fma = (x: JaxArray, y: JaxArray, z: JaxArray): JaxArray => x.mul(y).add(z)
  const compiled = jitted ? jit(fma) : null
  const f = compiled ?? fma
  const run = async (): Promise<number> => {
    const [x, y, z] = await blockUntilReady(c.fresh().map((d) => np.array(d)))
    const t0 = performance.now()
    const r = await blockUntilReady(f(x!, y!, z!))
    const t = performance.now() - t0
    r.dispose()
    return t
  }
  return { run, dispose: () => compiled?.dispose() }
}

/** A key array of two uint32 words. */
const keyOf = (w: KeyWords): JaxArray => np.array(new Uint32Array(w), { dtype: np.uint32 })

const bernoulli = async (jitted: boolean, c: MaskCase): Promise<MaskRun> => {
  await start()
  const draw = (k: JaxArray): JaxArray => random.bernoulli(k, c.p, [...c.shape])
  const compiled = jitted ? jit(draw) : null
  const f = compiled ?? draw
  let i = 0
  const run = async (): Promise<number> => {
    const k = await blockUntilReady(keyOf(c.key(i++))) // a fresh key per run, before the clock
    const t0 = performance.now()
    const m = await blockUntilReady(f(k))
    const t = performance.now() - t0
    m.dispose()
    return t
  }
  const mask = async (w: KeyWords): Promise<Uint8Array> => {
    const data: unknown = await f(keyOf(w)).data()
    return Uint8Array.from(data as ArrayLike<number>)
  }
  return { run, mask, dispose: () => compiled?.dispose() }
}

type Params = Record<string, JaxArray>

const paramsOf = (init: MlpInit): { params: Params; velocity: Params } => {
  const { sizes } = init
  const params: Params = {}
  const velocity: Params = {}
  for (let l = 0; l < sizes.length - 1; l++) {
    params[`w${l}`] = fromData(init.weights[l]!, [sizes[l]!, sizes[l + 1]!])
    params[`b${l}`] = np.array(init.biases[l]!)
    velocity[`w${l}`] = np.zeros([sizes[l]!, sizes[l + 1]!])
    velocity[`b${l}`] = np.zeros([sizes[l + 1]!])
  }
  return { params, velocity }
}

/** Reads a scalar loss through a new reference (`data()` consumes). Its declared type names Float16Array, which TypeScript's ES2022 library lacks. */
const readLoss = async (last: JaxArray | null): Promise<number> => {
  if (last === null) return NaN
  const data: unknown = await last.ref.data()
  return (data as ArrayLike<number>)[0] ?? NaN
}

const mlp = async (jitted: boolean, init: MlpInit): Promise<MlpRun> => {
  await start()
  const { sizes, batch, learningRate: lr, momentum: mu } = init
  const layers = sizes.length - 1
  let { params, velocity } = paramsOf(init)
  const x = fromData(init.x, [batch, sizes[0]!])
  const y = nn.oneHot(np.array(init.labels, { dtype: np.int32 }), sizes[layers]!)
  // Mean softmax cross-entropy; each parameter and input is used exactly once.
  const loss = (p: Params, xs: JaxArray, ys: JaxArray): JaxArray => {
    let h = xs
    for (let l = 0; l < layers; l++) {
      const z = np.matmul(h, p[`w${l}`]!).add(p[`b${l}`]!)
      h = l < layers - 1 ? nn.relu(z) : z
    }
    return nn.logSoftmax(h).mul(ys).sum().mul(-1 / batch)
  }
  // One step: gradients, then v ← μ·v + g and p ← p − lr·v. Consumes all four arguments.
  const step = (p: Params, v: Params, xs: JaxArray, ys: JaxArray): [Params, Params, JaxArray] => {
    const [value, grads] = valueAndGrad(loss)(tree.ref(p), xs, ys)
    const v2 = tree.map((vi: JaxArray, g: JaxArray) => vi.mul(mu).add(g), v, grads)
    const p2 = tree.map((pi: JaxArray, vi: JaxArray) => pi.sub(vi.mul(lr)), p, tree.ref(v2))
    return [p2, v2, value]
  }
  const compiled = jitted ? jit(step) : null
  const f = compiled ?? step
  await blockUntilReady([params, velocity, x, y])
  let last: JaxArray | null = null
  const run = async (): Promise<number> => {
    const t0 = performance.now()
    const [p2, v2, value] = f(params, velocity, x.ref, y.ref)
    await blockUntilReady([p2, v2, value])
    const t = performance.now() - t0
    params = p2
    velocity = v2
    last?.dispose()
    last = value
    return t
  }
  return {
    run,
    loss: () => readLoss(last),
    dispose: () => {
      last?.dispose()
      tree.dispose([params, velocity, x, y])
      compiled?.dispose()
    },
  }
}

/**
 * The MLP step with dropout and max-norm. The masks follow grad-ts's `nn.mlp`
 * in Train mode: each draw splits the running key into [next, sub] and draws
 * Bernoulli(keep) from sub; inverted dropout is `where(mask, h / keep, 0)`.
 * Max-norm scales each column of each weight matrix by c/‖w‖ where ‖w‖ > c and
 * keeps it where ‖w‖ ≤ c.
 */
const mlpDropout = async (jitted: boolean, init: MlpDropoutInit): Promise<MlpRun> => {
  await start()
  const { sizes, batch, learningRate: lr, momentum: mu, keepInput, keepHidden, maxNorm: c } = init
  const layers = sizes.length - 1
  const { params, velocity } = paramsOf(init)
  const x = fromData(init.x, [batch, sizes[0]!])
  const y = nn.oneHot(np.array(init.labels, { dtype: np.int32 }), sizes[layers]!)
  const loss = (p: Params, xs: JaxArray, ys: JaxArray, key: JaxArray): JaxArray => {
    let k = key
    const drop = (h: JaxArray, keep: number): JaxArray => {
      const [next, sub] = np.unstack(random.split(k, 2))
      k = next!
      const shape = h.shape
      return np.where(random.bernoulli(sub!, keep, shape), h.div(keep), 0)
    }
    let h = drop(xs, keepInput)
    for (let l = 0; l < layers; l++) {
      const z = np.matmul(h, p[`w${l}`]!).add(p[`b${l}`]!)
      h = l < layers - 1 ? drop(nn.relu(z), keepHidden) : z
    }
    k.dispose()
    return nn.logSoftmax(h).mul(ys).sum().mul(-1 / batch)
  }
  // ‖w[:, j]‖ ≤ c: keep; else scale by c/‖w[:, j]‖ (w·1 is w to the bit).
  const project = (w: JaxArray): JaxArray => {
    const n = np.sqrt(w.ref.mul(w.ref).sum(0, { keepdims: true }))
    const inside = n.ref.lessEqual(c)
    return w.mul(np.where(inside, 1, np.divide(c, n)))
  }
  return momentumRun({ jitted, loss, project: (name, leaf) => (name.startsWith('w') ? project(leaf) : leaf), params, velocity, x, y, lr, mu, stepKey: init.stepKey })
}

/**
 * A timed train step with a fresh key: the loss's value and gradients, SGD
 * momentum (v ← μ·v + g, p ← p − lr·v), then `project` on each new parameter
 * by name; the key is made before the clock.
 */
const momentumRun = async (o: {
  readonly jitted: boolean
  readonly loss: (p: Params, xs: JaxArray, ys: JaxArray, key: JaxArray) => JaxArray
  readonly project: (name: string, leaf: JaxArray) => JaxArray
  readonly params: Params
  readonly velocity: Params
  readonly x: JaxArray
  readonly y: JaxArray
  readonly lr: number
  readonly mu: number
  readonly stepKey: (s: number) => KeyWords
  readonly detail?: () => Record<string, string>
}): Promise<MlpRun> => {
  const { loss, project, x, y, lr, mu } = o
  let { params, velocity } = o
  const step = (p: Params, v: Params, xs: JaxArray, ys: JaxArray, key: JaxArray): [Params, Params, JaxArray] => {
    const [value, grads] = valueAndGrad(loss)(tree.ref(p), xs, ys, key)
    const v2 = tree.map((vi: JaxArray, g: JaxArray) => vi.mul(mu).add(g), v, grads)
    const p2 = tree.map((pi: JaxArray, vi: JaxArray) => pi.sub(vi.mul(lr)), p, tree.ref(v2))
    const p3: Params = {}
    for (const [name, leaf] of Object.entries(p2)) p3[name] = project(name, leaf)
    return [p3, v2, value]
  }
  const compiled = o.jitted ? jit(step) : null
  const f = compiled ?? step
  await blockUntilReady([params, velocity, x, y])
  let last: JaxArray | null = null
  let s = 0
  const run = async (): Promise<number> => {
    const key = await blockUntilReady(keyOf(o.stepKey(s++))) // before the clock
    const t0 = performance.now()
    const [p2, v2, value] = f(params, velocity, x.ref, y.ref, key)
    await blockUntilReady([p2, v2, value])
    const t = performance.now() - t0
    params = p2
    velocity = v2
    last?.dispose()
    last = value
    return t
  }
  return {
    run,
    loss: () => readLoss(last),
    dispose: () => {
      last?.dispose()
      tree.dispose([params, velocity, x, y])
      compiled?.dispose()
    },
    ...(o.detail === undefined ? {} : { detail: o.detail }),
  }
}

/** A float32 array of `shape` from data laid out as `shape` permuted by `perm` (`np.transpose` done on the typed data, so the device holds a plain array). */
const laidOut = (data: Float32Array, shape: readonly number[], perm: readonly number[]): JaxArray =>
  np.array(permuted(data, shape, perm)).reshape(perm.map((a) => shape[a]!))

const NHWC_TO_NCHW = [0, 3, 1, 2] as const
const NCHW_TO_NHWC = [0, 2, 3, 1] as const
const HWIO_TO_OIHW = [3, 2, 0, 1] as const
const OIHW_TO_HWIO = [2, 3, 1, 0] as const

/** The SAME, stride-1 convolution of the conv rows and the lenet net, NCHW/OIHW. */
const conv2d = (x: JaxArray, w: JaxArray): JaxArray => lax.convGeneralDilated(x, w, [1, 1], 'SAME')

/**
 * The conv rows. `forward` is `conv2d(x, filter)`; `input` and `filter` are the
 * pullbacks of `vjp` for dy, run on the forward made before the clock (eager:
 * `vjp` is called untimed, the pullback timed). Under jit the whole function —
 * `vjp`, then its pullback — is one compiled program: the forward's output is
 * unused there, and its time in this row stays close to the forward's, so jit
 * does not appear to compute it.
 */
const conv = async (jitted: boolean, c: ConvCase, q: ConvQuantity): Promise<ConvRun> => {
  await start()
  const xShape = [c.n, c.h, c.w, c.c], fShape = [c.kh, c.kw, c.c, c.o], yShape = [c.n, c.h, c.w, c.o]
  const x = laidOut(c.x, xShape, NHWC_TO_NCHW)
  const filter = laidOut(c.filter, fShape, HWIO_TO_OIHW)
  const fresh = (): JaxArray => (q === 'forward' ? laidOut(c.filter, fShape, HWIO_TO_OIHW) : laidOut(c.dy, yShape, NHWC_TO_NCHW))
  await blockUntilReady([x, filter])
  // Each takes ownership of its arguments (x, filter, operand) and returns one array.
  const pullback = (xi: JaxArray, fi: JaxArray, dy: JaxArray): JaxArray => {
    const [y, pull] = q === 'input' ? vjp((a: JaxArray) => conv2d(a, fi), [xi]) : vjp((b: JaxArray) => conv2d(xi, b), [fi])
    y.dispose()
    const [g] = pull(dy)
    pull.dispose()
    return g
  }
  const compiledForward = jitted && q === 'forward' ? jit(conv2d) : null
  const compiledPullback = jitted && q !== 'forward' ? jit(pullback) : null
  let last: JaxArray | null = null
  const run = async (): Promise<number> => {
    const operand = await blockUntilReady(fresh())
    let t: number
    let r: JaxArray
    if (q === 'forward' || compiledPullback !== null) {
      const t0 = performance.now()
      r = await blockUntilReady(q === 'forward' ? (compiledForward ?? conv2d)(x.ref, operand) : compiledPullback!(x.ref, filter.ref, operand))
      t = performance.now() - t0
    } else {
      // Eager: the forward (inside vjp) before the clock, the pullback timed.
      const [y, pull] = q === 'input' ? vjp((a: JaxArray) => conv2d(a, filter.ref), [x.ref]) : vjp((b: JaxArray) => conv2d(x.ref, b), [filter.ref])
      await blockUntilReady(y)
      y.dispose()
      const t0 = performance.now()
      const [g] = pull(operand)
      r = await blockUntilReady(g)
      t = performance.now() - t0
      pull.dispose()
    }
    last?.dispose()
    last = r
    return t
  }
  const result = async (): Promise<Float32Array> => {
    if (last === null) throw new Error('jax-js: no run yet')
    const data: unknown = await last.ref.data()
    const shape = q === 'filter' ? [c.o, c.c, c.kh, c.kw] : [c.n, q === 'forward' ? c.o : c.c, c.h, c.w]
    return permuted(Float32Array.from(data as ArrayLike<number>), shape, q === 'filter' ? OIHW_TO_HWIO : NCHW_TO_NHWC)
  }
  return {
    run,
    result,
    dispose: () => {
      last?.dispose()
      tree.dispose([x, filter])
      compiledForward?.dispose()
      compiledPullback?.dispose()
    },
    detail: () => ({ layout: 'NCHW/OIHW (its only conv layout; data laid out in setup)', timed: q === 'forward' ? 'the conv' : jitted ? 'jit(vjp, then its pullback)' : 'the pullback (vjp before the clock)' }),
    compiles: jitted,
  }
}

/**
 * The LeNet step in NCHW/OIHW: the same network, parameters and batch as grad-ts's
 * (the dense layer's rows permuted from NHWC to NCHW flatten order, which is the
 * same function), with 2×2 max-pooling as a reshape to [n, c, h/2, 2, w/2, 2]
 * and a max over the two window axes (jax-js's `reduceWindow` takes no padding
 * and is not needed for a window that tiles the input). Dropout follows
 * `nn.dropout`: `[next, sub] = split(key)`, Bernoulli(keep) from sub, so the
 * masks are grad-ts's. Max-norm: conv filters per output channel (axes 1–3 of
 * OIHW), dense weights per column.
 */
const lenet = async (jitted: boolean, init: LenetInit): Promise<MlpRun> => {
  await start()
  const { batch, learningRate: lr, momentum: mu, keep, maxNorm: c } = init
  const convShapes = [[5, 5, 1, 32], [5, 5, 32, 64]]
  const params: Params = {
    c0: laidOut(init.convWeights[0]!, convShapes[0]!, HWIO_TO_OIHW),
    c1: laidOut(init.convWeights[1]!, convShapes[1]!, HWIO_TO_OIHW),
    cb0: np.array(init.convBiases[0]!),
    cb1: np.array(init.convBiases[1]!),
    // Rows in NHWC order (h, w, c) → NCHW order (c, h, w): [7, 7, 64, 1024] permuted to [64, 7, 7, 1024].
    d0: laidOut(init.denseWeights[0]!, [7, 7, 64, 1024], [2, 0, 1, 3]).reshape([3136, 1024]),
    d1: np.array(init.denseWeights[1]!).reshape([1024, 10]),
    db0: np.array(init.denseBiases[0]!),
    db1: np.array(init.denseBiases[1]!),
  }
  const velocity: Params = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, np.zeros(v.shape)]))
  const x = np.array(init.x).reshape([batch, 1, 28, 28]) // NHWC with one channel is NCHW
  const y = nn.oneHot(np.array(init.labels, { dtype: np.int32 }), 10)
  const pool = (h: JaxArray): JaxArray => {
    const [n, ch, hh, ww] = h.shape as [number, number, number, number]
    return np.max(h.reshape([n, ch, hh / 2, 2, ww / 2, 2]), [3, 5])
  }
  const loss = (p: Params, xs: JaxArray, ys: JaxArray, key: JaxArray): JaxArray => {
    let h = xs
    for (const l of [0, 1]) {
      const b = p[`cb${l}`]!
      h = pool(nn.relu(conv2d(h, p[`c${l}`]!).add(b.reshape([1, b.shape[0]!, 1, 1]))))
    }
    const hidden = nn.relu(np.matmul(h.reshape([batch, 3136]), p.d0!).add(p.db0!))
    const [next, sub] = np.unstack(random.split(key, 2))
    next!.dispose()
    const dropped = np.where(random.bernoulli(sub!, keep, hidden.shape), hidden.div(keep), 0)
    const logits = np.matmul(dropped, p.d1!).add(p.db1!)
    return nn.logSoftmax(logits).mul(ys).sum().mul(-1 / batch)
  }
  // ‖w‖ ≤ c over `axes` (one unit's incoming weights): keep; else scale by c/‖w‖.
  const project = (w: JaxArray, axes: number[]): JaxArray => {
    const n = np.sqrt(w.ref.mul(w.ref).sum(axes, { keepdims: true }))
    const inside = n.ref.lessEqual(c)
    return w.mul(np.where(inside, 1, np.divide(c, n)))
  }
  return momentumRun({
    jitted, loss, params, velocity, x, y, lr, mu, stepKey: init.stepKey,
    project: (name, leaf) => (/^c\d$/.test(name) ? project(leaf, [1, 2, 3]) : /^d\d$/.test(name) ? project(leaf, [0]) : leaf),
    detail: () => ({ layout: 'NCHW/OIHW; pooling as reshape + max' }),
  })
}

const peer = (jitted: boolean): Peer => ({
  name: jitted ? 'jax-js-jit' : 'jax-js',
  matmul: (c, a, fresh) => matmul(jitted, c, a, fresh),
  mlp: (init) => mlp(jitted, init),
  mlpDropout: (init) => mlpDropout(jitted, init),
  elementwise: (c) => elementwise(jitted, c),
  bernoulli: (c) => bernoulli(jitted, c),
  conv2d: (c, q) => conv(jitted, c, q),
  lenet: (init) => lenet(jitted, init),
})

export const jaxJs: Peer = peer(false)
export const jaxJsJit: Peer = peer(true)
