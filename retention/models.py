"""Retention: the rules (data, edited by coordinators), legal holds, the record of each
anonymisation, and rectifications (GDPR Art. 5(1)(e), 16).

The rules and holds are read by ``retention.selectors`` (what is due) and written only through
``retention.services``. ``Anonymisation`` is the claim row of one enquiry's anonymisation: its
unique key is what makes a run idempotent and resumable (README: Retention).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
)
from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.vocabulary import choices

# The longest retention period a rule may state (100 years).
MAX_MONTHS = 1200


class RuleScope(models.TextChoices):
    CLOSED = "closed", _("Closed enquiries: anonymised when the period has run from closing")
    OPEN_UNTOUCHED = (
        "open_untouched",
        _("Open enquiries: listed for the team to decide when untouched for the period"),
    )


class RetentionRule(models.Model):
    """How long an enquiry is kept. For closed enquiries, per closing outcome (an empty outcome is
    the rule for every outcome without a rule of its own), counted in months from ``closed_at``.
    The one ``open_untouched`` rule lists open enquiries not changed for its months; they are
    never anonymised automatically. Defaults: migration 0002 (README: Retention)."""

    scope = models.CharField(_("applies to"), max_length=20, choices=RuleScope.choices)
    outcome = models.CharField(
        _("closing outcome"),
        max_length=30,
        choices=choices("close_outcomes"),
        blank=True,
        help_text=_("Empty: every closing outcome without a rule of its own."),
    )
    months = models.PositiveIntegerField(
        _("kept for (months)"),
        # A century at most: a longer period is a typing error, and no date lies that far back.
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MONTHS)],
    )
    note = models.CharField(_("why"), max_length=300, blank=True)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["scope", "outcome"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "outcome"], name="retention_rule_unique"),
            models.CheckConstraint(
                condition=models.Q(months__gt=0), name="retention_rule_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(scope="open_untouched") | models.Q(outcome=""),
                name="retention_open_rule_has_no_outcome",
            ),
        ]
        permissions = [
            ("export_personal_data", "Can produce an adult's personal data (right of access)"),
            ("rectify_enquiry", "Can rectify an enquiry's facts"),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.outcome or '*'}: {self.months}"


class LegalHold(models.Model):
    """A legal hold stops the retention clock for one enquiry (e.g. an open police case) until it
    is lifted. At most one active hold per enquiry; lifted holds stay as history."""

    enquiry = models.ForeignKey(
        "intake.Enquiry",
        verbose_name=_("enquiry"),
        on_delete=models.CASCADE,
        related_name="legal_holds",
    )
    reason = models.TextField(
        _("reason"), validators=[MinLengthValidator(1), MaxLengthValidator(2_000)]
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    set_at = models.DateTimeField(_("set"))
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-set_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enquiry"],
                condition=models.Q(lifted_at__isnull=True),
                name="retention_one_active_hold",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enquiry.reference} {self.set_at:%Y-%m-%d}"


class Anonymisation(models.Model):
    """One enquiry was anonymised: when, and under which rule. Written in the transaction that
    removes the values, so it exists exactly when they are gone; the primary key keeps a second
    run from doing it again."""

    enquiry = models.OneToOneField(
        "intake.Enquiry",
        verbose_name=_("enquiry"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="anonymisation",
    )
    at = models.DateTimeField(_("anonymised"), db_index=True)
    rule = models.CharField(_("rule"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("anonymisation")
        verbose_name_plural = _("anonymisations")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.enquiry_id} {self.at:%Y-%m-%d}"


class Rectification(models.Model):
    """A corrected fact (GDPR Art. 16): which field, when, by whom and why. The wrong value is not
    kept (keeping it would defeat the correction); the audit trail records the change too."""

    enquiry = models.ForeignKey(
        "intake.Enquiry",
        verbose_name=_("enquiry"),
        on_delete=models.CASCADE,
        related_name="rectifications",
    )
    field = models.CharField(_("field"), max_length=60)
    reason = models.TextField(
        _("why"), validators=[MinLengthValidator(1), MaxLengthValidator(2_000)]
    )
    at = models.DateTimeField(_("corrected"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("corrected by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.field} {self.at:%Y-%m-%d}"
