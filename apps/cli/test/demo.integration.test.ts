import { describe, expect, it } from 'vitest';
import { DATABASE_URL, REDIS_URL, spawnCli } from '@syncframe/test-kit/fleet';

describe('syncframe demo', () => {
  it('syncs a local Airtable base and Webflow site both ways, tells what moved in words, exits 0 and leaves nothing running', async () => {
    const demo = spawnCli(['demo'], { LOG_LEVEL: 'warn' });
    const code = await demo.exited;
    const out = demo.lines.join('\n');
    expect(code, out).toBe(0);
    // The first sync creates both ways, a reference and an image carried across.
    expect(out).toMatch(/^demo-authors: success/m);
    expect(out).toContain('created in Webflow  "Ada Lovelace"');
    expect(out).toContain('created in Airtable "Linus Torvalds"');
    expect(out).toContain('created in Webflow  "Notes on the Analytical Engine"');
    expect(out).toMatch(/analytical-engine\s+Notes on the Analytical Engine\s+Ada Lovelace\s+engine\.png\s+Notes on the Analytical Engine\s+Ada Lovelace\s+engine\.png/);
    // Edits on each side move across; a conflict is decided by the newer change; echoes are skipped.
    expect(out).toContain('updated in Airtable "Just for Fun (2001)" (Title)');
    expect(out).toMatch(/updated in Webflow {2}"Compilers for everyone" \(notes/);
    expect(out).toMatch(/conflict\s+"Bernoulli numbers by hand" in Airtable: both sides changed; the webflow side's newer change wins/);
    expect(out).toMatch(/pulled back unchanged \(echoes of SyncFrame's own writes\)/);
    // The third run only reads, and both sides end equal.
    expect(out).toMatch(/Third sync[\s\S]*demo-authors: success[^\n]*\n {2}nothing to do: both sides already agree/);
    expect(out).toMatch(/just-for-fun\s+Just for Fun \(2001\)\s+Linus Torvalds\s+-\s+Just for Fun \(2001\)\s+Linus Torvalds/);
    expect(out).toContain('has stopped');
    // No credential is printed, fake or not.
    expect(out).not.toContain('patDEMO');
  }, 120_000);

  it('--keep leaves the local APIs, and with Redis and PostgreSQL a fleet with the board, running until interrupted', async () => {
    const demo = spawnCli(['demo', '--keep'], { LOG_LEVEL: 'warn', REDIS_URL, DATABASE_URL });
    const line = await demo.waitFor(/^ {2}Airtable {2}http:\/\/127\.0\.0\.1:\d+/, 90_000);
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(line)![0];
    // The local Airtable answers like Airtable: without a token, 401.
    expect((await fetch(`${url}/v0/appSyncFrameDemo1/Videos`)).status).toBe(401);
    // The store was copied to PostgreSQL and the board serves the demo's jobs and runs.
    const boardLine = await demo.waitFor(/^ {2}board {5}http:\/\/127\.0\.0\.1:\d+ {3}\(token [0-9a-f]+/, 60_000);
    const [, board, token] = /(http:\/\/127\.0\.0\.1:\d+) {3}\(token ([0-9a-f]+)/.exec(boardLine)!;
    const { jobs } = await (await fetch(`${board}/api/jobs`, { headers: { authorization: `Bearer ${token}` } })).json() as { jobs: { id: string }[] };
    expect(jobs.map((j) => j.id).sort()).toEqual(['demo-authors', 'demo-videos']);
    const { runs } = await (await fetch(`${board}/api/runs?job=demo-videos`, { headers: { authorization: `Bearer ${token}` } })).json() as { runs: unknown[] };
    expect(runs.length).toBeGreaterThanOrEqual(3);
    demo.proc.kill('SIGINT');
    expect(await demo.exited).toBe(0);
    await expect(fetch(`${url}/v0/appSyncFrameDemo1/Videos`)).rejects.toThrow();
    await expect(fetch(`${board}/healthz`)).rejects.toThrow();
  }, 120_000);
});
