"""Email: blocking SMTP with no async API in any Django version (§1.12)."""

from advisor.catalog import CatalogRow
from advisor.model import EffectKind

_E = EffectKind.EMAIL
_ADVICE = "sync_to_async, or enqueue with django.tasks (6.0+)"

ROWS = (
    *(
        CatalogRow(
            f"django.core.mail.{name}",
            _E,
            "email",
            f"{name}() talks SMTP synchronously",
            _ADVICE,
            rewrite="sync_to_async",
        )
        for name in ("send_mail", "send_mass_mail", "mail_admins", "mail_managers")
    ),
    CatalogRow(
        "django.core.mail.EmailMessage.send",
        _E,
        "email",
        "EmailMessage.send() talks SMTP synchronously",
        _ADVICE,
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "django.core.mail.EmailMultiAlternatives.send",
        _E,
        "email",
        "EmailMultiAlternatives.send() talks SMTP synchronously",
        _ADVICE,
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "smtplib.SMTP",
        _E,
        "none",
        "opens an SMTP connection",
        blocking=False,
        returns="smtplib.SMTP",
    ),
    CatalogRow(
        "smtplib.SMTP.*", _E, "email", "smtplib blocks", "aiosmtplib", rewrite="sync_to_async"
    ),
)
