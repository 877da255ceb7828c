/**
 * Eager vs simulated mesh: the wall time of each example program at its test
 * sizes, run eagerly on one device (the reference ops over the global IR) and
 * lowered on the simulated mesh (every device program in one process, with its
 * collectives). The simulated mesh is a correctness tool, not a fast path: the
 * ratio says what a test that runs a layout costs next to the eager run.
 */
import { fileURLToPath } from "node:url";
import { readPrograms } from "../compiler/frontend/frontend.ts";
import { loadProjects } from "../compiler/frontend/loadProject.ts";
import { formatDiagnostic } from "../compiler/diagnostics/diagnostic.ts";
import { compileProgram } from "../compiler/passes/pipeline.ts";
import type { Program } from "../compiler/ir/ir.ts";
import { makeInputs, maxDifference, runEager, runLowered, type Args } from "../compiler/testing/harness.ts";
import type { BenchSection } from "./run.ts";

/** The example files measured, relative to the repository root. */
export const exampleFiles = ["examples/mlp/mlp.ts", "examples/gpt/gpt.ts", "examples/moe/moe.ts", "examples/cnn/cnn.ts"] as const;

const repetitions = 9;

/** Median milliseconds of `repetitions` runs of `run`, after two warm-up runs. */
async function medianMs(run: () => Promise<unknown>): Promise<number> {
  await run();
  await run();
  const times: number[] = [];
  for (let index = 0; index < repetitions; index++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return times.sort((left, right) => left - right)[Math.floor(repetitions / 2)];
}

/** Token ids (a param called `ids`) need integers below the vocabulary size. */
function integerInputs(program: Program): Record<string, number> {
  if (!program.params.some((param) => param.name === "ids")) return {};
  for (const value of program.values.values()) {
    const vocab = value.dims.find((dim) => dim.name === "vocab");
    if (vocab !== undefined) return { ids: vocab.size };
  }
  return {};
}

/** The bench section: one row per example program. */
export const examplesSection: BenchSection = {
  name: "examples: eager vs simulated mesh",
  description: `Median of ${repetitions} runs (after a warm-up) of each example program at its test sizes: eager on one device, and lowered on the simulated mesh. Both interpret the IR with the same eager ops.`,
  async run() {
    const root = fileURLToPath(new URL("..", import.meta.url));
    const files = exampleFiles.map((file) => `${root}${file}`);
    const lines = ["| program | mesh | layout | eager (ms) | simulated mesh (ms) | ratio |", "| --- | --- | --- | ---: | ---: | ---: |"];
    for (const loaded of loadProjects(files)) {
      const { programs, diagnostics } = readPrograms(loaded.files, { typeCheck: false });
      if (diagnostics.length > 0) throw new Error(diagnostics.map(formatDiagnostic).join("\n"));
      for (const program of programs) {
        const lowered = compileProgram(program);
        const args: Args = makeInputs(program, 1, integerInputs(program));
        const difference = maxDifference((await runLowered(lowered, args)).result, await runEager(program, args));
        if (!(difference < 1e-4)) throw new Error(`${program.name}: the simulated mesh differs from eager by ${difference}`);
        const eager = await medianMs(() => runEager(program, args));
        const simulated = await medianMs(() => runLowered(lowered, args));
        const mesh = program.mesh.map((axis) => `${axis.name}=${axis.size}`).join(" x ");
        lines.push(`| ${program.name} | ${mesh} | \`${program.layoutSpec}\` | ${eager.toFixed(1)} | ${simulated.toFixed(1)} | ${(simulated / eager).toFixed(1)} |`);
      }
    }
    return lines;
  },
};
