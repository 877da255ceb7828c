/**
 * Colour on the command line: whether to use it, and the few ANSI styles the
 * output uses. Colour is on when `--color` is given or FORCE_COLOR is set (and
 * not "0"); off when `--no-color` is given or NO_COLOR is set to anything but
 * the empty string (https://no-color.org); otherwise on exactly when the
 * stream is a terminal and TERM is not "dumb".
 */

/** What the decision reads. */
export interface ColorSettings {
  /** `--color` (true), `--no-color` (false), or neither. */
  readonly flag: boolean | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether the stream is a terminal. */
  readonly isTTY: boolean;
}

/** Whether output may be coloured. */
export function useColor(settings: ColorSettings): boolean {
  if (settings.flag !== undefined) return settings.flag;
  const { NO_COLOR: noColor, FORCE_COLOR: forceColor, TERM: term } = settings.env;
  if (noColor !== undefined && noColor !== "") return false;
  if (forceColor !== undefined && forceColor !== "0" && forceColor !== "false") return true;
  return settings.isTTY && term !== "dumb";
}

/** Styles that are the identity when colour is off. */
export interface Paint {
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly red: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly cyan: (text: string) => string;
  /** A 256-colour background (0-255) with black or white text, for device blocks in pictures. */
  readonly background: (text: string, colour: number) => string;
}

const style = (open: string, close: string) => (text: string): string => `\u001b[${open}m${text}\u001b[${close}m`;

/** The styles, on or off. */
export function paint(color: boolean): Paint {
  if (!color) {
    const same = (text: string): string => text;
    return { bold: same, dim: same, red: same, yellow: same, cyan: same, background: same };
  }
  return {
    bold: style("1", "22"),
    dim: style("90", "39"),
    red: style("91", "39"),
    yellow: style("93", "39"),
    cyan: style("96", "39"),
    background: (text, colour) => `\u001b[48;5;${colour}m\u001b[38;5;${darkText(colour) ? 16 : 231}m${text}\u001b[0m`,
  };
}

/** Whether text on this 256-colour background reads better in black. */
function darkText(colour: number): boolean {
  if (colour < 16) return [7, 9, 10, 11, 12, 13, 14, 15].includes(colour);
  if (colour >= 232) return colour >= 244;
  const cube = colour - 16;
  const [red, green, blue] = [Math.floor(cube / 36), Math.floor(cube / 6) % 6, cube % 6];
  return 0.299 * red + 0.587 * green + 0.114 * blue >= 2.5;
}

/** `text` without ANSI escapes (for widths and for tests). */
export function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}
