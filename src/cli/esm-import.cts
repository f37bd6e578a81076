/**
 * import() from a CommonJS module that Node loads itself. The CLI bundle runs in a vm
 * script, where import() finds no loader, so it loads ES modules (the foreground engine)
 * through this one.
 */
export function importModule(url: string): Promise<unknown> {
  return import(url);
}
