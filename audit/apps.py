from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kernel.sqlite_triggers import keep_after_migrations

# The append-only triggers on SQLite, as audit/0005 creates them (PostgreSQL's are kept in place).
APPEND_ONLY_SQLITE = (
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete",
    "CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent "
    "WHEN NOT EXISTS (SELECT 1 FROM audit_erasure_allowed) "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: DELETE refused'); END",
)


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        # Django's one place for receivers: after the app registry is ready (not a cycle dodged).
        from audit import signals  # noqa: F401, PLC0415 - login, failed login and logout events

        # A rebuild of the events' table on SQLite drops its append-only triggers.
        keep_after_migrations(
            self, introduced_by="0005_chain_pool", statements=lambda: list(APPEND_ONLY_SQLITE)
        )
