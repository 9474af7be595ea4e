// Builds the planner's context record (docs/plan-format.md §5) as JSON bytes with a fixed key order.
// Holds no OCI policy: it only reports where things are and what the host looks like.
import { isAbsolute, join, resolve } from './posix-path.js';
import type { HostFacts } from './facts.js';
import { userHome } from './rootfs.js';

export interface RuntimeOptions {
  no_pivot: boolean;
  no_new_keyring: boolean;
  preserve_fds: number;
  /** host path of the caller's console socket, or "" */
  console_socket: string;
  /** path of a socket the shim listens on to proxy a `run -t` terminal, or "" */
  console_proxy: string;
  /** exec --cgroup: sub-cgroup paths by controller ("" for all), below the container's */
  sub_cgroups?: Record<string, string>;
  /** --systemd-cgroup: the container's cgroup is a systemd unit's (cgroupsPath slice:prefix:name) */
  systemd_cgroup?: boolean;
}
export type PlanAction = 'create' | 'exec' | 'pause' | 'resume' | 'update';
export interface ContextInput {
  id: string;
  bundle: string;
  stateDir: string;
  action?: PlanAction;
  options?: Partial<RuntimeOptions>;
  /** true when the orchestrator runs prestart/createRuntime hooks at sync_caller */
  hooksCaller?: boolean;
  host: HostFacts;
  /** config.json as parsed (the container's, for exec/update); only root.path and process.user.uid are read. */
  config: unknown;
  /** exec and update: the running container's init pid and config */
  container?: { pid: number; config: unknown };
  /** exec: the uid the new process runs as (its HOME is looked up for it, not for the container's user) */
  uid?: number;
}

type Json = { [k: string]: unknown };
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

export function rootfsOf(bundle: string, config: unknown): string {
  const p = obj(obj(config).root).path;
  const path = typeof p === 'string' && p !== '' ? p : 'rootfs';
  return isAbsolute(path) ? path : join(bundle, path);
}

export function buildContext(input: ContextInput): Uint8Array {
  const bundle = resolve(input.bundle);
  const uid = input.uid ?? obj(obj(obj(input.config).process).user).uid;
  const home = userHome(rootfsOf(bundle, input.config), typeof uid === 'number' ? uid : 0);
  const h = input.host;
  const o = input.options ?? {};
  // Keys are written in one fixed order so that equal inputs give equal bytes (and equal plans).
  const record = {
    id: input.id,
    bundle,
    state_dir: input.stateDir,
    user_home: home,
    action: input.action ?? 'create',
    options: {
      no_pivot: o.no_pivot ?? false,
      no_new_keyring: o.no_new_keyring ?? false,
      preserve_fds: o.preserve_fds ?? 0,
      console_socket: o.console_socket ?? '',
      console_proxy: o.console_proxy ?? '',
      ...(o.sub_cgroups ? { sub_cgroups: o.sub_cgroups } : {}),
      // only when set, so plans of the cgroupfs driver keep their bytes and digests
      ...(o.systemd_cgroup ? { systemd_cgroup: true } : {}),
    },
    hooks_caller: input.hooksCaller ?? false,
    host: {
      cgroup: {
        v1: h.cgroup.v1.map((x) => (x.name === undefined
          ? { mount: x.mount, controllers: x.controllers }
          : { mount: x.mount, controllers: x.controllers, name: x.name })),
        unified: h.cgroup.unified,
        unified_controllers: h.cgroup.unified_controllers,
      },
      cpuset: { cpus: h.cpuset.cpus, mems: h.cpuset.mems },
      proc_kcore: h.proc_kcore,
      clone_into_cgroup: h.clone_into_cgroup ?? false,
      ...(h.blkio_weight_file ? { blkio_weight_file: h.blkio_weight_file } : {}),
      ...(h.io_weight_file ? { io_weight_file: h.io_weight_file } : {}),
      ...(h.io_bfq_device_weight ? { io_bfq_device_weight: true } : {}),
      ...(h.hugetlb_rsvd ? { hugetlb_rsvd: true } : {}),
      ...(h.cpu_burst ? { cpu_burst: true } : {}),
      ...(h.hugepage_sizes ? { hugepage_sizes: h.hugepage_sizes } : {}),
    },
    ...(input.container ? { container: { pid: input.container.pid, config: input.container.config } } : {}),
  };
  return new TextEncoder().encode(JSON.stringify(record));
}
