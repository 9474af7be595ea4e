// `planc validate`: exact rule and pointer for each corpus config, exit codes (0 clean, 1 findings
// or strict warnings, 2 usage), SARIF 2.1.0 shape with lines resolved from pointers, and the
// one-process speed on a thousand configs. No root needed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { planc } from '../helpers/planc.js';
import { rmTree, tempDir } from '../helpers/bundle.js';
import { bundleDir, corpus, corpusConfig, corpusNames, hostV1 } from './corpus.js';

interface F { rule: string; severity: string; pointer: string; message: string; line: number; column: number }
interface Report { strict: boolean; totals: { files: number; errors: number; warnings: number; info: number }; files: { path: string; uri: string; findings: F[] }[] }

const validate = (args: string[]) => planc(['validate', '--host-facts', hostV1, ...args]);
const json = (args: string[]): Report => JSON.parse(validate(['--format', 'json', ...args]).stdout);
const findings = (name: string): F[] => json([path.join(corpus, name)]).files[0]!.findings;
const has = (fs_: F[], rule: string, pointer: string): boolean => fs_.some((f) => f.rule === rule && f.pointer === pointer);

let tmp: string;
beforeAll(() => { tmp = tempDir('validate'); });
afterAll(() => rmTree(tmp));

describe('validate findings name the rule and the exact pointer', () => {
  test('docker --privileged: every privileged capability, writable sysfs, no seccomp, all devices', () => {
    const f = findings('docker/privileged');
    const caps = corpusConfig('docker/privileged').process.capabilities.bounding as string[];
    expect(has(f, 'cap-sys-admin', `/process/capabilities/bounding/${caps.indexOf('CAP_SYS_ADMIN')}`)).toBe(true);
    expect(has(f, 'cap-sys-module', `/process/capabilities/effective/${caps.indexOf('CAP_SYS_MODULE')}`)).toBe(true);
    expect(has(f, 'cap-dac-read-search', `/process/capabilities/permitted/${caps.indexOf('CAP_DAC_READ_SEARCH')}`)).toBe(true);
    expect(has(f, 'sysfs-writable', '/mounts/3/options')).toBe(true);
    expect(has(f, 'proc-writable', '/mounts/0/options')).toBe(true);
    expect(has(f, 'no-seccomp', '/linux/seccomp')).toBe(true);
    expect(has(f, 'devices-allow-all', '/linux/resources/devices/0')).toBe(true);
    expect(has(f, 'masked-paths-empty', '/linux/maskedPaths')).toBe(true);
    expect(has(f, 'readonly-paths-empty', '/linux/readonlyPaths')).toBe(true);
    expect(f.filter((x) => x.severity === 'error')).toEqual([]);
  });
  test('docker default: root, NET_RAW and no noNewPrivileges; the engine\'s own binds are not sensitive', () => {
    const f = findings('docker/default').filter((x) => x.severity === 'warning');
    expect(new Set(f.map((x) => x.rule))).toEqual(new Set(['run-as-root', 'no-new-privileges-off', 'cap-net-raw']));
  });
  test('the docker socket is flagged even read-only', () => {
    expect(has(findings('docker/socket-mount'), 'runtime-socket-mount', '/mounts/6/source')).toBe(true);
  });
  test('podman --network=host shares the host network', () => {
    const f = findings('podman/host-network');
    expect(has(f, 'host-network-namespace', '/linux/namespaces')).toBe(true);
    expect(f.some((x) => x.rule === 'host-pid-namespace')).toBe(false);
  });
  test('a restricted Kubernetes pod only joins its sandbox namespaces', () => {
    const f = findings('kubernetes/restricted-pod').filter((x) => x.severity !== 'info');
    expect(f.map((x) => `${x.rule} ${x.pointer}`)).toEqual([
      'namespace-joined /linux/namespaces/1/path',
      'namespace-joined /linux/namespaces/2/path',
      'namespace-joined /linux/namespaces/3/path',
    ]);
  });
  test('a privileged pod with hostPath / and hostPID', () => {
    const f = findings('kubernetes/privileged-hostpath');
    expect(has(f, 'sensitive-host-mount', '/mounts/6/source')).toBe(true);
    expect(has(f, 'sensitive-host-mount', '/mounts/7/source')).toBe(true);
    expect(has(f, 'host-pid-namespace', '/linux/namespaces')).toBe(true);
    expect(has(f, 'host-network-namespace', '/linux/namespaces')).toBe(true);
    expect(has(f, 'namespace-joined', '/linux/namespaces/1/path')).toBe(true);
  });
  test('a read-only hostPath of /etc is fine, a writable one of /sys is not', () => {
    const f = findings('kubernetes/hostpath-etc-ro');
    expect(has(f, 'sensitive-host-mount', '/mounts/7/source')).toBe(true);
    expect(f.some((x) => x.pointer === '/mounts/6/source')).toBe(false);
  });
  test('planner errors come back as errors with their pointers, before the findings', () => {
    const f = findings('broken/invalid');
    const errors = f.filter((x) => x.severity === 'error');
    expect(errors.map((x) => `${x.rule} ${x.pointer}`)).toEqual([
      'hostname-uts /hostname', 'process-cwd /process/cwd', 'rlimit-type /process/rlimits/0/type',
      'capability-name /process/capabilities/bounding/1', 'mount-destination /mounts/0/destination',
    ]);
    expect(f.findIndex((x) => x.severity !== 'error')).toBe(errors.length);
  });
  test('lines and columns point at the value in the file', () => {
    const file = path.join(corpus, 'docker/socket-mount/config.json');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const f = findings('docker/socket-mount').find((x) => x.rule === 'runtime-socket-mount')!;
    expect(lines[f.line - 1]!.slice(f.column - 1)).toMatch(/^"\/var\/run\/docker\.sock"/);
  });
});

describe('validate exit codes and formats', () => {
  test('0 with warnings, 1 under --strict, 1 on errors, 2 on usage errors', () => {
    const clean = path.join(corpus, 'kubernetes/restricted-pod');
    expect(validate([clean]).code).toBe(0);
    expect(validate(['--strict', clean]).code).toBe(1);
    expect(validate([path.join(corpus, 'broken/invalid')]).code).toBe(1);
    expect(validate(['--format', 'yaml', clean]).code).toBe(2);
    expect(validate(['--no-such-flag']).code).toBe(2);
    expect(validate([path.join(tmp, 'missing')]).code).toBe(2);
    expect(validate([fs.mkdtempSync(path.join(tmp, 'empty-'))]).code).toBe(2);
  });
  test('the default spec (terminal: true) has no errors: it is validated as `planc run` would plan it', () => {
    const b = fs.mkdtempSync(path.join(tmp, 'spec-'));
    expect(planc(['spec', '-b', b]).code).toBe(0);
    const r = json([b]);
    expect(r.totals.errors).toBe(0);
    expect(validate([b]).code).toBe(0);
  });
  test('text lines are file:line:col: severity [rule] pointer: message', () => {
    const r = validate([path.join(corpus, 'docker/socket-mount')]);
    expect(r.stdout).toMatch(/^spec-tests\/corpus\/docker\/socket-mount\/config\.json:\d+:\d+: warning \[runtime-socket-mount\] \/mounts\/6\/source: /m);
    expect(r.stdout).toMatch(/1 file\(s\): 0 error\(s\), \d+ warning\(s\), \d+ info\n$/);
  });
  test('--config validates a file of any name', () => {
    const f = path.join(tmp, 'pod.json');
    fs.copyFileSync(path.join(corpus, 'docker/privileged/config.json'), f);
    const r: Report = JSON.parse(validate(['--format', 'json', '--config', f]).stdout);
    expect(r.files.map((x) => x.path)).toEqual([f]);
  });
  test('a directory validates every config.json beneath it', () => {
    expect(json([corpus]).files.map((f) => f.uri)).toEqual(corpusNames().map((n) => `spec-tests/corpus/${n}/config.json`));
  });
  test('SARIF 2.1.0: rules from the planner\'s tables, results with regions', () => {
    const s = JSON.parse(validate(['--format', 'sarif', '--strict', path.join(corpus, 'docker/privileged'), path.join(corpus, 'broken/invalid')]).stdout);
    expect(s.version).toBe('2.1.0');
    expect(s.$schema).toMatch(/sarif-2\.1\.0/);
    const run = s.runs[0];
    const rules = run.tool.driver.rules as { id: string; shortDescription: { text: string } }[];
    const ids = rules.map((r) => r.id);
    expect(ids).toContain('json-syntax');
    expect(ids).toContain('cap-sys-admin');
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of rules) expect(r.shortDescription.text.length).toBeGreaterThan(10);
    for (const res of run.results) {
      expect(ids[res.ruleIndex]).toBe(res.ruleId);
      expect(['error', 'warning', 'note']).toContain(res.level);
      const loc = res.locations[0];
      expect(loc.physicalLocation.artifactLocation.uri).toMatch(/^spec-tests\/corpus\/.*config\.json$/);
      expect(loc.physicalLocation.region.startLine).toBeGreaterThan(0);
      expect(loc.physicalLocation.region.startColumn).toBeGreaterThan(0);
    }
    const admin = run.results.find((r: any) => r.ruleId === 'cap-sys-admin');
    expect(admin.level).toBe('error');                       // --strict
    expect(run.results.some((r: any) => r.ruleId === 'process-cwd' && r.level === 'error')).toBe(true);
  });
});

describe('validate at scale', () => {
  test('a thousand configs in one process take well under a few seconds', () => {
    const root = path.join(tmp, 'many');
    const names = corpusNames();
    for (let i = 0; i < 1000; i++) bundleDir(path.join(root, `b${String(i).padStart(4, '0')}`), corpusConfig(names[i % names.length]!));
    const t0 = performance.now();
    const r = validate(['--format', 'json', root]);
    const ms = performance.now() - t0;
    const rep: Report = JSON.parse(r.stdout);
    expect(rep.totals.files).toBe(1000);
    console.log(`validate: 1000 configs in ${ms.toFixed(0)} ms (whole CLI process)`);
    // ~1.6 s on an idle machine; the bound catches a planner reloaded per file or a process per config
    expect(ms).toBeLessThan(8000);
  });
});
