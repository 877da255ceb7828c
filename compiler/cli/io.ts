/** Where the command line writes: stdout and stderr, or buffers in tests. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** The environment that decides colour (NO_COLOR, FORCE_COLOR, TERM); default: nothing set. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Whether stdout and stderr are terminals (coloured by default); default: neither. */
  readonly isTTY?: { readonly out: boolean; readonly err: boolean };
  /** Stops `--watch` (in tests); the process itself stops it with Ctrl-C. */
  readonly signal?: AbortSignal;
}

/** The process's stdout and stderr. */
export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
  isTTY: { out: process.stdout.isTTY === true, err: process.stderr.isTTY === true },
};
