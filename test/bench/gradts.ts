/**
 * grad-ts in the benchmark, through the public API. Everything library-specific
 * sits in `matmulOnce`, `denseMatmuls` and `makeMlpStep`; the `Peer` only times them.
 */
import { type Tensor, add, fromTypedArray, matmul, mul, relu, softmaxCrossEntropy, sub, tree, valueAndGrad, zeros } from '../../src/index.js'
import { type MatmulCase, type MlpInit, type MlpRun, type Peer, type Timed, storedShapes } from './peer.js'

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

/** grad-ts as a benchmark peer. */
export const gradTs: Peer = {
  name: 'grad-ts',
  matmul: (c: MatmulCase, a: Float32Array, fresh: () => Float32Array): Promise<Timed> => {
    if (c.transA && c.transB) throw new Error('grad-ts bench: Aᵀ·Bᵀ is not one of the rows')
    // A·B is `matmulOnce`; A·Bᵀ is the dense layer's dy·Wᵀ, Aᵀ·B its xᵀ·dy.
    const product = c.transB ? denseMatmuls.inputGrad : c.transA ? denseMatmuls.weightGrad : matmulOnce
    const shapes = storedShapes(c)
    const A = fromTypedArray(a, shapes.a)
    const run = (): Promise<number> => {
      const B = fromTypedArray(fresh(), shapes.b) // copies; before the clock starts
      const t0 = performance.now()
      product(A, B)
      return Promise.resolve(performance.now() - t0)
    }
    return Promise.resolve({ run, dispose: () => undefined })
  },
  mlp: (init: MlpInit): Promise<MlpRun> => {
    const step = makeMlpStep(init)
    let last = NaN
    const run = (): Promise<number> => {
      const t0 = performance.now()
      last = step()
      return Promise.resolve(performance.now() - t0)
    }
    return Promise.resolve({ run, loss: () => Promise.resolve(last), dispose: () => undefined })
  },
}
