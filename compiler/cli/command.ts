/**
 * What a `meshtype` command is: its name, its options (each with a short
 * flag, a value name and help text), what it says in `--help`, and the
 * function that runs it. Every command is one `defineCommand({...})` in its
 * own file, listed once in `commands.ts`; the parser (args.ts), the help
 * (help.ts) and `main` read everything else from here.
 *
 * @example
 * export const helloCommand = defineCommand({
 *   name: "hello",
 *   summary: "Print a greeting for each file.",
 *   operands: "files",
 *   options: { loud: { type: "boolean", short: "l", description: "shout" } },
 *   run: ({ files, options }, ctx) => {
 *     for (const file of files) ctx.io.out(options.loud ? `HELLO ${file}\n` : `hello ${file}\n`);
 *     return [];
 *   },
 * });
 */
import type { Diagnostic } from "../diagnostics/diagnostic.ts";
import type { CliIo } from "./io.ts";

/** One option of a command: `--name` (and `-x`), a boolean flag or one taking a value. */
export interface OptionSpec {
  readonly type: "boolean" | "string";
  /** One letter: `-o DIR` for `--out DIR`. */
  readonly short?: string;
  /** A string option given more than once collects every value. */
  readonly multiple?: boolean;
  /** How help writes the value: `--out DIR`. */
  readonly valueName?: string;
  /** The values a string option accepts (help lists them; the command checks them, with its own diagnostic). */
  readonly choices?: readonly string[];
  /** One line for `--help`; further lines are indented under it. */
  readonly description: string;
}

/**
 * The options of a command, by long name (`"no-typecheck"` for `--no-typecheck`).
 * A boolean option named `json`, when set, makes `main` print the diagnostics
 * as JSON on stdout (see printDiagnostics.ts) instead of text on stderr.
 */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** What the parser hands `run` for one option. */
export type OptionValue<Spec extends OptionSpec> = Spec["type"] extends "boolean"
  ? boolean
  : Spec["multiple"] extends true
    ? readonly string[]
    : string | undefined;

/** Every option's value, by long name. Booleans default to false, strings to undefined (or [] when multiple). */
export type OptionValues<Options extends OptionSpecs> = { readonly [Name in keyof Options]: OptionValue<Options[Name]> };

/** What a command gets to run with besides its arguments. */
export interface CommandContext {
  readonly io: CliIo;
  /** Whether the output may use ANSI colour (see color.ts: --color, --no-color, NO_COLOR, FORCE_COLOR, a TTY). */
  readonly color: boolean;
}

/** What a run found: the diagnostics (empty on success) and, for `--watch`, the files it read. */
export interface CommandOutcome {
  readonly diagnostics: readonly Diagnostic[];
  /** Absolute paths of the user's files the run read (the operands and what they import); `--watch` watches them. */
  readonly inputs?: readonly string[];
  /** Paths in the diagnostics' locations are relative to this folder (default: the current folder). */
  readonly rootDir?: string;
}

/** The parsed command line of one command. */
export interface CommandInput<Options extends OptionSpecs> {
  /** The operands (files), as given. */
  readonly files: readonly string[];
  readonly options: OptionValues<Options>;
}

/** A `meshtype` command. */
export interface CommandSpec<Options extends OptionSpecs = OptionSpecs> {
  readonly name: string;
  /** One line for the list of commands in `meshtype --help`. */
  readonly summary: string;
  /** The rest of `meshtype <name> --help`: paragraphs, already wrapped at 80 columns. */
  readonly description?: string;
  /** `files`: one or more .ts files are required (MT9002 without), each must exist (MT9003); `none`: no operands. */
  readonly operands: "files" | "none";
  readonly options: Options;
  /** Adds `--watch`/`-w`: run again whenever one of the outcome's `inputs` changes. */
  readonly watch?: boolean;
  /** Command lines for the end of `meshtype <name> --help`. */
  readonly examples?: readonly string[];
  readonly run: (input: CommandInput<Options>, ctx: CommandContext) => CommandOutcome | readonly Diagnostic[] | Promise<CommandOutcome | readonly Diagnostic[]>;
}

/** Option values of a command of any option set. */
export type AnyOptionValues = Readonly<Record<string, boolean | string | readonly string[] | undefined>>;

/** A command of any option set, as the table lists them. */
export interface AnyCommand extends Omit<CommandSpec, "run"> {
  readonly run: (input: { readonly files: readonly string[]; readonly options: AnyOptionValues }, ctx: CommandContext) => CommandOutcome | readonly Diagnostic[] | Promise<CommandOutcome | readonly Diagnostic[]>;
}

/** Declare a command; keeps its option names and types for `run`. */
export function defineCommand<const Options extends OptionSpecs>(spec: CommandSpec<Options>): AnyCommand {
  return spec as unknown as AnyCommand;
}

/** A run's outcome, whether `run` gave diagnostics only or a full outcome. */
export function outcomeOf(result: CommandOutcome | readonly Diagnostic[]): CommandOutcome {
  return isDiagnosticList(result) ? { diagnostics: result } : result;
}

function isDiagnosticList(result: CommandOutcome | readonly Diagnostic[]): result is readonly Diagnostic[] {
  return Array.isArray(result);
}
