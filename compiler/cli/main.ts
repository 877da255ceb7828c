/**
 * The `meshtype` command line: parse the arguments, run the command, print
 * diagnostics as `file:line:col CODE message` with a hint, and give the exit
 * code (0 success, 1 errors in the sources, 2 bad usage).
 */
import * as fs from "node:fs";
import { cliMessages } from "../diagnostics/cliMessages.ts";
import { CompileError, diagnostic, formatDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { parseArgs, usageCodes, type Command } from "./args.ts";
import { runBuild } from "./build.ts";
import { runExplain } from "./explain.ts";
import { helpText } from "./help.ts";
import { runProfile } from "./profile.ts";
import { runSimulate } from "./simulate.ts";
import { processIo, type CliIo } from "./io.ts";

const version = "0.1.0";

function run(command: Command, io: CliIo): Diagnostic[] {
  switch (command.kind) {
    case "help":
      io.out(helpText);
      return [];
    case "version":
      io.out(`meshtype ${version}\n`);
      return [];
    case "simulate":
    case "profile": {
      const missing = command.files.filter((file) => !fs.existsSync(file) || !fs.statSync(file).isFile());
      if (missing.length > 0) return missing.map((file) => diagnostic(cliMessages.fileNotFound, { file }));
      return command.kind === "simulate" ? runSimulate(command, io) : runProfile(command, io);
    }
    case "build":
    case "explain": {
      const missing = command.files.filter((file) => !fs.existsSync(file) || !fs.statSync(file).isFile());
      if (missing.length > 0) return missing.map((file) => diagnostic(cliMessages.fileNotFound, { file }));
      if (command.kind === "build") return runBuild(command.files, command, io);
      return runExplain(command.files, command.program, command.json, command.typeCheck, io);
    }
  }
}

/** Run `meshtype` with `argv` (the arguments after the command name); the exit code. */
export function main(argv: readonly string[], io: CliIo = processIo): number {
  let diagnostics: readonly Diagnostic[];
  try {
    diagnostics = run(parseArgs(argv), io);
  } catch (error) {
    if (!(error instanceof CompileError)) throw error;
    diagnostics = error.diagnostics;
  }
  for (const item of diagnostics) io.err(`${formatDiagnostic(item)}\n`);
  if (diagnostics.length === 0) return 0;
  return diagnostics.every((item) => usageCodes.has(item.code)) ? 2 : 1;
}
