/**
 * Fuzzing the build with mutated model sources: each mutant is one edit (of
 * the classes in mutate.ts) of an example model or a stdlib layer, built as
 * `meshtype build` builds it (type checked for half of them, to exercise the
 * compiler on ill-typed code too). Every mutant must end in success (and then
 * the first program's gathered result equals eager) or in diagnostics that
 * have an MT code, a location in the mutated file or the user's own code, and
 * a text without IR ids or doubled prefixes, each reported once; never a
 * crash or a time-out.
 *
 * 504 mutants per run (56 per class, one test per class and seed): half from a fixed seed, half from a seed
 * that varies per run (printed; replay with MESHTYPE_FUZZ_SEED=<n>). A
 * failure names the seed, the mutant, the file and the edit.
 */
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Project } from "ts-morph";
import { applyMutation, draws, mutation, mutationClasses, type Mutation, type MutationClass } from "./mutate.ts";
import { diagnosticProblem, repeatedProblem } from "../diagnosticChecks.ts";
import { runMutant, type MutantOutcome } from "./runMutant.ts";
import { loadTargets, repo, type FuzzTarget } from "./targets.ts";

/** Mutants per class per seed: 28 x 9 classes x 2 seeds = 504 a run. */
const perClassPerSeed = 28;
/**
 * A mutant whose build takes more CPU time than this is a time-out (the
 * compiler bounds its work: MT1701, MT1702). CPU time of this test's process,
 * not wall time, so that a busy machine does not make a slow build look hung.
 */
const timeoutMs = 20_000;

/** CPU milliseconds this process has used. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
const fixedSeed = 16;
const varyingSeed = Number(process.env.MESHTYPE_FUZZ_SEED ?? Date.now() % 2 ** 31);

let project: Project;
let targets: FuzzTarget[];
const tally = new Map<string, { mutants: number; compiled: number; checked: number; diagnostic: number }>();

beforeAll(() => {
  ({ project, targets } = loadTargets());
}, 120_000);

afterAll(() => {
  const rows = [...tally].map(([kind, count]) => `${kind.padEnd(16)} ${String(count.mutants).padStart(4)} mutants: ${count.compiled} compiled (${count.checked} checked against eager), ${count.diagnostic} diagnostics`);
  console.log(`fuzz: seeds ${fixedSeed} and ${varyingSeed} (MESHTYPE_FUZZ_SEED), ${targets.length} files\n${rows.join("\n")}`);
});

function count(kind: MutationClass, outcome: MutantOutcome): void {
  const row = tally.get(kind) ?? { mutants: 0, compiled: 0, checked: 0, diagnostic: 0 };
  row.mutants++;
  if (outcome.kind === "compiled") {
    row.compiled++;
    if (outcome.checked) row.checked++;
  }
  if (outcome.kind === "diagnostic") row.diagnostic++;
  tally.set(kind, row);
}

/** Run `perClassPerSeed` mutants of class `kind` from `seed`; the faults found, each described for a replay. */
async function fuzz(seed: number, kind: MutationClass): Promise<string[]> {
  const faults: string[] = [];
  let made = 0;
  for (let attempt = 0; made < perClassPerSeed && attempt < perClassPerSeed * 4; attempt++) {
    const mutantSeed = (seed * 1_000_003 + mutationClasses.indexOf(kind) * 10_007 + attempt) >>> 0;
    // A random file, or the next one that has something to edit this way (only examples have layout strings).
    const first = draws(mutantSeed)(targets.length);
    let found: { target: FuzzTarget; text: string; edit: Mutation } | undefined;
    for (let step = 0; step < targets.length && found === undefined; step++) {
      const target = targets[(first + step) % targets.length] as FuzzTarget;
      const text = project.getSourceFileOrThrow(path.join(repo, target.file)).getFullText();
      const edit = mutation(text, kind, mutantSeed);
      if (edit !== undefined) found = { target, text, edit };
    }
    if (found === undefined) continue;
    const { target, text, edit } = found;
    made++;
    const started = cpuMs();
    const outcome = await runMutant(project, target, applyMutation(text, edit), { typeCheck: attempt % 2 === 0, seed: mutantSeed });
    const elapsed = Math.round(cpuMs() - started);
    count(kind, outcome);
    const replay = `seed ${seed}, mutant ${mutantSeed}: ${target.file} (built through ${target.entry}), ${edit.description}`;
    if (outcome.kind === "fault") faults.push(`${replay}: ${outcome.problem}`);
    else if (elapsed > timeoutMs) faults.push(`${replay}: took ${elapsed} ms of CPU (a time-out)`);
  }
  expect(made, `seed ${seed}: too few ${kind} mutants`).toBe(perClassPerSeed);
  return faults;
}

// One test per class and seed (28 mutants, some 10 s of CPU each), so that a loaded machine stretches no single test past its time-out.
describe(`fuzz: mutated model sources end in success or a located diagnostic (fixed seed ${fixedSeed})`, () => {
  for (const kind of mutationClasses) {
    it(`${perClassPerSeed} ${kind} mutants`, async () => {
      expect(await fuzz(fixedSeed, kind)).toEqual([]);
    }, 900_000);
  }
});

describe(`fuzz: the same from a seed that varies per run (MESHTYPE_FUZZ_SEED=${varyingSeed} replays it)`, () => {
  beforeAll(() => console.log(`fuzz: varying seed MESHTYPE_FUZZ_SEED=${varyingSeed}`));
  for (const kind of mutationClasses) {
    it(`${perClassPerSeed} ${kind} mutants`, async () => {
      expect(await fuzz(varyingSeed, kind)).toEqual([]);
    }, 900_000);
  }
});

describe("the fuzz test's checks can fail", () => {
  const loc = { file: "examples/gpt/gpt.ts", line: 3, column: 1 };
  const item = (message: string, file = loc.file) => ({ code: "MT1033", message, hint: "fix it", loc: { ...loc, file } });

  it("a diagnostic with an IR id, a doubled prefix, no location or a location in meshtype's files is a fault", () => {
    expect(diagnosticProblem(item("einsum: tensor %18 has no dim"), loc.file)).toMatch(/names an IR id/);
    expect(diagnosticProblem(item("einsum: einsum: output dim"), loc.file)).toMatch(/repeats "einsum:"/);
    expect(diagnosticProblem({ code: "MT1033", message: "m", hint: "h" }, loc.file)).toMatch(/no location/);
    expect(diagnosticProblem(item("inside", "stdlib/routing.ts"), loc.file)).toMatch(/neither the mutated file nor the user's code/);
    expect(diagnosticProblem(item("inside", "stdlib/routing.ts"), "stdlib/routing.ts")).toBeUndefined();
    expect(diagnosticProblem(item("einsum: output dim \"nope\" is in no input"), loc.file)).toBeUndefined();
  });

  it("the same diagnostic twice (code, place and text) is a fault; two at different places are not", () => {
    expect(repeatedProblem([item("a"), item("b"), item("a")])).toMatch(/^MT1033 is reported twice at examples\/gpt\/gpt.ts:3:1: a$/);
    expect(repeatedProblem([item("a"), { ...item("a"), loc: { ...loc, line: 4 } }])).toBeUndefined();
  });

  it("a mutant that once crashed the front end (a layer loop from -1) now gives a diagnostic", async () => {
    const target = { file: "examples/gpt/gpt.ts", entry: "examples/gpt/gpt.ts" };
    const text = project.getSourceFileOrThrow(path.join(repo, target.file)).getFullText();
    expect(text).toContain("for (let i = 0; i < LAYERS; i++)");
    const outcome = await runMutant(project, target, text.replace("for (let i = 0; i < LAYERS; i++)", "for (let i = -1; i < LAYERS; i++)"), { typeCheck: false, seed: 1 });
    expect(outcome).toEqual({ kind: "diagnostic", codes: ["MT1032"] });
    expect(project.getSourceFileOrThrow(path.join(repo, target.file)).getFullText()).toBe(text);
  }, 60_000);
});
