import { Buffer } from 'node:buffer'
import { fc, test as propTest } from '@fast-check/vitest'
import { describe, expect, test } from 'vitest'
import { type DType, Tensor, type Tree, fromTypedArray, random, tensor, tree, zeros } from '../../src/index.js'
import { compareCodePoints, findDuplicateKey, swapInPlace } from '../../src/io/bytes.js'
import * as io from '../../src/io/index.js'
import { encodeLeaves } from '../../src/io/safetensors.js'

const st = io.safetensors

/** A safetensors file from a header string (padded as given) and data bytes. */
const file = (header: string, data: readonly number[] = [], declaredLength?: number): Uint8Array => {
  const h = new TextEncoder().encode(header)
  const out = new Uint8Array(8 + h.length + data.length)
  new DataView(out.buffer).setUint32(0, declaredLength ?? h.length, true)
  out.set(h, 8)
  out.set(data, 8 + h.length)
  return out
}

const messageOf = (r: { readonly _tag: 'Left'; readonly left: io.DecodeError } | { readonly _tag: 'Right' }): string => {
  if (r._tag === 'Right') throw new Error('expected a decode error, got a value')
  return r.left.message
}

const bytesOf = (x: Tensor): Uint8Array => {
  const d = x.toTypedArray()
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
}

const f32 = (xs: readonly number[]): number[] => Array.from(new Uint8Array(new Float32Array(xs).buffer))

describe('cross-format: byte strings from the reference implementation', () => {
  // Source: huggingface/safetensors, safetensors/src/tensor.rs — the unit tests
  // `test_serialization`, `test_serialization_forced_alignement` and `test_empty`,
  // and the doc example of `SafeTensors::deserialize`
  // (https://github.com/huggingface/safetensors/blob/main/safetensors/src/tensor.rs).
  const attn0 = [
    64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
    58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
    0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
  ]
  const aligned = [
    72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
    91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
    32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
  ]
  const empty = [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]
  const emptyWithMetadata = [
    40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
    116, 34, 125, 125, 32, 32, 32, 32, 32,
  ]
  const zeroToFive = new Float32Array([0, 1, 2, 3, 4, 5])

  test('test_serialization: decodes, and our writer produces the same bytes', () => {
    const r = st.decode(new Uint8Array(attn0))
    if (r._tag === 'Left') throw r.left
    const x = r.right.tensors['attn.0']!
    expect([x.dtype, x.shape]).toEqual(['float32', [1, 2, 3]])
    expect(Array.from(x.toTypedArray())).toEqual([0, 1, 2, 3, 4, 5])
    expect(Array.from(st.encode({ 'attn.0': fromTypedArray(zeroToFive, [1, 2, 3]) }))).toEqual(attn0)
  })

  test('test_serialization_forced_alignement: header padded with spaces to 8 bytes', () => {
    expect(st.decode(new Uint8Array(aligned))._tag).toBe('Right')
    expect(Array.from(st.encode({ attn0: fromTypedArray(zeroToFive, [1, 1, 2, 3]) }))).toEqual(aligned)
  })

  test('test_empty: no tensors, with and without metadata', () => {
    expect(Array.from(st.encode({}))).toEqual(empty)
    expect(Array.from(st.encode({}, { framework: 'pt' }))).toEqual(emptyWithMetadata)
    const r = st.decode(new Uint8Array(emptyWithMetadata))
    expect(r._tag === 'Right' && r.right.metadata).toEqual({ framework: 'pt' })
  })

  test('a null __metadata__ reads as none, as serde reads an absent Option', () => {
    const r = st.decode(file('{"__metadata__":null}'))
    expect(r._tag === 'Right' && r.right.metadata).toEqual({})
  })

  test('SafeTensors::deserialize doc example: an unpadded 60-byte header', () => {
    const bytes = file('{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}', new Array<number>(16).fill(0))
    expect(bytes[0]).toBe(60)
    const r = st.decode(bytes)
    if (r._tag === 'Left') throw r.left
    expect(r.right.tensors.test?.toArray()).toEqual([[0, 0], [0, 0]])
    expect(r.right.tensors.test?.dtype).toBe('int32')
  })
})

const dtypes: readonly DType[] = ['float32', 'float64', 'int32', 'bool']

/** Any bit pattern of the dtype: NaN payloads, -0, infinities, subnormals. */
const tensorArb: fc.Arbitrary<Tensor> = fc
  .tuple(fc.constantFrom(...dtypes), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }))
  .chain(([dtype, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1)
    if (dtype === 'bool') return fc.array(fc.constantFrom(0, 1), { minLength: n, maxLength: n }).map((xs) => fromTypedArray(Uint8Array.from(xs), shape))
    const width = dtype === 'float64' ? 8 : 4
    return fc.uint8Array({ minLength: n * width, maxLength: n * width }).map((b) => {
      const buf = b.slice().buffer
      return fromTypedArray(dtype === 'float64' ? new Float64Array(buf) : dtype === 'float32' ? new Float32Array(buf) : new Int32Array(buf), shape)
    })
  })

const keyArb = fc.oneof(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,5}$/), fc.constantFrom('é', '𝔵', 'ﬀ', 'z', 'Z', 'w b', '"q"'))

const treeArb: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tensorArb,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(keyArb, tie('node'), { maxKeys: 3, noNullPrototype: true }),
  ),
})).node

describe('round trips', () => {
  propTest.prop([treeArb])('encode → decode is bit-exact for any tree (NaN payloads and -0 included)', (t) => {
    const bytes = st.encode(t)
    const r = st.decode(bytes, { allowNonFinite: true })
    if (r._tag === 'Left') throw r.left
    const leaves = tree.flatten(t)
    expect(Object.keys(r.right.tensors).sort()).toEqual(leaves.map((l) => l.path).sort())
    for (const { path, value } of leaves) {
      const got = r.right.tensors[path]!
      expect([got.dtype, got.shape]).toEqual([value.dtype, value.shape])
      expect(bytesOf(got)).toEqual(bytesOf(value))
    }
    const back = st.decodeTree(t, bytes, { allowNonFinite: true })
    if (back._tag === 'Left') throw back.left
    expect(tree.flatten(back.right).map((l) => [l.path, Array.from(bytesOf(l.value))])).toEqual(leaves.map((l) => [l.path, Array.from(bytesOf(l.value))]))
    expect(new DataView(bytes.buffer).getUint32(0, true) % 8).toBe(0)
  })

  propTest.prop([fc.dictionary(keyArb, tensorArb, { maxKeys: 5, noNullPrototype: true }), fc.dictionary(keyArb, fc.string(), { maxKeys: 3, noNullPrototype: true })])(
    'output is deterministic and independent of key order; every tensor is aligned to its element size',
    (tensors, metadata) => {
      const reversed = Object.fromEntries(Object.entries(tensors).reverse())
      const bytes = st.encode(tensors, metadata)
      expect(st.encode(reversed, Object.fromEntries(Object.entries(metadata).reverse()))).toEqual(bytes)
      const n = new DataView(bytes.buffer).getUint32(0, true)
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; data_offsets: [number, number] }>
      const width: Record<string, number> = { F64: 8, F32: 4, I32: 4, BOOL: 1 }
      for (const [k, v] of Object.entries(header)) if (k !== '__metadata__') expect((8 + n + v.data_offsets[0]) % width[v.dtype]!).toBe(0)
      const r = st.decode(bytes, { allowNonFinite: true })
      expect(r._tag === 'Right' && r.right.metadata).toEqual(metadata)
    },
  )

  propTest.prop([fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' })])('names are ordered by code point, i.e. by UTF-8 bytes', (a, b) => {
    const c = Math.sign(compareCodePoints(a, b))
    expect(c).toBe(Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))))
  })

  test('decoded tensors never share memory with the input bytes', () => {
    const bytes = Buffer.from(st.encode({ w: tensor([1, 2, 3]) }))
    const r = st.decode(bytes)
    if (r._tag === 'Left') throw r.left
    bytes.fill(0xff, bytes.length - 12)
    expect(Array.from(r.right.tensors.w!.toTypedArray())).toEqual([1, 2, 3])
  })

  test('bytes at an offset inside a larger buffer decode the same', () => {
    const inner = st.encode({ w: tensor([1.5, -2], 'float64') })
    const outer = new Uint8Array(inner.length + 3)
    outer.set(inner, 3)
    const r = st.decode(outer.subarray(3))
    expect(r._tag === 'Right' && Array.from(r.right.tensors.w!.toTypedArray())).toEqual([1.5, -2])
  })

  test('a tensor may be named __proto__ without touching any prototype', () => {
    const bytes = file('{"__proto__":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}', [7, 0, 0, 0])
    const r = st.decode(bytes)
    if (r._tag === 'Left') throw r.left
    expect(Object.getPrototypeOf(r.right.tensors)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(r.right.tensors, '__proto__')?.value).toBeInstanceOf(Tensor)
  })

  test('byte swapping (big-endian hosts) is exact and its own inverse', () => {
    const b = new Uint8Array(new Float32Array([1, -0]).buffer)
    swapInPlace(b, 4)
    expect(Array.from(b)).toEqual([0x3f, 0x80, 0, 0, 0x80, 0, 0, 0])
    swapInPlace(b, 4)
    expect(new Float32Array(b.buffer)[0]).toBe(1)
    expect(Object.is(new Float32Array(b.buffer)[1], -0)).toBe(true)
  })
})

describe('rejections', () => {
  const ok = st.encode({ a: tensor([1, 2], 'float32'), b: tensor([3], 'int32') })
  const cases: readonly [string, Uint8Array, string][] = [
    ['fewer than 8 bytes', new Uint8Array(5), 'safetensors: the file has 5 bytes, fewer than the 8 of the header length (truncated file?)'],
    ['a header length over the limit', file('{}', [], 100_000_001), "safetensors: the header length 100000001 is over the format's limit of 100000000 bytes"],
    ['a header length in the high word', (() => { const b = file('{}'); b[7] = 1; return b })(), "safetensors: the header length 72057594037927938 is over the format's limit of 100000000 bytes"],
    ['a truncated header', ok.subarray(0, 20), 'safetensors: the header length 112 runs past the end of the 20-byte file (truncated file?)'],
    ['truncated data', ok.subarray(0, ok.length - 2), 'b.data_offsets: [8, 12] runs past the end of the 10-byte data section (truncated file?)'],
    ['a header that is not UTF-8', file('{"\xff"}').map((x, i) => (i === 10 ? 0xff : x)), 'safetensors: the header is not valid UTF-8'],
    ['a header not beginning with {', file(' {}'), 'safetensors: the header must begin with "{", got " {}"'],
    ['a byte-order mark', file('\ufeff{}'), 'safetensors: the header must begin with "{", got "\ufeff{}"'],
    ['invalid JSON', file('{"a":'), 'safetensors: the header is not valid JSON'],
    ['a duplicate tensor name', file('{"a":{"dtype":"I32","shape":[],"data_offsets":[0,4]},"a":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}', [0, 0, 0, 0]), 'duplicate key "a" in the header (the format disallows them)'],
    ['a duplicate field', file('{"a":{"dtype":"I32","dtype":"F32","shape":[],"data_offsets":[0,4]}}', [0, 0, 0, 0]), 'a: duplicate key "dtype" in the header (the format disallows them)'],
    ['an unknown dtype', file('{"w":{"dtype":"F33","shape":[],"data_offsets":[0,4]}}', [0, 0, 0, 0]), 'w.dtype: unknown dtype "F33", expected "F32", "F64", "I32" or "BOOL"'],
    ['an unsupported dtype', file('{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}', [0, 0, 0, 0]), 'w.dtype: unsupported dtype "F16": grad-ts reads F32, F64, I32 and BOOL'],
    ['a negative dimension', file('{"layers.1.w":{"dtype":"F32","shape":[-3],"data_offsets":[0,0]}}'), 'layers.1.w.shape[0]: expected a non-negative integer, got -3'],
    ['offsets that are not a pair', file('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}', [0, 0, 0, 0]), 'w.data_offsets: expected data offsets [begin, end], got [0,4,8]'],
    ['a missing field', file('{"w":{"dtype":"F32","data_offsets":[0,4]}}', [0, 0, 0, 0]), 'w.shape: missing, expected a shape (an array of non-negative integers)'],
    ['a non-string metadata value', file('{"__metadata__":{"step":3}}'), '__metadata__.step: expected a string (metadata values are strings), got 3'],
    ['an entry that is not an object', file('{"w":[]}'), 'w: expected a tensor entry { dtype, shape, data_offsets }, got []'],
    ['a header that is an array', file('[]'), 'safetensors: the header must begin with "{", got "[]"'],
    ['a shape/offset size mismatch', file('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', [0, 0, 0, 0]), 'w: shape [2] of F32 needs 8 bytes, but data_offsets [0, 4] span 4'],
    ['end before begin', file('{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}', [0, 0, 0, 0]), 'w.data_offsets: end 0 is before begin 4'],
    ['overlapping offsets', file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f32([1, 2])), 'b.data_offsets: [4, 8] overlaps a at [0, 8]'],
    ['a hole', file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}', f32([1, 0, 2])), 'b.data_offsets: [8, 12] leaves bytes [4, 8) of the data section in no tensor (holes are not allowed)'],
    ['a hole at the start', file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f32([0, 1])), 'a.data_offsets: [4, 8] leaves bytes [0, 4) of the data section in no tensor (holes are not allowed)'],
    ['trailing bytes', file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f32([1, 2])), 'safetensors: the tensors cover 4 bytes but the data section has 8; bytes in no tensor are not allowed'],
    ['an out-of-bounds tensor', file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', f32([1])), 'a.data_offsets: [0, 8] runs past the end of the 4-byte data section (truncated file?)'],
    ['NaN', st.encode({ w: tensor([1, NaN, NaN]) }), 'w: element 1 is NaN (and 1 more non-finite values); non-finite values are rejected unless allowNonFinite: true'],
    ['-Infinity', st.encode({ w: tensor([-Infinity], 'float64') }), 'w: element 0 is -Infinity; non-finite values are rejected unless allowNonFinite: true'],
    ['a BOOL byte other than 0/1', file('{"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}}', [0, 2, 1]), 'm: element 1 is 2, but a BOOL element must be 0 or 1'],
  ]
  test.each(cases)('%s', (_, bytes, message) => {
    const m = messageOf(st.decode(bytes))
    if (message.endsWith('not valid JSON')) expect(m.startsWith(`${message} (`)).toBe(true)
    else expect(m).toBe(message)
  })

  test('non-finite values load when allowed, bit for bit', () => {
    const x = fromTypedArray(new Float32Array(new Uint32Array([0x7fc00001, 0xff800000, 0x80000000]).buffer))
    const r = st.decode(st.encode({ x }), { allowNonFinite: true })
    expect(r._tag === 'Right' && Array.from(new Uint32Array(r.right.tensors.x!.toTypedArray().buffer))).toEqual([0x7fc00001, 0xff800000, 0x80000000])
  })

  test('several problems are all reported', () => {
    const r = st.decode(file('{"a":{"dtype":"F16","shape":[-1],"data_offsets":[0]},"b":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}', [0, 0, 0, 0]))
    expect(r._tag === 'Left' && r.left.issues.map((i) => i.path)).toEqual(['a.dtype', 'a.shape[0]', 'a.data_offsets'])
  })

  test('decoding anything never throws', () => {
    expect(messageOf(st.decode('not bytes' as unknown as Uint8Array))).toBe('safetensors: expected the file\'s bytes as a Uint8Array, got "not bytes"')
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat({ max: 200 }), (tail, n) => {
        const b = new Uint8Array(8 + tail.length)
        new DataView(b.buffer).setUint32(0, n, true)
        b.set(tail, 8)
        expect(() => st.decode(b)).not.toThrow()
      }),
    )
  })

  test('the duplicate-key scan ignores keys inside strings and arrays', () => {
    expect(findDuplicateKey('{"a":"{\\"a\\":1,\\"a\\":2}","b":[{"a":1},{"a":2}]}')).toBeUndefined()
    expect(findDuplicateKey('{"b":[{"a":1},{"a":2,"\\u0061":3}]}')).toEqual({ path: 'b[1]', key: 'a' })
  })
})

describe('encode errors are programmer errors', () => {
  test('two leaves with one name', () => {
    expect(() => st.encode({ 'a.b': tensor([1]), a: { b: tensor([2]) } })).toThrow('io.safetensors.encode: two tensors are named "a.b"')
  })
  test('a leaf named __metadata__', () => {
    expect(() => st.encode({ __metadata__: tensor([1]) })).toThrow('"__metadata__" is reserved')
  })
})

describe('decodeTree', () => {
  const like = { layers: [{ w: zeros([2, 3]), b: zeros([3]) }] }
  const params = { layers: [{ w: tensor([[1, 2, 3], [4, 5, 6]]), b: tensor([7, 8, 9]) }] }

  test('restores the structure and values', () => {
    const r = st.decodeTree(like, st.encode(params))
    if (r._tag === 'Left') throw r.left
    expect(r.right.layers[0]!.w.toArray()).toEqual([[1, 2, 3], [4, 5, 6]])
    expect(Object.keys(r.right.layers[0]!)).toEqual(['w', 'b'])
  })

  test('names, dtypes and shapes are checked, every mismatch at its path', () => {
    const bytes = st.encode({ layers: [{ w: tensor([[1, 2], [3, 4], [5, 6]]), b: tensor([7, 8, 9], 'float64') }], extra: tensor([0]) })
    const r = st.decodeTree({ ...like, scale: zeros([1]) }, bytes)
    expect(r._tag === 'Left' && r.left.message.split('\n')).toEqual([
      'layers.0.w.shape[0]: expected 2, got 3',
      'layers.0.w.shape[1]: expected 3, got 2',
      'layers.0.b.dtype: expected float32, got float64',
      'scale: missing from the file (expected float32 [1])',
      'extra: in the file but not in the expected tree',
    ])
    const rank = st.decodeTree({ w: zeros([6]) }, st.encode({ w: tensor([[1, 2, 3], [4, 5, 6]]) }))
    expect(rank._tag === 'Left' && rank.left.message).toBe('w.shape: expected [6], got [2,3]')
  })

  test('file errors come through unchanged', () => {
    expect(st.decodeTree(like, new Uint8Array(4))._tag).toBe('Left')
  })
})

describe('checkpoints', () => {
  const config = {
    layers: [4, 3, 2],
    activation: 'tanh',
    keep: { input: 0.8, hidden: 0.5 },
    optimizer: { type: 'sgd', learningRate: 0.1 },
    batchSize: 2,
    epochs: 1,
    seed: 7,
  }
  const decoded = io.decodeTrainingConfig(config)
  if (decoded._tag === 'Left') throw decoded.left
  const params = { w: tensor([[1, 2]]) }

  test('config, key, step and metadata round-trip; reserved keys are hidden', () => {
    const bytes = io.encodeCheckpoint(params, { config: decoded.right, key: [1, 2 ** 32 - 1], step: 42, metadata: { note: 'run a' } })
    const r = io.decodeCheckpoint({ w: zeros([1, 2]) }, bytes)
    if (r._tag === 'Left') throw r.left
    expect(r.right.config).toEqual(config)
    expect(r.right.key === undefined ? undefined : random.keyData(r.right.key)).toEqual([1, 2 ** 32 - 1])
    expect(r.right.step).toBe(42)
    expect(r.right.metadata).toEqual({ note: 'run a' })
    const raw = st.decode(bytes)
    expect(raw._tag === 'Right' && Object.keys(raw.right.metadata).sort()).toEqual(['grad-ts/config', 'grad-ts/crc32c', 'grad-ts/key', 'grad-ts/step', 'note'])
  })

  test('a random.Key is saved as its two words and comes back as a random.Key', () => {
    const k = random.split(random.key(7))[1]
    const r = io.decodeCheckpoint(params, io.encodeCheckpoint(params, { key: k }))
    if (r._tag === 'Left') throw r.left
    expect(r.right.key !== undefined && random.isKey(r.right.key) && random.keyEq.equals(r.right.key, k)).toBe(true)
  })

  test('an absent part stays absent', () => {
    const r = io.decodeCheckpoint(params, io.encodeCheckpoint(params))
    expect(r._tag === 'Right' && ['config', 'key', 'step'].some((k) => k in r.right)).toBe(false)
  })

  test('bad metadata is reported under __metadata__', () => {
    // Files with a valid checksum but entries encodeCheckpoint would never write.
    const signed = (metadata: Record<string, string>): Uint8Array => encodeLeaves('test', tree.flatten(params), metadata, true)
    const bad = signed({ 'grad-ts/config': JSON.stringify({ ...config, optimizer: { type: 'sgd', learningRate: -1 } }), 'grad-ts/key': '[0,1]' })
    expect(messageOf(io.decodeCheckpoint(params, bad))).toBe('__metadata__.grad-ts/config.optimizer.learningRate: expected a positive finite number, got -1')
    expect(messageOf(io.decodeCheckpoint(params, signed({ 'grad-ts/key': '[0,' })))).toBe('__metadata__.grad-ts/key: not valid JSON: "[0,"')
    expect(messageOf(io.decodeCheckpoint(params, signed({ 'grad-ts/key': '[0,-1]' })))).toBe('__metadata__.grad-ts/key[1]: expected an unsigned 32-bit integer, got -1')
    expect(messageOf(io.decodeCheckpoint(params, signed({ 'grad-ts/step': '1.5' })))).toBe('__metadata__.grad-ts/step: expected a non-negative integer, got 1.5')
    expect(messageOf(io.decodeCheckpoint(params, signed({ 'grad-ts/stpe': '1' })))).toBe(
      '__metadata__.grad-ts/stpe: not an entry grad-ts writes (grad-ts/config, grad-ts/key, grad-ts/step, grad-ts/optState, grad-ts/crc32c): the file is damaged, or was written by a newer version',
    )
  })

  test('grad-ts entries without a checksum are refused; files of other tools (no grad-ts entries) load', () => {
    expect(messageOf(io.decodeCheckpoint(params, st.encode(params, { 'grad-ts/step': '3' })))).toBe(
      '__metadata__: has grad-ts/step but no grad-ts/crc32c, which io.encodeCheckpoint always writes: the file is damaged, or was changed after it was written',
    )
    const foreign = io.decodeCheckpoint(params, st.encode(params, { format: 'pt' }))
    expect(foreign._tag === 'Right' && foreign.right.metadata).toEqual({ format: 'pt' })
  })

  test('a checkpoint that could not be read back is never written', () => {
    expect(() => io.encodeCheckpoint(params, { config: { ...decoded.right, batchSize: 0 } as unknown as io.TrainingConfig })).toThrow(
      'io.encodeCheckpoint: the training config is not valid: batchSize: expected a positive integer, got 0',
    )
    expect(() => io.encodeCheckpoint(params, { key: [0, -1] })).toThrow('io.encodeCheckpoint: the key is not valid: [1]: expected an unsigned 32-bit integer, got -1')
    expect(() => io.encodeCheckpoint(params, { step: -1 })).toThrow('the step must be a non-negative integer, got -1')
    expect(() => io.encodeCheckpoint(params, { metadata: { 'grad-ts/key': '[0,0]' } })).toThrow('metadata key "grad-ts/key" is reserved')
    expect(() => io.encodeCheckpoint(params, { metadata: { 'grad-ts/other': '' } })).toThrow('metadata key "grad-ts/other" is reserved (keys starting "grad-ts/" are)')
    expect(() => io.encodeCheckpoint({ 'grad-ts/optState': tensor([1]) })).toThrow('io.encodeCheckpoint: the parameter "grad-ts/optState" starts with "grad-ts/", which is reserved for the optimizer state')
    expect(() => st.encode(params, { 'grad-ts/crc32c': '00000000' })).toThrow('io.safetensors.encode: metadata key "grad-ts/crc32c" is reserved for the checksum io.encodeCheckpoint writes')
  })
})
