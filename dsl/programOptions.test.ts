import { describe, expect, it } from "vitest";
import { dims } from "./dims.ts";
import { MeshtypeError } from "./errors.ts";
import { layout } from "./layout.ts";
import { mesh } from "./mesh.ts";
import { writeProgramUnknownDtypeMessage, writeProgramUnknownUpdateAxisMessage } from "./messages/program.ts";
import { mul } from "./ops/binary.ts";
import { tensor } from "./ops/create.ts";
import { program } from "./program.ts";
import type { Tensor } from "./tensor.ts";

const D = dims({ batch: 4, d: 2 });
const M = mesh({ data: 2 });
const L = layout(M, D, "batch:data");
const double = (x: Tensor<"d">) => mul(x, 2);

describe("program(..., { weightUpdateSharding })", () => {
  it("keeps the axis on the bound program, and runs eagerly as without it", () => {
    const bound = program(double, { mesh: M, layout: L, weightUpdateSharding: "data" });
    expect(bound.weightUpdateSharding).toBe("data");
    expect(Array.from(bound(tensor(D, "d", [1, 2])).data)).toEqual([2, 4]);
    expect(program(double, { mesh: M, layout: L }).weightUpdateSharding).toBeUndefined();
  });

  it("rejects an axis the mesh does not have, naming the mesh's axes", () => {
    const bind = () => program(double, { mesh: M, layout: L, weightUpdateSharding: "model" as "data" });
    expect(bind).toThrow(MeshtypeError);
    expect(bind).toThrow(writeProgramUnknownUpdateAxisMessage("model", "data"));
  });
});

describe("program(..., { dtype })", () => {
  it("is fp32 unless the binding says bf16, and eager calls compute in fp32 either way", () => {
    expect(program(double, { mesh: M, layout: L }).dtype).toBe("fp32");
    const bound = program(double, { mesh: M, layout: L, dtype: "bf16" });
    expect(bound.dtype).toBe("bf16");
    const out = bound(tensor(D, "d", [1.0009765625, 3]));
    expect(out.data).toBeInstanceOf(Float32Array);
    expect(Array.from(out.data)).toEqual([2.001953125, 6]); // exact in fp32, not representable in bf16
  });

  it("rejects a dtype meshtype does not know, naming the ones it does", () => {
    const bind = () => program(double, { mesh: M, layout: L, dtype: "fp16" as "bf16" });
    expect(bind).toThrow(MeshtypeError);
    expect(bind).toThrow(writeProgramUnknownDtypeMessage("fp16", "fp32, bf16"));
  });
});
