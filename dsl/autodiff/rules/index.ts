/**
 * The vector-Jacobian rules, one per primitive, each written once against the
 * `Emitter` interface: the same table serves the eager tape (dsl/autodiff)
 * and the compiler (compiler/autodiff/differentiate.ts).
 */
import type { VjpRuleTable } from "./rule.ts";
import { einsumRule, reduceRule, softmaxRule } from "./contraction.ts";
import { conv2dRule } from "./conv.ts";
import { dropoutRule } from "./dropout.ts";
import { binaryRule, unaryRule, whereRule } from "./elementwise.ts";
import { normalizeGradRule, normalizeRule, unaryGradRule } from "./fused.ts";
import { concatRule, gatherRule, mergeDimsRule, oneHotRule, relayoutRule, renameRule, sliceRule, splitDimRule, transposeRule } from "./shape.ts";

export { contractTo, reshapeTo, type VjpArgs, type VjpRule, type VjpRuleTable } from "./rule.ts";

/** Creation ops have no inputs: nothing to give back. */
const noInputs = () => [];

/** Every primitive's rule, by kind. */
export const vjpRules: VjpRuleTable = {
  param: noInputs,
  full: noInputs,
  iota: noInputs,
  constant: noInputs,
  random: noInputs,
  dropout: dropoutRule,
  unary: unaryRule,
  binary: binaryRule,
  where: whereRule,
  einsum: einsumRule,
  reduce: reduceRule,
  softmax: softmaxRule,
  normalize: normalizeRule,
  normalizeGrad: normalizeGradRule(() => vjpRules),
  unaryGrad: unaryGradRule(() => vjpRules),
  conv2d: conv2dRule,
  rename: renameRule,
  transpose: transposeRule,
  splitDim: splitDimRule,
  mergeDims: mergeDimsRule,
  slice: sliceRule,
  concat: concatRule,
  oneHot: oneHotRule,
  gather: gatherRule,
  relayout: relayoutRule,
};
