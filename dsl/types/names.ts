/**
 * Type-level twins of the small lexical rules shared by dims strings, mesh
 * axes and layout strings: what a name is, and which characters are blanks.
 * Each type has its runtime twin beside it (`IsName`/`isName`, `Trim`/`trim`),
 * and both read the same constant character sets.
 */

/** The characters that may start a name: `[A-Za-z_]`. */
export const nameStartChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
/** The characters that may follow the first one: `[A-Za-z0-9_]`. */
export const nameChars = `${nameStartChars}0123456789` as const;
/** The blanks a layout string may have around its names and punctuation. */
export const blankChars = " \t\n\r";

type CharsOf<S extends string, Acc extends string = never> = S extends `${infer Head}${infer Rest}`
  ? CharsOf<Rest, Acc | Head>
  : Acc;

type NameStartChar = CharsOf<typeof nameStartChars>;
type NameChar = CharsOf<typeof nameChars>;
type BlankChar = CharsOf<typeof blankChars>;

type IsNameRest<S extends string> = S extends `${infer Head}${infer Rest}`
  ? Head extends NameChar
    ? IsNameRest<Rest>
    : false
  : true;

/** `true` when `S` is a name (`[A-Za-z_][A-Za-z0-9_]*`), else `false`. */
export type IsName<S extends string> = S extends `${infer Head}${infer Rest}`
  ? Head extends NameStartChar
    ? IsNameRest<Rest>
    : false
  : false;

/** Whether `text` is a name (`[A-Za-z_][A-Za-z0-9_]*`): runtime twin of `IsName`. */
export function isName(text: string): boolean {
  if (text === "" || !nameStartChars.includes(text[0])) return false;
  for (const char of text) if (!nameChars.includes(char)) return false;
  return true;
}

// One pattern per blank (not `${BlankChar}${infer Rest}`): measured cheaper per character in BENCHMARKS.md.
type TrimStart<S extends string> = S extends ` ${infer Rest}`
  ? TrimStart<Rest>
  : S extends `\t${infer Rest}` | `\n${infer Rest}` | `\r${infer Rest}`
    ? TrimStart<Rest>
    : S;
type TrimEnd<S extends string> = S extends `${infer Rest} `
  ? TrimEnd<Rest>
  : S extends `${infer Rest}\t` | `${infer Rest}\n` | `${infer Rest}\r`
    ? TrimEnd<Rest>
    : S;

/** `S` without leading and trailing blanks (space, tab, newline, carriage return). */
export type Trim<S extends string> = TrimEnd<TrimStart<S>>;

/** `text` without leading and trailing blanks: runtime twin of `Trim` (unlike `String.trim`, only the blanks of `blankChars`). */
export function trim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && blankChars.includes(text[start])) start++;
  while (end > start && blankChars.includes(text[end - 1])) end--;
  return text.slice(start, end);
}
