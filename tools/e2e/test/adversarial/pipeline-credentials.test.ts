import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeImageLayout } from '@hoist/test-images';
import { tempDir } from '../helpers.js';
import { hoistInProcess } from '../in-process.js';

/**
 * A Jenkinsfile sets HOIST_USERNAME_ENV and HOIST_PASSWORD_ENV once, in `environment {}`
 * (docs/jenkins.md), and only the steps inside withCredentials have the variables they name.
 * Every other step (help, a local layout) must not care; a registry step outside says so in the
 * user's own words.
 */
const PIPELINE = { HOIST_USERNAME_ENV: 'REG_USER', HOIST_PASSWORD_ENV: 'REG_PASS' };

describe('pipeline-wide HOIST_USERNAME_ENV / HOIST_PASSWORD_ENV outside withCredentials', () => {
  it('--help of every command exits 0', async () => {
    for (const command of ['push', 'build', 'copy', 'sync', 'inspect', 'digest', 'tag', 'ls', 'login']) {
      const run = await hoistInProcess([command, '--help'], PIPELINE);
      expect(run.stderr, command).toBe('');
      expect(run.code, command).toBe(0);
    }
  });

  it('inspect oci:DIR and a push to a layout read no variable', async () => {
    const layout = await tempDir();
    const image = await makeImageLayout(layout, [1024], 'v1');
    const inspected = await hoistInProcess(['inspect', `oci:${layout}:v1`, '--json'], PIPELINE);
    expect(inspected.stderr).toBe('');
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toContain(image.manifest.digest);
    const out = join(await tempDir(), 'out');
    const pushed = await hoistInProcess(['push', `oci:${layout}:v1`, `oci:${out}:v1`], PIPELINE);
    expect(pushed.stderr).not.toMatch(/error/);
    expect(pushed.code).toBe(0);
  });

  it('a registry push names the setting as written and withCredentials, before any request', async () => {
    const layout = await tempDir();
    await makeImageLayout(layout, [1024], 'v1');
    // Port 9 on loopback: nothing is asked of it, the variables are read first.
    const pushed = await hoistInProcess(['push', `oci:${layout}:v1`, '127.0.0.1:9/team/app:1'], PIPELINE);
    expect(pushed.code).toBe(2);
    expect(pushed.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^hoist: error: HOIST_USERNAME_ENV=REG_USER: REG_USER is not set .*withCredentials/)]);
    const noPassword = await hoistInProcess(['push', `oci:${layout}:v1`, '127.0.0.1:9/team/app:1'], { ...PIPELINE, REG_USER: 'ci' });
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toMatch(/^hoist: error: HOIST_PASSWORD_ENV=REG_PASS: REG_PASS is not set \(in Jenkins, run this step inside withCredentials, whose passwordVariable sets it\)\n$/);
    expect(noPassword.stderr).not.toContain('--password-env');
  });

  it('a pipeline that sets one of them, the other half given on its registry steps, runs its local steps', async () => {
    const layout = await tempDir();
    await makeImageLayout(layout, [1024], 'v1');
    for (const half of [{ HOIST_PASSWORD_ENV: 'REG_PASS' }, { HOIST_USERNAME_ENV: 'REG_USER' }] as Record<string, string>[]) {
      const inspected = await hoistInProcess(['inspect', `oci:${layout}:v1`], half);
      expect(inspected.stderr, JSON.stringify(half)).toBe('');
      expect(inspected.code).toBe(0);
      const pushed = await hoistInProcess(['push', `oci:${layout}:v1`, `oci:${join(await tempDir(), 'out')}:v1`], half);
      expect(pushed.stderr).not.toMatch(/error/);
      expect(pushed.code).toBe(0);
    }
    // A registry step without the other half is told, in the setting's own words.
    const pushed = await hoistInProcess(['push', `oci:${layout}:v1`, '127.0.0.1:9/team/app:1'], { HOIST_PASSWORD_ENV: 'REG_PASS', REG_PASS: 'pw' });
    expect(pushed.code).toBe(2);
    expect(pushed.stderr).toMatch(/^hoist: error: HOIST_PASSWORD_ENV=REG_PASS needs --username or --username-env/);
  });

  it('a secret given where the name of its variable belongs is never printed', async () => {
    const layout = await tempDir();
    await makeImageLayout(layout, [1024], 'v1');
    const secret = 'jenkins:s3cr3t-PW';
    const cases: [string[], Record<string, string>][] = [
      // environment { HOIST_PASSWORD_ENV = credentials('registry') }: the value, user:password, not a name.
      [[], { ...PIPELINE, REG_USER: 'ci', HOIST_PASSWORD_ENV: secret }],
      [[], { HOIST_PASSWORD_ENV: secret }],
      [['-u', 'ci', '--password-env', secret], {}],
      [['--password-env', secret], {}],
      // sh "hoist push --password-env $REG_PASS ...": the shell put the value in.
      [['-u', 'ci', '--password-env', 's3cr3tPW'], { REG_PASS: 's3cr3tPW' }],
      // A token that reads like a variable's name (GitHub's ghp_…), held by no exported variable.
      [['-u', 'ci', '--password-env', 'ghp_s3cr3tHorseStaple42'], {}],
      [[], { ...PIPELINE, REG_USER: 'ci', HOIST_PASSWORD_ENV: 'ghp_s3cr3tHorseStaple42' }],
      // ... and with no username, which is said first.
      [['--password-env', 'ghp_s3cr3tHorseStaple42'], {}],
      [[], { HOIST_PASSWORD_ENV: 'ghp_s3cr3tHorseStaple42' }],
    ];
    for (const [flags, env] of cases) {
      const pushed = await hoistInProcess(['push', `oci:${layout}:v1`, '127.0.0.1:9/team/app:1', ...flags], env);
      expect(pushed.code, flags.join(' ')).toBe(2);
      expect(pushed.stderr, flags.join(' ')).toMatch(/^hoist: error: .*\n$/);
      expect(pushed.stderr, flags.join(' ')).not.toMatch(/s3cr3t/);
    }
    const named = await hoistInProcess(['push', `oci:${layout}:v1`, '127.0.0.1:9/team/app:1', '-u', 'ci', '--password-env', 's3cr3tPW'], { REG_PASS: 's3cr3tPW' });
    expect(named.stderr).toContain('--password-env REG_PASS');
  });
});
