import { BASE_MODELS, MODEL_IDS, getModel, isModelId } from '../../../src/catalog';

describe('BASE_MODELS', () => {
  it('lists the five fine-tunable base models with their modes and routes', () => {
    expect(Object.keys(BASE_MODELS).sort()).toEqual([...MODEL_IDS].sort());
    const table = MODEL_IDS.map((id) => [id, BASE_MODELS[id].mode, BASE_MODELS[id].route]);
    expect(table).toEqual([
      ['wan2.7-i2v', 'i2v', 'video-generation'],
      ['wan2.6-i2v', 'i2v', 'video-generation'],
      ['wan2.5-i2v-preview', 'i2v', 'video-generation'],
      ['wan2.2-i2v-flash', 'i2v', 'video-generation'],
      ['wan2.2-kf2v-flash', 'kf2v', 'image2video'],
    ]);
  });

  it('has the quick-start defaults of the reference', () => {
    const pick = (id: keyof typeof BASE_MODELS) => [BASE_MODELS[id].defaults.batch_size, BASE_MODELS[id].defaults.max_pixels];
    expect(pick('wan2.7-i2v')).toEqual([1, 147456]);
    expect(pick('wan2.6-i2v')).toEqual([1, 36864]);
    expect(pick('wan2.5-i2v-preview')).toEqual([2, 36864]);
    expect(pick('wan2.2-i2v-flash')).toEqual([4, 262144]);
    expect(pick('wan2.2-kf2v-flash')).toEqual([4, 262144]);
    for (const id of MODEL_IDS) {
      expect(BASE_MODELS[id].defaults).toMatchObject({
        n_epochs: 400,
        learning_rate: 2e-5,
        eval_epochs: 50,
        split: 0.9,
        max_split_val_dataset_sample: 5,
        save_total_limit: 10,
        lora_rank: 32,
        lora_alpha: 32,
      });
      const { min, max } = BASE_MODELS[id].limits.maxPixels;
      expect(BASE_MODELS[id].defaults.max_pixels).toBeGreaterThanOrEqual(min);
      expect(BASE_MODELS[id].defaults.max_pixels).toBeLessThanOrEqual(max);
    }
  });

  it('states video limits, billing caps and LoRA resolutions per family', () => {
    const row = (id: keyof typeof BASE_MODELS) => {
      const m = BASE_MODELS[id];
      return [m.minVideoSeconds, m.maxVideoSeconds, m.billableCapSeconds, m.loraResolutions.join('/'), m.defaultLoraResolution];
    };
    expect(row('wan2.7-i2v')).toEqual([2, 10, 10, '720P/1080P', '720P']);
    expect(row('wan2.6-i2v')).toEqual([0, 10, 10, '720P/1080P', '720P']);
    expect(row('wan2.5-i2v-preview')).toEqual([0, 10, 10, '480P/720P', '720P']);
    expect(row('wan2.2-i2v-flash')).toEqual([0, 5, 5, '480P/720P', '720P']);
    expect(row('wan2.2-kf2v-flash')).toEqual([0, 5, 5, '480P/720P', '720P']);
  });

  it('prices in USD for Singapore, and wan2.7 only with its Beijing CNY price', () => {
    expect(BASE_MODELS['wan2.6-i2v'].price).toEqual({ amount: 0.08, currency: 'USD', per: 1000, region: 'Singapore' });
    expect(BASE_MODELS['wan2.5-i2v-preview'].price?.amount).toBe(0.05);
    expect(BASE_MODELS['wan2.2-i2v-flash'].price?.amount).toBe(0.03);
    expect(BASE_MODELS['wan2.2-kf2v-flash'].price?.amount).toBe(0.03);
    expect(BASE_MODELS['wan2.7-i2v'].price).toBeUndefined();
    expect(BASE_MODELS['wan2.7-i2v'].otherPrices).toEqual([{ amount: 2, currency: 'CNY', per: 1000, region: 'Beijing' }]);
    expect(BASE_MODELS['wan2.7-i2v'].notes.join(' ')).toMatch(/no published Singapore/);
  });
});

describe('getModel', () => {
  it('returns the spec of a known id', () => {
    expect(getModel('wan2.2-kf2v-flash').mode).toBe('kf2v');
    expect(isModelId('wan2.6-i2v')).toBe(true);
    expect(isModelId('wan2.1-i2v')).toBe(false);
  });
  it('throws naming the known ids for an unknown one', () => {
    expect(() => getModel('wan9-i2v')).toThrow(/Unknown base model "wan9-i2v"; known models: wan2\.7-i2v, wan2\.6-i2v, .*wan2\.2-kf2v-flash/);
  });
});
