import { BASE_MODELS, billableSeconds, estimateCost, estimateTrainingTokens, planTraining } from '../../../src/catalog';

const wan25 = BASE_MODELS['wan2.5-i2v-preview'];

describe('billing (notes §6.1)', () => {
  it('matches the worked example: wan2.5, 3.4 s + 11.5 s, max_pixels 36864, 400 epochs', () => {
    expect(billableSeconds(wan25, 3.4)).toBe(3);
    expect(billableSeconds(wan25, 11.5)).toBe(10);
    const tokens = estimateTrainingTokens(wan25, [3.4, 11.5], 36864, 400);
    expect(tokens).toBe(187_200);
    expect(estimateCost(tokens, wan25.price!)).toEqual({ amount: 9.36, currency: 'USD', region: 'Singapore' });
  });

  it('matches the Chinese page example: wan2.7, one 10 s video, 36864 px, 800 epochs at CNY 2', () => {
    const wan27 = BASE_MODELS['wan2.7-i2v'];
    const tokens = estimateTrainingTokens(wan27, [10], 36864, 800);
    expect(tokens).toBe(288_000);
    expect(estimateCost(tokens, wan27.otherPrices[0])).toEqual({ amount: 576, currency: 'CNY', region: 'Beijing' });
  });

  it('rounds half up to whole seconds (upper-bound choice) and caps per model', () => {
    expect(billableSeconds(wan25, 2.49)).toBe(2);
    expect(billableSeconds(wan25, 2.5)).toBe(3);
    expect(billableSeconds(BASE_MODELS['wan2.2-i2v-flash'], 7.2)).toBe(5);
    expect(billableSeconds(BASE_MODELS['wan2.6-i2v'], 12)).toBe(10);
    expect(billableSeconds(wan25, 0)).toBe(0);
    expect(billableSeconds(wan25, Number.NaN)).toBe(0);
  });

  it('planTraining reports the same tokens and cost', () => {
    const plan = planTraining('wan2.5-i2v-preview', { samples: 10, videoSeconds: [3.4, 11.5] }, { max_pixels: 36864 });
    expect(plan.estimatedTokens).toBe(187_200);
    expect(plan.estimatedCost).toEqual({ amount: 9.36, currency: 'USD', region: 'Singapore' });
  });

  it('gives no cost for wan2.7 but still counts tokens', () => {
    const plan = planTraining('wan2.7-i2v', { samples: 10, videoSeconds: [10] }, {});
    expect(plan.estimatedTokens).toBe(10 * (147456 / 1024) * 400);
    expect(plan.estimatedCost).toBeUndefined();
    expect(plan.warnings.join('\n')).toMatch(/wan2\.7-i2v has no published Singapore training price; Beijing lists CNY 2/);
  });
});
