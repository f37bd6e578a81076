/** Compose's colour cycle for service prefixes. */
const COLORS = [36, 33, 32, 35, 34, 31, 96, 93, 92, 95, 94, 91];

export interface LogPrinterOptions {
  colors: boolean;
  prefix: boolean;
  /** Width the prefixes are padded to, so the `|` columns line up. */
  width: number;
  write?: (text: string) => void;
}

/** Whether output may be coloured: a terminal, and NO_COLOR unset (no-color.org). */
export function colorsWanted(noColorFlag: boolean): boolean {
  return !noColorFlag && process.stdout.isTTY === true && !process.env.NO_COLOR;
}

/**
 * Prints container output as Compose does: `web-1  | line`, a colour per source,
 * whole lines only, so interleaved streams never split a line.
 */
export class LogPrinter {
  private readonly colorOf = new Map<string, number>();
  private readonly partial = new Map<string, string>();
  private readonly write: (text: string) => void;

  constructor(private readonly options: LogPrinterOptions) {
    this.write = options.write ?? ((text) => process.stdout.write(text));
  }

  private prefix(source: string): string {
    if (!this.options.prefix) return '';
    const label = `${source.padEnd(this.options.width)} | `;
    if (!this.options.colors) return label;
    if (!this.colorOf.has(source))
      this.colorOf.set(source, COLORS[this.colorOf.size % COLORS.length]);
    return `\u001b[${this.colorOf.get(source)}m${label}\u001b[0m`;
  }

  /** Output of `source` as it arrives; lines are printed once complete. */
  chunk(source: string, text: string): void {
    const lines = ((this.partial.get(source) ?? '') + text).split('\n');
    this.partial.set(source, lines.pop() ?? '');
    for (const line of lines) this.write(`${this.prefix(source)}${line}\n`);
  }

  /** The end of `source`'s output: a last line without a newline is printed too. */
  end(source: string): void {
    const rest = this.partial.get(source);
    if (rest) this.write(`${this.prefix(source)}${rest}\n`);
    this.partial.delete(source);
  }
}
