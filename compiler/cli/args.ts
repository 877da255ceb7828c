/**
 * Parsing the command line of `meshtype`: a command, its files and options.
 * Bad usage is a CompileError with an MT9xxx diagnostic (exit code 2).
 */
import { CompileError, diagnostic, type MessageTemplate } from "../diagnostics/diagnostic.ts";
import { cliMessages } from "../diagnostics/cliMessages.ts";
import { buildTargets, type BuildTarget } from "./build.ts";
import { parseProfileArgs, type ProfileCommand } from "./profile.ts";
import { parseSimulateArgs, type SimulateCommand } from "./simulate.ts";

/** What the user asked for. */
export type Command =
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | {
      readonly kind: "build";
      readonly files: readonly string[];
      readonly out: string | undefined;
      readonly typeCheck: boolean;
      /** The back end: `ts` (default) or `torch`. */
      readonly target: BuildTarget;
    }
  | {
      readonly kind: "explain";
      readonly files: readonly string[];
      readonly program: string | undefined;
      readonly json: boolean;
      readonly typeCheck: boolean;
    }
  | SimulateCommand
  | ProfileCommand;

/** The codes that mean bad usage (exit code 2) rather than a problem in the user's code. */
export const usageCodes: ReadonlySet<string> = new Set(["MT9001", "MT9002", "MT9003", "MT9004", "MT9005", "MT9009", "MT9101", "MT9103", "MT9104", "MT9107"]);

function isBuildTarget(value: string): value is BuildTarget {
  return (buildTargets as readonly string[]).includes(value);
}

function usage<Args>(template: MessageTemplate<Args>, args: Args): never {
  throw new CompileError([diagnostic(template, args)]);
}

/** Parse `argv` (without `node` and the script). */
export function parseArgs(argv: readonly string[]): Command {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") return { kind: "help" };
  if (command === "--version" || command === "-v") return { kind: "version" };
  if (command === "simulate") return parseSimulateArgs(rest);
  if (command === "profile") return parseProfileArgs(rest);
  if (command !== "build" && command !== "explain") return usage(cliMessages.unknownCommand, { command });
  const files: string[] = [];
  const options: { out?: string; program?: string; json: boolean; typeCheck: boolean; target: BuildTarget } = { json: false, typeCheck: true, target: "ts" };
  for (let index = 0; index < rest.length; index++) {
    const arg = rest[index];
    const valueOf = (): string => {
      const value = rest[++index];
      return value === undefined || value.startsWith("--") ? usage(cliMessages.missingValue, { option: arg }) : value;
    };
    if (arg === "--help" || arg === "-h") return { kind: "help" };
    else if (arg === "--no-typecheck") options.typeCheck = false;
    else if (arg === "--out" && command === "build") options.out = valueOf();
    else if (arg === "--target" && command === "build") {
      const target = valueOf();
      if (!isBuildTarget(target)) return usage(cliMessages.unknownTarget, { target, known: buildTargets.join(", ") });
      options.target = target;
    } else if (arg === "--program" && command === "explain") options.program = valueOf();
    else if (arg === "--json" && command === "explain") options.json = true;
    else if (arg.startsWith("-")) return usage(cliMessages.unknownOption, { option: arg, command });
    else files.push(arg);
  }
  if (files.length === 0) return usage(cliMessages.missingFiles, { command });
  if (command === "build") return { kind: "build", files, out: options.out, typeCheck: options.typeCheck, target: options.target };
  return { kind: "explain", files, program: options.program, json: options.json, typeCheck: options.typeCheck };
}
