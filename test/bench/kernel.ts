/**
 * Micro-benchmark of the matmul kernel against a naive i-k-j triple loop, single
 * thread, float32 (and float64 for comparison). Run: `npx tsx test/bench/kernel.ts [--quick]`.
 *
 * Block sizes in src/backend/js/matmul.ts were chosen with this script and
 * variants of it (Node 20, AMD EPYC, 2 vCPUs): the 4×4 micro-tile matched or beat
 * 4×2, 2×4, 2×6, 6×2, 3×3, 3×4, 4×3, 2×8, 4×8 and 8×4; KC 128–512, MC 32–128 and
 * NC 256–1024 were within the noise of a shared machine of each other, so NC is
 * chosen for memory (packed B ≈ 2 MiB, C tile in L2) rather than speed.
 */
import { cpus, loadavg } from 'node:os'
import { matmulKernel } from '../../src/backend/js/matmul.js'
import { fillUniform, median } from './util.js'

type F = Float32Array | Float64Array

/** The baseline: i-k-j order (unit-stride inner loop), summing straight into `out`. */
const naive = (a: F, b: F, out: F, m: number, k: number, n: number, transA: boolean, transB: boolean): void => {
  const sai = transA ? 1 : k, sap = transA ? m : 1, sbp = transB ? 1 : n, sbj = transB ? k : 1
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const x = a[i * sai + p * sap]!
      for (let j = 0; j < n; j++) out[i * n + j] = out[i * n + j]! + x * b[p * sbp + j * sbj]!
    }
  }
}

interface Case { readonly name: string; readonly m: number; readonly k: number; readonly n: number; readonly transA: boolean; readonly transB: boolean }

const cases = (sizes: readonly number[]): Case[] => [
  ...sizes.flatMap((s) => [
    { name: `${s}³ A·B`, m: s, k: s, n: s, transA: false, transB: false },
    { name: `${s}³ A·Bᵀ`, m: s, k: s, n: s, transA: false, transB: true },
    { name: `${s}³ Aᵀ·B`, m: s, k: s, n: s, transA: true, transB: false },
    { name: `${s}³ Aᵀ·Bᵀ`, m: s, k: s, n: s, transA: true, transB: true },
  ]),
  { name: 'dense x·W    128×1024·1024×1024', m: 128, k: 1024, n: 1024, transA: false, transB: false },
  { name: 'dense dy·Wᵀ  128×1024·(1024×1024)ᵀ', m: 128, k: 1024, n: 1024, transA: false, transB: true },
  { name: 'dense xᵀ·dy  (128×1024)ᵀ·128×1024', m: 1024, k: 128, n: 1024, transA: true, transB: false },
]

type Kernel = (a: F, b: F, out: F, c: Case) => void
const fast: Kernel = (a, b, out, c) => { matmulKernel(a, b, out, 1, c.m, c.k, c.n, c.transA, c.transB, 0, 0) }
const slow: Kernel = (a, b, out, c) => { naive(a, b, out, c.m, c.k, c.n, c.transA, c.transB) }

/** GFLOP/s of the best and of the median of `reps` calls (after one warm-up call). */
const gflops = (kernel: Kernel, c: Case, dtype: 'float32' | 'float64', reps: number): { best: number; median: number } => {
  const make = (len: number): F => (dtype === 'float32' ? new Float32Array(len) : new Float64Array(len))
  const a = fillUniform(make(c.m * c.k), 1), b = fillUniform(make(c.k * c.n), 2)
  const times: number[] = []
  for (let r = 0; r <= reps; r++) {
    const out = make(c.m * c.n)
    const t0 = performance.now()
    kernel(a, b, out, c)
    if (r > 0) times.push(performance.now() - t0)
  }
  const flop = 2 * c.m * c.k * c.n
  return { best: flop / Math.min(...times) / 1e6, median: flop / median(times) / 1e6 }
}

const main = (): void => {
  const quick = process.argv.includes('--quick')
  const sizes = quick ? [256, 512] : [128, 512, 1024]
  const reps = quick ? 2 : 7
  // Warm both element types up first, so the timings below see the kernel as it runs in a real program.
  for (const dtype of ['float64', 'float32'] as const) for (const c of cases([96])) gflops(fast, c, dtype, 3)
  // Best-of-N is the figure to compare on a shared machine; the median shows the noise.
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${String(cpus().length)} cores (other work on the machine lowers the medians)`)
  console.log('GFLOP/s, single thread'.padEnd(38) + 'naive f32   kernel f32 best/median   kernel f64 best   speed-up f32 (best)')
  for (const c of cases(sizes)) {
    const k32 = gflops(fast, c, 'float32', reps)
    const k64 = gflops(fast, c, 'float64', reps)
    const n32 = gflops(slow, c, 'float32', c.m * c.k * c.n > 2e8 ? 2 : reps)
    console.log(
      c.name.padEnd(38) + n32.best.toFixed(2).padStart(9) +
        `${k32.best.toFixed(2)} / ${k32.median.toFixed(2)}`.padStart(25) + k64.best.toFixed(2).padStart(18) +
        `${(k32.best / n32.best).toFixed(1)}×`.padStart(22),
    )
  }
}

main()
