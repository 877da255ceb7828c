/**
 * Type-checking cost (docs/architecture.md, Budgets): instantiation counts and times of
 * generated files (1,000 typed op calls, as repeated layers and with every type
 * distinct; 200 distinct layouts bound with program) and of
 * each example, with TypeScript 6 (`tsc`) and the native TypeScript 7 compiler.
 * Each figure includes checking meshtype's own sources; the baseline row (a
 * file that only imports meshtype) is that fixed part, to subtract.
 * Temporary files go under `.bench-tmp/typecheck/` (git-ignored).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import type { BenchSection } from "./run.ts";
import { generateDistinctOpsFile, generateLayoutsFile, generateMultiAxisLayoutsFile, generateOpsFile } from "./typecheckGenerate.ts";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "..");
const workDir = join(root, ".bench-tmp", "typecheck");

/** The compilers compared: their label and their entry script. */
export const compilers = [
  { label: "TS 6 (tsc)", script: "node_modules/typescript/bin/tsc" },
  { label: "TS 7 (native)", script: "node_modules/typescript7/bin/tsc" },
] as const;

/** What `--extendedDiagnostics` reports that the table shows. */
export interface CheckFigures {
  readonly instantiations: number;
  readonly checkSeconds: number;
  readonly totalSeconds: number;
  readonly errors: number;
}

/** Read the figures from `tsc --extendedDiagnostics` output; an error naming the missing line if one is absent. */
export function parseDiagnostics(output: string): CheckFigures {
  const figure = (label: string): number => {
    const match = new RegExp(`^${label}:\\s+([0-9.]+)`, "m").exec(output);
    if (!match) throw new Error(`No "${label}:" line in the tsc output. Is --extendedDiagnostics passed? Output:\n${output}`);
    return Number(match[1]);
  };
  const errors = output.split("\n").filter((line) => /error TS\d+/.test(line)).length;
  return {
    instantiations: figure("Instantiations"),
    checkSeconds: figure("Check time"),
    totalSeconds: figure("Total time"),
    errors,
  };
}

/** Type-check one file with one compiler, under the repository's compiler options. */
async function checkFile(file: string, script: string): Promise<CheckFigures> {
  const name = relative(root, file).replace(/[^A-Za-z0-9]+/g, "_");
  const config = join(workDir, `tsconfig.${name}.json`);
  writeFileSync(config, JSON.stringify({ extends: "../../tsconfig.json", include: [], files: [file] }, null, 2));
  const { stdout } = await run(process.execPath, [join(root, script), "-p", config, "--extendedDiagnostics"], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
  return parseDiagnostics(stdout);
}

/** The files measured: the generated ones, then each example's model file. */
function targets(): { label: string; file: string }[] {
  mkdirSync(workDir, { recursive: true });
  const baseline = join(workDir, "baseline.ts");
  writeFileSync(baseline, `// Generated for \`npm run bench\`. DO NOT EDIT.\nimport { dims } from "meshtype";\nexport const D = dims({ batch: 8 });\n`);
  const ops = join(workDir, "ops1000.ts");
  const distinct = join(workDir, "ops1000distinct.ts");
  const layouts = join(workDir, "layouts200.ts");
  writeFileSync(ops, generateOpsFile(1000));
  writeFileSync(distinct, generateDistinctOpsFile(1000));
  writeFileSync(layouts, generateLayoutsFile(200));
  const multiAxis = join(workDir, "layouts180multiAxis.ts");
  writeFileSync(multiAxis, generateMultiAxisLayoutsFile(180));
  const list = [
    { label: "baseline: one import of meshtype", file: baseline },
    { label: "1,000 op calls, layers alike (generated)", file: ops },
    { label: "1,000 op calls, every type distinct (generated)", file: distinct },
    { label: "200 layouts + programs (generated)", file: layouts },
    { label: "180 layouts over two axes + padded, + programs (generated)", file: multiAxis },
  ];
  const examples = join(root, "examples");
  if (existsSync(examples)) {
    for (const entry of readdirSync(examples, { withFileTypes: true })) {
      const model = join(examples, entry.name, `${entry.name}.ts`);
      if (entry.isDirectory() && existsSync(model)) list.push({ label: `examples/${entry.name}/${entry.name}.ts`, file: model });
    }
  }
  return list;
}

/** The section `npm run bench` prints. */
export const typecheckSection: BenchSection = {
  name: "typecheck",
  description:
    "Type-check cost per file (with everything it imports), `--extendedDiagnostics`, repository tsconfig. " +
    "Errors must be 0: a generated file that does not type-check measures nothing.",
  async run() {
    const lines = [
      "| file | compiler | instantiations | check time (s) | total time (s) | errors |",
      "| --- | --- | ---: | ---: | ---: | ---: |",
    ];
    for (const target of targets()) {
      for (const compiler of compilers) {
        const figures = await checkFile(target.file, compiler.script);
        lines.push(
          `| ${target.label} | ${compiler.label} | ${figures.instantiations} | ${figures.checkSeconds.toFixed(2)} | ${figures.totalSeconds.toFixed(2)} | ${figures.errors} |`,
        );
      }
    }
    return lines;
  },
};
