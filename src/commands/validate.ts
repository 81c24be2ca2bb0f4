import { Command, InvalidArgumentError, Option } from 'commander';
import { MODEL_IDS, PlanError, getModel, parseSetOptions, planTraining, type PlanProblem, type TrainingPlan } from '../catalog';
import { inspectDataset, type DatasetReport } from '../dataset';

/** Where a command writes; defaults to the process streams. */
export interface CommandOutput {
  out?: (text: string) => void;
  err?: (text: string) => void;
}

/** The `--json` output of `wanflow validate`. */
export interface ValidateResult {
  ok: boolean;
  training: DatasetReport;
  validation?: DatasetReport;
  plan?: TrainingPlan;
  planProblems?: PlanProblem[];
}

interface ValidateOptions {
  model: string;
  validation?: string;
  set: string[];
  json?: boolean;
}

const collectSet = (value: string, previous: string[]): string[] => {
  if (!/^[^=]+=.+$/.test(value)) throw new InvalidArgumentError(`expected key=value, got "${value}"`);
  return [...previous, value];
};

/** Runs the checks behind `wanflow validate` and returns everything found. */
export async function runValidate(zip: string, options: ValidateOptions): Promise<ValidateResult> {
  const model = getModel(options.model);
  const training = await inspectDataset(zip, { model: model.id, kind: 'training' });
  const validation = options.validation ? await inspectDataset(options.validation, { model: model.id, kind: 'validation' }) : undefined;
  let plan: TrainingPlan | undefined;
  let planProblems: PlanProblem[] | undefined;
  try {
    const overrides = parseSetOptions(options.set);
    if (training.stats.samples > 0) {
      plan = planTraining(model, training.stats, overrides, { hasValidationSet: validation !== undefined });
    }
  } catch (err) {
    if (err instanceof PlanError) planProblems = err.problems;
    else planProblems = [{ field: 'set', rule: 'set-syntax', value: options.set, message: (err as Error).message }];
  }
  const ok = training.ok && (validation?.ok ?? true) && plan !== undefined;
  return { ok, training, ...(validation ? { validation } : {}), ...(plan ? { plan } : {}), ...(planProblems ? { planProblems } : {}) };
}

const fmtInt = (n: number): string => n.toLocaleString('en-US');

function describeReport(title: string, r: DatasetReport): string[] {
  const lines = [
    `${title} ${r.filename}: ${r.stats.samples} samples, ${fmtInt(r.bytes)} bytes, sha256 ${r.sha256.slice(0, 12)}…` +
      (r.stats.videoSeconds.length > 0 ? `, ${r.stats.billableSeconds} billable video seconds` : ''),
  ];
  if (r.ok) lines.push('  ✓ no problems');
  for (const p of r.problems) lines.push(`  ✗ ${p.message}  [${p.rule}]`);
  return lines;
}

function describePlan(plan: TrainingPlan): string[] {
  const hp = plan.hyperParameters;
  const cost = plan.estimatedCost
    ? `${plan.estimatedCost.amount.toFixed(2)} ${plan.estimatedCost.currency} (${plan.estimatedCost.region} price)`
    : 'not estimated (no Singapore price published)';
  return [
    `Plan for ${plan.model}:`,
    `  total steps:        ${fmtInt(plan.totalSteps)} (${plan.stepsPerEpoch} per epoch × ${hp.n_epochs} epochs)`,
    `  estimated tokens:   ${fmtInt(plan.estimatedTokens)}`,
    `  estimated cost:     ${cost}`,
    `  hyper_parameters:   ${JSON.stringify(hp)}`,
    ...plan.warnings.map((w) => `  ! ${w}`),
  ];
}

/** Human-readable lines for a ValidateResult. */
export function formatValidateResult(result: ValidateResult): string {
  const lines = describeReport('Training set', result.training);
  if (result.validation) lines.push(...describeReport('Validation set', result.validation));
  if (result.plan) lines.push(...describePlan(result.plan));
  if (result.planProblems) {
    lines.push('Hyper-parameter problems:');
    for (const p of result.planProblems) lines.push(`  ✗ ${p.field}: ${p.message}  [${p.rule}]`);
  }
  lines.push(result.ok ? 'OK: the dataset can be uploaded.' : 'FAILED: fix the problems above.');
  return lines.join('\n') + '\n';
}

/** `wanflow validate <zip> --model <id> [--validation <zip>] [--set key=value …] [--json]`; exits 1 on problems. */
export function validateCommand(output: CommandOutput = {}): Command {
  const out = output.out ?? ((t: string) => void process.stdout.write(t));
  const err = output.err ?? ((t: string) => void process.stderr.write(t));
  return new Command('validate')
    .description('Check a dataset zip (and optional validation zip) for a base model and show the training plan and cost')
    .argument('<zip>', 'training dataset zip')
    .addOption(new Option('--model <id>', 'base model').choices(MODEL_IDS).makeOptionMandatory())
    .option('--validation <zip>', 'validation dataset zip')
    .option('--set <key=value>', 'override a hyper-parameter (repeatable)', collectSet, [] as string[])
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  wanflow validate data.zip --model wan2.5-i2v-preview\n  wanflow validate data.zip --model wan2.2-kf2v-flash --validation val.zip --set n_epochs=500 --json',
    )
    .action(async (zip: string, options: ValidateOptions) => {
      let result: ValidateResult;
      try {
        result = await runValidate(zip, options);
      } catch (e) {
        // Not a dataset problem but a usage one (missing file, unreadable path): say so plainly.
        err(`error: ${(e as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      out(options.json ? JSON.stringify(result, null, 2) + '\n' : formatValidateResult(result));
      if (!result.ok) process.exitCode = 1;
    });
}
