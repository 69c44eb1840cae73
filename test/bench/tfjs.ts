/**
 * TensorFlow.js 4.22 as two peers: its pure-JavaScript `cpu` backend and its
 * WebAssembly backend (XNNPACK, SIMD). In Node the wasm backend runs one thread
 * (tfjs turns off its threaded build under Node) and loads its .wasm files from
 * node_modules by file path, so no network is needed.
 *
 * Both backends share tfjs's global engine, so every prepared measurement first
 * makes its own backend current (untimed); tensors never move between backends.
 * Ops run eagerly and synchronously on both backends: the result is computed when
 * the op returns, so the clock stops there (reading data back is not timed).
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import {
  type ConvCase, type ConvQuantity, type ConvRun, type ElementwiseCase, type LenetInit, type MaskCase, type MaskRun, type MatmulCase, type MlpDropoutInit, type MlpInit, type MlpRun, type Peer, type Timed,
  Unsupported, storedShapes,
} from './peer.js'

const require = createRequire(import.meta.url)
setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/')
// Production mode: no per-op correctness checks, and no "install tfjs-node" banner.
tf.enableProdMode()

type Backend = 'cpu' | 'wasm'

const use = async (backend: Backend): Promise<void> => {
  if (tf.getBackend() !== backend) {
    if (!(await tf.setBackend(backend))) throw new Error(`tfjs: backend ${backend} failed to initialise`)
    await tf.ready()
  }
}

const matmul = async (backend: Backend, c: MatmulCase, a: Float32Array | Float64Array, fresh: () => Float32Array | Float64Array): Promise<Timed> => {
  if ((c.dtype ?? 'float32') !== 'float32' || !(a instanceof Float32Array)) throw new Unsupported('tfjs has no float64 tensors')
  await use(backend)
  const shapes = storedShapes(c)
  const A = tf.tensor2d(a, shapes.a)
  const run = async (): Promise<number> => {
    await use(backend)
    const b = fresh()
    if (!(b instanceof Float32Array)) throw new Unsupported('tfjs has no float64 tensors')
    const B = tf.tensor2d(b, shapes.b)
    const t0 = performance.now()
    const C = tf.matMul(A, B, c.transA, c.transB)
    const t = performance.now() - t0
    C.dispose()
    B.dispose()
    return t
  }
  return { run, dispose: () => { A.dispose() } }
}

const elementwise = async (backend: Backend, c: ElementwiseCase): Promise<Timed> => {
  await use(backend)
  const run = async (): Promise<number> => {
    await use(backend)
    const [x, y, z] = c.fresh().map((d) => tf.tensor1d(d)) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D]
    const t0 = performance.now()
    const p = tf.mul(x, y)
    const r = tf.add(p, z)
    const t = performance.now() - t0
    tf.dispose([x, y, z, p, r])
    return t
  }
  return { run, dispose: () => undefined }
}

/** tfjs has no threefry: its mask is `randomUniform < p` from its own generator, as its `tf.dropout` draws it. */
const bernoulli = async (backend: Backend, c: MaskCase): Promise<MaskRun> => {
  await use(backend)
  let seed = c.seed
  const run = async (): Promise<number> => {
    await use(backend)
    const s = seed++ // a fresh seed per run
    const t0 = performance.now()
    const u = tf.randomUniform([...c.shape], 0, 1, 'float32', s)
    const m = tf.less(u, c.p)
    const t = performance.now() - t0
    tf.dispose([u, m])
    return t
  }
  return {
    run,
    detail: () => ({ rng: 'tf.randomUniform (its own generator, not threefry) < p' }),
    dispose: () => undefined,
  }
}

const mlp = async (backend: Backend, init: MlpInit): Promise<MlpRun> => {
  await use(backend)
  const { sizes, batch } = init
  const layers = sizes.length - 1
  const w = init.weights.map((v, l) => tf.variable(tf.tensor2d(v, [sizes[l]!, sizes[l + 1]!])))
  const b = init.biases.map((v) => tf.variable(tf.tensor1d(v)))
  const x = tf.tensor2d(init.x, [batch, sizes[0]!])
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(init.labels, 'int32'), sizes[layers]!))
  // tfjs's momentum: v ← μ·v + g, p ← p − lr·v (the same update as the other peers).
  const optimizer = tf.train.momentum(init.learningRate, init.momentum)
  const loss = (): tf.Scalar => {
    let h: tf.Tensor = x
    for (let l = 0; l < layers; l++) {
      const z = tf.add(tf.matMul(h, w[l]!), b[l]!)
      h = l < layers - 1 ? tf.relu(z) : z
    }
    return tf.losses.softmaxCrossEntropy(y, h) // mean over the batch
  }
  return stepRun(backend, optimizer, loss, () => undefined, [...w, ...b, x, y])
}

/** A timed train step (`minimize`, then `after` inside the clock) keeping the last loss, and what to dispose at the end. */
const stepRun = (backend: Backend, optimizer: tf.Optimizer, loss: () => tf.Scalar, after: () => void, owned: readonly tf.Tensor[], detail?: () => Record<string, string>): MlpRun => {
  let last: tf.Scalar | null = null
  const run = async (): Promise<number> => {
    await use(backend)
    const t0 = performance.now()
    const value = optimizer.minimize(loss, true)
    after()
    const t = performance.now() - t0
    last?.dispose()
    last = value
    return t
  }
  return {
    run,
    loss: async () => {
      if (last === null) return NaN
      const [v] = await last.data()
      return v ?? NaN
    },
    ...(detail === undefined ? {} : { detail }),
    dispose: () => {
      last?.dispose()
      optimizer.dispose()
      tf.dispose([...owned])
    },
  }
}

/**
 * The MLP step with dropout and max-norm: `tf.dropout` (inverted, its own
 * generator) on the input and hidden layers inside the loss, then after the
 * momentum update each weight matrix's columns are scaled by c/‖w‖ where ‖w‖ > c.
 */
const mlpDropout = async (backend: Backend, init: MlpDropoutInit): Promise<MlpRun> => {
  await use(backend)
  const { sizes, batch, keepInput, keepHidden, maxNorm: c } = init
  const layers = sizes.length - 1
  const w = init.weights.map((v, l) => tf.variable(tf.tensor2d(v, [sizes[l]!, sizes[l + 1]!])))
  const b = init.biases.map((v) => tf.variable(tf.tensor1d(v)))
  const x = tf.tensor2d(init.x, [batch, sizes[0]!])
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(init.labels, 'int32'), sizes[layers]!))
  const optimizer = tf.train.momentum(init.learningRate, init.momentum)
  let seed = init.seed
  const loss = (): tf.Scalar => {
    let h: tf.Tensor = tf.dropout(x, 1 - keepInput, undefined, seed++)
    for (let l = 0; l < layers; l++) {
      const z = tf.add(tf.matMul(h, w[l]!), b[l]!)
      h = l < layers - 1 ? tf.dropout(tf.relu(z), 1 - keepHidden, undefined, seed++) : z
    }
    return tf.losses.softmaxCrossEntropy(y, h)
  }
  // ‖w[:, j]‖ ≤ c: keep (w·1 is w to the bit); else scale by c/‖w[:, j]‖.
  const project = (): void => {
    tf.tidy(() => {
      for (const v of w) {
        const n = tf.sqrt(tf.sum(tf.square(v), 0, true))
        v.assign(tf.mul(v, tf.where(tf.lessEqual(n, c), tf.onesLike(n), tf.div(c, n))))
      }
    })
  }
  return stepRun(backend, optimizer, loss, project, [...w, ...b, x, y], () => ({ rng: 'tf.dropout (its own generator, not threefry)' }))
}

/**
 * The conv rows, in tfjs's own layout (NHWC, HWIO): `tf.conv2d`, and for the VJPs
 * the two kernels its conv2d gradient runs — `tf.conv2dTranspose` (the
 * Conv2DBackpropInput kernel) and the Conv2DBackpropFilter kernel through
 * `tf.engine().runKernel` (no public op) — so a run is the gradient alone, as for
 * the other peers; `tf.grad` would recompute the forward first.
 */
const conv = async (backend: Backend, c: ConvCase, q: ConvQuantity): Promise<ConvRun> => {
  await use(backend)
  const xShape: [number, number, number, number] = [c.n, c.h, c.w, c.c]
  const fShape: [number, number, number, number] = [c.kh, c.kw, c.c, c.o]
  const x = tf.tensor4d(c.x, xShape)
  const filter = tf.tensor4d(c.filter, fShape)
  const compute = (operand: tf.Tensor4D): tf.Tensor => {
    if (q === 'forward') return tf.conv2d(x, operand, 1, 'same')
    if (q === 'input') return tf.conv2dTranspose(operand, filter, xShape, 1, 'same')
    return tf.engine().runKernel<tf.Tensor4D>('Conv2DBackpropFilter', { x, dy: operand }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: fShape })
  }
  let last: tf.Tensor | null = null
  const run = async (): Promise<number> => {
    await use(backend)
    const operand = q === 'forward' ? tf.tensor4d(c.filter, fShape) : tf.tensor4d(c.dy, [c.n, c.h, c.w, c.o])
    const t0 = performance.now()
    const r = compute(operand)
    const t = performance.now() - t0
    operand.dispose()
    last?.dispose()
    last = r
    return t
  }
  return {
    run,
    result: async () => {
      if (last === null) throw new Error('tfjs: no run yet')
      return Float32Array.from(await last.data())
    },
    dispose: () => {
      last?.dispose()
      tf.dispose([x, filter])
    },
  }
}

/**
 * The LeNet step: `tf.conv2d` (SAME) + bias + ReLU and `tf.maxPool` (2, stride 2)
 * twice, dense 1024 + ReLU + `tf.dropout` (inverted, its own generator, so its
 * loss is not comparable), dense 10; momentum, then max-norm on every weight
 * (conv filters over axes 0–2, dense weights per column).
 */
const lenet = async (backend: Backend, init: LenetInit): Promise<MlpRun> => {
  await use(backend)
  const { batch, keep, maxNorm: c } = init
  const cw = [tf.variable(tf.tensor4d(init.convWeights[0]!, [5, 5, 1, 32])), tf.variable(tf.tensor4d(init.convWeights[1]!, [5, 5, 32, 64]))]
  const dw = [tf.variable(tf.tensor2d(init.denseWeights[0]!, [3136, 1024])), tf.variable(tf.tensor2d(init.denseWeights[1]!, [1024, 10]))]
  const bs = [...init.convBiases, ...init.denseBiases].map((b) => tf.variable(tf.tensor1d(b)))
  const x = tf.tensor4d(init.x, [batch, 28, 28, 1])
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(init.labels, 'int32'), 10))
  const optimizer = tf.train.momentum(init.learningRate, init.momentum)
  let seed = init.seed
  const loss = (): tf.Scalar => {
    let h: tf.Tensor4D = x
    for (let l = 0; l < 2; l++) h = tf.maxPool<tf.Tensor4D>(tf.relu(tf.add<tf.Tensor4D>(tf.conv2d(h, cw[l]!, 1, 'same'), bs[l]!)), 2, 2, 'valid')
    const hidden = tf.relu(tf.add(tf.matMul(tf.reshape(h, [batch, 3136]), dw[0]!), bs[2]!))
    const logits = tf.add(tf.matMul(tf.dropout(hidden, 1 - keep, undefined, seed++), dw[1]!), bs[3]!)
    return tf.losses.softmaxCrossEntropy(y, logits)
  }
  const project = (): void => {
    tf.tidy(() => {
      for (const [v, axes] of [...cw.map((w) => [w, [0, 1, 2]] as const), ...dw.map((w) => [w, [0]] as const)]) {
        const n = tf.sqrt(tf.sum(tf.square(v), [...axes], true))
        v.assign(tf.mul(v, tf.where(tf.lessEqual(n, c), tf.onesLike(n), tf.div(c, n))))
      }
    })
  }
  return stepRun(backend, optimizer, loss, project, [...cw, ...dw, ...bs, x, y], () => ({ rng: 'tf.dropout (its own generator, not threefry)' }))
}

const peer = (backend: Backend): Peer => ({
  name: `tfjs-${backend}`,
  matmul: (c, a, fresh) => matmul(backend, c, a, fresh),
  mlp: (init) => mlp(backend, init),
  mlpDropout: (init) => mlpDropout(backend, init),
  elementwise: (c) => elementwise(backend, c),
  bernoulli: (c) => bernoulli(backend, c),
  conv2d: (c, q) => conv(backend, c, q),
  lenet: (init) => lenet(backend, init),
})

export const tfjsCpu: Peer = peer('cpu')
export const tfjsWasm: Peer = peer('wasm')

/** Tensors tfjs still holds (for the memory check: it should not grow). */
export const liveTensors = (): number => tf.memory().numTensors
