/**
 * Broadcast iteration plans. An elementwise kernel over broadcast operands walks
 * the output in *runs*: the innermost (collapsed) dimension, where each operand
 * advances by a fixed stride (0 when broadcast). The plan gives, per run, each
 * operand's starting offset, so the kernels' inner loops are plain strided loops
 * with no index arithmetic per element.
 */
import { type Shape, sizeOf } from '../../core/shape.js'

/** @internal */
export interface Plan {
  /** Length of each run (the collapsed innermost dimension). */
  readonly inner: number
  /** Number of runs. */
  readonly runs: number
  /** Per operand: its stride along the run (0 or 1 after collapsing, or larger). */
  readonly strides: readonly number[]
  /** Per operand: the offset where each run starts. */
  readonly offsets: readonly Int32Array[]
}

/** Strides of `shape` seen through broadcasting to `out` (0 where broadcast). */
const broadcastStrides = (shape: Shape, out: Shape): number[] => {
  const r = out.length
  const s = new Array<number>(r).fill(0)
  let acc = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!
    s[r - shape.length + i] = d === 1 ? 0 : acc
    acc *= d
  }
  return s
}

/**
 * A plan that walks `out` reading every operand of `shapes` (each broadcastable to `out`),
 * or any strided view: pass explicit `strides` per operand to walk, e.g., a transpose.
 * @internal
 */
export const planStrided = (out: Shape, operandStrides: readonly (readonly number[])[]): Plan => {
  // Drop size-1 dimensions, then merge neighbours that are contiguous for every operand.
  const dims: number[] = []
  const str: number[][] = operandStrides.map(() => [])
  out.forEach((d, i) => {
    if (d === 1) return
    dims.push(d)
    operandStrides.forEach((s, k) => str[k]!.push(s[i]!))
  })
  const cd: number[] = []
  const cs: number[][] = operandStrides.map(() => [])
  for (let i = 0; i < dims.length; i++) {
    const last = cd.length - 1
    if (last >= 0 && str.every((s, k) => cs[k]![last] === s[i]! * dims[i]!)) {
      cd[last] = cd[last]! * dims[i]!
      str.forEach((s, k) => (cs[k]![last] = s[i]!))
    } else {
      cd.push(dims[i]!)
      str.forEach((s, k) => cs[k]!.push(s[i]!))
    }
  }
  const total = sizeOf(out)
  if (cd.length === 0) {
    return { inner: total === 0 ? 0 : 1, runs: total === 0 ? 0 : 1, strides: cs.map(() => 0), offsets: cs.map(() => new Int32Array(1)) }
  }
  const inner = cd[cd.length - 1]!
  const runs = total / inner
  const outer = cd.slice(0, -1)
  const offsets = cs.map((s) => {
    const offs = new Int32Array(runs)
    const idx = new Array<number>(outer.length).fill(0)
    let off = 0
    for (let r = 0; r < runs; r++) {
      offs[r] = off
      for (let d = outer.length - 1; d >= 0; d--) {
        idx[d]!++
        off += s[d]!
        if (idx[d]! < outer[d]!) break
        off -= s[d]! * outer[d]!
        idx[d] = 0
      }
    }
    return offs
  })
  return { inner, runs, strides: cs.map((s) => s[s.length - 1]!), offsets }
}

/** The plan for operands of `shapes` broadcast to `out`. @internal */
export const planBroadcast = (out: Shape, shapes: readonly Shape[]): Plan => planStrided(out, shapes.map((s) => broadcastStrides(s, out)))
