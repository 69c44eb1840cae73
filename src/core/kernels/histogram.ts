/** Counts of values in equal-width bins over [lo, hi]; values outside (and NaN) are not counted. @internal */
export const histogramKernel = (x: ArrayLike<number>, bins: number, lo: number, hi: number): Float64Array => {
  const counts = new Float64Array(bins)
  const scale = bins / (hi - lo)
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!
    if (!(v >= lo && v <= hi)) continue
    // The last bin is closed on the right, as in NumPy.
    counts[v === hi ? bins - 1 : Math.floor((v - lo) * scale)]!++
  }
  return counts
}
