"""The workflow's own records: reminders, the journal (kontaktlogg), tasks and follow-ups, and the
team's notices of new work (README: Architecture, "casework"; issue 16)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from intake.models import DeadlineKind


class ReminderKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    ESCALATION = "escalation", _("Escalation")


class ReminderDeadline(models.TextChoices):
    """What a reminder is about: one of the enquiry clock's deadlines, or a task (issue 16)."""

    ASSESSMENT_ACUTE = DeadlineKind.ASSESSMENT_ACUTE.value, DeadlineKind.ASSESSMENT_ACUTE.label
    ASSESSMENT = DeadlineKind.ASSESSMENT.value, DeadlineKind.ASSESSMENT.label
    REFERRAL_ACKNOWLEDGEMENT = (
        DeadlineKind.REFERRAL_ACKNOWLEDGEMENT.value,
        DeadlineKind.REFERRAL_ACKNOWLEDGEMENT.label,
    )
    FOLLOW_UP = DeadlineKind.FOLLOW_UP.value, DeadlineKind.FOLLOW_UP.label
    TASK = "task", _("Task")


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
    deadline = models.CharField(_("deadline"), max_length=30, choices=ReminderDeadline.choices)
    task = models.ForeignKey(
        "casework.Task",
        verbose_name=_("task"),
        on_delete=models.CASCADE,
        related_name="reminders",
        null=True,
        blank=True,
    )
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


# --- The journal (kontaktlogg, issue 16) ---


class JournalKind(models.TextChoices):
    """API.md, "Casework": the journal kinds."""

    NOTE = "note", _("Note")
    PHONE_CALL = "phone_call", _("Phone call")
    MEETING = "meeting", _("Meeting")
    HOME_VISIT = "home_visit", _("Home visit")
    MESSAGE_SENT = "message_sent", _("Message sent")
    MESSAGE_RECEIVED = "message_received", _("Message received")
    DOCUMENT_RECEIVED = "document_received", _("Document received")
    OTHER = "other", _("Other")


class JournalEntry(models.Model):
    """What the team did or learnt: a call, a meeting, a home visit, a note.

    Never edited or deleted (``casework.journal`` only adds): a correction is a new entry whose
    ``corrects`` points at the entry it corrects, and the two are shown together. ``occurred_at``
    is when it happened (may be earlier than written), ``created_at`` when it was written.
    Entries move with their enquiry only through ``casework.journal.journal_rehome`` (merging
    duplicates), which changes ``enquiry`` and nothing else.
    """

    enquiry = models.ForeignKey(
        "intake.Enquiry",
        verbose_name=_("enquiry"),
        on_delete=models.CASCADE,
        related_name="journal_entries",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=JournalKind.choices)
    occurred_at = models.DateTimeField(_("when it happened"))
    text = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("written"))
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["enquiry", "-occurred_at"], name="journal_enquiry_occurred"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.occurred_at:%Y-%m-%d %H:%M}"


# --- Tasks and follow-ups (issue 16) ---


class Task(models.Model):
    """A follow-up ("call the GP back on Tuesday") with a due time and an owner.

    Reminded once by the sweep when due (``casework.reminders``: ``reminded_at`` is the claim
    column), closed by its owner with a journal entry (``closing_entry``)."""

    enquiry = models.ForeignKey(
        "intake.Enquiry", verbose_name=_("enquiry"), on_delete=models.CASCADE, related_name="tasks"
    )
    title = models.CharField(_("what"), max_length=300)
    due_at = models.DateTimeField(_("due"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="casework_tasks",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    closed_at = models.DateTimeField(_("done"), null=True, blank=True)
    closing_entry = models.OneToOneField(
        JournalEntry,
        verbose_name=_("journal entry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="closed_task",
    )

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(reminded_at__isnull=True, closed_at__isnull=True),
                name="task_due_unclaimed",
            ),
            models.Index(fields=["owner", "closed_at", "due_at"], name="task_owner_open"),
        ]

    def __str__(self) -> str:
        return f"{self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


# --- The team hears about new work (issue 16) ---


class NoticeKind(models.TextChoices):
    NEW_ENQUIRY = "new_enquiry", _("New enquiry")
    NEW_ACUTE_ENQUIRY = "new_acute_enquiry", _("New acute enquiry")
    REPORTER_REPLY = "reporter_reply", _("Reply from the reporter")


class Notice(models.Model):
    """One piece of new work announced to the team: a new enquiry from the web form or a service,
    or a reporter's reply. ``key`` is unique: announcing is claimed by inserting it, so no piece
    of work is announced twice (however many sweeps or requests try)."""

    key = models.CharField(max_length=80, unique=True)
    enquiry = models.ForeignKey(
        "intake.Enquiry",
        verbose_name=_("enquiry"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NoticeKind.choices)
    reporter_message = models.ForeignKey(
        "intake.ReporterMessage",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    outside_hours = models.BooleanField(_("outside the team's hours"), default=False)
    created_at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class NoticeRecipient(models.Model):
    """A notice for one member of the team: unread until they open it or the enquiry, and its
    e-mail (no personal data: the reference and a link), claimed and retried like reminders'."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="casework_notices"
    )
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    mailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    mail_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    mail_claimed_at = models.DateTimeField(_("last e-mail attempt"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice to a team member")
        verbose_name_plural = _("notices to team members")
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="notice_recipient_unique")
        ]
        indexes = [
            models.Index(
                fields=["user"], condition=models.Q(read_at__isnull=True), name="notice_unread"
            ),
            models.Index(
                fields=["mail_claimed_at"],
                condition=models.Q(mailed_at__isnull=True),
                name="notice_unmailed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.user_id}"


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
