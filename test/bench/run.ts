/**
 * `npm run bench`: grad-ts against its JavaScript peers, every row measured for
 * every peer in the same run, printed as one table and written to
 * test-output/bench.json (every number of the table, and the detail behind it).
 *
 * Peers (columns):
 *   grad-ts, grad-ts-2t, grad-ts-js   grad-ts on its wasm backend with 1 and 2 threads, and on its JS backend;
 *                                     one process and one backend singleton, set before each run (untimed)
 *   tfjs-cpu, tfjs-wasm               TensorFlow.js's JS and WebAssembly (XNNPACK) backends
 *   jax-js, jax-js-jit                jax-js on its wasm device, eager and under jit (fused)
 *   wasm-loop                         a bare WebAssembly SIMD loop on data already in its memory
 *                                     (elementwise and mask rows only): the floor for those rows
 * Under each row of values the table prints `×1t/×2t`: grad-ts 1 thread / peer and
 * grad-ts 2 threads / peer (in the grad-ts-2t column: 1t / 2t). A peer that cannot
 * run a row shows "—"; its reason is in the JSON detail (`unsupported`).
 *
 * Rows (--rows names in brackets):
 *   [matmul]       A·B at each --sizes, a fresh B tensor per run                         GFLOP/s
 *   [dense]        the three products of a dense 1024→1024 layer at batch 128            GFLOP/s
 *   [matmul-f64]   float64 A·B, 1024² (512² with --quick); the target is wasm ≥ 4× JS    GFLOP/s
 *   [elementwise]  x·y + z on 10⁶ float32, fresh inputs before the clock                 GB/s (16 bytes per element), ms in the detail
 *   [bernoulli]    a Bernoulli(0.8) mask [128, 1024] from a fresh threefry key per run   masks/s; the bits are checked against grad-ts's
 *   [mlp]          an MLP 784-1024-1024-10 train step, batch 128, SGD with momentum      steps/s; every peer's loss must agree
 *   [mlp-dropout]  the same with dropout (keep 0.8 input, 0.5 hidden) and max-norm c=3   steps/s; grad-ts 1t = 2t bit for bit, JS within 1e-4
 *   [conv2d]       conv 64×28×28×32 NHWC → 64 filters 5×5 HWIO, stride 1, SAME, float32:  GFLOP/s, 2·N·H·W·KH·KW·C·O (5.14 GFLOP) per conv;
 *                  three rows: the forward, its input VJP (dy against the filters) and      every peer's result within 1e-4 of grad-ts's
 *                  its filter VJP (dy against the input), the forward made before the clock
 *   [lenet]        a LeNet train step, batch 64: conv 5×5×32 + ReLU, maxPool 2, conv 5×5×64  steps/s; first-step loss: grad-ts 1t = 2t bit for bit,
 *                  + ReLU, maxPool 2, dense 1024 + ReLU + dropout (keep 0.5), dense 10;      JS within 1e-4, jax-js (same masks) within 1e-4
 *                  SGD momentum, max-norm c=3.5 on every weight (filters per channel)
 *   [memory]       the MLP+dropout step --mem-steps times per peer in a child process:   MiB; peak RSS, growth after GC from the check step,
 *                  and grad-ts's WebAssembly memory (flat = equal)
 * The conv2d and lenet rows are slow for some peers (jax-js-jit takes ≈ 15 s per
 * conv of the conv2d rows on a shared 2-core machine, with ≈ 45 s more for its
 * first, compiling run; grad-ts-js's direct-loop conv ≈ 4 s): they warm up with
 * one run only, and outside --quick a peer is done after min-reps runs and
 * min-time seconds or, once it has one timed run, when its wall-clock time in
 * the row — set-up, warm-up and runs, untimed parts included — reaches 20 s,
 * whichever comes first; so a slow peer costs a row its first (compiling) run,
 * one timed run, and more only while it is under 20 s. A peer that does not
 * compile and whose warm-up run alone takes 20 s is timed on that run (the
 * detail's `timedTheWarmupRun`), so it costs the row one run.
 * For the grad-ts wasm columns of both MLP rows the detail has the share of the
 * timed steps spent copying between typed arrays and the wasm memory, and the
 * bytes copied per step (a line under the table repeats them).
 *
 * Timing rows interleave the peers (one run each, round after round) so that a
 * change in machine load hits all of them alike; each peer's value is its median.
 * The memory rows run each peer alone in a child process started with
 * --expose-gc, two at a time, so one library's heap never shows up in another's
 * RSS. The default memory run is 1000 steps with a budget of 240 s per peer: the
 * grad-ts and jax-js peers (≈ 0.05–0.15 s a step) finish all 1000 steps; the
 * slowest peers (tfjs-cpu, tfjs-wasm, grad-ts-js at ≈ 0.3–2 s a step) stop at the
 * budget, which the `steps run` row shows; 1000 steps of those alone would take
 * over 40 minutes. Without the conv2d and lenet rows the whole run took 14
 * minutes on 2 shared cores, about 9 of them the memory rows (two 240 s budgets
 * back to back); those two rows add several minutes more (jax-js jit compiles a
 * convolution for 40–50 s, and the slow peers run up to their caps).
 *
 * Flags (or the environment variable in brackets):
 *   --quick                 smoke run, < 2 minutes                                 [BENCH_QUICK=1]
 *   --peers=a,b             any of the peers above (default all)                   [BENCH_PEERS]
 *   --rows=a,b              any of the rows above (default all)                    [BENCH_ROWS]
 *   --sizes=128,512,1024    matmul sizes                                           [BENCH_SIZES]
 *   --f64-size=1024         the float64 matmul's size                              [BENCH_F64_SIZE]
 *   --min-time=S            seconds each peer is timed per row, at least           [BENCH_MIN_TIME]
 *   --min-reps=N            timed runs per peer per row, at least                  [BENCH_MIN_REPS]
 *   --mem-steps=1000        MLP+dropout steps in the memory run                    [BENCH_MEM_STEPS]
 *   --mem-check=50          the step whose memory the last step's is compared to   [BENCH_MEM_CHECK]
 *   --mem-budget=240        seconds a peer's memory run may take (0: no limit)     [BENCH_MEM_BUDGET]
 *   --mem-jobs=2            memory runs at once                                    [BENCH_MEM_JOBS]
 *   --mem-net=mlp           the memory run's step: mlp (MLP+dropout) or lenet       [BENCH_MEM_NET]
 *   --out=PATH              JSON output (default test-output/bench.json)           [BENCH_OUT]
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  type ConvQuantity, type ConvRun, type Detail, type MaskRun, type MatmulCase, type MlpRun, type Peer, type Timed, Unsupported, convCase, convFlops, elementwiseCase,
  freshOperands, lenetInit, maskCase, perExampleCase, mlpDropoutInit, mlpInit, operandSizes,
} from './peer.js'
import { GRAD_TS, PEERS, type PeerId, type Row, ratio, renderTable } from './table.js'
import { canCollectGarbage, collectGarbage, fillUniform, median, memoryMiB, peakRssMiB } from './util.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

// ---------------------------------------------------------------- options

const ROWS = ['matmul', 'dense', 'matmul-f64', 'elementwise', 'bernoulli', 'per-example', 'mlp', 'mlp-dropout', 'conv2d', 'lenet', 'memory'] as const
type RowKind = (typeof ROWS)[number]

interface Options {
  readonly quick: boolean
  readonly peers: readonly PeerId[]
  readonly rows: readonly RowKind[]
  readonly sizes: readonly number[]
  readonly f64Size: number
  readonly minTime: number
  readonly minReps: number
  readonly warmup: number
  readonly memSteps: number
  readonly memCheck: number
  readonly memBudget: number
  readonly memJobs: number
  /** The memory run's training step: the MLP+dropout row's or the LeNet row's. */
  readonly memNet: MemNet
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

const MEM_NETS = ['mlp', 'lenet'] as const
type MemNet = (typeof MEM_NETS)[number]
const MEM_NET_LABEL: Readonly<Record<MemNet, string>> = { mlp: 'MLP+dropout', lenet: 'LeNet' }

const parseOptions = (): Options => {
  const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1'
  const memSteps = num(flag('mem-steps', 'BENCH_MEM_STEPS'), quick ? 3 : 1000)
  // Peers in the order of PEERS, whatever the order asked for.
  const peers = list(flag('peers', 'BENCH_PEERS'), PEERS, PEERS)
  return {
    quick,
    peers: PEERS.filter((p) => peers.includes(p)),
    rows: list(flag('rows', 'BENCH_ROWS'), ROWS, ROWS),
    sizes: (flag('sizes', 'BENCH_SIZES') ?? (quick ? '128,512' : '128,512,1024')).split(',').map((s) => num(s, 0)),
    f64Size: num(flag('f64-size', 'BENCH_F64_SIZE'), quick ? 512 : 1024),
    minTime: num(flag('min-time', 'BENCH_MIN_TIME'), quick ? 0.2 : 3),
    minReps: num(flag('min-reps', 'BENCH_MIN_REPS'), quick ? 1 : 3),
    warmup: quick ? 1 : 2,
    memSteps,
    memCheck: Math.min(num(flag('mem-check', 'BENCH_MEM_CHECK'), quick ? 1 : 50), Math.max(1, memSteps - 1)),
    memBudget: num(flag('mem-budget', 'BENCH_MEM_BUDGET'), quick ? 8 : 240),
    memJobs: Math.max(1, num(flag('mem-jobs', 'BENCH_MEM_JOBS'), 2)),
    memNet: list(flag('mem-net', 'BENCH_MEM_NET'), MEM_NETS, ['mlp'])[0]!,
    out: resolve(root, flag('out', 'BENCH_OUT') ?? 'test-output/bench.json'),
  }
}

/** Loads only the peers asked for (each library is imported on first use). */
const loadPeer = async (id: PeerId): Promise<Peer> => {
  switch (id) {
    case 'grad-ts': return (await import('./gradts.js')).gradTs
    case 'grad-ts-2t': return (await import('./gradts.js')).gradTs2t
    case 'grad-ts-js': return (await import('./gradts.js')).gradTsJs
    case 'tfjs-cpu': return (await import('./tfjs.js')).tfjsCpu
    case 'tfjs-wasm': return (await import('./tfjs.js')).tfjsWasm
    case 'jax-js': return (await import('./jaxjs.js')).jaxJs
    case 'jax-js-jit': return (await import('./jaxjs.js')).jaxJsJit
    case 'wasm-loop': return (await import('./wasmloop.js')).wasmLoop
  }
}

// ---------------------------------------------------------------- results

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 120)

const round = (x: number, digits: number): number => Number(x.toFixed(digits))

// ---------------------------------------------------------------- timing rows

/**
 * Times prepared measurements round-robin: each round runs every peer not yet done
 * once; a peer is done after `minReps` runs and `minTime` seconds (or 1000 runs),
 * or, given `maxSeconds`, once it has a timed run and its wall-clock time in this
 * row reaches that many seconds — set-up (`spent`, e.g. warm-up steps made while
 * preparing), warm-up runs and timed runs together, each run counted whole (the
 * untimed work of a run included) — so a slow peer costs the row about
 * `maxSeconds` plus one run. Warm-up runs after the first stop once they reach
 * the budget, and a warm-up run that alone takes the budget is the peer's one
 * timed run, unless the peer's first run compiles (`compiles`, jit), whose
 * warm-up is never timed.
 */
const interleave = async <T extends Timed>(
  opts: Options, prepared: Map<PeerId, T>, warmup: number, failed: (id: PeerId, e: unknown) => void, maxSeconds?: number, spent?: ReadonlyMap<PeerId, number>,
): Promise<{ times: Map<PeerId, number[]>; wall: Map<PeerId, number>; cold: ReadonlySet<PeerId> }> => {
  const times = new Map<PeerId, number[]>()
  const wall = new Map<PeerId, number>()
  const cold = new Set<PeerId>()
  const budget = maxSeconds === undefined ? Infinity : maxSeconds * 1000
  const attempt = async (id: PeerId, t: T): Promise<number | undefined> => {
    const t0 = performance.now()
    try {
      return await t.run()
    } catch (e) {
      failed(id, e)
      prepared.delete(id)
      times.delete(id)
      return undefined
    } finally {
      wall.set(id, (wall.get(id) ?? 0) + performance.now() - t0)
    }
  }
  for (const [id, t] of [...prepared]) {
    times.set(id, [])
    wall.set(id, spent?.get(id) ?? 0)
    for (let i = 0; i < warmup && prepared.has(id) && (i === 0 || wall.get(id)! < budget); i++) {
      const before = wall.get(id)!
      const ms = await attempt(id, t)
      // A warm-up run that alone takes the whole budget is the peer's one timed run, unless that run compiled.
      if (ms !== undefined && t.compiles !== true && wall.get(id)! - before >= budget) {
        times.get(id)!.push(ms)
        cold.add(id)
      }
    }
  }
  const done = (id: PeerId, ts: readonly number[]): boolean => {
    const total = ts.reduce((s, x) => s + x, 0)
    return ts.length >= 1000 || (ts.length >= opts.minReps && total >= opts.minTime * 1000) || (ts.length >= 1 && wall.get(id)! >= budget)
  }
  for (;;) {
    const pending = [...prepared].filter(([id]) => !done(id, times.get(id)!))
    if (pending.length === 0) return { times, wall, cold }
    for (const [id, t] of pending) {
      const ms = await attempt(id, t)
      if (ms !== undefined) times.get(id)!.push(ms)
    }
  }
}

interface TimingSpec<T extends Timed> {
  readonly id: string
  readonly label: string
  readonly unit: string
  /** Sets a peer up (untimed); a peer that cannot run the row throws Unsupported. */
  readonly prepare: (p: Peer, id: PeerId) => Promise<T>
  /** The row's value from a peer's median milliseconds. */
  readonly toValue: (ms: number) => number
  readonly warmup?: number
  /** A peer is also done once it has a timed run and its wall-clock time in the row (set-up, warm-up and runs) reaches this many seconds (slow rows). */
  readonly maxSeconds?: number
  /** Extra detail per peer once the timing is done (cross-checks). */
  readonly after?: (prepared: ReadonlyMap<PeerId, T>) => Promise<Partial<Record<PeerId, Detail>>>
}

const timingRow = async <T extends Timed>(opts: Options, peers: ReadonlyMap<PeerId, Peer>, spec: TimingSpec<T>): Promise<Row> => {
  process.stdout.write(`  ${spec.label} …`)
  const values: Row['values'] = {}
  const detail: Row['detail'] = {}
  const prepared = new Map<PeerId, T>()
  const spent = new Map<PeerId, number>()
  for (const [pid, peer] of peers) {
    const t0 = performance.now()
    try {
      prepared.set(pid, await spec.prepare(peer, pid))
      spent.set(pid, performance.now() - t0)
    } catch (e) {
      if (e instanceof Unsupported) {
        values[pid] = '—'
        detail[pid] = { unsupported: e.message }
      } else values[pid] = `error: ${errorText(e)}`
    }
  }
  const all = [...prepared.values()]
  try {
    const { times, wall, cold } = await interleave(opts, prepared, spec.warmup ?? opts.warmup, (pid, e) => (values[pid] = `error: ${errorText(e)}`), spec.maxSeconds, spent)
    const extra = spec.after !== undefined ? await spec.after(prepared) : {}
    for (const [pid, ts] of times) {
      const ms = median(ts)
      values[pid] = spec.toValue(ms)
      const budget = spec.maxSeconds === undefined ? {} : { budgetSeconds: spec.maxSeconds, wallSeconds: round(wall.get(pid)! / 1000, 1), timedTheWarmupRun: cold.has(pid) }
      detail[pid] = { runs: ts.length, medianMs: round(ms, 3), minMs: round(Math.min(...ts), 3), ...budget, ...prepared.get(pid)?.detail?.(ts.length), ...extra[pid] }
    }
  } finally {
    for (const t of all) t.dispose()
  }
  process.stdout.write(' done\n')
  return { id: spec.id, label: spec.label, unit: spec.unit, higherIsBetter: true, values, detail }
}

const matmulRow = (opts: Options, peers: ReadonlyMap<PeerId, Peer>, id: string, label: string, c: MatmulCase): Promise<Row> => {
  const sizes = operandSizes(c)
  const dtype = c.dtype ?? 'float32'
  const a = fillUniform(dtype === 'float64' ? new Float64Array(sizes.a) : new Float32Array(sizes.a), 1)
  const fresh = freshOperands(sizes.b, 2, dtype)
  const flops = 2 * c.m * c.k * c.n
  return timingRow(opts, peers, { id, label, unit: 'GFLOP/s', prepare: (p) => p.matmul(c, a, fresh), toValue: (ms) => round(flops / ms / 1e6, 3) })
}

const ELEMENTWISE_N = 1_000_000

const elementwiseRow = (opts: Options, peers: ReadonlyMap<PeerId, Peer>): Promise<Row> => {
  const c = elementwiseCase(ELEMENTWISE_N)
  return timingRow(opts, peers, {
    id: 'elementwise', label: 'x·y + z, 10⁶ float32', unit: 'GB/s',
    prepare: (p) => p.elementwise(c),
    toValue: (ms) => round((16 * c.n) / ms / 1e6, 3), // 3 reads and 1 write of 4 bytes per element
  })
}

/** The first grad-ts peer present: the reference of the cross-checks. */
const referenceOf = <T>(m: ReadonlyMap<PeerId, T>): PeerId | undefined => [...GRAD_TS, ...PEERS].find((p) => m.has(p))

const bernoulliRow = (opts: Options, peers: ReadonlyMap<PeerId, Peer>): Promise<Row> => {
  const c = maskCase()
  const n = c.shape.reduce((s, d) => s * d, 1)
  return timingRow<MaskRun>(opts, peers, {
    id: 'bernoulli', label: `Bernoulli(${c.p}) mask [${c.shape.join(', ')}]`, unit: 'masks/s',
    prepare: (p) => p.bernoulli(c),
    toValue: (ms) => round(1000 / ms, 3),
    after: async (prepared) => {
      // Cross-check: the mask of one key (fold_in(key(seed), 0)) from every threefry peer against the reference's.
      const words = c.key(0)
      const masks = new Map<PeerId, Uint8Array>()
      const out: Partial<Record<PeerId, Detail>> = {}
      for (const [pid, t] of prepared) {
        if (t.mask === undefined) continue
        try {
          masks.set(pid, await t.mask(words))
        } catch (e) {
          out[pid] = { maskError: errorText(e) }
        }
      }
      const ref = referenceOf(masks)
      const refMask = ref === undefined ? undefined : masks.get(ref)
      for (const [pid, m] of masks) {
        const kept = m.reduce((s, v) => s + v, 0) / m.length
        const equal = refMask !== undefined && m.length === refMask.length && m.every((v, i) => v === refMask[i])
        const differ = refMask === undefined ? NaN : m.reduce((s, v, i) => s + (v === refMask[i] ? 0 : 1), 0)
        out[pid] = { ...out[pid], checkKey: words.join(','), keptFraction: round(kept, 5), reference: ref ?? '', bitsEqualReference: equal, differingBits: differ, elements: n }
      }
      return out
    },
  })
}

/**
 * An MLP row: each peer's loss after the warm-up steps goes into its detail (`lossAfterWarmup`, full precision);
 * `slow` (the lenet row) warms up with one step and caps each peer's time in the row, that step included, at `maxSeconds`.
 */
const mlpRow = (
  opts: Options, peers: ReadonlyMap<PeerId, Peer>, id: string, label: string, make: (p: Peer) => Promise<MlpRun>, slow?: { readonly maxSeconds: number },
): Promise<Row> => {
  const losses: Partial<Record<PeerId, Detail>> = {}
  const warmup = slow === undefined ? opts.warmup : 1
  return timingRow(opts, peers, {
    id, label, unit: 'steps/s',
    ...(slow === undefined ? {} : { maxSeconds: slow.maxSeconds }),
    prepare: async (p, pid) => {
      const r = await make(p)
      try {
        for (let i = 0; i < warmup; i++) await r.run()
        losses[pid] = { lossAfterWarmup: await r.loss(), warmupSteps: warmup }
      } catch (e) {
        r.dispose()
        throw e
      }
      return r
    },
    toValue: (ms) => round(1000 / ms, 3),
    warmup: 0, // warmed up above
    after: () => Promise.resolve(losses),
  })
}

/**
 * How far a peer's conv result may be from the reference's: its largest absolute
 * difference over the reference's largest magnitude. Both are float32 sums in
 * different orders — 800 terms per output of the forward, 1600 per input-gradient
 * element, 50 176 (N·H·W) per filter-gradient element — whose rounding differs
 * by ≈ 10⁻⁷–10⁻⁵ of that magnitude; a wrong index or layout differs by order 1.
 */
const CONV_TOLERANCE = 1e-4

/** Slow rows (conv2d, lenet): a peer is done once it has a timed run and its time in the row (set-up and warm-up included) reaches this many seconds, outside --quick. */
const slowSeconds = (opts: Options): number | undefined => (opts.quick ? undefined : 20)

const CONV_LABEL: Record<ConvQuantity, string> = { forward: 'forward', input: 'input VJP', filter: 'filter VJP' }

/** A conv2d row; its `after` compares every peer's last result with the first grad-ts peer's (or the first peer's). */
const convRow = (opts: Options, peers: ReadonlyMap<PeerId, Peer>, q: ConvQuantity): Promise<Row> => {
  const c = convCase()
  const flops = convFlops(c)
  const max = slowSeconds(opts)
  return timingRow<ConvRun>(opts, peers, {
    id: `conv2d-${q}`, label: `conv2d ${c.n}×${c.h}×${c.w}×${c.c} → ${c.o}×${c.kh}×${c.kw}: ${CONV_LABEL[q]}`, unit: 'GFLOP/s',
    prepare: (p) => {
      if (p.conv2d === undefined) throw new Unsupported(`${p.name} has no convolution in this bench`)
      return p.conv2d(c, q)
    },
    toValue: (ms) => round(flops / ms / 1e6, 3),
    warmup: 1,
    ...(max === undefined ? {} : { maxSeconds: max }),
    after: async (prepared) => {
      const results = new Map<PeerId, Float32Array>()
      const out: Partial<Record<PeerId, Detail>> = {}
      for (const [pid, t] of prepared) {
        try {
          results.set(pid, await t.result())
        } catch (e) {
          out[pid] = { resultError: errorText(e) }
        }
      }
      const ref = referenceOf(results)
      const r = ref === undefined ? undefined : results.get(ref)
      if (r === undefined) return out
      const scale = r.reduce((m, v) => Math.max(m, Math.abs(v)), 0)
      for (const [pid, v] of results) {
        let worst = v.length === r.length ? 0 : Infinity
        for (let i = 0; i < v.length && i < r.length; i++) worst = Math.max(worst, Math.abs(v[i]! - r[i]!))
        // NaN compares false: a NaN anywhere fails the check.
        const rel = worst / scale
        out[pid] = { ...out[pid], reference: ref!, resultMaxRelDiff: Number.isNaN(rel) ? 'NaN' : rel, resultAgrees: rel <= CONV_TOLERANCE, referenceMaxAbs: scale }
      }
      return out
    },
  })
}

// ---------------------------------------------------------------- memory rows

interface MemoryResult {
  readonly steps: number
  readonly seconds: number
  readonly gc: boolean
  readonly peakRssMiB: number
  /** Where the peak comes from: VmHWM (Linux, this process only) or getrusage's maxRSS. */
  readonly peakRssSource: string
  /** After GC: at the start, after the check step and after the last step. */
  readonly rssMiB: readonly [number, number, number]
  readonly liveMiB: readonly [number, number, number]
  /** RSS after GC every `memCheck` steps, to see a trend rather than two points. */
  readonly rssSeries: readonly number[]
  /** grad-ts wasm only: the WebAssembly memory's bytes after the check step and after the last. */
  readonly wasmBytes?: readonly [number, number]
}

type MemoryOutcome = MemoryResult | { readonly unsupported: string }

const MARK = 'BENCH-MEMORY '

/** In a child process: run the peer's MLP+dropout (or LeNet) step `memSteps` times (or until the budget) and report memory. */
const memoryChild = async (opts: Options, id: PeerId): Promise<void> => {
  const peer = await loadPeer(id)
  let run: MlpRun
  try {
    if (opts.memNet === 'lenet' && peer.lenet === undefined) throw new Unsupported(`${peer.name} has no convolution in this bench`)
    run = await (opts.memNet === 'lenet' ? peer.lenet!(lenetInit()) : peer.mlpDropout(mlpDropoutInit()))
  } catch (e) {
    if (!(e instanceof Unsupported)) throw e
    process.stdout.write(MARK + JSON.stringify({ unsupported: e.message }) + '\n')
    return
  }
  await collectGarbage()
  const start = memoryMiB()
  let check = { rss: NaN, live: NaN }
  let wasmCheck: number | undefined
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
      if (steps === opts.memCheck) {
        check = m
        wasmCheck = peer.wasmMemoryBytes?.()
      }
    }
    if (opts.memBudget > 0 && performance.now() - t0 > opts.memBudget * 1000 && steps > opts.memCheck) break
  }
  await collectGarbage()
  const end = memoryMiB()
  const wasmEnd = peer.wasmMemoryBytes?.()
  const peak = peakRssMiB()
  const result: MemoryResult = {
    steps,
    seconds: round((performance.now() - t0) / 1000, 1),
    gc: canCollectGarbage(),
    peakRssMiB: round(peak.mib, 1),
    peakRssSource: peak.source,
    rssMiB: [round(start.rss, 1), round(check.rss, 1), round(end.rss, 1)],
    liveMiB: [round(start.live, 1), round(check.live, 1), round(end.live, 1)],
    rssSeries: series,
    ...(wasmCheck !== undefined && wasmEnd !== undefined ? { wasmBytes: [wasmCheck, wasmEnd] as const } : {}),
  }
  run.dispose()
  process.stdout.write(MARK + JSON.stringify(result) + '\n')
}

const spawnMemoryChild = (opts: Options, id: PeerId): Promise<MemoryOutcome> =>
  new Promise((done, fail) => {
    const args = [
      '--expose-gc', '--import', import.meta.resolve('tsx'), fileURLToPath(import.meta.url),
      '--child=memory', `--peer=${id}`, `--mem-steps=${opts.memSteps}`, `--mem-check=${opts.memCheck}`, `--mem-budget=${opts.memBudget}`, `--mem-net=${opts.memNet}`,
    ]
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = '', stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', fail)
    child.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith(MARK))
      if (code === 0 && line !== undefined) done(JSON.parse(line.slice(MARK.length)) as MemoryOutcome)
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

/** Slowest first, so that the two-at-a-time pool ends sooner (the budget caps the slow ones). */
const MEMORY_ORDER: readonly PeerId[] = ['grad-ts-js', 'tfjs-cpu', 'tfjs-wasm', 'jax-js', 'grad-ts', 'grad-ts-2t', 'jax-js-jit', 'wasm-loop']

const MiB = 2 ** 20

const memoryRows = async (opts: Options): Promise<Row[]> => {
  process.stdout.write(`  memory: ${opts.memSteps} ${MEM_NET_LABEL[opts.memNet]} steps per peer (budget ${opts.memBudget || '∞'} s), ${opts.memJobs} at a time …`)
  const order = MEMORY_ORDER.filter((p) => opts.peers.includes(p))
  const outcomes = await pool(order, opts.memJobs, (id) => spawnMemoryChild(opts, id).catch((e: unknown) => errorText(e)))
  const results = new Map(order.map((id, i) => [id, outcomes[i]!]))
  process.stdout.write(' done\n')
  const row = (id: string, label: string, unit = 'MiB', noRatio = true, higherIsBetter = false): Row => ({ id, label, unit, higherIsBetter, noRatio, values: {}, detail: {} })
  const peak = row('peak-rss', `peak RSS, ${MEM_NET_LABEL[opts.memNet]} steps`, 'MiB', false)
  const rss = row('rss-growth', `RSS after GC, step ${opts.memCheck} → last`)
  const live = row('live-growth', `V8 heap+external, step ${opts.memCheck} → last`)
  const wasm = row('wasm-growth', `grad-ts wasm memory, step ${opts.memCheck} → last`)
  const steps = row('memory-steps', `steps run (of ${opts.memSteps}, ≤ ${opts.memBudget || '∞'} s)`, 'steps', true, true)
  const rows = [peak, rss, live, wasm, steps]
  for (const id of opts.peers) {
    const r = results.get(id)!
    if (typeof r === 'string') {
      for (const x of rows) x.values[id] = `error: ${r}`
      continue
    }
    if ('unsupported' in r) {
      for (const x of rows) {
        x.values[id] = '—'
        x.detail[id] = { unsupported: r.unsupported }
      }
      continue
    }
    peak.values[id] = r.peakRssMiB
    rss.values[id] = round(r.rssMiB[2] - r.rssMiB[1], 1)
    live.values[id] = round(r.liveMiB[2] - r.liveMiB[1], 1)
    steps.values[id] = r.steps
    const { wasmBytes, ...rest } = r
    const d: Detail = {
      ...rest, rssMiB: r.rssMiB.join(' → '), liveMiB: r.liveMiB.join(' → '), rssSeries: r.rssSeries.join(' '),
      checkStep: opts.memCheck, grows: grows(r), fullRun: r.steps === opts.memSteps,
    }
    if (wasmBytes !== undefined) {
      wasm.values[id] = round((wasmBytes[1] - wasmBytes[0]) / MiB, 1)
      d.wasmMiB = `${round(wasmBytes[0] / MiB, 1)} → ${round(wasmBytes[1] / MiB, 1)}`
      d.wasmBytesAtCheck = wasmBytes[0]
      d.wasmBytesAtEnd = wasmBytes[1]
      d.wasmFlat = wasmBytes[0] === wasmBytes[1]
    } else {
      wasm.values[id] = '—'
      wasm.detail[id] = { unsupported: id.startsWith('grad-ts') ? 'the JS backend has no WebAssembly memory' : 'not grad-ts: its memory is in the V8 heap+external row' }
    }
    for (const x of [peak, rss, live, steps]) x.detail[id] = d
    if (wasmBytes !== undefined) wasm.detail[id] = d
  }
  return rows
}

const versionOf = (pkg: string): string => {
  try {
    const json = JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version?: string }
    return json.version ?? '?'
  } catch {
    return 'not installed'
  }
}

// ---------------------------------------------------------------- the lines under the table

const pct = (x: unknown): string => (typeof x === 'number' ? `${(100 * x).toFixed(1)}%` : '?')
const sig = (x: unknown, digits = 7): string => (typeof x === 'number' ? x.toPrecision(digits) : String(x))
const relDiff = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30)
const LOSS_TOLERANCE = 1e-4

/** Everything the targets are judged on that the table's cells do not show directly: lines to print, and the same verdicts for the JSON. */
const summary = (rows: readonly Row[], opts: Options): { readonly lines: string[]; readonly checks: Detail } => {
  const out: string[] = []
  const checks: Detail = {}
  const byId = (id: string): Row | undefined => rows.find((r) => r.id === id)

  const f64 = byId('matmul-f64')
  if (f64 !== undefined) {
    const parts = (['grad-ts', 'grad-ts-2t'] as const).flatMap((p) => {
      const r = ratio(f64, p, 'grad-ts-js')
      if (r !== undefined) checks[`f64WasmOverJs${p === 'grad-ts' ? '1t' : '2t'}`] = round(r, 3)
      return r === undefined ? [] : [`${p === 'grad-ts' ? '1t' : '2t'} ${r.toFixed(2)}×`]
    })
    if (parts.length > 0) out.push(`float64 matmul ${opts.f64Size}²: grad-ts wasm / grad-ts-js = ${parts.join(', ')} (target ≥ 4×).`)
  }

  const ew = byId('elementwise')
  if (ew !== undefined) {
    const ms = opts.peers.flatMap((p) => (typeof ew.detail[p]?.medianMs === 'number' ? [`${p} ${sig(ew.detail[p].medianMs, 3)}`] : []))
    if (ms.length > 0) out.push(`x·y + z on 10⁶ float32, median ms per op: ${ms.join(', ')}.`)
  }

  const mask = byId('bernoulli')
  if (mask !== undefined) {
    const checked = opts.peers.filter((p) => typeof mask.detail[p]?.bitsEqualReference === 'boolean')
    const ref = checked.map((p) => mask.detail[p]!.reference).find((r) => r !== '')
    if (checked.length > 0 && typeof ref === 'string') {
      for (const p of checked) checks[`maskBitsEqual:${p}`] = mask.detail[p]!.bitsEqualReference!
      const cells = checked.filter((p) => p !== ref).map((p) => `${p} ${mask.detail[p]!.bitsEqualReference === true ? 'equal' : `DIFFERS (${String(mask.detail[p]!.differingBits)} bits)`}`)
      out.push(`Bernoulli mask of key [${String(mask.detail[checked[0]!]!.checkKey)}] vs ${ref}'s: ${cells.join(', ') || 'no other threefry peer'}; kept ${String(mask.detail[ref as PeerId]?.keptFraction)} (tfjs: its own generator, not compared).`)
    }
  }

  const copies = (['mlp-step', 'mlp-dropout-step'] as const).flatMap((id) => {
    const r = byId(id)
    if (r === undefined) return []
    const cells = (['grad-ts', 'grad-ts-2t'] as const).flatMap((p) => {
      const d = r.detail[p]
      return typeof d?.copyFraction === 'number' ? [`${p === 'grad-ts' ? '1t' : '2t'} ${pct(d.copyFraction)} of the step, ${String(d.copyMiBPerRun)} MiB/step`] : []
    })
    return cells.length > 0 ? [`${id === 'mlp-step' ? 'MLP' : 'MLP+dropout'}: ${cells.join('; ')}`] : []
  })
  if (copies.length > 0) out.push(`Copies at the seam (grad-ts wasm, over the timed steps): ${copies.join(' · ')}.`)

  const mlp = byId('mlp-step')
  if (mlp !== undefined) {
    const losses = opts.peers.flatMap((p) => (typeof mlp.detail[p]?.lossAfterWarmup === 'number' ? [[p, mlp.detail[p].lossAfterWarmup] as const] : []))
    const ref = losses[0]
    if (ref !== undefined) {
      const worst = Math.max(...losses.map(([, l]) => relDiff(l, ref[1])))
      checks.mlpLossMaxRelDiff = worst
      checks.mlpLossesAgree = worst <= LOSS_TOLERANCE
      out.push(
        `MLP loss after ${opts.warmup} warm-up step(s) (must agree): ${losses.map(([p, l]) => `${p} ${sig(l)}`).join(', ')}; ` +
          `largest relative difference from ${ref[0]} ${worst.toExponential(1)} ${worst <= LOSS_TOLERANCE ? '✓' : `✗ above ${LOSS_TOLERANCE}`}.`,
      )
    }
  }

  const drop = byId('mlp-dropout-step')
  if (drop !== undefined) {
    const loss = (p: PeerId): number | undefined => (typeof drop.detail[p]?.lossAfterWarmup === 'number' ? drop.detail[p].lossAfterWarmup : undefined)
    const one = loss('grad-ts'), two = loss('grad-ts-2t'), js = loss('grad-ts-js')
    const cells: string[] = []
    if (one !== undefined) cells.push(`grad-ts ${sig(one, 9)}`)
    if (one !== undefined && two !== undefined) checks.dropoutLoss1tEquals2t = one === two
    if (one !== undefined && two !== undefined) cells.push(`grad-ts-2t ${two === one ? '= 1t bit for bit ✓' : `${sig(two, 9)} ✗ differs from 1t`}`)
    const base = one ?? two ?? js
    if (js !== undefined) {
      const wasmLoss = one ?? two
      if (wasmLoss !== undefined) checks.dropoutLossJsWithinTolerance = relDiff(js, wasmLoss) <= LOSS_TOLERANCE
      cells.push(wasmLoss === undefined ? `grad-ts-js ${sig(js, 9)}` : `grad-ts-js ${sig(js, 9)} (Δ ${relDiff(js, wasmLoss).toExponential(1)} ${relDiff(js, wasmLoss) <= LOSS_TOLERANCE ? '✓' : '✗'} ≤ ${LOSS_TOLERANCE})`)
    }
    for (const p of ['jax-js', 'jax-js-jit'] as const) {
      const l = loss(p)
      if (l !== undefined && base !== undefined) checks[`dropoutLossRelDiff:${p}`] = relDiff(l, base)
      if (l !== undefined) cells.push(base === undefined ? `${p} ${sig(l)}` : `${p} ${sig(l)} (same keys: Δ ${relDiff(l, base).toExponential(1)})`)
    }
    for (const p of ['tfjs-cpu', 'tfjs-wasm'] as const) {
      const l = loss(p)
      if (l !== undefined) cells.push(`${p} ${sig(l)} (own RNG)`)
    }
    if (cells.length > 0) out.push(`MLP+dropout loss after ${opts.warmup} warm-up step(s): ${cells.join(', ')}.`)
  }

  const convCells = (['forward', 'input', 'filter'] as const).flatMap((q) => {
    const r = byId(`conv2d-${q}`)
    if (r === undefined) return []
    const checked = opts.peers.filter((p) => r.detail[p]?.resultMaxRelDiff !== undefined && r.detail[p].reference !== p)
    for (const p of checked) checks[`conv2d-${q}Agrees:${p}`] = r.detail[p]!.resultAgrees === true
    const ref = checked.map((p) => r.detail[p]!.reference).find((x) => typeof x === 'string')
    const cells = checked.map((p) => {
      const d = r.detail[p]!.resultMaxRelDiff
      return `${p} ${typeof d === 'number' ? d.toExponential(1) : String(d)} ${r.detail[p]!.resultAgrees === true ? '✓' : '✗'}`
    })
    return cells.length > 0 ? [`${CONV_LABEL[q]} vs ${String(ref)}: ${cells.join(', ')}`] : []
  })
  if (convCells.length > 0) out.push(`conv2d results, max |Δ| / max |reference| (≤ ${CONV_TOLERANCE}): ${convCells.join(' · ')}.`)

  const lenet = byId('lenet-step')
  if (lenet !== undefined) {
    const loss = (p: PeerId): number | undefined => (typeof lenet.detail[p]?.lossAfterWarmup === 'number' ? lenet.detail[p].lossAfterWarmup : undefined)
    const base = loss('grad-ts') ?? loss('grad-ts-2t') ?? loss('grad-ts-js')
    const cells = opts.peers.flatMap((p) => {
      const l = loss(p)
      if (l === undefined) return []
      if (base === undefined) return [`${p} ${sig(l, 9)}`]
      const d = relDiff(l, base)
      if (!p.startsWith('tfjs') && p !== 'grad-ts') checks[`lenetLossAgrees:${p}`] = p === 'grad-ts-2t' ? l === base : d <= LOSS_TOLERANCE
      if (l === base) return [`${p} ${sig(l, 9)}${p === 'grad-ts' ? '' : ' (= grad-ts bit for bit)'}`]
      if (p === 'grad-ts-2t') return [`${p} ${sig(l, 9)} ✗ differs from 1t`]
      return [`${p} ${sig(l, 9)} (Δ ${d.toExponential(1)}${p.startsWith('tfjs') ? ', own RNG' : d <= LOSS_TOLERANCE ? ' ✓' : ' ✗'})`]
    })
    if (cells.length > 0) out.push(`LeNet first-step loss (same masks except tfjs; ≤ ${LOSS_TOLERANCE}): ${cells.join(', ')}.`)
  }

  const wasm = byId('wasm-growth')
  const peak = byId('peak-rss')
  if (wasm !== undefined && peak !== undefined) {
    const cells = (['grad-ts', 'grad-ts-2t'] as const).flatMap((p) => {
      const d = wasm.detail[p]
      if (typeof d?.wasmFlat === 'boolean') checks[`wasmMemoryFlat:${p}`] = d.wasmFlat
      return typeof d?.wasmMiB === 'string' ? [`${p === 'grad-ts' ? '1t' : '2t'} ${d.wasmMiB} MiB over ${String(d.steps)} steps (${d.wasmFlat === true ? 'flat' : 'GROWS'})`] : []
    })
    if (cells.length > 0) out.push(`grad-ts WebAssembly memory after GC, step ${opts.memCheck} → last: ${cells.join(', ')}.`)
    const jit = peak.values['jax-js-jit']
    const vs = (['grad-ts', 'grad-ts-2t'] as const).flatMap((p) => {
      const v = peak.values[p]
      if (typeof v === 'number' && typeof jit === 'number') checks[`peakRssAtMostJaxJit:${p}`] = v <= jit
      return typeof v === 'number' && typeof jit === 'number' ? [`${p} ${v.toFixed(0)} MiB ${v <= jit ? '≤' : '>'} jax-js-jit ${jit.toFixed(0)} MiB`] : []
    })
    if (vs.length > 0) out.push(`Peak RSS (target ≤ jax-js-jit's): ${vs.join(', ')}.`)
    const live = byId('live-growth')
    for (const p of ['grad-ts', 'grad-ts-2t'] as const) {
      const d = live?.detail[p]
      // Judged only as the table judges it: a check step ≥ 10 and at least twice as many steps run.
      if (typeof d?.grows === 'boolean' && typeof d.steps === 'number' && opts.memCheck >= 10 && d.steps >= 2 * opts.memCheck) checks[`liveMemoryFlat:${p}`] = !d.grows
    }
  }
  return { lines: out, checks }
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
  console.log(`grad-ts benchmark${opts.quick ? ' (quick)' : ''}: ${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores, Node ${process.versions.node}; peers other than grad-ts-2t run one thread`)
  const peers = new Map<PeerId, Peer>()
  for (const id of opts.peers) peers.set(id, await loadPeer(id))
  const rows: Row[] = []
  const has = (r: RowKind): boolean => opts.rows.includes(r)
  const dense = (id: string, label: string, c: MatmulCase): Promise<Row> => matmulRow(opts, peers, id, label, c)
  if (has('matmul'))
    for (const s of opts.sizes) rows.push(await matmulRow(opts, peers, `matmul-${s}`, `matmul ${s}², fresh B`, { m: s, k: s, n: s, transA: false, transB: false }))
  if (has('dense')) {
    rows.push(await dense('dense-xW', 'dense 1024→1024, b128: x·W', { m: 128, k: 1024, n: 1024, transA: false, transB: false }))
    rows.push(await dense('dense-dyWt', 'dense 1024→1024, b128: dy·Wᵀ', { m: 128, k: 1024, n: 1024, transA: false, transB: true }))
    rows.push(await dense('dense-xtdy', 'dense 1024→1024, b128: xᵀ·dy', { m: 1024, k: 128, n: 1024, transA: true, transB: false }))
  }
  if (has('matmul-f64')) {
    const s = opts.f64Size
    rows.push(await matmulRow(opts, peers, 'matmul-f64', `matmul ${s}² float64, fresh B`, { m: s, k: s, n: s, transA: false, transB: false, dtype: 'float64' }))
  }
  if (has('elementwise')) rows.push(await elementwiseRow(opts, peers))
  if (has('bernoulli')) rows.push(await bernoulliRow(opts, peers))
  if (has('per-example')) {
    const c = perExampleCase()
    for (const how of ['vmap', 'loop'] as const) {
      rows.push(await timingRow(opts, peers, {
        id: `per-example-${how}`, label: `per-example grads ${c.sizes.join('-')}, ${c.batch} examples: ${how === 'vmap' ? 'vmap(grad)' : 'loop of grad'}`, unit: 'grads/s',
        prepare: (p) => {
          if (p.perExample === undefined) throw new Unsupported(`${p.name} has no vmap in this bench`)
          return p.perExample(c, how)
        },
        toValue: (ms) => round((1000 * c.batch) / ms, 3),
      }))
    }
  }
  const init = mlpInit()
  const sizes = init.sizes.join('-')
  if (has('mlp')) rows.push(await mlpRow(opts, peers, 'mlp-step', `MLP ${sizes} b${init.batch}, step`, (p) => p.mlp(init)))
  if (has('mlp-dropout')) {
    const d = mlpDropoutInit()
    rows.push(await mlpRow(opts, peers, 'mlp-dropout-step', 'MLP + dropout + max-norm, step', (p) => p.mlpDropout(d)))
  }
  if (has('conv2d')) for (const q of ['forward', 'input', 'filter'] as const) rows.push(await convRow(opts, peers, q))
  if (has('lenet')) {
    const l = lenetInit()
    const max = slowSeconds(opts)
    rows.push(await mlpRow(opts, peers, 'lenet-step', `LeNet conv-pool ×2, dense 1024 + dropout, b${l.batch}, step`, (p) => {
      if (p.lenet === undefined) throw new Unsupported(`${p.name} has no convolution in this bench`)
      return p.lenet(l)
    }, max === undefined ? { maxSeconds: Infinity } : { maxSeconds: max }))
  }
  if (has('memory')) rows.push(...(await memoryRows(opts)))

  const table = renderTable(rows, opts.peers)
  console.log(`\n${table}\n`)
  console.log('×1t/×2t = grad-ts 1 thread / peer and grad-ts 2 threads / peer (grad-ts-2t column: 1t / 2t); ↑ rows: > 1 means grad-ts is faster; ↓ rows: < 1 means grad-ts uses less.')
  console.log('— = the peer cannot run the row (the reason is in the JSON detail).')
  const { lines: notes, checks } = summary(rows, opts)
  for (const n of notes) console.log(n)
  console.log(`Load average at start ${loadAtStart}, at end ${load()} (${String(cpus().length)} cores): other work on the machine lowers every value; the ratios are fairer, as the peers take turns.`)
  const seconds = round((performance.now() - started) / 1000, 1)
  const report = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.versions.node, loadAverageAtStart: loadAtStart, loadAverageAtEnd: load() },
    versions: Object.fromEntries(['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@jax-js/jax'].map((p) => [p, versionOf(p)])),
    options: opts,
    seconds,
    rows,
    notes,
    checks,
    table,
  }
  mkdirSync(dirname(opts.out), { recursive: true })
  writeFileSync(opts.out, JSON.stringify(report, null, 2) + '\n')
  console.log(`Written ${opts.out} (${seconds} s).`)
}

await main()
