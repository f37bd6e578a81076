/**
 * Compose's variable substitution for one string: $VAR, ${VAR}, ${VAR:-default},
 * ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alternative}, ${VAR+alternative},
 * nested inside defaults, alternatives and errors, and `$$` for a literal `$`.
 * Shared by compose-file interpolation and `.env` files.
 */

/** A substitution that cannot be done; callers add the file position. */
export class SubstitutionError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'SubstitutionError';
  }
}

export interface SubstitutionOptions {
  lookup: (name: string) => string | undefined;
  /** Told about each variable used without a value and without a default. */
  onUnset?: (name: string) => void;
}

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;

export function substituteVariables(text: string, options: SubstitutionOptions): string {
  if (!text.includes('$')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    if (char !== '$') {
      out += char;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      const close = closingBrace(text, i + 2);
      if (close < 0) throw invalidTemplate(text.slice(i));
      out += expandBraced(text.slice(i + 2, close), options);
      i = close + 1;
    } else {
      const name = NAME.exec(text.slice(i + 1))?.[0];
      if (name === undefined) {
        // Not a variable reference: Compose keeps the `$` as written.
        out += '$';
        i++;
      } else {
        out += variableValue(name, options);
        i += 1 + name.length;
      }
    }
  }
  return out;
}

/** Index of the `}` closing a `${` whose body starts at `start`, counting nested `${`. */
function closingBrace(text: string, start: number): number {
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

const OPERATORS = [':-', ':?', ':+', '-', '?', '+'] as const;

function expandBraced(body: string, options: SubstitutionOptions): string {
  const name = NAME.exec(body)?.[0];
  if (name === undefined) throw invalidTemplate(`\${${body}}`);
  const rest = body.slice(name.length);
  if (rest === '') return variableValue(name, options);
  const operator = OPERATORS.find((candidate) => rest.startsWith(candidate));
  if (operator === undefined) throw invalidTemplate(`\${${body}}`);
  const argument = () => substituteVariables(rest.slice(operator.length), options);
  const value = options.lookup(name);
  const isSet = value !== undefined;
  const isSetAndNotEmpty = isSet && value !== '';
  switch (operator) {
    case ':-':
      return isSetAndNotEmpty ? value : argument();
    case '-':
      return isSet ? value : argument();
    case ':+':
      return isSetAndNotEmpty ? argument() : '';
    case '+':
      return isSet ? argument() : '';
    case ':?':
      if (!isSetAndNotEmpty) throw missingRequired(name, argument());
      return value;
    case '?':
      if (!isSet) throw missingRequired(name, argument());
      return value;
  }
}

function variableValue(name: string, options: SubstitutionOptions): string {
  const value = options.lookup(name);
  if (value === undefined) {
    options.onUnset?.(name);
    return '';
  }
  return value;
}

function invalidTemplate(template: string): SubstitutionError {
  return new SubstitutionError(
    `invalid interpolation format "${template}"`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the hint shows Compose's syntax
    'use ${NAME}, ${NAME:-default}, ${NAME:?error} or ${NAME:+alternative}; write $$ for a literal $',
  );
}

function missingRequired(name: string, message: string): SubstitutionError {
  const detail = message === '' ? '' : `: ${message}`;
  return new SubstitutionError(`required variable ${name} is missing a value${detail}`);
}
