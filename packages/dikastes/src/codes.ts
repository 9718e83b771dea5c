/** google.rpc.Code values Dikastes answers with. */
export const Code = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  PERMISSION_DENIED: 7,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

export const CODE_NAMES: Readonly<Record<number, string>> = {
  0: 'OK',
  3: 'INVALID_ARGUMENT',
  7: 'PERMISSION_DENIED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
};

export function codeName(code: number): string {
  return CODE_NAMES[code] ?? `CODE_${code}`;
}
