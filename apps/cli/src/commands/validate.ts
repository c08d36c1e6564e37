import { describeConfig, isConfigFileError, redactSide } from '@syncframe/config';
import type { LoadedConfig, SideConfig } from '@syncframe/config';
import type { CliContext } from '../cli-context.js';
import { EXIT } from '../cli-context.js';

/**
 * `syncframe validate`: exit 0 and a summary, or exit 2 with every error (FILE:LINE:COL on
 * stderr; with `--json`, `{ valid: false, errors: [...] }` on stdout).
 */
export async function validateCommand(ctx: CliContext): Promise<number> {
  let config: LoadedConfig;
  try {
    config = await ctx.config();
  } catch (err) {
    if (!ctx.args.values.json || !isConfigFileError(err)) throw err;
    ctx.out(JSON.stringify({ valid: false, errors: err.issues }, null, 2));
    return EXIT.usage;
  }
  if (ctx.args.values.json) {
    ctx.out(JSON.stringify(describeConfig(config), null, 2));
    return EXIT.ok;
  }
  ctx.out(`${config.file}: valid (${config.jobs.length} job${config.jobs.length === 1 ? '' : 's'}, linkindex ${config.linkindex.driver})`);
  for (const job of config.jobs) {
    const schedule = job.schedule ? `${job.schedule.cron}${job.schedule.timezone ? ` ${job.schedule.timezone}` : ''}` : 'on demand';
    ctx.out(`  ${job.id}: ${sideText(job.source)} ⇄ ${sideText(job.dest)}, ${schedule}${job.enabled ? '' : ', disabled'}`);
  }
  return EXIT.ok;
}

/** `crm (airtable: Videos)`; a table that came from `${VAR}` is masked. */
function sideText(side: SideConfig): string {
  return `${side.name} (${side.plugin}: ${redactSide(side).table})`;
}
