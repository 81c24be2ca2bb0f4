import {
  HYPER_PARAMETER_KEYS,
  HyperParameterOverridesSchema,
  HyperParametersSchema,
  PlanError,
  getModel,
  parseSetOptions,
  planTraining,
  type PlanProblem,
} from '../../../src/catalog';

const stats = (samples: number, seconds = 3) => ({ samples, videoSeconds: Array.from({ length: samples }, () => seconds) });

/** The problems planTraining throws, or [] when it succeeds. */
function problemsOf(fn: () => unknown): PlanProblem[] {
  try {
    fn();
    return [];
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    return err.problems;
  }
}

describe('planTraining with defaults', () => {
  it('returns the defaults, steps and warnings for a 12-sample wan2.2 set', () => {
    const plan = planTraining('wan2.2-i2v-flash', stats(12), {});
    expect(plan.hyperParameters).toEqual(getModel('wan2.2-i2v-flash').defaults);
    expect(plan.stepsPerEpoch).toBe(3);
    expect(plan.totalSteps).toBe(1200);
    expect(plan.model).toBe('wan2.2-i2v-flash');
  });

  it('merges overrides given as strings, as the CLI passes them', () => {
    const plan = planTraining('wan2.5-i2v-preview', stats(40), { n_epochs: '500', learning_rate: '1e-4', lora_rank: ' 64 ' });
    expect(plan.hyperParameters.n_epochs).toBe(500);
    expect(plan.hyperParameters.learning_rate).toBe(1e-4);
    expect(plan.hyperParameters.lora_rank).toBe(64);
    expect(plan.totalSteps).toBe(500 * 20);
  });
});

type Case = [field: string, good: number | string, bad: number | string, rule: string, message: RegExp];
const cases: Case[] = [
  ['batch_size', 2, 0, 'positive-integer', /batch_size must be a positive integer, got 0/],
  ['batch_size', 3, 2.5, 'positive-integer', /batch_size must be a positive integer, got 2\.5/],
  ['n_epochs', 300, -1, 'positive-integer', /n_epochs must be a positive integer, got -1/],
  ['learning_rate', 1e-6, 0, 'positive', /learning_rate must be greater than 0, got 0/],
  ['max_pixels', 16384, 16383, 'range', /max_pixels must be between 16384 and 36864 for wan2\.5-i2v-preview, got 16383/],
  ['max_pixels', 36864, 36865, 'range', /got 36865/],
  ['lora_rank', 16, 24, 'power-of-two', /lora_rank must be a power of two .*got 24/],
  ['lora_alpha', 64, 48, 'power-of-two', /lora_alpha must be a power of two .*got 48/],
  ['split', 0.5, 1, 'open-unit-interval', /split must be between 0 and 1 \(exclusive\), got 1/],
  ['split', 0.99, 0, 'open-unit-interval', /got 0$/],
  ['max_split_val_dataset_sample', 1, 0, 'integer-at-least-1', /max_split_val_dataset_sample must be an integer of at least 1, got 0/],
  ['save_total_limit', 1, 0, 'integer-at-least-1', /save_total_limit must be an integer of at least 1, got 0/],
  ['eval_epochs', 40, 39, 'eval-at-least-tenth', /eval_epochs must be at least n_epochs \/ 10 = 40, got 39: raise eval_epochs to 40/],
  ['eval_epochs', 400, 401, 'eval-at-most-epochs', /eval_epochs must not exceed n_epochs \(400\), got 401/],
  ['n_epochs', 'abc', 'abc', 'number', /n_epochs must be a number, got "abc"/],
];

describe.each(cases)('rule for %s', (field, good, bad, rule, message) => {
  if (good !== bad) {
    it(`accepts ${good}`, () => {
      expect(problemsOf(() => planTraining('wan2.5-i2v-preview', stats(40), { [field]: good }))).toEqual([]);
    });
  }
  it(`rejects ${bad} with rule ${rule}`, () => {
    const problems = problemsOf(() => planTraining('wan2.5-i2v-preview', stats(40), { [field]: bad }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ field, rule, value: bad });
    expect(problems[0].message).toMatch(message);
  });
});

describe('the 800-step rule', () => {
  it('accepts exactly enough steps and rejects one epoch fewer', () => {
    expect(planTraining('wan2.2-i2v-flash', stats(12), { n_epochs: 267, eval_epochs: 27 }).totalSteps).toBe(801);
    const problems = problemsOf(() => planTraining('wan2.2-i2v-flash', stats(12), { n_epochs: 266, eval_epochs: 27 }));
    expect(problems.map((p) => p.rule)).toEqual(['min-total-steps']);
    expect(problems[0].message).toBe(
      'n_epochs × ceil(12 / 4) = 798 total steps; at least 800 are needed: raise n_epochs to 267 or lower batch_size',
    );
  });

  it('does not suggest lowering batch_size when it is already 1', () => {
    const problems = problemsOf(() => planTraining('wan2.6-i2v', stats(10), { n_epochs: 60 }));
    expect(problems.map((p) => p.message)).toEqual([
      'n_epochs × ceil(10 / 1) = 600 total steps; at least 800 are needed: raise n_epochs to 80',
    ]);
  });

  it('reproduces the reference example: 5 samples, batch 2 needs 267 epochs', () => {
    expect(problemsOf(() => planTraining('wan2.5-i2v-preview', stats(5), { n_epochs: 267 }))).toEqual([]);
    expect(problemsOf(() => planTraining('wan2.5-i2v-preview', stats(5), { n_epochs: 266 }))[0].message).toMatch(
      /= 798 total steps.*raise n_epochs to 267/,
    );
  });
});

describe('PlanError', () => {
  it('lists every broken rule at once, in a readable message', () => {
    let error: unknown;
    try {
      planTraining('wan2.2-i2v-flash', stats(12), { n_epochs: '200', eval_epochs: 10, lora_rank: 12, split: '1.5', foo: 3 });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PlanError);
    const e = error as PlanError;
    expect(e.name).toBe('PlanError');
    expect(e.problems.map((p) => [p.field, p.rule])).toEqual([
      ['foo', 'known-key'],
      ['lora_rank', 'power-of-two'],
      ['split', 'open-unit-interval'],
      ['eval_epochs', 'eval-at-least-tenth'],
      ['n_epochs', 'min-total-steps'],
    ]);
    expect(e.message.split('\n')).toEqual([
      `unknown hyper-parameter "foo"; known: ${HYPER_PARAMETER_KEYS.join(', ')}`,
      'lora_rank must be a power of two (16, 32, 64, …), got 12',
      'split must be between 0 and 1 (exclusive), got 1.5',
      'eval_epochs must be at least n_epochs / 10 = 20, got 10: raise eval_epochs to 20',
      'n_epochs × ceil(12 / 4) = 600 total steps; at least 800 are needed: raise n_epochs to 267 or lower batch_size',
    ]);
  });

  it('rejects a dataset with no samples', () => {
    expect(problemsOf(() => planTraining('wan2.6-i2v', { samples: 0, videoSeconds: [] }, {})).map((p) => p.rule)).toEqual([
      'positive-integer',
    ]);
  });
});

describe('warnings', () => {
  it('warns about few samples and a one-sample validation split', () => {
    const plan = planTraining('wan2.6-i2v', stats(12), {});
    expect(plan.warnings).toEqual(
      expect.arrayContaining([
        'only 12 training samples; 20–100 are recommended for a stable result',
        'the automatic validation split holds only 1 sample(s); consider a validation set',
      ]),
    );
  });

  it('warns when the split leaves no validation sample (10 × 0.1 is one, 10 × 0.05 is none)', () => {
    expect(planTraining('wan2.6-i2v', stats(10), { n_epochs: 80, eval_epochs: 8 }).warnings.join('\n')).toMatch(/holds only 1 sample/);
    expect(planTraining('wan2.6-i2v', stats(10), { n_epochs: 80, eval_epochs: 8, split: 0.95 }).warnings.join('\n')).toMatch(
      /split 0\.95 of 10 samples leaves no validation sample/,
    );
  });

  it('does not warn about the split when a validation set is given, nor about size for 40 samples', () => {
    const plan = planTraining('wan2.5-i2v-preview', stats(40), {}, { hasValidationSet: true });
    expect(plan.warnings).toEqual([]);
  });

  it('warns when more checkpoints are made than kept', () => {
    const plan = planTraining('wan2.5-i2v-preview', stats(40), { save_total_limit: 2 }, { hasValidationSet: true });
    expect(plan.warnings).toEqual(['8 checkpoints will be made but only the last 2 are kept (save_total_limit)']);
  });
});

describe('zod schemas', () => {
  it('HyperParametersSchema accepts the defaults and rejects unknown keys and wrong types', () => {
    const defaults = getModel('wan2.5-i2v-preview').defaults;
    expect(HyperParametersSchema.parse(defaults)).toEqual(defaults);
    expect(HyperParametersSchema.safeParse({ ...defaults, extra: 1 }).success).toBe(false);
    expect(HyperParametersSchema.safeParse({ ...defaults, batch_size: '2' }).success).toBe(false);
    expect(HyperParametersSchema.safeParse({ ...defaults, split: 1 }).success).toBe(false);
  });

  it('HyperParameterOverridesSchema turns numeric strings into numbers and refuses others', () => {
    expect(HyperParameterOverridesSchema.parse({ n_epochs: '500', split: 0.8 })).toEqual({ n_epochs: 500, split: 0.8 });
    expect(HyperParameterOverridesSchema.safeParse({ n_epochs: 'many' }).success).toBe(false);
    expect(HyperParameterOverridesSchema.safeParse({ bogus: 1 }).success).toBe(false);
  });
});

describe('parseSetOptions', () => {
  it('splits key=value items', () => {
    expect(parseSetOptions(['n_epochs=500', 'learning_rate = 1e-5'])).toEqual({ n_epochs: '500', learning_rate: '1e-5' });
  });
  it('rejects an item without = and a key given twice', () => {
    expect(() => parseSetOptions(['n_epochs'])).toThrow('--set expects key=value, got "n_epochs"');
    expect(() => parseSetOptions(['n_epochs=1', 'n_epochs=2'])).toThrow('--set n_epochs is given twice');
  });
});
