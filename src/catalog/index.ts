/** Base models, hyper-parameter rules, step and cost rules. */
export * from './models';
export * from './hyperParameters';
export * from './billing';
export * from './rules';
export * from './plan';
export * from './budget';
