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
 */
import { type Array as JaxArray, blockUntilReady, defaultDevice, init, jit, nn, numpy as np, tree, valueAndGrad } from '@jax-js/jax'
import { type MatmulCase, type MlpInit, type MlpRun, type Peer, type Timed, storedShapes } from './peer.js'

let ready: Promise<void> | undefined
const start = (): Promise<void> =>
  (ready ??= init('wasm').then((devices) => {
    if (!devices.includes('wasm')) throw new Error('jax-js: the wasm device is unavailable')
    defaultDevice('wasm')
  }))

const fromData = (data: Float32Array, shape: readonly number[]): JaxArray => np.array(data).reshape([...shape])

const matmul = async (jitted: boolean, c: MatmulCase, a: Float32Array, fresh: () => Float32Array): Promise<Timed> => {
  await start()
  const shapes = storedShapes(c)
  const product = (x: JaxArray, y: JaxArray): JaxArray =>
    np.matmul(c.transA ? np.transpose(x) : x, c.transB ? np.transpose(y) : y)
  const compiled = jitted ? jit(product) : null
  const f = compiled ?? product
  const A = await blockUntilReady(fromData(a, shapes.a))
  const run = async (): Promise<number> => {
    const B = await blockUntilReady(fromData(fresh(), shapes.b))
    const t0 = performance.now()
    const C = await blockUntilReady(f(A.ref, B)) // consumes the new reference to A, and B
    const t = performance.now() - t0
    C.dispose()
    return t
  }
  return {
    run,
    dispose: () => {
      A.dispose()
      compiled?.dispose()
    },
  }
}

type Params = Record<string, JaxArray>

const mlp = async (jitted: boolean, init: MlpInit): Promise<MlpRun> => {
  await start()
  const { sizes, batch, learningRate: lr, momentum: mu } = init
  const layers = sizes.length - 1
  let params: Params = {}
  let velocity: Params = {}
  for (let l = 0; l < layers; l++) {
    params[`w${l}`] = fromData(init.weights[l]!, [sizes[l]!, sizes[l + 1]!])
    params[`b${l}`] = np.array(init.biases[l]!)
    velocity[`w${l}`] = np.zeros([sizes[l]!, sizes[l + 1]!])
    velocity[`b${l}`] = np.zeros([sizes[l + 1]!])
  }
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
    loss: async () => {
      if (last === null) return NaN
      // `data()` consumes the array, so read through a new reference. (Its declared
      // type names Float16Array, which TypeScript's ES2022 library lacks.)
      const data: unknown = await last.ref.data()
      return (data as ArrayLike<number>)[0] ?? NaN
    },
    dispose: () => {
      last?.dispose()
      tree.dispose([params, velocity, x, y])
      compiled?.dispose()
    },
  }
}

const peer = (jitted: boolean): Peer => ({
  name: jitted ? 'jax-js-jit' : 'jax-js',
  matmul: (c, a, fresh) => matmul(jitted, c, a, fresh),
  mlp: (init) => mlp(jitted, init),
})

export const jaxJs: Peer = peer(false)
export const jaxJsJit: Peer = peer(true)
