/**
 * `npm run demo:seeds`: the demo at its default settings for several seeds
 * (default 0, 1, 2), and the results page docs/results.md with the mean and
 * spread of each configuration. Each seed's full output goes to
 * demo-out/seed-<n>/ as with `npm run demo`.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { DEFAULTS } from './options.js'
import { run, write, pct } from './main.js'
import { PAPER_TABLE } from './report.js'
import { type Results, decodeResults } from './results.js'

/** What an earlier measurement found, kept because it is part of the result. */
const HISTORY = `## How the settings were found

The first measurement (2026-11-28, same networks and budget) decayed the dropout
nets' learning rate as ε₀/(1 + t/200), which left it high at the end of the short
run. Its test errors over seeds 0, 1, 2 were: plain 4.05 / 3.35 / 3.95 %, dropout
3.00 / 3.10 / 3.10 %, dropout + max-norm 3.05 / 3.40 / 2.85 %. Dropout + max-norm
was 0.68 % better on average, *not* more than the 0.70 % seed-to-seed spread, so
the claim did not hold. The learning curves showed why: the dropout nets' test
error still jumped by ±0.3 % from epoch to epoch at the end, because the effective
step ε/(1 − m) was still about 1. The paper's recipe decays the rate over hundreds of
thousands of steps; ours are 3,200, so the decay is now tied to the run's length
(exponentially to ε₀/100 by the last step), and nothing else changed. Wider
networks would help dropout more (the paper's n/p rule), but on the JavaScript
backend 784-512-512-10 took about twice the demo's five-minute budget on two cores.

On 2026-12-01 the default networks became the paper's 784-1024-1024-10: the
WebAssembly backend trains the three of them side by side in about the same five
minutes. The 784-256-256-10 networks before them, with the same settings and
seeds 0–4, measured: plain 3.72 % (sd 0.29 %), dropout 2.96 % (0.20 %), dropout +
max-norm 2.97 % (0.19 %).
`

const args = process.argv.slice(2)
const reportOnly = args.includes('--report-only')
const seeds = (args.find((a) => !a.startsWith('--')) ?? '0,1,2').split(',').map(Number)
if (seeds.some((s) => !Number.isSafeInteger(s)) || args.some((a) => a.startsWith('--') && a !== '--report-only')) {
  console.error(`usage: npm run demo:seeds -- [0,1,2] [--report-only]   (comma-separated integer seeds; --report-only rebuilds the page from demo-out/seed-<n>/results.json), got ${args.join(' ')}`)
  process.exit(2)
}

const stats = (xs: readonly number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : 0
  return { mean: m, sd, min: Math.min(...xs), max: Math.max(...xs) }
}

const all: Results[] = []
for (const seed of seeds) {
  const o = { ...DEFAULTS, seed, out: join(DEFAULTS.out, `seed-${seed}`) }
  const fresh = reportOnly ? undefined : await run(o)
  const r = decodeResults(fresh ? JSON.parse(JSON.stringify(fresh.results)) : JSON.parse(readFileSync(join(o.out, 'results.json'), 'utf8')))
  if (E.isLeft(r)) throw r.left
  if (fresh) await write(resolve(o.out), r.right, fresh.checkpoints)
  all.push(r.right)
  console.log(`seed ${seed}: ${r.right.runs.map((x) => `${x.name} ${pct(x.testError)}`).join(', ')}`)
}

const names = all[0]!.runs.map((r) => r.name)
const errs = (name: string) => all.map((r) => r.runs.find((x) => x.name === name)!.testError)
const s = Object.fromEntries(names.map((n) => [n, stats(errs(n))]))
const plain = s.plain!
const best = s['dropout + max-norm']!
const spread = Math.max(plain.max - plain.min, best.max - best.min)
const gap = plain.mean - best.mean
const claim = gap > spread
const best_ = 'dropout + max-norm'
const signed = (d: number) => `${d >= 0 ? '+' : '−'}${pct(Math.abs(d))}`
const wins = (a: string, b: string) => all.filter((r) => r.runs.find((x) => x.name === a)!.testError < r.runs.find((x) => x.name === b)!.testError).length
const o = all[0]!.options
const mcMean = (k: number) => stats(all.map((r) => r.monteCarlo.points.find((p) => p.k === k)!.testError)).mean
const ws = stats(all.map((r) => r.monteCarlo.weightScaledError)).mean
const sparse = (name: string, layer: number) => stats(all.map((r) => r.sparsity.find((x) => x.name === name && x.layer === layer)!.meanActivation)).mean

const page = [
  '# Results: the dropout paper on 10,000 MNIST digits',
  '',
  `Measured with \`npm run demo:seeds -- ${seeds.join(',')}\`: the demo at its default settings — three 784-${o.hidden}-${o.hidden}-10 ReLU networks,`,
  `${o.epochs} epochs, batch 100, trained on ${all[0]!.data.train} and tested on ${all[0]!.data.test} digits of the \`mnist\` package (a fixed split) — for ${seeds.length} seeds.`,
  'Each seed changes the initial weights, the order of the minibatches and the dropout masks; the data split stays fixed.',
  '',
  '## Test error',
  '',
  `| network | mean | sd | min – max | ${seeds.map((x) => `seed ${x}`).join(' | ')} |`,
  `|---|---:|---:|---:|${seeds.map(() => '---:').join('|')}|`,
  ...names.map((n) => `| ${n} | ${pct(s[n]!.mean)} | ${pct(s[n]!.sd)} | ${pct(s[n]!.min)} – ${pct(s[n]!.max)} | ${errs(n).map(pct).join(' | ')} |`),
  '',
  `Seed by seed, dropout + max-norm beats the plain net in ${wins(best_, 'plain')} of ${seeds.length} runs and dropout alone beats it in ${wins('dropout', 'plain')}. Max-norm on top of dropout changes the mean test error by ${signed(s['dropout + max-norm']!.mean - s.dropout!.mean)}: at this scale its effect is within the noise (its role in the paper is to keep much higher learning rates stable).`,
  '',
  claim
    ? `**The claim holds:** dropout + max-norm beats the plain network by ${pct(gap)} on average, more than the seed-to-seed spread (${pct(spread)}, the larger min–max range of the two).`
    : `**The claim does not hold in this measurement:** dropout + max-norm is ${pct(gap)} better than the plain network on average, not more than the seed-to-seed spread (${pct(spread)}).`,
  '',
  'The paper (Table 2) trained on 60,000 images with much larger networks for far longer, so its errors are lower; what carries over is the ordering:',
  '',
  '| method | architecture | paper test error |',
  '|---|---|---:|',
  ...PAPER_TABLE.map(([m, a, e]) => `| ${m} | ${a} | ${e}% |`),
  '',
  '## Sparsity (paper Fig. 7–8)',
  '',
  'Mean activation of the hidden units of the test-time network on the test set, averaged over seeds:',
  '',
  '| network | layer 1 | layer 2 |',
  '|---|---:|---:|',
  ...names.map((n) => `| ${n} | ${sparse(n, 1).toFixed(3)} | ${sparse(n, 2).toFixed(3)} |`),
  '',
  '## Monte-Carlo averaging vs weight scaling (paper Fig. 11)',
  '',
  'Test error of the mean prediction of k thinned dropout + max-norm networks, averaged over seeds, against the weight-scaled network:',
  '',
  `| k | ${all[0]!.monteCarlo.points.map((p) => String(p.k)).join(' | ')} | weight scaling |`,
  `|---|${all[0]!.monteCarlo.points.map(() => '---:').join('|')}|---:|`,
  `| test error | ${all[0]!.monteCarlo.points.map((p) => pct(mcMean(p.k))).join(' | ')} | ${pct(ws)} |`,
  '',
  `Run on ${new Date().toISOString().slice(0, 10)}; the figures of each seed are in \`demo-out/seed-<n>/report.md\` after running the command.`,
  '',
  HISTORY,
].join('\n')
writeFileSync(resolve('docs/results.md'), page)
console.log(`\nwrote docs/results.md — ${claim ? 'the claim holds' : 'the claim does NOT hold'} (gap ${pct(gap)}, spread ${pct(spread)})`)
