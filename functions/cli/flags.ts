// Parsers of CLI flag values shared by the commands (commander calls them with the raw string).

/** A whole number of at least 1, e.g. `positiveInt('--workers')`. */
export const positiveInt = (flag: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a whole number of at least 1, got "${value}"`);
  return n;
};
