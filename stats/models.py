"""The statistics' daily roll-up: counts and time histograms per day received, never a person.

A year's statistics at a million enquiries cannot scan the year on every view (issue 7's goal is
under a second). So the numbers are kept per Oslo day the enquiries were received on, and a view
sums at most 366 days of small rows. The roll-up is derived data: ``stats.rollup`` recomputes any
day from the enquiries, and ``manage.py rebuild_stats`` all of them.

What keeps it true is the database, not the callers: triggers on the enquiry and referral tables
(migration 0002) append a ``RollupMark`` in the same transaction as every insert, update or delete,
whoever makes it (a service, the admin, ``QuerySet.update()``, a data migration). Every statistics
read first recomputes the days that have marks, so what a manager sees always agrees with the
enquiries; Celery beat does the same every ``STATS_REFRESH_SECONDS`` to keep that step short.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RollupMark(models.Model):
    """Something about an enquiry received at ``received_at`` changed: its day must be recomputed.

    Append-only for writers (no upsert, so writers never wait on each other here); the refresh
    deletes the marks it has seen before it recomputes, so a change still uncommitted keeps its
    mark for the next refresh.
    """

    id = models.BigAutoField(primary_key=True)
    received_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["received_at"], name="stats_mark_received")]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d}"


class RollupState(models.Model):
    """One row: locked by a refresh so that two never recompute the same day at once."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)

    def __str__(self) -> str:
        return "rollup"


class DailyCount(models.Model):
    """How many enquiries received on ``day`` have ``code`` in ``dimension``.

    Dimensions: ``total`` (code ""), the enquiry's coded columns by their field name, the two
    listed ones (``violence_types``, ``risk_factors``: an enquiry counts once per code it lists),
    ``team`` (code: the team's id) and ``referral.<measure>`` (code: the help service's id;
    measures ``sent``, ``acknowledged``, ``declined``, ``completed``, ``withdrawn``). Ids, not
    slugs, so that renaming a team or a service leaves the roll-up true.
    """

    day = models.DateField()
    dimension = models.CharField(max_length=40)
    code = models.CharField(max_length=64)
    n = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "dimension", "code"], name="stats_dailycount_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.dimension}={self.code}: {self.n}"


class Step(models.TextChoices):
    """The durations the statistics measure, each between two times set once.

    An enquiry assessed again (a new version, also after it was reopened) or forwarded again is
    measured by its first assessment and first forwarding (``Enquiry.assessed_at`` and
    ``forwarded_at``, which a repetition never moves); a referral by its one sending and
    acknowledgement.
    """

    ASSESSMENT = "assessment", _("received to the first risk assessment")
    FORWARD = "forward", _("first risk assessment to first forwarding")
    ACKNOWLEDGEMENT = "acknowledgement", _("referral sent to acknowledged")


class Histogram(models.Model):
    """How many enquiries took how long for one step: ``n`` durations in ``bucket``.

    ``bucket`` is the start of the bucket in tenths of an hour: tenths up to 48 hours, whole hours
    up to 30 days, whole days beyond (``stats.rollup._bucket_sql``). Percentiles read from it are
    percentile_cont over the bucket starts: exact for durations on a bucket's start, otherwise at
    most one bucket width low (0.1 h under two days).
    """

    step = models.CharField(max_length=20, choices=Step.choices)
    bucket = models.IntegerField()
    n = models.PositiveIntegerField()

    class Meta:
        abstract = True


class DailyDuration(Histogram):
    """The histogram of the enquiries received on ``day``."""

    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "step", "bucket"], name="stats_dailyduration_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.step} {self.bucket}: {self.n}"


class MonthlyDuration(Histogram):
    """``DailyDuration`` summed over a calendar month (``month``: its first day).

    A year's percentiles read twelve of these months and the daily rows of any month the range
    covers only in part, instead of 365 days of rows. ``stats.rollup`` keeps a month the sum of its
    days whenever it recomputes one of them.
    """

    month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "step", "bucket"], name="stats_monthlyduration_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.step} {self.bucket}: {self.n}"
