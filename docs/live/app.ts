/**
 * The live page: trains the network of ./model.ts in the browser, in small
 * slices of time so the page stays responsive, draws the dropout masks of
 * the current key, and compares weight scaling with Monte-Carlo averaging.
 * Plain DOM; `mount` returns the function that stops it.
 *
 * For the browser test, the elements carry their numbers as data attributes
 * (`data-step`, `data-key`, the mask bits …), so the page can be checked
 * against the same computation in Node.
 */
import { getBackend, random, slice, type Tensor } from 'grad-ts'
import { drawGrid, drawPlot, paletteOf } from './draw.js'
import {
  BATCH, HIDDEN, KS, PIXELS, SIDE, type Digits, type Run, type Settings,
  batchIndices, decodeDigits, initRun, keysOf, masksOf, monteCarloWrong, rows, stepKey, trainStep, weightScaledError,
} from './model.js'

const TEST = 500
const K_MAX = KS[KS.length - 1]!
/** Longest slice of training between two chances for the browser to paint and handle input. */
const SLICE_MS = 40

type Attrs = Readonly<Record<string, string>>
const el = <K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v)
  e.append(...children)
  return e
}
const canvas = (width: number, height: number, label: string) => el('canvas', { width: String(width), height: String(height), 'aria-label': label, role: 'img' })
const slider = (min: number, max: number, step: number, value: number) =>
  el('input', { type: 'range', min: String(min), max: String(max), step: String(step), value: String(value) })
const bits = (t: Tensor, row: number, n: number): string => Array.from(t.toTypedArray().subarray(row * n, (row + 1) * n), (v) => (v === 1 ? '1' : '0')).join('')
const pct = (x: number) => `${(100 * x).toFixed(1)}%`
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)

export interface MountOptions {
  /** Where the digits asset is served (docs/public/data/mnist-digits.bin, with the site's base). */
  readonly dataUrl: string
}

export const mount = (root: HTMLElement, options: MountOptions): (() => void) => {
  // ---------------------------------------------------------------- controls
  const keepHidden = slider(0.2, 1, 0.05, 0.5)
  const keepInput = slider(0.5, 1, 0.05, 0.8)
  const radius = slider(0.5, 6, 0.25, 3)
  const constrained = el('input', { type: 'checkbox', checked: '' })
  const seedInput = el('input', { type: 'number', min: '0', max: '4294967295', step: '1', value: '0' })
  const trainButton = el('button', { type: 'button', class: 'live-button brand', disabled: '' }, 'train')
  const resetButton = el('button', { type: 'button', class: 'live-button', disabled: '' }, 'reset')
  const compareButton = el('button', { type: 'button', class: 'live-button', disabled: '' }, 'compare')
  const shown = {
    keepHidden: el('output'),
    keepInput: el('output'),
    radius: el('output'),
  }
  const settings = (): Settings => ({
    keepHidden: Number(keepHidden.value),
    keepInput: Number(keepInput.value),
    maxNorm: constrained.checked ? Number(radius.value) : null,
    seed: Math.max(0, Math.floor(Number(seedInput.value) || 0)),
  })

  // ---------------------------------------------------------------- views
  const status = el('p', { 'data-testid': 'status', class: 'live-status' }, 'Loading the digits…')
  const progress = el('p', { 'data-testid': 'progress', class: 'live-progress' })
  const lossPlot = canvas(640, 220, 'training loss by step')
  const keyText = el('code', { 'data-testid': 'key' })
  const masks = el('div', { 'data-testid': 'masks', class: 'live-masks' })
  const digitCanvas = canvas(112, 112, 'the first digit of the next batch')
  const inputMaskCanvas = canvas(112, 112, 'its input dropout mask')
  const maskedCanvas = canvas(112, 112, 'the digit the network sees')
  const hiddenMaskCanvas = canvas(112, 112, 'the hidden dropout mask')
  const figure = (c: HTMLCanvasElement, caption: string) => el('figure', {}, c, el('figcaption', {}, caption))
  masks.append(
    figure(digitCanvas, 'next digit'),
    figure(inputMaskCanvas, 'input mask (red: dropped)'),
    figure(maskedCanvas, 'what the net sees'),
    figure(hiddenMaskCanvas, `hidden mask (${HIDDEN} units)`),
  )
  const uniformText = el('p', { 'data-testid': 'uniform', class: 'live-note' })
  const mcPlot = canvas(640, 220, 'test error against the number of averaged networks')
  const mcText = el('p', { 'data-testid': 'mc', class: 'live-note' }, 'Train a little, then compare.')

  const row = (label: string, ...xs: Node[]) => el('label', { class: 'live-control' }, el('span', {}, label), ...xs)
  root.replaceChildren(
    el(
      'div',
      { class: 'live-controls' },
      row('keep p, hidden units', keepHidden, shown.keepHidden),
      row('keep p, input pixels', keepInput, shown.keepInput),
      row('max-norm radius c', radius, shown.radius, constrained),
      row('seed', seedInput),
      el('div', { class: 'live-buttons' }, trainButton, resetButton),
    ),
    status,
    progress,
    lossPlot,
    el('h3', {}, 'The masks of the current key'),
    el('p', { class: 'live-note' }, 'Step t draws its masks from ', el('code', {}, 'foldIn(dropoutKey, t)'), ' = ', keyText, ': first the input mask, then the hidden mask, as ', el('code', {}, 'nn.mlp'), ' does in Train mode. Shown: the first row of the batch.'),
    masks,
    uniformText,
    el('h3', {}, 'Weight scaling against Monte-Carlo averaging'),
    el('p', { class: 'live-note' }, `Test error on ${TEST} digits of the weight-scaled network, and of the average of k thinned networks' predictions for k = ${KS.join(', ')}.`),
    el('div', { class: 'live-buttons' }, compareButton),
    mcPlot,
    mcText,
  )

  // ---------------------------------------------------------------- state
  let data: { readonly train: Digits; readonly test: Digits } | undefined
  let run: Run | undefined
  let losses: number[] = []
  let errors: (readonly [number, number])[] = []
  let running = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  let comparing = false

  const fail = (e: unknown) => {
    running = false
    root.dataset.state = 'error'
    status.textContent = `Something went wrong: ${e instanceof Error ? e.message : String(e)}`
    console.error(e)
  }

  const drawLoss = () => {
    const p = paletteOf(root)
    const smooth: [number, number][] = []
    let ema = losses[0] ?? 0
    losses.forEach((l, i) => {
      ema = i === 0 ? l : 0.9 * ema + 0.1 * l
      smooth.push([i + 1, ema])
    })
    const steps = Math.max(30, losses.length)
    drawPlot(
      lossPlot,
      [
        { points: smooth, colour: p.accent, label: 'training loss (moving average)' },
        { points: errors.map(([s, e]) => [s, e * 10]), colour: p.second, dots: true, label: 'test error × 10 (weight scaling)' },
      ],
      { xLabel: 'step', yLabel: 'loss', xMax: steps, yMax: 2.5, xTicks: [0, Math.round(steps / 2), steps], yTicks: [0, 0.5, 1, 1.5, 2, 2.5] },
      p,
    )
  }

  const drawMasks = () => {
    if (data === undefined || run === undefined) return
    const s = settings()
    const k = stepKey(s, run.step)
    const words = random.keyData(k)
    keyText.textContent = `[${words.join(', ')}]`
    const m = masksOf(s, run, data.train)
    const first = batchIndices(s, data.train, run.step)[0]!
    // toTypedArray copies (tensors are immutable): read each tensor once, not once per pixel.
    const pixels = slice(data.train.x, [first, 0], [first + 1, PIXELS]).toTypedArray()
    const inputMask = m.input?.toTypedArray()
    const hiddenMask = m.hidden?.toTypedArray()
    const kept = (i: number) => inputMask === undefined || inputMask[i] === 1
    drawGrid(digitCanvas, SIDE, (i) => pixels[i]!)
    drawGrid(inputMaskCanvas, SIDE, (i) => (kept(i) ? 0 : null))
    drawGrid(maskedCanvas, SIDE, (i) => (kept(i) ? pixels[i]! : 0))
    drawGrid(hiddenMaskCanvas, 10, (i) => (hiddenMask === undefined || hiddenMask[i] === 1 ? 0 : null))
    Object.assign(masks.dataset, {
      key: words.join(','),
      step: String(run.step),
      keepInput: String(s.keepInput),
      keepHidden: String(s.keepHidden),
      batch: String(BATCH),
      inputMask: m.input === null ? '' : bits(m.input, 0, PIXELS),
      hiddenMask: m.hidden === null ? '' : bits(m.hidden, 0, HIDDEN),
    })
    const u0 = random.uniform(random.key(s.seed), []).item()
    const u = Array.from(random.uniform(k, [4]).toTypedArray())
    uniformText.dataset.seed = String(s.seed)
    uniformText.dataset.keyUniform = String(u0)
    uniformText.dataset.stepUniform = u.join(',')
    uniformText.textContent = `random.uniform(random.key(${s.seed})) = ${u0.toFixed(6)}${s.seed === 0 ? ' — the number the JAX documentation prints for jax.random.uniform(jax.random.key(0))' : ''}. This step's key draws uniform(k, [4]) = ${u.map((v) => v.toFixed(6)).join(', ')}.`
  }

  const showProgress = () => {
    if (run === undefined || data === undefined) return
    const perEpoch = Math.floor(data.train.y.size / BATCH)
    const first = mean(losses.slice(0, 10))
    const recent = mean(losses.slice(-10))
    const last = errors[errors.length - 1]
    progress.textContent =
      run.step === 0
        ? `Untrained: test error ${pct(weightScaledError(settings(), run.params, data.test))} (weight scaling).`
        : `step ${run.step} · epoch ${(run.step / perEpoch).toFixed(1)} · loss ${recent.toFixed(3)} (first steps ${first.toFixed(3)})${last ? ` · test error ${pct(last[1])} (weight scaling)` : ''}`
    Object.assign(progress.dataset, { step: String(run.step), lossFirst: String(first), lossRecent: String(recent) })
  }

  const redraw = () => {
    showProgress()
    drawMasks()
    drawLoss()
  }

  const reset = () => {
    if (data === undefined) return
    running = false
    trainButton.textContent = 'train'
    run = initRun(settings())
    losses = []
    errors = []
    root.dataset.state = 'ready'
    redraw()
  }

  const tick = () => {
    timer = undefined
    if (!running || stopped || data === undefined || run === undefined) return
    try {
      const s = settings()
      const perEpoch = Math.floor(data.train.y.size / BATCH)
      const t0 = performance.now()
      do {
        const [next, loss] = trainStep(s, run, data.train)
        run = next
        losses.push(loss)
        if (!Number.isFinite(loss)) throw new Error(`the loss is ${loss} at step ${run.step}; lower the max-norm radius or reset`)
        if (run.step % perEpoch === 0) errors.push([run.step, weightScaledError(s, run.params, data.test)])
      } while (performance.now() - t0 < SLICE_MS)
      redraw()
      timer = setTimeout(tick, 0)
    } catch (e) {
      fail(e)
    }
  }

  const compare = async () => {
    if (data === undefined || run === undefined || comparing) return
    comparing = true
    compareButton.disabled = true
    mcText.textContent = 'Averaging thinned networks…'
    delete mcText.dataset.errors
    try {
      const s = settings()
      const params = run.params
      const mcKey = keysOf(s.seed).monteCarlo
      const chunk = 25
      const wrong: number[] = KS.map(() => 0)
      for (let c = 0; c * chunk < TEST; c++) {
        if (stopped) return
        const part = rows(data.test, c * chunk, Math.min(TEST, (c + 1) * chunk))
        const w = monteCarloWrong(s, params, part, random.foldIn(mcKey, c))
        for (let i = 0; i < w.length; i++) wrong[i] = wrong[i]! + w[i]!
        await new Promise((resolve) => setTimeout(resolve, 0))
      }
      const mc = wrong.map((w) => w / TEST)
      const scaled = weightScaledError(s, params, data.test)
      const p = paletteOf(root)
      const top = Math.max(0.05, ...mc, scaled) * 1.15
      const step = top > 0.5 ? 0.2 : top > 0.2 ? 0.1 : 0.05
      drawPlot(
        mcPlot,
        [
          { points: KS.map((k, i) => [k, mc[i]!]), colour: p.accent, dots: true, label: 'Monte-Carlo average of k thinned nets' },
          { points: [[1, scaled], [K_MAX, scaled]], colour: p.second, dashed: true, label: 'weight scaling' },
        ],
        { xLabel: 'k (log scale)', yLabel: 'test error', xMax: K_MAX, yMax: top, logX: true, xTicks: KS, yTicks: Array.from({ length: Math.floor(top / step) + 1 }, (_, i) => i * step), yFormat: pct },
        p,
      )
      mcText.dataset.errors = JSON.stringify({ ks: KS, monteCarlo: mc, weightScaling: scaled, step: run.step })
      mcText.textContent = `After ${run.step} steps: weight scaling ${pct(scaled)}; Monte-Carlo ${KS.map((k, i) => `k=${k}: ${pct(mc[i]!)}`).join(', ')}.`
    } catch (e) {
      fail(e)
    } finally {
      comparing = false
      compareButton.disabled = false
    }
  }

  // ---------------------------------------------------------------- wiring
  const showSettings = () => {
    shown.keepHidden.textContent = Number(keepHidden.value).toFixed(2)
    shown.keepInput.textContent = Number(keepInput.value).toFixed(2)
    shown.radius.textContent = constrained.checked ? Number(radius.value).toFixed(2) : 'off'
    radius.disabled = !constrained.checked
    if (!running) redraw()
  }
  for (const input of [keepHidden, keepInput, radius, constrained]) input.addEventListener('input', showSettings)
  seedInput.addEventListener('change', reset)
  resetButton.addEventListener('click', reset)
  compareButton.addEventListener('click', () => void compare())
  trainButton.addEventListener('click', () => {
    running = !running
    trainButton.textContent = running ? 'pause' : 'train'
    root.dataset.state = running ? 'training' : 'paused'
    if (running && timer === undefined) timer = setTimeout(tick, 0)
  })
  showSettings()
  root.dataset.state = 'loading'

  fetch(options.dataUrl)
    .then(async (r) => {
      if (!r.ok) throw new Error(`could not load ${options.dataUrl}: HTTP ${r.status}`)
      return new Uint8Array(await r.arrayBuffer())
    })
    .then((bytes) => {
      if (stopped) return
      data = decodeDigits(bytes, TEST)
      const b = getBackend()
      root.dataset.backend = b.name
      root.dataset.threads = String(b.threads)
      const kernels = b.name === 'wasm' ? `WebAssembly SIMD on ${b.threads} thread${b.threads === 1 ? '' : 's'}` : 'the JavaScript backend (no WebAssembly SIMD here)'
      status.textContent = `${data.train.y.size} training and ${data.test.y.size} test digits from the mnist package (${(bytes.length / 1e6).toFixed(2)} MB), batches of ${BATCH}; kernels run on ${kernels}.`
      for (const b of [trainButton, resetButton, compareButton]) b.disabled = false
      reset()
    })
    .catch(fail)

  return () => {
    stopped = true
    running = false
    if (timer !== undefined) clearTimeout(timer)
  }
}
