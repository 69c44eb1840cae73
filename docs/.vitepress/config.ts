/**
 * The documentation site (VitePress). `npm run docs:build` first writes the
 * live page's digits and the API reference (TypeDoc, HTML) into docs/public,
 * then builds everything into docs/.vitepress/dist — offline.
 *
 * ```dot fences are rendered to SVG at build time with Graphviz (@viz-js/viz,
 * WebAssembly). A picture must show real output: its DOT text has to appear,
 * verbatim, in a ```ts block of the same page — and those blocks are run by
 * the docs test, which asserts the text is what `toDot` returns.
 */
import { fileURLToPath } from 'node:url'
import { instance } from '@viz-js/viz'
import { defineConfig } from 'vitepress'

const viz = await instance()

/** Graphviz's SVG, ready to sit inside a Vue template (no XML prolog, doctype or comments). */
const svgOf = (dot: string): string =>
  viz
    .renderString(dot, { format: 'svg' })
    .replace(/<\?xml[^>]*\?>/g, '')
    .replace(/<!DOCTYPE[^>]*>/g, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .trim()

const guide = [
  { text: 'Getting started', link: '/getting-started' },
  { text: 'Tensors and broadcasting', link: '/tensors' },
  { text: 'Differentiation', link: '/differentiation' },
  { text: 'Vectorising with vmap', link: '/vmap' },
  { text: 'Custom derivatives and primitives', link: '/custom' },
  { text: 'Randomness', link: '/randomness' },
  { text: 'Dropout', link: '/dropout' },
  { text: 'Convolutions and pooling', link: '/convolutions' },
  { text: 'Normalisation layers and maxout', link: '/normalization' },
  { text: 'Max-norm and optimizers', link: '/optimizers' },
  { text: 'Checkpoints and codecs', link: '/checkpoints' },
  { text: 'Laws for your test suite', link: '/laws' },
  { text: 'Performance: backends and threads', link: '/performance' },
  { text: 'Coming from JAX / TensorFlow.js', link: '/coming-from' },
]

export default defineConfig({
  title: 'grad-ts',
  description: 'Pure, functional reverse-mode automatic differentiation for TypeScript: immutable tensors, explicit random keys, dropout and max-norm.',
  lang: 'en-GB',
  lastUpdated: false,
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }]],
  themeConfig: {
    logo: '/favicon.svg',
    nav: [
      { text: 'Guide', link: '/getting-started' },
      { text: 'Live demo', link: '/live' },
      { text: 'Results', link: '/results' },
      { text: 'API', link: '/api/index.html', target: '_self' },
    ],
    sidebar: [
      { text: 'Guide', items: guide },
      {
        text: 'More',
        items: [
          { text: 'Live demo: dropout on MNIST', link: '/live' },
          { text: 'Results: the paper on 10,000 digits', link: '/results' },
          { text: 'Architecture', link: '/architecture' },
          { text: 'API reference', link: '/api/index.html', target: '_self' },
        ],
      },
    ],
    search: { provider: 'local' },
    outline: { level: [2, 3] },
    footer: { message: 'MIT licence. Every example on this site is type-checked and run by the test suite.' },
  },
  markdown: {
    math: false,
    config: (md) => {
      md.core.ruler.push('dot-is-checked', (state) => {
        const fences = state.tokens.filter((t) => t.type === 'fence')
        const code = fences.filter((t) => /^(ts|typescript)$/.test(t.info.trim())).map((t) => t.content)
        for (const t of fences) {
          if (t.info.trim() !== 'dot') continue
          const dot = t.content.trim()
          if (!code.some((c) => c.includes(dot))) {
            throw new Error(`a \`\`\`dot picture (line ${(t.map?.[0] ?? 0) + 1}) does not appear verbatim in a \`\`\`ts block of its page, so nothing checks it`)
          }
        }
      })
      const fence = md.renderer.rules.fence
      md.renderer.rules.fence = (tokens, idx, options, env, self) => {
        const t = tokens[idx]
        if (t?.info.trim() === 'dot') return `<figure class="dot-graph">${svgOf(t.content)}</figure>\n`
        return fence ? fence(tokens, idx, options, env, self) : self.renderToken(tokens, idx, options)
      }
    },
  },
  vite: {
    // The live page imports 'grad-ts' as a user would: the package's ESM build (dist/, from `npm run build`),
    // which has no Node built-ins — test/browser checks the bundle for them.
    resolve: { alias: [{ find: /^grad-ts$/, replacement: fileURLToPath(new URL('../../dist/src/index.js', import.meta.url)) }] },
    build: { chunkSizeWarningLimit: 1500 },
  },
})
