/**
 * `--watch`: run a command, then wait until one of the files it read changes
 * (its modification time moves), run it again, and so on until Ctrl-C (or the
 * io's abort signal, in tests). Each folder that holds a watched file is
 * watched once with fs.watch, so editors that save by renaming are seen too.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { CommandOutcome } from "./command.ts";
import type { CliIo } from "./io.ts";

function modifiedAt(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

/** Resolves to the first of `files` that changes, or undefined when `signal` aborts first. */
export function nextChange(files: readonly string[], signal: AbortSignal | undefined): Promise<string | undefined> {
  const before = new Map(files.map((file) => [file, modifiedAt(file)]));
  const folders = [...new Set(files.map((file) => path.dirname(file)))];
  return new Promise((resolve) => {
    const watchers: fs.FSWatcher[] = [];
    let timer: NodeJS.Timeout | undefined;
    const finish = (changed: string | undefined): void => {
      for (const watcher of watchers) watcher.close();
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(changed);
    };
    const onAbort = (): void => finish(undefined);
    // Editors write in several steps: look a moment after the last event.
    const check = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => {
        const changed = files.find((file) => modifiedAt(file) !== before.get(file));
        if (changed !== undefined) finish(changed);
      }, 60);
    };
    if (signal?.aborted === true) return finish(undefined);
    signal?.addEventListener("abort", onAbort);
    for (const folder of folders) {
      try {
        watchers.push(fs.watch(folder, check));
      } catch {
        // A folder that went away: its files count as changed when it comes back through another folder's event.
      }
    }
  });
}

/**
 * Run `once` and `report` its outcome (which gives the exit code), then again
 * after every change of the files it read; the exit code of the last run.
 */
export async function watchLoop(once: () => Promise<CommandOutcome>, report: (outcome: CommandOutcome) => number, io: CliIo, operands: readonly string[]): Promise<number> {
  for (;;) {
    const outcome = await once();
    const code = report(outcome);
    const inputs = outcome.inputs !== undefined && outcome.inputs.length > 0 ? outcome.inputs : operands.map((file) => path.resolve(file));
    io.err(`[watch] ${code === 0 ? "done" : "errors above"}; waiting for changes to ${inputs.length} file${inputs.length === 1 ? "" : "s"} (Ctrl-C to stop)\n`);
    const changed = await nextChange(inputs, io.signal);
    if (changed === undefined) return code;
    io.err(`[watch] ${path.relative(process.cwd(), changed) || changed} changed; running again\n`);
  }
}
