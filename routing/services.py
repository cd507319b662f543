"""Routing's write path: referrals and their answers, the e-mailed referral links, legal-duty
decisions, the directory's rules and the service keys.

Referrals are made by ``casework.services.enquiry_forward`` (inside its transaction), which asks
the checks here first (``basis_errors`` for each service, ``check_duties_before_close``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from accounts.policies import is_staff_user
from accounts.services import organisation_key_create
from audit import events
from audit.models import ActorType
from intake import policies
from intake.clock import referral_deadlines
from kernel.calendar import add_calendar_days
from kernel.text import check_text, text_errors
from kernel.vocabulary import codes, label
from routing.models import (
    CAPACITY_BASES,
    DUTY_RECIPIENT_CATEGORIES,
    LEGAL_BASES,
    OPEN_REFERRAL_STATES,
    Delivery,
    DutyDecision,
    HelpService,
    LegalDutyDecision,
    Referral,
    ReferralLink,
    ReferralState,
    ServiceConsent,
    validate_conditions,
)
from routing.selectors import active_consent, capacity_basis_reaches, consents_to, duty_status

logger = logging.getLogger(__name__)

# How long an e-mailed referral link can be opened (calendar days, to the same clock time: the
# e-mail names the day and time), and how long the page stays usable after.
REFERRAL_LINK_VALID_DAYS = 7
REFERRAL_GRANT_VALID_FOR = dt.timedelta(minutes=30)


class ReferralTransitionRefused(Exception):
    def __init__(self, *, transition: str, state: str) -> None:
        super().__init__(transition)
        self.transition = transition
        self.state = state


def referral_create(
    *,
    enquiry: Any,
    service: HelpService,
    actor: Any,
    legal_basis: str,
    note: str,
    sent_at: dt.datetime,
    basis_decided_by: str = "",
    basis_reason: str = "",
) -> Referral:
    """Called by ``casework.services.enquiry_forward`` inside its transaction, after
    ``basis_errors`` found the basis good for this service. A service without an e-mail address
    is to be contacted by phone (``Delivery.PHONE``) until the team records the call."""
    # The acknowledgement deadline is data (routing.Deadline, coordinators edit it).
    due_at, escalate_at = referral_deadlines(sent_at)
    referral = Referral.objects.create(
        enquiry=enquiry,
        service=service,
        legal_basis=legal_basis,
        basis_decided_by=basis_decided_by if legal_basis in CAPACITY_BASES else "",
        basis_reason=basis_reason,
        consent=active_consent(enquiry, service) if legal_basis == "consent" else None,
        delivery=Delivery.EMAIL if service.email else Delivery.PHONE,
        note=note,
        sent_by=actor,
        sent_at=sent_at,
        due_at=due_at,
        escalate_at=escalate_at,
    )
    events.object_created(actor=actor, obj=referral, enquiry_id=enquiry.pk)
    # Services with a system of their own will use the API; until service keys exist every
    # referral gets an e-mailed link (most services in the directory have no system).
    referral_link_send(referral=referral, actor=actor)
    return referral


def _may_answer(actor: Any, referral: Referral) -> bool:
    """The receiving service answers its own referrals; the team may record an answer for it."""
    service = getattr(actor, "service", None)
    if service is not None:
        return service.pk == referral.service_id
    return policies.may_edit(actor, referral.enquiry)


def _change(
    *, referral: Referral, actor: Any, name: str, fields: dict[str, Any], allowed: bool
) -> Referral:
    if not allowed:
        raise PermissionDenied(_("You may not do this with this referral."))
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.state != referral.state:
        raise ReferralTransitionRefused(transition=name, state=locked.state)
    method = getattr(referral, name)
    if not can_proceed(method):
        raise ReferralTransitionRefused(transition=name, state=referral.state)
    method()
    for field, value in fields.items():
        setattr(referral, field, value)
    try:
        referral.save()
    except ConcurrentTransition as exc:
        raise ReferralTransitionRefused(transition=name, state=referral.state) from exc
    events.object_changed(
        actor=actor,
        obj=referral,
        enquiry_id=referral.enquiry_id,
        action="transition",
        fields=["state", *fields],
    )
    return referral


@transaction.atomic
def referral_acknowledge(*, referral: Referral, actor: Any) -> Referral:
    return _change(
        referral=referral,
        actor=actor,
        name="acknowledge",
        fields={"acknowledged_at": timezone.now()},
        allowed=_may_answer(actor, referral),
    )


@transaction.atomic
def referral_decline(*, referral: Referral, actor: Any, reason: str) -> Referral:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason for declining.")]})
    if found := text_errors(reason, limit=5_000):
        raise ValidationError({"reason": found})
    return _change(
        referral=referral,
        actor=actor,
        name="decline",
        fields={"declined_at": timezone.now(), "decline_reason": reason},
        allowed=_may_answer(actor, referral),
    )


@transaction.atomic
def referral_complete(*, referral: Referral, actor: Any, note: str = "") -> Referral:
    if found := text_errors(note or "", limit=5_000):
        raise ValidationError({"note": found})
    return _change(
        referral=referral,
        actor=actor,
        name="complete",
        fields={"completed_at": timezone.now(), "completion_note": note or ""},
        allowed=_may_answer(actor, referral),
    )


@transaction.atomic
def referral_withdraw(*, referral: Referral, actor: Any) -> Referral:
    """The team takes a referral back (``casework.services.enquiry_close`` does, for every open
    referral). Its unused links stop working, and the service is told by e-mail after commit
    (reference only, no personal data); from then on the service sees no personal data of it
    and cannot answer it (``ReferralTransitionRefused``: 409 in the API)."""
    referral = _change(
        referral=referral,
        actor=actor,
        name="withdraw",
        fields={"withdrawn_at": timezone.now()},
        allowed=policies.may_edit(actor, referral.enquiry)
        and getattr(actor, "service", None) is None,
    )
    _links_expire(referral=referral, actor=actor)
    service = referral.service
    if service.email:
        reference = referral.enquiry.reference
        transaction.on_commit(
            lambda: _send_withdrawal_mail(
                service=service, referral_id=referral.pk, reference=reference
            )
        )
    else:
        logger.warning(
            "Service %s has no e-mail address: the withdrawal of referral %s was not e-mailed; "
            "tell them by phone.",
            service.slug,
            referral.pk,
        )
    return referral


def _send_withdrawal_mail(*, service: HelpService, referral_id: Any, reference: str) -> None:
    """Runs after commit. No personal data: the service's name and the reference only."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Referral withdrawn by TryggEst (%(reference)s)") % {"reference": reference}
        body = _(
            "Hello %(service)s,\n\n"
            "The TryggEst team has closed its enquiry %(reference)s and withdrawn its referral to "
            "you. Do not act on it; the link you got no longer works.\n"
            "Call the TryggEst team if you have questions.\n"
        ) % {"service": service.name, "reference": reference}
    try:
        send_mail(subject, body, None, [service.email], fail_silently=False)
    except Exception:
        logger.warning(
            "Withdrawal e-mail to service %s failed for referral %s",
            service.slug,
            referral_id,
            exc_info=True,
        )


# --- Legal duties ---


@transaction.atomic
def duty_decision_record(
    *,
    enquiry: Any,
    actor: Any,
    duty: str,
    decision: str,
    notified_whom: str = "",
    notified_at: dt.datetime | None = None,
    reason: str = "",
) -> LegalDutyDecision:
    """Record that the team considered a legal duty: whom it notified and when, or why it does not apply.
    EnquiryClosed on a closed enquiry (reopen it first)."""
    policies.require_editable(actor, enquiry)
    notified_whom = (notified_whom or "").strip()
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if duty not in codes("legal_duties"):
        errors["duty"] = [_("Unknown code: %(code)s.") % {"code": duty}]
    if decision not in DutyDecision.values:
        errors["decision"] = [_("Choose a decision.")]
    elif decision == DutyDecision.NOTIFIED:
        if not notified_whom:
            errors["notified_whom"] = [_("Say whom you notified.")]
        if notified_at is None:
            errors["notified_at"] = [_("Say when you notified them.")]
        elif notified_at > timezone.now() + dt.timedelta(minutes=5):
            errors["notified_at"] = [_("The time cannot be in the future.")]
    elif not reason:
        errors["reason"] = [_("Say why the duty does not apply.")]
    check_text(errors, "notified_whom", notified_whom, limit=200)
    check_text(errors, "reason", reason, limit=5_000)
    if errors:
        raise ValidationError(errors)
    record = LegalDutyDecision.objects.create(
        enquiry=enquiry,
        duty=duty,
        decision=decision,
        notified_whom=notified_whom if decision == DutyDecision.NOTIFIED else "",
        notified_at=notified_at if decision == DutyDecision.NOTIFIED else None,
        reason=reason,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    events.object_created(actor=actor, obj=record, enquiry_id=enquiry.pk)
    return record


def undecided_duties(enquiry: Any) -> list[str]:
    """Duties raised by a matching routing rule that have no recorded decision yet."""
    return [status.duty for status in duty_status(enquiry) if status.decision is None]


def check_duties_before_close(enquiry: Any) -> None:
    """Called by ``casework.services.enquiry_close``: every raised duty needs a recorded decision.

    This holds for every outcome, `duplicate` and `referred_elsewhere` from `received` included:
    those stay possible whenever no duty is raised, and when one is (immediate danger, children in
    the household) the team records "not applicable, handled in TE-..." or whom it notified.
    """
    missing = undecided_duties(enquiry)
    if missing:
        raise ValidationError(
            {
                "legal_duties": [
                    _("Record a decision on the legal duty “%(duty)s” before closing.")
                    % {"duty": label("legal_duties", duty)}
                    for duty in missing
                ]
            }
        )


# --- The legal basis of each referral (issue 16) ---


@dataclass(frozen=True)
class ServiceBasis:
    """One service of a forward and the basis for telling it; ``decided_by`` (who decided) and
    ``reason`` for a basis the team records for an adult who lacks capacity to consent."""

    service: str
    legal_basis: str
    decided_by: str = ""
    reason: str = ""


def basis_errors(
    enquiry: Any, service: HelpService, basis: str, *, decided_by: str = ""
) -> list[str]:
    """Why ``basis`` does not let the team tell ``service`` about the adult (empty: it does).

    - consent: the adult consents to this service (``consents_to``);
    - a legal duty: the service is one the duty is met by telling (``DUTY_RECIPIENT_CATEGORIES``:
      the police for avvergeplikt, straffeloven § 196; child welfare for opplysningsplikt,
      barnevernloven § 13-2), and the team has recorded notifying on it;
    - a basis for an adult who lacks capacity to consent (vocabulary ``capacity_bases``): the
      adult's capacity to consent is recorded as in doubt, the team says who decided, and the
      basis reaches the service: helse- og omsorgstjenesteloven § 3-3 a the municipality's own
      services, pasient- og brukerrettighetsloven § 4-6 health services, nødrett (straffeloven
      § 17) any service, only in immediate danger or at the acute level.
    """
    name = service.name
    if basis not in LEGAL_BASES:
        return [
            _(
                "Give the legal basis: consent, a legal duty or a basis for an adult who lacks capacity to consent."
            )
        ]
    if basis == "consent":
        if not consents_to(enquiry, service):
            return [_("The adult has not consented to telling %(service)s.") % {"service": name}]
        return []
    if basis in DUTY_RECIPIENT_CATEGORIES:
        if service.category not in DUTY_RECIPIENT_CATEGORIES[basis]:
            return [
                _("The legal duty “%(duty)s” does not apply to %(service)s.")
                % {"duty": label("legal_duties", basis), "service": name}
            ]
        latest = (
            LegalDutyDecision.objects.filter(enquiry=enquiry, duty=basis)
            .order_by("-decided_at", "-pk")
            .first()
        )
        if latest is None or latest.decision != DutyDecision.NOTIFIED:
            return [
                _(
                    "Forwarding on the legal duty “%(duty)s” needs a recorded decision that it was acted on (notified)."
                )
                % {"duty": label("legal_duties", basis)}
            ]
        return []
    # A basis for an adult who lacks capacity to consent.
    errors: list[str] = []
    if enquiry.subject_consent_capacity_doubted is not True:
        errors.append(
            _(
                "“%(basis)s” is for an adult who lacks capacity to consent: record first that the adult's capacity is in doubt."
            )
            % {"basis": label("capacity_bases", basis)}
        )
    if not (decided_by or "").strip():
        errors.append(_("Say who decided the legal basis."))
    if not capacity_basis_reaches(basis, service):
        errors.append(
            _("“%(basis)s” does not apply to %(service)s.")
            % {"basis": label("capacity_bases", basis), "service": name}
        )
    if basis == "nodrett" and not (enquiry.immediate_danger or enquiry.risk_level == "acute"):
        errors.append(
            _("Necessity (nødrett) applies only in immediate danger or at the acute level.")
        )
    return errors


@transaction.atomic
def consent_record(
    *, enquiry: Any, actor: Any, service: HelpService, given_at: dt.datetime, method: str
) -> ServiceConsent:
    """Record the adult's consent to telling ``service``: when and how it was given.
    EnquiryClosed / PermissionDenied as for every change of the enquiry; ValidationError naming
    ``method`` or ``given_at``."""
    policies.require_editable(actor, enquiry)
    errors: dict[str, list[str]] = {}
    if method not in codes("consent_methods"):
        errors["method"] = [_("Choose how the consent was given.")]
    if given_at is None:
        errors["given_at"] = [_("Say when the consent was given.")]
    elif given_at > timezone.now() + dt.timedelta(minutes=5):
        errors["given_at"] = [_("The time cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    consent = ServiceConsent.objects.create(
        enquiry=enquiry,
        service=service,
        given_at=given_at,
        method=method,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    events.object_created(actor=actor, obj=consent, enquiry_id=enquiry.pk)
    return consent


@transaction.atomic
def consent_withdraw(*, consent: ServiceConsent, actor: Any, method: str) -> ServiceConsent:
    """The adult withdraws their consent to a service. Open referrals to that service that rest
    on consent are withdrawn with it (``referral_withdraw``: the service is told, sees no more),
    since nothing else lets the team keep telling it."""
    enquiry = consent.enquiry
    policies.require_editable(actor, enquiry)
    if method not in codes("consent_methods"):
        raise ValidationError({"method": [_("Choose how the consent was withdrawn.")]})
    locked = ServiceConsent.objects.select_for_update().get(pk=consent.pk)
    if locked.withdrawn_at is not None:
        raise ValidationError({"consent": [_("The consent is already withdrawn.")]})
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = actor
    consent.withdrawal_method = method
    consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_method"])
    events.object_changed(
        actor=actor,
        obj=consent,
        fields=["withdrawn_at", "withdrawn_by", "withdrawal_method"],
        enquiry_id=enquiry.pk,
    )
    for referral in enquiry.referrals.filter(
        service=consent.service, legal_basis="consent", state__in=OPEN_REFERRAL_STATES
    ):
        referral_withdraw(referral=referral, actor=actor)
    return consent


@transaction.atomic
def referral_phone_call_record(*, referral: Referral, actor: Any, note: str = "") -> Referral:
    """A team member records telling a service without e-mail about its referral by phone:
    from then on the referral reads "told by phone", not "to contact by phone". ValidationError
    when the referral is not one to phone or the call is already recorded."""
    if (
        not policies.may_edit(actor, referral.enquiry)
        or getattr(actor, "service", None) is not None
    ):
        raise PermissionDenied(_("You may not do this with this referral."))
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    check_text(errors, "note", note, limit=2_000)
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.state not in OPEN_REFERRAL_STATES:
        errors.setdefault("referral", []).append(_("The referral is no longer open."))
    elif locked.phoned_at is not None:
        errors.setdefault("referral", []).append(_("The call is already recorded."))
    elif locked.delivery != Delivery.PHONE and locked.email_failed_at is None:
        errors.setdefault("referral", []).append(_("The service was told by e-mail."))
    if errors:
        raise ValidationError(errors)
    locked.delivery = Delivery.PHONE
    locked.phoned_at = timezone.now()
    locked.phoned_by = actor
    locked.phone_note = note
    locked.save(update_fields=["delivery", "phoned_at", "phoned_by", "phone_note"])
    events.object_changed(
        actor=actor,
        obj=locked,
        fields=["delivery", "phoned_at", "phoned_by", "phone_note"],
        enquiry_id=locked.enquiry_id,
    )
    return locked


# --- Referral links for services without a system of their own ---


@dataclass(frozen=True)
class ServiceActor:
    """A receiving service acting through its e-mailed link; audited as the service's slug."""

    service: HelpService

    def audit_actor(self) -> events.Actor:
        return events.Actor(ActorType.SERVICE, self.service.slug, str(self.service.pk))


class ReferralLinkInvalid(Exception):
    """Unknown, used or expired: the caller shows the same neutral page for all three."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def referral_link_url(token: str) -> str:
    path = reverse("routing:referral_link", args=[token])
    return f"{settings.TRYGGEST_PUBLIC_URL.rstrip('/')}{path}"


def _send_referral_mail(
    *, service: HelpService, referral_id: Any, reference: str, token: str, expires_at: dt.datetime
) -> bool:
    """Runs after commit. No personal data: the service's name, the reference and the link only."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("New referral from TryggEst (%(reference)s)") % {"reference": reference}
        body = _(
            "Hello %(service)s,\n\n"
            "The TryggEst team has sent you a referral (%(reference)s).\n"
            "Open it with this link; it works once and until %(expires)s:\n\n%(url)s\n\n"
            "After opening it you can acknowledge, decline or complete the referral on the page.\n"
            "If the link has expired, call the TryggEst team for a new one.\n"
        ) % {
            "service": service.name,
            "reference": reference,
            "expires": timezone.localtime(expires_at).strftime("%d.%m.%Y %H:%M"),
            "url": referral_link_url(token),
        }
    try:
        send_mail(subject, body, None, [service.email], fail_silently=False)
    except Exception:
        logger.warning(
            "Referral e-mail to service %s failed for referral %s",
            service.slug,
            referral_id,
            exc_info=True,
        )
        referral_email_failed(referral_id=referral_id)
        return False
    return True


@transaction.atomic
def referral_email_failed(*, referral_id: Any) -> None:
    """After commit, when a referral's e-mail could not be sent: the enquiry's page shows it
    (``Referral.email_failed_at``) so the team phones the service; an audit event of the system."""
    referral = Referral.objects.filter(pk=referral_id).first()
    if referral is None:
        return
    referral.email_failed_at = timezone.now()
    referral.save(update_fields=["email_failed_at"])
    events.object_changed(
        actor=None, obj=referral, fields=["email_failed_at"], enquiry_id=referral.enquiry_id
    )


def referral_link_send(*, referral: Referral, actor: Any) -> ReferralLink | None:
    """Make a single-use link and e-mail it to the service after the transaction commits.

    Runs inside the caller's transaction (``referral_create``). A service without an e-mail address
    gets no link; a warning says so and the team contacts the service by phone.
    """
    service = referral.service
    if not service.email:
        logger.warning(
            "Service %s has no e-mail address: referral %s was not e-mailed; contact them by phone.",
            service.slug,
            referral.pk,
        )
        return None
    link, token = _link_create(referral=referral, actor=actor)
    reference = referral.enquiry.reference
    transaction.on_commit(
        lambda: _send_referral_mail(
            service=service,
            referral_id=referral.pk,
            reference=reference,
            token=token,
            expires_at=link.expires_at,
        )
    )
    return link


def _link_create(*, referral: Referral, actor: Any) -> tuple[ReferralLink, str]:
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    link = ReferralLink.objects.create(
        referral=referral,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=add_calendar_days(now, REFERRAL_LINK_VALID_DAYS),
    )
    events.object_created(actor=actor, obj=link, enquiry_id=referral.enquiry_id)
    return link, token


def _links_expire(*, referral: Referral, actor: Any) -> None:
    now = timezone.now()
    for old in referral.links.filter(used_at__isnull=True, expires_at__gt=now):
        old.expires_at = now
        old.save(update_fields=["expires_at"])
        events.object_changed(
            actor=actor, obj=old, fields=["expires_at"], enquiry_id=referral.enquiry_id
        )


def referral_link_reissue(*, referral: Referral, actor: Any) -> tuple[ReferralLink, str] | None:
    """A new link for the service (older unused links stop working), not e-mailed here.

    Inside the caller's transaction. The reminder sweep (actor None: the system) e-mails the link
    in its own reminder message. None when the service has no e-mail address.
    """
    if not referral.service.email:
        return None
    _links_expire(referral=referral, actor=actor)
    return _link_create(referral=referral, actor=actor)


def referral_link_find(token: str) -> ReferralLink:
    """The link for a token, whatever its state; ReferralLinkInvalid when unknown."""
    link = (
        ReferralLink.objects.select_related("referral__service", "referral__enquiry")
        .filter(token_hash=token_hash(token or ""))
        .first()
    )
    if link is None:
        raise ReferralLinkInvalid
    return link


def referral_link_is_usable(link: ReferralLink, *, at: dt.datetime | None = None) -> bool:
    return link.used_at is None and link.expires_at > (at or timezone.now())


@transaction.atomic
def referral_link_open(*, token: str) -> ReferralLink:
    """Use up the link: one conditional UPDATE, so two clicks at once cannot both open it."""
    now = timezone.now()
    opened = ReferralLink.objects.filter(
        token_hash=token_hash(token or ""), used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if opened != 1:
        raise ReferralLinkInvalid
    link = referral_link_find(token)
    events.object_changed(
        actor=ServiceActor(link.referral.service),
        obj=link,
        fields=["used_at"],
        enquiry_id=link.referral.enquiry_id,
    )
    return link


@transaction.atomic
def referral_view_for_service(*, referral: Referral) -> dict[str, Any]:
    """What the receiving service sees (minimum necessary), with the access logged. A withdrawn
    referral shows its reference and state only: the service no longer needs anything else."""
    enquiry = referral.enquiry
    events.object_viewed(actor=ServiceActor(referral.service), obj=referral, enquiry_id=enquiry.pk)
    if referral.state == ReferralState.WITHDRAWN:
        return {
            "reference": enquiry.reference,
            "service": referral.service.name,
            "state": referral.state,
            "state_label": referral.get_state_display(),
            "withdrawn": True,
        }
    return {
        "reference": enquiry.reference,
        "service": referral.service.name,
        "state": referral.state,
        "state_label": referral.get_state_display(),
        "legal_basis": referral.get_legal_basis_display(),
        "subject_name": enquiry.subject_name,
        "subject_phone": enquiry.subject_phone,
        "violence_types": [label("violence_types", c) for c in enquiry.violence_types or []],
        "risk_level": label("risk_levels", enquiry.risk_level) if enquiry.risk_level else "",
        "note": referral.note,
        "sent_at": referral.sent_at,
        "due_at": referral.due_at,
        "decline_reason": referral.decline_reason,
        "completion_note": referral.completion_note,
    }


# --- The under-18 rule ---

CHILD_WELFARE_SERVICE = "barneverntjenesten"


# --- Keys for services with a system of their own ---


@transaction.atomic
def service_key_create(*, slug: str, name: str = "") -> tuple[Any, str]:
    """A new API key for the organisation ``slug`` (created if missing); returns the key and its
    plain text, which is shown once and never stored.

    When the directory has a helping service of the same slug, the organisation is linked to it
    (``HelpService.organisation``), so the key can read and answer the referrals addressed to
    that service; otherwise the organisation only submits enquiries.
    """
    service = HelpService.objects.filter(slug=(slug or "").strip()).first()
    key, plain, organisation, created = organisation_key_create(
        slug=slug, name=name or (service.name if service else "")
    )
    if created and service is not None and service.organisation_id is None:
        service.organisation = organisation
        service.save(update_fields=["organisation"])
        events.object_changed(actor=None, obj=service, fields=["organisation"])
    return key, plain


# --- The rules, edited by coordinators in the admin ---


def _may_edit_rules(actor: Any) -> bool:
    return is_staff_user(actor) and actor.has_perm("routing.change_routingrule")


@transaction.atomic
def routing_rule_save(*, rule: Any, actor: Any, fields: list[str] | None = None) -> Any:
    """Save a rule a coordinator edited; the audit event has the changed fields with their old and
    new values (rules hold no personal data)."""
    creating = rule.pk is None
    if not (_may_edit_rules(actor) and (not creating or actor.has_perm("routing.add_routingrule"))):
        raise PermissionDenied(_("You may not change the routing rules."))
    validate_conditions(rule.conditions)  # also checked by the form; never save an unchecked rule
    before = events.stored_values(rule, fields or [])
    rule.save()
    if creating:
        events.object_created(actor=actor, obj=rule)
    else:
        changes = events.real_changes(before, events.current_values(rule, fields or []))
        events.object_changed(actor=actor, obj=rule, fields=list(changes), changes=changes)
    return rule


# --- The directory: who may change a service's contact details ---

# Where referral links and reminders go, and whom staff call: changed by coordinators only.
CONTACT_FIELDS = ("email", "phones", "url", "referral_route", "organisation")


@transaction.atomic
def help_service_save(
    *, service: HelpService, actor: Any, fields: list[str] | None = None
) -> HelpService:
    """Save a directory entry a coordinator edited, its phone numbers and opening hours included
    (``routing.change_helpservice``; adding needs ``routing.add_helpservice``). Contact details are
    security data: a service's e-mail address decides where referral links go. Every change is an
    audit event with the changed fields (``fields``) and their old and new values (a directory
    entry describes an organisation, not a person), so an auditor can see who pointed a service's
    links where, and when. PermissionDenied for anyone else; ValidationError when the entry is
    invalid (the hours' format among it: ``kernel.opening_hours``)."""
    creating = service.pk is None
    needed = "routing.add_helpservice" if creating else "routing.change_helpservice"
    if not (is_staff_user(actor) and actor.has_perm(needed)):
        raise PermissionDenied(_("You may not change the directory."))
    service.full_clean()  # also checked by the form; never save an unchecked service
    fields = fields or []
    before = events.stored_values(service, fields)
    service.save()
    if creating:
        events.object_created(actor=actor, obj=service)
        return service
    changes = events.real_changes(before, events.current_values(service, fields))
    contact = set(changes) & set(CONTACT_FIELDS)
    events.object_changed(
        actor=actor,
        obj=service,
        fields=list(changes),
        changes=changes,
        reason="contact details changed" if contact else "",
    )
    return service


@transaction.atomic
def routing_rule_delete(*, rule: Any, actor: Any) -> None:
    if not (is_staff_user(actor) and actor.has_perm("routing.delete_routingrule")):
        raise PermissionDenied(_("You may not change the routing rules."))
    events.object_changed(actor=actor, obj=rule, fields=["deleted"])
    rule.delete()


@transaction.atomic
def referral_link_renew(*, referral: Referral, actor: Any) -> ReferralLink | None:
    """The team sends the service a new link (the old one expired or was lost); older links stop working."""
    if (
        not policies.may_edit(actor, referral.enquiry)
        or getattr(actor, "service", None) is not None
    ):
        raise PermissionDenied(_("You may not do this with this referral."))
    if referral.state not in OPEN_REFERRAL_STATES:
        raise ValidationError({"referral": [_("The referral is no longer open.")]})
    if not referral.service.email:
        raise ValidationError(
            {"referral": [_("The service has no e-mail address; contact them by phone.")]}
        )
    _links_expire(referral=referral, actor=actor)
    return referral_link_send(referral=referral, actor=actor)
