import { describe, expect, it } from "vitest";
import { catalog } from "./catalog.ts";

const areaPrefix: Readonly<Record<string, string>> = { frontend: "MT1", validate: "MT2", lower: "MT3", autodiff: "MT4", planner: "MT5", torch: "MT6", cli: "MT9", cost: "MT51", costCli: "MT91", planCli: "MT92" };

describe("diagnostics catalog", () => {
  const entries = Object.entries(catalog).flatMap(([area, table]) => Object.entries(table).map(([name, template]) => ({ area, name, template })));

  it("gives every message a unique code", () => {
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const { area, name, template } of entries) {
      const other = seen.get(template.code);
      if (other) clashes.push(`${template.code}: ${other} and ${area}.${name}`);
      seen.set(template.code, `${area}.${name}`);
    }
    expect(clashes).toEqual([]);
  });

  it("numbers each area's codes in its own range (MT1xxx front end ... MT9xxx command line)", () => {
    const misplaced = entries
      .filter(({ area, template }) => !/^MT\d{4}$/.test(template.code) || (areaPrefix[area] !== undefined && !template.code.startsWith(areaPrefix[area])))
      .map(({ area, name, template }) => `${area}.${name} = ${template.code}`);
    expect(misplaced).toEqual([]);
  });
});
