import { describe, expect, it } from "vitest";
import { dims } from "./dims.ts";
import { MeshtypeError } from "./errors.ts";
import { layout, Layout } from "./layout.ts";
import { caseAxes, caseSizes, layoutCases } from "./layout.cases.ts";
import { mesh } from "./mesh.ts";
import { formatRules, groupRules, parseLayout } from "./parseLayout.ts";
import { messageOf } from "./testSupport.ts";


const M = mesh(caseAxes);
const D = dims(caseSizes);

describe("layout() (runtime twin of ValidateLayout)", () => {
  it.each(layoutCases)("$spec", ({ spec, message }) => {
    expect(messageOf(() => new Layout(M, D, spec))).toBe(message);
  });

  it("gives stable codes for each fault", () => {
    const codeOf = (spec: string) => {
      try {
        new Layout(M, D, spec);
      } catch (error) {
        return (error as MeshtypeError).code;
      }
      return null;
    };
    expect(codeOf("batch=data")).toBe("layout-syntax");
    expect(codeOf("batch:data, batch:model")).toBe("layout-repeated-dim");
    expect(codeOf("btch:data")).toBe("layout-unknown-dim");
    expect(codeOf("batch:modle")).toBe("layout-unknown-axis");
    expect(codeOf("vocab:model")).toBe("layout-indivisible");
    expect(codeOf("batch:(data, data)")).toBe("layout-repeated-axis");
    expect(codeOf("heads:(data, pipe)")).toBe("layout-indivisible");
  });

  it("keeps the mesh, dims, spec and rules, and looks up axes", () => {
    const L = layout(M, D, "batch:data, d_ff:model, heads:model");
    expect(L.mesh).toBe(M);
    expect(L.dims).toBe(D);
    expect(L.spec).toBe("batch:data, d_ff:model, heads:model");
    expect(L.rules).toEqual([
      { dim: "batch", axis: "data" },
      { dim: "d_ff", axis: "model" },
      { dim: "heads", axis: "model" },
    ]);
    expect(L.axisOf("d_ff")).toBe("model");
    expect(L.axisOf("seq")).toBeUndefined();
  });

  it("does not take inherited properties for dims or axes", () => {
    expect(messageOf(() => new Layout(M, D, "constructor:data"))).toMatch(/names dim "constructor"/);
    expect(messageOf(() => new Layout(M, D, "batch:toString"))).toMatch(/Unknown mesh axis "toString"/);
  });
});

describe("parseLayout", () => {
  it("reads blanks (space, tab, newline) around names and punctuation", () => {
    expect(parseLayout("\n batch\t: data ,\r\nd_ff:model ")).toEqual([
      { dim: "batch", axis: "data" },
      { dim: "d_ff", axis: "model" },
    ]);
  });

  it("is syntax only: unknown names parse", () => {
    expect(parseLayout("x:y")).toEqual([{ dim: "x", axis: "y" }]);
  });
});

describe("rules over several axes, and uneven rules", () => {
  it("parses one entry per dim and axis, major first, padded on every entry of a padded rule", () => {
    expect(parseLayout("batch:(data, fsdp), vocab:padded(model), d_ff:model")).toEqual([
      { dim: "batch", axis: "data" },
      { dim: "batch", axis: "fsdp" },
      { dim: "vocab", axis: "model", padded: true },
      { dim: "d_ff", axis: "model" },
    ]);
  });

  it("groups entries back into rules and formats them as written", () => {
    const rules = parseLayout(" batch : ( data ,fsdp ) ,vocab:padded (model), seq:data");
    expect(groupRules(rules)).toEqual([
      { dim: "batch", axes: ["data", "fsdp"], padded: false },
      { dim: "vocab", axes: ["model"], padded: true },
      { dim: "seq", axes: ["data"], padded: false },
    ]);
    expect(formatRules(rules)).toBe("batch:(data, fsdp), vocab:padded(model), seq:data");
    expect(formatRules(parseLayout(formatRules(rules)))).toBe(formatRules(rules));
  });

  it("looks up a dim's axes and whether its rule is padded", () => {
    const L = layout(M, D, "batch:(data, model), vocab:padded(model, pipe), auto");
    expect(L.axesOf("batch")).toEqual(["data", "model"]);
    expect(L.axisOf("batch")).toBe("data");
    expect(L.axesOf("seq")).toEqual([]);
    expect(L.isPadded("vocab")).toBe(true);
    expect(L.isPadded("batch")).toBe(false);
    expect(L.open).toBe(true);
  });

  it("checks a tensor's dims against the product of the axes, unless padded, and an axis shared by two of its dims", () => {
    const L = layout(M, D, "batch:(data, model), vocab:padded(model, pipe), layers:pipe");
    expect(L.axesFor([{ name: "vocab", size: 7 }, { name: "seq", size: 5 }], "t")).toEqual([["model", "pipe"], []]);
    expect(L.axesFor([{ name: "seq", size: 5 }, { name: "batch", size: 16 }], "t")).toEqual([[], ["data", "model"]]);
    expect(messageOf(() => L.axesFor([{ name: "batch", size: 12 }], 'tensor "x"'))).toBe(
      'tensor "x": dim "batch" has size 12, which mesh axes (data, model) (8 devices) do not divide. Either change the layout "batch:(data, model), vocab:padded(model, pipe), layers:pipe" to leave "batch" replicated or put it on other axes, make batch a multiple of 8, or split it unevenly with "batch:padded(data, model)" (every shard is padded to the size of the largest).',
    );
    expect(messageOf(() => L.axesFor([{ name: "batch", size: 8 }, { name: "layers", size: 3 }, { name: "vocab", size: 5 }], 'tensor "y"'))).toBe(
      'tensor "y" puts two of its dims, "batch" and "vocab", on mesh axis "model" under layout "batch:(data, model), vocab:padded(model, pipe), layers:pipe". A tensor can split only one dim over an axis: move one of them to another axis or leave it replicated.',
    );
  });
});

describe("Layout.axesFor", () => {
  const L = layout(M, D, "batch:data, d_ff:model, heads:model");

  it("gives each dim's axes, none when replicated", () => {
    expect(
      L.axesFor(
        [
          { name: "batch", size: 64 },
          { name: "seq", size: 512 },
          { name: "d_ff", size: 4096 },
        ],
        "x",
      ),
    ).toEqual([["data"], [], ["model"]]);
  });

  it("rejects a tensor with two dims on one axis, naming it", () => {
    const dimsOfTensor = [
      { name: "d_ff", size: 4096 },
      { name: "heads", size: 16 },
    ];
    expect(messageOf(() => L.axesFor(dimsOfTensor, 'tensor "w"'))).toBe(
      'tensor "w" puts two of its dims, "d_ff" and "heads", on mesh axis "model" under layout "batch:data, d_ff:model, heads:model". A tensor can split only one dim over an axis: move one of them to another axis or leave it replicated.',
    );
  });

  it("rejects a split size that the axis does not divide, with the numbers", () => {
    expect(messageOf(() => L.axesFor([{ name: "batch", size: 6 }], 'tensor "x"'))).toBe(
      'tensor "x": dim "batch" has size 6, which mesh axis "data" (size 4) does not divide. Either change the layout "batch:data, d_ff:model, heads:model" to leave "batch" replicated or put it on other axes, make batch a multiple of 4, or split it unevenly with "batch:padded(data)" (every shard is padded to the size of the largest).',
    );
  });
});
