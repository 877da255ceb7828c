/**
 * `npm run docs:diagnostics`: write docs/diagnostics.md from the catalog and
 * its examples (compiler/cli/diagnosticsDoc.ts). Fails, listing them, when a
 * code has no example or its example no longer gives it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { diagnosticsPage } from "../compiler/cli/diagnosticsDoc.ts";

const repo = path.resolve(import.meta.dirname, "..");
const { text, problems } = await diagnosticsPage(repo);
if (problems.length > 0) {
  console.error(`docs:diagnostics: fix compiler/diagnostics/examples.ts first:\n${problems.map((problem) => `  ${problem}`).join("\n")}`);
  process.exit(1);
}
fs.writeFileSync(path.join(repo, "docs/diagnostics.md"), text);
console.log("wrote docs/diagnostics.md");
