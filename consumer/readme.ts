/**
 * The README's user section as steps a test can replay: each
 * `<!-- file: PATH -->` marker before a fenced block writes that file, and
 * each `<!-- run -->` marker before a `sh` block runs its commands, where the
 * `# ` lines after a command are what it must print (`# ...` stands for lines
 * left out). The section runs from "## Using meshtype in your project" to the
 * next "## " heading.
 */

/** One step of the section. */
export type ReadmeStep =
  | { readonly kind: "file"; readonly path: string; readonly text: string }
  | { readonly kind: "run"; readonly commands: readonly { readonly command: string; readonly expected: readonly string[] }[] };

/** The heading the user section starts at. */
export const userSectionHeading = "## Using meshtype in your project";

/** The text of the user section (without its heading). */
export function userSection(readme: string): string {
  const start = readme.indexOf(`\n${userSectionHeading}\n`);
  if (start < 0) throw new Error(`README.md has no "${userSectionHeading}" section`);
  const body = readme.slice(start + userSectionHeading.length + 2);
  const end = body.search(/^## /m);
  return end < 0 ? body : body.slice(0, end);
}

/** The commands of a `sh` block, each with the output lines the block shows after it. */
function commandsOf(block: string): { command: string; expected: string[] }[] {
  const commands: { command: string; expected: string[] }[] = [];
  let pending = "";
  for (const line of block.split("\n")) {
    if (line.startsWith("# ") || line === "#") {
      const text = line.slice(2);
      if (text !== "..." && commands.length > 0) commands[commands.length - 1]?.expected.push(text);
      continue;
    }
    if (line.trim() === "") continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    commands.push({ command: `${pending}${line.trim()}`, expected: [] });
    pending = "";
  }
  return commands;
}

/** The steps of the README's user section, in order. */
export function readmeSteps(readme: string): ReadmeStep[] {
  const section = userSection(readme);
  const steps: ReadmeStep[] = [];
  const marker = /<!-- (file: (\S+)|run) -->\n```[a-z]*\n([\s\S]*?)```/g;
  for (const match of section.matchAll(marker)) {
    const [, kind, path, text = ""] = match;
    if (kind === "run") steps.push({ kind: "run", commands: commandsOf(text) });
    else if (path !== undefined) steps.push({ kind: "file", path, text });
  }
  return steps;
}
