// Pinning at create/run: the exact or the stable digest is accepted; a mismatch is refused before
// anything exists on the host, naming the digests or (with --pinned-plan) the ops that differ.
// The refusal happens before any privileged step, so these tests need no root.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { planc } from '../helpers/planc.js';
import { rmTree, tempDir } from '../helpers/bundle.js';
import { spawnSync } from 'node:child_process';
import { plancBin } from '../helpers/env.js';
import { bundleDir, corpusConfig, hostV1 } from './corpus.js';
import { preparePlan } from '../../orchestrator/src/prepare.js';
import { enforcePins } from '../../orchestrator/src/audit/pins.js';
import { planDigest } from '../../orchestrator/src/plan/render.js';

let tmp: string, root: string, bundle: string, changed: string, pinned: string;
let stable: string, exact: string;

beforeAll(() => {
  tmp = tempDir('pin');
  root = path.join(tmp, 'state');
  const base = corpusConfig('kubernetes/restricted-pod');
  bundle = bundleDir(path.join(tmp, 'bundle'), base);
  const c = structuredClone(base);
  c.process.capabilities.bounding = ['CAP_SYS_ADMIN'];
  changed = bundleDir(path.join(tmp, 'changed'), c);
  pinned = path.join(tmp, 'approved.json');
  // planned for another id under the default root: only the stable digest can match
  const r = planc(['plan', '-b', bundle, '--id', 'approved', '--host-facts', hostV1, '--format', 'json']);
  fs.writeFileSync(pinned, r.stdout);
  ({ stable_digest: stable, digest: exact } = JSON.parse(r.stdout));
});
afterAll(() => rmTree(tmp));

const nothingCreated = (): void => {
  expect(fs.existsSync(root) ? fs.readdirSync(root) : []).toEqual([]);
};

describe('pinned plans', () => {
  for (const cmd of ['run', 'create']) {
    test(`${cmd} refuses a plan whose digest is not the pinned one and creates nothing`, () => {
      const r = planc(['--root', root, cmd, '-b', changed, '--plan-digest', stable, 'pin-1']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`expected ${stable}`);
      expect(r.stderr).toMatch(/is not approved/);
      nothingCreated();
    });
  }
  test('--pinned-plan names the ops that differ', () => {
    const r = planc(['--root', root, 'run', '-b', changed, '--pinned-plan', pinned, 'pin-2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('capbset_drop');
    expect(r.stderr).toContain('-CAP_SYS_ADMIN');
    expect(r.stderr).toContain('+ capability: CAP_SYS_ADMIN (bounding)');
    nothingCreated();
  });
  test('the config\'s org.planc.plan-digest annotation pins too', () => {
    const c = corpusConfig('kubernetes/restricted-pod');
    c.annotations = { 'org.planc.plan-digest': 'sha256:' + '0'.repeat(64) };
    const b = bundleDir(path.join(tmp, 'annotated'), c);
    const r = planc(['--root', root, 'create', '-b', b, 'pin-3']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('annotation org.planc.plan-digest');
    nothingCreated();
  });
  test('$PLANC_APPROVED_DIGESTS is read and enforced', () => {
    const list = path.join(tmp, 'approved.txt');
    fs.writeFileSync(list, `# security team\n${exact}\n`);
    const r = spawnSync(plancBin, ['--root', root, 'create', '-b', changed, 'pin-4'], {
      encoding: 'utf8', input: '', env: { ...process.env, PLANC_APPROVED_DIGESTS: list },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`expected ${exact}`);
    nothingCreated();
  });
});

describe('pins accept the exact or the stable digest', () => {
  const prepare = (id: string) => preparePlan({ bundle, id, root, hostFactsFile: hostV1 });
  const ctx = (id: string) => ({ id, root, stateDir: path.join(root, id) });
  test('the stable digest of a plan made for another id and root is accepted', async () => {
    const p = await prepare('pin-5');
    await expect(enforcePins(p, new Set([stable]), ctx('pin-5'))).resolves.toBeUndefined();
  });
  test('the exact digest is accepted', async () => {
    const p = await prepare('pin-6');
    await expect(enforcePins(p, new Set([planDigest(p.plan)]), ctx('pin-6'))).resolves.toBeUndefined();
  });
  test('--pinned-plan alone pins its own digests', async () => {
    const p = await prepare('pin-7');
    await expect(enforcePins(p, null, { ...ctx('pin-7'), pinnedPlan: pinned })).resolves.toBeUndefined();
  });
  test('anything else is refused', async () => {
    const p = await prepare('pin-8');
    await expect(enforcePins(p, new Set([exact]), ctx('pin-8'))).rejects.toThrow(/is not approved/);
  });
});
