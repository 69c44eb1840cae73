/**
 * The main job, end to end: `npm run demo -- --quick` in a child process, then
 * its outputs checked — files exist, the JSON decodes with the demo's codec,
 * errors are fractions, dropout is not worse than the plain net, the
 * checkpoints load back bit-exactly and reproduce the reported test errors.
 * Bad options write nothing.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { io, nn, random } from '../../src/index.js'
import { loadDigits, splitDigits } from '../../docs/demo/data.js'
import { decodeResults, type Results } from '../../docs/demo/results.js'
import { errorRate, mlpSpec } from '../../docs/demo/train.js'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const tsx = join(root, 'node_modules/tsx/dist/cli.mjs')
const demo = (args: readonly string[]) => run(process.execPath, [tsx, join(root, 'docs/demo/main.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 180_000 })

let out: string
let stdout = ''
beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'grad-ts-demo-'))
  stdout = (await demo(['--quick', '--out', out])).stdout
}, 200_000)
afterAll(() => {
  rmSync(out, { recursive: true, force: true })
})

const results = (): Results => {
  const r = decodeResults(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')))
  if (E.isLeft(r)) throw r.left
  return r.right
}

describe('npm run demo -- --quick', () => {
  it('writes the results, plots, checkpoints and report', () => {
    for (const f of ['results.json', 'report.md', 'learning-curves.svg', 'activations.svg', 'monte-carlo.svg', 'plain.safetensors', 'dropout.safetensors', 'dropout-max-norm.safetensors']) {
      expect(existsSync(join(out, f)), f).toBe(true)
    }
    expect(readFileSync(join(out, 'monte-carlo.svg'), 'utf8')).toMatch(/^<svg/)
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('![Monte-Carlo averaging](monte-carlo.svg)')
    expect(stdout).toContain('wrote 8 files')
  })
  it('writes JSON that decodes with the project codecs, with errors in [0, 1]', () => {
    const r = results()
    expect(r.runs.map((x) => x.name)).toEqual(['plain', 'dropout', 'dropout + max-norm'])
    for (const x of r.runs) {
      for (const e of [x.trainError, x.testError, ...x.curve.map((c) => c.testError)]) expect(e >= 0 && e <= 1).toBe(true)
      expect(E.isRight(io.decodeTrainingConfig(io.TrainingConfig.encode(x.config)))).toBe(true)
    }
    expect(r.monteCarlo.points.map((p) => p.k)).toEqual([1, 2, 5, 10, 20, 50, 100])
    expect(r.sparsity.length).toBe(6)
  })
  it('shows dropout working: neither dropout net is worse than the plain net by more than noise', () => {
    const [plain, dropout, maxNorm] = results().runs.map((x) => x.testError)
    // At about 11 % error on 2,000 test digits one standard error is 0.7 points; allow one point.
    expect(dropout!).toBeLessThan(plain! + 0.01)
    expect(maxNorm!).toBeLessThan(plain! + 0.01)
    expect(plain!).toBeLessThan(0.2)
  })
  it('saves checkpoints that load back bit-exactly and reproduce the reported test errors', () => {
    const r = results()
    const test = splitDigits(loadDigits()).test
    for (const x of r.runs) {
      const bytes = new Uint8Array(readFileSync(join(out, x.checkpoint)))
      const spec = mlpSpec(x.config)
      const like = random.evaluate(random.key(0))(nn.initMlp(spec))
      const ck = io.decodeCheckpoint(like, bytes)
      if (E.isLeft(ck)) throw ck.left
      // Bit-exact: encoding what was loaded gives the same bytes back.
      const again = io.encodeCheckpoint(ck.right.params, { ...(ck.right.config ? { config: ck.right.config } : {}), ...(ck.right.key ? { key: ck.right.key } : {}), metadata: ck.right.metadata })
      expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true)
      expect(ck.right.config).toEqual(x.config)
      expect(errorRate(spec, ck.right.params, test)).toBe(x.testError)
    }
  })
  it('rejects a bad option with the usage, a non-zero exit, and no files', async () => {
    const empty = join(out, 'never-written')
    const err = await demo(['--epochs', '-3', '--out', empty]).then(
      () => undefined,
      (e: unknown) => e as { code: number; stderr: string },
    )
    expect(err?.code).toBe(2)
    expect(err?.stderr).toContain('--epochs: expected a positive integer, got "-3"')
    expect(err?.stderr).toContain('usage: npm run demo')
    expect(existsSync(empty)).toBe(false)
    expect(readdirSync(out).length).toBe(8)
  })
})
