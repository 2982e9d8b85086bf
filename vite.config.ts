import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer is a static bundle the server (and Electron) load from dist/renderer.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../dist/renderer', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1500 },
});
