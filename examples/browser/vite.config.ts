import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  resolve: { dedupe: ['@tensorflow/tfjs-core'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  preview: { host: '127.0.0.1' },
  server: { host: '127.0.0.1' },
});
