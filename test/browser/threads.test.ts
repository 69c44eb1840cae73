/**
 * The WebAssembly backend's threads in a browser: grad-ts inside a module Web
 * Worker of a cross-origin-isolated page (served with COOP `same-origin` and
 * COEP `require-corp`) starts a pool of Web Workers on `setThreads(2)`, which
 * `threadsReady()` waits for; a matmul and a Bernoulli mask then split over
 * both threads and give Node's bits. The same page served without the headers
 * is not isolated, so its worker runs one thread (and the same bits).
 *
 * The worker's script is threads-worker.ts, bundled here from the sources by
 * esbuild (a dev dependency, pinned to the version the TypeScript runner uses);
 * Chromium comes from npm as in live.test.ts (or GRAD_TS_CHROMIUM).
 */
import { existsSync, readFileSync } from 'node:fs'
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import sparticuz from '@sparticuz/chromium'
import { build } from 'esbuild'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { random } from '../../src/index.js'
import { bits, mask, ones, product } from './threads-inputs.js'

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url))

const chromiumExecutable = async (): Promise<string> => {
  const chosen = process.env['GRAD_TS_CHROMIUM']
  if (chosen === undefined || chosen === '') return sparticuz.executablePath()
  if (!existsSync(chosen)) throw new Error(`GRAD_TS_CHROMIUM is ${chosen}, which does not exist`)
  return chosen
}

const isolation = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }

/** Serves the page and the worker's bundle under /isolated/ (with the isolation headers on every response) and /plain/ (without). */
const serve = (worker: string): Promise<Server> =>
  new Promise((resolve) => {
    const page = readFileSync(here('./threads.html'))
    const server = createServer((req, res) => {
      const m = /^\/(isolated|plain)\/(threads\.html|threads-worker\.js)$/.exec(new URL(req.url ?? '/', 'http://localhost').pathname)
      if (m === null) {
        res.writeHead(404).end()
        return
      }
      const headers = m[1] === 'isolated' ? isolation : {}
      if (m[2] === 'threads.html') res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' }).end(page)
      else res.writeHead(200, { ...headers, 'content-type': 'text/javascript' }).end(worker)
    })
    server.listen(0, '127.0.0.1', () => { resolve(server) })
  })

interface Result {
  readonly error?: string
  readonly crossOriginIsolated: boolean
  readonly name: string
  readonly threads: number
  readonly maxThreads: number
  readonly ready: number
  readonly productRuns: number
  readonly maskRuns: number
  readonly product: number[]
  readonly mask: string
  readonly early: { readonly product: number[]; readonly mask: string }
  readonly readyAfter: number
  readonly uniform0: number
}

let server: Server | undefined
let browser: Browser | undefined
let base: string
const problems: string[] = []

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [here('./threads-worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  })
  server = await serve(bundle.outputFiles[0]!.text)
  base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`
  browser = await chromium.launch({
    executablePath: await chromiumExecutable(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  })
}, 180_000)

afterAll(async () => {
  await browser?.close()
  const s = server
  if (s !== undefined) await new Promise((resolve) => s.close(resolve))
})

/** Opens the page under `route` and returns its worker's result. */
const resultOf = async (route: 'isolated' | 'plain'): Promise<Result> => {
  const page = await browser!.newPage()
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${route}: console.${m.type()}: ${m.text()}`) })
  page.on('pageerror', (e) => { problems.push(`${route}: page error: ${e.message}`) })
  try {
    await page.goto(`${base}/${route}/threads.html`)
    const r = await page.evaluate(() => (window as unknown as { result: Promise<unknown> }).result) as Result
    expect(r.error).toBeUndefined()
    return r
  } finally {
    await page.close()
  }
}

/** Node's bits for the same computations (on this project's backend: WebAssembly, one thread). */
const node = { product: bits(product()), mask: ones(mask()) }

describe('threads in a browser worker', () => {
  it('an isolated page: grad-ts in a worker runs 2 threads once they are ready, with the bits Node computes', async () => {
    const r = await resultOf('isolated')
    expect(r.crossOriginIsolated).toBe(true)
    expect(r.name).toBe('wasm')
    expect(r.maxThreads).toBeGreaterThanOrEqual(2)
    expect(r.threads).toBe(2)
    expect(r.ready).toBe(2)
    // Both kernels split over the two threads: one parallel run each.
    expect(r.productRuns).toBe(1)
    expect(r.maskRuns).toBe(1)
    expect(r.product).toEqual(node.product)
    expect(r.mask).toBe(node.mask)
    // Right after setThreads(3), before its workers had started, the calling thread ran their jobs: the same bits.
    expect(r.early.product).toEqual(node.product)
    expect(r.early.mask).toBe(node.mask)
    expect(r.readyAfter).toBe(3)
    // JAX prints 0.947667 for jax.random.uniform(jax.random.key(0)); Node gives the float32 exactly.
    expect(r.uniform0).toBe(random.uniform(random.key(0), []).item())
    expect(r.uniform0.toFixed(6)).toBe('0.947667')
    expect(problems).toEqual([])
  }, 60_000)

  it('the same page without the isolation headers: one thread, the same bits', async () => {
    const r = await resultOf('plain')
    expect(r.crossOriginIsolated).toBe(false)
    expect(r.name).toBe('wasm')
    expect(r.maxThreads).toBe(1)
    expect(r.threads).toBe(1)
    expect(r.ready).toBe(1)
    expect(r.readyAfter).toBe(1)
    expect(r.productRuns + r.maskRuns).toBe(0)
    expect(r.product).toEqual(node.product)
    expect(r.mask).toBe(node.mask)
    expect(problems).toEqual([])
  }, 60_000)
})
