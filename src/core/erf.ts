/**
 * The error function in float64 (float32 kernels round it once on store), from
 * two expansions that need no fitted coefficients:
 *
 * - |x| < 2: DLMF 7.6.2, erf x = (2/√π)·x·e^(−x²)·Σ (2x²)ⁿ / (1·3···(2n+1)), whose
 *   terms are all positive (no cancellation), summed in double-double arithmetic
 *   (Dekker's exact products and Knuth's exact sums) with x² and 2/√π carried
 *   to twice the precision, so that only `Math.exp` and the final rounding err.
 * - 2 ≤ |x| < 6: 1 − erfc x, erfc from its continued fraction (DLMF 7.9.2),
 *   erfc x = (e^(−x²)/√π) / (x + ½/(x + 1/(x + (3/2)/(x + …)))), evaluated from the
 *   tail; erfc x < 0.005 there, so its rounding barely reaches erf.
 *
 * Below 2⁻²⁸, erf x is (2/√π)·x to within half an ulp. erf is odd, and ±1
 * from |x| ≥ 6 on (erfc 6 ≈ 2·10⁻¹⁷ is below half an ulp of 1).
 */

/** 2/√π as a double-double (hi + lo). */
const C_HI = 1.1283791670955126
const C_LO = 1.533545961316588e-17
const SPLIT = 134217729 // 2²⁷ + 1, Dekker's splitter

// Double-double values live in (hi, lo) pairs; these module-level registers avoid allocating per element.
let H = 0
let L = 0

/** (H, L) ← a·b exactly (Dekker). */
const twoProd = (a: number, b: number): void => {
  const p = a * b
  const ca = SPLIT * a
  const ah = ca - (ca - a)
  const al = a - ah
  const cb = SPLIT * b
  const bh = cb - (cb - b)
  const bl = b - bh
  H = p
  L = ah * bh - p + ah * bl + al * bh + al * bl
}
/** (H, L) ← normalised s + e, |e| ≤ ulp(s). */
const quick = (s: number, e: number): void => {
  H = s + e
  L = e - (H - s)
}
/** (H, L) ← (ah, al)·(bh, bl). */
const ddMul = (ah: number, al: number, bh: number, bl: number): void => {
  twoProd(ah, bh)
  quick(H, L + ah * bl + al * bh)
}
/** (H, L) ← (ah, al) + (bh, bl) (Knuth's two-sum of the high parts). */
const ddAdd = (ah: number, al: number, bh: number, bl: number): void => {
  const s = ah + bh
  const v = s - ah
  quick(s, ah - (s - v) + (bh - v) + al + bl)
}
/** (H, L) ← (ah, al)/b. */
const ddDiv = (ah: number, al: number, b: number): void => {
  const q = ah / b
  twoProd(q, b)
  quick(q, (ah - H - L + al) / b)
}

const series = (x: number): number => {
  twoProd(x, x)
  const q2h = 2 * H
  const q2l = 2 * L
  const qh = H
  const ql = L
  let th = 1
  let tl = 0
  let sh = 1
  let sl = 0
  for (let k = 3; th > sh * 1e-18; k += 2) {
    ddMul(th, tl, q2h, q2l)
    ddDiv(H, L, k)
    th = H
    tl = L
    ddAdd(sh, sl, th, tl)
    sh = H
    sl = L
  }
  // e^(−qh − ql) = e^(−qh)·(1 − ql) to double-double precision, |ql| ≤ ulp(qh)/2.
  const eh = Math.exp(-qh)
  ddMul(sh, sl, eh, -eh * ql)
  ddMul(H, L, C_HI, C_LO)
  ddMul(H, L, x, 0)
  return H + L
}

const erfc = (x: number): number => {
  twoProd(x, x)
  // Terms from the tail: enough for 10⁻¹⁶ relative at x = 2, fewer as x grows.
  const n = Math.ceil(12 + 300 / H)
  let t = x
  for (let k = n; k >= 1; k--) t = x + k / 2 / t
  return (Math.exp(-H) * (1 - L) * C_HI) / 2 / t
}

/** erf(x) in float64. @internal */
export const erf = (x: number): number => {
  const a = Math.abs(x)
  if (!(a < 6)) return a === a ? Math.sign(x) : x
  // erf x = (2/√π)·x·(1 − x²/3 + …), and x²/3 is below half an ulp here (also keeps ±0 and subnormals exact to an ulp).
  if (a < 2 ** -28) return x * C_HI + x * C_LO
  if (a < 2) return series(x)
  const r = 1 - erfc(a)
  return x < 0 ? -r : r
}
