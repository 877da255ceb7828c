import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["dsl/**/*.test.ts", "compiler/**/*.test.ts", "stdlib/**/*.test.ts", "examples/**/*.test.ts", "bench/**/*.test.ts"],
    testTimeout: 60_000,
  },
});
