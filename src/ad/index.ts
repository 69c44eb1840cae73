/** The op surface and the transforms, re-exported by the package root. */
export type { TensorLike } from './ops/elementwise.js'
export {
  neg, exp, expm1, log, log1p, sqrt, abs, sign, sin, cos, tan, tanh, sigmoid, relu, erf, erfInv,
  add, sub, mul, div, pow, maximum, minimum,
  equal, notEqual, less, lessEqual, greater, greaterEqual,
  where, cast, stopGradient,
} from './ops/elementwise.js'
export { type ReduceOptions, type AxisOptions, type OneAxisOptions, sum, max, min, argmax, argmin } from './ops/reduce.js'
export { type ScatterOptions, type PadWidth, type PadOptions, reshape, transpose, broadcastTo, sumTo, slice, pad, concat, gather, scatterAdd, expandDims, squeeze } from './ops/shape.js'
export { type MatmulOptions, matmul } from './ops/matmul.js'
export { type SortOptions, type TopKOptions, argsort, sort, topK } from './ops/sort.js'
export { type ConvPadding, type ConvOptions, type PoolOptions, type AvgPoolOptions, conv, maxPool, avgPool } from './ops/conv.js'
export { type VarianceOptions, variance, std, prod, cumsum } from './ops/stats.js'
export { stack, flip, tile, repeat } from './ops/layout.js'
export { mean, square, rsqrt, logSumExp, logSoftmax, softmax, oneHot, softmaxCrossEntropy, sigmoidBinaryCrossEntropy, mse, clip, norm } from './ops/composite.js'
export { type GeluOptions, type EluOptions, type LeakyReluOptions, softplus, logSigmoid, silu, gelu, elu, leakyRelu } from './ops/activations.js'
export { type GradOptions, vjp, grad, valueAndGrad, jvp, hvp } from './transforms.js'
export { type AxisSpec, type VmapOptions, vmap } from './vmap.js'
export { jacfwd, jacrev, hessian } from './jacobians.js'
export { type VjpRules, type Primitive, type PrimitiveCtx, type PrimitiveDef, customVjp, customJvp, definePrimitive } from './custom.js'
export { type Graph, type GraphNode, type AbstractArg, trace, evalShape, showGraph, toDot } from './graph.js'
