/**
 * The interactive front's colours: a few ANSI styles, or none at all when NO_COLOR is set (any non-empty value,
 * no-color.org) or TERM is "dumb". Only the front's own words are styled; text from the model or a tool is
 * made plain (terminal-text.ts) before a style goes round it.
 */

export type Style = (text: string) => string;

export type Theme = {
  bold: Style;
  dim: Style;
  red: Style;
  green: Style;
  yellow: Style;
  cyan: Style;
  italic: Style;
  underline: Style;
  magenta: Style;
  blue: Style;
  /** A warning that must not be missed: bold red (or, without colour, plain text the caller already marks). */
  danger: Style;
};

const plain: Style = (text) => text;

function sgr(on: string, off: string): Style {
  return (text) => (text === "" ? text : `\x1b[${on}m${text}\x1b[${off}m`);
}

export function hasColour(env: NodeJS.ProcessEnv): boolean {
  return !env.NO_COLOR && env.TERM !== "dumb";
}

export function createTheme(env: NodeJS.ProcessEnv): Theme {
  if (!hasColour(env))
    return {
      bold: plain,
      dim: plain,
      red: plain,
      green: plain,
      yellow: plain,
      cyan: plain,
      italic: plain,
      underline: plain,
      magenta: plain,
      blue: plain,
      danger: plain,
    };
  return {
    bold: sgr("1", "22"),
    dim: sgr("2", "22"),
    red: sgr("31", "39"),
    green: sgr("32", "39"),
    yellow: sgr("33", "39"),
    cyan: sgr("36", "39"),
    italic: sgr("3", "23"),
    underline: sgr("4", "24"),
    magenta: sgr("35", "39"),
    blue: sgr("34", "39"),
    danger: sgr("1;31", "22;39"),
  };
}
