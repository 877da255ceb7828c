/**
 * Autodiff diagnostics (MT4xxx): `grad(f)(params, ...)` and
 * `valueAndGrad(f)(params, ...)` in model code that the compiler cannot
 * differentiate. Each message names the call or the op; each hint says what is supported.
 */
import type { MessageTemplate } from "./diagnostic.ts";

function entry<Args>(code: string, message: (args: Args) => string, hint: (args: Args) => string): MessageTemplate<Args> {
  return { code, message, hint };
}

/** The autodiff message table. */
export const autodiffMessages = {
  gradNotFunction: entry<{ call: string; got: string }>(
    "MT4001",
    (a) => `${a.call} takes a function of model code, but got ${a.got}.`,
    () => "Pass a loss function declared in your project: `valueAndGrad(loss)(params, batch)`, with `function loss(params: Params, batch: Batch): Tensor<\"\">`.",
  ),
  checkpointNotFunction: entry<{ got: string }>(
    "MT4401",
    (a) => `checkpoint(...) takes a function of model code (the block to recompute in the backward), but got ${a.got}.`,
    () => "Pass a function declared in your project: `const block = checkpoint(transformerLayer);` then call `block(x, params.layers[i])`.",
  ),
  gradParams: entry<{ call: string; reason: string }>(
    "MT4002",
    (a) => `${a.call}: its first argument is what gets differentiated, but ${a.reason}.`,
    () => "Pass the parameters first, as a tensor or an object/array of tensors with each tensor once; pass the batch and any numbers as later arguments.",
  ),
  gradNotScalar: entry<{ call: string; got: string }>(
    "MT4003",
    (a) => `The function given to ${a.call} must return a scalar tensor (dims ""), but it returns ${a.got}.`,
    () => "Reduce the loss to a scalar first, e.g. `mean(loss, \"batch seq\")` or `sum(loss, \"batch\")`.",
  ),
  gradUnsupported: entry<{ what: string }>(
    "MT4004",
    (a) => `grad cannot differentiate through ${a.what}.`,
    () => "Differentiate a loss made of the DSL's ops (einsum, element-wise ops, reductions, softmax, shape ops, slice/concat, oneHot/gather, relayout).",
  ),
};
