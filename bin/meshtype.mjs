#!/usr/bin/env node
// The meshtype command line. `--version` is answered from package.json before
// anything else loads. In an installed package the compiler runs from dist/;
// in a checkout of the repository (compiler/cli/main.ts and tsconfig.json
// beside package.json) it runs from the TypeScript sources through tsx, so
// it is never a stale build.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// A reader that stops early (`meshtype simulate ... | head -1`) closes the pipe: end quietly, as
// Unix tools do, instead of crashing on the EPIPE of the next write (Node reports it as an
// unhandled 'error' event on the stream).
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(0);
  });
}

let root = dirname(fileURLToPath(import.meta.url));
while (!existsSync(join(root, "package.json"))) root = dirname(root);
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  process.stdout.write(`meshtype ${version}\n`);
} else {
  const source = join(root, "compiler/cli/main.ts");
  let entry = join(root, "dist/compiler/cli/main.js");
  if (existsSync(source) && existsSync(join(root, "tsconfig.json"))) {
    const { register } = await import("tsx/esm/api");
    register();
    entry = source;
  }
  const { main } = await import(pathToFileURL(entry).href);
  process.exitCode = await main(args);
}
