"""What the rewrite does when AUTHENTICATION_BACKENDS has an entry without `aget_user`
(the scan finds those: `ProjectFacts.auth_backends_without_aget_user`, readiness.py).
`await request.auser()` (5.0+) and the async path of `login_required`,
`permission_required` and `user_passes_test` (5.1+) call `backend.aget_user()` on the
session's backend and would fail with AttributeError (django/contrib/auth/__init__.py
`aget_user`; ../shared/django-async-api.md §1.5).
"""

from __future__ import annotations

# View decorators whose async path (5.1+) awaits request.auser().
AUSER_DECORATORS = frozenset(
    {
        *(
            f"django.contrib.auth.decorators.{name}"
            for name in ("login_required", "permission_required", "user_passes_test")
        ),
        "django.contrib.admin.views.decorators.staff_member_required",
    }
)


def why_not_auser(backends: tuple[str, ...]) -> str:
    """The reason to give when the async user APIs cannot be used."""
    return (
        f"{backends[0]} in AUTHENTICATION_BACKENDS has no aget_user() (it does not "
        "subclass django.contrib.auth.backends.BaseBackend), so request.auser() would "
        "raise AttributeError"
    )
