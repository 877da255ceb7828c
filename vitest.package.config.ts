import { defineConfig } from "vitest/config";

/** `npm run test:package`: the packed tarball, installed and used in a fresh project (consumer/). One file, run alone: it packs and installs. */
export default defineConfig({
  test: {
    include: ["consumer/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
