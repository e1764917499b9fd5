import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The console: static files the control plane serves at /console/ (same
 * origin as the API, so the session cookie and CSRF token work and the CSP
 * allows only 'self'). `vite` alone serves it in development and forwards
 * /api to a control plane on CONSOLE_API_URL (default http://127.0.0.1:8000).
 */
export default defineConfig({
  root: here('.'),
  base: '/console/',
  plugins: [react()],
  resolve: { alias: { '@sluice/client': here('../../libs/shared/client/src/index.ts') } },
  build: {
    outDir: here('../../dist/apps/console'),
    emptyOutDir: true,
    // No inlined assets: the CSP allows scripts, styles and images from the control plane only.
    assetsInlineLimit: 0,
    target: 'es2022',
  },
  server: { proxy: { '/api': process.env['CONSOLE_API_URL'] ?? 'http://127.0.0.1:8000' } },
});
