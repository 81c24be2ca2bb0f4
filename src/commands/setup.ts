/**
 * `wanflow setup`: gets a Temporal namespace ready for wanflow (the server must be reachable with these settings, and
 * the namespace must have wanflow's search attributes). Adds missing attributes where the server allows it; where it
 * does not (Temporal Cloud, no operator permission), prints the commands that do and exits 1.
 */
import { Command } from 'commander';
import { WANFLOW_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { TypedSearchAttributes } from '@temporalio/common';
import { ensureSearchAttributes } from '../temporal/searchAttributes';
import { addTemporalFlags, ensureSearchAttributesFor, printJson, temporalConfig, withClient, type TemporalFlags } from './common';

export function setupCommand(): Command {
  return addTemporalFlags(
    new Command('setup')
      .description("Prepare a Temporal namespace for wanflow: check the connection and add wanflow's search attributes where the server allows it")
      .option('--check', 'only check; add nothing (exit 1 if something is missing)'),
  )
    .addHelpText(
      'after',
      `\nSearch attributes: ${WANFLOW_SEARCH_ATTRIBUTES.map((k) => `${k.name} (${TypedSearchAttributes.toMetadataType(k.type)})`).join(', ')}.\n` +
        'The worker does the same at start. Where the server refuses (Temporal Cloud, no operator permission), this prints the\n' +
        'commands that create them and exits 1.\n\nExamples:\n  npx wanflow setup\n  TEMPORAL_PROFILE=prod npx wanflow setup --check',
    )
    .action(async (flags: TemporalFlags & { check?: boolean }) => {
      const cfg = temporalConfig(flags);
      await withClient(cfg, async (client) => {
        const log = (line: string) => !flags.json && process.stdout.write(`${line}\n`);
        const r = flags.check
          ? await ensureSearchAttributes(client.connection, { namespace: cfg.temporal.namespace, address: cfg.temporal.address, add: false })
          : await ensureSearchAttributesFor(client, cfg, log);
        if (flags.json) return printJson({ address: cfg.temporal.address, namespace: cfg.temporal.namespace, present: r.present, added: r.added });
        if (r.present.length) log(`already there: ${r.present.join(', ')}`);
        log(`Temporal ${cfg.temporal.summary} is ready for wanflow (task queue "${cfg.taskQueue}"); next: npx wanflow worker`);
      });
    });
}
