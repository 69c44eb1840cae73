/** Canvas drawing for the live page: pixel grids and two small line plots. */

/** The theme's colours, read from VitePress's CSS variables so dark mode works. */
export interface Palette {
  readonly text: string
  readonly muted: string
  readonly line: string
  readonly accent: string
  readonly second: string
}

export const paletteOf = (el: Element): Palette => {
  const css = getComputedStyle(el)
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback
  return {
    text: v('--vp-c-text-1', '#213547'),
    muted: v('--vp-c-text-3', '#8e8e93'),
    line: v('--vp-c-divider', '#e2e2e3'),
    accent: v('--vp-c-brand-1', '#3451b2'),
    second: v('--vp-c-danger-1', '#b8272c'),
  }
}

const context = (canvas: HTMLCanvasElement): CanvasRenderingContext2D => {
  const ctx = canvas.getContext('2d')
  if (ctx === null) throw new Error('no 2d canvas context')
  return ctx
}

/**
 * Draws a `side × side` grid of grey levels in [0, 1] (or `null` for a cell
 * drawn in `off`), one square of the canvas per cell.
 */
export const drawGrid = (canvas: HTMLCanvasElement, side: number, value: (i: number) => number | null, off = '#d1242f'): void => {
  const ctx = context(canvas)
  const cell = canvas.width / side
  for (let i = 0; i < side * side; i++) {
    const v = value(i)
    const grey = Math.round(255 * (1 - (v ?? 0)))
    ctx.fillStyle = v === null ? off : `rgb(${grey},${grey},${grey})`
    ctx.fillRect((i % side) * cell, Math.floor(i / side) * cell, Math.ceil(cell), Math.ceil(cell))
  }
}

export interface Series {
  readonly points: readonly (readonly [number, number])[]
  readonly colour: string
  readonly dashed?: boolean
  readonly dots?: boolean
  readonly label: string
}

export interface PlotOptions {
  readonly xLabel: string
  readonly yLabel: string
  readonly xMax: number
  readonly yMax: number
  readonly logX?: boolean
  readonly xTicks: readonly number[]
  readonly yTicks: readonly number[]
  readonly yFormat?: (y: number) => string
}

/** A line plot with axes, ticks and a legend; x may be logarithmic (from 1). */
export const drawPlot = (canvas: HTMLCanvasElement, series: readonly Series[], o: PlotOptions, p: Palette): void => {
  const ctx = context(canvas)
  const { width, height } = canvas
  const left = 46
  const right = 12
  const top = 12
  const bottom = 34
  ctx.clearRect(0, 0, width, height)
  const fx = (x: number) => left + ((width - left - right) * (o.logX ? Math.log(x) / Math.log(o.xMax) : x / o.xMax))
  const fy = (y: number) => height - bottom - ((height - top - bottom) * Math.min(y, o.yMax)) / o.yMax
  ctx.font = '11px sans-serif'
  ctx.strokeStyle = p.line
  ctx.fillStyle = p.muted
  ctx.lineWidth = 1
  ctx.setLineDash([])
  ctx.textAlign = 'right'
  for (const y of o.yTicks) {
    ctx.beginPath()
    ctx.moveTo(left, fy(y))
    ctx.lineTo(width - right, fy(y))
    ctx.stroke()
    ctx.fillText((o.yFormat ?? String)(y), left - 4, fy(y) + 4)
  }
  ctx.textAlign = 'center'
  for (const x of o.xTicks) ctx.fillText(String(x), fx(x), height - bottom + 14)
  ctx.fillText(o.xLabel, left + (width - left - right) / 2, height - 4)
  ctx.save()
  ctx.translate(11, top + (height - top - bottom) / 2)
  ctx.rotate(-Math.PI / 2)
  ctx.fillText(o.yLabel, 0, 0)
  ctx.restore()
  series.forEach((s, i) => {
    ctx.strokeStyle = s.colour
    ctx.fillStyle = s.colour
    ctx.lineWidth = 2
    ctx.setLineDash(s.dashed === true ? [6, 4] : [])
    ctx.beginPath()
    s.points.forEach(([x, y], j) => {
      if (j === 0) ctx.moveTo(fx(x), fy(y))
      else ctx.lineTo(fx(x), fy(y))
    })
    ctx.stroke()
    if (s.dots === true) {
      for (const [x, y] of s.points) {
        ctx.beginPath()
        ctx.arc(fx(x), fy(y), 3, 0, 2 * Math.PI)
        ctx.fill()
      }
    }
    ctx.setLineDash([])
    ctx.textAlign = 'right'
    ctx.fillText(s.label, width - right - 4, top + 12 + 14 * i)
  })
}
