// EventBridge event pattern matching for the in-process bus: the same patterns the CDK stack
// deploys (functions/core/routes.ts) decide locally which events reach which target.
//
// Semantics follow the EventBridge user guide ("Amazon EventBridge event patterns", "Content
// filtering in Amazon EventBridge event patterns", "Arrays in ...", "Matching null values ..."):
// - keys of a pattern are ANDed; the values listed for a leaf are ORed;
// - a leaf pattern is an array of exact values (string, number, boolean, null) and filter objects;
// - if the event's value is an array, the leaf matches when any element matches;
// - nested pattern objects follow nested event objects (and any element of an array of objects);
// - fields the pattern does not name are ignored;
// - `exists` looks at leaf nodes only: an object is not a leaf, so `{"exists": false}` matches it;
// - `$or` holds alternative sub-patterns at its level.
// Filters: prefix, suffix (both also with equals-ignore-case), equals-ignore-case, anything-but
// (value, list, prefix, suffix, equals-ignore-case, wildcard), numeric, exists, wildcard, cidr (IPv4).
//
// One known difference: EventBridge compares exact numbers by their JSON text (300 vs 300.0 are
// different); after JSON.parse JavaScript cannot tell them apart, so here they are equal.

/** An event pattern as JSON: field names to arrays of conditions or nested patterns. */
export type EventPattern = { readonly [field: string]: unknown };

type Leaf = string | number | boolean | null;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isLeaf = (value: unknown): value is Leaf =>
  value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** Marks a field the event does not have (distinct from a field whose value is null). */
const MISSING = Symbol('missing');
type Field = unknown | typeof MISSING;

const field = (value: unknown, key: string): Field =>
  isObject(value) && Object.prototype.hasOwnProperty.call(value, key) ? value[key] : MISSING;

/** The leaf values at a field: arrays are flattened; objects are not leaves. */
const leafValues = (value: Field, out: Leaf[] = []): Leaf[] => {
  if (value === MISSING) return out;
  if (Array.isArray(value)) {
    for (const element of value) leafValues(element, out);
  } else if (isLeaf(value)) {
    out.push(value);
  }
  return out;
};

const lower = (s: string): string => s.toLowerCase();

/** EventBridge wildcard: `*` is any run of characters; `\*` and `\\` are literal. */
const wildcardCache = new Map<string, RegExp>();
const wildcardRegExp = (pattern: string): RegExp => {
  let re = wildcardCache.get(pattern);
  if (!re) {
    let source = '';
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i]!;
      if (c === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '\\')) {
        source += `\\${pattern[i + 1]!}`;
        i++;
      } else if (c === '*') {
        source += '[\\s\\S]*';
      } else {
        source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      }
    }
    re = new RegExp(`^${source}$`);
    wildcardCache.set(pattern, re);
  }
  return re;
};

const parseIpv4 = (text: string): number | undefined => {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
};

const parseCidr = (cidr: string): { network: number; bits: number } | undefined => {
  const [address, prefix] = cidr.split('/');
  if (address === undefined || prefix === undefined || !/^\d{1,2}$/.test(prefix)) return undefined;
  const bits = Number(prefix);
  const ip = parseIpv4(address);
  if (ip === undefined || bits > 32) return undefined;
  return { network: ip, bits };
};

const inCidr = (cidr: string, value: string): boolean => {
  const range = parseCidr(cidr);
  const ip = parseIpv4(value);
  if (!range || ip === undefined) return false;
  const size = 2 ** (32 - range.bits);
  return Math.floor(ip / size) === Math.floor(range.network / size);
};

/** `{ "prefix": "x" }` or `{ "prefix": { "equals-ignore-case": "x" } }` (same for suffix). */
const affixMatches = (spec: unknown, value: Leaf, test: (v: string, a: string) => boolean): boolean => {
  if (typeof value !== 'string') return false;
  if (typeof spec === 'string') return test(value, spec);
  if (isObject(spec) && typeof spec['equals-ignore-case'] === 'string') return test(lower(value), lower(spec['equals-ignore-case']));
  return false;
};

const startsWith = (v: string, a: string): boolean => v.startsWith(a);
const endsWith = (v: string, a: string): boolean => v.endsWith(a);

const numericMatches = (spec: readonly unknown[], value: Leaf): boolean => {
  if (typeof value !== 'number') return false;
  for (let i = 0; i + 1 < spec.length; i += 2) {
    const bound = spec[i + 1] as number;
    switch (spec[i]) {
      case '=':
        if (!(value === bound)) return false;
        break;
      case '<':
        if (!(value < bound)) return false;
        break;
      case '<=':
        if (!(value <= bound)) return false;
        break;
      case '>':
        if (!(value > bound)) return false;
        break;
      case '>=':
        if (!(value >= bound)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
};

const asList = (spec: unknown): unknown[] => (Array.isArray(spec) ? spec : [spec]);

/** anything-but: matches every present value except those the spec names. */
const anythingButMatches = (spec: unknown, value: Leaf): boolean => {
  if (isObject(spec)) {
    // Non-strings never have a string prefix/suffix/case-variant, so anything-but lets them through.
    if (typeof value !== 'string') return true;
    if ('prefix' in spec) return !value.startsWith(String(spec.prefix));
    if ('suffix' in spec) return !value.endsWith(String(spec.suffix));
    if ('equals-ignore-case' in spec) return !asList(spec['equals-ignore-case']).some((s) => typeof s === 'string' && lower(s) === lower(value));
    if ('wildcard' in spec) return !asList(spec.wildcard).some((w) => typeof w === 'string' && wildcardRegExp(w).test(value));
    return false;
  }
  return !asList(spec).some((excluded) => excluded === value);
};

/** One non-exists condition against one leaf value. */
const conditionMatches = (condition: unknown, value: Leaf): boolean => {
  if (!isObject(condition)) return condition === value;
  const [operator] = Object.keys(condition);
  const spec = condition[operator as string];
  switch (operator) {
    case 'prefix':
      return affixMatches(spec, value, startsWith);
    case 'suffix':
      return affixMatches(spec, value, endsWith);
    case 'equals-ignore-case':
      return typeof value === 'string' && typeof spec === 'string' && lower(value) === lower(spec);
    case 'anything-but':
      return anythingButMatches(spec, value);
    case 'numeric':
      return Array.isArray(spec) && numericMatches(spec, value);
    case 'wildcard':
      return typeof value === 'string' && typeof spec === 'string' && wildcardRegExp(spec).test(value);
    case 'cidr':
      return typeof value === 'string' && typeof spec === 'string' && inCidr(spec, value);
    default:
      return false;
  }
};

const leafMatches = (conditions: readonly unknown[], value: Field): boolean => {
  const values = leafValues(value);
  for (const condition of conditions) {
    if (isObject(condition) && 'exists' in condition) {
      if ((values.length > 0) === condition.exists) return true;
    } else if (values.some((v) => conditionMatches(condition, v))) {
      return true;
    }
  }
  return false;
};

const nestedMatches = (pattern: Record<string, unknown>, value: Field): boolean => {
  // An array of objects matches when one element matches the whole sub-pattern, which keeps
  // fields of one element together (EventBridge's array consistency).
  if (Array.isArray(value) && value.length > 0) return value.some((element) => objectMatches(pattern, element));
  return objectMatches(pattern, Array.isArray(value) ? MISSING : value);
};

const objectMatches = (pattern: Record<string, unknown>, value: Field): boolean => {
  for (const key of Object.keys(pattern)) {
    const sub = pattern[key];
    if (key === '$or') {
      if (!Array.isArray(sub) || !sub.some((alternative) => isObject(alternative) && objectMatches(alternative, value))) return false;
    } else if (Array.isArray(sub)) {
      if (!leafMatches(sub, field(value, key))) return false;
    } else if (isObject(sub)) {
      if (!nestedMatches(sub, field(value, key))) return false;
    } else {
      return false;
    }
  }
  return true;
};

/** True when `event` matches `pattern` as EventBridge would decide. Never throws. */
export const matchesPattern = (pattern: EventPattern, event: unknown): boolean =>
  isObject(pattern) && objectMatches(pattern, event);

// ---------------------------------------------------------------------------------------------
// Validation: EventBridge rejects malformed patterns at PutRule; the local bus does the same so a
// pattern that would fail on AWS fails here too, with the JSON path of the problem.

/** EventBridge's documented range for numeric matching. */
const NUMERIC_LIMIT = 5e9;
const LOWER_OPS = new Set(['>', '>=']);
const UPPER_OPS = new Set(['<', '<=']);
const ALL_OPS = new Set(['=', '<', '<=', '>', '>=']);

const joinPath = (path: string, key: string | number): string =>
  typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;

const validateNumeric = (spec: unknown, path: string, errors: string[]): void => {
  if (!Array.isArray(spec) || (spec.length !== 2 && spec.length !== 4)) {
    errors.push(`${path}: numeric needs [op, number] or [lower-op, number, upper-op, number]`);
    return;
  }
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i];
    const bound = spec[i + 1];
    if (typeof op !== 'string' || !ALL_OPS.has(op)) errors.push(`${joinPath(path, i)}: unknown numeric operator ${JSON.stringify(op)}`);
    if (typeof bound !== 'number' || !Number.isFinite(bound)) errors.push(`${joinPath(path, i + 1)}: numeric bound must be a number`);
    else if (Math.abs(bound) > NUMERIC_LIMIT) errors.push(`${joinPath(path, i + 1)}: numeric bound must be within ±${NUMERIC_LIMIT}`);
  }
  if (spec.length === 4) {
    const [lowOp, low, highOp, high] = spec as [unknown, unknown, unknown, unknown];
    if (!LOWER_OPS.has(String(lowOp)) || !UPPER_OPS.has(String(highOp))) {
      errors.push(`${path}: a numeric range is a lower bound (">" or ">=") then an upper bound ("<" or "<=")`);
    } else if (typeof low === 'number' && typeof high === 'number' && !(low < high)) {
      errors.push(`${path}: numeric range is empty (lower ${low} is not below upper ${high})`);
    }
  }
};

const validateWildcard = (spec: unknown, path: string, errors: string[]): void => {
  if (typeof spec !== 'string') errors.push(`${path}: wildcard must be a string`);
  else if (spec.includes('**')) errors.push(`${path}: wildcard must not contain consecutive "*"`);
};

const validateAffix = (spec: unknown, path: string, errors: string[], name: string): void => {
  if (typeof spec === 'string') return;
  if (isObject(spec) && Object.keys(spec).length === 1 && typeof spec['equals-ignore-case'] === 'string') return;
  errors.push(`${path}: ${name} must be a string or {"equals-ignore-case": string}`);
};

const validateAnythingBut = (spec: unknown, path: string, errors: string[]): void => {
  if (typeof spec === 'string' || (typeof spec === 'number' && Number.isFinite(spec))) return;
  if (Array.isArray(spec)) {
    const allStrings = spec.every((v) => typeof v === 'string');
    const allNumbers = spec.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (spec.length === 0 || !(allStrings || allNumbers)) errors.push(`${path}: anything-but list must be non-empty and all strings or all numbers`);
    return;
  }
  if (isObject(spec)) {
    const keys = Object.keys(spec);
    const [key] = keys;
    if (keys.length !== 1) {
      errors.push(`${path}: anything-but object takes exactly one of prefix, suffix, equals-ignore-case, wildcard`);
      return;
    }
    const inner = spec[key as string];
    const innerPath = joinPath(path, key as string);
    switch (key) {
      case 'prefix':
      case 'suffix':
        if (typeof inner !== 'string') errors.push(`${innerPath}: anything-but ${key} takes a single string`);
        return;
      case 'equals-ignore-case':
        if (!(typeof inner === 'string' || (Array.isArray(inner) && inner.length > 0 && inner.every((v) => typeof v === 'string')))) {
          errors.push(`${innerPath}: must be a string or a non-empty list of strings`);
        }
        return;
      case 'wildcard':
        if (Array.isArray(inner) && inner.length > 0) inner.forEach((w, i) => validateWildcard(w, joinPath(innerPath, i), errors));
        else validateWildcard(inner, innerPath, errors);
        return;
      default:
        errors.push(`${innerPath}: unknown anything-but operator`);
        return;
    }
  }
  errors.push(`${path}: anything-but takes a string, a number, a list, or an operator object`);
};

const validateCondition = (condition: unknown, path: string, errors: string[]): void => {
  if (isLeaf(condition)) {
    if (typeof condition === 'number' && !Number.isFinite(condition)) errors.push(`${path}: number must be finite`);
    return;
  }
  if (!isObject(condition)) {
    errors.push(`${path}: must be a string, number, boolean, null or a filter object`);
    return;
  }
  const keys = Object.keys(condition);
  if (keys.length !== 1) {
    errors.push(`${path}: a filter object has exactly one operator, found ${keys.length}`);
    return;
  }
  const operator = keys[0] as string;
  const spec = condition[operator];
  const specPath = joinPath(path, operator);
  switch (operator) {
    case 'prefix':
    case 'suffix':
      validateAffix(spec, specPath, errors, operator);
      return;
    case 'equals-ignore-case':
      if (typeof spec !== 'string') errors.push(`${specPath}: must be a string`);
      return;
    case 'anything-but':
      validateAnythingBut(spec, specPath, errors);
      return;
    case 'numeric':
      validateNumeric(spec, specPath, errors);
      return;
    case 'exists':
      if (typeof spec !== 'boolean') errors.push(`${specPath}: must be true or false`);
      return;
    case 'wildcard':
      validateWildcard(spec, specPath, errors);
      return;
    case 'cidr':
      if (typeof spec !== 'string' || !parseCidr(spec)) errors.push(`${specPath}: must be an IPv4 CIDR block such as "10.0.0.0/24"`);
      return;
    default:
      errors.push(`${path}: unknown operator ${JSON.stringify(operator)}`);
  }
};

const validateObject = (pattern: Record<string, unknown>, path: string, errors: string[]): void => {
  const keys = Object.keys(pattern);
  if (keys.length === 0) errors.push(`${path || '(root)'}: pattern object must not be empty`);
  for (const key of keys) {
    const sub = pattern[key];
    const subPath = joinPath(path, key);
    if (key === '$or') {
      if (!Array.isArray(sub) || sub.length < 2) {
        errors.push(`${subPath}: $or takes a list of at least two patterns`);
        continue;
      }
      sub.forEach((alternative, i) => {
        if (isObject(alternative)) validateObject(alternative, joinPath(subPath, i), errors);
        else errors.push(`${joinPath(subPath, i)}: each $or alternative must be a pattern object`);
      });
    } else if (Array.isArray(sub)) {
      if (sub.length === 0) errors.push(`${subPath}: list of values must not be empty`);
      sub.forEach((condition, i) => validateCondition(condition, joinPath(subPath, i), errors));
    } else if (isObject(sub)) {
      validateObject(sub, subPath, errors);
    } else {
      errors.push(`${subPath}: must be a list of values or a nested pattern object, got ${JSON.stringify(sub)}`);
    }
  }
};

/** Problems with a pattern, one `json.path: message` per line; empty when EventBridge would accept it. */
export const validatePattern = (pattern: unknown): string[] => {
  if (!isObject(pattern)) return ['(root): an event pattern must be a JSON object'];
  const errors: string[] = [];
  validateObject(pattern, '', errors);
  return errors;
};

/** Throws with every problem listed when the pattern is malformed. */
export const assertValidPattern = (pattern: unknown, name = 'pattern'): EventPattern => {
  const errors = validatePattern(pattern);
  if (errors.length > 0) throw new Error(`invalid event pattern ${name}: ${errors.join('; ')}`);
  return pattern as EventPattern;
};
