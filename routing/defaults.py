"""The default directory and routing rules, from the project's copies of the shared YAML files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent / "data"


def load_yaml(name: str) -> Any:
    with (DATA / name).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def service_rows() -> list[dict[str, Any]]:
    rows = []
    for s in load_yaml("services.yaml")["services"]:
        rows.append(
            {
                "slug": s["slug"],
                "name": s["name"],
                "kind": s["kind"],
                "category": s["category"],
                "serves": s["serves"],
                "age_min": s.get("age_min"),
                "age_max": s.get("age_max"),
                "phones": s.get("phones", []),
                "url": s.get("url", ""),
                "email": s.get("email", ""),
                "hours": s.get("hours"),
                "referral_route": s.get("referral", ""),
                "notes": (s.get("notes") or "").strip(),
                "plan_ref": s.get("plan_ref", ""),
            }
        )
    return rows


def service_help_page_rows() -> dict[str, dict[str, Any]]:
    """The help page's fields of each service (``help_page`` in services.yaml), by slug.

    Kept apart from ``service_rows``, which migration 0002 installs into a table without them.
    """
    rows = {}
    for s in load_yaml("services.yaml")["services"]:
        page = s.get("help_page") or {}
        rows[s["slug"]] = {
            "situations": list(page.get("situations", [])),
            "public_order": page.get("order", 100),
            "public_texts": {
                language: {key: text.get(key, "").strip() for key in ("offers", "for_whom")}
                for language, text in (page.get("texts") or {}).items()
            },
        }
    return rows


def rule_rows() -> list[dict[str, Any]]:
    return [
        {
            "name": r["name"],
            "conditions": r.get("when", {}),
            "service": r["service"],
            "for_whom": r["for"],
            "priority": r["priority"],
            "legal_duty": r.get("legal_duty", ""),
            "reason_nb": r["reason"]["nb"],
            "reason_en": r["reason"]["en"],
        }
        for r in load_yaml("routing-rules.yaml")["rules"]
    ]


def preselected_rule_names() -> list[str]:
    """The default rules that tick their service on the forwarding form (``preselect``)."""
    return [r["name"] for r in load_yaml("routing-rules.yaml")["rules"] if r.get("preselect")]
