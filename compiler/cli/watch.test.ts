import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "./main.ts";

const repo = path.resolve(import.meta.dirname, "../..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "meshtype-watch-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A one-program model file; `body` is the model's return expression. */
function model(body: string): string {
  return [
    `import { dims, mesh, layout, program, relu, type Tensor } from ${JSON.stringify(path.join(repo, "dsl/index.ts"))};`,
    `const D = dims({ batch: 4, d_model: 8 });`,
    `const M = mesh({ data: 2 });`,
    `const L = layout(M, D, "batch:data");`,
    `export function f(x: Tensor<"batch d_model">) { return ${body}; }`,
    `export const f2 = program(f, { mesh: M, layout: L });`,
    "",
  ].join("\n");
}

/** Resolves when `read()` satisfies `done` (polling), or fails after `ms`. */
async function until(read: () => string, done: (text: string) => boolean, ms = 60_000): Promise<void> {
  const start = Date.now();
  while (!done(read())) {
    if (Date.now() - start > ms) throw new Error(`timed out; output so far:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("--watch", () => {
  it("builds, then builds again after each change of the model file, errors included, until stopped", async () => {
    const file = path.join(work, "model.ts");
    const out = path.join(work, "out");
    fs.writeFileSync(file, model("relu(x)"));
    let output = "";
    const controller = new AbortController();
    const io = { out: (text: string) => void (output += text), err: (text: string) => void (output += text), signal: controller.signal };
    const running = main(["build", file, "-o", out, "--watch", "--no-typecheck"], io);
    const count = (needle: string) => (text: string) => text.split(needle).length - 1;
    await until(() => output, (text) => /\[watch\] done; waiting for changes to \d+ files/.test(text));
    expect(fs.readFileSync(path.join(out, "model.ts"), "utf8")).toContain("relu(x)");

    fs.writeFileSync(file, model("relu(relu(x))"));
    await until(() => output, (text) => count("wrote ")(text) === 2 && count("[watch] done")(text) === 2);
    expect(output).toContain("model.ts changed; running again");
    expect(fs.readFileSync(path.join(out, "model.ts"), "utf8")).toMatch(/relu\(\w+\)/);

    fs.writeFileSync(file, model("relu(x)").replace("export function f(x", "export function f(x").replace("{ return", "{ while (false) {} return"));
    await until(() => output, (text) => text.includes("[watch] errors above"));
    expect(output).toContain("MT1020");

    controller.abort();
    expect(await running).toBe(1);
  }, 120_000);
});
