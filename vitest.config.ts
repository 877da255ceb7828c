import { defineConfig } from "vitest/config";

/** `import "meshtype"` inside the repository resolves to the TypeScript sources (the package's "meshtype-source" export condition), never to a built dist/. */
const sourceConditions = ["meshtype-source", "module", "node", "development|production"];

export default defineConfig({
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions, externalConditions: ["meshtype-source"] } },
  test: {
    include: ["dsl/**/*.test.ts", "compiler/**/*.test.ts", "stdlib/**/*.test.ts", "examples/**/*.test.ts", "bench/**/*.test.ts"],
    testTimeout: 60_000,
  },
});
