/**
 * The demo's figures as Vega-Lite specifications, rendered to SVG headless by
 * vega (no browser, no canvas: text widths are estimated).
 */
import * as vega from 'vega'
import * as vl from 'vega-lite'
import type { TopLevelSpec } from 'vega-lite'

export const toSvg = async (spec: TopLevelSpec): Promise<string> => {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

const colors = { domain: ['plain', 'dropout', 'dropout + max-norm'], range: ['#7f7f7f', '#1f77b4', '#d62728'] }

/** Test error (and training loss) per epoch, one line per network. */
export const learningCurves = (rows: readonly { readonly net: string; readonly epoch: number; readonly testError: number; readonly trainLoss: number }[]): TopLevelSpec => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  data: { values: rows.map((r) => ({ ...r, testErrorPct: r.testError * 100 })) },
  hconcat: [
    {
      title: 'Test error',
      width: 320,
      height: 220,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'testErrorPct', type: 'quantitative', title: 'test error (%)', scale: { zero: false } },
        color: { field: 'net', type: 'nominal', scale: colors, title: null },
      },
    },
    {
      title: 'Training loss (with dropout noise)',
      width: 320,
      height: 220,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'trainLoss', type: 'quantitative', title: 'cross-entropy', scale: { type: 'log' } },
        color: { field: 'net', type: 'nominal', scale: colors, title: null },
      },
    },
  ],
})

/** Histograms of hidden activations (paper Fig. 8), one panel per network. */
export const activationHistograms = (
  rows: readonly { readonly net: string; readonly from: number; readonly to: number; readonly fraction: number }[],
  means: readonly { readonly net: string; readonly mean: number }[],
): TopLevelSpec => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: 'Hidden activations on the test set (first hidden layer)',
  data: { values: rows.map((r) => ({ ...r, caption: `${r.net} — mean ${means.find((m) => m.net === r.net)?.mean.toFixed(3) ?? '?'}` })) },
  facet: { column: { field: 'caption', type: 'nominal', title: null, sort: colors.domain.map((n) => `${n} — mean ${means.find((m) => m.net === n)?.mean.toFixed(3) ?? '?'}`) } },
  spec: {
    width: 220,
    height: 180,
    mark: { type: 'rect', tooltip: true },
    encoding: {
      x: { field: 'from', type: 'quantitative', bin: { binned: true }, title: 'activation' },
      x2: { field: 'to' },
      y: { field: 'fraction', type: 'quantitative', title: 'fraction of activations', scale: { type: 'symlog', constant: 0.001 } },
      color: { field: 'net', type: 'nominal', scale: colors, legend: null },
    },
  },
})

/** Test error of Monte-Carlo averaging against k, with weight scaling as a rule (paper Fig. 11). */
export const monteCarloCurve = (rows: readonly { readonly k: number; readonly testError: number }[], weightScaled: number): TopLevelSpec => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: 'Monte-Carlo model averaging vs weight scaling (dropout + max-norm net)',
  width: 420,
  height: 240,
  layer: [
    {
      data: { values: rows.map((r) => ({ ...r, pct: r.testError * 100, what: 'Monte-Carlo average of k thinned nets' })) },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'k', type: 'quantitative', scale: { type: 'log' }, title: 'k (number of thinned networks averaged)' },
        y: { field: 'pct', type: 'quantitative', title: 'test error (%)', scale: { zero: false } },
        color: { field: 'what', type: 'nominal', title: null, scale: { range: ['#d62728', '#555555'] }, legend: { orient: 'bottom', labelLimit: 400 } },
      },
    },
    {
      data: { values: [{ pct: weightScaled * 100, what: 'weight scaling (one deterministic net)' }] },
      mark: { type: 'rule', strokeDash: [6, 4] },
      encoding: { y: { field: 'pct', type: 'quantitative' }, color: { field: 'what', type: 'nominal' } },
    },
  ],
})
