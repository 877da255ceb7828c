/**
 * One example per diagnostic code, for docs/diagnostics.md: a model file
 * that gives the code when compiled, a `meshtype` command line that gives it,
 * or (where no small user program reaches it) the situation in words with
 * sample values for the message. diagnosticsDoc.ts runs every model and
 * command example, so the page shows what the compiler really prints; its
 * test fails when a code of the catalog has no example here, or when an
 * example no longer gives its code.
 */

/** How the page shows one code. */
export type DiagnosticExample =
  /** `body` follows the common header below (imports, D, M, L) in a file model.ts, unless `source` replaces the whole file. */
  | { readonly kind: "model"; readonly body?: string; readonly source?: string; readonly typeCheck?: boolean }
  /** Run from the repository root (as `meshtype ...`). */
  | { readonly kind: "command"; readonly argv: readonly string[] }
  /** Not reached by a small program: what leads to it, and sample values for its message. */
  | { readonly kind: "described"; readonly when: string; readonly args: Readonly<Record<string, unknown>> };

/** The first lines of every model example that has a `body`. */
export const exampleHeader = `import { add, conv2d, dims, einsum, exp, grad, layout, mesh, mul, program, relayout, relu, sum, tensor, valueAndGrad, type Tensor } from "meshtype";

const D = dims({ batch: 4, d_model: 8, d_ff: 16 });
const M = mesh({ data: 2, model: 2 });
const L = layout(M, D, "batch:data, d_ff:model");
`;

const x = `x: Tensor<"batch d_model">`;
/** A model `f(params) { body }` bound as `p`. */
const fn = (params: string, body: string): string => `export function f(${params}) {\n${body}\n}\nexport const p = program(f, { mesh: M, layout: L });\n`;
const model = (body: string, typeCheck = false): DiagnosticExample => ({ kind: "model", body, typeCheck });
const whole = (source: string): DiagnosticExample => ({ kind: "model", source });
const command = (...argv: string[]): DiagnosticExample => ({ kind: "command", argv });

/** A model with a layer loop over `layers`, bound with the pipeline option `option` (a mesh pipe=2 x data=2). */
const pipeModel = (option: string, body = "  let y = x;\n  for (let i = 0; i < 2; i++) y = mul(y, layers[i]!);\n  return y;", dimsLine = ""): DiagnosticExample => model(
  `${dimsLine}const MP = mesh({ pipe: 2, data: 2 });\nconst LP = layout(MP, ${dimsLine === "" ? "D" : "D2"}, "${dimsLine === "" ? "batch:data" : "rows:data"}");\n` +
    `export function f(x: Tensor<"${dimsLine === "" ? "batch" : "rows"} d_model">, layers: readonly Tensor<"d_model">[]) {\n${body}\n}\n` +
    `export const p = program(f, { mesh: MP, layout: LP, pipeline: ${option} });\n`,
);

/** The example of each code. */
export const diagnosticExamples: Readonly<Record<string, DiagnosticExample>> = {
  MT1000: model(fn(x, `  const n: number = "one";\n  return relu(x);`), true),
  MT1001: model(`${fn(x, "  return x;")}const q = program(f, { mesh: M, layout: L });\n`),
  MT1002: model(`${fn(x, "  return x;")}const models = [f];\nexport const q = program(models[0]!, { mesh: M, layout: L });\n`),
  MT1003: model(`${fn(x, "  return x;")}declare const wide: import("meshtype").Layout;\nexport const q = program(f, { mesh: M, layout: wide });\n`),
  MT1004: model(`${fn(x, "  return x;")}const bad = layout(M, D, "batch:data, oops");\nexport const q = program(f, { mesh: M, layout: bad });\n`),
  MT1010: model(fn(`${x}, n: number`, "  return mul(x, n);")),
  MT1011: model(fn("x: Tensor<string>", "  return x;")),
  MT1012: model(fn(`${x}, ws: readonly Tensor<"batch d_model">[]`, "  return x;")),
  MT1013: model(fn(`x: Tensor<"batch nope">`, "  return x;")),
  MT1014: model(fn(`x: Tensor<"batch batch">`, "  return x;")),
  MT1020: model(fn(x, "  while (false) {}\n  return x;")),
  MT1021: model(fn(x, "  const seen = new Map();\n  return x;")),
  MT1022: model(fn(x, "  if (x) return relu(x);\n  return x;")),
  MT1023: model(fn(x, "  console.log(x);\n  return x;")),
  MT1024: model(fn(x, "  return add(x, relu(3 as never));")),
  MT1025: model(fn(x, "  let scale = 2;\n  const g = (t: Tensor<\"batch d_model\">) => mul(t, scale);\n  return g(x);")),
  MT1026: model(`declare const ext: number;\n${fn(x, "  return mul(x, ext);")}`),
  MT1027: model(fn(x, "  const o = { a: x };\n  o.a = relu(x);\n  return o.a;")),
  MT1028: model(fn(x, "  return 3;")),
  MT1029: model(`function g(t: Tensor<"batch d_model">): Tensor<"batch d_model"> {\n  return g(t);\n}\n${fn(x, "  return g(x);")}`),
  MT1030: model(fn(x, "  let y = x;\n  for (let i = 0; i < 4; i += 2) y = relu(y);\n  return y;")),
  MT1031: model(fn(x, "  let n = 1;\n  for (let i = 0; i < 2; i++) n += 1;\n  return mul(x, n);")),
  MT1032: model(fn(x, "  const names = [\"a\", \"b\"];\n  let y = x;\n  for (let i = 0; i < 2; i++) y = add(y, names[i] as never);\n  return y;")),
  MT1033: model(fn(`${x}, w: Tensor<"d_model d_ff">`, "  return einsum(x, w, \"batch nope\" as never);")),
  MT1034: model(fn(x, "  return add(x, tensor(D, \"d_model\", new Float32Array(7)));")),
  MT1035: model(fn(`${x}, ws: [Tensor<"batch d_model">, Tensor<"batch d_model">]`, "  return add(x, ws[5] as never);")),
  MT1036: model(fn(x, "  const n = x.dims;\n  return x;")),
  MT1037: {
    kind: "described",
    when: "The tsconfig.json found above the file cannot be loaded (here: it is not valid JSON).",
    args: { file: "src/tsconfig.json", reason: "error TS5092: The root value of a 'tsconfig.json' file must be an object." },
  },
  MT1038: model(`import { reduceDims } from "meshtype";\n${fn(x, "  const d = reduceDims([], \"\");\n  return x;")}`),
  MT1801: pipeModel('{ axis: "pipe" as string, microbatches: 2, schedule: "1f1b" }'),
  MT1802: pipeModel('{ axis: "pip", microbatches: 2, schedule: "1f1b" }'),
  MT1803: pipeModel('{ axis: "pipe", microbatches: 2, schedule: "1f1b" }', undefined, 'const D2 = dims({ rows: 4, d_model: 8 });\n'),
  MT3801: pipeModel('{ axis: "pipe", microbatches: 2, schedule: "1f1b" }', "  return mul(x, layers[0]!);"),
  MT3802: pipeModel('{ axis: "pipe", microbatches: 2, schedule: "gpipe", stages: [1, 2] }'),
  MT3803: {
    kind: "described",
    when: "A pipelined training step whose optimizer update reads a forward value of the batch (here the loss), which exists per micro-batch only.",
    args: { value: "`loss`" },
  },
  MT3805: {
    kind: "described",
    when: "A layer loop that reads params.layers in an order that sends one stage two separate runs of iterations (layers 0, 2, 1 on a cut of [2, 1]).",
    args: { stage: "0" },
  },
  MT9801: command("simulate", "examples/pipeline/gptPipeline.ts", "--program", "gptPipe2"),
  MT1101: model(`${fn(x, "  return x;")}export const q = program(f, { mesh: M, layout: L, dtype: "fp16" as never });\n`),
  MT1701: model(fn(`${x}, ws: readonly Tensor<"batch d_model">[]`, "  return add(x, ws[999999999]!);")),
  MT1601: whole(`import { dims, layout, mesh, program, type Tensor } from "meshtype";

declare function guessCapacity(): number;
const D = dims({ batch: 4, experts: 4, capacity: guessCapacity() });
const M = mesh({ data: 2 });
const L = layout(M, D, "batch:data");
export function f(x: Tensor<"batch experts capacity">) {
  return x;
}
export const p = program(f, { mesh: M, layout: L });
`),
  MT1702: model(fn(x, "  let y = x;\n  for (let i = 0; i < 20000000; i++) y = relu(y);\n  return y;")),
  MT1704: model(`${fn(x, "  return x;").replace("{ mesh: M, layout: L }", "{ mesh: M2, layout: L2 }")}const M2 = mesh({ data: -1 });\nconst L2 = layout(M2, D, "batch:data");\n`),
  MT1705: model(`${fn(x, "  return x;").replace("{ mesh: M, layout: L }", "{ mesh: M, layout: L2 }")}const L2 = layout(M, dims({ batch: 2.5, d_model: 8 }), "d_model:model");\n`),
  MT1703: model(`async function g(t: Tensor<"batch d_model">) {\n  return relu(t);\n}\n${fn(x, "  return g(x) as never;")}`),
  MT2001: whole(`import { dims, einsum, layout, mesh, program, type Tensor } from "meshtype";

const D = dims({ batch: 4, d_model: 8, d_ff: 16 });
const M = mesh({ data: 2 });
const L = layout(M, D, "batch:data, d_ff:data");

export function f(x: Tensor<"batch d_model">, w: Tensor<"d_model d_ff">) {
  return einsum(x, w, "batch d_ff");
}
export const p = program(f, { mesh: M, layout: L });
`),
  MT2002: whole(`import { dims, layout, mesh, program, relu, type Tensor } from "meshtype";

const D = dims({ batch: 4, d_model: 8 });
const M = mesh({ data: 3 });
const L = layout(M, D, "batch:data");

export function f(x: Tensor<"batch d_model">) {
  return relu(x);
}
export const p = program(f, { mesh: M, layout: L });
`),
  MT2003: model(fn(x, "  return relu(relayout(x, \"d_model:modle\" as never));")),
  MT2004: {
    kind: "described",
    when: "A relayout rule names a dim that the value does not have, in a program built with the IR builder. From user code the same mistake is caught at the relayout call, as MT1033.",
    args: { spec: "d_ff:model", dim: "d_ff", value: "`x` [batch=4 d_model=8]" },
  },
  MT3001: whole(`import { dims, layout, mesh, mul, program, relayout, type Tensor } from "meshtype";

const D = dims({ a: 4, b: 8 });
const M = mesh({ model: 4 });
const L = layout(M, D, "");

export function f(x: Tensor<"a b">, y: Tensor<"b">) {
  return mul(relayout(x, "a:model"), relayout(y, "b:model"));
}
export const p = program(f, { mesh: M, layout: L });
`),
  MT3002: whole(`import { conv2d, dims, layout, mesh, program, type Tensor } from "meshtype";

const D = dims({ height: 4, width: 4, c: 1, o: 1, kh: 1, kw: 5 });
const M = mesh({ model: 4 });
const L = layout(M, D, "width:model");

export function f(x: Tensor<"height width c">, k: Tensor<"kh kw c o">) {
  return conv2d(x, k, { height: "height", width: "width", kernelHeight: "kh", kernelWidth: "kw", in: "c", out: "o", padding: { height: "same", width: "same" } });
}
export const p = program(f, { mesh: M, layout: L });
`),
  MT4001: model(fn(`${x}, w: Tensor<"d_model d_ff">`, "  return grad(3 as never)(w, x);")),
  MT4002: model(fn(x, "  return grad((n: number, v: Tensor<\"batch d_model\">) => sum(mul(v, n), \"batch d_model\"))(2, x);")),
  MT4003: model(fn(`${x}, w: Tensor<"d_model d_ff">`, "  return valueAndGrad((v: Tensor<\"d_model d_ff\">) => relu(v) as never)(w);")),
  MT4401: model(`import { checkpoint } from "meshtype";\n${fn(x, "  return checkpoint(2 as never)(x);")}`),
  MT4004: {
    kind: "described",
    when: "A program built without the front end (with the IR builder) keeps a loop between the parameters and the loss; the front end unrolls the loops inside valueAndGrad and grad, so user code does not reach it.",
    args: { what: "a loop of 2 iterations (differentiate the unrolled body instead)" },
  },
  MT5201: whole(`import { add, dims, exp, layout, mesh, program, relayout, type Tensor } from "meshtype";

const D = dims({ batch: 4, d_in: 4 });
const M = mesh({ data: 2 });
const L = layout(M, D, "auto");

export function f(x: Tensor<"batch d_in">) {
  return add(relayout(x, "batch:data"), relayout(exp(x), "d_in:data"));
}
export const p = program(f, { mesh: M, layout: L });
`),
  MT5101: {
    kind: "described",
    when: "`meshtype simulate` is given a cluster with fewer devices than the program's mesh: a cluster file with too few nodes, or `--nodes` too small.",
    args: { program: "gpt175Train", reason: "the mesh has 1024 devices and the cluster 64 (8 nodes of 8)" },
  },
  MT5102: {
    kind: "described",
    when: "A warning in the `meshtype simulate` report: the program's peak memory per device exceeds the device's memory (the report still gives the step time).",
    args: { program: "gpt175Train", peak: "647.42 GB", capacity: "80.00 GB", holders: "state.v.unembedding.w (optimizer state, 2.52 GB), ..." },
  },
  MT5103: {
    kind: "described",
    when: "A warning in the `meshtype simulate --profile` report: the profile database has entries, but none for the cluster's device and the program's dtype.",
    args: { device: "A100-SXM4-80GB", dtype: "fp32", has: "cpu (fp32)" },
  },
  MT5202: {
    kind: "described",
    when: "The `optimize` strategy (the planner's ILP) finds no sharding of the program that meets its layout's rules and the per-device memory limit, e.g. a limit smaller than the parameters split over every device.",
    args: { program: "gptTrain", layout: "auto", limit: "a limit of 1000 bytes per device", reason: "no plan fits in 1000 bytes per device (HiGHS status 8)" },
  },
  MT5203: {
    kind: "described",
    when: "`meshtype plan` (the optimize strategy) starts from a partial layout that puts a dim over two mesh axes or pads it, e.g. \"batch:(data, model), auto\".",
    args: { program: "gptTrain", dim: "batch", layout: "batch:(data, model), auto" },
  },
  MT6701: {
    kind: "described",
    when: "`meshtype build --target torch` meets an einsum whose inputs and output name more than 52 distinct dims.",
    args: { count: 53, dims: "d0, d1, ..., d52" },
  },
  MT9201: command("plan", "examples/mlp/mlp.ts"),
  MT9202: command("plan", "examples/mlp/mlp.ts", "-p", "mlpData", "--nodes", "1", "--devices", "16"),
  MT9203: {
    kind: "described",
    when: "`meshtype plan --write` meets a binding whose layout is not a `layout(mesh, D, \"...\")` call or a const holding one (for example a layout passed in from a function), so it cannot tell the dims to write.",
    args: { file: "model.ts", program: "p", reason: "the layout of \"p\" is not a layout(mesh, D, \"...\") call or a const holding one, so the plan cannot tell its dims" },
  },
  MT9204: command("plan", "examples/mlp/mlp.ts", "examples/gpt/gpt.ts"),
  MT9205: command("plan", "examples/mlp/mlp.ts", "-p", "mlpData", "--memory", "lots"),
  MT9001: command("biuld", "examples/mlp/mlp.ts"),
  MT9002: command("build"),
  MT9003: command("build", "no/such/model.ts"),
  MT9004: command("explain", "examples/mlp/mlp.ts", "--jsn"),
  MT9005: command("explain", "examples/mlp/mlp.ts", "--program"),
  MT9006: command("explain", "examples/mlp/mlp.ts", "--program", "mlp8", "--no-typecheck"),
  MT9007: command("build", "stdlib/dense.ts", "--no-typecheck"),
  MT9008: command("build", "examples/mlp/mlp.ts", "-o", "package.json/out", "--no-typecheck"),
  MT9009: command("build", "examples/mlp/mlp.ts", "--target", "jax"),
  MT9401: command("train", "examples/train/gptTrain.ts", "--program", "gptTrainData", "--no-typecheck"),
  MT9402: command("train", "examples/mlp/mlp.ts", "--program", "mlpData", "--data", "package.json", "--init-seed", "0", "--no-typecheck"),
  MT9403: {
    kind: "described",
    when: "`meshtype train` runs torchrun with a Python that cannot import torch (or that does not exist).",
    args: { python: "/usr/bin/python3", reason: "No module named 'torch'." },
  },
  MT9404: {
    kind: "described",
    when: "The training processes exit with an error (a Python traceback, a missing data file, a checkpoint of another model).",
    args: { code: "1", command: "python3 -m torch.distributed.run --standalone --nproc_per_node=4 ... --train --data tokens.npy" },
  },
  MT9101: command("simulate", "examples/mlp/mlp.ts", "--cluster", "tpu-v4", "--no-typecheck"),
  MT9102: {
    kind: "described",
    when: "`meshtype simulate --cluster FILE.json` names a file that is not valid JSON or misses a figure.",
    args: { file: "my-cluster.json", reason: "my-cluster.json: interNode.efficiency must be a positive number. Fix that figure (units: bytes, bytes/s, FLOP/s, seconds)." },
  },
  MT9103: command("simulate", "examples/mlp/mlp.ts", "--nodes", "two", "--no-typecheck"),
  MT9104: command("simulate", "examples/mlp/mlp.ts", "--kernels", "xla", "--no-typecheck"),
  MT9105: command("simulate", "examples/mlp/mlp.ts", "--profile", "package.json", "--no-typecheck"),
  MT9106: {
    kind: "described",
    when: "`meshtype profile` cannot run torch: the Python it uses ($MESHTYPE_PYTHON or /usr/bin/python3) is missing, cannot import torch, or has no GPU for --device cuda.",
    args: { command: "/usr/bin/python3 -c <script>", reason: "exit code 1" },
  },
  MT9107: command("simulate", "examples/mlp/mlp.ts", "--svg", "timeline.svg", "--no-typecheck"),
  MT9504: command("gather", "examples/mlp/mlp.ts", "-p", "mlpMegatron", "--outputs", "no/such/run", "--no-typecheck"),
  MT9505: {
    kind: "described",
    when: "A rank's file under --outputs has another shape than that rank's part of the result (the files come from another build of the model, or another layout).",
    args: { file: "out/mlpMegatron/result.rank0.npy", shape: "8, 4, 32", expected: "[batch=8 seq=4 d_model=16]" },
  },
  MT9506: {
    kind: "described",
    when: "Two ranks that hold the same block of a result leaf (replicas) wrote different values, e.g. files left in the --outputs folder by an earlier run.",
    args: { leaf: "result", reason: "Gather tensor \"result\" [batch=8, seq=4, d_model=16]: devices 0 and 1 should hold the same replica under sharding { model: replicated }, but differ first at [batch=0, seq=0, d_model=0]: device 0 has 0.25, device 1 has 0.5. ..." },
  },
  MT9501: command("explain", "examples/mlp/mlp.ts", "--json=yes"),
  MT9502: command("build", "examples/mlp/mlp.ts", "-o", "out", "--out", "dist"),
  MT9503: {
    kind: "described",
    when: "A file or other operand is given to a command that takes none.",
    args: { command: "status", operand: "model.ts" },
  },
};
