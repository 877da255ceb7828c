// The eager reference ops of the DSL: one module per op group, re-exported here.
export * from "./shapeRules.ts";
export * from "./messages.ts";
