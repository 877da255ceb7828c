/**
 * The `meshtype` command line: parse the arguments against the table of
 * commands (commands.ts), run the command (again on every change with
 * `--watch`), print its diagnostics (printDiagnostics.ts: once per root
 * cause, with a code frame, coloured unless NO_COLOR; or as JSON with
 * `--json`), and give the exit code: 0 success, 1 errors in the sources,
 * 2 bad usage.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { cliMessages } from "../diagnostics/cliMessages.ts";
import { CompileError, diagnostic, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { parseCommandLine, usageCodes, type ParsedCommandLine } from "./args.ts";
import { outcomeOf, type AnyCommand, type CommandOutcome } from "./command.ts";
import { commands } from "./commands.ts";
import { useColor } from "./color.ts";
import { commandHelp, mainHelp } from "./help.ts";
import { processIo, type CliIo } from "./io.ts";
import { diagnosticsJson, formatDiagnosticsText } from "./printDiagnostics.ts";
import { projectRoot } from "./projectRoot.ts";
import { packageVersion } from "./version.ts";
import { watchLoop } from "./watch.ts";

/** The exit code of some diagnostics: 0 none, 2 when all are bad usage, else 1. */
export function exitCodeOf(diagnostics: readonly Diagnostic[]): number {
  if (diagnostics.length === 0) return 0;
  return diagnostics.every((item) => usageCodes.has(item.code)) ? 2 : 1;
}

function colorFor(io: CliIo, stream: "out" | "err", flag: boolean | undefined): boolean {
  return useColor({ flag, env: io.env ?? {}, isTTY: io.isTTY?.[stream] ?? false });
}

/** Print `outcome`'s diagnostics (text on stderr, or JSON on stdout); its exit code. */
function report(outcome: CommandOutcome, io: CliIo, settings: { json: boolean; color: boolean | undefined; files: readonly string[] }): number {
  const { diagnostics } = outcome;
  if (diagnostics.length > 0) {
    const rootDir = outcome.rootDir ?? process.cwd();
    if (settings.json) io.out(`${JSON.stringify(diagnosticsJson(diagnostics, rootDir, projectRoot(settings.files)), null, 2)}\n`);
    else io.err(formatDiagnosticsText(diagnostics, { color: colorFor(io, "err", settings.color), rootDir }));
  }
  return exitCodeOf(diagnostics);
}

async function runOnce(command: AnyCommand, parsed: Extract<ParsedCommandLine, { kind: "run" }>, io: CliIo): Promise<CommandOutcome> {
  if (command.operands === "files") {
    const missing = parsed.files.filter((file) => !fs.existsSync(file) || !fs.statSync(file).isFile());
    if (missing.length > 0) return { diagnostics: missing.map((file) => diagnostic(cliMessages.fileNotFound, { file })) };
  }
  try {
    return outcomeOf(await command.run({ files: parsed.files, options: parsed.options }, { io, color: colorFor(io, "out", parsed.color) }));
  } catch (error) {
    if (!(error instanceof CompileError)) throw error;
    return { diagnostics: error.diagnostics };
  }
}

/** Run `meshtype` with `argv` (the arguments after the command name); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let parsed: ParsedCommandLine;
  try {
    parsed = parseCommandLine(argv, commands);
  } catch (error) {
    if (!(error instanceof CompileError)) throw error;
    const json = argv.includes("--json");
    return report({ diagnostics: error.diagnostics }, io, { json, color: argv.includes("--no-color") ? false : argv.includes("--color") ? true : undefined, files: [] });
  }
  switch (parsed.kind) {
    case "help":
      io.out(parsed.command === undefined ? mainHelp(commands, colorFor(io, "out", undefined)) : commandHelp(parsed.command, colorFor(io, "out", undefined)));
      return 0;
    case "version":
      io.out(`meshtype ${packageVersion()}\n`);
      return 0;
    case "run": {
      const settings = { json: parsed.options.json === true, color: parsed.color, files: parsed.files.map((file) => path.resolve(file)) };
      const once = (): Promise<CommandOutcome> => runOnce(parsed.command, parsed, io);
      if (parsed.watch) return watchLoop(once, (outcome) => report(outcome, io, settings), io, parsed.files);
      return report(await once(), io, settings);
    }
  }
}
