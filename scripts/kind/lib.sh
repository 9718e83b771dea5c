#!/usr/bin/env bash
# Helpers shared by scripts/kind/up and scripts/kind/down (sourced, not run).

KIND_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${KIND_DIR}/../.." && pwd)"
export KIND_DIR REPO_ROOT

log() {
  printf '==> %s\n' "$*" >&2
}

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Load versions.env (KEY=value lines only). Values already set in the environment win, so CI can
# override one pin without editing the file.
load_versions() {
  local key value
  while IFS='=' read -r key value; do
    [[ -z "${key}" || "${key}" == \#* ]] && continue
    if [[ -z "${!key:-}" ]]; then
      printf -v "${key}" '%s' "${value}"
      export "${key?}"
    fi
  done < "${KIND_DIR}/versions.env"
}

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is required but not on PATH ($2)"
}

# Print a checked-in manifest with every @KEY@ replaced by the value of KEY.
render() {
  local file="$1" text key
  text="$(<"${file}")"
  while [[ "${text}" =~ @([A-Z_]+)@ ]]; do
    key="${BASH_REMATCH[1]}"
    [[ -n "${!key:-}" ]] || die "${file}: no value for @${key}@ (versions.env)"
    text="${text//@${key}@/${!key}}"
  done
  printf '%s\n' "${text}"
}

# Retry a command until it succeeds or the deadline (seconds) passes.
retry_for() {
  local seconds="$1"
  shift
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "timed out after ${seconds}s waiting for: $*"
    sleep 3
  done
}
