/**
 * Decode errors and the io-ts reporter that names paths precisely.
 *
 * A path joins record keys with `.` and puts array indices in brackets
 * (`layers[1]`, `shape[0]`) — except inside a parameter tree, whose array
 * elements are path segments as `tree.flatten` names them, so the path of a
 * tree's leaf is the same everywhere: `layers.1.w.shape[0]`. Union branches
 * never appear in a path; when every branch of a union fails, the reporter keeps the branch that got furthest
 * into the value (or, when all branches fail on the value itself, one
 * message naming the union). Decoding never throws: any exception raised
 * while reading a hostile value becomes a `DecodeError` too.
 */
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts/lib/index.js'

/** One problem found while decoding: where (`layers.1.w.shape[0]`) and what. @since 0.1.0 */
export interface Issue {
  /** Record keys joined by `.`, array indices in brackets; `''` for the value itself. */
  readonly path: string
  /** What was wrong, e.g. `expected a non-negative integer, got -3`. */
  readonly message: string
}

/** How many issues the message of a `DecodeError` lists before summarising the rest. */
const SHOWN = 20

/** `path: message`, or the bare message for the value itself. */
const formatIssue = (i: Issue): string => (i.path === '' ? i.message : `${i.path}: ${i.message}`)

/**
 * The one error of data decoding (JSON configs, tensors, checkpoints): a
 * list of path-precise issues; its `message` shows one issue per line.
 *
 * @example
 * import { io } from 'grad-ts'
 * const r = io.decodeShape([2, -3])
 * console.assert(r._tag === 'Left' && r.left instanceof io.DecodeError)
 * console.assert(r._tag === 'Left' && r.left.message === '[1]: expected a non-negative integer, got -3')
 * @since 0.1.0
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError'
  /** Every problem found, in the order met. */
  readonly issues: readonly Issue[]
  constructor(issues: readonly Issue[]) {
    const lines = issues.slice(0, SHOWN).map(formatIssue)
    if (issues.length > SHOWN) lines.push(`… and ${issues.length - SHOWN} more issues`)
    super(lines.join('\n'))
    this.issues = issues
  }
}

/** A one-issue error. @internal */
export const fail = (path: string, message: string): DecodeError => new DecodeError([{ path, message }])

/** Prefixes every issue's path with `prefix` (a record key path). @internal */
export const under = (prefix: string, e: DecodeError): DecodeError =>
  new DecodeError(e.issues.map((i) => ({ path: joinPath(prefix, i.path), message: i.message })))

/** Joins a path and a sub-path (`a` + `b[0]` → `a.b[0]`, `a` + `[0]` → `a[0]`). @internal */
export const joinPath = (prefix: string, rest: string): string =>
  prefix === '' ? rest : rest === '' ? prefix : rest.startsWith('[') ? `${prefix}${rest}` : `${prefix}.${rest}`

/** Whether `o` has `k` as an own property (safe for `__proto__` and null prototypes). @internal */
export const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k)

/** Sets an own enumerable property, even `__proto__`, without touching the prototype. @internal */
export const setOwn = (o: object, k: string, v: unknown): void => {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
}

/** A plain object (a JSON object): not null, not an array, prototype Object or null. @internal */
export const isPlainRecord = (u: unknown): u is Readonly<Record<string, unknown>> => {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return false
  const proto: unknown = Object.getPrototypeOf(u)
  return proto === Object.prototype || proto === null
}

/** A short, safe rendering of an offending value for messages. @internal */
export const show = (u: unknown): string => {
  if (u === undefined) return 'undefined'
  if (typeof u === 'number') return Object.is(u, -0) ? '-0' : String(u)
  if (typeof u === 'bigint') return `${String(u)}n`
  if (typeof u === 'function') return 'a function'
  if (typeof u === 'symbol') return u.toString()
  try {
    const s = JSON.stringify(u)
    return s.length > 60 ? `${s.slice(0, 57)}...` : s
  } catch {
    return Object.prototype.toString.call(u)
  }
}

/** Readable names for io-ts' built-in codecs; our own codecs are named by what they expect. */
const builtinNames: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
  UnknownRecord: 'an object',
  UnknownArray: 'an array',
  Int: 'an integer',
  never: 'nothing here',
}

const describe = (codec: t.Decoder<unknown, unknown>): string =>
  hasOwn(builtinNames, codec.name) ? builtinNames[codec.name]! : codec.name

/** Looks through wrappers that add no context entry of their own. */
const unwrap = (codec: t.Decoder<unknown, unknown>): t.Decoder<unknown, unknown> => {
  let c = codec
  for (let i = 0; i < 32; i++) {
    if (c instanceof t.RefinementType || c instanceof t.ReadonlyType || c instanceof t.ExactType || c instanceof t.RecursiveType) {
      c = (c as { readonly type: t.Decoder<unknown, unknown> }).type
    } else break
  }
  return c
}

/** Unions and intersections add a context entry per branch, keyed by branch index. */
const isBranching = (codec: t.Decoder<unknown, unknown>): boolean => {
  const u = unwrap(codec)
  return u instanceof t.UnionType || u instanceof t.IntersectionType
}

/** io-ts' `union` of tagged records dispatches on the tag (a `TaggedUnionType`, which has a `tag`). */
const tagOf = (codec: t.Decoder<unknown, unknown>): string | undefined => {
  const tag = codec instanceof t.UnionType ? (codec as { readonly tag?: unknown }).tag : undefined
  return typeof tag === 'string' ? tag : undefined
}

const isUnion = (codec: t.Decoder<unknown, unknown>): boolean => {
  const u = unwrap(codec)
  return u instanceof t.UnionType && tagOf(u) === undefined
}

/** Codecs of parameter trees: their array elements are path segments (`layers.1.w`), not indices. */
const treeCodecs = new WeakSet<t.Decoder<unknown, unknown>>()

/** Marks a codec as a parameter tree's, for the paths of its errors. @internal */
export const namesElementsAsKeys = <C extends t.Decoder<unknown, unknown>>(codec: C): C => {
  treeCodecs.add(codec)
  return codec
}

/** The path of a context: record keys joined by `.`, array indices in brackets (tree elements as keys). */
const pathOf = (context: t.Context): string => {
  let path = ''
  for (let i = 1; i < context.length; i++) {
    const parent = context[i - 1]!
    const entry = context[i]!
    if (isBranching(parent.type)) continue
    path = Array.isArray(parent.actual) && !treeCodecs.has(parent.type) ? `${path}[${entry.key}]` : path === '' ? entry.key : `${path}.${entry.key}`
  }
  return path
}

const issueOf = (e: t.ValidationError): Issue => {
  const path = pathOf(e.context)
  if (e.message !== undefined) return { path, message: e.message }
  const last = e.context[e.context.length - 1]
  if (last === undefined) return { path, message: `unexpected value ${show(e.value)}` }
  const codec = unwrap(last.type)
  // io-ts' own tagged unions fail on the whole value when no tag matches: name the tag.
  const tag = tagOf(codec)
  if (tag !== undefined && isPlainRecord(e.value)) {
    const tags = ((codec as { readonly types?: readonly t.Decoder<unknown, unknown>[] }).types ?? [])
      .map((m) => (unwrap(m) as { readonly props?: Readonly<Record<string, { readonly value?: unknown }>> }).props?.[tag]?.value)
      .filter((v) => v !== undefined)
      .map((v) => show(v))
      .join(', ')
    const got = e.value[tag]
    return { path: joinPath(path, tag), message: got === undefined ? `missing, expected one of ${tags}` : `expected one of ${tags}, got ${show(got)}` }
  }
  return { path, message: isMissing(e) ? `missing, expected ${describe(last.type)}` : `expected ${describe(last.type)}, got ${show(e.value)}` }
}

/** Whether an error is a key absent (or undefined) in its object. */
const isMissing = (e: t.ValidationError): boolean => {
  const last = e.context[e.context.length - 1]
  const parent = e.context[e.context.length - 2]
  return e.value === undefined && last !== undefined && parent !== undefined && isPlainRecord(parent.actual)
}

/** Lexicographic comparison of scores. */
const better = (a: readonly number[], b: readonly number[]): boolean => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] ?? -Infinity) > (b[i] ?? -Infinity)
  return false
}

/** Keeps, at each failed union, only the most relevant branch's errors. */
const prune = (errors: readonly t.ValidationError[]): t.ValidationError[] => {
  const out: t.ValidationError[] = []
  const go = (errs: readonly t.ValidationError[], depth: number): void => {
    const first = errs[0]
    if (first === undefined) return
    const node = first.context[depth - 1]!
    const groups = new Map<string, t.ValidationError[]>()
    for (const e of errs) {
      if (e.context.length === depth) out.push(e)
      else {
        const key = e.context[depth]!.key
        const g = groups.get(key)
        if (g === undefined) groups.set(key, [e])
        else g.push(e)
      }
    }
    if (isUnion(node.type) && groups.size > 0) {
      // The most relevant branch got deepest into the value; ties go to fewer missing keys, then fewer errors.
      let best: t.ValidationError[] = []
      let bestScore: readonly number[] = [-1]
      for (const g of groups.values()) {
        const d = g.reduce((m, e) => Math.max(m, e.context.length), 0)
        const score = [d, -g.filter(isMissing).length, -g.length]
        if (better(score, bestScore)) {
          best = g
          bestScore = score
        }
      }
      const bestDepth = bestScore[0]!
      if (bestDepth === depth + 1 && groups.size > 1) out.push({ value: node.actual, context: first.context.slice(0, depth) })
      else go(best, depth + 1)
      return
    }
    for (const g of groups.values()) go(g, depth + 1)
  }
  go(errors, 1)
  return out
}

/**
 * Turns io-ts validation errors into path-precise issues (duplicates
 * removed; at unions, only the most relevant branch).
 *
 * @example
 * import { io } from 'grad-ts'
 * const r = io.PositiveInt.decode(0)
 * console.assert(r._tag === 'Left' && io.report(r.left)[0]?.message === 'expected a positive integer, got 0')
 * @since 0.1.0
 */
export const report = (errors: t.Errors): readonly Issue[] => {
  const seen = new Set<string>()
  const issues: Issue[] = []
  for (const e of prune(errors)) {
    const issue = issueOf(e)
    const k = formatIssue(issue)
    if (!seen.has(k)) {
      seen.add(k)
      issues.push(issue)
    }
  }
  return issues
}

/**
 * The decoder of any codec, returning `Either<DecodeError, A>` with
 * path-precise messages; never throws.
 *
 * @example
 * import { io } from 'grad-ts'
 * const decodeKeeps = io.decodeWith(io.Keep)
 * console.assert(decodeKeeps(0.8)._tag === 'Right' && decodeKeeps(0)._tag === 'Left')
 * @since 0.1.0
 */
export const decodeWith =
  <A>(codec: t.Decoder<unknown, A>) =>
  (u: unknown): E.Either<DecodeError, A> => {
    try {
      const r = codec.decode(u)
      return E.isRight(r) ? E.right(r.right) : E.left(new DecodeError(report(r.left)))
    } catch (err) {
      return E.left(fail('', `could not be decoded: ${err instanceof Error ? err.message : show(err)}`))
    }
  }
