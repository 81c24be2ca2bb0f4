/** Writes schema/pipeline-input.schema.json from the zod schema of the workflow input (`npm run schema`). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipelineInputJsonSchema } from '../src/workflows/schema';

const out = join(__dirname, '..', 'schema', 'pipeline-input.schema.json');
writeFileSync(out, `${JSON.stringify(pipelineInputJsonSchema(), null, 2)}\n`);
process.stderr.write(`wrote ${out}\n`);
