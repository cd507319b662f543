"""The audit trail: one append-only, hash-chained table of every access to personal data."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActorType(models.TextChoices):
    USER = "user", _("Staff user")
    SERVICE = "service", _("Service organisation")
    SYSTEM = "system", _("System")
    PUBLIC = "public", _("Public")


class Action(models.TextChoices):
    VIEW = "view", _("Viewed")
    LIST = "list", _("Listed or searched")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    TRANSITION = "transition", _("Changed state")
    EXPORT = "export", _("Exported")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logged out")
    PERMISSION_DENIED = "permission_denied", _("Access refused")
    BREAK_GLASS = "break_glass", _("Opened with a stated reason (break the glass)")


# The action codes as a set: ``Action.values`` builds its list (with lazy labels) on every
# call, a tenth of a millisecond that every audited request and every event of a batch paid.
ACTION_CODES = frozenset(Action.values)


class AuditEvent(models.Model):
    """One event. Rows are never updated or deleted; ``hash`` chains each to the one before
    in the same chain (``chain``: one of a pool of chains, see ``audit.events.record``).

    No foreign keys: a cascade from a deleted user or enquiry would have to change this table.
    Values of personal data never come here, only the names of the fields that changed.
    """

    seq = models.BigIntegerField(_("sequence number"), primary_key=True)
    # Which chain of the pool the event belongs to (ChainHead.id). Chain 1 holds every event
    # written before the pool existed (migration 0005), hashed without this field.
    chain = models.PositiveSmallIntegerField(_("chain"), default=1)
    at = models.DateTimeField(_("time"), db_index=True)
    actor_type = models.CharField(_("actor type"), max_length=10, choices=ActorType.choices)
    actor = models.CharField(_("actor"), max_length=150, db_index=True)
    actor_id = models.CharField(_("actor id"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=40, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    enquiry_id = models.UUIDField(_("enquiry"), null=True, blank=True, db_index=True)
    enquiry_ids = models.JSONField(_("enquiries shown"), default=list, blank=True)
    fields = models.JSONField(_("fields changed"), default=list, blank=True)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["seq"]
        # A chain's events in order: its tail, and the event before a sampled window.
        indexes = [models.Index(fields=["chain", "seq"], name="audit_event_chain_seq")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class ChainHead(models.Model):
    """One chain of the pool: its newest event's sequence number and hash. Locking the row
    orders that chain's writers; writers of the other chains do not wait for it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"#{self.seq}"


class VerifiedCheckpoint(models.Model):
    """How far ``verify_audit`` has verified one chain: every event of the chain up to ``seq``
    was checked, and the chain's hash there is ``hash``. A nightly run starts from here.

    ``mac`` is an HMAC (the audit key) over chain, seq and hash, so that someone with database
    access alone cannot move a checkpoint past a tampered event (``audit.verification``).
    """

    chain = models.PositiveSmallIntegerField(_("chain"), primary_key=True)
    seq = models.BigIntegerField(_("sequence number"))
    hash = models.CharField(_("hash"), max_length=64)
    checked = models.BigIntegerField(_("events checked"), default=0)
    verified_at = models.DateTimeField(_("verified at"))
    mac = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("verified checkpoint")
        verbose_name_plural = _("verified checkpoints")

    def __str__(self) -> str:
        return f"chain {self.chain} #{self.seq}"


class RefusalCount(models.Model):
    """How many anonymous refusals of one kind (failed sign-ins, 401s) fell in one window.

    Counted here rather than chained one event each (``audit.refusals``): an unauthenticated
    caller can raise a counter but cannot grow the audit trail or hold the chain's lock. Each
    closed window becomes one chained event and its row is removed.
    """

    window_start = models.DateTimeField(_("window start"))
    kind = models.CharField(_("kind"), max_length=40)
    count = models.PositiveBigIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("refusal count")
        verbose_name_plural = _("refusal counts")
        constraints = [
            models.UniqueConstraint(fields=["window_start", "kind"], name="audit_refusal_window")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.window_start:%Y-%m-%d %H:%M} ×{self.count}"


class AuditCheckpoint(models.Model):
    """A signed note of the chain at ``seq`` before the events up to it were removed
    (``audit.thinning``): verification starts after the newest checkpoint, from its hash.
    ``signature`` is an HMAC with the audit key over seq, hash, time and the per-chain anchors, so
    a checkpoint cannot be forged or moved without the key."""

    seq = models.BigIntegerField(_("last event removed"), primary_key=True)
    hash = models.CharField(_("its hash"), max_length=64)
    at = models.DateTimeField(_("its time"))
    removed = models.BigIntegerField(_("events removed"), default=0)
    created_at = models.DateTimeField(_("created"))
    signature = models.CharField(_("signature"), max_length=64)
    # {chain: [seq, hash]} of the last event removed from each chain: where each chain's
    # verification starts (audit.verification, ``anchors``).
    anchors = models.JSONField(_("last event removed per chain"), default=dict)

    class Meta:
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"#{self.seq}"
