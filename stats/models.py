"""The statistics' daily roll-up: counts and time histograms per day received, never a person.

A year's statistics at a million enquiries cannot scan the year on every view (issue 7's goal is
under a second). So the numbers are kept per Oslo day the enquiries were received on, and a view
sums at most 366 days of small rows. The roll-up is derived data: ``stats.rollup`` recomputes any
day from the enquiries, and ``manage.py rebuild_stats`` all of them.

What keeps it true is the database, not the callers: triggers on the enquiry and referral tables
(``stats.triggers``) append a ``RollupMark`` naming the enquiry in the same transaction as every
insert, update or delete, whoever makes it (a service, the admin, ``QuerySet.update()``, a data
migration). The refresh (Celery beat every ``STATS_REFRESH_SECONDS``, the embedded scheduler of
``make run``, ``manage.py refresh_stats``) applies each marked enquiry's change as a difference
(``CountContribution``, ``DurationContribution``: what the roll-up counted for it). Reads never
write: they read the roll-up as it is and say how fresh it is (the oldest mark left).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RollupMark(models.Model):
    """Something about enquiry ``enquiry_id`` changed at ``marked_at``: its counts must be redone.

    Written by the database's triggers (``stats.triggers``) in the same transaction as the change;
    append-only for writers (no upsert, so writers never wait on each other here). The refresh
    deletes the marks it can see and re-counts those enquiries, so a change still uncommitted
    keeps its mark for the next refresh. The oldest mark left tells a read how fresh the roll-up
    is. No foreign key: a deleted enquiry's counts must go too.
    """

    id = models.BigAutoField(primary_key=True)
    enquiry_id = models.UUIDField()
    marked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.enquiry_id} {self.marked_at:%Y-%m-%d %H:%M}"


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


class CountContribution(models.Model):
    """What one enquiry adds to ``DailyCount`` now: ``n`` to (``day``, ``dimension``, ``code``).

    The roll-up's memory of what it counted for each enquiry, so that a change is applied as a
    difference: this enquiry's rows taken away, its new rows added (``stats.rollup``). Every
    ``DailyCount`` row is the sum of these rows for its key.
    """

    enquiry_id = models.UUIDField()
    day = models.DateField()
    dimension = models.CharField(max_length=40)
    code = models.CharField(max_length=64)
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["enquiry_id"], name="stats_countcontrib_enquiry")]

    def __str__(self) -> str:
        return f"{self.enquiry_id} {self.day} {self.dimension}={self.code}: {self.n}"


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


class DurationContribution(Histogram):
    """What one enquiry adds to ``DailyDuration`` now (see ``CountContribution``)."""

    enquiry_id = models.UUIDField()
    day = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["enquiry_id"], name="stats_durationcontrib_enquiry")]

    def __str__(self) -> str:
        return f"{self.enquiry_id} {self.day} {self.step} {self.bucket}: {self.n}"


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
