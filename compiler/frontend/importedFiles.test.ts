/**
 * The build checks every user file a model reaches, not only the file it was
 * given: errors in an imported helper are reported in the helper, at their own
 * place, once; and async or generator model code is a diagnostic, not compiled
 * as if it were plain.
 */
import { describe, expect, it } from "vitest";
import { FixtureProject, where } from "./__fixtures__/harness.ts";
import { readPrograms } from "./frontend.ts";
import { fixturesDir } from "./__fixtures__/harness.ts";

const project = new FixtureProject();

const helperHeader = `import { relu, Tensor } from "./dsl.ts";\n`;
const model = (helper: string) => `import { program, Tensor } from "./dsl.ts";
import { L, M } from "./config.ts";
import { twice } from "./${helper.replace(/\.ts$/, "")}.ts";
export function f(x: Tensor<"batch d_model">): Tensor<"batch d_model"> {
  return twice(x);
}
export const p = program(f, { mesh: M, layout: L });
`;

function check(helperName: string, helperSource: string, typeCheck = true) {
  const helper = project.addText(helperName, helperHeader + helperSource);
  const helperFile = helper.file.getBaseName().replace(/\.ts$/, "");
  const user = project.addText(`${helperName}User`, model(helperFile));
  const result = readPrograms([user.file], { rootDir: fixturesDir, typeCheck });
  return { result, helper, file: helper.file.getBaseName() };
}

describe("type errors in the user files a model imports", () => {
  it("a type error in an imported helper: MT1000 in the helper, and the program is not read", () => {
    const { result, helper, file } = check("typeErrorHelper", `export function twice(x: Tensor<"batch d_model">): Tensor<"batch d_model"> {
  const /*@*/n: number = "two";
  return relu(relu(x));
}`);
    expect(result.diagnostics.map(where)).toEqual([`${file}:${helper.expected?.line}:${helper.expected?.column} MT1000`]);
    expect(result.programs).toEqual([]);
  });

  it("a deleted return in a helper is reported in the helper (TS2355), not as a compiler error at its caller", () => {
    const { result, helper, file } = check("noReturnHelper", `export function twice(x: Tensor<"batch d_model">): /*@*/Tensor<"batch d_model"> {
  relu(relu(x));
}`);
    expect(result.diagnostics.map(where)).toEqual([`${file}:${helper.expected?.line}:${helper.expected?.column} MT1000`]);
    expect(result.diagnostics[0].message).toContain("must return a value");
  });

  it("a syntax error in an imported helper is reported in the helper even without type checking", () => {
    const { result, helper, file } = check("syntaxErrorHelper", `export function twice(x: Tensor<"batch d_model">): Tensor<"batch d_model"> {
  return relu(relu(x)/*@*/;
}`, false);
    expect(result.diagnostics.map(where)).toEqual([`${file}:${helper.expected?.line}:${helper.expected?.column} MT1000`]);
  });

  it("without type checking, a helper's type error is not reported and the program compiles", () => {
    const { result } = check("uncheckedHelper", `export function twice(x: Tensor<"batch d_model">): Tensor<"batch d_model"> {
  const n: number = "two";
  return relu(relu(x));
}`, false);
    expect(result.diagnostics).toEqual([]);
    expect(result.programs.map((program) => program.name)).toEqual(["p"]);
  });

  it("a helper imported by two model files is reported once", () => {
    const helper = project.addText("sharedHelper", `${helperHeader}export function twice(x: Tensor<"batch d_model">): Tensor<"batch d_model"> {
  const /*@*/n: number = "two";
  return relu(relu(x));
}`);
    const name = helper.file.getBaseName().replace(/\.ts$/, "");
    const users = [project.addText("sharedUserA", model(name)), project.addText("sharedUserB", model(name))];
    const result = readPrograms(users.map((user) => user.file), { rootDir: fixturesDir });
    expect(result.diagnostics.map(where)).toEqual([`${helper.file.getBaseName()}:${helper.expected?.line}:${helper.expected?.column} MT1000`]);
  });

  it("meshtype's own files (dsl/, stdlib/) are not checked: a clean model compiles", () => {
    const { result } = check("cleanHelper", `export function twice(x: Tensor<"batch d_model">): Tensor<"batch d_model"> {
  return relu(relu(x));
}`);
    expect(result.diagnostics).toEqual([]);
  });
});

describe("async and generator model code", () => {
  const cases = [
    ["an async model", `export /*@*/async function f(x: Tensor<"batch d_model">) {\n  return relu(x);\n}`],
    ["a generator model", `export function/*@*/* f(x: Tensor<"batch d_model">) {\n  yield relu(x);\n}`],
    ["an async helper", `async function g(x: Tensor<"batch d_model">) {\n  return relu(x);\n}\nexport function f(x: Tensor<"batch d_model">) {\n  return /*@*/g(x) as never;\n}`],
  ] as const;
  for (const [name, source] of cases) {
    it(`${name}: MT1703`, () => {
      const fixture = project.addText(name.replace(/ /g, "_"), `import { program, relu, Tensor } from "./dsl.ts";\nimport { L, M } from "./config.ts";\n${source}\nexport const p = program(f, { mesh: M, layout: L });\n`);
      const result = readPrograms([fixture.file], { rootDir: fixturesDir, typeCheck: false });
      expect(result.diagnostics.map(where)).toEqual([`${fixture.file.getBaseName()}:${fixture.expected?.line}:${fixture.expected?.column} MT1703`]);
      expect(result.diagnostics[0].message).toMatch(/is an? (async|generator) function/);
    });
  }
});
