import { ComposeError } from './errors.js';
import { SubstitutionError, substituteVariables } from './substitute.js';

/**
 * Parses a `.env` file the way Compose does: `KEY=value` lines (or `KEY: value`), `#`
 * comments, an optional `export ` prefix, 'single quotes' taken literally, "double quotes"
 * with C-like escapes (\n \t \" \\ \$ ...), quoted values spanning lines, inline ` #` comments after
 * unquoted values, and `${VAR}` substitution in unquoted and double-quoted values. A bare
 * `KEY` takes its value from `lookup`, and is left out when that has none. Substitution
 * asks `lookup` first, then the lines read so far.
 */
export function parseDotEnv(
  text: string,
  file: string,
  lookup: (name: string) => string | undefined = () => undefined,
): Record<string, string> {
  return new DotEnvParser(text, file, lookup).parse();
}

const KEY_CHAR = /[\p{L}\p{N}_.\-[\]]/u;

class DotEnvParser {
  private pos = 0;
  private line = 1;
  private readonly values: Record<string, string> = {};

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly lookup: (name: string) => string | undefined,
  ) {}

  parse(): Record<string, string> {
    while (this.skipBlankAndComments()) this.parseStatement();
    return this.values;
  }

  /** Moves to the next statement; false at the end of the file. */
  private skipBlankAndComments(): boolean {
    while (this.pos < this.text.length) {
      const char = this.text[this.pos];
      if (char === '#') this.skipToEndOfLine();
      else if (char === '\n') this.advanceLine();
      else if (/\s/.test(char)) this.pos++;
      else return true;
    }
    return false;
  }

  private parseStatement(): void {
    const exportPrefix = /^export[ \t]+(?=[^=:\s])/.exec(this.text.slice(this.pos));
    if (exportPrefix) this.pos += exportPrefix[0].length;
    const line = this.line;
    const keyStart = this.pos;
    while (this.pos < this.text.length) {
      const char = this.text[this.pos];
      if (char === '=' || char === ':' || char === '\n') break;
      if (!KEY_CHAR.test(char) && char !== ' ' && char !== '\t' && char !== '\r') {
        throw this.error(`unexpected character "${char}" in variable name`, line);
      }
      this.pos++;
    }
    const key = this.text.slice(keyStart, this.pos).trim();
    if (/\s/.test(key)) throw this.error(`unexpected space in variable name "${key}"`, line);
    if (this.pos >= this.text.length || this.text[this.pos] === '\n') {
      this.inherit(key);
      return;
    }
    this.pos++;
    while (this.text[this.pos] === ' ' || this.text[this.pos] === '\t') this.pos++;
    const quote = this.text[this.pos];
    this.values[key] =
      quote === '"' || quote === "'" ? this.readQuoted(quote, line) : this.readUnquoted(line);
  }

  /** A bare `KEY` line passes the variable through from the environment, if it is there. */
  private inherit(key: string): void {
    const value = this.lookup(key);
    if (value !== undefined) this.values[key] = value;
  }

  private readUnquoted(line: number): string {
    const end = this.text.indexOf('\n', this.pos);
    const raw = this.text.slice(this.pos, end < 0 ? this.text.length : end);
    this.pos += raw.length;
    const comment = raw.indexOf(' #');
    const value = (comment < 0 ? raw : raw.slice(0, comment)).trimEnd();
    return this.substitute(value, line);
  }

  private readQuoted(quote: string, line: number): string {
    let raw = '';
    let i = this.pos + 1;
    for (; i < this.text.length; i++) {
      const char = this.text[i];
      if (char === '\\' && i + 1 < this.text.length) {
        raw += char + this.text[i + 1];
        i++;
      } else if (char === quote) {
        break;
      } else {
        raw += char;
      }
    }
    if (i >= this.text.length) {
      throw this.error(
        `unterminated quoted value ${this.text.slice(this.pos).split('\n')[0]}`,
        line,
      );
    }
    this.line += (raw.match(/\n/g) ?? []).length;
    // Like Compose, parsing goes on right after the closing quote: a comment or another
    // assignment may follow on the same line.
    this.pos = i + 1;
    return quote === "'" ? raw.replaceAll("\\'", "'") : this.substitute(unescapeDouble(raw), line);
  }

  private substitute(value: string, line: number): string {
    try {
      return substituteVariables(value, {
        lookup: (name) => this.lookup(name) ?? this.values[name],
      });
    } catch (error) {
      if (error instanceof SubstitutionError) throw this.error(error.message, line, error.hint);
      throw error;
    }
  }

  private skipToEndOfLine(): void {
    const end = this.text.indexOf('\n', this.pos);
    this.pos = end < 0 ? this.text.length : end;
  }

  private advanceLine(): void {
    this.pos++;
    this.line++;
  }

  private error(message: string, line: number, hint?: string): ComposeError {
    return new ComposeError(message, { position: { file: this.file, line, column: 1 }, hint });
  }
}

const CONTROL_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '"': '"',
  '\\': '\\',
};

/**
 * Double-quoted escapes: the C-like ones and `\0NNN` octal; `\$` becomes `$$` so that
 * substitution leaves a literal `$`. Any other backslash stays as written.
 */
function unescapeDouble(raw: string): string {
  return raw.replace(/\\(0[0-7]{0,3}|.)/gs, (match, escaped: string) => {
    if (escaped === '$') return '$$';
    if (escaped.startsWith('0')) return String.fromCharCode(Number.parseInt(escaped, 8));
    return CONTROL_ESCAPES[escaped] ?? match;
  });
}
