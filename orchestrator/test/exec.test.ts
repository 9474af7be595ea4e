// Pins how `exec` derives the new process from the container's: runc's overrides, nothing else changed.
import { describe, expect, it } from 'vitest';
import { processFrom } from '../src/commands/exec.js';
import { defaultSpec } from '../src/spec-default.js';

describe('processFrom', () => {
  it('replaces args and terminal, keeps everything else of the container process', () => {
    const config = defaultSpec() as Record<string, any>;
    const p = processFrom(config, ['ls', '-l'], {});
    expect(p).toEqual({ ...config.process, args: ['ls', '-l'], terminal: false });
    expect(config.process.args).toEqual(['sh']); // the stored config is not touched
  });

  it('lays --env, --cwd, --user, --additional-gids, --cap and --no-new-privs over it', () => {
    const config = defaultSpec() as Record<string, any>;
    const p = processFrom(config, ['id'], { env: ['A=1'], cwd: '/tmp', user: '1000:100', additionalGids: ['5', '6'], cap: ['CAP_SYS_ADMIN'], newPrivs: false, tty: true });
    expect(p.env.at(-1)).toBe('A=1');
    expect(p.cwd).toBe('/tmp');
    expect(p.user).toEqual({ uid: 1000, gid: 100, additionalGids: [5, 6] });
    expect(p.capabilities.bounding).toContain('CAP_SYS_ADMIN');
    expect(p.capabilities.ambient).toContain('CAP_SYS_ADMIN');
    expect(p.noNewPrivileges).toBe(true);
    expect(p.terminal).toBe(true);
    expect(processFrom(config, ['id'], { user: '7' }).user).toEqual({ uid: 7, gid: 0 });
  });
});
