/** The default VitePress theme, plus the styles of the DOT pictures and the live page. */
import DefaultTheme from 'vitepress/theme'
import './custom.css'

export default DefaultTheme
