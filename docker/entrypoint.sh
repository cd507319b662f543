#!/bin/sh
# The keys the service refuses to start without. Production sets SECRET_KEY and AUDIT_HMAC_KEY in
# the environment (a secret store, or .env): they are used as given. Without them (a fresh clone,
# `docker compose up`), random keys are generated once into the shared volume at /app/var/keys and
# reused by every container and restart. Keep that volume out of database backups: the audit key
# must not sit beside the trail it protects.
set -eu
keys=/app/var/keys
key_for() {
  name=$1
  if [ ! -s "$keys/$name" ]; then
    mkdir -p "$keys"
    umask 077
    python -c 'import secrets; print(secrets.token_urlsafe(64))' > "$keys/$name.tmp"
    mv -n "$keys/$name.tmp" "$keys/$name" 2>/dev/null || rm -f "$keys/$name.tmp"
    echo "entrypoint: generated a development $name in $keys (set $name in production)" >&2
  fi
  cat "$keys/$name"
}
if [ -z "${SECRET_KEY:-}" ]; then SECRET_KEY=$(key_for SECRET_KEY); export SECRET_KEY; fi
if [ -z "${AUDIT_HMAC_KEY:-}" ]; then AUDIT_HMAC_KEY=$(key_for AUDIT_HMAC_KEY); export AUDIT_HMAC_KEY; fi
exec "$@"
