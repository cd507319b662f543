"""The team hears about new work (issue 16): a new enquiry from the residents' form or a service
(an acute one above all) and a reporter's reply are announced to every member of the enquiry's
team: a notice in the admin (the header's unread count, the notices page) and an e-mail with no
personal data (the reference, what happened and a link to the enquiry's page). An acute enquiry
that comes in outside the team's hours (``TRYGGEST_TEAM_HOURS``) names the emergency route.

The database is the record, the e-mail only the nudge. ``announce`` finds the work not yet
announced, claims each piece by inserting its ``Notice`` (``key`` is unique, so two sweeps or a
sweep and a request never announce the same twice), stores one ``NoticeRecipient`` per member and
e-mails after the transaction commits; e-mails that failed are claimed and sent again by later
runs, like reminders'. It runs in every reminder sweep (``casework.reminders.sweep``), on its
own shorter schedule (``casework.tasks.announce_new_work``, ``NOTICE_SWEEP_SECONDS``) and right
after the API's door commits a new enquiry. Safe to run at any time, twice, or after a crash.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import COORDINATOR, TEAM_MEMBER
from audit import events
from audit.models import Action
from casework.models import Notice, NoticeKind, NoticeRecipient
from intake.models import Enquiry, ReporterMessage
from kernel import opening_hours

logger = logging.getLogger(__name__)

# The doors whose enquiries nobody in the team has seen come in (staff log the others themselves).
ANNOUNCED_CHANNELS = ("web_form", "api")
# How far back a run looks for work not yet announced (a scheduler down for longer than this
# loses nothing from the record: the enquiries are in the list, only the nudge is not sent).
ANNOUNCE_WINDOW = dt.timedelta(days=2)
BATCH = 500
MAIL_RETRY_AFTER = dt.timedelta(minutes=10)
MAIL_ATTEMPTS = 6
MAIL_RETRY_WITHIN = dt.timedelta(days=1)

EMERGENCY_ROUTE = gettext_lazy(
    "The team is not at work now. If someone is in danger, the emergency route applies: the "
    "police on 112, an ambulance on 113, the out-of-hours medical service (legevakt) on 116 117."
)


def _members(team_id: int) -> list[User]:
    return list(
        User.objects.filter(
            team_id=team_id, is_active=True, groups__name__in=[TEAM_MEMBER, COORDINATOR]
        )
        .distinct()
        .order_by("username")
    )


def _outside_hours(now: dt.datetime) -> bool:
    return opening_hours.is_open(settings.TRYGGEST_TEAM_HOURS, now) is False


def _notice(
    *,
    key: str,
    enquiry: Enquiry,
    kind: str,
    now: dt.datetime,
    members: dict[int, list[User]],
    message: ReporterMessage | None = None,
) -> bool:
    """Claim and store one notice with its recipients, e-mailed after the commit; False when
    another run announced it first."""
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                key=key,
                enquiry=enquiry,
                team_id=enquiry.team_id,
                kind=kind,
                reporter_message=message,
                outside_hours=kind == NoticeKind.NEW_ACUTE_ENQUIRY and _outside_hours(now),
                created_at=now,
            )
            if enquiry.team_id not in members:
                members[enquiry.team_id] = _members(enquiry.team_id)
            rows = NoticeRecipient.objects.bulk_create(
                [
                    NoticeRecipient(
                        notice=notice,
                        user=user,
                        email=user.email,
                        mail_attempts=1 if user.email else 0,
                        mail_claimed_at=now if user.email else None,
                    )
                    for user in members[enquiry.team_id]
                ]
            )
            events.record(
                action=Action.CREATE,
                actor=None,
                object_type="notice",
                object_id=notice.pk,
                enquiry_id=enquiry.pk,
                reason=kind,
            )
    except IntegrityError:
        return False  # announced already
    ids = [row.pk for row in rows if row.email]
    if ids:
        transaction.on_commit(lambda: _deliver(ids))
    return True


def _enquiry_kind(enquiry: Enquiry) -> str:
    return NoticeKind.NEW_ACUTE_ENQUIRY if enquiry.immediate_danger else NoticeKind.NEW_ENQUIRY


def announce_enquiry(enquiry_id: Any, *, now: dt.datetime | None = None) -> bool:
    """Announce one new enquiry (the API's door calls this after its commit); False when it was
    announced before, or is not from a door that is announced."""
    now = now or timezone.now()
    enquiry = Enquiry.objects.filter(pk=enquiry_id, channel__in=ANNOUNCED_CHANNELS).first()
    if enquiry is None:
        return False
    with transaction.atomic():
        return _notice(
            key=f"enquiry:{enquiry.pk}",
            enquiry=enquiry,
            kind=_enquiry_kind(enquiry),
            now=now,
            members={},
        )


def announce(*, now: dt.datetime | None = None) -> int:
    """Announce every new enquiry and reporter's reply of the last ``ANNOUNCE_WINDOW`` not yet
    announced (acute enquiries first), and send again the notices' e-mails that failed. Returns
    how many notices were stored."""
    now = now or timezone.now()
    since = now - ANNOUNCE_WINDOW
    members: dict[int, list[User]] = {}
    stored = 0
    enquiries = list(
        Enquiry.objects.filter(channel__in=ANNOUNCED_CHANNELS, received_at__gte=since)
        .exclude(
            pk__in=Notice.objects.filter(
                kind__in=[NoticeKind.NEW_ENQUIRY, NoticeKind.NEW_ACUTE_ENQUIRY],
                created_at__gte=since - ANNOUNCE_WINDOW,
            ).values("enquiry_id")
        )
        .only("pk", "team_id", "immediate_danger", "reference")
        .order_by("-immediate_danger", "received_at")[:BATCH]
    )
    for enquiry in enquiries:
        with transaction.atomic():
            stored += _notice(
                key=f"enquiry:{enquiry.pk}",
                enquiry=enquiry,
                kind=_enquiry_kind(enquiry),
                now=now,
                members=members,
            )
    replies = list(
        ReporterMessage.objects.filter(
            direction=ReporterMessage.Direction.FROM_REPORTER, at__gte=since
        )
        .exclude(
            pk__in=Notice.objects.filter(
                kind=NoticeKind.REPORTER_REPLY, created_at__gte=since - ANNOUNCE_WINDOW
            ).values("reporter_message_id")
        )
        .select_related("enquiry")
        .order_by("at")[:BATCH]
    )
    for message in replies:
        with transaction.atomic():
            stored += _notice(
                key=f"reply:{message.pk}",
                enquiry=message.enquiry,
                kind=NoticeKind.REPORTER_REPLY,
                now=now,
                members=members,
                message=message,
            )
    _retry_mail(now)
    return stored


def _retry_mail(now: dt.datetime) -> None:
    retry = Q(
        mailed_at__isnull=True,
        mail_attempts__gte=1,
        mail_attempts__lt=MAIL_ATTEMPTS,
        mail_claimed_at__lte=now - MAIL_RETRY_AFTER,
        notice__created_at__gte=now - MAIL_RETRY_WITHIN,
    ) & ~Q(email="")
    ids = []
    for pk in NoticeRecipient.objects.filter(retry).values_list("pk", flat=True)[:BATCH]:
        claimed = NoticeRecipient.objects.filter(retry, pk=pk).update(
            mail_claimed_at=now, mail_attempts=F("mail_attempts") + 1
        )
        if claimed:
            ids.append(pk)
    if ids:
        _deliver(ids)


def _admin_url(enquiry_id: Any) -> str:
    path = reverse("admin:intake_enquiry_change", args=[enquiry_id])
    return f"{settings.TRYGGEST_PUBLIC_URL.rstrip('/')}{path}"


def notice_message(notice: Notice, address: str) -> EmailMessage:
    """The e-mail of a notice. No personal data: what happened, the reference and a link (to
    open after signing in); for an acute enquiry outside the team's hours, the emergency route."""
    reference = notice.enquiry.reference
    if notice.kind == NoticeKind.NEW_ACUTE_ENQUIRY:
        subject = _("ACUTE: new enquiry %(reference)s") % {"reference": reference}
        what = _("A new enquiry reports immediate danger. Assess it at once.")
    elif notice.kind == NoticeKind.REPORTER_REPLY:
        subject = _("Reply from the reporter: %(reference)s") % {"reference": reference}
        what = _("The reporter wrote a message about this enquiry.")
    else:
        subject = _("New enquiry %(reference)s") % {"reference": reference}
        what = _("A new enquiry has come in.")
    lines = [what, ""]
    if notice.outside_hours:
        lines += [str(EMERGENCY_ROUTE), ""]
    lines += [
        _("Enquiry: %(reference)s") % {"reference": reference},
        _("Open it in TryggEst (log in first):"),
        _admin_url(notice.enquiry_id),
        "",
        _("You get this e-mail because you are a member of the enquiry's team."),
    ]
    return EmailMessage(subject, "\n".join(lines) + "\n", None, [address])


def _deliver(ids: list[int]) -> None:
    """After the commit: send the claimed e-mails; a failure leaves the row for a later run."""
    rows = list(
        NoticeRecipient.objects.filter(pk__in=ids, mailed_at__isnull=True).select_related(
            "notice__enquiry"
        )
    )
    sent: list[int] = []
    try:
        connection = get_connection(fail_silently=False)
        with connection, translation.override(settings.LANGUAGE_CODE):
            for row in rows:
                message = notice_message(row.notice, row.email)
                message.connection = connection
                try:
                    message.send()
                except Exception:
                    logger.warning("Notice e-mail %s failed", row.pk, exc_info=True)
                else:
                    sent.append(row.pk)
    except Exception:
        logger.warning("Notice e-mails could not be sent: no mail connection", exc_info=True)
    if sent:
        NoticeRecipient.objects.filter(pk__in=sent).update(mailed_at=timezone.now())


# --- Reading ---


def unread_count(user: Any) -> int:
    """How many notices ``user`` has not read (the admin header's count)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return NoticeRecipient.objects.filter(user=user, read_at__isnull=True).count()


def notices_for(user: Any, *, limit: int = 100) -> list[NoticeRecipient]:
    """The user's latest notices, newest first (reference and kind; no personal data)."""
    return list(
        NoticeRecipient.objects.filter(user=user)
        .select_related("notice__enquiry")
        .order_by("-notice__created_at", "-pk")[:limit]
    )


def notices_read(*, user: Any, enquiry_id: Any = None) -> int:
    """Mark the user's notices read: those of one enquiry (opening its page), or all."""
    queryset = NoticeRecipient.objects.filter(user=user, read_at__isnull=True)
    if enquiry_id is not None:
        queryset = queryset.filter(notice__enquiry_id=enquiry_id)
    return queryset.update(read_at=timezone.now())
