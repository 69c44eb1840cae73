/** The benchmark's peers, its rows of results, and the table `npm run bench` prints (ratios grad-ts / peer). */

export const PEERS = ['grad-ts', 'tfjs-cpu', 'tfjs-wasm', 'jax-js', 'jax-js-jit'] as const
export type PeerId = (typeof PEERS)[number]

export interface Row {
  readonly id: string
  readonly label: string
  readonly unit: string
  /** Whether a larger value is better (GFLOP/s, steps/s) or worse (MiB). */
  readonly higherIsBetter: boolean
  /** Per peer: the value, or an explanation why there is none. */
  readonly values: Partial<Record<PeerId, number | string>>
  /** Per peer: measurement details (runs, median ms, steps, ...). */
  readonly detail: Partial<Record<PeerId, Record<string, number | string | boolean>>>
}

const formatValue = (v: number | string | undefined, row: Row): string => {
  if (v === undefined) return '—'
  if (typeof v === 'string') return v.startsWith('error') ? 'error' : v
  if (row.id.endsWith('-growth')) return (v > 0 ? '+' : '') + v.toFixed(1)
  return row.unit === 'MiB' ? v.toFixed(0) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)
}

const ratio = (row: Row, peer: PeerId): number | undefined => {
  const g = row.values['grad-ts'], p = row.values[peer]
  if (typeof g !== 'number' || typeof p !== 'number' || p === 0 || row.id.endsWith('-growth')) return undefined
  return g / p
}

const note = (row: Row, peer: PeerId): string => {
  const d = row.detail[peer]
  if (row.id !== 'live-growth' || d === undefined) return ''
  const steps = d.fullRun === false ? ` (${String(d.steps)} steps)` : ''
  // Libraries fill their pools during the first steps: judge only runs checked late enough and run well past it.
  if (typeof d.steps !== 'number' || typeof d.checkStep !== 'number' || d.checkStep < 10 || d.steps < 2 * d.checkStep) {
    return ` (${String(d.steps)} steps: too few to judge)`
  }
  return (d.grows === true ? ' grows' : ' flat') + steps
}

export const renderTable = (rows: readonly Row[], peers: readonly PeerId[]): string => {
  const others = peers.filter((p) => p !== 'grad-ts')
  const header = ['row', 'unit', ...(peers.includes('grad-ts') ? ['grad-ts'] : []), ...others.flatMap((p) => [p, '×'])]
  const body = rows.map((row) => [
    row.label,
    row.unit + (row.higherIsBetter ? ' ↑' : ' ↓'),
    ...(peers.includes('grad-ts') ? [formatValue(row.values['grad-ts'], row) + note(row, 'grad-ts')] : []),
    ...others.flatMap((p) => {
      const r = ratio(row, p)
      return [formatValue(row.values[p], row) + note(row, p), r === undefined ? '' : r.toFixed(2)]
    }),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)))
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(line)].join('\n')
}
