/**
 * Run a short Python script (one process, no torch.distributed) with the
 * `meshtype_torch` package importable, for tests of the runtime helpers.
 */
import { spawn } from "node:child_process";
import { torchRuntimeDir } from "../../backend/torch/runtimeFiles.ts";
import { torchPython } from "./torchEnv.ts";

/** Run `script` with `args`; resolves with its stdout, rejects with its stderr when it fails or runs past `timeoutMs`. */
export function runPythonScript(script: string, args: readonly string[] = [], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(torchPython, ["-c", script, ...args], { env: { ...process.env, PYTHONPATH: torchRuntimeDir }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`python script timed out after ${timeoutMs / 1000} s; stderr:\n${stderr.slice(-3000)}`));
    }, timeoutMs);
    child.on("error", (error) => reject(error));
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`python script failed (exit ${code}); stderr:\n${stderr.slice(-3000)}`));
    });
  });
}
