"""Each effect says what in the code set it off (`Effect.trigger`), so the rewrite and the
scoring never decode it from invented call names such as `QuerySet.__render__`."""

from __future__ import annotations

from pathlib import Path

import pytest
from snippets import view_of

from advisor.model import Trigger

# (trigger, the call name it is reported under, view body)
FLAGGED = [
    (Trigger.ITERATION, "QuerySet.__iter__", "for b in Book.objects.all():\n        print(b)"),
    (Trigger.TRUTH_TEST, "QuerySet.__len__", "if Book.objects.filter(title='x'):\n        pass"),
    (Trigger.INDEX, "QuerySet.__getitem__", "print(Book.objects.all()[0])"),
    (Trigger.MEMBERSHIP, "QuerySet.__contains__", "print(1 in Book.objects.all())"),
    (
        Trigger.RENDER,
        "QuerySet.__render__",
        "return render(request, 'x.html', {'books': Book.objects.all()})",
    ),
    (
        Trigger.RELATED_READ,
        "Model.__related__",
        "book = Book.objects.get(pk=1)\n    print(book.author)",
    ),
    (Trigger.ATTRIBUTE, "HttpRequest.user", "print(request.user)"),
    (Trigger.CALL, "QuerySet.get", "Book.objects.get(pk=1)"),
]
HEADER = (
    "from django.shortcuts import render\nfrom shop.models import Book\n\n\n"
    "def view(request):\n    "
)


@pytest.mark.parametrize(("trigger", "call", "body"), FLAGGED, ids=[t.value for t, _, _ in FLAGGED])
def test_flagged(tmp_path: Path, trigger: Trigger, call: str, body: str) -> None:
    view = view_of(tmp_path, HEADER + body + "\n")
    found = {
        (e.trigger, e.call.rsplit(".", 2)[-2] + "." + e.call.rsplit(".", 1)[-1])
        for e in view.effects
    }
    assert (trigger, call) in found


NOT_FLAGGED = [
    # list() and len() evaluate the queryset, but through a call.
    ("list(Book.objects.all())", Trigger.ITERATION),
    ("len(Book.objects.all())", Trigger.TRUTH_TEST),
    # A lazy queryset that is never evaluated, and a plain field of an instance.
    ("qs = Book.objects.filter(title='x')", Trigger.ITERATION),
    ("book = Book.objects.get(pk=1)\n    print(book.title)", Trigger.RELATED_READ),
    # Loaded with the related row: no extra query.
    (
        "book = Book.objects.select_related('author').get(pk=1)\n    print(book.author)",
        Trigger.RELATED_READ,
    ),
    # request.GET is no middleware's lazy attribute.
    ("print(request.GET)", Trigger.ATTRIBUTE),
    # Iterating a list, indexing a dict, testing a string.
    ("for x in [1, 2]:\n        print(x)", Trigger.ITERATION),
    ("print({'a': 1}['a'] or 'x' in 'xyz')", Trigger.INDEX),
]


@pytest.mark.parametrize(("body", "trigger"), NOT_FLAGGED)
def test_not_flagged(tmp_path: Path, body: str, trigger: Trigger) -> None:
    view = view_of(tmp_path, HEADER + body + "\n")
    assert trigger not in {e.trigger for e in view.effects}
