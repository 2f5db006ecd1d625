import {
  missingNamedGroups,
  validateCsvColumns,
  validatePackWeights,
  validatePolicyPacks,
  validateTrustScoreWeights,
} from './settings';

describe('validateTrustScoreWeights', () => {
  it('accepts known dimensions with weights >= 0, any case', () => {
    expect(validateTrustScoreWeights({ fairness: 2, Drift: 0, accuracy: 1.5, compliance: 1 })).toBeUndefined();
  });

  it.each([
    [[1, 2], /expected an object/],
    ['{"fairness": 2}', /expected an object/],
    [{ speed: 1 }, /unknown dimension "speed"/],
    [{ fairness: -1 }, /fairness must be a number >= 0/],
    [{ fairness: '2' }, /fairness must be a number >= 0/],
  ])('refuses %j', (v, message) => {
    expect(validateTrustScoreWeights(v)).toMatch(message);
  });
});

describe('validatePackWeights', () => {
  it('accepts shipped packs with weights >= 0, any case', () => {
    expect(validatePackWeights({ 'EU-AI-Act-High-Risk': 2, gdpr: 0, 'nist-ai-rmf': 0.5 })).toBeUndefined();
  });

  it.each([
    [['gdpr'], /expected an object/],
    [{ 'iso-42001': 1 }, /unknown rule pack "iso-42001"/],
    [{ gdpr: -1 }, /gdpr must be a number >= 0/],
    [{ gdpr: '1' }, /gdpr must be a number >= 0/],
  ])('refuses %j', (v, message) => {
    expect(validatePackWeights(v)).toMatch(message);
  });
});

describe('validatePolicyPacks', () => {
  it('accepts shipped pack names, any case, and the empty list', () => {
    expect(validatePolicyPacks(['gdpr', 'EU-AI-Act-High-Risk', ' nist-ai-rmf '])).toBeUndefined();
    expect(validatePolicyPacks([])).toBeUndefined();
  });

  it('names the unknown packs', () => {
    expect(validatePolicyPacks(['gdpr', 'iso-42001', 'soc2'])).toBe(
      'unknown rule pack "iso-42001", "soc2": use gdpr, eu-ai-act-high-risk, nist-ai-rmf'
    );
  });
});

describe('validateCsvColumns', () => {
  it('accepts one mapping or a list of them', () => {
    const one = { files: '*.csv', sensitive_feature: 'Attr', metrics: { accuracy: 'Acc' } };
    expect(validateCsvColumns(one)).toBeUndefined();
    expect(validateCsvColumns([one, { sensitive_features: ['sex'], control_features: ['region'] }])).toBeUndefined();
  });

  it.each([
    ['text', /expected an object/],
    [{ model: 1 }, /model must be a column name/],
    [{ control_features: [1] }, /control_features must be a list/],
    [{ metrics: ['Acc'] }, /metrics must be an object/],
    [{ sensitiveFeature: 'x' }, /unknown key "sensitiveFeature"/],
    [[{ files: '*.csv' }, null], /mapping 2: expected an object/],
  ])('refuses %j', (v, message) => {
    expect(validateCsvColumns(v)).toMatch(message);
  });
});

describe('missingNamedGroups', () => {
  it('finds the named groups a Go pattern lacks', () => {
    expect(missingNamedGroups('', ['metric'])).toEqual([]);
    expect(missingNamedGroups('^g_(?P<group>.+)_(?<metric>.+)$', ['group', 'metric'])).toEqual([]);
    expect(missingNamedGroups('^g_(.+)_(?P<metric>.+)$', ['group', 'metric'])).toEqual(['group']);
  });
});
