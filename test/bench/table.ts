/**
 * The benchmark's peers, its rows of results, and the table `npm run bench`
 * prints. Each row takes two lines: the values, then the ratios of grad-ts on
 * one thread and on two threads to each peer (`×1t/×2t`; for the grad-ts-2t
 * column only ×1t, i.e. 1t / 2t). Memory rows that judge growth show their
 * verdict on the second line instead.
 */

export const PEERS = ['grad-ts', 'grad-ts-2t', 'grad-ts-js', 'tfjs-cpu', 'tfjs-wasm', 'jax-js', 'jax-js-jit', 'wasm-loop'] as const
export type PeerId = (typeof PEERS)[number]

/** The grad-ts columns: one process, one backend singleton, switched before each run. */
export const GRAD_TS: readonly PeerId[] = ['grad-ts', 'grad-ts-2t', 'grad-ts-js']

export interface Row {
  readonly id: string
  readonly label: string
  readonly unit: string
  /** Whether a larger value is better (GFLOP/s, steps/s) or worse (MiB). */
  readonly higherIsBetter: boolean
  /** No ratios for this row (growth, step counts). */
  readonly noRatio?: boolean
  /** Per peer: the value, or an explanation why there is none ("—" when the peer cannot run the row). */
  readonly values: Partial<Record<PeerId, number | string>>
  /** Per peer: measurement details (runs, median ms, steps, why a cell is empty, ...). */
  readonly detail: Partial<Record<PeerId, Record<string, number | string | boolean>>>
}

const formatValue = (v: number | string | undefined, row: Row): string => {
  if (v === undefined) return ''
  if (typeof v === 'string') return v.startsWith('error') ? 'error' : v
  if (row.id.endsWith('-growth')) return (v > 0 ? '+' : '') + v.toFixed(1)
  return row.unit === 'MiB' || row.unit === 'steps' ? v.toFixed(0) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)
}

const formatRatio = (r: number | undefined): string => (r === undefined ? '—' : r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2))

/** grad-ts `of` / `peer` on a row, when both have numbers. */
export const ratio = (row: Row, of: PeerId, peer: PeerId): number | undefined => {
  const g = row.values[of], p = row.values[peer]
  if (typeof g !== 'number' || typeof p !== 'number' || p === 0 || row.noRatio === true) return undefined
  return g / p
}

const ratioCell = (row: Row, peer: PeerId): string => {
  if (peer === 'grad-ts') return ''
  const r1 = ratio(row, 'grad-ts', peer)
  if (peer === 'grad-ts-2t') return r1 === undefined ? '' : formatRatio(r1)
  const r2 = ratio(row, 'grad-ts-2t', peer)
  return r1 === undefined && r2 === undefined ? '' : `${formatRatio(r1)}/${formatRatio(r2)}`
}

/** The second line of a growth row: whether the run judged it flat. */
const verdict = (row: Row, peer: PeerId): string => {
  const d = row.detail[peer]
  if (d === undefined || typeof row.values[peer] !== 'number') return ''
  if (row.id === 'wasm-growth') return d.wasmFlat === true ? 'flat' : 'grows'
  if (row.id !== 'live-growth') return ''
  // Libraries fill their pools during the first steps: judge only runs checked late enough and run well past it.
  if (typeof d.steps !== 'number' || typeof d.checkStep !== 'number' || d.checkStep < 10 || d.steps < 2 * d.checkStep) return 'too few'
  return d.grows === true ? 'grows' : 'flat'
}

export const renderTable = (rows: readonly Row[], peers: readonly PeerId[]): string => {
  const header = ['row', 'unit', ...peers]
  const lines: string[][] = []
  for (const row of rows) {
    lines.push([row.label, row.unit + (row.higherIsBetter ? ' ↑' : ' ↓'), ...peers.map((p) => formatValue(row.values[p], row))])
    const second = row.id.endsWith('-growth') ? peers.map((p) => verdict(row, p)) : peers.map((p) => ratioCell(row, p))
    if (second.some((c) => c !== '')) lines.push([row.id.endsWith('-growth') ? '' : '  ×1t/×2t', '', ...second])
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((b) => b[i]!.length)))
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd()
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...lines.map(line)].join('\n')
}
