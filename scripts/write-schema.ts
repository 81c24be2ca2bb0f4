/** Writes schema/pipeline-input.schema.json from the zod schema of the workflow input (`npm run schema`). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipelineInputJsonSchema } from '../src/workflows/schema';

if (process.argv.includes('--help')) {
  process.stdout.write('usage: npm run schema   writes schema/pipeline-input.schema.json from src/workflows/input.ts (the workflow input\'s JSON Schema)\n');
  process.exit(0);
}
const out = join(__dirname, '..', 'schema', 'pipeline-input.schema.json');
writeFileSync(out, `${JSON.stringify(pipelineInputJsonSchema(), null, 2)}\n`);
process.stderr.write(`wrote ${out}\n`);
