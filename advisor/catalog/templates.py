"""Template rendering: CPU work, and sync-only in every Django version (§4.4). A lazy
queryset in the context is evaluated while rendering (see database.py)."""

from advisor.catalog import CatalogRow
from advisor.model import EffectKind

_T = EffectKind.TEMPLATE

ROWS = (
    CatalogRow(
        "django.shortcuts.render",
        _T,
        "template",
        "render() renders the template in the calling thread",
        "django.template.response.TemplateResponse",
        rewrite="render",
    ),
    CatalogRow(
        "django.template.loader.render_to_string",
        _T,
        "template",
        "render_to_string() renders in the calling thread",
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "django.template.response.TemplateResponse",
        _T,
        "template",
        "TemplateResponse renders later (in a thread under ASGI)",
        blocking=False,
    ),
)
