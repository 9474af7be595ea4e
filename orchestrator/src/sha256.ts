// SHA-256 for plan and wasm digests through the engine's native hasher.
// Never imports node:crypto at top level: loading it costs Bun ~10 ms of start-up.

interface BunHasher { update(d: Uint8Array): BunHasher; digest(enc: 'hex'): string }
declare const Bun: { CryptoHasher: new (alg: string) => BunHasher } | undefined;

export function sha256Hex(data: Uint8Array): string {
  if (typeof Bun !== 'undefined') return new Bun.CryptoHasher('sha256').update(data).digest('hex');
  return process.getBuiltinModule('node:crypto').createHash('sha256').update(data).digest('hex');
}
