/**
 * The live page in a real browser: the built site (docs/.vitepress/dist,
 * built by `npm test` before vitest, or here if it is missing) is served on
 * localhost by a tiny static server, and headless Chromium opens it through
 * playwright-core. The page must train (the loss falls), print no console
 * error, draw the same dropout masks for a key as Node computes, and compare
 * weight scaling with Monte-Carlo averaging. The API reference pages must
 * load with no failed request either, their favicon included. A screenshot
 * goes to test-output/browser/.
 *
 * The browser comes from npm: the devDependency @sparticuz/chromium ships a
 * packed headless Chromium, unpacked into the temp folder on first use (no
 * apt, no download). To use another Chromium instead, set GRAD_TS_CHROMIUM to
 * its executable, e.g. `GRAD_TS_CHROMIUM=/usr/bin/chromium npm test`.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import sparticuz from '@sparticuz/chromium'
import { type Browser, type Page, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Tensor, nn, random } from '../../src/index.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const dist = join(root, 'docs/.vitepress/dist')
const shots = join(root, 'test-output/browser')

/** GRAD_TS_CHROMIUM when it is set, else the Chromium packed in @sparticuz/chromium (unpacked on first use). */
const chromiumExecutable = async (): Promise<string> => {
  const chosen = process.env['GRAD_TS_CHROMIUM']
  if (chosen === undefined || chosen === '') return sparticuz.executablePath()
  if (!existsSync(chosen)) throw new Error(`GRAD_TS_CHROMIUM is ${chosen}, which does not exist`)
  return chosen
}

const types: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.bin': 'application/octet-stream',
}

/** Serves `dir` read-only on 127.0.0.1, as a static host would (`/live` → live.html). */
const serve = (dir: string): Promise<Server> =>
  new Promise((resolve) => {
    const server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname)
      const candidates = [path, `${path}.html`, join(path, 'index.html')].map((p) => normalize(join(dir, p)))
      const file = candidates.find((f) => (f === dir || f.startsWith(dir + sep)) && existsSync(f) && statSync(f).isFile())
      if (file === undefined) {
        res.writeHead(404, { 'content-type': types['.html']! }).end(readFileSync(join(dir, '404.html')))
        return
      }
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file))
    })
    server.listen(0, '127.0.0.1', () => { resolve(server) })
  })

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]))

let server: Server | undefined
let browser: Browser | undefined
let page: Page
let base: string
const problems: string[] = []

beforeAll(async () => {
  if (!existsSync(join(dist, 'live.html')) || !existsSync(join(dist, 'data/mnist-digits.bin'))) {
    execFileSync('npm', ['run', 'docs:build'], { cwd: root, stdio: 'inherit' })
  }
  const executablePath = await chromiumExecutable()
  server = await serve(dist)
  base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  })
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`) })
  page.on('pageerror', (e) => { problems.push(`page error: ${e.message}`) })
  page.on('requestfailed', (r) => { problems.push(`request failed: ${r.url()}`) })
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${String(r.status())}: ${r.url()}`) })
}, 180_000)

afterAll(async () => {
  // Either is missing when beforeAll failed; its error is the one to read.
  await browser?.close()
  const s = server
  if (s !== undefined) await new Promise((resolve) => s.close(resolve))
})

/** The masks that `nn.mlp` draws in Train mode from the key with these words, computed in Node. */
const nodeMasks = (words: readonly number[], keepInput: number, keepHidden: number, batch: number) => {
  const k = random.wrapKeyData(words)
  const [input, hidden] = random.evaluate(k)(
    random.sequenceT(nn.dropoutMask([batch, 784], { keep: keepInput }), nn.dropoutMask([batch, 100], { keep: keepHidden })),
  )
  const row0 = (t: Tensor, n: number) => Array.from(t.toTypedArray().subarray(0, n), (v) => (v === 1 ? '1' : '0')).join('')
  return { input: keepInput === 1 ? '' : row0(input, 784), hidden: row0(hidden, 100) }
}

/** The page's masks and draws for its current key, checked against Node. */
const checkMasksAgainstNode = async (seed: number) => {
  const m = await page.getByTestId('masks').evaluate((e: HTMLElement) => Object.fromEntries(Object.entries(e.dataset)))
  const u = await page.getByTestId('uniform').evaluate((e: HTMLElement) => Object.fromEntries(Object.entries(e.dataset)))
  const words = m.key!.split(',').map(Number)
  const step = Number(m.step)
  // The key of step t is foldIn(foldIn(key(seed), 2), t).
  expect(words).toEqual(random.keyData(random.foldIn(random.foldIn(random.key(seed), 2), step)))
  const expected = nodeMasks(words, Number(m.keepInput), Number(m.keepHidden), Number(m.batch))
  expect(m.inputMask).toHaveLength(784)
  expect(m.inputMask).toBe(expected.input)
  expect(m.hiddenMask).toBe(expected.hidden)
  expect(u.stepUniform).toBe(Array.from(random.uniform(random.wrapKeyData(words), [4]).toTypedArray()).join(','))
  expect(Number(u.keyUniform)).toBe(random.uniform(random.key(seed), []).item())
  return step
}

describe('the live page in Chromium', () => {
  it('ships the library without Node built-ins', () => {
    const js = filesUnder(join(dist, 'assets')).filter((f) => f.endsWith('.js'))
    expect(js.length).toBeGreaterThan(0)
    const offenders = js.filter((f) => /(?:from\s*|import\s*\(\s*|require\s*\(\s*)["']node:/.test(readFileSync(f, 'utf8')))
    expect(offenders).toEqual([])
  })

  it('loads the digits and draws the masks Node draws for the same key', async () => {
    await page.goto(`${base}/live.html`)
    await page.locator('.live-root[data-state="ready"]').waitFor({ timeout: 60_000 })
    await expect.poll(() => page.getByTestId('status').textContent()).toContain('1500 training and 500 test digits')
    // The page trains on WebAssembly SIMD, on one thread: a page's main thread may not block, so there are no workers.
    expect(await page.locator('.live-root').getAttribute('data-backend')).toBe('wasm')
    expect(await page.locator('.live-root').getAttribute('data-threads')).toBe('1')
    expect(await page.getByTestId('status').textContent()).toContain('kernels run on WebAssembly SIMD on 1 thread')
    expect(await checkMasksAgainstNode(0)).toBe(0)
    // JAX prints 0.947667 for jax.random.uniform(jax.random.key(0)).
    expect(await page.getByTestId('uniform').textContent()).toContain('random.uniform(random.key(0)) = 0.947667')
  }, 90_000)

  it('trains: the loss falls, and the masks of later keys still match Node', async () => {
    await page.getByRole('button', { name: 'train' }).click()
    const progress = page.getByTestId('progress')
    await page.waitForFunction(
      () => {
        const d = document.querySelector<HTMLElement>('[data-testid="progress"]')?.dataset
        return d !== undefined && Number(d.step) >= 60 && Number(d.lossRecent) < 0.6 * Number(d.lossFirst)
      },
      undefined,
      { timeout: 120_000, polling: 250 },
    )
    await page.getByRole('button', { name: 'pause' }).click()
    const d = await progress.evaluate((e: HTMLElement) => Object.fromEntries(Object.entries(e.dataset)))
    expect(Number(d.lossRecent)).toBeLessThan(0.6 * Number(d.lossFirst))
    await expect.poll(() => page.locator('.live-root').getAttribute('data-state')).toBe('paused')
    expect(await checkMasksAgainstNode(0)).toBeGreaterThanOrEqual(60)
  }, 150_000)

  it('changes the keep probability, then compares weight scaling with Monte-Carlo averaging', async () => {
    const keepHidden = page.locator('.live-control', { hasText: 'keep p, hidden units' }).locator('input')
    await keepHidden.fill('0.7')
    await expect.poll(() => page.getByTestId('masks').getAttribute('data-keep-hidden')).toBe('0.7')
    await checkMasksAgainstNode(0)
    await page.getByRole('button', { name: 'compare' }).click()
    const mc = page.getByTestId('mc')
    await expect.poll(() => mc.getAttribute('data-errors'), { timeout: 60_000 }).toBeTruthy()
    const r = JSON.parse((await mc.getAttribute('data-errors'))!) as { ks: number[]; monteCarlo: number[]; weightScaling: number }
    expect(r.ks).toEqual([1, 2, 5, 10, 20, 50])
    for (const e of [...r.monteCarlo, r.weightScaling]) expect(e).toBeGreaterThanOrEqual(0)
    expect(r.weightScaling).toBeLessThan(0.5)
    // Averaging 50 thinned networks beats a single one (paper, Fig. 11).
    expect(r.monteCarlo[5]!).toBeLessThanOrEqual(r.monteCarlo[0]!)
    mkdirSync(shots, { recursive: true })
    await page.screenshot({ path: join(shots, 'live.png'), fullPage: true })
    expect(problems).toEqual([])
  }, 90_000)
})

describe('the API reference in Chromium', () => {
  // A page without an icon link makes a browser ask for /favicon.ico, which the site does not have.
  it.each(['api/index.html', 'api/classes/grad-ts.Tensor.html'])('%s loads, its favicon included, with no failed request', async (path) => {
    await page.goto(`${base}/${path}`)
    await page.locator('.tsd-page-title').waitFor()
    const icons = await page.locator('link[rel~="icon"]').evaluateAll((ls) => ls.map((l) => (l as HTMLLinkElement).href))
    expect(icons).toHaveLength(1)
    const icon = await page.request.get(icons[0]!)
    expect(icon.status()).toBe(200)
    expect(icon.headers()['content-type']).toBe('image/svg+xml')
    expect(problems).toEqual([])
  }, 30_000)
})
