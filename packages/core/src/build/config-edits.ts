import type { ContainerConfig, HistoryEntry, ImageConfig } from '../oci-types.js';

/** What a build changes in how the container runs; unset fields keep the base's. */
export interface ConfigEdits {
  /** Replaces the base's entrypoint (exec form); the base's cmd is then dropped, as Docker does. */
  entrypoint?: readonly string[];
  cmd?: readonly string[];
  /** `KEY=VALUE`, replacing a variable of the same name. */
  env?: Readonly<Record<string, string>>;
  workdir?: string;
  user?: string;
  labels?: Readonly<Record<string, string>>;
  /** `8080`, `8080/tcp`, `53/udp`. */
  exposedPorts?: readonly string[];
}

export interface AddedLayer {
  diffId: string;
  createdBy: string;
}

/** The base's config with the layers appended, the edits applied, and `created` set. */
export function editConfig(base: ImageConfig, layers: readonly AddedLayer[], edits: ConfigEdits, created: string): ImageConfig {
  const config: ContainerConfig = { ...base.config };
  if (edits.entrypoint) {
    config.Entrypoint = [...edits.entrypoint];
    if (!edits.cmd) delete config.Cmd;
  }
  if (edits.cmd) config.Cmd = [...edits.cmd];
  if (edits.env) config.Env = mergeEnv(config.Env ?? [], edits.env);
  if (edits.workdir !== undefined) config.WorkingDir = edits.workdir;
  if (edits.user !== undefined) config.User = edits.user;
  if (edits.labels) config.Labels = { ...config.Labels, ...edits.labels };
  if (edits.exposedPorts) {
    config.ExposedPorts = { ...config.ExposedPorts };
    for (const port of edits.exposedPorts) config.ExposedPorts[port.includes('/') ? port : `${port}/tcp`] = {};
  }
  const history: HistoryEntry[] = [...(base.history ?? []), ...layers.map((l) => ({ created, created_by: l.createdBy }))];
  return {
    ...base,
    created,
    config,
    rootfs: { type: 'layers', diff_ids: [...base.rootfs.diff_ids, ...layers.map((l) => l.diffId)] },
    history,
  };
}

function mergeEnv(current: readonly string[], edits: Readonly<Record<string, string>>): string[] {
  const names = new Set(Object.keys(edits));
  return [...current.filter((entry) => !names.has(entry.split('=')[0]!)), ...Object.entries(edits).map(([k, v]) => `${k}=${v}`)];
}
