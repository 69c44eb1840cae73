/**
 * Every exported value of the three entry points (grad-ts, grad-ts/laws,
 * grad-ts/node), namespaces included, has a doc comment with an `@example`
 * (which the examples test runs). Types and interfaces need a comment but no
 * example; TypeDoc's validation, an error in `npm run docs:build`, checks that.
 */
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const entries = { 'grad-ts': 'src/index.ts', 'grad-ts/laws': 'laws/index.ts', 'grad-ts/node': 'src/node/index.ts' }

const program = ts.createProgram(
  Object.values(entries).map((f) => root + f),
  { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, skipLibCheck: true, noEmit: true },
)
const checker = program.getTypeChecker()

const isTypeOnly = (s: ts.Symbol): boolean =>
  (s.declarations ?? []).some((d) => (ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly)))

/** The exported values (functions, constants, classes) of a module, `namespace.name` → their doc tags. */
const exportedValues = (mod: ts.Symbol, prefix: string): [string, readonly ts.JSDocTag[]][] =>
  checker.getExportsOfModule(mod).flatMap((s): [string, readonly ts.JSDocTag[]][] => {
    if (isTypeOnly(s)) return []
    const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s
    const decl = target.valueDeclaration ?? target.declarations?.[0]
    if (decl === undefined) return []
    if (ts.isSourceFile(decl)) return exportedValues(target, `${prefix}${s.name}.`)
    if (!(target.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Variable | ts.SymbolFlags.Class))) return []
    const tags = ts.getJSDocTags(ts.isVariableDeclaration(decl) ? decl.parent.parent : decl)
    return tags.some((t) => t.tagName.text === 'internal') ? [] : [[`${prefix}${s.name}`, tags]]
  })

describe('the public API', () => {
  for (const [name, file] of Object.entries(entries)) {
    const source = program.getSourceFile(root + file)
    const mod = source && checker.getSymbolAtLocation(source)
    it(`${name}: every exported value has a doc comment with an @example`, () => {
      expect(mod).toBeDefined()
      const values = exportedValues(mod!, `${name}:`)
      expect(values.length).toBeGreaterThan(name === 'grad-ts' ? 200 : 1)
      expect(values.filter(([, tags]) => !tags.some((t) => t.tagName.text === 'example')).map(([n]) => n)).toEqual([])
    })
  }
})
