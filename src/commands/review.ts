/** `wanflow review <workflow-id>`: serves the pipeline's review page on this machine and prints its URL. */
import { Command, InvalidArgumentError } from 'commander';
import { startReviewServer } from '../review/server';
import { openInBrowser } from '../review/open';
import { addTemporalFlags, printJson, temporalConfig, withClient, type TemporalFlags } from './common';

interface ReviewFlags extends TemporalFlags {
  port: number;
  host: string;
  open?: boolean;
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number 0–65535 (0: a free port)');
  return n;
}

export function reviewCommand(): Command {
  return addTemporalFlags(
    new Command('review')
      .description(
        "Serve a pipeline's review page: stage, plan and cost, training progress, every checkpoint's validation previews side by side, " +
          'and approve buttons while it awaits approval. Runs until Ctrl-C.',
      )
      .argument('<workflow-id>')
      .option('--port <n>', 'port to listen on (default: a free one)', port, 0)
      .option('--host <address>', 'address to listen on; the page can approve checkpoints, so keep it local unless you mean it', '127.0.0.1')
      .option('--open', 'open the page in the desktop browser'),
  )
    .addHelpText('after', '\nExamples:\n  wanflow review wanflow-wan2.2-i2v-flash-3f2a9c1d0e4b\n  wanflow review my-pipeline --port 8080 --open')
    .action(async (workflowId: string, flags: ReviewFlags) => {
      await withClient(temporalConfig(flags), async (client) => {
        await client.workflow
          .getHandle(workflowId)
          .describe()
          .catch((err: Error) => {
            throw new Error(err.name === 'WorkflowNotFoundError' ? `no pipeline with workflow id "${workflowId}"` : err.message);
          });
        const server = await startReviewServer({ client, workflowId, host: flags.host, port: flags.port });
        if (flags.json) printJson({ workflowId, url: server.url });
        else process.stdout.write(`review page for ${workflowId}: ${server.url}\n`);
        process.stderr.write('serving until Ctrl-C\n');
        if (flags.open && !openInBrowser(server.url)) process.stderr.write('no desktop to open a browser on; open the URL yourself\n');
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await server.close();
      });
    });
}
