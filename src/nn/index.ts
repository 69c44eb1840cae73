/**
 * Neural-network building blocks: the keep/rate vocabulary, dropout (both
 * conventions, Gaussian), Monte-Carlo averaging, dense and convolutional
 * layers, MLPs, layer and batch normalisation, maxout, and activation statistics.
 * Imported as the `nn` namespace of grad-ts.
 *
 * @module
 */
export { type Retention, keepProbability } from './retention.js'
export {
  type Convention, type Mode, type DropoutOptions,
  Train, Eval, maskShape, applyMask, dropoutMask, dropout, dropoutEval, dropoutIn, dropoutWithMask, scaleOutgoing, gaussianDropout,
} from './dropout.js'
export { monteCarloCurve, monteCarlo } from './montecarlo.js'
export type { Train as TrainMode, Eval as EvalMode } from './dropout.js'
export {
  type Dense, type MlpParams, type Activation, type MlpDropout, type MlpSpec, type Initializer, type MlpTrace,
  dense, applyDense, initMlp, mlpTrace, mlp, scaleWeights,
} from './mlp.js'
export { type Conv, type InitConvOptions, initConv, applyConv } from './conv.js'
export {
  type ScaleBias, type LayerNormParams, type BatchNormParams, type BatchStats, type BatchNormState, type LayerNormOptions, type BatchNormOptions, type MaxoutOptions,
  initLayerNorm, layerNorm, initBatchNorm, batchNorm, maxout,
} from './norm.js'
export { type Histogram, type ActivationStats, histogram, activationStats } from './stats.js'
