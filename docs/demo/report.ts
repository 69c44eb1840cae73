/** report.md: the demo's findings in words, tables and the plots, beside the paper's numbers. */
import type { Results } from './results.js'

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`

/** The paper's MNIST table (Srivastava et al. 2014, Table 2; 60,000 training images). */
export const PAPER_TABLE = [
  ['standard NN, logistic', '2×800', '1.60'],
  ['dropout NN, logistic', '3×1024', '1.35'],
  ['dropout NN, ReLU', '3×1024', '1.25'],
  ['dropout + max-norm, ReLU', '3×1024', '1.06'],
  ['dropout + max-norm, ReLU', '2×8192', '0.95'],
] as const

export const writeReport = (r: Results): string => {
  const o = r.options
  const lines = [
    '# grad-ts demo: dropout on MNIST digits',
    '',
    `Three 784-${o.hidden}-${o.hidden}-10 ReLU networks, ${o.epochs} epochs, ${r.data.train} training and ${r.data.test} test digits (${r.data.source}), seed ${o.seed}${o.quick ? ' — a **--quick** run: small, so differences of a few tenths of a percent are noise; the default run measures more carefully' : ''}.`,
    '',
    '## Test error',
    '',
    '| network | train error | test error | time |',
    '|---|---:|---:|---:|',
    ...r.runs.map((x) => `| ${x.name}${x.diverged ? ` (diverged at epoch ${x.diverged.epoch})` : ''} | ${pct(x.trainError)} | ${pct(x.testError)} | ${x.seconds.toFixed(0)} s (${x.backend}, ${x.threads} thread${x.threads === 1 ? '' : 's'}) |`),
    '',
    `**${r.ordering.statement}**`,
    '',
    'For context, the paper (60,000 training images, much larger networks and far longer training):',
    '',
    '| method | architecture | test error |',
    '|---|---|---:|',
    ...PAPER_TABLE.map(([m, a, e]) => `| ${m} | ${a} | ${e}% |`),
    '',
    '![learning curves](learning-curves.svg)',
    '',
    '## Sparsity (paper Fig. 7–8)',
    '',
    'Hidden activations of the test-time network on the test set. With dropout, fewer units are active and their mean activation is lower.',
    '',
    '| network | layer | mean activation | exactly zero |',
    '|---|---:|---:|---:|',
    ...r.sparsity.map((s) => `| ${s.name} | ${s.layer} | ${s.meanActivation.toFixed(3)} | ${pct(s.zeroFraction)} |`),
    '',
    '![activation histograms](activations.svg)',
    '',
    '## Monte-Carlo averaging vs weight scaling (paper Fig. 11)',
    '',
    `Test error of the averaged class distribution of k thinned networks (the ${r.monteCarlo.name} net), against the single weight-scaled network (${pct(r.monteCarlo.weightScaledError)}).`,
    '',
    '| k | ' + r.monteCarlo.points.map((p) => String(p.k)).join(' | ') + ' |',
    '|---|' + r.monteCarlo.points.map(() => '---:').join('|') + '|',
    '| test error | ' + r.monteCarlo.points.map((p) => pct(p.testError)).join(' | ') + ' |',
    '',
    '![Monte-Carlo averaging](monte-carlo.svg)',
    '',
    `Checkpoints (safetensors): ${r.runs.map((x) => `\`${x.checkpoint}\``).join(', ')}.`,
    '',
  ]
  return lines.join('\n')
}
