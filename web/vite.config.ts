/**
 * One Vite build for the four web interfaces (a multi-page app): src/<ui>/index.html becomes
 * dist/<ui>/index.html, served by the platform at /<ui> (src/app/console.plugin.ts). Each page's
 * entry script is <ui>/js/main.js and its stylesheet <ui>/<ui>.css (stable names: the server sends
 * them with ETag and `no-cache`); code the pages share (Web Awesome, the API client) goes to hashed
 * chunks in dist/static, served at /static.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

const src = fileURLToPath(new URL('./src', import.meta.url));
const dist = fileURLToPath(new URL('./dist', import.meta.url));
export const PAGES = ['console', 'app', 'desk', 'portal'] as const;

export default defineConfig({
  root: src,
  plugins: [
    // The technician app's service worker (src/app/sw.ts → dist/app/sw.js, scope /app/): Workbox
    // precaches the app's shell and the shared chunks so /app opens offline. The manifest and
    // icons are static files (public/app/); the page registers the worker itself.
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'app',
      filename: 'sw.ts',
      outDir: `${dist}/app`,
      scope: '/app/',
      manifest: false,
      injectRegister: false,
      injectManifest: {
        globDirectory: dist,
        globPatterns: ['app/**/*.{js,css,html,svg,png,webmanifest}', 'static/**/*.{js,css,woff2}'],
        globIgnores: ['app/sw.js'],
        // Entries are relative to dist/; the worker lives in /app/, so make them absolute.
        modifyURLPrefix: { '': '/' },
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
      },
    }),
  ],
  base: '/',
  publicDir: fileURLToPath(new URL('./public', import.meta.url)),
  build: {
    outDir: dist,
    emptyOutDir: true,
    target: 'es2022',
    // The server's CSP forbids inline scripts: keep the module preload polyfill out of the HTML.
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
    rollupOptions: {
      input: Object.fromEntries(PAGES.map((page) => [page, `${src}/${page}/index.html`])),
      output: {
        entryFileNames: '[name]/js/main.js',
        chunkFileNames: 'static/[name]-[hash].js',
        assetFileNames: (asset) => {
          const name = asset.names[0] ?? '';
          const page = PAGES.find((p) => name === `${p}.css`);
          return page ? `${page}/${page}.css` : 'static/[name]-[hash][extname]';
        },
      },
    },
  },
});
