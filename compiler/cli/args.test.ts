import { describe, expect, it } from "vitest";
import { CompileError } from "../diagnostics/diagnostic.ts";
import { parseCommandLine } from "./args.ts";
import { defineCommand } from "./command.ts";
import { commands } from "./commands.ts";
import { commandHelp, mainHelp } from "./help.ts";
import { editDistance, suggest } from "./suggest.ts";

/** The diagnostic `argv` fails with: `CODE message | hint`. */
function failure(argv: readonly string[]): string {
  try {
    parseCommandLine(argv, commands);
  } catch (error) {
    if (!(error instanceof CompileError)) throw error;
    return error.diagnostics.map((item) => `${item.code} ${item.message} | ${item.hint}`).join("\n");
  }
  throw new Error(`meshtype ${argv.join(" ")} parsed`);
}

function options(argv: readonly string[]): Readonly<Record<string, unknown>> {
  const parsed = parseCommandLine(argv, commands);
  if (parsed.kind !== "run") throw new Error(`not a run: ${parsed.kind}`);
  return { files: parsed.files, ...parsed.options, watch: parsed.watch, color: parsed.color };
}

describe("parseCommandLine", () => {
  it("reads --opt VALUE, --opt=VALUE, -o VALUE and -oVALUE alike", () => {
    for (const argv of [["--out", "dist"], ["--out=dist"], ["-o", "dist"], ["-odist"]]) {
      expect(options(["build", "a.ts", ...argv]), argv.join(" ")).toMatchObject({ files: ["a.ts"], out: "dist", target: undefined, json: false });
    }
    expect(options(["build", "-t", "torch", "a.ts", "b.ts", "-w"])).toMatchObject({ files: ["a.ts", "b.ts"], target: "torch", watch: true });
    expect(options(["explain", "a.ts", "-p", "mlp4", "--json", "--no-typecheck"])).toMatchObject({ program: "mlp4", json: true, "no-typecheck": true, watch: false });
  });

  it("takes operands after -- even when they start with a dash", () => {
    expect(options(["build", "--", "-odd.ts"])).toMatchObject({ files: ["-odd.ts"], out: undefined });
  });

  it("reads --color and --no-color; neither leaves colour to the environment", () => {
    expect(options(["build", "a.ts", "--color"]).color).toBe(true);
    expect(options(["build", "a.ts", "--no-color"]).color).toBe(false);
    expect(options(["build", "a.ts"]).color).toBe(undefined);
  });

  it("answers help for the whole command line and for one command", () => {
    expect(parseCommandLine([], commands)).toEqual({ kind: "help" });
    expect(parseCommandLine(["-h"], commands)).toEqual({ kind: "help" });
    expect(parseCommandLine(["--version"], commands)).toEqual({ kind: "version" });
    for (const argv of [["build", "--help"], ["build", "-h"], ["help", "build"], ["build", "a.ts", "-h"]]) {
      const parsed = parseCommandLine(argv, commands);
      expect(parsed.kind === "help" ? parsed.command?.name : parsed.kind, argv.join(" ")).toBe("build");
    }
  });

  it("suggests the closest command and option (did you mean)", () => {
    expect(failure(["biuld", "a.ts"])).toMatch(/^MT9001 Unknown command "biuld" \(commands: build, explain.*\| Did you mean `meshtype build`\?/);
    expect(failure(["explian"])).toContain("Did you mean `meshtype explain`?");
    expect(failure(["frobnicate"])).not.toContain("Did you mean");
    expect(failure(["explain", "a.ts", "--jsn"])).toMatch(/^MT9004 Unknown option "--jsn" for `meshtype explain`\. \| Did you mean --json\?/);
    expect(failure(["explain", "a.ts", "--prog", "x"])).toContain("Did you mean --program?");
    expect(failure(["build", "a.ts", "--no-typechek"])).toContain("Did you mean --no-typecheck?");
    expect(failure(["build", "a.ts", "--frobnicate"])).not.toContain("Did you mean");
    expect(failure(["build", "a.ts", "-x"])).toMatch(/^MT9004 Unknown option "-x"/);
  });

  it("refuses a value on a switch, a string option without a value, and a repeated one", () => {
    expect(failure(["explain", "a.ts", "--json=1"])).toMatch(/^MT9501 Option --json is a switch/);
    expect(failure(["explain", "a.ts", "--program"])).toMatch(/^MT9005 Option --program needs a value\. \| Write it as `--program NAME` or `--program=NAME`/);
    expect(failure(["build", "a.ts", "--out", "--json"])).toMatch(/^MT9005 Option --out needs a value/);
    expect(failure(["build", "a.ts", "-o", "x", "-o", "y"])).toMatch(/^MT9502 Option --out is given more than once \(x, y\)/);
    expect(failure(["build"])).toMatch(/^MT9002 /);
  });

  it("parses a newly registered command from its table entry alone", () => {
    const ran: string[] = [];
    const hello = defineCommand({
      name: "hello",
      summary: "Greet.",
      operands: "files",
      options: { loud: { type: "boolean", short: "l", description: "shout" }, name: { type: "string", multiple: true, valueName: "WHO", description: "who" } },
      run: ({ files, options: values }) => {
        ran.push(`${values.loud ? "HELLO" : "hello"} ${values.name.join("+")} ${files.join(" ")}`);
        return [];
      },
    });
    const parsed = parseCommandLine(["hello", "a.ts", "-l", "--name", "x", "--name=y"], [hello]);
    expect(parsed).toMatchObject({ kind: "run", files: ["a.ts"], options: { loud: true, name: ["x", "y"] } });
    expect(commandHelp(hello)).toContain("--name WHO");
    expect(mainHelp([hello])).toContain("  hello  Greet.");
  });
});

describe("help", () => {
  it("lists every command with its summary, and each command's options with short flags and values", () => {
    const text = mainHelp(commands);
    for (const command of commands) expect(text).toContain(`meshtype ${command.name} `);
    const build = commandHelp(commands.find((command) => command.name === "build") ?? commands[0]!);
    expect(build).toMatch(/-o, --out DIR +write every module into DIR/);
    expect(build).toMatch(/-t, --target ts\|torch/);
    expect(build).toMatch(/-w, --watch +run again/);
    expect(build).toContain("--target torch  a Python module for torch.distributed");
    expect(build).toContain("Examples:");
  });
});

describe("suggest", () => {
  it("measures edits, counting a swap of neighbours as one", () => {
    expect(editDistance("build", "build")).toBe(0);
    expect(editDistance("biuld", "build")).toBe(1);
    expect(editDistance("jsn", "json")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
  });

  it("picks the closest candidate within a third of its length, or a prefix", () => {
    expect(suggest("exlpain", ["build", "explain"])).toBe("explain");
    expect(suggest("prog", ["program", "json"])).toBe("program");
    expect(suggest("zzz", ["build", "explain"])).toBe(undefined);
  });
});
