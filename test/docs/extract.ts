/**
 * Finds the runnable examples of the project: every ```ts block in docs/*.md
 * (and docs subfolders, not the site's build) and every `@example` in the doc
 * comments of src/ and laws/. Used by the docs test and by the API reference.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

export interface Example {
  /** Where it comes from: `docs/guide.md:12` or `src/ad/ops/shape.ts:40 (reshape)`. */
  readonly origin: string
  readonly code: string
}

const walk = (dir: string, keep: (p: string) => boolean): string[] =>
  readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    if (name === 'node_modules' || name.startsWith('.')) return []
    return statSync(p).isDirectory() ? walk(p, keep) : keep(p) ? [p] : []
  })

/** ```ts / ```typescript fenced blocks of a Markdown file. */
export const markdownExamples = (root: string, file: string): Example[] => {
  const lines = readFileSync(file, 'utf8').split('\n')
  const out: Example[] = []
  let start = -1
  let buf: string[] = []
  lines.forEach((line, i) => {
    if (start < 0 && /^```(ts|typescript)\s*$/.test(line)) {
      start = i + 1
      buf = []
    } else if (start >= 0 && /^```\s*$/.test(line)) {
      out.push({ origin: `${relative(root, file)}:${start + 1}`, code: buf.join('\n') })
      start = -1
    } else if (start >= 0) buf.push(line)
  })
  return out
}

/** `@example` blocks of the doc comments of a TypeScript file. */
export const docCommentExamples = (root: string, file: string): Example[] => {
  const text = readFileSync(file, 'utf8')
  const out: Example[] = []
  for (const m of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const body = m[1]!.split('\n').map((l) => l.replace(/^\s*\* ?/, ''))
    const startLine = text.slice(0, m.index).split('\n').length
    const after = text.slice(m.index + m[0].length).match(/^\s*export\s+(?:const|function|class|interface|type)\s+(\w+)/)
    let code: string[] | undefined
    const flush = () => {
      if (code !== undefined) out.push({ origin: `${relative(root, file)}:${startLine}${after ? ` (${after[1]})` : ''}`, code: code.join('\n').trim() })
      code = undefined
    }
    for (const line of body) {
      const tag = line.match(/^\s*@(\w+)\s?(.*)$/) ?? line.match(/^(.*?)\s@(example)\s(.*)$/)
      if (tag?.[2] === 'example' && tag.length === 4) {
        flush()
        code = [tag[3]!]
      } else if (tag?.[1] === 'example') {
        flush()
        code = tag[2] ? [tag[2]] : []
      } else if (tag) flush()
      else if (code !== undefined) code.push(line)
    }
    flush()
  }
  return out
}

/** Every example of the project, docs first. */
export const allExamples = (root: string): Example[] => [
  ...markdownExamples(root, join(root, 'README.md')),
  ...walk(join(root, 'docs'), (p) => p.endsWith('.md')).flatMap((f) => markdownExamples(root, f)),
  ...[...walk(join(root, 'src'), (p) => p.endsWith('.ts')), ...walk(join(root, 'laws'), (p) => p.endsWith('.ts'))].flatMap((f) => docCommentExamples(root, f)),
]
