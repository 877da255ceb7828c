import { describe, expect, it } from "vitest";
import { CompileError } from "../diagnostics/diagnostic.ts";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import { FixtureProject, where } from "./__fixtures__/harness.ts";
import { createProject } from "./loadProject.ts";

// One spoiler per front-end code: a small model mutated so that it must give
// that diagnostic, at the place marked /*@*/ in its source.
const header = `import { add, einsum, mul, relu, sum, tensor, program, Tensor } from "./dsl.ts";
import { D, L, M } from "./config.ts";
`;
const bind = (model = "f") => `\nexport const p = program(${model}, { mesh: M, layout: L });\n`;
const fn = (params: string, body: string) => `export function f(${params}) {\n${body}\n}` + bind();
const x = `x: Tensor<"batch d_model">`;

const spoilers: readonly { readonly code: string; readonly name: string; readonly source: string; readonly typeCheck?: boolean }[] = [
  { code: "MT1000", name: "typeError", typeCheck: true, source: fn(x, `  const /*@*/n: number = "one";\n  return relu(x);`) },
  { code: "MT1001", name: "notExportedConst", source: fn(x, "  return x;") + `const q = /*@*/program(f, { mesh: M, layout: L });\n` },
  { code: "MT1002", name: "modelNotFunction", source: `${fn(x, "  return x;")}const models = [f];\nexport const q = program(/*@*/models[0], { mesh: M, layout: L });\n` },
  { code: "MT1003", name: "bindingNotStatic", source: `${fn(x, "  return x;")}declare const wide: import("../../../dsl/layout.ts").Layout;\nexport const q = program(f, /*@*/{ mesh: M, layout: wide });\n` },
  { code: "MT1004", name: "badLayoutSpec", source: `import { layout } from "./dsl.ts";\n${fn(x, "  return x;")}const bad = layout(M, D, "batch:data, oops");\nexport const q = program(f, /*@*/{ mesh: M, layout: bad });\n` },
  { code: "MT1010", name: "unsupportedParamType", source: fn(`${x}, /*@*/n: number`, "  return mul(x, n);") },
  { code: "MT1010", name: "recursiveParamType", source: `interface Chain { readonly x: Tensor<"batch d_model">; readonly next: Chain }\n${fn("/*@*/c: Chain", "  return c.x;")}` },
  { code: "MT1011", name: "tensorDimsNotLiteral", source: fn(`/*@*/x: Tensor<string>`, "  return x;") },
  { code: "MT1012", name: "arrayLengthUnknown", source: fn(`${x}, ws: readonly Tensor<"batch d_model">[]`, "  return add(x, /*@*/ws.length);") },
  { code: "MT1012", name: "arrayNeverIndexed", source: fn(`${x}, /*@*/ws: readonly Tensor<"batch d_model">[]`, "  return x;") },
  { code: "MT1013", name: "unknownParamDim", source: fn(`/*@*/x: Tensor<"batch nope">`, "  return x;") },
  { code: "MT1014", name: "badDimsString", source: fn(`/*@*/x: Tensor<"batch batch">`, "  return x;") },
  { code: "MT1020", name: "unsupportedStatement", source: fn(x, "  /*@*/while (false) {}\n  return x;") },
  { code: "MT1021", name: "unsupportedExpression", source: fn(x, "  const seen = /*@*/new Map();\n  return x;") },
  { code: "MT1022", name: "notStatic", source: fn(x, "  if (/*@*/x) return relu(x);\n  return x;") },
  { code: "MT1023", name: "unknownFunction", source: fn(x, "  /*@*/console.log(x);\n  return x;") },
  { code: "MT1024", name: "wrongArgument", source: fn(x, "  return add(x, relu(/*@*/3 as never));") },
  { code: "MT1025", name: "closureCapturesMutable", source: fn(x, "  let scale = 2;\n  const g = (t: Tensor<\"batch d_model\">) => mul(t, /*@*/scale);\n  return g(x);") },
  { code: "MT1026", name: "unknownIdentifier", source: `declare const ext: number;\n${fn(x, "  return mul(x, /*@*/ext);")}` },
  { code: "MT1027", name: "badAssignment", source: fn(x, "  const o = { a: x };\n  /*@*/o.a = relu(x);\n  return o.a;") },
  { code: "MT1028", name: "badReturn", source: fn(x, "  /*@*/return 3;") },
  { code: "MT1029", name: "recursionTooDeep", source: `function g(t: Tensor<"batch d_model">): Tensor<"batch d_model"> {\n  return /*@*/g(t);\n}\n${fn(x, "  return g(x);")}` },
  {
    code: "MT1029", name: "tooManyCalls",
    source: `function g(t: Tensor<"batch d_model">, n: number): Tensor<"batch d_model"> {\n  if (n === 0) return relu(t);\n  let y = t;\n  for (const _ of [1, 2]) y = /*@*/g(y, n - 1);\n  return y;\n}\n${fn(x, "  return g(x, 40);")}`,
  },
  { code: "MT1030", name: "badLoop", source: fn(x, "  let y = x;\n  for (let i = 0; i < 4; /*@*/i += 2) y = relu(y);\n  return y;") },
  { code: "MT1030", name: "loopIndexArithmetic", source: fn(x, "  let y = x;\n  for (let i = 0; i < 4; i++) y = mul(y, /*@*/i + 1);\n  return y;") },
  { code: "MT1030", name: "returnInLoop", source: fn(x, "  for (let i = 0; i < 4; i++) {\n    /*@*/return x;\n  }\n  return x;") },
  { code: "MT1031", name: "loopCarried", source: fn(x, "  let y = x;\n  for (let i = 0; i < 2; i++) {\n    /*@*/y = sum(y, \"d_model\") as never;\n  }\n  return y;") },
  { code: "MT1031", name: "loopCarriedNumber", source: fn(x, "  let n = 1;\n  for (let i = 0; i < 2; i++) /*@*/n += 1;\n  return mul(x, n);") },
  { code: "MT1032", name: "loopIndexed", source: fn(x, "  const names = [\"a\", \"b\"];\n  let y = x;\n  for (let i = 0; i < 2; i++) y = add(y, /*@*/names[i] as never);\n  return y;") },
  { code: "MT1033", name: "opFailed", source: fn(`${x}, w: Tensor<"d_model d_ff">`, "  return /*@*/einsum(x, w, \"batch nope\" as never);") },
  { code: "MT1033", name: "outerNeeded", source: fn(`${x}, w: Tensor<"d_model d_ff">`, "  return /*@*/add(x, w);") },
  { code: "MT1034", name: "constantData", source: fn(x, "  return add(x, tensor(D, \"d_model\", /*@*/new Float32Array(7)));") },
  { code: "MT1035", name: "indexOutOfRange", source: fn(`${x}, ws: [Tensor<"batch d_model">, Tensor<"batch d_model">]`, "  return add(x, /*@*/ws[5] as never);") },
  { code: "MT1036", name: "unknownProperty", source: fn(x, "  const n = /*@*/x.dims;\n  return x;") },
  { code: "MT1701", name: "programTooLarge", source: fn(`${x}, ws: readonly Tensor<"batch d_model">[]`, "  return add(x, /*@*/ws[999999999]);") },
  { code: "MT1702", name: "loopTooLong", source: fn(x, "  let y = x;\n  /*@*/for (let i = 0; i < 20000000; i++) y = relu(y);\n  return y;") },
  {
    code: "MT1601", name: "dimSizeNotStatic",
    source: `import { dims, layout } from "./dsl.ts";\ndeclare function guess(): number;\nconst E = dims({ batch: 4, /*@*/d_model: guess() });\n` +
      `export function f(${x}) {\n  return x;\n}\nexport const p = program(f, { mesh: M, layout: layout(M, E, "batch:data") });\n`,
  },
  { code: "MT1703", name: "asyncFunction", source: `async function g(t: Tensor<"batch d_model">) {\n  return relu(t);\n}\n${fn(x, "  return /*@*/g(x) as never;")}` },
  { code: "MT1704", name: "badMeshSize", source: `import { dims, layout, mesh } from "./dsl.ts";\nconst M2 = mesh({ /*@*/data: -1 });\nconst L2 = layout(M2, dims({ batch: 4, d_model: 8 }), "batch:data");\n${fn(x, "  return x;").replace("{ mesh: M, layout: L }", "{ mesh: M2, layout: L2 }")}` },
  { code: "MT1705", name: "badDimSize", source: `import { dims, layout } from "./dsl.ts";\nconst L2 = layout(M, dims({ /*@*/batch: 2.5, d_model: 8 }), "d_model:model");\n${fn(x, "  return x;").replace("{ mesh: M, layout: L }", "{ mesh: M, layout: L2 }")}` },
  { code: "MT1038", name: "opNotCompiled", source: `import { reduceDims } from "./dsl.ts";\n${fn(x, "  const d = /*@*/reduceDims([], \"\");\n  return x;")}` },
  { code: "MT1101", name: "badDtype", source: `${fn(x, "  return x;")}export const q = program(f, { mesh: M, layout: L, /*@*/dtype: "fp16" as never });\n` },
];

const project = new FixtureProject();
const cases = spoilers.map((spoiler) => ({ ...spoiler, fixture: project.addText(spoiler.name, header + spoiler.source) }));

describe("front-end spoilers", () => {
  for (const spoiler of cases) {
    it(`${spoiler.code} ${spoiler.name}`, () => {
      const result = project.read(spoiler.fixture, spoiler.typeCheck ?? false);
      const expected = spoiler.fixture.expected;
      const file = spoiler.fixture.file.getBaseName();
      expect(result.diagnostics.map(where)).toEqual([`${file}:${expected?.line}:${expected?.column} ${spoiler.code}`]);
      const [item] = result.diagnostics;
      expect(item.message.length).toBeGreaterThan(10);
      expect(item.hint.length).toBeGreaterThan(10);
    });
  }

  it("MT1037 noProject: a tsconfig.json that cannot be loaded", () => {
    let caught: unknown;
    try {
      createProject("/nonexistent/tsconfig.json");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CompileError);
    expect((caught as CompileError).diagnostics.map((item) => item.code)).toEqual(["MT1037"]);
  });

  it("has a spoiler for every front-end code", () => {
    const tested = new Set([...spoilers.map((spoiler) => spoiler.code), "MT1037"]);
    const codes = Object.values(frontendMessages).map((template) => template.code);
    expect(codes.filter((code) => !tested.has(code))).toEqual([]);
  });
});
