"""The intake benchmark's baseline: a table of the same shape as intake.Enquiry, written by a bare
DRF create endpoint (no key check, no throttle, no reference counter, no clock, no audit event).

Installed only when BENCH_BASELINE=1 (tryggest/settings.py, tryggest/urls.py); never in production.
"""

from __future__ import annotations

import uuid

from django.db import models


class BaselineEnquiry(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=20, blank=True)
    team_id = models.BigIntegerField(default=1)
    channel = models.CharField(max_length=20, default="api")
    state = models.CharField(max_length=50, default="received", db_index=True)
    version = models.PositiveIntegerField(default=1)
    reporter_type = models.CharField(max_length=30)
    reporter_name = models.CharField(max_length=200, blank=True)
    reporter_phone = models.CharField(max_length=40, blank=True)
    reporter_email = models.EmailField(max_length=254, blank=True)
    reporter_organisation = models.CharField(max_length=200, blank=True)
    subject_name = models.CharField(max_length=200, blank=True)
    subject_national_id = models.CharField(max_length=11, blank=True)
    subject_birth_date = models.DateField(null=True, blank=True)
    subject_birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    subject_gender = models.CharField(max_length=20, blank=True)
    subject_address = models.CharField(max_length=300, blank=True)
    subject_phone = models.CharField(max_length=40, blank=True)
    subject_knows_about_enquiry = models.BooleanField(null=True, blank=True)
    subject_consents_to_forwarding = models.BooleanField(null=True, blank=True)
    subject_consent_capacity_doubted = models.BooleanField(null=True, blank=True)
    risk_factors = models.JSONField(default=list, blank=True)
    violence_types = models.JSONField(default=list, blank=True)
    perpetrator_relation = models.CharField(max_length=30, blank=True)
    location = models.CharField(max_length=30, blank=True)
    description = models.TextField()
    immediate_danger = models.BooleanField(default=False)
    children_in_household = models.BooleanField(default=False)
    risk_level = models.CharField(max_length=20, blank=True, db_index=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.reference
