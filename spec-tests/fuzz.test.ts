// The libFuzzer targets (ASan + UBSan), each for a bounded time on a copy of its committed
// corpus: the JSON reader, the whole planner, the seccomp reader and compiler, and the shim's
// plan decoder. A crash, a sanitizer report or a hang fails the test and leaves the input in
// the test's temp dir (its path is in the failure). PLANC_FUZZ_SECONDS sets the time per target;
// run one longer by hand as shown in wasm-core/README.md ("Fuzzing").
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { build, repo } from './helpers/env.js';
import { rmTree, tempDir } from './helpers/bundle.js';

const seconds = Number(process.env.PLANC_FUZZ_SECONDS ?? '8');
const clang = fs.existsSync('/usr/bin/clang-14') && fs.existsSync('/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a');
const targets = [
  { name: 'json', bin: 'planc-fuzz-json', corpus: 'wasm-core/test/corpus/json' },
  { name: 'plan', bin: 'planc-fuzz-plan', corpus: 'wasm-core/test/corpus/plan' },
  { name: 'seccomp', bin: 'planc-fuzz-seccomp', corpus: 'wasm-core/test/corpus/seccomp' },
  { name: 'decode', bin: 'planc-fuzz-decode', corpus: 'native-shim/test/corpus/decode' },
];

describe.skipIf(!clang)(`libFuzzer targets, ${seconds} s each${clang ? '' : ' (skipped: needs clang-14 with its libFuzzer runtime)'}`, () => {
  let tmp: string;
  beforeAll(() => {
    tmp = tempDir('fuzz');
    for (const [dir, target] of [['wasm-core', 'fuzz'], ['native-shim', 'fuzz']]) {
      const r = spawnSync('make', ['-s', '-C', path.join(repo, dir!), `BUILD=${build}`, target!], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`make -C ${dir} ${target}: ${r.stderr}`);
    }
  }, 300_000);
  afterAll(() => rmTree(tmp));

  for (const t of targets) {
    test(`${t.name}: no crash, sanitizer report or hang`, () => {
      const corpus = path.join(tmp, t.name);
      fs.cpSync(path.join(repo, t.corpus), corpus, { recursive: true });
      const seeds = fs.readdirSync(corpus).length;
      expect(seeds).toBeGreaterThan(0);
      const r = spawnSync(path.join(build, t.bin), [
        `-max_total_time=${seconds}`, '-timeout=10', '-rss_limit_mb=2048', '-max_len=65536', '-print_final_stats=1',
        `-artifact_prefix=${tmp}/${t.name}-`, corpus,
      ], { encoding: 'utf8', timeout: (seconds + 60) * 1000 });
      const crashes = fs.readdirSync(tmp).filter((f) => f.startsWith(`${t.name}-`));
      expect({ status: r.status, crashes, tail: r.status === 0 ? '' : r.stderr.slice(-3000) }).toEqual({ status: 0, crashes: [], tail: '' });
      // it ran: libFuzzer counts its executions
      const runs = Number(/stat::number_of_executed_units:\s*(\d+)/.exec(r.stderr)?.[1] ?? 0);
      expect(runs).toBeGreaterThan(seeds);
    }, (seconds + 90) * 1000);
  }
});
