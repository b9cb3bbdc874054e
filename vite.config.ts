import { defineConfig } from 'vite';

// The renderer: one page, loaded by Electron from file:// and by the web host from 127.0.0.1.
export default defineConfig({
  root: 'renderer',
  base: './',
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: true,
  },
  esbuild: { jsx: 'automatic' },
});
