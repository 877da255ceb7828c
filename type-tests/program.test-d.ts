/**
 * Type tests for program(model, { mesh, layout }): the bound program keeps the
 * model's signature; tsc rejects a mesh that is not the layout's, a tensor
 * parameter with an undeclared dim, and one with two dims on one mesh axis.
 */
import { expectAssignable, expectError, expectType } from "tsd";
import { dims, layout, mesh, program, type ModelErrors, type Program, type Tensor } from "meshtype";

const D = dims({ batch: 8, seq: 4, d_model: 16, d_ff: 64, heads: 4 });
const M = mesh({ data: 2, model: 2 });
const L = layout(M, D, "batch:data, d_ff:model, heads:model");
type Sizes = typeof D.sizes;
type Spec = typeof L.spec;

declare function mlp(
  x: Tensor<"batch seq d_model">,
  params: { up: Tensor<"d_model d_ff">; down: Tensor<"d_ff d_model"> },
): Tensor<"batch seq d_model">;

// Good: the result has the model's signature and keeps model, mesh and layout.
const P = program(mlp, { mesh: M, layout: L });
expectAssignable<Program<typeof mlp, { data: 2; model: 2 }, Sizes, Spec>>(P);
expectType<typeof mlp>(P.model);
expectType<"batch:data, d_ff:model, heads:model">(P.layout.spec);
expectType<2>(P.mesh.sizes.model);
declare const x: Tensor<"batch seq d_model">;
declare const up: Tensor<"d_model d_ff">;
declare const down: Tensor<"d_ff d_model">;
expectType<Tensor<"batch seq d_model">>(P(x, { up, down }));
// Bad: calling it with a tensor of other dims.
expectError(P(up, { up, down }));

// Good: open layouts, whose unnamed dims the compiler lays out: partial ("..., auto") and "auto" (only the mesh fixed).
expectType<"batch:data, auto">(program(mlp, { mesh: M, layout: layout(M, D, "batch:data, auto") }).layout.spec);
expectType<"auto">(program(mlp, { mesh: M, layout: layout(M, D, "auto") }).layout.spec);
// Bad: "auto" only ends a layout; an open layout's rules are checked as any layout's.
expectError(layout(M, D, "auto, batch:data"));
expectError(layout(M, D, "batch:dta, auto"));

// Bad: the mesh is not the layout's mesh. Good: an equal mesh made again.
expectError(program(mlp, { mesh: mesh({ data: 4 }), layout: L }));
expectType<Program<typeof mlp, { readonly data: 2; readonly model: 2 }, Sizes, Spec>>(
  program(mlp, { mesh: mesh({ data: 2, model: 2 }), layout: L }),
);

// Bad: a parameter with a dim that the layout's dims do not declare.
declare function typo(x: Tensor<"batch seq d_modle">): Tensor<"batch">;
expectError(program(typo, { mesh: M, layout: L }));
expectType<'program(): argument 1 (Tensor<"batch seq d_modle">) has dim "d_modle", which the layout\'s dims({...}) do not declare. Fix the spelling of the tensor\'s dims, or declare d_modle with its size in dims({...}).'>(
  null as unknown as ModelErrors<typeof typo, Sizes, Spec>,
);

// Bad: a parameter tensor that puts two of its dims (d_ff, heads) on one axis (model).
declare function clash(x: Tensor<"batch">, w: Tensor<"d_ff heads">): Tensor<"batch">;
expectError(program(clash, { mesh: M, layout: L }));
expectType<'program(): argument 2 (Tensor<"d_ff heads">) puts two of its dims, "d_ff" and "heads", on mesh axis "model" under layout "batch:data, d_ff:model, heads:model". A tensor can split only one dim over an axis: move one of them to another axis or leave it replicated.'>(
  null as unknown as ModelErrors<typeof clash, Sizes, Spec>,
);
// Good: the same tensor under a layout that splits only one of them.
const L2 = layout(M, D, "batch:data, d_ff:model");
expectAssignable<Program<typeof clash>>(program(clash, { mesh: M, layout: L2 }));

// Bad: the same clash when a dim spans several axes (batch over data and model, d_ff over model), or when one rule is padded(...). Good: batch over (data) alone.
declare function rows(h: Tensor<"batch d_ff">): Tensor<"batch">;
expectError(program(rows, { mesh: M, layout: layout(M, D, "batch:(data, model), d_ff:model") }));
expectType<'program(): argument 2 (Tensor<"d_ff heads">) puts two of its dims, "d_ff" and "heads", on mesh axis "model" under layout "d_ff:model, heads:padded(model)". A tensor can split only one dim over an axis: move one of them to another axis or leave it replicated.'>(
  null as unknown as ModelErrors<typeof clash, Sizes, "d_ff:model, heads:padded(model)">,
);
expectAssignable<Program<typeof rows>>(program(rows, { mesh: M, layout: layout(M, D, "batch:(data), d_ff:model") }));

// Bad: the clash inside an object of arrays of tensors (the path is named).
declare function nested(params: { layers: { proj: Tensor<"heads d_ff"> }[] }): void;
expectError(program(nested, { mesh: M, layout: L }));
expectType<'program(): argument 1.layers[].proj (Tensor<"heads d_ff">) puts two of its dims, "heads" and "d_ff", on mesh axis "model" under layout "batch:data, d_ff:model, heads:model". A tensor can split only one dim over an axis: move one of them to another axis or leave it replicated.'>(
  null as unknown as ModelErrors<typeof nested, Sizes, Spec>,
);

// Bad: an undeclared dim in an array parameter.
declare function many(xs: Tensor<"batch hidden">[]): void;
expectError(program(many, { mesh: M, layout: L }));

// Good: generic tensor parameters and non-tensor parameters are not checked by the types.
declare function generic<S extends string>(x: Tensor<S>, scale: number, name: string): Tensor<S>;
expectAssignable<Program<typeof generic>>(program(generic, { mesh: M, layout: L }));
expectType<never>(null as unknown as ModelErrors<(x: Tensor<string>, options: { eps: number }) => void, Sizes, Spec>);

// dtype: "fp32" (default) or "bf16"; any other string is rejected by tsc.
expectType<"bf16" | "fp32">(program(mlp, { mesh: M, layout: L, dtype: "bf16" }).dtype);
expectError(program(mlp, { mesh: M, layout: L, dtype: "fp16" }));
