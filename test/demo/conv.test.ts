/**
 * `npm run demo:conv -- --quick`, in-process: both conv nets learn (an
 * untrained net is at chance, about 90 % error), and a run is bit-for-bit
 * reproducible from its seed. Bad options are reported, with the usage.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { random, tree } from '../../src/index.js'
import { head, loadDigits, splitDigits } from '../../docs/demo/data.js'
import { type ConvRun, QUICK, USAGE, errorRate, initNet, parseArgs, runConvDemo, trainNet } from '../../docs/demo/conv.js'

// The whole quick run takes ≈ 6 s a net on the WebAssembly backend and ≈ 60 s on the reference one: it runs on wasm (one and two
// threads, the same bits); the reproducibility test below runs everywhere.
const onWasm = process.env.GRAD_TS_BACKEND !== 'js'
let runs: readonly ConvRun[] = []
beforeAll(() => {
  if (onWasm) runs = runConvDemo(QUICK).runs
}, 180_000)

const bits = (p: ConvRun['params']) => tree.leaves(p).map((t) => Buffer.from(t.toTypedArray().buffer).toString('hex'))

describe('npm run demo:conv -- --quick', () => {
  it.runIf(onWasm)('trains both nets far below the error of an untrained one', () => {
    const split = splitDigits(loadDigits())
    const test = head(split.test, QUICK.testSize)
    // The untrained net of the run's seed: 91.6 % error on these 500 digits (chance is 90 %).
    const untrained = errorRate(random.evaluate(random.foldIn(random.key(QUICK.seed), 0))(initNet()), test)
    expect(untrained).toBeGreaterThan(0.7)
    expect(runs.map((r) => r.name)).toEqual(['max-norm', 'dropout + max-norm'])
    // Measured at seed 0: 24.8 % without dropout, 14.4 % with (500 training images, 2 epochs).
    for (const r of runs) expect(r.testError, r.name).toBeLessThan(0.35)
  })

  it('is bit-for-bit reproducible from its seed', () => {
    // The quick run's code on a few batches (the reference backend takes minutes for the whole quick run twice).
    const split = splitDigits(loadDigits())
    const data = { train: head(split.train, 64), test: head(split.test, 50) }
    const small = { ...QUICK, epochs: 1, trainSize: 64, testSize: 50 }
    const a = trainNet('dropout + max-norm', 0.5, small, data)
    const b = trainNet('dropout + max-norm', 0.5, small, data)
    expect(b.testError).toBe(a.testError)
    expect(bits(b.params)).toEqual(bits(a.params))
    // Another seed, other weights; and dropout changes them too.
    expect(bits(trainNet('dropout + max-norm', 0.5, { ...small, seed: 1 }, data).params)).not.toEqual(bits(a.params))
    expect(bits(trainNet('max-norm', 1, small, data).params)).not.toEqual(bits(a.params))
  })

  it('reports a bad option with the usage', () => {
    expect(parseArgs(['--epochs', '0'])).toBe('--epochs: expected a positive integer, got "0"')
    expect(parseArgs(['--train-size', '9000'])).toBe('--train-size: expected an integer from 1 to 8000, got "9000"')
    expect(parseArgs(['--fast'])).toBe('unknown option "--fast"')
    expect(parseArgs(['--quick', '--seed', '3'])).toEqual({ ...QUICK, seed: 3 })
    expect(USAGE).toContain('--quick')
  })
})
