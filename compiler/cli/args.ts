/**
 * Parsing the command line of `meshtype` with node:util `parseArgs`: the
 * command (from the table in commands.ts), its operands and its options,
 * `--opt VALUE`, `--opt=VALUE`, `-o VALUE` and `-oVALUE` alike. Bad usage is a
 * CompileError with an MT9xxx diagnostic (exit code 2) that suggests the
 * closest command or option.
 */
import { parseArgs as parseTokens } from "node:util";
import { CompileError, diagnostic, type MessageTemplate } from "../diagnostics/diagnostic.ts";
import { cliMessages } from "../diagnostics/cliMessages.ts";
import type { AnyCommand, AnyOptionValues, OptionSpec, OptionSpecs } from "./command.ts";
import { suggest } from "./suggest.ts";

/** What the user asked for. */
export type ParsedCommandLine =
  | { readonly kind: "help"; readonly command?: AnyCommand }
  | { readonly kind: "version" }
  | {
      readonly kind: "run";
      readonly command: AnyCommand;
      readonly files: readonly string[];
      /** The command's option values by long name (booleans false and strings undefined when absent). */
      readonly options: AnyOptionValues;
      /** `--color` (true), `--no-color` (false), or neither (undefined: decided by the environment). */
      readonly color: boolean | undefined;
      readonly watch: boolean;
    };

/** The codes that mean bad usage (exit code 2) rather than a problem in the user's code. */
export const usageCodes: ReadonlySet<string> = new Set([
  "MT9001", "MT9002", "MT9003", "MT9004", "MT9005", "MT9009", "MT9501", "MT9502", "MT9503",
  "MT9101", "MT9103", "MT9104", "MT9107",
  "MT9201", "MT9204", "MT9205",
]);

/** Options every command takes. */
export const commonOptions: OptionSpecs = {
  help: { type: "boolean", short: "h", description: "show the help of this command" },
  color: { type: "boolean", description: "colour the output even when it is not a terminal" },
  "no-color": { type: "boolean", description: "never colour the output (as the NO_COLOR environment variable does)" },
};

/** The option `--watch` that commands with `watch: true` take. */
export const watchOption: OptionSpec = {
  type: "boolean",
  short: "w",
  description: "run again whenever a file it read changes (Ctrl-C stops)",
};

/** Every option of `command`: its own, `--watch` when it watches, and the common ones. */
export function optionsOf(command: AnyCommand): OptionSpecs {
  return { ...command.options, ...(command.watch === true ? { watch: watchOption } : {}), ...commonOptions };
}

function usage<Args>(template: MessageTemplate<Args>, args: Args): never {
  throw new CompileError([diagnostic(template, args)]);
}

/** Parse `argv` (without `node` and the script) against the table of `commands`. */
export function parseCommandLine(argv: readonly string[], commands: readonly AnyCommand[]): ParsedCommandLine {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") return { kind: "help" };
  if (name === "--version" || name === "-v") return { kind: "version" };
  const names = commands.map((command) => command.name);
  const find = (wanted: string): AnyCommand =>
    commands.find((command) => command.name === wanted) ??
    usage(cliMessages.unknownCommand, { command: wanted, known: names.join(", "), suggestion: suggest(wanted, names) });
  if (name === "help") return rest[0] === undefined ? { kind: "help" } : { kind: "help", command: find(rest[0]) };
  const command = find(name);
  const specs = optionsOf(command);
  const { tokens } = parseTokens({ args: [...rest], options: toParseArgsOptions(specs), strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, boolean | string | string[] | undefined> = {};
  const given = new Map<string, string[]>();
  const files: string[] = [];
  for (const token of tokens) {
    if (token.kind === "positional") files.push(token.value);
    if (token.kind !== "option") continue;
    const spec = specs[token.name];
    if (spec === undefined) {
      const longNames = Object.keys(specs);
      const guess = token.rawName.startsWith("--") ? suggest(token.name, longNames) : undefined;
      return usage(cliMessages.unknownOption, { option: token.rawName, command: command.name, suggestion: guess === undefined ? undefined : `--${guess}` });
    }
    const option = `--${token.name}`;
    if (spec.type === "boolean") {
      if (token.value !== undefined) return usage(cliMessages.optionTakesNoValue, { option, value: token.value });
      values[token.name] = true;
      continue;
    }
    const value = token.value;
    if (value === undefined || (!token.inlineValue && value.startsWith("-") && value.length > 1)) {
      return usage(cliMessages.missingValue, { option, valueName: spec.valueName ?? "VALUE" });
    }
    given.set(token.name, [...(given.get(token.name) ?? []), value]);
  }
  for (const [option, list] of given) {
    if (specs[option]?.multiple === true) values[option] = list;
    else if (list.length > 1) return usage(cliMessages.optionRepeated, { option: `--${option}`, values: list.join(", ") });
    else values[option] = list[0];
  }
  if (values.help === true) return { kind: "help", command };
  if (command.operands === "files" && files.length === 0) return usage(cliMessages.missingFiles, { command: command.name });
  if (command.operands === "none" && files[0] !== undefined) return usage(cliMessages.unexpectedOperand, { command: command.name, operand: files[0] });
  const options: Record<string, boolean | string | readonly string[] | undefined> = {};
  for (const [option, spec] of Object.entries(command.options)) {
    options[option] = values[option] ?? (spec.type === "boolean" ? false : spec.multiple === true ? [] : undefined);
  }
  const color = values.color === true ? true : values["no-color"] === true ? false : undefined;
  return { kind: "run", command, files, options, color, watch: values.watch === true };
}

type ParseArgsOptions = NonNullable<Parameters<typeof parseTokens>[0]>["options"];

function toParseArgsOptions(specs: OptionSpecs): ParseArgsOptions {
  const options: NonNullable<ParseArgsOptions> = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = { type: spec.type, ...(spec.short === undefined ? {} : { short: spec.short }), ...(spec.multiple === true ? { multiple: true } : {}) };
  }
  return options;
}
