/**
 * The text of `meshtype --help` and of `meshtype <command> --help`, made from
 * the table of commands: each command's summary, usage, description, options
 * (short flag, value name, choices, description) and examples.
 */
import { commonOptions, optionsOf } from "./args.ts";
import type { AnyCommand, OptionSpec, OptionSpecs } from "./command.ts";
import { paint, type Paint } from "./color.ts";

/** `<file.ts>... [options]`: what follows the command name in its usage line. */
function operandsOf(command: AnyCommand): string {
  return command.operands === "files" ? "<file.ts>... [options]" : "[options]";
}

/** `-o, --out DIR` or `    --target ts|torch`: the left column of an option. */
function optionHead(name: string, spec: OptionSpec): string {
  const short = spec.short === undefined ? "    " : `-${spec.short}, `;
  const value = spec.type === "boolean" ? "" : ` ${spec.choices === undefined ? (spec.valueName ?? "VALUE") : spec.choices.join("|")}`;
  return `${short}--${name}${value}`;
}

/** The option lines, their descriptions aligned in one column. */
function optionLines(specs: OptionSpecs): string[] {
  const entries = Object.entries(specs);
  const width = Math.max(...entries.map(([name, spec]) => optionHead(name, spec).length)) + 2;
  return entries.flatMap(([name, spec]) => {
    const [first = "", ...more] = spec.description.split("\n");
    return [`  ${optionHead(name, spec).padEnd(width)}${first}`, ...more.map((line) => `  ${" ".repeat(width)}${line}`)];
  });
}

/** The help of the whole command line. */
export function mainHelp(commands: readonly AnyCommand[], color = false): string {
  const style: Paint = paint(color);
  const width = Math.max(...commands.map((command) => command.name.length)) + 2;
  return [
    "meshtype: compile models written in the meshtype DSL into one program per device.",
    "",
    style.bold("Usage:"),
    ...commands.map((command) => `  meshtype ${command.name} ${operandsOf(command)}`),
    "  meshtype <command> --help     the options of one command (or: meshtype help <command>)",
    "  meshtype --version | --help",
    "",
    style.bold("Commands:"),
    ...commands.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    "",
    style.bold("Options of every command:"),
    ...optionLines(commonOptions),
    "",
    "Exit codes: 0 success; 1 errors in the sources (printed as file:line:col CODE message,",
    "the code, and a hint); 2 bad usage (unknown command or option, missing files or values).",
    "docs/cli.md describes every command and option; docs/diagnostics.md every MTxxxx code and its fix.",
    "",
  ].join("\n");
}

/** The help of one command. */
export function commandHelp(command: AnyCommand, color = false): string {
  const style: Paint = paint(color);
  return [
    `meshtype ${command.name}: ${command.summary}`,
    "",
    `${style.bold("Usage:")} meshtype ${command.name} ${operandsOf(command)}`,
    ...(command.description === undefined ? [] : ["", command.description.trimEnd()]),
    "",
    style.bold("Options:"),
    ...optionLines(optionsOf(command)),
    ...(command.examples === undefined || command.examples.length === 0 ? [] : ["", style.bold("Examples:"), ...command.examples.map((line) => `  ${line}`)]),
    "",
  ].join("\n");
}
