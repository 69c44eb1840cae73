/**
 * The demo's results file: what `demo-out/results.json` holds, as an io-ts
 * codec, so the file can be decoded (and checked) like any outside data.
 */
import * as t from 'io-ts/lib/index.js'
import { io } from '../../src/index.js'

const Fraction = new t.Type<number, number, unknown>(
  'a fraction in [0, 1]',
  (u): u is number => typeof u === 'number' && u >= 0 && u <= 1,
  (u, c) => (typeof u === 'number' && u >= 0 && u <= 1 ? t.success(u) : t.failure(u, c, `expected a fraction in [0, 1], got ${JSON.stringify(u)}`)),
  (a) => a,
)
const Finite = new t.Type<number, number, unknown>(
  'a finite number',
  (u): u is number => typeof u === 'number' && Number.isFinite(u),
  (u, c) => (typeof u === 'number' && Number.isFinite(u) ? t.success(u) : t.failure(u, c, `expected a finite number, got ${JSON.stringify(u)}`)),
  (a) => a,
)

export const EpochPoint = io.struct('an epoch point', { epoch: io.PositiveInt, trainLoss: Finite, testError: Fraction })

export const Run = io.struct(
  'a run',
  {
    name: t.string,
    config: io.TrainingConfig,
    trainError: Fraction,
    testError: Fraction,
    seconds: io.NonNegativeNumber,
    /** Where the net trained: the backend and the threads its kernels split over. */
    backend: t.union([t.literal('js'), t.literal('wasm')]),
    threads: io.PositiveInt,
    curve: t.readonlyArray(EpochPoint),
    checkpoint: t.string,
  },
  { diverged: io.struct('where the loss diverged', { epoch: io.PositiveInt, step: io.PositiveInt }) },
)

export const Sparsity = io.struct('activation statistics', {
  name: t.string,
  layer: io.PositiveInt,
  meanActivation: io.NonNegativeNumber,
  zeroFraction: Fraction,
  histogram: io.struct('a histogram', { edges: t.readonlyArray(Finite), counts: t.readonlyArray(io.NonNegativeInt) }),
})

export const MonteCarlo = io.struct('Monte-Carlo averaging', {
  name: t.string,
  weightScaledError: Fraction,
  points: t.readonlyArray(io.struct('a Monte-Carlo point', { k: io.PositiveInt, testError: Fraction })),
})

export const Results = io.struct('demo results', {
  version: t.literal(1),
  options: io.struct('demo options', { seed: io.Seed, epochs: io.PositiveInt, hidden: io.PositiveInt, trainSize: io.PositiveInt, quick: t.boolean }),
  data: io.struct('data', { train: io.PositiveInt, test: io.PositiveInt, source: t.string }),
  runs: t.readonlyArray(Run),
  sparsity: t.readonlyArray(Sparsity),
  monteCarlo: MonteCarlo,
  ordering: io.struct('ordering', { holds: t.boolean, statement: t.string }),
})
export type Results = t.TypeOf<typeof Results>
/** The same, before decoding: plain numbers where `Results` has branded ones. */
export type ResultsJson = t.OutputOf<typeof Results>

export const decodeResults = io.decodeWith(Results)
