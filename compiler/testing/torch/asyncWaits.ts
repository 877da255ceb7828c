/**
 * A check of generated Python's asynchronous collectives (collectiveSchedule.ts):
 * every handle started (`h = mesh.X_start(...)` or `h.append(mesh.X_start(...))`,
 * or added to a bucket queue: `h = bucket_queue.add(...)`) is waited on after
 * its start (`a, b = h.wait()` / `h[...].wait()`), a queue's add is flushed
 * (`bucket_queue.flush()`) on a line between the add and the wait, and no
 * result of a wait is read before the wait assigns it, within one function.
 */

/** One asynchronous start or wait, by line (0-based) of the module. */
export interface AsyncLine {
  readonly line: number;
  readonly handle: string;
  readonly indent: number;
}

/** The starts and waits of one function, with the problems found. */
export interface AsyncWaits {
  /** `queue`: the bucket queue it is added to (undefined: started by its own call). */
  readonly starts: readonly (AsyncLine & { readonly appended: boolean; readonly queue?: string })[];
  /** The lines that flush a queue, by queue. */
  readonly flushes: ReadonlyMap<string, readonly number[]>;
  readonly waits: readonly (AsyncLine & { readonly outputs: readonly string[] })[];
  readonly problems: readonly string[];
}

const startPattern = /^(\s*)(\w+)(\s*=\s*|\.append\()(?:mesh\.\w+_start|(\w*queue\w*)\.add)\(/;
const flushPattern = /^\s*(\w*queue\w*)\.flush\(\)/;
const waitPattern = /^(\s*)([\w, ]+?),?\s*=\s*(\w+)(\[[^\]]*\])?\.wait\(\)/;

function code(line: string): string {
  const hash = line.indexOf("#");
  return hash < 0 ? line : line.slice(0, hash);
}

/** The asynchronous starts and waits of function `name` (`def name(`) in `module`, and what is wrong with them. */
export function asyncWaits(module: string, name: string): AsyncWaits {
  const lines = module.split("\n");
  const begin = lines.findIndex((line) => line.startsWith(`def ${name}(`));
  if (begin < 0) return { starts: [], flushes: new Map(), waits: [], problems: [`no function ${name}`] };
  let end = lines.findIndex((line, index) => index > begin && /^\S/.test(line));
  if (end < 0) end = lines.length;
  const starts: (AsyncLine & { appended: boolean; queue?: string })[] = [];
  const flushes = new Map<string, number[]>();
  const waits: (AsyncLine & { outputs: string[] })[] = [];
  const problems: string[] = [];
  for (let index = begin; index < end; index++) {
    const start = startPattern.exec(lines[index]);
    if (start) starts.push({ line: index, handle: start[2], indent: start[1].length, appended: start[3].startsWith(".append"), queue: start[4] });
    const flush = flushPattern.exec(lines[index]);
    if (flush) flushes.set(flush[1], [...(flushes.get(flush[1]) ?? []), index]);
    const wait = waitPattern.exec(lines[index]);
    if (wait) waits.push({ line: index, handle: wait[3], indent: wait[1].length, outputs: wait[2].split(",").map((item) => item.trim()).filter(Boolean) });
  }
  for (const start of starts) {
    if (!waits.some((wait) => wait.handle === start.handle && wait.line > start.line)) problems.push(`${start.handle} (line ${start.line + 1}) is started but never waited on after its start`);
    const { queue } = start;
    if (queue === undefined) continue;
    for (const wait of waits.filter((entry) => entry.handle === start.handle && entry.line > start.line)) {
      if (!(flushes.get(queue) ?? []).some((line) => line >= start.line && line < wait.line)) {
        problems.push(`${start.handle} (line ${start.line + 1}) is added to ${queue} but ${queue} is not flushed before the wait on line ${wait.line + 1}`);
      }
    }
  }
  for (const wait of waits) {
    if (!starts.some((start) => start.handle === wait.handle && start.line < wait.line)) problems.push(`${wait.handle} is waited on (line ${wait.line + 1}) before any start`);
    for (const output of wait.outputs) {
      const word = new RegExp(`(^|[^\\w.])${output}([^\\w]|$)`);
      const first = lines.slice(begin + 1, end).findIndex((line) => word.test(code(line)));
      if (first >= 0 && begin + 1 + first < wait.line) problems.push(`${output} is read on line ${begin + 2 + first}, before the wait that gives it (line ${wait.line + 1})`);
    }
  }
  return { starts, flushes, waits, problems };
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** The `for` loop whose body holds line `at` directly (its header is the first line above indented less): its lines [first, last], or undefined. */
export function enclosingFor(module: string, at: number): { readonly first: number; readonly last: number; readonly header: string } | undefined {
  const lines = module.split("\n");
  const own = indentOf(lines[at]);
  for (let index = at - 1; index >= 0; index--) {
    const line = lines[index];
    if (line.trim() === "" || indentOf(line) >= own) continue;
    if (!line.trimStart().startsWith("for ")) return undefined;
    const indent = indentOf(line);
    let last = index;
    while (last + 1 < lines.length && (lines[last + 1].trim() === "" || indentOf(lines[last + 1]) > indent)) last++;
    return { first: index, last, header: line.trim() };
  }
  return undefined;
}
