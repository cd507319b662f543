from __future__ import annotations

from rest_framework import generics, permissions, serializers

from bench.baseline.models import BaselineEnquiry


class BaselineEnquirySerializer(serializers.ModelSerializer):
    class Meta:
        model = BaselineEnquiry
        exclude = ["reference", "team_id", "state", "version"]


class BaselineEnquiryCreate(generics.CreateAPIView):
    """The plainest DRF create: what any endpoint storing this row costs on this server."""

    serializer_class = BaselineEnquirySerializer
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []
