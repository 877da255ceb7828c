/**
 * Layouts over several mesh axes and uneven splits under the native
 * TypeScript 7 compiler (tsd runs the type tests on TypeScript 6):
 * type-tests/fixtures/layoutErrors.ts is checked with
 * node_modules/typescript7/bin/tsc, every error is pinned by its line, the
 * good lines have none, and each layout's editor message is the one
 * `layout()` throws at run time for the same string (the twin parsers agree).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { dims } from "./dims.ts";
import { layout } from "./layout.ts";
import { mesh } from "./mesh.ts";
import { messageOf } from "./testSupport.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const run = promisify(execFile);

/** Each error of the fixture as [line, code, the message the parameter's type spells]. */
async function fixtureErrors(): Promise<[number, string, string][]> {
  const tsc = "node_modules/typescript7/bin/tsc";
  const flags = ["-p", "type-tests/fixtures/tsconfig.layouts.json", "--pretty", "false", "--noErrorTruncation"];
  const { stdout } = await run(process.execPath, [tsc, ...flags], { cwd: root }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
  const errors: [number, string, string][] = [];
  for (const line of stdout.split("\n")) {
    const head = /^type-tests\/fixtures\/layoutErrors\.ts\((\d+),\d+\): error (TS\d+): .* parameter of type '"(.*)"'\.$/.exec(line);
    if (head) errors.push([Number(head[1]), head[2], head[3].replace(/\\"/g, '"')]);
    else if (line.trim() !== "") errors.push([0, "unexpected", line]);
  }
  return errors;
}

// the fixture's mesh and dims, for the run-time twin
const M = mesh({ data: 2, fsdp: 2, model: 2 });
const D = dims({ batch: 8, d_model: 4, d_ff: 8, heads: 3, vocab: 50257 });

const indivisible = (spec: string, dim: string, size: number, axes: string, devices: number, padded: string): string =>
  `Layout "${spec}": dim "${dim}" has size ${size}, which ${axes} do${devices === 2 ? "es" : ""} not divide. Either change the layout "${spec}" to leave "${dim}" replicated or put it on other axes, make ${dim} a multiple of ${devices}, or split it unevenly with "${padded}" (every shard is padded to the size of the largest).`;

/** The bad layouts of the fixture, by line: the spec and the editor's message. */
const badLayouts: readonly (readonly [line: number, spec: string, message: string])[] = [
  [13, "vocab:model", indivisible("vocab:model", "vocab", 50257, 'mesh axis "model" (size 2)', 2, "vocab:padded(model)")],
  [14, "heads:(data, model)", indivisible("heads:(data, model)", "heads", 3, "mesh axes (data, model) (4 devices)", 4, "heads:padded(data, model)")],
  [15, "batch:(data, data)", 'Mesh axis "data" is listed twice in the rule for "batch" in layout "batch:(data, data)". A dim is split over each axis at most once: keep one "data".'],
  [16, "batch:(data, fdsp)", 'Unknown mesh axis "fdsp" in layout "batch:(data, fdsp)" (the rule for "batch"): the mesh has no such axis. Fix the spelling, or add fdsp with its size to mesh({...}).'],
  [17, "batch:(data, fsdp", 'Cannot read "batch:(data, fsdp" in layout "batch:(data, fsdp". Write each rule as dim:axis or dim:(axis, axis) (major axis first), separated by commas, e.g. "batch:(data, fsdp), d_ff:model".'],
];
const programClash =
  'program(): argument 2 (Tensor<"batch d_ff">) puts two of its dims, "batch" and "d_ff", on mesh axis "model" under layout "batch:(data, model), d_ff:model". A tensor can split only one dim over an axis: move one of them to another axis or leave it replicated.';

it("TypeScript 7 rejects exactly the bad layouts over several axes and uneven splits, with the messages of the run-time twin", async () => {
  expect(await fixtureErrors()).toEqual([...badLayouts.map(([line, , message]) => [line, "TS2345", message]), [20, "TS2345", programClash]]);
  for (const [, spec, message] of badLayouts) expect(messageOf(() => layout(M, D, spec)), spec).toBe(message);
  // the good layouts of lines 9-11 are accepted at run time too
  for (const spec of ["batch:(data, fsdp), d_ff:model", "batch:(data, fsdp), heads:padded(model), vocab:padded(model)", "vocab:padded(data, fsdp, model)"]) {
    expect(layout(M, D, spec).spec).toBe(spec);
  }
}, 60_000);
