/**
 * The three networks of the demo, with one key and one budget: a plain net, a
 * dropout net (keep 0.8 for inputs, 0.5 for hidden units), and dropout with
 * max-norm. The dropout nets use the paper's high learning rate and momentum
 * ramp (Appendix A: 10–100× the plain net's step, momentum rising to 0.95–0.99):
 * ε₀ = 1, 20× the plain net's 0.05, decaying exponentially to ε₀/100 over the
 * run (our runs are thousands of steps, not the recipe's hundreds of
 * thousands, so the decay is tied to the run's length); momentum 0.5 → 0.95.
 * Max-norm (c = 3) bounds every unit's incoming weights.
 */
import * as E from 'fp-ts/lib/Either.js'
import { io } from '../../src/index.js'
import { CLASSES, PIXELS } from './data.js'
import type { Options } from './options.js'
import type { RunSpec } from './train.js'

export const NAMES = ['plain', 'dropout', 'dropout + max-norm'] as const

export const runSpecs = (o: Options): readonly RunSpec[] => {
  const common = {
    layers: [PIXELS, o.hidden, o.hidden, CLASSES],
    activation: 'relu' as const,
    batchSize: 100,
    epochs: o.epochs,
    seed: o.seed,
  }
  const steps = o.epochs * Math.ceil(Math.min(o.trainSize, 8000) / 100)
  const highRate = {
    optimizer: { type: 'momentum' as const, learningRate: 1, momentum: 0.5, nesterov: false },
    schedules: {
      learningRate: { type: 'exponentialDecay' as const, initial: 1, decayRate: 0.01, transitionSteps: steps },
      momentum: { type: 'momentumRamp' as const, initial: 0.5, final: 0.95, timescale: 500 },
    },
  }
  const dropout = { input: 0.8, hidden: 0.5 }
  const configs = [
    { ...common, keep: { input: 1, hidden: 1 }, optimizer: { type: 'momentum', learningRate: 0.05, momentum: 0.9, nesterov: false } },
    { ...common, keep: dropout, ...highRate },
    { ...common, keep: dropout, ...highRate, maxNorm: 3 },
  ]
  // Decoded like any config from outside, so the brands (Keep, PositiveInt, …) are checked, not asserted.
  return configs.map((c, i) => {
    const config = io.decodeTrainingConfig(c)
    if (E.isLeft(config)) throw config.left
    return { name: NAMES[i]!, config: config.right }
  })
}
