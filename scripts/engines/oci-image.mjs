// Builds an OCI image layout tarball (index, manifest, config, one gzip layer) from a rootfs
// tar.gz, so engines can import a test image without a registry.
// usage: node oci-image.mjs <layer.tar.gz> <out.tar> <name:tag> [cmd...]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const [layerPath, outPath, ref, ...cmd] = process.argv.slice(2);
if (!layerPath || !outPath || !ref) {
  console.error('usage: node oci-image.mjs <layer.tar.gz> <out.tar> <name:tag> [cmd...]');
  process.exit(2);
}

const sha256 = (buf) => 'sha256:' + createHash('sha256').update(buf).digest('hex');
const goArch = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
const platform = { architecture: goArch[process.arch] ?? process.arch, os: 'linux' };

const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'planc-oci-'));
try {
  const blobs = path.join(stage, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  /** Stores bytes as a blob and returns its descriptor. */
  const put = (mediaType, bytes, extra = {}) => {
    const digest = sha256(bytes);
    fs.writeFileSync(path.join(blobs, digest.slice('sha256:'.length)), bytes);
    return { mediaType, digest, size: bytes.length, ...extra };
  };

  const layerGz = fs.readFileSync(layerPath);
  const diffId = sha256(zlib.gunzipSync(layerGz));
  const layer = put('application/vnd.oci.image.layer.v1.tar+gzip', layerGz);

  const config = put('application/vnd.oci.image.config.v1+json', Buffer.from(JSON.stringify({
    created: '1970-01-01T00:00:00Z',
    ...platform,
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: cmd.length ? cmd : ['/bin/sh'],
      WorkingDir: '/',
    },
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created: '1970-01-01T00:00:00Z', created_by: 'planc scripts/mkrootfs.sh' }],
  })));

  const manifest = put('application/vnd.oci.image.manifest.v1+json', Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config,
    layers: [layer],
  })), { platform, annotations: { 'org.opencontainers.image.ref.name': ref, 'io.containerd.image.name': ref } });

  fs.writeFileSync(path.join(stage, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  fs.writeFileSync(path.join(stage, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [manifest],
  }));
  execFileSync('tar', ['-C', stage, '--numeric-owner', '--owner=0', '--group=0', '-cf', path.resolve(outPath),
    'oci-layout', 'index.json', 'blobs']);
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
