import { describe, expect, it } from "vitest";
import type { MeshAxis } from "../../../dsl/mesh.ts";
import { ProgramBuilder } from "../../ir/builder.ts";
import type { Block, Program, ValueId } from "../../ir/ir.ts";
import { isLoop } from "../../ir/opAttrs.ts";
import { makeInputs, maxDifference, runEager, runLowered } from "../../testing/harness.ts";
import { heads } from "../../testing/programs.ts";
import { compileProgram } from "../pipeline.ts";
import { conversionKey } from "./conversionCache.ts";

const mesh2x2: readonly MeshAxis[] = [{ name: "data", size: 2 }, { name: "model", size: 2 }];
const collectiveKinds = new Set(["allReduce", "allGather", "reduceScatter", "allToAll"]);

/** `kind@axis hint` of every collective directly in `block` (`outside`) and in its loop bodies (`inside`). */
function collectivesByBlock(program: Program, block: Block = program.body): { outside: string[]; inside: string[] } {
  const outside: string[] = [];
  const inside: string[] = [];
  for (const statement of block) {
    if (isLoop(statement)) {
      const nested = collectivesByBlock(program, statement.body);
      inside.push(...nested.outside, ...nested.inside);
    } else if (collectiveKinds.has(statement.op) && "axis" in statement) {
      outside.push(`${statement.op}@${statement.axis} ${program.values.get(statement.output)?.hint ?? ""}`);
    }
  }
  return { outside: outside.sort(), inside: inside.sort() };
}

/** Compile `program`, check it equals eager, and give back the lowered program. */
async function lowerChecked(program: Program): Promise<Program> {
  const lowered = compileProgram(program);
  const args = makeInputs(program, 5);
  const { result } = await runLowered(lowered, args);
  expect(maxDifference(result, await runEager(program, args))).toBeLessThan(1e-4);
  return lowered;
}

/** mesh [model=2], layout "d:model": w [d e] split over model; x [e] carried through a 2-iteration loop. */
function loopProgram(sliceBefore: boolean, sliceAfter: boolean): Program {
  const b = new ProgramBuilder({ name: "loopSlices", mesh: [{ name: "model", size: 2 }], layoutSpec: "d:model" });
  const x = b.param("x", [{ name: "e", size: 2 }]);
  const w = b.param("w", [{ name: "d", size: 4 }, { name: "e", size: 2 }]);
  const sliceSum = (start: number): ValueId => {
    const part = b.add({ op: "slice", dim: "d", start, stop: start + 2 }, [w], { hint: "part" });
    return b.add({ op: "reduce", fn: "sum", dims: ["d"] }, [part], { hint: "row" });
  };
  const init = sliceBefore ? b.add({ op: "binary", fn: "add" }, [x, sliceSum(2)]) : x;
  const [out] = b.loop(2, [init], [], ({ carried }) => [b.add({ op: "binary", fn: "add" }, [carried[0], sliceSum(0)])]);
  b.setResult(sliceAfter ? b.add({ op: "binary", fn: "add" }, [out, sliceSum(1)]) : out);
  return b.finish();
}

describe("conversion cache", () => {
  it("keys a target by mesh order, not by the order of its keys", () => {
    const mesh = mesh2x2;
    const first = conversionKey(3, { data: { kind: "replicated" }, model: { kind: "partial", reduce: "sum" } }, mesh);
    const second = conversionKey(3, { model: { kind: "partial", reduce: "sum" }, data: { kind: "replicated" } }, mesh);
    expect(first).toBe(second);
    expect(conversionKey(4, { data: { kind: "replicated" }, model: { kind: "partial", reduce: "sum" } }, mesh)).not.toBe(first);
  });

  it("reduce-scatters the heads tensor once for the einsum that reads it twice and the mul after it", async () => {
    const lowered = await lowerChecked(heads.build(mesh2x2, "d_model:model, heads:model, d_head:data"));
    const scatters = collectivesByBlock(lowered).outside.filter((entry) => entry.startsWith("reduceScatter"));
    expect(scatters).toEqual(["reduceScatter@model t"]);
  });

  it("gathers a split partial value once for a concat and a slice that both need it whole", async () => {
    const b = new ProgramBuilder({ name: "gatherTwice", mesh: mesh2x2, layoutSpec: "vocab:data, k:model" });
    const x = b.param("x", [{ name: "vocab", size: 4 }, { name: "k", size: 4 }]);
    const w = b.param("w", [{ name: "k", size: 4 }, { name: "e", size: 2 }]);
    // two weights, so that t and u are two values (one einsum twice would be one value after cse)
    const w2 = b.param("w2", [{ name: "k", size: 4 }, { name: "e", size: 2 }]);
    const t = b.add({ op: "einsum" }, [x, w], { out: ["vocab", "e"], hint: "t" });
    const u = b.add({ op: "einsum" }, [x, w2], { out: ["vocab", "e"], hint: "u" });
    const joined = b.add({ op: "concat", dim: "vocab" }, [t, u], { hint: "joined" });
    const head = b.add({ op: "slice", dim: "vocab", start: 0, stop: 2 }, [t], { hint: "head" });
    b.setResult({ kind: "array", items: [{ kind: "tensor", value: joined }, { kind: "tensor", value: head }] });
    const lowered = await lowerChecked(b.finish());
    const gathers = collectivesByBlock(lowered).outside.filter((entry) => entry.startsWith("allGather"));
    expect(gathers).toEqual(["allGather@data t", "allGather@data u"]);
  });

  it("reuses a conversion made before a loop inside its body", async () => {
    const lowered = await lowerChecked(loopProgram(true, false));
    const { outside, inside } = collectivesByBlock(lowered);
    expect(outside.filter((entry) => entry.startsWith("allGather"))).toEqual(["allGather@model w"]);
    expect(inside.filter((entry) => entry.startsWith("allGather"))).toEqual([]);
  });

  it("converts a value defined before a loop once, before it, when only the body needs it, and reuses that after the loop", async () => {
    const lowered = await lowerChecked(loopProgram(false, true));
    const { outside, inside } = collectivesByBlock(lowered);
    expect(inside.filter((entry) => entry.startsWith("allGather"))).toEqual([]);
    expect(outside.filter((entry) => entry.startsWith("allGather"))).toEqual(["allGather@model w"]);
    const gatherAt = lowered.body.findIndex((statement) => !isLoop(statement) && statement.op === "allGather");
    expect(gatherAt).toBeLessThan(lowered.body.findIndex(isLoop));
  });
});
