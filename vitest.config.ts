import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{bin,commands,src}/**/*.test.{ts,tsx}'],
    exclude: ['dist/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
