/**
 * The matmul kernel: out_t = A_t · B_t for t in [0, batch), with either operand
 * read transposed in place. It is a pure function of its inputs that writes only
 * into `out` (fresh, zero-filled), so a faster implementation (WebAssembly SIMD,
 * threads) can replace it without touching the AD layer.
 *
 * Layout of the large-problem path (Goto & van de Geijn, "Anatomy of
 * high-performance matrix multiplication", 2008, in plain JavaScript):
 *   for each NC-wide column block of B (jc)           pack B[:, jc], all of k  → `bp`
 *     for each MC-tall row block of A (ic)            its C tile stays in L2
 *       for each KC-deep slice of k (pc)              pack A[ic, pc]           → `ap`
 *         for each NR-wide panel of the `bp` slice (jr)    stays in L1
 *           for each MR-tall panel of `ap` (ir)            `ap` stays in L2
 *             micro-kernel: MR×NR sums in local variables over the KC slice
 * Packing reads A and B through their own strides, so the four transpose
 * combinations share one micro-kernel and no transposed copy of a whole operand is
 * ever made; it also converts float32 to float64 once, so the micro-kernel only ever
 * sees `Float64Array`s (monomorphic loads, no conversions in the hot loop).
 * Sums accumulate in doubles across all KC slices of a C tile (in `out` itself for
 * float64, in an MC×NC scratch tile for float32, which is rounded into `out` once).
 * Measured numbers and the block-size choices are in test/bench/kernel.ts.
 */

/** Buffers the kernel accepts: `a`, `b` and `out` share one of these types. */
type FloatArray = Float32Array | Float64Array

/** Micro-tile: 4×4 was the fastest shape measured (test/bench/kernel.ts); its 16 sums + 5 operands spill a little, which costs less than smaller tiles' extra loads. */
const MR = 4
const NR = 4
/** Depth of a packed slice: an NR×KC panel of B (8 KiB) stays in L1 while MC/MR micro-kernels reuse it. */
const KC = 256
/** Rows of A packed at once: MC×KC doubles (128 KiB) stay in L2. */
const MC = 64
/** Columns of B packed at once: as many as keep the packed block (k×NC doubles) near 2 MiB, 64 to 512. */
const NC_MIN = 64
const NC_MAX = 512
const B_BLOCK = 1 << 18
const columnBlock = (k: number): number => Math.min(NC_MAX, Math.max(NC_MIN, Math.floor(B_BLOCK / k / NR) * NR))
/** Below this many multiply-adds, packing costs more than it saves. */
const SMALL = 4096

/**
 * out[t·m·n + i·n + j] = Σ_p A_t[i,p]·B_t[p,j]. A_t starts at a[t·aBatchStride],
 * stored row-major [m,k], or [k,m] when `transA`; B_t starts at b[t·bBatchStride],
 * stored [k,n], or [n,k] when `transB`. A batch stride of 0 broadcasts the operand.
 * Sums are computed in doubles; float32 results are rounded once.
 * @internal
 */
export const matmulKernel = (
  a: Float32Array | Float64Array, b: Float32Array | Float64Array, out: Float32Array | Float64Array,
  batch: number, m: number, k: number, n: number,
  transA: boolean, transB: boolean,
  aBatchStride: number, bBatchStride: number,
): void => {
  if (batch === 0 || m === 0 || n === 0 || k === 0) return // `out` is already all zeros
  // A stack of row-major A's times one shared B is a single taller matmul.
  if (batch > 1 && bBatchStride === 0 && !transA && aBatchStride === m * k) {
    m *= batch
    batch = 1
  }
  const sai = transA ? 1 : k // stride of A[i,p] along i
  const sap = transA ? m : 1 // … and along p
  const sbp = transB ? 1 : n // stride of B[p,j] along p
  const sbj = transB ? k : 1 // … and along j
  if (m === 1 || n === 1 || m * n * k < SMALL) {
    const row = new Float64Array(n)
    for (let t = 0; t < batch; t++) {
      direct(a, t * aBatchStride, sai, sap, b, t * bBatchStride, sbp, sbj, out, t * m * n, m, k, n, row)
    }
    return
  }
  const ncMax = Math.min(columnBlock(k), roundUp(n, NR))
  const mcMax = Math.min(MC, roundUp(m, MR))
  const apLen = mcMax * Math.min(KC, k)
  const bpLen = ncMax * k
  const tileLen = out instanceof Float64Array ? 0 : mcMax * ncMax
  const work = scratch(apLen + bpLen + tileLen)
  const ap = work.subarray(0, apLen)
  const bp = work.subarray(apLen, apLen + bpLen)
  const tile = work.subarray(apLen + bpLen, apLen + bpLen + tileLen)
  for (let t = 0; t < batch; t++) {
    blocked(a, t * aBatchStride, sai, sap, b, t * bBatchStride, sbp, sbj, out, t * m * n, m, k, n, ncMax, ap, bp, tile)
  }
}

/**
 * Scratch for packed panels and float32 sums, kept between calls up to KEEP doubles:
 * first-touching a fresh multi-megabyte buffer costs page faults (measured here: ~25 ms
 * for 8 MiB, ~10 % of a 128×1024·1024×1024 product when paid on every call). It is
 * private to this module and overwritten (packed, or zero-filled) before every read,
 * so the kernel stays a pure function of its arguments; JavaScript never re-enters it
 * mid-call. At most KEEP doubles (32 MiB) stay allocated; larger calls use their own.
 */
let pool = new Float64Array(0)
const KEEP = 1 << 22 // 32 MiB
const scratch = (len: number): Float64Array => {
  if (len <= pool.length) return pool
  const fresh = new Float64Array(len)
  if (len <= KEEP) pool = fresh
  return fresh
}

const roundUp = (x: number, r: number): number => Math.ceil(x / r) * r

/**
 * out[oOff..] = A·B for one batch element, cache-blocked (see the top of the file).
 * A float64 `out` accumulates in place; a float32 one through the double `tile`.
 */
const blocked = (
  a: FloatArray, aOff: number, sai: number, sap: number,
  b: FloatArray, bOff: number, sbp: number, sbj: number,
  out: FloatArray, oOff: number, m: number, k: number, n: number, ncMax: number,
  ap: Float64Array, bp: Float64Array, tile: Float64Array,
): void => {
  const inPlace = out instanceof Float64Array
  for (let j0 = 0; j0 < n; j0 += ncMax) {
    const nc = Math.min(ncMax, n - j0)
    const ncp = roundUp(nc, NR) // the slice of `bp` for p0 starts at p0·ncp
    for (let p0 = 0; p0 < k; p0 += KC) pack(b, bOff + p0 * sbp + j0 * sbj, sbj, sbp, nc, Math.min(KC, k - p0), NR, bp, p0 * ncp)
    for (let i0 = 0; i0 < m; i0 += MC) {
      const mc = Math.min(MC, m - i0)
      const c = inPlace ? out : tile
      const cOff = inPlace ? oOff + i0 * n + j0 : 0
      const ldc = inPlace ? n : ncp
      if (!inPlace) tile.fill(0, 0, mc * ncp)
      for (let p0 = 0; p0 < k; p0 += KC) {
        const kc = Math.min(KC, k - p0)
        pack(a, aOff + i0 * sai + p0 * sap, sai, sap, mc, kc, MR, ap, 0)
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr)
          const bi = p0 * ncp + jr * kc
          for (let ir = 0; ir < mc; ir += MR) micro(ap, ir * kc, bp, bi, kc, c, cOff + ir * ldc + jr, ldc, Math.min(MR, mc - ir), nr)
        }
      }
      if (!inPlace) {
        // The one rounding of a float32 result.
        for (let r = 0; r < mc; r++) {
          const o = oOff + (i0 + r) * n + j0
          for (let j = 0, q = r * ncp; j < nc; j++) out[o + j] = tile[q + j]!
        }
      }
    }
  }
}

/**
 * Packs a `rows`×`depth` block of a strided operand (element [r,p] at
 * src[off + r·sr + p·sp]) into dst from index q on, in panels of `w` rows: panel i
 * holds, for each p in turn, its w elements [i·w .. i·w+w-1, p] contiguously; rows
 * past `rows` are zero.
 */
const pack = (
  src: FloatArray, off: number, sr: number, sp: number,
  rows: number, depth: number, w: number, dst: Float64Array, q: number,
): void => {
  for (let r0 = 0; r0 < rows; r0 += w) {
    const h = Math.min(w, rows - r0)
    const base = off + r0 * sr
    if (sr === 1 && h === 4 && w === 4) {
      // The common case of the next branch, unrolled.
      for (let p = 0, s = base; p < depth; p++, s += sp, q += 4) {
        dst[q] = src[s]!
        dst[q + 1] = src[s + 1]!
        dst[q + 2] = src[s + 2]!
        dst[q + 3] = src[s + 3]!
      }
    } else if (sr === 1) {
      // The panel's w elements are adjacent in memory (B, or A read transposed).
      for (let p = 0; p < depth; p++) {
        const s = base + p * sp
        for (let r = 0; r < h; r++) dst[q + r] = src[s + r]!
        for (let r = h; r < w; r++) dst[q + r] = 0
        q += w
      }
    } else {
      // Walk each row contiguously along p and scatter into the panel.
      for (let r = 0; r < h; r++) {
        const s = base + r * sr
        for (let p = 0, d = q + r; p < depth; p++, d += w) dst[d] = src[s + p * sp]!
      }
      for (let r = h; r < w; r++) for (let p = 0, d = q + r; p < depth; p++, d += w) dst[d] = 0
      q += w * depth
    }
  }
}

/**
 * The 4×4 micro-kernel: C[ci + r·ldc + s] += Σ_p ap[ai + 4p + r] · bp[bi + 4p + s]
 * for r < mr, s < nr, the sum continuing from C's value: each element is
 * summed in order of p across every KC slice, the order the WebAssembly
 * kernel uses too (so float64 products agree between backends bit for bit).
 * Sixteen sums live in local variables (registers).
 */
const micro = (
  ap: Float64Array, ai: number, bp: Float64Array, bi: number, kc: number,
  c: Float64Array, ci: number, ldc: number, mr: number, nr: number,
): void => {
  const at = (r: number, s: number): number => (r < mr && s < nr ? c[ci + r * ldc + s]! : 0)
  let c00 = at(0, 0), c01 = at(0, 1), c02 = at(0, 2), c03 = at(0, 3)
  let c10 = at(1, 0), c11 = at(1, 1), c12 = at(1, 2), c13 = at(1, 3)
  let c20 = at(2, 0), c21 = at(2, 1), c22 = at(2, 2), c23 = at(2, 3)
  let c30 = at(3, 0), c31 = at(3, 1), c32 = at(3, 2), c33 = at(3, 3)
  for (let p = 0; p < kc; p++) {
    const a0 = ap[ai]!, a1 = ap[ai + 1]!, a2 = ap[ai + 2]!, a3 = ap[ai + 3]!
    let v = bp[bi]!
    c00 += a0 * v; c10 += a1 * v; c20 += a2 * v; c30 += a3 * v
    v = bp[bi + 1]!
    c01 += a0 * v; c11 += a1 * v; c21 += a2 * v; c31 += a3 * v
    v = bp[bi + 2]!
    c02 += a0 * v; c12 += a1 * v; c22 += a2 * v; c32 += a3 * v
    v = bp[bi + 3]!
    c03 += a0 * v; c13 += a1 * v; c23 += a2 * v; c33 += a3 * v
    ai += 4
    bi += 4
  }
  // Edge tiles (mr < 4 or nr < 4) store only the rows and columns that exist.
  store(c, ci, nr, c00, c01, c02, c03)
  if (mr > 1) store(c, ci + ldc, nr, c10, c11, c12, c13)
  if (mr > 2) store(c, ci + 2 * ldc, nr, c20, c21, c22, c23)
  if (mr > 3) store(c, ci + 3 * ldc, nr, c30, c31, c32, c33)
}

const store = (c: Float64Array, ci: number, nr: number, x0: number, x1: number, x2: number, x3: number): void => {
  c[ci] = x0
  if (nr > 1) c[ci + 1] = x1
  if (nr > 2) c[ci + 2] = x2
  if (nr > 3) c[ci + 3] = x3
}

/**
 * Small problems and matrix–vector products, unpacked: i-p-j order with a row of
 * double sums when B's rows are contiguous, dot products along p otherwise.
 */
const direct = (
  a: FloatArray, aOff: number, sai: number, sap: number,
  b: FloatArray, bOff: number, sbp: number, sbj: number,
  out: FloatArray, oOff: number, m: number, k: number, n: number, row: Float64Array,
): void => {
  for (let i = 0; i < m; i++) {
    const ai = aOff + i * sai
    const oi = oOff + i * n
    if (sbj === 1) {
      row.fill(0)
      for (let p = 0; p < k; p++) {
        const x = a[ai + p * sap]!
        const bi = bOff + p * sbp
        for (let j = 0; j < n; j++) row[j] = row[j]! + x * b[bi + j]!
      }
      for (let j = 0; j < n; j++) out[oi + j] = row[j]!
    } else {
      for (let j = 0; j < n; j++) {
        const bj = bOff + j * sbj
        let s = 0
        for (let p = 0; p < k; p++) s += a[ai + p * sap]! * b[bj + p]!
        out[oi + j] = s
      }
    }
  }
}
