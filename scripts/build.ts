/**
 * `npm run build` (also run by `npm pack` and `npm publish`, as the `prepack`
 * script): emit dist/ from the sources with tsconfig.build.json (ES modules,
 * .d.ts, source and declaration maps; the `.ts` import paths rewritten to
 * `.js`), then copy what tsc does not emit: the torch runtime's Python files
 * (read by `meshtype build --target torch`) and the bin launcher.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const dist = path.join(root, "dist");

fs.rmSync(dist, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", path.join(root, "tsconfig.build.json")], { stdio: "inherit" });
if (tsc.status !== 0) {
  console.error(`build: tsc -p tsconfig.build.json exited ${tsc.status}`);
  process.exit(1);
}

const torchRuntime = "compiler/backend/torch/runtime/meshtype_torch";
fs.mkdirSync(path.join(dist, torchRuntime), { recursive: true });
for (const name of fs.readdirSync(path.join(root, torchRuntime)).filter((file) => file.endsWith(".py"))) {
  fs.copyFileSync(path.join(root, torchRuntime, name), path.join(dist, torchRuntime, name));
}

fs.mkdirSync(path.join(dist, "bin"), { recursive: true });
fs.copyFileSync(path.join(root, "bin/meshtype.mjs"), path.join(dist, "bin/meshtype.mjs"));
fs.chmodSync(path.join(dist, "bin/meshtype.mjs"), 0o755);

