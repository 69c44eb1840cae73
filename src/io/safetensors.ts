/**
 * The safetensors format (huggingface/safetensors), bytes in and bytes out,
 * so parameters move to and from JAX, PyTorch and jax-js users. No Node API:
 * this module runs in browsers; file writing lives in `grad-ts/node`.
 *
 * Layout: 8 bytes N (unsigned little-endian 64-bit), N bytes of UTF-8 JSON
 * header, then the data section, every tensor's bytes little-endian and
 * row-major. Reading follows the validation of the reference implementation
 * (`safetensors/src/tensor.rs`, `SafeTensors::read_metadata` and
 * `Metadata::validate`) and the README's format notes; see `decode`.
 *
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts/lib/index.js'
import type { DType, TypedArray } from '../core/dtype.js'
import { TensorError, fmtShape } from '../core/errors.js'
import { type Shape as CoreShape, sizeOf } from '../core/shape.js'
import { type Tensor, fromData } from '../core/tensor.js'
import { type Leaf, type TreeLike, flatten } from '../tree/index.js'
import { NonNegativeInt } from './brands.js'
import { compareCodePoints, findDuplicateKey, hostIsLittleEndian, swapInPlace } from './bytes.js'
import { crc32c, crcHex } from './crc32c.js'
import { pair, struct } from './combinators.js'
import { DecodeError, type Issue, decodeWith, fail, hasOwn, isPlainRecord, joinPath, setOwn, show } from './errors.js'
import { matchTree } from './match.js'
import { Shape } from './tensors.js'

/**
 * The largest header the format accepts, in bytes (the reference's `MAX_HEADER_SIZE`).
 *
 * @example
 * import { io } from 'grad-ts'
 * console.assert(io.safetensors.MAX_HEADER_SIZE === 100_000_000)
 * @since 0.1.0
 */
export const MAX_HEADER_SIZE = 100_000_000

/** The header key reserved for string-to-string metadata. */
const METADATA = '__metadata__'

/**
 * The metadata key of a checkpoint's CRC-32C (8 lowercase hex digits), over
 * the canonical header without this key followed by the data section; see
 * `decode`. Written by `io.encodeCheckpoint`, checked by every decoder.
 * @internal
 */
export const CHECKSUM = 'grad-ts/crc32c'
const CHECKSUM_VALUE = /^[0-9a-f]{8}$/

const FORMAT_DTYPES = { F64: 'float64', F32: 'float32', I32: 'int32', BOOL: 'bool' } as const
type FormatDType = keyof typeof FORMAT_DTYPES
const FORMAT_OF: Readonly<Record<DType, FormatDType>> = { float64: 'F64', float32: 'F32', int32: 'I32', bool: 'BOOL' }
const ITEM_SIZE: Readonly<Record<DType, number>> = { float64: 8, float32: 4, int32: 4, bool: 1 }
/** The reference writer orders tensors by descending dtype (F64 > F32 > I32 > BOOL), then name: every tensor stays aligned. */
const WRITE_RANK: Readonly<Record<DType, number>> = { float64: 0, float32: 1, int32: 2, bool: 3 }
/** Dtypes of the format that grad-ts has no tensor type for. */
const OTHER_DTYPES = new Set(['F4', 'F6_E2M3', 'F6_E3M2', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'I16', 'U16', 'F16', 'BF16', 'U32', 'C64', 'I64', 'U64'])

const isFormatDType = (u: unknown): u is FormatDType => typeof u === 'string' && hasOwn(FORMAT_DTYPES, u)
const FormatDTypeCodec = new t.Type<FormatDType, FormatDType, unknown>(
  'a safetensors dtype ("F32", "F64", "I32" or "BOOL")',
  isFormatDType,
  (u, c) =>
    isFormatDType(u)
      ? t.success(u)
      : t.failure(u, c, typeof u === 'string' && OTHER_DTYPES.has(u) ? `unsupported dtype "${u}": grad-ts reads F32, F64, I32 and BOOL` : `unknown dtype ${show(u)}, expected "F32", "F64", "I32" or "BOOL"`),
  (a) => a,
)

/** A tensor entry; unknown keys are ignored, as serde does in the reference. */
const TensorInfo = struct(
  'a tensor entry { dtype, shape, data_offsets }',
  { dtype: FormatDTypeCodec, shape: Shape, data_offsets: pair(NonNegativeInt, 'data offsets [begin, end]') },
  {},
  true,
)

const MetadataCodec = new t.Type<Readonly<Record<string, string>>, Readonly<Record<string, string>>, unknown>(
  'a string-to-string map',
  (u): u is Readonly<Record<string, string>> => isPlainRecord(u) && Object.values(u).every((v) => typeof v === 'string'),
  (u, c) => {
    if (!isPlainRecord(u)) return t.failure(u, c)
    const errors: t.ValidationError[] = []
    const out = {}
    for (const k of Object.keys(u)) {
      const v = u[k]
      if (typeof v === 'string') setOwn(out, k, v)
      else errors.push({ value: v, context: t.appendContext(c, k, t.string, v), message: `expected a string (metadata values are strings), got ${show(v)}` })
    }
    return errors.length > 0 ? t.failures(errors) : t.success(out)
  },
  (a) => a,
)

interface Entry {
  readonly name: string
  readonly dtype: DType
  readonly shape: CoreShape
  readonly begin: number
  readonly end: number
}

/**
 * The header JSON as grad-ts writes it, without padding: `__metadata__`
 * first with its keys in code-point order (left out when empty), then the
 * tensors in data order (by offsets; tensors with equal offsets, which are
 * empty, by dtype as the writer orders them, then name), no whitespace,
 * strings as `JSON.stringify` writes them. The checksum covers this text
 * for the metadata without `grad-ts/crc32c`, so what it protects is the
 * header's content, not its spelling.
 */
const headerText = (metadata: Readonly<Record<string, string>>, entries: readonly Entry[]): string => {
  const parts: string[] = []
  const keys = Object.keys(metadata).sort(compareCodePoints)
  if (keys.length > 0) parts.push(`"${METADATA}":{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`)
  const order = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end || WRITE_RANK[a.dtype] - WRITE_RANK[b.dtype] || compareCodePoints(a.name, b.name))
  for (const e of order) parts.push(`${JSON.stringify(e.name)}:{"dtype":"${FORMAT_OF[e.dtype]}","shape":[${e.shape.join(',')}],"data_offsets":[${e.begin},${e.end}]}`)
  return `{${parts.join(',')}}`
}

/** The CRC-32C of a file's canonical header (metadata without the checksum itself) and its data section. */
const checksumOf = (metadata: Readonly<Record<string, string>>, entries: readonly Entry[], data: Uint8Array): string => {
  const rest = {}
  for (const k of Object.keys(metadata)) if (k !== CHECKSUM) setOwn(rest, k, metadata[k])
  return crcHex(crc32c(data, crc32c(new TextEncoder().encode(headerText(rest, entries)))))
}

interface Header {
  readonly metadata: Readonly<Record<string, string>>
  readonly entries: readonly Entry[]
}

const HeaderCodec = new t.Type<Header, Header, unknown>(
  'a safetensors header (a JSON object)',
  (u): u is Header => isPlainRecord(u) && isPlainRecord(u.metadata) && Array.isArray(u.entries),
  (u, c) => {
    if (!isPlainRecord(u)) return t.failure(u, c)
    const errors: t.ValidationError[] = []
    const entries: Entry[] = []
    let metadata: Readonly<Record<string, string>> = {}
    for (const name of Object.keys(u)) {
      const v = u[name]
      if (name === METADATA) {
        if (v === null) continue // serde reads `null` as no metadata (an `Option`)
        const r = MetadataCodec.validate(v, t.appendContext(c, name, MetadataCodec, v))
        if (E.isLeft(r)) for (const e of r.left) errors.push(e)
        else metadata = r.right
        continue
      }
      const r = TensorInfo.validate(v, t.appendContext(c, name, TensorInfo, v))
      if (E.isLeft(r)) for (const e of r.left) errors.push(e)
      else entries.push({ name, dtype: FORMAT_DTYPES[r.right.dtype], shape: r.right.shape, begin: r.right.data_offsets[0], end: r.right.data_offsets[1] })
    }
    return errors.length > 0 ? t.failures(errors) : t.success({ metadata, entries })
  },
  (a) => a,
)

/** Options of `decode`. @since 0.1.0 */
export interface DecodeOptions {
  /** Accept NaN and ±Infinity in F32/F64 tensors (default false: rejected). */
  readonly allowNonFinite?: boolean
}

/** The contents of a safetensors file: tensors by name (in file order) and metadata. @since 0.1.0 */
export interface Safetensors {
  readonly tensors: Readonly<Record<string, Tensor>>
  readonly metadata: Readonly<Record<string, string>>
}

const left = (message: string): E.Either<DecodeError, never> => E.left(fail('', `safetensors: ${message}`))

/** A typed array over a fresh little-endian copy of `raw` (swapped on big-endian hosts). */
const view = (raw: Uint8Array, dtype: DType): TypedArray => {
  if (!hostIsLittleEndian) swapInPlace(raw, ITEM_SIZE[dtype])
  const b = raw.buffer
  switch (dtype) {
    case 'float64':
      return new Float64Array(b)
    case 'float32':
      return new Float32Array(b)
    case 'int32':
      return new Int32Array(b)
    case 'bool':
      return raw
  }
}

/** Checks the values the format itself does not: finite floats (unless allowed), 0/1 booleans. */
const valueIssue = (name: string, dtype: DType, data: TypedArray, allowNonFinite: boolean): Issue | undefined => {
  let first = -1
  let count = 0
  if (dtype === 'bool') {
    for (let i = 0; i < data.length; i++) if (data[i]! > 1 && count++ === 0) first = i
    if (count === 0) return undefined
    const more = count > 1 ? ` (and ${count - 1} more)` : ''
    return { path: name, message: `element ${first} is ${data[first]!}, but a BOOL element must be 0 or 1${more}` }
  }
  if ((dtype === 'float32' || dtype === 'float64') && !allowNonFinite) {
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!) && count++ === 0) first = i
    if (count === 0) return undefined
    const more = count > 1 ? ` (and ${count - 1} more non-finite values)` : ''
    return { path: name, message: `element ${first} is ${data[first]!}${more}; non-finite values are rejected unless allowNonFinite: true` }
  }
  return undefined
}

const decodeBytes = (bytes: Uint8Array, options: DecodeOptions): E.Either<DecodeError, Safetensors> => {
  if (!(bytes instanceof Uint8Array)) return left(`expected the file's bytes as a Uint8Array, got ${show(bytes)}`)
  const len = bytes.length
  if (len < 8) return left(`the file has ${len} bytes, fewer than the 8 of the header length (truncated file?)`)
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const n64 = dv.getBigUint64(0, true)
  if (n64 > BigInt(MAX_HEADER_SIZE)) return left(`the header length ${n64.toString()} is over the format's limit of ${MAX_HEADER_SIZE} bytes`)
  const n = Number(n64)
  if (8 + n > len) return left(`the header length ${n} runs past the end of the ${len}-byte file (truncated file?)`)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n))
  } catch {
    return left('the header is not valid UTF-8')
  }
  if (!text.startsWith('{')) return left(`the header must begin with "{", got ${show(text.slice(0, 8))}`)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    return left(`the header is not valid JSON (${err instanceof Error ? err.message : show(err)})`)
  }
  const dup = findDuplicateKey(text)
  if (dup !== undefined) return E.left(fail(dup.path, `duplicate key ${JSON.stringify(dup.key)} in the header (the format disallows them)`))
  const header = decodeWith(HeaderCodec)(json)
  if (E.isLeft(header)) return header
  const { metadata, entries } = header.right

  // Offsets: sorted by [begin, end], the tensors must tile the data section exactly.
  const dataStart = 8 + n
  const dataLen = len - dataStart
  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end)
  const issues: Issue[] = []
  let cursor = 0
  let last: Entry | undefined
  for (const e of sorted) {
    const at = joinPath(e.name, 'data_offsets')
    const nbytes = sizeOf(e.shape) * ITEM_SIZE[e.dtype]
    if (e.end < e.begin) issues.push({ path: at, message: `end ${e.end} is before begin ${e.begin}` })
    else if (e.begin < cursor && last !== undefined) issues.push({ path: at, message: `[${e.begin}, ${e.end}] overlaps ${last.name} at [${last.begin}, ${last.end}]` })
    else if (e.begin > cursor) issues.push({ path: at, message: `[${e.begin}, ${e.end}] leaves bytes [${cursor}, ${e.begin}) of the data section in no tensor (holes are not allowed)` })
    else if (!Number.isSafeInteger(nbytes)) issues.push({ path: joinPath(e.name, 'shape'), message: `${fmtShape(e.shape)} has too many elements` })
    else if (e.end - e.begin !== nbytes) {
      issues.push({ path: e.name, message: `shape ${fmtShape(e.shape)} of ${FORMAT_OF[e.dtype]} needs ${nbytes} bytes, but data_offsets [${e.begin}, ${e.end}] span ${e.end - e.begin}` })
    } else if (e.end > dataLen) issues.push({ path: at, message: `[${e.begin}, ${e.end}] runs past the end of the ${dataLen}-byte data section (truncated file?)` })
    if (e.end >= cursor) {
      cursor = e.end
      last = e
    }
  }
  if (issues.length > 0) return E.left(new DecodeError(issues))
  if (cursor !== dataLen) return left(`the tensors cover ${cursor} bytes but the data section has ${dataLen}; bytes in no tensor are not allowed`)
  if (hasOwn(metadata, CHECKSUM)) {
    const at = `${METADATA}.${CHECKSUM}`
    const saved = metadata[CHECKSUM]!
    if (!CHECKSUM_VALUE.test(saved)) return E.left(fail(at, `expected a CRC-32C as 8 lowercase hex digits, got ${show(saved)}`))
    const actual = checksumOf(metadata, entries, bytes.subarray(dataStart))
    if (actual !== saved) {
      return E.left(fail(at, `the file was saved with CRC-32C ${saved} but its contents have ${actual}: it is corrupted, or was changed after it was written`))
    }
  }

  const tensors = {}
  for (const e of sorted) {
    const raw = new Uint8Array(e.end - e.begin)
    raw.set(bytes.subarray(dataStart + e.begin, dataStart + e.end))
    const data = view(raw, e.dtype)
    const bad = valueIssue(e.name, e.dtype, data, options.allowNonFinite ?? false)
    if (bad !== undefined) issues.push(bad)
    else setOwn(tensors, e.name, fromData(e.shape, e.dtype, data))
  }
  if (issues.length > 0) return E.left(new DecodeError(issues))
  return E.right({ tensors, metadata })
}

/**
 * Reads a safetensors file. Rejected, with a message naming the tensor and
 * field: fewer than 8 bytes; a header length over `MAX_HEADER_SIZE` or past
 * the end of the file; a header that is not UTF-8, does not begin with `{`,
 * is not JSON, repeats a key, or has a bad entry (dtype other than F32, F64,
 * I32, BOOL; shape not non-negative integers; offsets not a pair); offsets
 * with end < begin, overlapping, leaving holes, not matching shape × dtype
 * size, or out of bounds; bytes after the last tensor; a `grad-ts/crc32c`
 * checksum in the metadata that does not match the contents (files without
 * one, as other tools write them, are read unchecked); non-finite floats
 * unless `allowNonFinite`; BOOL bytes other than 0/1. Never throws.
 *
 * @example
 * import { io, tensor } from 'grad-ts'
 * const r = io.safetensors.decode(io.safetensors.encode({ w: tensor([1, 2]) }, { note: 'hi' }))
 * console.assert(r._tag === 'Right' && r.right.tensors.w?.size === 2 && r.right.metadata.note === 'hi')
 * console.assert(io.safetensors.decode(new Uint8Array(3))._tag === 'Left')
 * @since 0.1.0
 */
export const decode = (bytes: Uint8Array, options: DecodeOptions = {}): E.Either<DecodeError, Safetensors> => {
  try {
    return decodeBytes(bytes, options)
  } catch (err) {
    return left(`could not be decoded: ${err instanceof Error ? err.message : show(err)}`)
  }
}

/**
 * Writes tensors (a record by name, or any tree: leaves named by their
 * dotted paths) and string metadata as safetensors bytes. Deterministic and
 * byte-identical to the reference writer: tensors ordered F64, F32, I32,
 * BOOL, then by name (code-point order), so each is aligned; `__metadata__`
 * first with keys sorted, omitted when empty; the header padded with spaces
 * to a multiple of 8 bytes. Two leaves with one name, a leaf named
 * `__metadata__`, or the metadata key `grad-ts/crc32c` (the checksum
 * `io.encodeCheckpoint` writes) are a `TensorError`.
 *
 * @example
 * import { io, tensor } from 'grad-ts'
 * const bytes = io.safetensors.encode({ layers: [{ w: tensor([[1, 2]]) }] })
 * const r = io.safetensors.decode(bytes)
 * console.assert(r._tag === 'Right' && Object.keys(r.right.tensors).join() === 'layers.0.w')
 * @since 0.1.0
 */
export const encode = <T extends TreeLike<T>>(tensors: T, metadata: Readonly<Record<string, string>> = {}): Uint8Array => {
  const op = 'io.safetensors.encode'
  if (hasOwn(metadata, CHECKSUM)) throw new TensorError(op, `metadata key "${CHECKSUM}" is reserved for the checksum io.encodeCheckpoint writes`)
  return encodeLeaves(op, flatten(tensors), metadata, false)
}

/**
 * Writes named tensors and metadata as safetensors bytes (see `encode`);
 * with `checksum`, adds the CRC-32C of the contents to the metadata under
 * `grad-ts/crc32c`. The one writer of the format. @internal
 */
export const encodeLeaves = (op: string, leaves: readonly Leaf[], metadata: Readonly<Record<string, string>>, checksum: boolean): Uint8Array => {
  const names = new Set<string>()
  for (const { path } of leaves) {
    if (path === METADATA) throw new TensorError(op, `"${METADATA}" is reserved for metadata and cannot name a tensor`)
    if (names.has(path)) throw new TensorError(op, `two tensors are named "${path}"`)
    names.add(path)
  }
  for (const k of Object.keys(metadata)) if (typeof metadata[k] !== 'string') throw new TensorError(op, `metadata ${JSON.stringify(k)} is not a string`)
  const order = leaves.slice().sort((a, b) => WRITE_RANK[a.value.dtype] - WRITE_RANK[b.value.dtype] || compareCodePoints(a.path, b.path))
  const entries: Entry[] = []
  let offset = 0
  // One copy of each tensor's elements, read through the backend.
  const elements = new Map(order.map(({ value }) => [value, value.toTypedArray()]))
  for (const { path, value } of order) {
    const end = offset + elements.get(value)!.byteLength
    entries.push({ name: path, dtype: value.dtype, shape: value.shape, begin: offset, end })
    offset = end
  }
  // The checksum has a fixed width, so the header's length is known before the data is written.
  const meta = {}
  for (const k of Object.keys(metadata)) setOwn(meta, k, metadata[k])
  if (checksum) setOwn(meta, CHECKSUM, '00000000')
  const headerOf = (): Uint8Array => new TextEncoder().encode(headerText(meta, entries))
  let json = headerOf()
  const headerLen = Math.ceil(json.length / 8) * 8
  if (headerLen > MAX_HEADER_SIZE) throw new TensorError(op, `the header would take ${headerLen} bytes, over the format's limit of ${MAX_HEADER_SIZE}`)
  const out = new Uint8Array(8 + headerLen + offset)
  const dv = new DataView(out.buffer)
  dv.setUint32(0, headerLen, true)
  dv.setUint32(4, 0, true)
  let at = 8 + headerLen
  for (const { value } of order) {
    const d = elements.get(value)!
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at)
    if (!hostIsLittleEndian) swapInPlace(out.subarray(at, at + d.byteLength), ITEM_SIZE[value.dtype])
    at += d.byteLength
  }
  if (checksum) {
    setOwn(meta, CHECKSUM, checksumOf(meta, entries, out.subarray(8 + headerLen)))
    json = headerOf()
  }
  out.set(json, 8)
  out.fill(0x20, 8 + json.length, 8 + headerLen)
  return out
}

/**
 * Restores a parameter tree from safetensors bytes, checked against the
 * tree you expect: every leaf of `like` must be in the file under its dotted
 * path with the same dtype and shape, and the file must hold nothing else.
 * All mismatches are reported, each at its path; nothing is half-loaded.
 *
 * @example
 * import { io, tensor, zeros } from 'grad-ts'
 * const like = { w: zeros([2, 2]), b: zeros([2]) }
 * const bytes = io.safetensors.encode({ w: tensor([[1, 2], [3, 4]]), b: tensor([5, 6]) })
 * const r = io.safetensors.decodeTree(like, bytes)
 * console.assert(r._tag === 'Right' && r.right.b.toTypedArray()[1] === 6)
 * const bad = io.safetensors.decodeTree({ w: zeros([2, 3]), b: zeros([2]) }, bytes)
 * console.assert(bad._tag === 'Left' && bad.left.message === 'w.shape[1]: expected 3, got 2')
 * @since 0.1.0
 */
export const decodeTree = <T extends TreeLike<T>>(like: T, bytes: Uint8Array, options: DecodeOptions = {}): E.Either<DecodeError, T> => {
  const match = matchTree('io.safetensors.decodeTree', like) // a malformed `like` is a programmer error: thrown before reading
  const file = decode(bytes, options)
  return E.isLeft(file) ? file : match(file.right.tensors)
}
