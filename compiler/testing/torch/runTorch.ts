/**
 * Run lowered programs for real: emit their torch module, write every
 * program's global inputs as .npy (`<dir>/in/<program>/<param path>.npy`),
 * start `python -m torch.distributed.run` with one gloo process per device on
 * 127.0.0.1, and read back each rank's local result. All programs run in one
 * launch (they must share the device count), so the cost of starting torch is
 * paid once.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Tensor } from "../../../dsl/tensor.ts";
import { torchBuildFiles, torchModuleFileName } from "../../backend/torch/runtimeFiles.ts";
import { programMeta, type MetaTree } from "../../backend/ts/meta.ts";
import type { Program } from "../../ir/ir.ts";
import type { Args } from "../harness.ts";
import type { TensorTree } from "../interpret.ts";
import { readNpy, writeNpy } from "./npy.ts";
import { torchPython } from "./torchEnv.ts";

/** One program to run and its global inputs. */
export interface TorchCase {
  readonly program: Program;
  readonly args: Args;
}

/** What a launch gave back: per program name, every rank's local result tree (index = rank), and the launcher's output. */
export interface TorchRun {
  readonly ranks: ReadonlyMap<string, readonly TensorTree[]>;
  readonly log: string;
  readonly seconds: number;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function leaves(tree: MetaTree, treePath: string, visit: (leafPath: string, leaf: Extract<MetaTree, { kind: "tensor" }>) => unknown): unknown {
  switch (tree.kind) {
    case "tensor":
      return visit(treePath, tree);
    case "array":
      return tree.items.map((item, index) => leaves(item, `${treePath}.${index}`, visit));
    case "object":
      return Object.fromEntries(Object.entries(tree.fields).map(([field, item]) => [field, leaves(item, `${treePath}.${field}`, visit)]));
  }
}

function leafOf(tree: TensorTree, segments: readonly string[]): Tensor<string> {
  let node: TensorTree = tree;
  for (const segment of segments) node = (node as Record<string, TensorTree>)[segment];
  if (!(node instanceof Tensor)) throw new Error(`runTorch: no tensor at ${segments.join(".")}`);
  return node;
}

/** Write the global inputs of one case as `<folder>/<param leaf path>.npy` (what the launcher's --inputs reads). */
export function writeInputs(folder: string, { program, args }: TorchCase): void {
  fs.mkdirSync(folder, { recursive: true });
  for (const param of programMeta(program).params) {
    const arg = args.find((entry) => entry.name === param.name);
    if (!arg) throw new Error(`runTorch: no input for param "${param.name}" of "${program.name}"`);
    leaves(param.tree, param.name, (leafPath) => {
      const tensor = leafOf(arg.tree, leafPath.split(".").slice(1));
      writeNpy(path.join(folder, `${leafPath}.npy`), tensor.shape, tensor.data);
    });
  }
}

/** Read every rank's local result of `program` from `<folder>/result[.<path>].rank<r>.npy` (what --outputs wrote). */
export function readRanks(folder: string, program: Program, devices: number): TensorTree[] {
  const meta = programMeta(program);
  return Array.from({ length: devices }, (_, rank) => leaves(meta.result, "result", (leafPath, leaf) => {
    const { shape, data } = readNpy(path.join(folder, `${leafPath}.rank${rank}.npy`));
    return new Tensor(leaf.dims.map((dim, index) => ({ name: dim.name, size: shape[index] })), data, leafPath);
  }) as TensorTree);
}

/**
 * The arguments of `python -m torch.distributed.run` for `nproc` local processes on 127.0.0.1:`port`
 * (torch 1.13 on Python 3.11 needs --redirects/--tee; see docs/torch.md), before the module and its own arguments.
 */
export function torchrunArgs(nproc: number, port: number, logDir: string): string[] {
  return [
    "-m", "torch.distributed.run", `--nproc_per_node=${nproc}`, "--master_addr=127.0.0.1", `--master_port=${port}`,
    "--redirects=1", "--tee=1", `--log_dir=${logDir}`,
  ];
}

/** Start `torchPython args` in `cwd` (on PYTHONPATH) and wait; its output, or a rejection with it when it fails or runs past `timeoutMs`. */
export function launch(args: readonly string[], cwd: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(torchPython, args, { cwd, detached: true, env: { ...process.env, PYTHONPATH: cwd }, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout.on("data", (chunk: Buffer) => (log += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      reject(new Error(`torch run timed out after ${timeoutMs / 1000} s (killed); its output:\n${log.slice(-4000)}`));
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`could not start ${torchPython}: ${error.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(log);
      else reject(new Error(`torch run failed (exit ${code}); its output:\n${log.slice(-6000)}`));
    });
  });
}

/** Options of `runTorchPrograms`. */
export interface RunTorchOptions {
  /** Kill the launch after this long (default 300 s). */
  readonly timeoutMs?: number;
  /** Keep the work folder (inputs, module, outputs, logs) and say where in the log; default false. */
  readonly keep?: boolean;
}

/**
 * Emit one module for every case's lowered program, launch it with one
 * process per device (all programs must have the same device count), and
 * return each rank's local result.
 */
export async function runTorchPrograms(cases: readonly TorchCase[], options: RunTorchOptions = {}): Promise<TorchRun> {
  const devices = new Set(cases.map(({ program }) => program.mesh.reduce((product, axis) => product * axis.size, 1)));
  if (devices.size !== 1) throw new Error(`runTorchPrograms: the programs need ${[...devices].join(" and ")} devices; one launch runs one device count`);
  const [nproc] = [...devices];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "meshtype-torch-"));
  try {
    const sourceFile = "torch-test.ts";
    for (const file of torchBuildFiles(cases.map(({ program }) => program), { sourceFile })) {
      fs.mkdirSync(path.dirname(path.join(work, file.path)), { recursive: true });
      fs.writeFileSync(path.join(work, file.path), file.text);
    }
    for (const testCase of cases) writeInputs(path.join(work, "in", testCase.program.name), testCase);
    const port = await freePort();
    const started = Date.now();
    // --redirects 1 --tee 1: torch 1.13's launcher reads its default "0" as None on Python 3.11 and crashes.
    const log = await launch([
      ...torchrunArgs(nproc, port, path.join(work, "logs")),
      torchModuleFileName(sourceFile), "--inputs=in", "--outputs=out", "--backend=gloo",
    ], work, options.timeoutMs ?? 300_000);
    const seconds = (Date.now() - started) / 1000;
    const ranks = new Map(cases.map(({ program }) => [program.name, readRanks(path.join(work, "out", program.name), program, nproc)]));
    return { ranks, log: options.keep ? `${log}\n(work folder kept: ${work})` : log, seconds };
  } finally {
    if (!options.keep) fs.rmSync(work, { recursive: true, force: true });
  }
}
