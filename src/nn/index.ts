/**
 * Neural-network building blocks: dropout (both conventions, Gaussian,
 * Monte-Carlo averaging), dense layers and MLPs, and activation statistics.
 * Imported as the `nn` namespace of grad-ts.
 *
 * @module
 */
export {
  type Retention, type Convention, type Mode, type DropoutOptions,
  Train, Eval, keepProbability, maskShape, applyMask, dropoutMask, dropout, dropoutEval, dropoutIn, dropoutWithMask, scaleOutgoing, gaussianDropout, monteCarloCurve, monteCarlo,
} from './dropout.js'
export type { Train as TrainMode, Eval as EvalMode } from './dropout.js'
export {
  type Dense, type MlpParams, type Activation, type MlpDropout, type MlpSpec, type Initializer, type MlpTrace,
  dense, initMlp, mlpTrace, mlp, scaleWeights,
} from './mlp.js'
export { type Histogram, type ActivationStats, histogram, activationStats } from './stats.js'
