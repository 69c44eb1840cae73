/**
 * The fuzzer's model of the reductions, matmul and the movement ops
 * (laws/fuzzModel.ts holds the table).
 * @internal
 * @module
 */
import { type Rule, type T, axisOf, broadcast, common, count, dimsOf, floatOf, fmt, indices, isDims, lit, operand, promote, reject, shapeOf, show, sizeOf, tensorArg } from './fuzzModelBase.js'

// ------------------------------------------------------------ reductions

export const reduceAxes = (x: T, o: unknown): { axes: readonly number[]; keepdims: boolean } => {
  if (o === undefined) return { axes: x.shape.map((_, i) => i), keepdims: false }
  if (typeof o !== 'object' || o === null) return reject(`options ${show(o)} are not an object`)
  const { axis, keepdims } = o as { axis?: unknown; keepdims?: unknown }
  if (keepdims !== undefined && typeof keepdims !== 'boolean') reject(`keepdims ${show(keepdims)} is not a boolean`)
  const r = x.shape.length
  const axes = axis === undefined ? x.shape.map((_, i) => i) : (Array.isArray(axis) ? (axis as unknown[]) : [axis]).map((a) => axisOf(a, r))
  if (new Set(axes).size !== axes.length) reject(`axes ${show(axis)} repeat an axis`)
  return { axes, keepdims: keepdims === true }
}
export const reducedShape = (x: T, { axes, keepdims }: { axes: readonly number[]; keepdims: boolean }): number[] =>
  keepdims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i))

export const reduction = (op: 'sum' | 'max' | 'min' | 'mean' | 'norm'): Rule => (m, [a, o]) => {
  const x = tensorArg(m, a, 'x')
  const p = reduceAxes(x, lit(o))
  if ((op === 'max' || op === 'min') && p.axes.some((i) => x.shape[i] === 0)) reject(`${op} over an empty axis of ${fmt(x.shape)}`)
  const d = x.dtype
  const dtype = op === 'sum' ? (d === 'bool' ? 'int32' : d) : op === 'max' || op === 'min' ? d : floatOf(d)
  return { shape: reducedShape(x, p), dtypes: [dtype] }
}

/** An options object `{ axis?, … }` (undefined: none given). */
export const optionsOf = (o: unknown): Readonly<Record<string, unknown>> => {
  if (o === undefined) return {}
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return reject(`options ${show(o)} are not an object`)
  return o as Readonly<Record<string, unknown>>
}

/** The one axis of an options object, normalised, or `fallback` (undefined: none). */
export const oneAxis = (o: unknown, r: number, fallback?: number): number | undefined => {
  const { axis } = optionsOf(o)
  if (axis === undefined) return fallback === undefined ? undefined : axisOf(fallback, r)
  return axisOf(axis, r)
}

/** argmax, argmin: one axis, or the flattened tensor when none is given (JAX's default). */
export const argReduction: Rule = (m, [a, o]) => {
  const x = tensorArg(m, a, 'x')
  const { keepdims } = optionsOf(lit(o))
  if (keepdims !== undefined && typeof keepdims !== 'boolean') reject(`keepdims ${show(keepdims)} is not a boolean`)
  if (x.dtype === 'bool') reject('argmax/argmin need a numeric tensor')
  const axis = oneAxis(lit(o), x.shape.length)
  if (axis === undefined) {
    if (x.shape.some((d) => d === 0)) reject(`${fmt(x.shape)} is empty`)
    return { shape: keepdims === true ? x.shape.map(() => 1) : [], dtypes: ['int32'] }
  }
  if (x.shape[axis] === 0) reject(`axis ${axis} of ${fmt(x.shape)} is empty`)
  return { shape: keepdims === true ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis), dtypes: ['int32'] }
}


// ------------------------------------------------------------ matmul and movement

export const matmul: Rule = (m, [a, b, o]) => {
  const x = operand(a, 'a')
  const y = operand(b, 'b')
  const dtype = floatOf(common(x, y))
  const sa = shapeOf(x)
  const sb = shapeOf(y)
  if (sa.length === 0 || sb.length === 0) reject('matmul of a rank-0 operand')
  const opts = (lit(o) ?? {}) as { transposeA?: boolean; transposeB?: boolean }
  const A = sa.length === 1 ? [1, sa[0]!] : sa
  const B = sb.length === 1 ? [sb[0]!, 1] : sb
  const ta = sa.length > 1 && opts.transposeA === true
  const tb = sb.length > 1 && opts.transposeB === true
  const [r0, r1] = A.slice(-2) as [number, number]
  const [c0, c1] = B.slice(-2) as [number, number]
  const [rows, k] = ta ? [r1, r0] : [r0, r1]
  const [k2, cols] = tb ? [c1, c0] : [c0, c1]
  if (k !== k2) reject(`inner dimensions ${k} ≠ ${k2}`)
  const batch = broadcast(A.slice(0, -2), B.slice(0, -2))
  return { shape: [...batch, ...(sa.length > 1 ? [rows] : []), ...(sb.length > 1 ? [cols] : [])], dtypes: [dtype] }
}

export const reshape: Rule = (m, [a, s]) => {
  const x = tensorArg(m, a, 'x')
  const to = lit(s)
  if (!isDims(to)) return reject(`shape ${show(to)} is not a list of numbers`)
  const free = to.filter((d) => d === -1).length
  const known = to.filter((d) => d !== -1)
  dimsOf(known, 'shape')
  if (free > 1) reject('more than one -1')
  const n = sizeOf(x.shape)
  const k = sizeOf(known)
  if (free === 1) {
    if (k === 0 || n % k !== 0) reject(`cannot infer the -1 of ${fmt(to)} for ${n} elements`)
    return { shape: to.map((d) => (d === -1 ? n / k : d)), dtypes: [x.dtype] }
  }
  if (k !== n) reject(`${n} elements do not fit ${fmt(to)}`)
  return { shape: to, dtypes: [x.dtype] }
}

export const transpose: Rule = (m, [a, p]) => {
  const x = tensorArg(m, a, 'x')
  const r = x.shape.length
  const perm = lit(p)
  if (perm === undefined) return { shape: [...x.shape].reverse(), dtypes: [x.dtype] }
  if (!Array.isArray(perm)) return reject(`perm ${show(perm)} is not a list`)
  const q = (perm as unknown[]).map((v) => axisOf(v, r))
  if (q.length !== r || new Set(q).size !== r) reject(`${show(perm)} is not a permutation of ${r} axes`)
  return { shape: q.map((i) => x.shape[i]!), dtypes: [x.dtype] }
}

export const broadcastTo: Rule = (m, [a, s]) => {
  const x = tensorArg(m, a, 'x')
  const to = dimsOf(lit(s), 'shape')
  const lead = to.length - x.shape.length
  if (lead < 0 || x.shape.some((d, i) => d !== 1 && d !== to[lead + i])) reject(`cannot broadcast ${fmt(x.shape)} to ${fmt(to)}`)
  return { shape: to, dtypes: [x.dtype] }
}

export const sumTo: Rule = (m, [a, s]) => {
  const x = tensorArg(m, a, 'x')
  const to = dimsOf(lit(s), 'shape')
  broadcastTo(m, [{ kind: 'tensor', shape: to, dtype: x.dtype }, { kind: 'lit', value: x.shape }])
  // Summing bools counts them (int32); a sumTo that changes nothing may keep them bool.
  return { shape: to, dtypes: x.dtype === 'bool' ? ['int32', 'bool'] : [x.dtype] }
}

export const slice: Rule = (m, [a, b, e]) => {
  const x = tensorArg(m, a, 'x')
  const r = x.shape.length
  const begin = lit(b)
  const end = lit(e)
  if (!isDims(begin) || (end !== undefined && !isDims(end))) return reject('bounds are not lists of numbers')
  if (begin.length > r || (end?.length ?? 0) > r) reject(`more bounds than the ${r} axes`)
  const fix = (v: number, d: number) => (v < 0 ? v + d : v)
  return {
    shape: x.shape.map((d, i) => {
      const lo = fix(begin[i] ?? 0, d)
      const hi = fix(end?.[i] ?? d, d)
      if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi > d || lo > hi) reject(`bounds ${lo}:${hi} are out of range for axis ${i} (size ${d})`)
      return hi - lo
    }),
    dtypes: [x.dtype],
  }
}

/** pad(x, pairs): one [before, after] pair per axis, or one pair for every axis (jnp.pad's broadcast). */
export const pad: Rule = (m, [a, w]) => {
  const x = tensorArg(m, a, 'x')
  const v = lit(w)
  if (!Array.isArray(v) || !v.every((p) => Array.isArray(p) && p.length === 2)) return reject(`padWidth ${show(v)} is not a list of pairs`)
  const pairs = (v as unknown[][]).map((p) => dimsOf(p, 'padWidth pair'))
  if (pairs.length !== x.shape.length && pairs.length !== 1) reject(`needs ${x.shape.length} pairs`)
  const at = (i: number) => pairs[pairs.length === 1 ? 0 : i]!
  return { shape: x.shape.map((d, i) => at(i)[0]! + d + at(i)[1]!), dtypes: [x.dtype] }
}

export const concat: Rule = (m, [xs, o]) => {
  if (xs?.kind !== 'list') return reject('concat takes a list of tensors')
  const ts = xs.items.map((t, i) => (t.kind === 'tensor' ? t : reject(`item ${i} is not a tensor`)))
  if (ts.length === 0) reject('concat of no tensors')
  const first = ts[0]!
  const r = first.shape.length
  const axis = oneAxis(lit(o), r, 0)!
  if (ts.length === 1) return { shape: first.shape, dtypes: [first.dtype] }
  let total = 0
  for (const t of ts) {
    if (t.shape.length !== r || t.shape.some((d, i) => i !== axis && d !== first.shape[i])) reject(`${ts.map((u) => fmt(u.shape)).join(' ++ ')} differ off axis ${axis}`)
    total += t.shape[axis]!
  }
  return { shape: first.shape.map((d, i) => (i === axis ? total : d)), dtypes: [ts.map((t) => t.dtype).reduce(promote)] }
}

/** gather: along one axis, or over the flattened tensor when none is given (jnp.take's default). */
export const gather: Rule = (m, [a, i, o]) => {
  const x = tensorArg(m, a, 'x')
  const axis = oneAxis(lit(o), x.shape.length)
  if (axis === undefined) {
    const idx = indices(m, i, x.shape.reduce((n, d) => n * d, 1), 'indices')
    return { shape: idx.shape, dtypes: [x.dtype] }
  }
  const idx = indices(m, i, x.shape[axis]!, 'indices')
  return { shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)], dtypes: [x.dtype] }
}

export const scatterAdd: Rule = (m, [u, i, o]) => {
  const x = tensorArg(m, u, 'updates')
  const size = count(optionsOf(lit(o)).size, 'size')
  const idx = indices(m, i, size, 'indices')
  const ir = idx.shape.length
  const axis = oneAxis(lit(o), x.shape.length - ir + 1, 0)!
  if (x.shape.length < axis + ir || idx.shape.some((d, k) => d !== x.shape[axis + k])) reject(`updates ${fmt(x.shape)} do not match indices ${fmt(idx.shape)} at axis ${axis}`)
  if (x.dtype === 'bool') reject('adding bools')
  return { shape: [...x.shape.slice(0, axis), size, ...x.shape.slice(axis + ir)], dtypes: [x.dtype] }
}

/** expandDims: size-1 axes at the given positions of the result (one or several; required). */
export const expandDims: Rule = (m, [a, o]) => {
  const x = tensorArg(m, a, 'x')
  const { axis } = optionsOf(lit(o))
  if (axis === undefined) return reject('expandDims needs an axis')
  const list = Array.isArray(axis) ? (axis as unknown[]) : [axis]
  const r = x.shape.length + list.length
  const at = list.map((v) => axisOf(v, r))
  if (new Set(at).size !== at.length) reject(`axes ${show(axis)} repeat an axis`)
  const shape: number[] = []
  for (let i = 0, k = 0; i < r; i++) shape.push(at.includes(i) ? 1 : x.shape[k++]!)
  return { shape, dtypes: [x.dtype] }
}

export const squeeze: Rule = (m, [a, o]) => {
  const x = tensorArg(m, a, 'x')
  const v = optionsOf(lit(o)).axis
  const axes = v === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : (Array.isArray(v) ? (v as unknown[]) : [v]).map((u) => axisOf(u, x.shape.length))
  for (const i of axes) if (x.shape[i] !== 1) reject(`axis ${i} of ${fmt(x.shape)} is not 1`)
  if (new Set(axes).size !== axes.length) m.allow('a repeated axis')
  return { shape: x.shape.filter((_, i) => !axes.includes(i)), dtypes: [x.dtype] }
}
