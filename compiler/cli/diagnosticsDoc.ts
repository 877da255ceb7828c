/**
 * docs/diagnostics.md, generated: every code of the diagnostics catalog with
 * an example and its fix. Model examples (compiler/diagnostics/examples.ts)
 * are compiled and command examples run, so the page shows the messages the
 * compiler prints today; `npm run docs:diagnostics` writes the page and a
 * test checks it is up to date.
 */
import * as path from "node:path";
import type { Project } from "ts-morph";
import { catalog } from "../diagnostics/catalog.ts";
import { CompileError, type Diagnostic, type MessageTemplate } from "../diagnostics/diagnostic.ts";
import { diagnosticExamples, exampleHeader, type DiagnosticExample } from "../diagnostics/examples.ts";
import { createProject, findTsConfig, readPrograms } from "../frontend/index.ts";
import { compileProgram } from "../passes/pipeline.ts";
import { main } from "./main.ts";

/** The areas of the catalog, by the first digit of their codes. */
const areaTitles: Readonly<Record<string, string>> = {
  "1": "Front end (MT1xxx): reading the model",
  "2": "Validation (MT2xxx): layouts against the model's values",
  "3": "Lowering (MT3xxx): the device program",
  "4": "Autodiff (MT4xxx)",
  "5": "Planner (MT5xxx)",
  "6": "Back ends and run time (MT6xxx)",
  "9": "Command line (MT9xxx)",
};

/** What an example gave: the printed header line and hint of the diagnostic with the expected code. */
interface Shown {
  readonly line: string;
  readonly hint: string;
}

function shownOf(item: Diagnostic): Shown {
  const where = item.loc === undefined ? "" : `${item.loc.file}:${item.loc.line}:${item.loc.column} `;
  return { line: `${where}${item.code} ${item.message}`, hint: item.hint };
}

/** The diagnostics of a model file (front end, then every pass). */
function compileExample(project: Project, repo: string, code: string, source: string, typeCheck: boolean): Diagnostic[] {
  const dir = path.join(repo, ".diagnostics-examples", code);
  const file = project.createSourceFile(path.join(dir, "model.ts"), source, { overwrite: true });
  const front = readPrograms([file], { rootDir: dir, typeCheck });
  const found = [...front.diagnostics];
  for (const program of front.programs) {
    try {
      compileProgram(program);
    } catch (error) {
      if (!(error instanceof CompileError)) throw error;
      found.push(...error.diagnostics);
    }
  }
  return found;
}

/** The first diagnostic `meshtype argv` prints, read back from its text. */
async function runExample(repo: string, argv: readonly string[]): Promise<Shown[]> {
  let err = "";
  const cwd = process.cwd();
  process.chdir(repo);
  try {
    await main(argv, { out: () => undefined, err: (text) => void (err += text) });
  } finally {
    process.chdir(cwd);
  }
  const lines = err.split("\n");
  const shown: Shown[] = [];
  lines.forEach((line, index) => {
    if (!/^(\S+:\d+:\d+ )?MT\d{4} /.test(line)) return;
    const hint = lines.slice(index + 1).find((next) => next.startsWith("  hint: ")) ?? "";
    shown.push({ line, hint: hint.slice("  hint: ".length) });
  });
  return shown;
}

/** A template's text for sample values; a value the sample does not give reads as ‹name›. */
function render(template: MessageTemplate<never>, args: Readonly<Record<string, unknown>>): Shown {
  const filled = new Proxy(args, { get: (target, key) => (typeof key === "string" && !(key in target) ? `‹${key}›` : Reflect.get(target, key)) });
  const call = (text: (args: never) => string): string => text(filled as never);
  return { line: `${template.code} ${call(template.message)}`, hint: call(template.hint) };
}

function fence(language: string, text: string): string {
  return `\`\`\`${language}\n${text.trimEnd()}\n\`\`\``;
}

/** The section of one code. */
function section(code: string, name: string, example: DiagnosticExample, shown: Shown): string {
  const parts = [`### ${code} ${name}`, ""];
  if (example.kind === "model") {
    const body = example.source ?? example.body ?? "";
    parts.push(example.source === undefined ? "model.ts (after the common header):" : "model.ts:", "", fence("ts", body), "", `\`meshtype build model.ts${example.typeCheck === true ? "" : " --no-typecheck"}\` prints:`);
  } else if (example.kind === "command") {
    parts.push(fence("sh", `meshtype ${example.argv.join(" ")}`), "", "prints:");
  } else {
    parts.push(`${example.when} The message reads, for example:`);
  }
  parts.push("", fence("", shown.line), "", `**Fix:** ${shown.hint}`, "");
  return parts.join("\n");
}

/** Codes of the catalog whose example is missing, or whose example does not give them. */
export interface DiagnosticsPage {
  readonly text: string;
  readonly problems: readonly string[];
}

/** Build the page (compiling and running the examples). */
export async function diagnosticsPage(repo: string): Promise<DiagnosticsPage> {
  const entries = Object.values(catalog).flatMap((table) => Object.entries(table).map(([name, template]) => ({ name, template })))
    .sort((a, b) => a.template.code.localeCompare(b.template.code));
  const project = createProject(findTsConfig(path.join(repo, "package.json")));
  const problems: string[] = [];
  const sections: string[] = [];
  let area = "";
  for (const { name, template } of entries) {
    const code = template.code;
    const example = diagnosticExamples[code];
    if (example === undefined) {
      problems.push(`${code} (${name}) has no example in compiler/diagnostics/examples.ts`);
      continue;
    }
    let shown: Shown | undefined;
    if (example.kind === "model") {
      const source = example.source ?? `${exampleHeader}\n${example.body ?? ""}`;
      const found = compileExample(project, repo, code, source, example.typeCheck === true).find((item) => item.code === code);
      shown = found === undefined ? undefined : shownOf(found);
    } else if (example.kind === "command") {
      shown = (await runExample(repo, example.argv)).find((item) => item.line.includes(`${code} `));
    } else {
      shown = render(template, example.args);
    }
    if (shown === undefined) {
      problems.push(`${code} (${name}): its example in compiler/diagnostics/examples.ts does not give ${code}`);
      continue;
    }
    const first = code.charAt(2);
    if (first !== area) {
      area = first;
      sections.push(`## ${areaTitles[first] ?? `MT${first}xxx`}`, "");
    }
    sections.push(section(code, name, example, shown));
  }
  const text = [
    "# Diagnostics",
    "",
    "<!-- Generated by `npm run docs:diagnostics` from the catalog (compiler/diagnostics) and compiler/diagnostics/examples.ts; do not edit. -->",
    "",
    "Every error meshtype reports has a code. The compiler prints it at your file,",
    "line and column, with the line underlined and a hint (see [cli.md](cli.md));",
    "`--json` gives the same as data. Each code below has an example that gives it",
    "(compiled or run when this page was generated, so the text is the compiler's",
    "own) and its fix. Errors that TypeScript can see are reported in the editor",
    "first; `meshtype build` reports them as MT1000.",
    "",
    "The model examples start with this header (so their line numbers count it):",
    "",
    fence("ts", exampleHeader),
    "",
    ...sections,
  ].join("\n");
  return { text, problems };
}
