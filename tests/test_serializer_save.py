"""DRF serializers run project code the way forms do: `serializer.save()` runs its
`create()` (or, given an instance, `update()`) — rest_framework/serializers.py.
`serializer.is_valid()` runs `validate_<field>()` and `validate()` (tests/test_drf_serializers.py
has the view-context side)."""

from __future__ import annotations

from pathlib import Path

import pytest

from snippets import calls, view_of

SERIALIZERS = """
import requests
from rest_framework import serializers
from shop.models import Book

class OrderSerializer(serializers.Serializer):
    title = serializers.CharField()
    def create(self, validated_data):
        requests.post("http://127.0.0.1/orders", json=validated_data, timeout=1)
        return validated_data

class BookSerializer(serializers.ModelSerializer):
    class Meta:
        model = Book
        fields = ["title"]
    def update(self, instance, validated_data):
        Book.objects.filter(title=validated_data["title"]).count()
        return instance

class TitleSerializer(serializers.Serializer):
    title = serializers.CharField()
    def validate_title(self, value):
        if Book.objects.filter(title=value).exists():
            raise serializers.ValidationError("taken")
        return value

class RemoteCheckedSerializer(serializers.Serializer):
    title = serializers.CharField()
    def validate(self, attrs):
        requests.post("http://127.0.0.1/check", json=attrs, timeout=1)
        return attrs

class LocalOrderSerializer(OrderSerializer):
    def create(self, validated_data):
        return validated_data

class Exporter:
    def save(self):
        return None
    def create(self, data):
        requests.post("http://127.0.0.1/export", timeout=1)
"""


def using(serializer: str, *statements: str) -> str:
    lines = "\n".join(f"            {s}" for s in statements)
    return f"""
        from shop.models import Book
        from shop.serializers import {serializer}
        def view(request):
            serializer = {serializer}(data=request.data)
{lines}
            return None
    """


FLAGGED = {
    "save-runs-create": ("http", "requests.post", using("OrderSerializer", "serializer.save()")),
    "save-runs-update": (
        "db",
        "django.db.models.QuerySet.count",
        using("BookSerializer", "serializer.save()"),
    ),
}


@pytest.mark.parametrize(("kind", "call", "source"), FLAGGED.values(), ids=FLAGGED.keys())
def test_flagged(tmp_path: Path, kind: str, call: str, source: str) -> None:
    view = view_of(tmp_path, source, files={"shop/serializers.py": SERIALIZERS})
    assert call in calls(view, kind), view.effects


VALIDATING = {
    "is_valid-runs-validate_field": (
        "db",
        "django.db.models.QuerySet.exists",
        using("TitleSerializer", "serializer.is_valid()"),
    ),
    "is_valid-runs-validate": (
        "http",
        "requests.post",
        using("RemoteCheckedSerializer", "serializer.is_valid()"),
    ),
}


@pytest.mark.parametrize(("kind", "call", "source"), VALIDATING.values(), ids=VALIDATING.keys())
def test_is_valid_runs_the_serializers_validate_methods(
    tmp_path: Path, kind: str, call: str, source: str
) -> None:
    view = view_of(tmp_path, source, files={"shop/serializers.py": SERIALIZERS})
    assert call in calls(view, kind), view.effects


NOT_FLAGGED = {
    # is_valid() validates; only save() runs create().
    "is_valid-does-not-create": ("http", using("OrderSerializer", "serializer.is_valid()")),
    # save() does not validate again.
    "save-does-not-validate": ("db", using("TitleSerializer", "serializer.save()")),
    # Reading the data runs neither.
    "data-runs-nothing": ("http", using("OrderSerializer", "serializer.data")),
    # The subclass's own create() (no I/O) wins.
    "subclass-create-without-io": ("http", using("LocalOrderSerializer", "serializer.save()")),
    # Not a serializer: save() is its own method, and create() is never called.
    "not-a-serializer": ("http", using("Exporter", "serializer.save()")),
}


@pytest.mark.parametrize(("kind", "source"), NOT_FLAGGED.values(), ids=NOT_FLAGGED.keys())
def test_not_flagged(tmp_path: Path, kind: str, source: str) -> None:
    view = view_of(tmp_path, source, files={"shop/serializers.py": SERIALIZERS})
    assert calls(view, kind) == [], view.effects
