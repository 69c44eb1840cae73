/**
 * Checkpoint integrity: CRC-32C against its published known answers, what
 * the stored checksum covers (the canonical header and the data), and a
 * sweep of single-byte corruptions of which none may decode to different
 * content.
 */
import { Buffer } from 'node:buffer'
import { describe, expect, test } from 'vitest'
import { type Tensor, optim, random, tensor, tree, zeros } from '../../src/index.js'
import { crc32c, crcHex } from '../../src/io/crc32c.js'
import * as io from '../../src/io/index.js'

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const headerOf = (bytes: Uint8Array): string => {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true))
  return new TextDecoder().decode(bytes.subarray(8, 8 + n))
}
const message = (r: { readonly _tag: 'Left'; readonly left: Error } | { readonly _tag: 'Right' }): string => (r._tag === 'Left' ? r.left.message : 'decoded')

describe('CRC-32C (Castagnoli)', () => {
  test('the known answers of RFC 3720, section B.4, and the check value of "123456789"', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa)
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43)
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e)
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c)
    expect(crc32c(utf8('123456789'))).toBe(0xe3069283)
    expect(crc32c(new Uint8Array(0))).toBe(0)
    expect(crcHex(0x0a)).toBe('0000000a')
  })

  test('continues over more bytes: crc32c(b, crc32c(a)) is the checksum of a then b', () => {
    const all = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31 + 7) & 0xff)
    for (const cut of [0, 1, 7, 500, 999, 1000]) expect(crc32c(all.subarray(cut), crc32c(all.subarray(0, cut)))).toBe(crc32c(all))
  })
})

describe('the checksum of a checkpoint', () => {
  const params = { w: tensor([1, 2]) }

  test('is the CRC-32C of the canonical header without the checksum, then the data section', () => {
    const bytes = io.encodeCheckpoint(params, { step: 1 })
    const header = headerOf(bytes)
    const stored = /"grad-ts\/crc32c":"([0-9a-f]{8})"/.exec(header)?.[1]
    expect(header.trimEnd()).toBe(`{"__metadata__":{"grad-ts/crc32c":"${stored!}","grad-ts/step":"1"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`)
    const canonical = utf8('{"__metadata__":{"grad-ts/step":"1"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}')
    const data = new Uint8Array(new Float32Array([1, 2]).buffer)
    expect(stored).toBe(crcHex(crc32c(data, crc32c(canonical))))
  })

  const patched = (bytes: Uint8Array, from: string, to: string): Uint8Array => {
    expect(to.length).toBe(from.length)
    const header = headerOf(bytes)
    expect(header).toContain(from)
    const out = bytes.slice()
    out.set(utf8(header.replace(from, to)), 8)
    return out
  }
  const corrupted = /^__metadata__\.grad-ts\/crc32c: the file was saved with CRC-32C [0-9a-f]{8} but its contents have [0-9a-f]{8}: it is corrupted, or was changed after it was written$/

  test.each([
    ['a tensor renamed', '"w":', '"v":'],
    ['a dtype changed (same size)', '"F32"', '"I32"'],
    ['a shape changed (same size)', '"shape":[2]', '"shape":[1]'],
    ['metadata changed', '"grad-ts/step":"3"', '"grad-ts/step":"4"'],
  ])('covers the header: %s is refused', (_, from, to) => {
    const bytes = io.encodeCheckpoint({ w: tensor([[1, 2]]), b: tensor([3]) }, { step: 3 })
    const edited = from === '"shape":[2]' ? patched(io.encodeCheckpoint({ w: tensor([[1], [2]]) }, { step: 3 }), '"shape":[2,1]', '"shape":[1,2]') : patched(bytes, from, to)
    expect(message(io.decodeCheckpoint({ w: zeros([1, 2]), b: zeros([1]) }, edited))).toMatch(corrupted)
    expect(message(io.safetensors.decode(edited))).toMatch(corrupted)
  })

  test('covers the data', () => {
    const bytes = io.encodeCheckpoint(params)
    bytes[bytes.length - 1]! ^= 1
    expect(message(io.safetensors.decodeTree(params, bytes))).toMatch(corrupted)
  })

  test('covers content, not spelling: other padding whitespace still loads', () => {
    const bytes = io.encodeCheckpoint(params, { step: 1 })
    const last = 8 + headerOf(bytes).length - 1
    expect(bytes[last]).toBe(0x20)
    bytes[last] = 0x0a
    expect(io.decodeCheckpoint(params, bytes)._tag).toBe('Right')
  })

  test('a malformed checksum is refused; files without one (other tools) load', () => {
    const bytes = io.encodeCheckpoint(params)
    const stored = /"grad-ts\/crc32c":"([0-9a-f]{8})"/.exec(headerOf(bytes))![1]!
    const upper = patched(bytes, stored, stored.replace(/[0-9]/g, 'A').toUpperCase())
    expect(message(io.safetensors.decode(upper))).toMatch(/^__metadata__\.grad-ts\/crc32c: expected a CRC-32C as 8 lowercase hex digits, got "/)
    expect(io.safetensors.decode(io.safetensors.encode(params))._tag).toBe('Right')
  })
})

describe('single-byte corruption of a checkpoint', () => {
  const tx = optim.chain(optim.addWeightDecay(1e-3), optim.momentum({ learningRate: optim.inverseTime(0.1, 10), momentum: 0.9 }))
  const params = {
    layers: [{ w: tensor([[0.5, -0.25], [1, -0]]), b: tensor([0.125, 2], 'float64') }],
    counts: tensor([3, -7], 'int32'),
    mask: tensor([1, 0, 1], 'bool'),
  }
  const trained = { layers: params.layers } // the optimizer sees the float leaves
  const grads = tree.map((x: Tensor) => x)(trained)
  let optState = tx.init(trained)
  for (let i = 0; i < 2; i++) optState = tx.update(grads, optState, trained)[1]
  const config = io.decodeTrainingConfig({
    layers: [2, 2], activation: 'relu', keep: { input: 0.8, hidden: 0.5 }, maxNorm: 3,
    optimizer: { type: 'momentum', learningRate: 0.1, momentum: 0.9 }, batchSize: 10, epochs: 1, seed: 42,
  })
  if (config._tag === 'Left') throw config.left
  const contents = { optState, config: config.right, key: random.key(42), step: 2, metadata: { note: 'epoch 1' } }
  const bytes = io.encodeCheckpoint(params, contents)
  const like = { layers: [{ w: zeros([2, 2]), b: zeros([2], 'float64') }], counts: zeros([2], 'int32'), mask: zeros([3], 'bool') }

  /** The decoded checkpoint, written again: equal bytes mean equal content (parameters, state, config, key, step, metadata). */
  const content = (b: Uint8Array): string | undefined => {
    const r = io.decodeCheckpoint(like, b, { optState: tx.init({ layers: like.layers }) })
    if (r._tag === 'Left') return undefined
    const { params: p, optState: s, config: c, key, step, metadata } = r.right
    return Buffer.from(io.encodeCheckpoint(p, { optState: s, metadata, ...(c === undefined ? {} : { config: c }), ...(key === undefined ? {} : { key }), ...(step === undefined ? {} : { step }) })).toString('hex')
  }

  test('no flip of any byte, by any of ten patterns, decodes to different content', () => {
    const original = content(bytes)
    expect(original).toBe(Buffer.from(bytes).toString('hex'))
    let seed = 0x9e3779b9
    const next = (): number => {
      seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0
      return seed
    }
    let flips = 0
    let refused = 0
    let unchanged = 0
    const changed: string[] = []
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff, (next() % 255) + 1]) {
        const b = bytes.slice()
        b[i]! ^= mask
        flips++
        const c = content(b) // never throws
        if (c === undefined) refused++
        else if (c === original) unchanged++
        else changed.push(`byte ${i} ^ 0x${mask.toString(16)}`)
      }
    }
    console.info(`${flips} single-byte flips of a ${bytes.length}-byte checkpoint: ${refused} refused, ${unchanged} decoded to the same content, ${changed.length} to different content`)
    expect(changed).toEqual([])
    expect(flips).toBe(bytes.length * 10)
    expect(unchanged).toBeLessThan(flips / 20) // only padding whitespace
  })
})
