/**
 * The editor's text for the mistakes of code generic over its dims, pinned:
 * type-tests/fixtures/genericErrors.ts is checked with the native TypeScript 7
 * compiler (fast; tsd runs the other type tests), and each error is compared
 * in full. tsd only proves that bad code fails; this proves what the user reads.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);

/** Each error of the fixture as `line: text` (the text's lines joined with " | "). */
async function fixtureErrors(): Promise<string[]> {
  const tsc = "node_modules/typescript7/bin/tsc";
  const { stdout } = await run(process.execPath, [tsc, "-p", "type-tests/fixtures/tsconfig.json", "--pretty", "false"], { cwd: root }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }),
  );
  const errors: string[] = [];
  for (const line of stdout.split("\n")) {
    const head = /^type-tests\/fixtures\/genericErrors\.ts\((\d+),\d+\): error (TS\d+): (.*)$/.exec(line);
    if (head) errors.push(`${head[1]}: ${head[2]} ${head[3]}`);
    else if (line.trim() !== "" && errors.length > 0) errors[errors.length - 1] += ` | ${line.trim()}`;
  }
  return errors;
}

it("pins the messages of generic helpers and of the broadcast rule (TypeScript 7)", async () => {
  expect(await fixtureErrors()).toEqual([
    // a reduction over a dim that an unconstrained X need not have: the check the editor names asks for X's dims
    `8: TS2769 No overload matches this call. | The last overload gave the following error. | Argument of type '"d_model"' is not assignable to parameter of type 'ValidateDimsOf<"mean", "d_model", X>'.`,
    // a generic helper called with a tensor that lacks the constrained dim: the constraint is named
    `14: TS2345 Argument of type 'Tensor<"batch seq d_ff">' is not assignable to parameter of type 'Tensor<HasDim<"d_model">>'. | Type '"batch seq d_ff"' is not assignable to type 'HasDim<"d_model">'.`,
    // a result that does not keep x's dims is not Tensor<X>
    `17: TS2322 Type 'Tensor<ReduceDims<X, "d_model">>' is not assignable to type 'Tensor<X>'. | Type 'ReduceDims<X, "d_model">' is not assignable to type 'X'. | 'X' could be instantiated with an arbitrary type which could be unrelated to 'ReduceDims<X, "d_model">'.`,
    // issue 15's silent 4-D tensor: operands that each have a dim the other lacks
    `20: TS2769 No overload matches this call. | The last overload gave the following error. | Argument of type 'Tensor<"batch seq d_ff">' is not assignable to parameter of type '"add: Tensor<\\"batch seq d_model\\"> and Tensor<\\"batch seq d_ff\\"> each have a dim the other lacks (\\"d_model\\", \\"d_ff\\"). Write add.outer(a, b) for an outer product, or give one operand only dims of the other."'.`,
  ]);
}, 60_000);
