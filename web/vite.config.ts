import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    // dist/.keep is committed and must survive; `npm run build` cleans assets first.
    emptyOutDir: false,
    // The API reference (Swagger UI) and the dashboard (ECharts) are lazy chunks; only they exceed 500 kB.
    chunkSizeWarningLimit: 1600,
  },
  server: {
    proxy: {
      // STRATA_API overrides the Go server's address (default: strata serve's default).
      '/api': { target: process.env.STRATA_API ?? 'http://127.0.0.1:8080' },
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test-setup.ts'],
    css: false,
    // Generous for the same reason as asyncUtilTimeout in test-setup.ts.
    testTimeout: 30000,
    // e2e/ drives a real browser against a real server: `npm run e2e`, not Vitest.
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
