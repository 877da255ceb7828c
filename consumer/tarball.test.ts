/**
 * The package as a user gets it: `npm pack` (which builds dist/ by the
 * prepack script), the tarball checked by publint and arethetypeswrong, then
 * installed into a fresh project where the README's user section is replayed
 * word for word (install, tsconfig, model, tsc, eager run with plain node,
 * `npx meshtype build`, the compiled program on the simulated mesh). Then the
 * same project is checked further: bundler resolution with the package's own
 * .d.ts checked, the consumer's tsc reading no meshtype source, a layout typo
 * reported by tsc and by `meshtype build`, a global tensor passed to a device
 * function, the torch target, and the installed bin's --version.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readmeSteps, userSection } from "./readme.ts";

const repo = path.resolve(import.meta.dirname, "..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "meshtype-tarball-"));
const app = path.join(work, "app");
const packageJson = JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8")) as { version: string };
const typescriptVersion = (JSON.parse(fs.readFileSync(path.join(repo, "node_modules/typescript/package.json"), "utf8")) as { version: string }).version;

/** Run a shell command; its exit code and output (stdout and stderr together). */
function sh(command: string, cwd: string): { code: number | null; output: string } {
  const result = spawnSync("bash", ["-c", `${command} 2>&1`], { cwd, encoding: "utf8", timeout: 240_000, env: { ...process.env, NO_COLOR: "1" } });
  return { code: result.status, output: `${result.stdout}${result.error ? String(result.error) : ""}` };
}

let tarball = "";
let packedFiles: string[] = [];

beforeAll(() => {
  const packed = spawnSync("npm", ["pack", "--json", "--pack-destination", work], { cwd: repo, encoding: "utf8", timeout: 240_000 });
  if (packed.status !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as { filename: string; files: { path: string }[] }[];
  if (info === undefined) throw new Error(`npm pack printed no tarball:\n${packed.stdout}`);
  tarball = path.join(work, info.filename);
  packedFiles = info.files.map((file) => file.path);
  fs.mkdirSync(app);
}, 300_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe("the packed package", () => {
  it("ships dist/ (.js, .d.ts, maps), the torch runtime, the DSL and stdlib sources the compiler reads, README, LICENSE and docs; no tests", () => {
    for (const file of ["dist/dsl/index.js", "dist/dsl/index.d.ts", "dist/dsl/index.js.map", "dist/dsl/index.d.ts.map", "dist/dsl/runtime/index.js", "dist/stdlib/index.d.ts",
      "dist/compiler/cli/main.js", "dist/bin/meshtype.mjs", "dist/compiler/backend/torch/runtime/meshtype_torch/launch.py", "stdlib/dense.ts", "dsl/index.ts",
      "README.md", "LICENSE", "docs/cli.md", "package.json"]) {
      expect(packedFiles, file).toContain(file);
    }
    const unwanted = packedFiles.filter((file) =>
      /\.test(-d)?\.ts$|\.cases\.ts$|__fixtures__|__golden__|testSupport|(^|\/)generated\//.test(file) ||
      /^(bench|examples|type-tests|consumer|scripts|\.ci|compiler|bin)\//.test(file) || file.startsWith("dist/compiler/testing/"));
    expect(unwanted).toEqual([]);
    expect(packedFiles.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts") && !/^(dsl|stdlib)\//.test(file))).toEqual([]);
  });

  it("passes publint and arethetypeswrong (ESM-only: node16 from ESM and bundler)", () => {
    const publint = sh(`${path.join(repo, "node_modules/.bin/publint")} ${tarball} --strict`, repo);
    expect(publint, publint.output).toMatchObject({ code: 0 });
    const attw = spawnSync(path.join(repo, "node_modules/.bin/attw"), [tarball, "--profile", "esm-only", "--format", "json"], { encoding: "utf8", timeout: 120_000 });
    expect(attw.status, attw.stderr).toBe(0);
    const { analysis } = JSON.parse(attw.stdout) as { analysis: { problems: { kind: string; resolutionKind?: string; resolutionOption?: string }[] } };
    // ESM only: CommonJS require() (node16-cjs) and node10's missing `exports` support are out of scope; everything else must be clean.
    const problems = analysis.problems.filter((problem) => !["node10", "node16-cjs"].includes(problem.resolutionKind ?? problem.resolutionOption ?? ""));
    expect(problems).toEqual([]);
  });
});

describe("the README's user section, in a fresh project", () => {
  const readme = fs.readFileSync(path.join(repo, "README.md"), "utf8");
  const steps = readmeSteps(readme);

  it("marks every code block of the section as a file to write or commands to run", () => {
    const blocks = userSection(readme).match(/^```/gm)?.length ?? 0;
    expect(steps.length * 2).toBe(blocks);
    expect(steps.filter((step) => step.kind === "file").map((step) => step.path)).toEqual(["tsconfig.json", "src/model.ts", "src/inputs.ts", "src/eager.ts", "src/run.ts"]);
  });

  it("works as written: every command exits 0 and prints what the README shows", () => {
    for (const step of steps) {
      if (step.kind === "file") {
        fs.mkdirSync(path.dirname(path.join(app, step.path)), { recursive: true });
        fs.writeFileSync(path.join(app, step.path), step.text);
        continue;
      }
      for (const { command, expected } of step.commands) {
        // The one change: install the packed tarball (and the TypeScript the repository tests with) instead of the registry's.
        const run = command.startsWith("npm install ")
          ? command.replace(/\bmeshtype\b/, tarball).replace(/\btypescript\b/, `typescript@${typescriptVersion}`) + " --prefer-offline --no-audit --no-fund"
          : command;
        const result = sh(run, app);
        expect(result.code, `${command}\n${result.output}`).toBe(0);
        let from = 0;
        for (const line of expected) {
          const at = result.output.indexOf(line, from);
          expect(at, `${command}: expected "${line}" in\n${result.output}`).toBeGreaterThanOrEqual(0);
          from = at + line.length;
        }
      }
    }
  }, 300_000);

  it("a layer loop and a training step: built, the generated module type-checks under the same flags, and runs equal to eager", () => {
    for (const file of ["deep.ts", "deepRun.ts"]) fs.copyFileSync(path.join(repo, "consumer/project", file), path.join(app, "src", file));
    const build = sh("npx meshtype build src/deep.ts", app);
    expect(build, build.output).toMatchObject({ code: 0 });
    const tsc = sh("npx tsc", app);
    expect(tsc, tsc.output).toEqual({ code: 0, output: "" });
    const run = sh("node dist/deepRun.js", app);
    expect(run.code, run.output).toBe(0);
    const { forward, step } = JSON.parse(run.output) as { forward: number; step: number };
    expect(forward).toBeLessThan(1e-4);
    expect(step).toBeLessThan(1e-4);
  });

  it("type-checks with moduleResolution bundler and meshtype's own .d.ts checked (skipLibCheck off)", () => {
    fs.writeFileSync(path.join(app, "tsconfig.bundler.json"), JSON.stringify({
      extends: "./tsconfig.json",
      compilerOptions: { module: "preserve", moduleResolution: "bundler", noEmit: true, skipLibCheck: false },
    }));
    const result = sh("npx tsc -p tsconfig.bundler.json", app);
    expect(result, result.output).toEqual({ code: 0, output: "" });
  });

  it("the consumer's tsc reads meshtype's .d.ts in dist/, never its .ts sources", () => {
    const files = sh("npx tsc --listFilesOnly", app).output.split("\n").filter((file) => file.includes("node_modules/meshtype/"));
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((file) => !/node_modules\/meshtype\/dist\/.*\.d\.ts$/.test(file))).toEqual([]);
  });

  it("a layout typo is a tsc error, and `meshtype build` reports it at the user's line", () => {
    const model = path.join(app, "src/model.ts");
    const good = fs.readFileSync(model, "utf8");
    try {
      fs.writeFileSync(model, good.replace('"batch:data, d_ff:model"', '"batch:data, d_ff:modle"'));
      const tsc = sh("npx tsc --noEmit", app);
      expect(tsc.code).not.toBe(0);
      expect(tsc.output).toContain('Unknown mesh axis \\"modle\\" in layout');
      const build = sh("npx meshtype build src/model.ts", app);
      expect(build.code).toBe(1);
      expect(build.output).toMatch(/^src\/model\.ts:6:31 MT1000 TypeScript error: .*Unknown mesh axis/);
    } finally {
      fs.writeFileSync(model, good);
    }
  });

  it("a device function called with a global tensor names the parameter, its local dims and what came", () => {
    const script = [
      'import { mlp2d } from "./dist/generated/model.js";',
      'import { params, x } from "./dist/inputs.js";',
      "try { await mlp2d(undefined, x, params); } catch (error) { console.log(error.message); }",
    ].join("\n");
    fs.writeFileSync(path.join(app, "misuse.mjs"), script);
    expect(sh("node misuse.mjs", app).output).toContain(
      'mlp2d: parameter "x" must be this device\'s local shard [batch=2 seq=2 d_model=4] (global [batch=4 seq=2 d_model=4], batch split over data), but got a tensor [batch=4 seq=2 d_model=4] (the global tensor).',
    );
  });

  it("builds the torch target from the installed package: the module and its runtime", () => {
    const result = sh("npx meshtype build src/model.ts --target torch -o out", app);
    expect(result, result.output).toMatchObject({ code: 0 });
    const runtime = fs.readdirSync(path.join(repo, "compiler/backend/torch/runtime/meshtype_torch")).filter((file) => file.endsWith(".py")).sort();
    expect(fs.readdirSync(path.join(app, "out/meshtype_torch")).sort()).toEqual(runtime);
    expect(fs.readFileSync(path.join(app, "out/model_torch.py"), "utf8")).toContain("def mlp2d(mesh: mt.MeshContext");
  });

  it("the installed bin answers --version from package.json", () => {
    expect(sh("npx meshtype --version", app)).toEqual({ code: 0, output: `meshtype ${packageJson.version}\n` });
  });
});
