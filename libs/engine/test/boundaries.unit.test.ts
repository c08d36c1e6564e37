import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cruise } from 'dependency-cruiser';
import type { ICruiseResult, IForbiddenRuleType } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

// The rules themselves live in /.dependency-cruiser.cjs and run over the real code in `npm test` (`npm run boundaries`).
// This test proves they can fail: it cruises a miniature repository whose files break them on purpose.
const ROOT = join(import.meta.dirname, '../../..');
const FIXTURE = join(import.meta.dirname, 'fixtures/boundary-violation');
const config = createRequire(import.meta.url)(join(ROOT, '.dependency-cruiser.cjs')) as { forbidden: IForbiddenRuleType[] };

async function violations(): Promise<string[]> {
  const cwd = process.cwd();
  process.chdir(FIXTURE); // dependency-cruiser reports paths relative to the working directory
  try {
    const { output } = await cruise(['libs', 'apps'], {
      baseDir: FIXTURE,
      validate: true,
      ruleSet: { forbidden: config.forbidden },
      doNotFollow: { path: 'node_modules' },
      tsPreCompilationDeps: true,
    });
    const result = output as ICruiseResult;
    return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
  } finally {
    process.chdir(cwd);
  }
}

describe('dependency boundaries (.dependency-cruiser.cjs)', () => {
  it('reports each deliberate violation under the rule it breaks', async () => {
    const found = await violations();
    const at = (rule: string, from: string, to: RegExp) =>
      expect(found.some((v) => v.startsWith(`${rule}: ${from} → `) && to.test(v.split(' → ')[1]!)), `${rule} ${from} in\n${found.join('\n')}`).toBe(true);

    at('engine-no-infrastructure', 'libs/engine/src/queue-leak.ts', /node_modules\/bullmq\//);
    at('engine-no-infrastructure', 'libs/engine/src/queue-leak.ts', /^(node:)?https$/);
    at('engine-npm-allowlist', 'libs/engine/src/queue-leak.ts', /node_modules\/bullmq\//);
    at('bullmq-only-in-fleet', 'libs/engine/src/queue-leak.ts', /node_modules\/bullmq\//);
    at('bullmq-only-in-fleet', 'apps/worker/src/index.ts', /node_modules\/bullmq\//);
    at('production-not-test-code', 'libs/engine/src/queue-leak.ts', /^libs\/engine\/test\/helper\.ts$/);
    at('libs-not-apps', 'libs/config/src/uses-app.ts', /^apps\/worker\/src\/index\.ts$/);
    at('package-deps:libs/config', 'libs/config/src/uses-app.ts', /^apps\/worker\/src\/index\.ts$/);
    at('config-reads-definitions-only', 'libs/config/src/uses-link-index-driver.ts', /^libs\/linkindex\/src\/open-link-index\.ts$/);
    at('production-not-test-kit', 'libs/config/src/uses-test-kit.ts', /^libs\/test-kit\/src\/index\.ts$/);
  });
});
