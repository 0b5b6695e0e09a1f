"""DRF serializers as the framework runs them: a GenericAPIView's `get_serializer()` builds its
`serializer_class` (or what `get_serializer_class()` returns) with the view in its context;
`is_valid()` runs `validate_<field>()` and `validate()`, `save()` runs `create()`/`update()`."""

from __future__ import annotations

from pathlib import Path

import pytest

from snippets import SETTINGS, calls, view_of

SERIALIZERS = """
import requests
from rest_framework import serializers

class Remote:
    def verify(self, token):
        return requests.post("http://127.0.0.1/verify", data=token, timeout=1).ok

class Quiet:
    def verify(self, token):
        return True

class CheckedSerializer(serializers.Serializer):
    token = serializers.CharField()
    def validate(self, attrs):
        requests.post("http://127.0.0.1/check", timeout=1)
        return attrs

class FieldCheckedSerializer(serializers.Serializer):
    token = serializers.CharField()
    def validate_token(self, value):
        requests.post("http://127.0.0.1/check", timeout=1)
        return value

class PlainSerializer(serializers.Serializer):
    token = serializers.CharField()
    def validate(self, attrs):
        return attrs

class NotifyingSerializer(serializers.Serializer):
    token = serializers.CharField()
    def create(self, validated_data):
        requests.post("http://127.0.0.1/created", timeout=1)
        return validated_data

class ViewVerifiedSerializer(serializers.Serializer):
    token = serializers.CharField()
    def validate(self, attrs):
        view = self.context.get("view")
        verifier_class = getattr(view, "verifier_class", None)
        verifier_class().verify(attrs["token"])
        return attrs
"""


def view(body: str, base: str = "generics.GenericAPIView") -> str:
    return f"""
        from rest_framework import generics, views
        from rest_framework.response import Response
        from shop.serializers import *
        class View({base}):
{body}
    """


POST_VALID = """
            def post(self, request):
                serializer = self.get_serializer(data=request.data)
                serializer.is_valid(raise_exception=True)
                return Response(serializer.validated_data)
"""
POST_SAVE = """
            def post(self, request):
                serializer = self.get_serializer(data=request.data)
                serializer.is_valid(raise_exception=True)
                serializer.save()
                return Response({})
"""

FLAGGED = [
    view("            serializer_class = CheckedSerializer" + POST_VALID),
    view("            serializer_class = FieldCheckedSerializer" + POST_VALID),
    view(
        "            def get_serializer_class(self):\n"
        "                return CheckedSerializer\n" + POST_VALID
    ),
    view("            serializer_class = NotifyingSerializer" + POST_SAVE),
    view(
        "            serializer_class = ViewVerifiedSerializer\n"
        "            verifier_class = Remote" + POST_VALID
    ),
]

NOT_FLAGGED = [
    view("            serializer_class = PlainSerializer" + POST_VALID),
    # validate() does I/O, but nothing validates
    view(
        "            serializer_class = CheckedSerializer\n"
        "            def post(self, request):\n"
        "                return Response(self.get_serializer().initial_data)\n"
    ),
    # create() does I/O, but nothing saves
    view("            serializer_class = NotifyingSerializer" + POST_VALID),
    # the serializer that does I/O is another view's
    view(
        "            def get_serializer_class(self):\n"
        "                return PlainSerializer\n" + POST_VALID
    ),
    # the view's verifier does no I/O (the serializer's other users do not matter)
    view(
        "            serializer_class = ViewVerifiedSerializer\n"
        "            verifier_class = Quiet" + POST_VALID
    ),
    # another view builds the same serializer with a verifier that posts: not this one's
    view(
        "            serializer_class = ViewVerifiedSerializer\n"
        "            verifier_class = Quiet" + POST_VALID
    )
    + """
        class Other(generics.GenericAPIView):
            serializer_class = ViewVerifiedSerializer
            verifier_class = Remote
            def post(self, request):
                serializer = self.get_serializer(data=request.data)
                serializer.is_valid(raise_exception=True)
                return Response({})
    """,
    # a plain APIView has no get_serializer(): serializer_class means nothing there
    view("            serializer_class = CheckedSerializer" + POST_VALID, base="views.APIView"),
]


@pytest.mark.parametrize("source", FLAGGED, ids=[str(i) for i in range(len(FLAGGED))])
def test_what_the_serializer_runs_is_part_of_the_view(tmp_path: Path, source: str) -> None:
    found = view_of(
        tmp_path,
        source,
        view_id="shop.views.View",
        files={"shop/serializers.py": SERIALIZERS, "settings.py": SETTINGS},
    )
    assert [c for c in calls(found, "http") if c.startswith("requests.post")], found.effects


@pytest.mark.parametrize("source", NOT_FLAGGED, ids=[str(i) for i in range(len(NOT_FLAGGED))])
def test_serializer_methods_the_request_never_runs_are_not_flagged(
    tmp_path: Path, source: str
) -> None:
    found = view_of(
        tmp_path,
        source,
        view_id="shop.views.View",
        files={"shop/serializers.py": SERIALIZERS, "settings.py": SETTINGS},
    )
    assert calls(found, "http") == [], found.effects
