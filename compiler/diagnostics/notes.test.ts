import { describe, expect, it } from "vitest";
import { diagnosticsJson, formatDiagnosticText } from "../cli/printDiagnostics.ts";
import { diagnostic, formatDiagnostic } from "./diagnostic.ts";
import { validateMessages } from "./validateMessages.ts";

const inLibrary = { file: "stdlib/routing.ts", line: 36, column: 18, callSite: { file: "model.ts", line: 9, column: 5 } };

describe("diagnostic notes and library locations", () => {
  const item = diagnostic(validateMessages.relayoutUnknownDim, { spec: "c:model", dim: "c", value: "`x` [a=6]" }, inLibrary, [
    { message: "the layout is here", loc: { file: "model.ts", line: 2, column: 7 } },
  ]);

  it("a place inside meshtype's files is reported at the user's call, the library line first among the notes", () => {
    expect(item.loc).toEqual({ file: "model.ts", line: 9, column: 5 });
    expect(item.notes).toEqual([
      { message: "where it happens, inside meshtype's library code reached from this call", loc: { file: "stdlib/routing.ts", line: 36, column: 18 } },
      { message: "the layout is here", loc: { file: "model.ts", line: 2, column: 7 } },
    ]);
  });

  it("plain text, the CLI's text and --json all carry the notes", () => {
    expect(formatDiagnostic(item).split("\n").slice(2)).toEqual([
      "  note: stdlib/routing.ts:36:18 where it happens, inside meshtype's library code reached from this call",
      "  note: model.ts:2:7 the layout is here",
    ]);
    const text = formatDiagnosticText(item, { color: false, rootDir: "/nowhere", cwd: "/nowhere" });
    expect(text).toContain("\n  note: stdlib/routing.ts:36:18 where it happens");
    expect(text).toContain("\n  note: model.ts:2:7 the layout is here\n");
    const [json] = diagnosticsJson([item], "/nowhere", "/nowhere").diagnostics;
    expect(json.notes?.map((note) => `${note.loc?.file}:${note.loc?.line} ${note.message}`)).toEqual([
      "stdlib/routing.ts:36 where it happens, inside meshtype's library code reached from this call", "model.ts:2 the layout is here",
    ]);
  });
});
