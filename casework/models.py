"""The workflow's own records. Reminders now; this round's journal, tasks and links between
enquiries join them (README: Architecture, "casework")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from intake.models import DeadlineKind


class ReminderKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    ESCALATION = "escalation", _("Escalation")


class Reminder(models.Model):
    """One reminder sent to one recipient: what, to whom, when and why. Never changed but for
    the e-mail's delivery (time and attempts)."""

    enquiry = models.ForeignKey(
        "intake.Enquiry",
        verbose_name=_("enquiry"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    referral = models.ForeignKey(
        "routing.Referral",
        verbose_name=_("referral"),
        on_delete=models.CASCADE,
        related_name="reminders",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    deadline = models.CharField(_("deadline"), max_length=30, choices=DeadlineKind.choices)
    due_at = models.DateTimeField(_("was due"))
    sent_at = models.DateTimeField(_("sent"), db_index=True)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to (staff)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminders",
    )
    recipient_service = models.ForeignKey(
        "routing.HelpService",
        verbose_name=_("to (service)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminders",
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    reason = models.CharField(_("why"), max_length=300)
    mailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    # A failed e-mail is tried again by later sweeps; the claim keeps two sweeps from both sending.
    mail_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    mail_claimed_at = models.DateTimeField(_("last e-mail attempt"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(
                fields=["mail_claimed_at"],
                condition=models.Q(mailed_at__isnull=True),
                name="reminder_unmailed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.deadline} {self.sent_at:%Y-%m-%d %H:%M}"

    @property
    def recipient(self) -> str:
        if self.recipient_user_id:
            return self.recipient_user.get_username()  # type: ignore[union-attr]
        if self.recipient_service_id:
            return self.recipient_service.name  # type: ignore[union-attr]
        return self.email


class LinkKind(models.TextChoices):
    SAME_ADULT = "same_adult", _("Same adult")
    SAME_EVENT = "same_event", _("Same event")


class EnquiryLink(models.Model):
    """Two enquiries the team has linked: about the same adult, or about the same event (a
    neighbour and the home care both call). Undoing keeps the row, with who undid it and when."""

    enquiry = models.ForeignKey(
        "intake.Enquiry", on_delete=models.CASCADE, related_name="links_made", editable=False
    )
    other = models.ForeignKey(
        "intake.Enquiry", on_delete=models.CASCADE, related_name="links_received", editable=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=LinkKind.choices)
    created_at = models.DateTimeField(_("linked"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField(_("undone"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("link between enquiries")
        verbose_name_plural = _("links between enquiries")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enquiry", "other", "kind"],
                condition=models.Q(removed_at__isnull=True),
                name="enquiry_link_active_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(enquiry=models.F("other")), name="enquiry_link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enquiry_id} {self.kind} {self.other_id}"


class Duplicate(models.Model):
    """An enquiry closed with the outcome ``duplicate``, pointing at the enquiry kept (issue 17).
    Kept here rather than on the enquiry: the enquiry's own table stays as intake made it."""

    enquiry = models.OneToOneField(
        "intake.Enquiry", on_delete=models.CASCADE, related_name="duplicate_record"
    )
    kept = models.ForeignKey(
        "intake.Enquiry",
        verbose_name=_("duplicate of"),
        on_delete=models.PROTECT,
        related_name="kept_duplicates",
    )
    at = models.DateTimeField(_("time"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("duplicate")
        verbose_name_plural = _("duplicates")

    def __str__(self) -> str:
        return f"{self.enquiry_id} → {self.kept_id}"
