/**
 * Where the torch tests find Python with torch: `/usr/bin/python3` (Debian's
 * python3-torch), or `MESHTYPE_PYTHON`. A missing torch is a loud failure
 * unless `MESHTYPE_SKIP_TORCH=1` says to skip (then the skip is printed).
 */
import { spawnSync } from "node:child_process";

/** The Python that runs the torch tests. */
export const torchPython: string = process.env.MESHTYPE_PYTHON ?? "/usr/bin/python3";

/** How to install what the torch tests need (said in every message about it). */
export const installHint = "Install it with `apt-get update && apt-get install -y python3-torch` (Debian; PyTorch 1.13 on CPU), or point MESHTYPE_PYTHON at a Python with torch and numpy. To skip these tests on purpose, set MESHTYPE_SKIP_TORCH=1.";

/** What probing Python found. */
export type TorchProbe =
  | { readonly ok: true; readonly python: string; readonly version: string }
  | { readonly ok: false; readonly python: string; readonly reason: string };

/** Ask `python` for torch and numpy (one short process). */
export function probeTorch(python: string = torchPython): TorchProbe {
  const run = spawnSync(python, ["-c", "import numpy, torch, torch.distributed as d; print(torch.__version__, d.is_available() and d.is_gloo_available())"], {
    encoding: "utf8",
    timeout: 120_000,
  });
  if (run.error) return { ok: false, python, reason: `${python} could not be started (${run.error.message}). ${installHint}` };
  if (run.status !== 0) {
    const last = run.stderr.trim().split("\n").pop() ?? "";
    return { ok: false, python, reason: `${python} cannot import torch and numpy: ${last}. ${installHint}` };
  }
  const [version, gloo] = run.stdout.trim().split(" ");
  if (gloo !== "True") return { ok: false, python, reason: `torch ${version} at ${python} has no gloo backend for torch.distributed. ${installHint}` };
  return { ok: true, python, version };
}

/** True when the user asked to skip the torch tests. */
export const skipTorch: boolean = process.env.MESHTYPE_SKIP_TORCH === "1";
