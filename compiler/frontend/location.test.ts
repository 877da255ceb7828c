import { describe, expect, it } from "vitest";
import { Project } from "ts-morph";
import { lineAndColumn, Locator } from "./location.ts";

describe("source locations from a line-start table", () => {
  const text = "const a = 1;\r\nconst b = 2;\n\n  const c = 'é';\rconst d = 4;\nlet e;";
  const project = new Project({ useInMemoryFileSystem: true });
  const file = project.createSourceFile("/root/src/model.ts", text);
  const newlines = [...text].flatMap((char, index) => (char === "\n" ? [index] : []));

  it("gives ts-morph's line and column at every position (LF, CRLF, a lone CR, a blank line, non-ASCII)", () => {
    for (let pos = 0; pos <= text.length; pos++) expect(lineAndColumn(text, newlines, pos), `pos ${pos}`).toEqual(file.getLineAndColumnAtPos(pos));
  });

  it("locates nodes with the path relative to the root", () => {
    const locator = new Locator("/root");
    const declarations = file.getVariableDeclarations();
    expect(declarations.map((node) => locator.of(node))).toEqual(
      declarations.map((node) => ({ file: "src/model.ts", ...file.getLineAndColumnAtPos(node.getStart()) })),
    );
    expect(locator.of(declarations[2])).toMatchObject({ line: 4, column: 9 });
  });
});
