/**
 * Type tests for layout(M, D, spec): the editor rejects a bad layout string
 * with the message naming the fault and the fix, and keeps a good one's literal
 * types. The shared table (dsl/layout.cases.ts) drives the runtime twin too.
 */
import { expectAssignable, expectError, expectType } from "tsd";
import { dims, layout, mesh, type Divides, type Layout, type ParseLayout, type ProductOf, type ValidateLayout } from "meshtype";
import { caseAxes, caseSizes, layoutCases } from "../dsl/layout.cases.ts";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expected<Case> = Case extends { spec: infer Spec; message: infer Message } ? (Message extends null ? Spec : Message) : never;
type Axes = typeof caseAxes;
type Sizes = typeof caseSizes;

// One table drives both twins (dsl/layout.test.ts runs the runtime side): the specs whose type-level answer differs.
type LayoutFailures<Cases extends readonly { spec: string }[]> = {
  [Index in keyof Cases]: Equal<ValidateLayout<Cases[Index]["spec"], Axes, Sizes>, Expected<Cases[Index]>> extends true
    ? never
    : Cases[Index]["spec"];
}[number];
expectType<never>(null as unknown as LayoutFailures<typeof layoutCases>);

const D = dims({ batch: 64, seq: 512, d_model: 1024, d_ff: 4096, heads: 16, vocab: 50257 });
const M = mesh({ data: 4, model: 2 });

// Good: the literal mesh axes, dim sizes and spec are kept.
const L = layout(M, D, "batch:data, d_ff:model");
expectType<"batch:data, d_ff:model">(L.spec);
expectType<2>(L.mesh.sizes.model);
expectType<4096>(L.dims.sizes.d_ff);
expectAssignable<Layout<{ data: 4; model: 2 }, typeof D.sizes, "batch:data, d_ff:model">>(L);
expectType<[["batch", "data", false], ["d_ff", "model", false]]>(null as unknown as ParseLayout<typeof L.spec>);

// Good: two dims may share an axis (Megatron) as long as no tensor has both.
expectType<"d_ff:model, heads:model">(layout(M, D, "d_ff:model, heads:model").spec);
// Good: the replicated layout.
expectType<"">(layout(M, D, "").spec);

// Bad: syntax.
expectError(layout(M, D, "batch=data"));
expectType<'Cannot read "batch=data" in layout "batch=data". Write each rule as dim:axis or dim:(axis, axis) (major axis first), separated by commas, e.g. "batch:(data, fsdp), d_ff:model".'>(
  null as unknown as ValidateLayout<"batch=data", typeof M.sizes, typeof D.sizes>,
);

// Bad: a missing comma.
expectError(layout(M, D, "batch:data d_ff:model"));

// Bad: an unknown dimension.
expectError(layout(M, D, "btch:data"));
expectType<'Layout "btch:data" names dim "btch", which is not declared in dims({...}). Fix the spelling, or declare btch with its size in dims({...}).'>(
  null as unknown as ValidateLayout<"btch:data", typeof M.sizes, typeof D.sizes>,
);

// Bad: an unknown mesh axis.
expectError(layout(M, D, "batch:data, d_ff:modle"));
expectType<'Unknown mesh axis "modle" in layout "batch:data, d_ff:modle" (the rule for "d_ff"): the mesh has no such axis. Fix the spelling, or add modle with its size to mesh({...}).'>(
  null as unknown as ValidateLayout<"batch:data, d_ff:modle", typeof M.sizes, typeof D.sizes>,
);

// Bad: a dimension listed twice.
expectError(layout(M, D, "batch:data, batch:model"));
expectType<'Dim "batch" is listed twice in layout "batch:data, batch:model" (on "data" and on "model"). Keep one rule for "batch".'>(
  null as unknown as ValidateLayout<"batch:data, batch:model", typeof M.sizes, typeof D.sizes>,
);

// Bad: a size the axis does not divide (50257 over 2). Good: the same dim over a mesh axis of size 1.
expectError(layout(M, D, "vocab:model"));
expectType<'Layout "vocab:model": dim "vocab" has size 50257, which mesh axis "model" (size 2) does not divide. Either change the layout "vocab:model" to leave "vocab" replicated or put it on other axes, make vocab a multiple of 2, or split it unevenly with "vocab:padded(model)" (every shard is padded to the size of the largest).'>(
  null as unknown as ValidateLayout<"vocab:model", typeof M.sizes, typeof D.sizes>,
);
expectType<"vocab:one">(layout(mesh({ one: 1 }), D, "vocab:one").spec);

// Divisibility by long division, axis sizes up to 1024; larger axes are left to the run time.
expectType<[true, false, true, false, true, false, true]>(
  null as unknown as [
    Divides<8, 4096>,
    Divides<3, 1024>,
    Divides<1024, 1048576>,
    Divides<1024, 1048577>,
    Divides<7, 50253>,
    Divides<7, 50257>,
    Divides<2048, 3>,
  ],
);

// A dim over several axes, major first: one entry per axis; padded(...) opts into an uneven split.
expectType<[["batch", "data", false], ["batch", "model", false], ["vocab", "model", true]]>(
  null as unknown as ParseLayout<"batch:(data, model), vocab:padded(model)">,
);
expectType<"batch:(data, model), d_ff:model">(layout(M, D, "batch:(data, model), d_ff:model").spec);
expectType<"vocab:padded(model)">(layout(M, D, "vocab:padded(model)").spec);
expectType<"vocab:padded(data, model)">(layout(M, D, "vocab:padded(data, model)").spec);
// Bad: the product of the axes does not divide (heads 16 over 4 x ... is fine; 50257 over 8 is not), and the message names the opt-in.
expectError(layout(M, D, "vocab:(data, model)"));
expectType<'Layout "vocab:(data, model)": dim "vocab" has size 50257, which mesh axes (data, model) (8 devices) do not divide. Either change the layout "vocab:(data, model)" to leave "vocab" replicated or put it on other axes, make vocab a multiple of 8, or split it unevenly with "vocab:padded(data, model)" (every shard is padded to the size of the largest).'>(
  null as unknown as ValidateLayout<"vocab:(data, model)", typeof M.sizes, typeof D.sizes>,
);
// Bad: an axis twice in one rule.
expectError(layout(M, D, "batch:(data, data)"));
// Each axis divides 36, their product 16 does not: only the product counts.
const Square = mesh({ a: 4, b: 4 });
const D36 = dims({ n: 36 });
expectType<"n:a">(layout(Square, D36, "n:a").spec);
expectError(layout(Square, D36, "n:(a, b)"));
expectType<"n:padded(a, b)">(layout(Square, D36, "n:padded(a, b)").spec);
// A product above 1024 is left to the run time, as a single axis above 1024 is.
expectType<"n:(a, b)">(layout(mesh({ a: 64, b: 32 }), D36, "n:(a, b)").spec);
expectType<[8, 1024, undefined, 7, undefined]>(
  null as unknown as [ProductOf<[4, 2]>, ProductOf<[2, 512]>, ProductOf<[64, 32]>, ProductOf<[7]>, ProductOf<[number, 2]>],
);

// A layout string only known at run time is accepted here and checked there.
expectType<string>(layout(M, D, "batch:data" as string).spec);
