/**
 * What the threads test computes, shared by the Web Worker that runs it in
 * Chromium (threads-worker.ts) and by Node, whose bits it must match: a
 * float32 matmul large enough to split over threads (256³ multiply-adds) and
 * a Bernoulli mask large enough to split (2¹⁷ draws).
 */
import { type Tensor, fromTypedArray, matmul, random } from '../../src/index.js'

export const N = 256

/** Deterministic float32 values in [−1, 1) with varied low bits (a Weyl sequence), no randomness needed. */
const values = (n: number, seed: number): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => ((i * 0.6180339887498949 + seed * 0.4142135623730951) % 1) * 2 - 1)

export const product = (): Tensor => matmul(fromTypedArray(values(N * N, 1), [N, N]), fromTypedArray(values(N * N, 2), [N, N]))

export const mask = (): Tensor => random.bernoulli(random.key(7), 0.3, [512, 256])

/** A float32 tensor's elements as their bit patterns, so that −0 and NaN compare exactly. */
export const bits = (t: Tensor): number[] => {
  const a = t.toTypedArray() as Float32Array
  return Array.from(new Int32Array(a.buffer, a.byteOffset, a.length))
}

/** A bool tensor as a string of 0s and 1s. */
export const ones = (t: Tensor): string => Array.from(t.toTypedArray(), (v) => (v === 1 ? '1' : '0')).join('')
