/**
 * `dropout(x, rate, { seed, name, step? }, { training? })` -> one IR `dropout`
 * op (dsl/ops/dropout.ts): rate, seed and name known at compile time, the
 * step (a scalar tensor) a run-time input; `training: false` (or rate 0) is
 * the identity and adds no op. `block` is for generated device code only.
 */
import { checkDropoutKey, checkDropoutRate } from "../../dsl/ops/dropout.ts";
import { MeshtypeError } from "../../dsl/errors.ts";
import { frontendMessages } from "../diagnostics/frontendMessages.ts";
import type { ValueId } from "../ir/ir.ts";
import type { OpAttrs } from "../ir/opAttrs.ts";
import { numberArg, optionsArg, numberOption, stringOption, tensorArg, type OpCall } from "./opArgs.ts";
import { describeValue, type StaticValue } from "./staticValue.ts";

/** How dslOps.ts adds an op and runs a rule at the call (passed in, so this file needs nothing else of it). */
export interface DropoutEmitterHelpers {
  add(call: OpCall, attrs: OpAttrs, inputs: readonly ValueId[]): StaticValue;
  check<T>(call: OpCall, rule: () => T): T;
}

/** The emitter of `dropout` calls. */
export function dropoutEmitter(helpers: DropoutEmitterHelpers): (call: OpCall) => StaticValue {
  return (call) => {
    const x = tensorArg(call, 0);
    const rate = numberArg(call, 1);
    const key = optionsArg(call, 2);
    const seed = numberOption(call, key, "seed", 2);
    const name = stringOption(call, key, "name", 2);
    helpers.check(call, () => {
      checkDropoutKey(seed, name);
      checkDropoutRate(rate, name);
    });
    const stepValue = key.get("step");
    const step = stepValue === undefined || stepValue.kind === "undefined" ? undefined : stepArg(call, stepValue);
    const options = optionsArg(call, 3);
    const training = options.get("training");
    const fault = options.has("block")
      ? "the `block` option is for generated device code; a program's dropout draws over the whole tensor. Remove it."
      : training !== undefined && training.kind !== "boolean" && training.kind !== "undefined"
        ? "`training` must be true or false known at compile time (a program is compiled for training or for evaluation)."
        : undefined;
    if (fault !== undefined) {
      helpers.check(call, () => {
        throw new MeshtypeError("bad-option", fault);
      });
    }
    if (training?.kind === "boolean" && !training.value) return { kind: "tensor", id: x };
    if (rate === 0) return { kind: "tensor", id: x };
    return helpers.add(call, { op: "dropout", rate, seed, name }, step === undefined ? [x] : [x, step]);
  };
}

function stepArg(call: OpCall, value: StaticValue): ValueId {
  if (value.kind === "tensor" && call.ev.dimsOf(value.id).length === 0) return value.id;
  const at = call.node.getArguments()[2] ?? call.node;
  return call.ev.fail(frontendMessages.wrongArgument, { op: call.name, index: 2, expected: 'a key whose "step" is a scalar Tensor<"">', got: describeValue(value) }, at);
}
