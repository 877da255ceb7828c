import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { catalog } from "../diagnostics/catalog.ts";
import { diagnosticsPage } from "./diagnosticsDoc.ts";

const repo = path.resolve(import.meta.dirname, "../..");

describe("docs/diagnostics.md", () => {
  it("has every code of the catalog, each with an example that gives it, exactly as npm run docs:diagnostics writes it", async () => {
    const { text, problems } = await diagnosticsPage(repo);
    expect(problems, "fix compiler/diagnostics/examples.ts").toEqual([]);
    const codes = Object.values(catalog).flatMap((table) => Object.values(table).map((template) => template.code));
    expect(codes.filter((code) => !text.includes(`\n### ${code} `))).toEqual([]);
    const page = fs.readFileSync(path.join(repo, "docs/diagnostics.md"), "utf8");
    expect(page === text, "docs/diagnostics.md is out of date: run `npm run docs:diagnostics`").toBe(true);
  }, 180_000);
});
