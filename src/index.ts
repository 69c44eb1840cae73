/**
 * grad-ts — pure, functional reverse-mode automatic differentiation.
 *
 * The root module holds tensors, ops and the differentiation transforms;
 * the other concerns are namespaces: `tree`, `random`, `nn`, `optim`, `io`.
 */
export { TensorError } from './core/errors.js'
export type { DType, FloatDType, TypedArray, ArrayOf } from './core/dtype.js'
export { type Shape, broadcastShapes } from './core/shape.js'
export type { Aval } from './core/aval.js'
export {
  Tensor,
  type Nested,
  type NestedArray,
  tensor,
  fromTypedArray,
  full,
  zeros,
  ones,
  arange,
  linspace,
  eye,
  scalar,
  show,
} from './core/tensor.js'
export * from './ad/index.js'
export { type BackendInfo, type BackendName, getBackend, setBackend, setThreads, threadsReady } from './backend/index.js'
export * as tree from './tree/index.js'
export * as random from './random/index.js'
export * as nn from './nn/index.js'
export * as optim from './optim/index.js'
export * as io from './io/index.js'
export type { Tree, TreeLike, Leaf, MapLeaves } from './tree/index.js'
