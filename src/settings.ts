import { POLICY_PACKS, TRUST_SCORE_DIMENSIONS } from './types';

// Checks of structured datasource settings, mirroring how the Go sources decode them, so that the
// config editor refuses a value the backend would reject (or silently ignore).

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** trustScoreWeights (Go: map[string]float64, checked by policy.weightsFrom). */
export function validateTrustScoreWeights(v: unknown): string | undefined {
  if (!isObject(v)) {
    return 'expected an object mapping dimensions to weights, e.g. {"fairness": 2, "drift": 1}';
  }
  for (const [k, w] of Object.entries(v)) {
    if (!(TRUST_SCORE_DIMENSIONS as readonly string[]).includes(k.toLowerCase())) {
      return `unknown dimension "${k}": use ${TRUST_SCORE_DIMENSIONS.join(', ')}`;
    }
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      return `the weight of ${k} must be a number >= 0`;
    }
  }
  return undefined;
}

/** Checks packWeights: an object mapping shipped pack names to numbers >= 0. */
export function validatePackWeights(v: unknown): string | undefined {
  if (!isObject(v)) {
    return 'expected an object mapping rule packs to weights, e.g. {"eu-ai-act-high-risk": 2}';
  }
  for (const [k, w] of Object.entries(v)) {
    if (!(POLICY_PACKS as readonly string[]).includes(k.toLowerCase())) {
      return `unknown rule pack "${k}": use ${POLICY_PACKS.join(', ')}`;
    }
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      return `the weight of ${k} must be a number >= 0`;
    }
  }
  return undefined;
}

/** Checks policyPacks: names of shipped packs. */
export function validatePolicyPacks(v: string[]): string | undefined {
  const unknown = v.filter((p) => !(POLICY_PACKS as readonly string[]).includes(p.trim().toLowerCase()));
  return unknown.length
    ? `unknown rule pack ${unknown.map((p) => `"${p}"`).join(', ')}: use ${POLICY_PACKS.join(', ')}`
    : undefined;
}

const CSV_STRING_KEYS = ['files', 'sensitive_feature', 'model', 'version', 'run_id', 'dataset', 'timestamp'];
const CSV_LIST_KEYS = ['sensitive_features', 'control_features'];
const CSV_KEYS = [...CSV_STRING_KEYS, ...CSV_LIST_KEYS, 'metrics'];

function validateCsvMapping(m: unknown): string | undefined {
  if (!isObject(m)) {
    return 'expected an object mapping names to CSV columns';
  }
  for (const [k, v] of Object.entries(m)) {
    if (CSV_STRING_KEYS.includes(k)) {
      if (typeof v !== 'string') {
        return `${k} must be a column name (a string)`;
      }
    } else if (CSV_LIST_KEYS.includes(k)) {
      if (!Array.isArray(v) || v.some((c) => typeof c !== 'string')) {
        return `${k} must be a list of column names`;
      }
    } else if (k === 'metrics') {
      if (!isObject(v) || Object.values(v).some((c) => typeof c !== 'string')) {
        return 'metrics must be an object mapping metric names to column names';
      }
    } else {
      return `unknown key "${k}": use ${CSV_KEYS.join(', ')}`;
    }
  }
  return undefined;
}

/** fairlearnCsvColumns (Go: fairness.CSVColumnsList): one mapping object or a list of them. */
export function validateCsvColumns(v: unknown): string | undefined {
  if (!Array.isArray(v)) {
    return validateCsvMapping(v);
  }
  for (let i = 0; i < v.length; i++) {
    const problem = validateCsvMapping(v[i]);
    if (problem) {
      return `mapping ${i + 1}: ${problem}`;
    }
  }
  return undefined;
}

/**
 * The named groups a Go regular expression lacks, among those required: the backend refuses a
 * fairlearn key pattern without them. Go writes (?P<name>...) or (?<name>...).
 */
export function missingNamedGroups(expr: string | undefined, required: string[]): string[] {
  if (!expr || expr.trim() === '') {
    return [];
  }
  return required.filter((n) => !expr.includes(`(?P<${n}>`) && !expr.includes(`(?<${n}>`));
}
