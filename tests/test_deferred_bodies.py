"""Function bodies are extracted when the analysis first reaches them. Whatever the file
looks like (methods, nested functions, tabs, CRLF or bare-CR line ends, non-ASCII text,
decorators spanning lines), the deferred facts must equal the eagerly extracted ones,
survive the cache codec, and a search that asks `mentions`/`may_call` first must find
everything the full body would show."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from advisor.collect import dump_facts, load_facts
from advisor.facts import BodyFacts, FunctionFacts, LazyBody, ModuleFacts, Name, collect_facts

SOURCES = {
    "module functions and methods": b"""\
import requests
from django.shortcuts import render


def home(request):
    for item in range(3):
        requests.get(f"https://x/{item}", timeout=2)
    if request.user:
        return render(request, "home.html", {"n": len(request.session)})
    return None


class Shop:
    greeting = "hi"

    @property
    def name(self):
        self.cached = compute()
        return self.cached

    async def fetch(self, client):
        async with client.session() as session:
            return await session.get("/")
""",
    "nested functions and local classes stay eager": b"""\
def factory(flag):
    def inner(request):
        return helper(request)

    class Local:
        def method(self):
            return factory(False)

    return inner if flag else Local


def plain():
    return 1
""",
    "tabs, a multi-line decorator and a one-line def": b"""\
class A:
\t@decorate(
\t\tname="x",
\t)
\tdef method(self, a, *args, b=1, **kw):
\t\twhile a:
\t\t\ta = a.next()
\t\treturn [x.y for x in args if x in kw]

\tdef short(self): return self.method(1)
""",
    "CRLF line ends": (
        b"def view(request):\r\n    return redirect('/')\r\n\r\n"
        b"class B:\r\n    def m(self):\r\n        return do(self.x)\r\n"
    ),
    "bare CR line ends": (
        b"def view(request):\r    return redirect('/')\r\rdef other():\r    return view(None)\r"
    ),
    "non-ASCII text and identifiers": """\
# -*- coding: utf-8 -*-
def grüße(request):
    name = "Zoë — ünïcödé"
    return render(request, f"{name}.html", {"ß": name.upper()})


class Ünit:
    def größe(self, café):
        return café.filter(naïve=True)[0]
""".encode(),
    "a def inside a docstring line": b'''\
def documented():
    """Example:
    def not_really():
    """
    return call()
''',
}


def _plain(value: Any) -> Any:
    """Compare facts by content: a deferred body is extracted, an eager one read."""
    if isinstance(value, FunctionFacts):
        fields = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        body = _plain(value.body_facts())
        # A deferred body builds its statement tree only when static evaluation asks.
        body["steps"] = _plain(value.statement_steps())
        fields["body"] = body
        return fields
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    return value


def _deferred(facts: ModuleFacts) -> list[str]:
    return [f.qualname for f in facts.functions if isinstance(f.body, LazyBody)]


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_deferred_bodies_equal_eager_ones(name: str) -> None:
    source = SOURCES[name]
    eager = collect_facts(source, defer_bodies=False)
    deferred = collect_facts(source)
    assert eager.error is None
    assert _plain(deferred) == _plain(eager)
    # and after a trip through the cache codec, extracted in another "process"
    assert _plain(load_facts(dump_facts(collect_facts(source)))) == _plain(eager)


def test_only_bodies_without_definitions_inside_are_deferred() -> None:
    facts = collect_facts(SOURCES["nested functions and local classes stay eager"])
    assert _deferred(facts) == ["factory.Local.method", "plain"]
    qualnames = {f.qualname for f in facts.functions}
    assert {"factory", "factory.<locals>.inner", "plain"} <= qualnames
    assert {c.qualname for c in facts.classes} == {"factory.Local"}


def test_a_bare_cr_file_is_extracted_eagerly() -> None:
    assert _deferred(collect_facts(SOURCES["bare CR line ends"])) == []
    assert _deferred(collect_facts(SOURCES["CRLF line ends"])) == ["view", "B.m"]


def test_body_facts_carry_the_files_lines_and_columns() -> None:
    facts = collect_facts(SOURCES["non-ASCII text and identifiers"])
    view = next(f for f in facts.functions if f.name == "grüße")
    assert isinstance(view.body, LazyBody)
    line = SOURCES["non-ASCII text and identifiers"].decode().splitlines()[3]
    upper = next(c for c in view.calls if c.line == 4 and c.func == Name("name.upper"))
    # a character column (what libcst reports), not ast's byte column: "ß" is two bytes
    assert upper.column == line.index("name.upper") != len(line[: upper.column].encode())
    assert upper.end_column == line.index("()})") + 2


def test_mentions_and_may_call_never_hide_a_match() -> None:
    facts = collect_facts(SOURCES["module functions and methods"])
    home = next(f for f in facts.functions if f.name == "home")
    name = next(f for f in facts.functions if f.name == "name")
    assert home.may_call("get") and home.may_call("render")
    assert not home.may_call("session")  # read as an attribute, never called
    assert home.mentions("session")
    assert name.mentions("cached") and not name.mentions("session")
    assert isinstance(name.body, LazyBody) and name.body._facts is None  # not extracted
    assert any(attribute == "cached" for attribute, _ in name.self_assignments)
    unicode = collect_facts(SOURCES["non-ASCII text and identifiers"])
    grusse = next(f for f in unicode.functions if f.name == "grüße")
    assert grusse.may_call("render") and not grusse.may_call("redirect")


def test_a_body_that_no_longer_parses_alone_is_empty_not_fatal() -> None:
    facts = collect_facts(b"def f():\n    return g()\n")
    function = facts.functions[0]
    assert isinstance(function.body, LazyBody)
    broken = LazyBody(function.body.source, 1, 1, indented=True)  # an impossible slice
    odd = dataclasses.replace(function, body=broken)
    assert odd.body_facts() == BodyFacts()
    assert [c.line for c in function.calls] == [2]
