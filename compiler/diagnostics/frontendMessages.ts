/**
 * Front-end diagnostics (MT1xxx): what the compiler says when it cannot read a
 * program binding or a model function. Each message names the thing involved
 * and each hint says what the supported subset is or how to fix the code.
 */
import type { MessageTemplate } from "./diagnostic.ts";

function entry<Args>(code: string, message: (args: Args) => string, hint: (args: Args) => string): MessageTemplate<Args> {
  return { code, message, hint };
}

const SUBSET =
  "Model code may use const/let, DSL op calls, calls to other functions, `for (let i = 0; i < N; i++)` with a static N, " +
  "if/?: on static conditions, object/array literals and arithmetic on static numbers and strings.";

/** The front end's message table. */
export const frontendMessages = {
  typeError: entry<{ text: string }>(
    "MT1000",
    (a) => `TypeScript error: ${a.text}`,
    () => "Fix the type error first: the editor shows the same error (run `npx tsc --noEmit` to list them all).",
  ),
  notExportedConst: entry<{ text: string }>(
    "MT1001",
    (a) => `program(...) is not bound to an exported const: ${a.text}`,
    () => "Bind each program to an exported const so the compiler can name it: `export const mlp8 = program(mlp, { mesh: M, layout: L });`.",
  ),
  modelNotFunction: entry<{ text: string }>(
    "MT1002",
    (a) => `The model \`${a.text}\` given to program(...) is not a function the compiler can read.`,
    () => "Pass a function declared in your project by name (a `function` declaration or a const arrow function), e.g. `program(mlp, { mesh: M, layout: L })`.",
  ),
  bindingNotStatic: entry<{ what: string; type: string }>(
    "MT1003",
    (a) => `Cannot read the ${a.what} of this program from its type \`${a.type}\`.`,
    () => "Create it with mesh({...}), dims({...}) and layout(M, D, \"...\") using literal names and sizes, so their types keep the values (no `as Mesh`, no widened `string`/`number`).",
  ),
  badLayoutSpec: entry<{ spec: string; reason: string }>(
    "MT1004",
    (a) => `The layout "${a.spec}" cannot be read: ${a.reason}`,
    () => "Write the layout as dim:axis rules separated by commas, e.g. \"batch:data, d_ff:model\".",
  ),
  unsupportedParamType: entry<{ path: string; type: string }>(
    "MT1010",
    (a) => `Parameter \`${a.path}\` has type \`${a.type}\`, which is not a tensor, an object of tensors or a tuple of tensors.`,
    () => "Type model parameters as Tensor<\"dims\">, objects whose fields are tensors, or tuples of them, e.g. `layers: [Layer, Layer]`.",
  ),
  tensorDimsNotLiteral: entry<{ path: string; type: string }>(
    "MT1011",
    (a) => `The dims of parameter \`${a.path}\` are not a string literal (its type is \`${a.type}\`).`,
    () => "Write the dims in the type, e.g. `x: Tensor<\"batch seq d_model\">`.",
  ),
  arrayLengthUnknown: entry<{ path: string; type: string }>(
    "MT1012",
    (a) => `Parameter \`${a.path}\` is an array (\`${a.type}\`) whose length the compiler cannot know.`,
    () => "Give it a tuple type with one entry per item, e.g. `layers: [Layer, Layer, Layer, Layer]`.",
  ),
  unknownParamDim: entry<{ path: string; dim: string; declared: string }>(
    "MT1013",
    (a) => `Parameter \`${a.path}\` has dim "${a.dim}", which the layout's dims({...}) does not declare (declared: ${a.declared}).`,
    () => "Declare the dim with its size in dims({...}) or fix the spelling in the parameter's Tensor<\"...\"> type.",
  ),
  badDimsString: entry<{ spec: string; reason: string }>(
    "MT1014",
    (a) => `Cannot read the dims "${a.spec}": ${a.reason}`,
    () => "A dims string is names separated by spaces, e.g. \"batch seq d_model\", each declared in dims({...}).",
  ),
  unsupportedStatement: entry<{ kind: string }>(
    "MT1020",
    (a) => `A ${a.kind} is not supported in model code.`,
    () => SUBSET,
  ),
  unsupportedExpression: entry<{ kind: string; text: string }>(
    "MT1021",
    (a) => `The ${a.kind} \`${a.text}\` is not supported in model code.`,
    () => SUBSET,
  ),
  notStatic: entry<{ what: string; text: string; got: string }>(
    "MT1022",
    (a) => `The ${a.what} \`${a.text}\` must be known at compile time, but it is ${a.got}.`,
    () => "Use literals, template literals over static strings, numbers computed from literals or D.sizes.name, or parameters of a helper called with such values.",
  ),
  unknownFunction: entry<{ text: string }>(
    "MT1023",
    (a) => `\`${a.text}\` is not a meshtype op or a function whose body the compiler can read.`,
    () => "Model code can call DSL ops, Math functions on static numbers, and functions declared with a body in your project (they are inlined per call).",
  ),
  wrongArgument: entry<{ op: string; index: number; expected: string; got: string }>(
    "MT1024",
    (a) => `Argument ${a.index + 1} of ${a.op} should be ${a.expected}, but it is ${a.got}.`,
    () => "Check the call against docs/API.md; tensors must come from parameters or other ops.",
  ),
  closureCapturesMutable: entry<{ name: string }>(
    "MT1025",
    (a) => `This function captures \`${a.name}\`, a variable declared with let that can change.`,
    () => "Pass the value as an argument, or declare it with const.",
  ),
  unknownIdentifier: entry<{ name: string }>(
    "MT1026",
    (a) => `\`${a.name}\` has no value the compiler can read here.`,
    () => "Use parameters, local variables with an initial value, module-level consts and imported functions.",
  ),
  badAssignment: entry<{ text: string; reason: string }>(
    "MT1027",
    (a) => `Cannot assign in \`${a.text}\`: ${a.reason}`,
    () => "Reassign only local variables declared with let (e.g. `x = add(x, h)`); build a new object instead of changing a field.",
  ),
  badReturn: entry<{ got: string }>(
    "MT1028",
    (a) => `The model returns ${a.got}; a model returns a tensor, or an object or array of tensors.`,
    () => "Return the result tensor, e.g. `return einsum(h, w_out, \"batch seq d_model\");` or `return { logits, loss };`.",
  ),
  recursionTooDeep: entry<{ name: string; reason: string }>(
    "MT1029",
    (a) => `${a.reason} (last: \`${a.name}\`); the compiler inlines every call, so recursion cannot be compiled.`,
    () => "Replace recursion with a `for` loop over a static count.",
  ),
  badLoop: entry<{ reason: string }>(
    "MT1030",
    (a) => `This loop cannot be compiled: ${a.reason}`,
    () => "Write loops as `for (let i = 0; i < N; i++) { ... }` with a static N; inside, use i only to index arrays of tensors (`layers[i]`) and reassign tensors declared before the loop.",
  ),
  loopCarried: entry<{ name: string; reason: string }>(
    "MT1031",
    (a) => `\`${a.name}\` is reassigned in the loop, but ${a.reason}`,
    () => "A variable reassigned in a loop body must be a tensor (or object of tensors) that keeps its dims from one iteration to the next.",
  ),
  loopIndexed: entry<{ name: string; reason: string }>(
    "MT1032",
    (a) => `\`${a.name}[i]\` cannot be read in the loop: ${a.reason}`,
    () => "Index with the loop variable only arrays whose items are tensors (or objects of tensors) with the same dims.",
  ),
  opFailed: entry<{ op: string; reason: string }>(
    "MT1033",
    // The shape rules' messages already start with the op ("einsum: ..."): say it once.
    (a) => (a.reason.startsWith(`${a.op}:`) || /^[A-Za-z][A-Za-z0-9]*: /.test(a.reason) ? a.reason : `${a.op}: ${a.reason}`),
    () => "Check the dims of the op's inputs and the dims strings against docs/API.md.",
  ),
  constantData: entry<{ reason: string }>(
    "MT1034",
    (a) => `tensor(...) cannot be compiled into a device program: ${a.reason}.`,
    () => "Write the data with numbers known at compile time (an array literal, `Array.from({ length: n }, (_, i) => ...)`, " +
      "`new Float32Array(n)`, `Float32Array.from(...)`), build the table with DSL ops (iota, sin, cos, ...), or pass the tensor as a parameter of the model.",
  ),
  indexOutOfRange: entry<{ text: string; index: string; length: number }>(
    "MT1035",
    (a) => `\`${a.text}\` reads item ${a.index} of an array of length ${a.length}.`,
    () => "Index arrays within their static length.",
  ),
  unknownProperty: entry<{ text: string; name: string; has: string }>(
    "MT1036",
    (a) => `\`${a.text}\` has no field "${a.name}" (it has: ${a.has}).`,
    () => "Read only fields that the object has; tensor methods and fields (x.dims, x.size(...)) are not available in model code.",
  ),
  opNotCompiled: entry<{ name: string }>(
    "MT1038",
    (a) => `\`${a.name}\` from meshtype's ops has no IR op: it runs eagerly, but the compiler cannot put it in a device program.`,
    () => "Write it with the ops listed in docs/API.md (einsum, element-wise, reductions, shape and index ops, relayout), or compute it outside the model and pass it in.",
  ),
  programTooLarge: entry<{ program: string; limit: string; where: string }>(
    "MT1701",
    (a) => `Program \`${a.program}\` grows past ${a.limit} IR values, the most the compiler builds for one program, ${a.where}.`,
    () =>
      "Check the loop counts and array lengths (a size typed for a count, an extra zero). A layer loop `for (let i = 0; i < N; i++) x = block(x, params.layers[i])` " +
      "stays one loop in the IR whatever N is, but every iteration is built inside valueAndGrad/grad, and every item of a parameter array is a parameter.",
  ),
  loopTooLong: entry<{ name: string; count: string; body: string; work: string; limit: string }>(
    "MT1702",
    (a) => `The loop over \`${a.name}\` runs ${a.count} times a body of ${a.body} ${a.body === "1" ? "op" : "ops"}: ${a.work} op executions per call of the program, more than the ${a.limit} the compiler accepts.`,
    () => "Check the loop's bound: a layer loop runs once per layer, and a program is one step (run it again for more steps instead of looping inside it).",
  ),
  dimSizeNotStatic: entry<{ name: string; text: string; reason: string }>(
    "MT1601",
    (a) => `dims({...}): the size of \`${a.name}\`, \`${a.text}\`, cannot be computed at compile time: ${a.reason}.`,
    () => "Give each dim a size the compiler can compute: a number literal, or arithmetic and Math functions (Math.ceil, Math.floor, ...) on numbers and consts, e.g. `capacity: Math.ceil((1.25 * tokens) / experts)`.",
  ),
  asyncFunction: entry<{ name: string; kind: string }>(
    "MT1703",
    (a) => `\`${a.name}\` is ${a.kind} function: called eagerly it returns ${a.kind === "an async" ? "a Promise" : "a generator"}, not tensors, so it cannot be compiled into a device program.`,
    () => "Write model code and its helpers as plain functions (no `async`, no `function*`): the compiler inserts the collectives a device program awaits.",
  ),
  badMeshSize: entry<{ axis: string; size: string }>(
    "MT1704",
    (a) => `Mesh axis "${a.axis}" has size ${a.size}; an axis size is a positive whole number of devices.`,
    (a) => `Give "${a.axis}" a whole number of devices of at least 1, e.g. mesh({ ${a.axis}: 2 }).`,
  ),
  badDimSize: entry<{ dim: string; size: string }>(
    "MT1705",
    (a) => `Dim "${a.dim}" has size ${a.size}; a dim size is a positive whole number.`,
    (a) => `Give "${a.dim}" a whole number of elements of at least 1 in dims({...}).`,
  ),
  noProject: entry<{ file: string; reason: string }>(
    "MT1037",
    (a) => `Cannot load the TypeScript project of ${a.file}: ${a.reason}`,
    () => "Check the tsconfig.json next to your sources (or pass files inside a folder without one to use defaults).",
  ),
  badDtype: entry<{ dtypes: string; type: string }>(
    "MT1101",
    (a) => `Cannot read the dtype of this program from its type \`${a.type}\`: it must be ${a.dtypes}.`,
    () => 'Write dtype: "bf16" (or "fp32", the default) as a literal in program(model, { mesh, layout, dtype }).',
  ),
} as const;
