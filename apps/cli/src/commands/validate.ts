import { describeConfig } from '@syncframe/config';
import type { CliContext } from '../cli-context.js';
import { EXIT } from '../cli-context.js';

/** `syncframe validate`: exit 0 and a summary, or (from main) exit 2 with every error. */
export async function validateCommand(ctx: CliContext): Promise<number> {
  const config = await ctx.config();
  if (ctx.args.values.json) {
    ctx.out(JSON.stringify(describeConfig(config), null, 2));
    return EXIT.ok;
  }
  ctx.out(`${config.file}: valid (${config.jobs.length} job${config.jobs.length === 1 ? '' : 's'}, linkindex ${config.linkindex.driver})`);
  for (const job of config.jobs) {
    const schedule = job.schedule ? `${job.schedule.cron}${job.schedule.timezone ? ` ${job.schedule.timezone}` : ''}` : 'on demand';
    ctx.out(`  ${job.id}: ${job.source.name} (${job.source.adapter}) ⇄ ${job.dest.name} (${job.dest.adapter}), ${schedule}${job.enabled ? '' : ', disabled'}`);
  }
  return EXIT.ok;
}
