// Reverse-mode autodiff: grad/valueAndGrad (eager tape), the VJP rules and the emitter interface they are written against.
export { checkpoint, grad, valueAndGrad, type Gradients, type Scalar, type ValueAndGrad } from "./grad.ts";
export type { Emitter } from "./emitter.ts";
export type { Primitive, PrimitiveKind, PrimitiveOf, UnaryFn, BinaryFn, ReduceFn, ScalarOperand } from "./primitive.ts";
export { vjpRules, reshapeTo, contractTo, type VjpArgs, type VjpRule, type VjpRuleTable } from "./rules/index.ts";
export { backward, type Recorded, type BackwardRequest } from "./backward.ts";
export { recordOp, type OpRecorder } from "./recorder.ts";
