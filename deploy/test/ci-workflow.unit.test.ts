/**
 * .github/workflows/ci.yml runs what .ci/run runs: the README's `npm ci` and `npm test`, on the Node
 * the package supports, with the Redis and PostgreSQL the tests expect.
 */
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readRepoFile } from './code-facts.js';

interface Step { run?: string; uses?: string; with?: Record<string, unknown> }
interface Job {
  services?: Record<string, { image: string; env?: Record<string, string>; ports?: string[] }>;
  env?: Record<string, string>;
  steps: Step[];
}

const workflow = parse(readRepoFile('.github/workflows/ci.yml')) as { jobs: Record<string, Job> };
const ciRun = readRepoFile('.ci/run');

describe('.github/workflows/ci.yml', () => {
  const test = workflow.jobs['test']!;
  const runs = test.steps.flatMap((s) => (s.run ? s.run.split('\n').map((l) => l.trim()) : []));

  it('runs the commands .ci/run runs, in the same order', () => {
    const commands = (text: string[]) => text.filter((l) => /^npm (ci|test)\b/.test(l));
    expect(commands(runs)).toEqual(commands(ciRun.split('\n').map((l) => l.trim())));
    expect(commands(runs)).toEqual(['npm ci', 'npm test']);
  });

  it('uses the Node major the package declares', () => {
    const node = test.steps.find((s) => s.uses?.startsWith('actions/setup-node'))?.with?.['node-version'];
    const [major] = /\d+/.exec(JSON.parse(readRepoFile('package.json')).engines.node as string) ?? [];
    expect(String(node)).toBe(major);
  });

  it('gives the tests Redis and PostgreSQL (trust auth, database "test") where REDIS_URL and DATABASE_URL point', () => {
    const { redis, postgres } = test.services ?? {};
    expect(redis?.ports).toContain('6379:6379');
    expect(postgres?.ports).toContain('5432:5432');
    expect(postgres?.env).toMatchObject({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'test' });
    expect(test.env).toEqual({ REDIS_URL: 'redis://127.0.0.1:6379', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' });
    expect(runs.join('\n'), 'the browser test\'s Chromium').toContain('/usr/bin/chromium');
  });
});
