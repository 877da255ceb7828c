#!/usr/bin/env node
// The meshtype command line: registers tsx so the compiler's TypeScript sources run as they are.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../compiler/cli/main.ts");
process.exitCode = main(process.argv.slice(2));
