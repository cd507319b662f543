"""Container health checks (docker compose): ``python -m tryggest.healthcheck web|beat``.

- ``web``: GET /readyz on the local gunicorn within 2 s, with the first of ALLOWED_HOSTS as the
  Host (Django refuses other hosts); healthy on 200 (the database answers).
- ``beat``: the scheduler's state file was written in the last 10 minutes (beat writes it at least
  every 3 minutes while it runs).

Exit 0 when healthy, 1 otherwise. No Django setup: it must stay cheap.
"""

from __future__ import annotations

import glob
import os
import sys
import time
import urllib.request


def web() -> bool:
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = next((h for h in hosts if not h.startswith(".") and h != "*"), "localhost")
    request = urllib.request.Request("http://127.0.0.1:8000/readyz", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=2) as answer:  # noqa: S310
            return answer.status == 200
    except OSError:
        return False


def beat(path: str = "/app/var/celerybeat-schedule") -> bool:
    files = glob.glob(f"{path}*")
    return bool(files) and time.time() - max(os.path.getmtime(f) for f in files) < 600


if __name__ == "__main__":
    checks = {"web": web, "beat": beat}
    kind = sys.argv[1] if len(sys.argv) > 1 else "web"
    sys.exit(0 if checks[kind]() else 1)
