/** Workflow entry point for the worker's bundler: every workflow wanflow registers. */
export { fineTunePipeline } from './pipeline';
export { modelStudioOperation } from './management';
