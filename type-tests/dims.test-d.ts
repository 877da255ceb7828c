/**
 * Type tests for dims strings and dims({...}) declarations. Each bad case has
 * an `expectError` (tsd checks only that there is an error) and a pinned text
 * (`expectType` of the validator: the message the editor shows).
 */
import { expectAssignable, expectError, expectType } from "tsd";
import {
  dims,
  type Dims,
  type DimsError,
  type Tensor,
  type ValidateDims,
  type ValidateDimsIn,
  type ValidateSizes,
} from "meshtype";
import { caseSizes, dimsCases, dimsInCases } from "../dsl/parseDims.cases.ts";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expected<Case> = Case extends { spec: infer Spec; message: infer Message } ? (Message extends null ? Spec : Message) : never;
type Sizes = typeof caseSizes;

// One table drives both twins (dsl/parseDims.test.ts runs the runtime side): the specs whose type-level answer differs.
type DimsFailures<Cases extends readonly { spec: string }[]> = {
  [Index in keyof Cases]: Equal<ValidateDims<Cases[Index]["spec"]>, Expected<Cases[Index]>> extends true ? never : Cases[Index]["spec"];
}[number];
type DimsInFailures<Cases extends readonly { spec: string }[]> = {
  [Index in keyof Cases]: Equal<ValidateDimsIn<Cases[Index]["spec"], Sizes>, Expected<Cases[Index]>> extends true
    ? never
    : Cases[Index]["spec"];
}[number];
expectType<never>(null as unknown as DimsFailures<typeof dimsCases>);
expectType<never>(null as unknown as DimsInFailures<typeof dimsInCases>);

// dims({...}) keeps the literal sizes in its type.
const D = dims({ batch: 8, seq: 4, d_model: 16 });
expectType<Dims<{ readonly batch: 8; readonly seq: 4; readonly d_model: 16 }>>(D);
expectType<8>(D.sizes.batch);

// Bad: a size of 0. Good: a positive size.
expectError(dims({ batch: 0 }));
expectType<'Dim "batch" has size 0; a size is a positive integer. Give batch a whole number of elements of at least 1.'>(
  null as unknown as ValidateSizes<{ batch: 0 }>["batch"],
);
expectType<Dims<{ readonly batch: 1 }>>(dims({ batch: 1 }));

// Bad: a fractional or negative size.
expectError(dims({ seq: 1.5 }));
expectError(dims({ seq: -4 }));
expectType<'Dim "seq" has size -4; a size is a positive integer. Give seq a whole number of elements of at least 1.'>(
  null as unknown as ValidateSizes<{ seq: -4 }>["seq"],
);

// Bad: a declared name that is not an identifier. Good: one that is.
expectError(dims({ "d model": 16 }));
expectType<'dims({...}) declares "d model", which is not a dim name. Use letters, digits and _ (not starting with a digit).'>(
  null as unknown as ValidateSizes<{ "d model": 16 }>["d model"],
);
expectType<Dims<{ readonly d_model: 16 }>>(dims({ d_model: 16 }));

// A dims object built at run time (wide keys and sizes) is accepted; the run time checks it.
expectAssignable<Dims<Record<string, number>>>(dims({} as Record<string, number>));

// Bad: a repeated name (Tensor<"a a">). Good: distinct names.
expectType<'Dim "heads" appears twice in "heads d_head heads". A tensor has each dim once; rename one of them (e.g. "heads_2").'>(
  null as unknown as ValidateDims<"heads d_head heads">,
);
expectType<"heads d_head">(null as unknown as ValidateDims<"heads d_head">);
expectType<never>(null as unknown as DimsError<string>);

// A dims-string parameter checked against declared dims, as the ops use it.
declare function make<const Sizes extends Record<string, number>, const S extends string>(
  declared: Dims<Sizes>,
  spec: ValidateDimsIn<S, Sizes>,
): Tensor<S>;
expectError(make(D, "batch modle"));
expectType<'Unknown dim "modle" in "batch modle": it is not declared in dims({...}). Fix the spelling, or declare modle with its size in dims({...}).'>(
  null as unknown as ValidateDimsIn<"batch modle", typeof D.sizes>,
);
expectType<Tensor<"batch seq">>(make(D, "batch seq"));
expectError(make(D, "seq seq"));
expectType<Tensor<string>>(make(D, "" as string));
