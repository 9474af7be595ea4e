// The audit corpus (spec-tests/corpus: Docker, podman and Kubernetes style configs) plus the
// existing fixtures, as bundles without a rootfs: planning and validating need none.
import fs from 'node:fs';
import path from 'node:path';
import { fixtureNames, fixtures, repo } from '../helpers/env.js';

export const corpus = path.join(repo, 'spec-tests', 'corpus');
export const hostV1 = path.join(fixtures, 'host-v1.json');

/** Corpus bundles by name ("docker/privileged"), sorted. */
export function corpusNames(): string[] {
  return fs.readdirSync(corpus, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('config.json')).map((f) => path.dirname(f).split(path.sep).join('/')).sort();
}

export function corpusConfig(name: string): Record<string, any> {
  return JSON.parse(fs.readFileSync(path.join(corpus, name, 'config.json'), 'utf8'));
}

/** Every config the audit tests plan: corpus bundles and fixtures, by label. */
export function allConfigs(): [string, Record<string, any>][] {
  const fx = fixtureNames(fs.readdirSync(fixtures)).map((n): [string, Record<string, any>] =>
    [`fixture ${n}`, JSON.parse(fs.readFileSync(path.join(fixtures, `${n}.json`), 'utf8'))]);
  return [...corpusNames().map((n): [string, Record<string, any>] => [`corpus ${n}`, corpusConfig(n)]), ...fx];
}

/** A bundle dir holding only config.json. */
export function bundleDir(dir: string, config: unknown, text?: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), text ?? JSON.stringify(config, null, 2) + '\n');
  return dir;
}

/** The same document with every object's keys in a different (reversed, then rotated) order. */
export function shuffleKeys(v: unknown, depth = 0): unknown {
  if (Array.isArray(v)) return v.map((x) => shuffleKeys(x, depth + 1));
  if (v === null || typeof v !== 'object') return v;
  const keys = Object.keys(v).reverse();
  const k = keys.length ? depth % keys.length : 0;
  const order = [...keys.slice(k), ...keys.slice(0, k)];
  return Object.fromEntries(order.map((key) => [key, shuffleKeys((v as Record<string, unknown>)[key], depth + 1)]));
}
