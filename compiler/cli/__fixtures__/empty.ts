// A file with no program(...) bindings.
export const answer = 42;
