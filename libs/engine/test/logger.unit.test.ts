import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, runSyncCycle } from '@syncframe/engine';
import { harness } from '@syncframe/test-kit';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, destination };
}

describe('logger', () => {
  it('writes pino JSON and redacts credentials wherever they appear', () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination, level: 'debug' });
    log.info({ side: { creds: { apiKey: 'patSECRET123' } }, headers: { authorization: 'Bearer patSECRET123' } }, 'config');
    log.info({ token: 'patSECRET123', conn: 'postgres://u:pw@h/db' }, 'x');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(() => JSON.parse(line)).not.toThrow();
      expect(line).not.toContain('patSECRET123');
      expect(line).not.toContain(':pw@');
    }
  });

  it('every line of a run carries the job id and run id, and side-specific lines the side', async () => {
    const { lines, destination } = capture();
    const logger = createLogger({ destination, level: 'debug' });
    const h = harness({ retries: { max_attempts: 2 } });
    h.source.insert({ Name: 'A', Slug: 'a' });
    h.dest.failNext({ type: 'transient' }, 'write');
    await runSyncCycle(h.job, { linkIndex: h.linkIndex, clock: h.clock, logger }, { runId: 'run-1' });
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.length).toBeGreaterThan(2);
    for (const p of parsed) expect(p).toMatchObject({ jobId: 'videos', runId: 'run-1' });
    expect(parsed.find((p) => p.msg === 'remote request failed; retrying')).toMatchObject({ side: 'webflow' });
    expect(parsed.filter((p) => p.msg === 'pulled').map((p) => p.side).sort()).toEqual(['airtable', 'webflow']);
  });
});
