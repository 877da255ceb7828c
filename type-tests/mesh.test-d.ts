/** Type tests for mesh({...}): literal axes kept; bad names and sizes flagged with their message. */
import { expectError, expectType } from "tsd";
import { mesh, type Mesh, type ValidateAxes } from "meshtype";

// Good: the literal axes are kept in the type.
expectType<Mesh<{ readonly data: 4; readonly model: 2 }>>(mesh({ data: 4, model: 2 }));

// Bad: an axis of size 0.
expectError(mesh({ data: 0 }));
expectType<'Mesh axis "data" has size 0; an axis size is a positive integer. Give data a whole number of devices of at least 1.'>(
  null as unknown as ValidateAxes<{ data: 0 }>["data"],
);

// Bad: a fractional axis size. Good: a whole one.
expectError(mesh({ model: 2.5 }));
expectType<Mesh<{ readonly model: 2 }>>(mesh({ model: 2 }));

// Bad: an axis name that is not an identifier.
expectError(mesh({ "tensor-parallel": 2 }));
expectType<'mesh({...}) declares "tensor-parallel", which is not a mesh axis name. Use letters, digits and _ (not starting with a digit).'>(
  null as unknown as ValidateAxes<{ "tensor-parallel": 2 }>["tensor-parallel"],
);
expectType<Mesh<{ readonly tensor_parallel: 2 }>>(mesh({ tensor_parallel: 2 }));
