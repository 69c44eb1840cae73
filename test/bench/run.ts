/**
 * `npm run bench`: grad-ts against its JavaScript peers, every row measured for
 * every peer in the same run, printed as one table with the ratio grad-ts / peer
 * and written to test-output/bench.json.
 *
 * Timing rows interleave the peers (one run each, round after round) so that a
 * change in machine load hits all of them alike; each peer's value is its median.
 * The memory rows run each peer alone in a child process started with
 * --expose-gc, two at a time, so one library's heap never shows up in another's RSS.
 *
 * Flags (or the environment variable in brackets):
 *   --quick                 smoke run, < 1 minute                              [BENCH_QUICK=1]
 *   --peers=a,b             grad-ts, tfjs-cpu, tfjs-wasm, jax-js, jax-js-jit    [BENCH_PEERS]
 *   --rows=a,b              matmul, dense, mlp, memory                         [BENCH_ROWS]
 *   --sizes=128,512,1024    matmul sizes                                       [BENCH_SIZES]
 *   --min-time=S            seconds each peer is timed per row, at least       [BENCH_MIN_TIME]
 *   --min-reps=N            timed runs per peer per row, at least              [BENCH_MIN_REPS]
 *   --mem-steps=200         MLP steps in the memory run                        [BENCH_MEM_STEPS]
 *   --mem-check=20          the step whose RSS the last step's is compared to  [BENCH_MEM_CHECK]
 *   --mem-budget=S          seconds a peer's memory run may take (0: no limit) [BENCH_MEM_BUDGET]
 *   --mem-jobs=2            memory runs at once                                [BENCH_MEM_JOBS]
 *   --out=PATH              JSON output (default test-output/bench.json)       [BENCH_OUT]
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type MatmulCase, type Peer, type Timed, freshOperands, mlpInit, operandSizes } from './peer.js'
import { PEERS, type PeerId, type Row, renderTable } from './table.js'
import { canCollectGarbage, collectGarbage, fillUniform, median, memoryMiB } from './util.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

// ---------------------------------------------------------------- options

const ROWS = ['matmul', 'dense', 'mlp', 'memory'] as const
type RowKind = (typeof ROWS)[number]

interface Options {
  readonly quick: boolean
  readonly peers: readonly PeerId[]
  readonly rows: readonly RowKind[]
  readonly sizes: readonly number[]
  readonly minTime: number
  readonly minReps: number
  readonly warmup: number
  readonly memSteps: number
  readonly memCheck: number
  readonly memBudget: number
  readonly memJobs: number
  readonly out: string
}

const flag = (name: string, env: string): string | undefined => {
  const prefix = `--${name}=`
  const arg = process.argv.find((a) => a.startsWith(prefix))
  return arg !== undefined ? arg.slice(prefix.length) : process.env[env]
}

const list = <T extends string>(value: string | undefined, allowed: readonly T[], all: readonly T[]): T[] => {
  if (value === undefined || value === '') return [...all]
  return value.split(',').map((v) => {
    if (!(allowed as readonly string[]).includes(v)) throw new Error(`bench: unknown '${v}'; expected one of ${allowed.join(', ')}`)
    return v as T
  })
}

const num = (value: string | undefined, fallback: number): number => {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) throw new Error(`bench: '${value}' is not a non-negative number`)
  return n
}

const parseOptions = (): Options => {
  const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1'
  const memSteps = num(flag('mem-steps', 'BENCH_MEM_STEPS'), quick ? 3 : 200)
  return {
    quick,
    peers: list(flag('peers', 'BENCH_PEERS'), PEERS, PEERS),
    rows: list(flag('rows', 'BENCH_ROWS'), ROWS, ROWS),
    sizes: (flag('sizes', 'BENCH_SIZES') ?? (quick ? '128,512' : '128,512,1024')).split(',').map((s) => num(s, 0)),
    minTime: num(flag('min-time', 'BENCH_MIN_TIME'), quick ? 0.2 : 3),
    minReps: num(flag('min-reps', 'BENCH_MIN_REPS'), quick ? 1 : 3),
    warmup: quick ? 1 : 2,
    memSteps,
    memCheck: Math.min(num(flag('mem-check', 'BENCH_MEM_CHECK'), quick ? 1 : 20), Math.max(1, memSteps - 1)),
    memBudget: num(flag('mem-budget', 'BENCH_MEM_BUDGET'), quick ? 8 : 150),
    memJobs: Math.max(1, num(flag('mem-jobs', 'BENCH_MEM_JOBS'), 2)),
    out: resolve(root, flag('out', 'BENCH_OUT') ?? 'test-output/bench.json'),
  }
}

/** Loads only the peers asked for (each library is imported on first use). */
const loadPeer = async (id: PeerId): Promise<Peer> => {
  switch (id) {
    case 'grad-ts': return (await import('./gradts.js')).gradTs
    case 'tfjs-cpu': return (await import('./tfjs.js')).tfjsCpu
    case 'tfjs-wasm': return (await import('./tfjs.js')).tfjsWasm
    case 'jax-js': return (await import('./jaxjs.js')).jaxJs
    case 'jax-js-jit': return (await import('./jaxjs.js')).jaxJsJit
  }
}

// ---------------------------------------------------------------- results

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 120)

// ---------------------------------------------------------------- timing rows

/**
 * Times prepared measurements round-robin: each round runs every peer not yet done
 * once; a peer is done after `minReps` runs and `minTime` seconds (or 1000 runs).
 */
const interleave = async (
  opts: Options, prepared: Map<PeerId, Timed>, warmup: number, failed: (id: PeerId, e: unknown) => void,
): Promise<Map<PeerId, number[]>> => {
  const times = new Map<PeerId, number[]>()
  const attempt = async (id: PeerId, t: Timed): Promise<number | undefined> => {
    try {
      return await t.run()
    } catch (e) {
      failed(id, e)
      prepared.delete(id)
      times.delete(id)
      return undefined
    }
  }
  for (const [id, t] of [...prepared]) {
    times.set(id, [])
    for (let i = 0; i < warmup && prepared.has(id); i++) await attempt(id, t)
  }
  const done = (ts: readonly number[]): boolean =>
    ts.length >= 1000 || (ts.length >= opts.minReps && ts.reduce((s, x) => s + x, 0) >= opts.minTime * 1000)
  for (;;) {
    const pending = [...prepared].filter(([id]) => !done(times.get(id)!))
    if (pending.length === 0) return times
    for (const [id, t] of pending) {
      const ms = await attempt(id, t)
      if (ms !== undefined) times.get(id)!.push(ms)
    }
  }
}

const timingRow = async (
  opts: Options, peers: ReadonlyMap<PeerId, Peer>, id: string, label: string, unit: string,
  prepare: (p: Peer) => Promise<Timed>, toValue: (ms: number) => number, warmup = opts.warmup,
  after?: (prepared: Map<PeerId, Timed>) => Promise<Partial<Record<PeerId, Record<string, number | string | boolean>>>>,
): Promise<Row> => {
  process.stdout.write(`  ${label} …`)
  const values: Row['values'] = {}
  const detail: Row['detail'] = {}
  const prepared = new Map<PeerId, Timed>()
  for (const [pid, peer] of peers) {
    try {
      prepared.set(pid, await prepare(peer))
    } catch (e) {
      values[pid] = `error: ${errorText(e)}`
    }
  }
  const all = [...prepared.values()]
  try {
    const times = await interleave(opts, prepared, warmup, (pid, e) => (values[pid] = `error: ${errorText(e)}`))
    const extra = after !== undefined ? await after(prepared) : {}
    for (const [pid, ts] of times) {
      const ms = median(ts)
      values[pid] = toValue(ms)
      detail[pid] = { runs: ts.length, medianMs: round(ms, 3), minMs: round(Math.min(...ts), 3), ...extra[pid] }
    }
  } finally {
    for (const t of all) t.dispose()
  }
  process.stdout.write(' done\n')
  return { id, label, unit, higherIsBetter: true, values, detail }
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits))

const matmulRow = (opts: Options, peers: ReadonlyMap<PeerId, Peer>, id: string, label: string, c: MatmulCase): Promise<Row> => {
  const sizes = operandSizes(c)
  const a = fillUniform(new Float32Array(sizes.a), 1)
  const fresh = freshOperands(sizes.b)
  const flops = 2 * c.m * c.k * c.n
  return timingRow(opts, peers, id, label, 'GFLOP/s', (p) => p.matmul(c, a, fresh), (ms) => round(flops / ms / 1e6, 3))
}

/** The MLP row; after the warm-up steps every peer's loss must agree (same data, same maths). */
const mlpRow = (opts: Options, peers: ReadonlyMap<PeerId, Peer>): Promise<Row> => {
  const init = mlpInit()
  const losses: Partial<Record<PeerId, Record<string, number>>> = {}
  return timingRow(
    opts, peers, 'mlp-step', `MLP ${init.sizes.join('-')} train step, batch ${init.batch}`, 'steps/s',
    async (p) => {
      const r = await p.mlp(init)
      for (let i = 0; i < opts.warmup; i++) await r.run()
      losses[p.name as PeerId] = { lossAfterWarmup: round(await r.loss(), 6) }
      return r
    },
    (ms) => round(1000 / ms, 3),
    0, // warmed up above
    () => Promise.resolve(losses),
  )
}

// ---------------------------------------------------------------- memory rows

interface MemoryResult {
  readonly steps: number
  readonly seconds: number
  readonly gc: boolean
  readonly peakRssMiB: number
  /** After GC: at the start, after the check step and after the last step. */
  readonly rssMiB: readonly [number, number, number]
  readonly liveMiB: readonly [number, number, number]
  /** RSS after GC every `memCheck` steps, to see a trend rather than two points. */
  readonly rssSeries: readonly number[]
}

const MARK = 'BENCH-MEMORY '

/** In a child process: run the peer's MLP for `memSteps` steps (or until the budget) and report memory. */
const memoryChild = async (opts: Options, id: PeerId): Promise<void> => {
  const peer = await loadPeer(id)
  const run = await peer.mlp(mlpInit())
  await collectGarbage()
  const start = memoryMiB()
  let check = { rss: NaN, live: NaN }
  const series: number[] = []
  const t0 = performance.now()
  let steps = 0
  while (steps < opts.memSteps) {
    await run.run()
    steps++
    if (steps % opts.memCheck === 0 || steps === opts.memSteps) {
      await collectGarbage()
      const m = memoryMiB()
      series.push(round(m.rss, 1))
      if (steps === opts.memCheck) check = m
    }
    if (opts.memBudget > 0 && performance.now() - t0 > opts.memBudget * 1000 && steps > opts.memCheck) break
  }
  await collectGarbage()
  const end = memoryMiB()
  const result: MemoryResult = {
    steps,
    seconds: round((performance.now() - t0) / 1000, 1),
    gc: canCollectGarbage(),
    peakRssMiB: round(process.resourceUsage().maxRSS / 1024, 1), // maxRSS is in KiB
    rssMiB: [round(start.rss, 1), round(check.rss, 1), round(end.rss, 1)],
    liveMiB: [round(start.live, 1), round(check.live, 1), round(end.live, 1)],
    rssSeries: series,
  }
  run.dispose()
  process.stdout.write(MARK + JSON.stringify(result) + '\n')
}

const spawnMemoryChild = (opts: Options, id: PeerId): Promise<MemoryResult> =>
  new Promise((done, fail) => {
    const args = [
      '--expose-gc', '--import', import.meta.resolve('tsx'), fileURLToPath(import.meta.url),
      '--child=memory', `--peer=${id}`, `--mem-steps=${opts.memSteps}`, `--mem-check=${opts.memCheck}`, `--mem-budget=${opts.memBudget}`,
    ]
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = '', stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', fail)
    child.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith(MARK))
      if (code === 0 && line !== undefined) done(JSON.parse(line.slice(MARK.length)) as MemoryResult)
      else fail(new Error(`memory run of ${id} exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`))
    })
  })

/** Runs at most `jobs` promises' worth of work at once, keeping the input order in the output. */
const pool = async <T, R>(items: readonly T[], jobs: number, f: (t: T) => Promise<R>): Promise<R[]> => {
  const out: R[] = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      out[i] = await f(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker))
  return out
}

/**
 * The verdict on a memory run: it grows if what V8 holds live after GC (its heap
 * plus external memory: ArrayBuffers and WebAssembly memories, so every peer's
 * tensors) rose by more than 8 MiB between the check step and the last. The RSS is
 * reported beside it but is no verdict: the C allocator returns freed
 * multi-megabyte buffers to the system only some of the time, so a library whose
 * live memory is constant to the byte still shows RSS swings of ±40 MiB from one
 * check to the next (the `rssSeries` in the JSON shows them).
 */
const grows = (r: MemoryResult): boolean => r.liveMiB[2] - r.liveMiB[1] > 8

const memoryRows = async (opts: Options): Promise<Row[]> => {
  process.stdout.write(`  memory: ${opts.memSteps} MLP steps per peer (budget ${opts.memBudget || '∞'} s), ${opts.memJobs} at a time …`)
  const results = await pool(opts.peers, opts.memJobs, (id) => spawnMemoryChild(opts, id).catch((e: unknown) => errorText(e)))
  process.stdout.write(' done\n')
  const row = (id: string, label: string): Row => ({ id, label, unit: 'MiB', higherIsBetter: false, values: {}, detail: {} })
  const peak = row('peak-rss', `peak RSS over the MLP steps`)
  const rss = row('rss-growth', `RSS after GC, step ${opts.memCheck} → last`)
  const live = row('live-growth', `V8 heap + external after GC, step ${opts.memCheck} → last`)
  opts.peers.forEach((id, i) => {
    const r = results[i]!
    if (typeof r === 'string') {
      peak.values[id] = rss.values[id] = live.values[id] = `error: ${r}`
      return
    }
    peak.values[id] = r.peakRssMiB
    rss.values[id] = round(r.rssMiB[2] - r.rssMiB[1], 1)
    live.values[id] = round(r.liveMiB[2] - r.liveMiB[1], 1)
    const d = { ...r, rssMiB: r.rssMiB.join(' → '), liveMiB: r.liveMiB.join(' → '), rssSeries: r.rssSeries.join(' '), checkStep: opts.memCheck, grows: grows(r), fullRun: r.steps === opts.memSteps }
    peak.detail[id] = rss.detail[id] = live.detail[id] = d
  })
  return [peak, rss, live]
}

const versionOf = (pkg: string): string => {
  try {
    const json = JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version?: string }
    return json.version ?? '?'
  } catch {
    return 'not installed'
  }
}

// ---------------------------------------------------------------- main

const main = async (): Promise<void> => {
  const opts = parseOptions()
  const child = flag('child', 'BENCH_CHILD')
  if (child === 'memory') {
    await memoryChild(opts, list(flag('peer', 'BENCH_PEER'), PEERS, [])[0]!)
    return
  }
  const started = performance.now()
  const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ')
  const loadAtStart = load()
  console.log(`grad-ts benchmark${opts.quick ? ' (quick)' : ''}: ${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores, Node ${process.versions.node}; single-threaded peers`)
  const peers = new Map<PeerId, Peer>()
  for (const id of opts.peers) peers.set(id, await loadPeer(id))
  const rows: Row[] = []
  const dense = (id: string, label: string, c: MatmulCase): Promise<Row> => matmulRow(opts, peers, id, label, c)
  if (opts.rows.includes('matmul'))
    for (const s of opts.sizes) rows.push(await matmulRow(opts, peers, `matmul-${s}`, `matmul ${s}×${s} · ${s}×${s}, fresh B`, { m: s, k: s, n: s, transA: false, transB: false }))
  if (opts.rows.includes('dense')) {
    rows.push(await dense('dense-xW', 'dense 1024→1024, b128: x·W', { m: 128, k: 1024, n: 1024, transA: false, transB: false }))
    rows.push(await dense('dense-dyWt', 'dense 1024→1024, b128: dy·Wᵀ', { m: 128, k: 1024, n: 1024, transA: false, transB: true }))
    rows.push(await dense('dense-xtdy', 'dense 1024→1024, b128: xᵀ·dy', { m: 1024, k: 128, n: 1024, transA: true, transB: false }))
  }
  if (opts.rows.includes('mlp')) rows.push(await mlpRow(opts, peers))
  if (opts.rows.includes('memory')) rows.push(...(await memoryRows(opts)))

  const table = renderTable(rows, opts.peers)
  console.log(`\n${table}\n`)
  console.log('× = grad-ts / peer (↑ rows: > 1 means grad-ts is faster; ↓ rows: < 1 means grad-ts uses less).')
  console.log(`Load average at start ${loadAtStart}, at end ${load()} (${String(cpus().length)} cores): other work on the machine lowers every value; the ratios are fairer, as the peers take turns.`)
  const mlp = rows.find((r) => r.id === 'mlp-step')
  if (mlp !== undefined) {
    const losses = Object.entries(mlp.detail).map(([p, d]) => `${p} ${String(d.lossAfterWarmup)}`)
    console.log(`MLP loss after ${opts.warmup} warm-up step(s) (must agree): ${losses.join(', ')}`)
  }
  const seconds = round((performance.now() - started) / 1000, 1)
  const report = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.versions.node, loadAverageAtStart: loadAtStart, loadAverageAtEnd: load() },
    versions: Object.fromEntries(['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@jax-js/jax'].map((p) => [p, versionOf(p)])),
    options: opts,
    seconds,
    rows,
    table,
  }
  mkdirSync(dirname(opts.out), { recursive: true })
  writeFileSync(opts.out, JSON.stringify(report, null, 2) + '\n')
  console.log(`Written ${opts.out} (${seconds} s).`)
}

await main()
