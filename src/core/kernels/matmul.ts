// PLACEHOLDER written by the lead so the AD layer can be tested: a naive reference kernel.
// The matmul helper owns this file and replaces it with the tiled kernel (same signature).
export const matmulKernel = (
  a: Float32Array | Float64Array, b: Float32Array | Float64Array, out: Float32Array | Float64Array,
  batch: number, m: number, k: number, n: number,
  transA: boolean, transB: boolean,
  aBatchStride: number, bBatchStride: number,
): void => {
  for (let t = 0; t < batch; t++) {
    const ao = t * aBatchStride
    const bo = t * bBatchStride
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0
        for (let p = 0; p < k; p++) s += a[ao + (transA ? p * m + i : i * k + p)]! * b[bo + (transB ? j * k + p : p * n + j)]!
        out[t * m * n + i * n + j] = s
      }
  }
}
