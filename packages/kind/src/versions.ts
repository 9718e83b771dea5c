// scripts/kind/versions.env is the one place versions, images and address ranges are pinned; the
// shell scripts source it and this module reads the same file (KEY=value lines, `#` comments).
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface KindVersions {
  KIND_VERSION: string;
  KIND_NODE_IMAGE: string;
  KIND_CLUSTER_NAME: string;
  CALICO_VERSION: string;
  CALICO_DIKASTES_IMAGE: string;
  ISTIO_VERSION: string;
  ECHO_IMAGE: string;
  CLIENT_IMAGE: string;
  ALPSIM_IMAGE: string;
  POD_SUBNET: string;
  SERVICE_SUBNET: string;
  [key: string]: string;
}

const REQUIRED: ReadonlyArray<keyof KindVersions> = [
  'KIND_VERSION', 'KIND_NODE_IMAGE', 'KIND_CLUSTER_NAME', 'CALICO_VERSION', 'CALICO_DIKASTES_IMAGE',
  'ISTIO_VERSION', 'ECHO_IMAGE', 'CLIENT_IMAGE', 'ALPSIM_IMAGE', 'POD_SUBNET', 'SERVICE_SUBNET',
];

/** scripts/kind of the repository (dist/src/versions.js -> packages/kind -> repo root). */
export function kindScriptsDir(): string {
  return path.resolve(__dirname, '..', '..', '..', '..', 'scripts', 'kind');
}

export function parseVersionsEnv(text: string, file: string): KindVersions {
  const out: Record<string, string> = {};
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`${file}:${index + 1}: expected KEY=value, got ${JSON.stringify(raw)}`);
    out[m[1]] = m[2];
  });
  const missing = REQUIRED.filter((k) => !out[k as string]);
  if (missing.length) throw new Error(`${file}: missing ${missing.join(', ')}`);
  return out as KindVersions;
}

export function loadVersions(file = path.join(kindScriptsDir(), 'versions.env')): KindVersions {
  return parseVersionsEnv(fs.readFileSync(file, 'utf8'), file);
}

/** Replace every @KEY@ like scripts/kind/lib.sh's render(); an unknown key is an error. */
export function renderPlaceholders(text: string, values: Record<string, string>, file: string): string {
  return text.replace(/@([A-Z_]+)@/g, (_m, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`${file}: no value for @${key}@`);
    return value;
  });
}
