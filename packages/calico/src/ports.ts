// v3 port values (numorstring.Port): 80, "80", "1000:2000" or a named port.

export type PortValue = { kind: 'range'; first: number; last: number } | { kind: 'named'; name: string };

export type PortParse = { ok: true; value: PortValue } | { ok: false; message: string };

const NAME_AT_DECODE = /^[a-zA-Z0-9_.-]{1,128}$/;

export function parsePort(raw: unknown): PortParse {
  const range = (first: number, last: number): PortParse => {
    if (first > last) return { ok: false, message: `minimum port number (${first}) is greater than maximum (${last})` };
    if (first < 1 || last > 65535)
      return { ok: false, message: 'port range invalid, port number must be between 1 and 65535' };
    return { ok: true, value: { kind: 'range', first, last } };
  };
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw)) return { ok: false, message: 'expected an integer port, "N:M" range or port name' };
    return range(raw, raw);
  }
  if (typeof raw !== 'string') return { ok: false, message: 'expected an integer port, "N:M" range or port name' };
  let m = /^(\d+)$/.exec(raw);
  if (m) return range(Number(m[1]), Number(m[1]));
  m = /^(\d+):(\d+)$/.exec(raw);
  if (m) return range(Number(m[1]), Number(m[2]));
  if (!NAME_AT_DECODE.test(raw)) return { ok: false, message: `invalid port format "${raw}": expected N, "N:M" or a port name` };
  if (!isValidK8sPortName(raw))
    return {
      ok: false,
      message: `invalid port name "${raw}": expected at most 15 lower-case alphanumeric characters or '-', with at least one letter and no leading, trailing or double '-'`,
    };
  return { ok: true, value: { kind: 'named', name: raw } };
}

/** Kubernetes IANA_SVC_NAME rules (validation.IsValidPortName). */
export function isValidK8sPortName(name: string): boolean {
  if (name.length < 1 || name.length > 15) return false;
  if (!/^[a-z0-9-]+$/.test(name)) return false;
  if (!/[a-z]/.test(name)) return false;
  if (name.startsWith('-') || name.endsWith('-') || name.includes('--')) return false;
  return true;
}
