// Runs both programs of deep.ts compiled on the simulated mesh and prints how far they are from eager.
import { maxDifference, runSharded } from "meshtype/runtime";
import { forward2d as forwardOnDevices, forward2dMeta, step2d as stepOnDevices, step2dMeta } from "./generated/deep.js";
import { forward2d, params, state, step2d, x, y } from "./deep.js";

const forward = await runSharded(forwardOnDevices, forward2dMeta, params, x);
const step = await runSharded(stepOnDevices, step2dMeta, params, state, x, y);
console.log(JSON.stringify({ forward: maxDifference(forward.result, forward2d(params, x)), step: maxDifference(step.result, step2d(params, state, x, y)) }));
