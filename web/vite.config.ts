import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    // dist/.keep is committed and must survive; `npm run build` cleans assets first.
    emptyOutDir: false,
  },
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080' },
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test-setup.ts'],
    css: false,
  },
});
