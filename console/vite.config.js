// The console's production build: plain ES modules, no inline script (the CSP forbids it), hashed file names.
import { defineConfig } from 'vite';

export default defineConfig({
  root: '.',
  base: '/',
  publicDir: 'public',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0, // every asset a file of its own: `img-src 'self'` and no data: fonts
    modulePreload: { polyfill: false }, // the polyfill is an inline script
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
});
