/**
 * Runs before every test file: checks that the backend the project asked for
 * (GRAD_TS_BACKEND, GRAD_TS_THREADS) is the one running, and on more than one
 * thread makes every kernel split over the threads however small it is, so
 * the suite's small tensors take the paths large ones take.
 */
import { backend } from '../../src/backend/backend.js'
import type { WasmBackend } from '../../src/backend/wasm/index.js'
import { getBackend } from '../../src/index.js'

const want = process.env.GRAD_TS_BACKEND
const threads = Number(process.env.GRAD_TS_THREADS ?? '1')
const got = getBackend()
if (want !== undefined && got.name !== want) throw new Error(`the test project asked for the ${want} backend and got ${got.name}`)
if (got.name === 'wasm' && got.threads !== Math.min(threads, got.maxThreads)) throw new Error(`asked for ${threads} threads, got ${got.threads}`)
if (got.name === 'wasm' && got.threads > 1) (backend() as WasmBackend).splitAbove(1, 1)
