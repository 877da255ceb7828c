/**
 * The `meshtype` CLI run in the test's own process: its exit code and what it
 * wrote to stdout and stderr, from a working directory given (or the current
 * one), with an environment and terminal flags given (default: none set, not
 * terminals, so no colour).
 */
import { main } from "../cli/main.ts";

/** What a CLI run printed, and its exit code. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** How to run it: the working directory (restored afterwards), the environment, whether both streams are terminals. */
export interface CliRunOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly isTTY?: boolean;
}

/** Run `meshtype <argv>` in this process. */
export async function runCli(argv: readonly string[], options: CliRunOptions = {}): Promise<CliRun> {
  let out = "";
  let err = "";
  const before = process.cwd();
  if (options.cwd !== undefined) process.chdir(options.cwd);
  try {
    const isTTY = options.isTTY ?? false;
    const code = await main(argv, { out: (text) => void (out += text), err: (text) => void (err += text), env: options.env ?? {}, isTTY: { out: isTTY, err: isTTY } });
    return { code, out, err };
  } finally {
    process.chdir(before);
  }
}
