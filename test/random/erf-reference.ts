/**
 * erf in 256-bit fixed point (BigInt), for checking the erfinv approximations:
 * π from Machin's formula, erf from its Taylor series. Exact to far beyond
 * float64 for |x| ≤ 6.
 */
const BITS = 256n
const ONE = 1n << BITS

const atanInv = (k: bigint): bigint => {
  let sum = 0n
  let term = ONE / k
  let n = 0n
  while (term !== 0n) {
    sum += (n % 2n === 0n ? term : -term) / (2n * n + 1n)
    term /= k * k
    n++
  }
  return sum
}

const isqrt = (v: bigint): bigint => {
  let x = 1n << (BigInt(v.toString(2).length) / 2n + 1n)
  for (;;) {
    const y = (x + v / x) / 2n
    if (y >= x) return x
    x = y
  }
}

const SQRT_PI = isqrt((16n * atanInv(5n) - 4n * atanInv(239n)) * ONE)

/** A double as an exact fixed-point number. */
export const fixed = (x: number): bigint => {
  if (!Number.isFinite(x)) throw new Error(`fixed: ${x} is not finite`)
  if (x === 0) return 0n
  const bits = new BigUint64Array(new Float64Array([Math.abs(x)]).buffer)[0]!
  const e = Number((bits >> 52n) & 0x7ffn)
  const m = (bits & ((1n << 52n) - 1n)) | (e === 0 ? 0n : 1n << 52n)
  const shift = BigInt(Math.max(e, 1) - 1075) + BITS
  const v = shift >= 0n ? m << shift : m >> -shift
  return x < 0 ? -v : v
}

/** A fixed-point number as a double (correctly rounded enough for error estimates). */
export const toNumber = (v: bigint): number => Number((v << 240n) / ONE) / 2 ** 240

/** erf(x) of a fixed-point x (|x| ≤ 6), in fixed point. */
export const erfFixed = (x: bigint): bigint => {
  let sum = 0n
  let t = x
  for (let n = 0n; t !== 0n; ) {
    sum += (n % 2n === 0n ? t : -t) / (2n * n + 1n)
    n++
    t = (t * x * x) / ONE / ONE / n
  }
  return (sum * 2n * ONE) / SQRT_PI
}

/**
 * The relative error of `x` as an inverse of erf at `u`: (x − erfinv(u)) / x,
 * from the residual erf(x) − u divided by erf′(x).
 */
export const erfinvRelError = (u: number, x: number): number =>
  toNumber(erfFixed(fixed(x)) - fixed(u)) / ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x)) / x
