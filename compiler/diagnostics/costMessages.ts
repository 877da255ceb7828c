/**
 * Diagnostics of the cost model and the simulator (MT51xx) and of their
 * commands, `meshtype simulate` and `meshtype profile` (MT91xx).
 */
import type { MessageTemplate } from "./diagnostic.ts";

function entry<Args>(code: string, message: (args: Args) => string, hint: (args: Args) => string): MessageTemplate<Args> {
  return { code, message, hint };
}

/** The cost model's and simulator's message table. */
export const costMessages = {
  meshDoesNotFit: entry<{ program: string; reason: string }>(
    "MT5101",
    (a) => `Program "${a.program}" does not fit the cluster: ${a.reason}.`,
    () => "Give the cluster more nodes (`--nodes N`, or `cluster(\"a100\", { nodes: N })`), or bind the program to a smaller mesh.",
  ),
  overMemory: entry<{ program: string; peak: string; capacity: string; holders: string }>(
    "MT5102",
    (a) => `Program "${a.program}" needs ${a.peak} per device at its peak, more than the device's ${a.capacity}; the largest holders: ${a.holders}.`,
    () => "Split the largest holders over more devices (a layout rule for their dims, weightUpdateSharding for optimizer state), use bf16, or recompute activations.",
  ),
  profileNoEntries: entry<{ device: string; dtype: string; has: string }>(
    "MT5103",
    (a) => `The profile database has no entries for device "${a.device}" in ${a.dtype} (it has: ${a.has}); the cost model prices every op.`,
    () => "Profile on the cluster's device (`meshtype profile ... --device cuda --as <device name>`), or simulate on a cluster whose device.name is the profile's.",
  ),
} as const;

/** The simulate and profile commands' message table. */
export const costCliMessages = {
  unknownCluster: entry<{ cluster: string; presets: string }>(
    "MT9101",
    (a) => `"${a.cluster}" is neither a cluster preset (${a.presets}) nor a readable JSON file.`,
    () => "Name a preset, e.g. `--cluster a100 --nodes 4`, or a JSON file of the shape docs/simulate.md describes.",
  ),
  badClusterFile: entry<{ file: string; reason: string }>(
    "MT9102",
    (a) => `Cannot use the cluster in "${a.file}": ${a.reason}`,
    () => "A cluster file is { \"preset\": \"a100\", \"nodes\": 4 } or a whole description with every figure (docs/simulate.md).",
  ),
  badNumber: entry<{ option: string; value: string }>(
    "MT9103",
    (a) => `Option ${a.option} needs a positive integer, not "${a.value}".`,
    (a) => `Write it as \`${a.option} 4\`.`,
  ),
  badChoice: entry<{ option: string; value: string; known: string }>(
    "MT9104",
    (a) => `Option ${a.option} cannot be "${a.value}" (choices: ${a.known}).`,
    (a) => `Use one of: ${a.known}.`,
  ),
  badProfileFile: entry<{ file: string; reason: string }>(
    "MT9105",
    (a) => `Cannot use the profile database "${a.file}": ${a.reason}`,
    () => "Write it with `meshtype profile <file.ts> --program NAME --out profile.json`.",
  ),
  profileRunFailed: entry<{ command: string; reason: string }>(
    "MT9106",
    (a) => `Profiling with torch failed (${a.command}): ${a.reason}`,
    () => "Check that /usr/bin/python3 can `import torch` (or set MESHTYPE_PYTHON to a Python that can), and for --device cuda that a GPU is visible.",
  ),
  needsProgram: entry<{ command: string; known: string }>(
    "MT9107",
    (a) => `\`meshtype ${a.command}\` works on one program; the files have several (${a.known}).`,
    (a) => `Name it with --program, e.g. \`--program ${a.known.split(", ")[0]}\`.`,
  ),
} as const;
