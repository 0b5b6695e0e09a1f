"""`from app.urls import urlpatterns` and then `urlpatterns += [...]`: the URLconf starts
with every route of the imported one (a real package's test URLconf is built this way),
including what that module added under a condition."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from advisor.cli import main

FILES = {
    "settings.py": "SECRET_KEY = 'x'\nROOT_URLCONF = 'site_urls'\nINSTALLED_APPS = ['app']\n"
    "USE_EXTRA = True\n",
    "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')\n",
    "app/__init__.py": "",
    "app/views.py": "from django.http import HttpResponse\n\n"
    "def login(request):\n    return HttpResponse('in')\n\n"
    "def extra(request):\n    return HttpResponse('extra')\n\n"
    "def local(request):\n    return HttpResponse('local')\n",
    "app/urls.py": "from django.conf import settings\nfrom django.urls import path\n"
    "from app.views import extra, login\n\n"
    "urlpatterns = [path('login/', login)]\n\n"
    "if settings.USE_EXTRA:\n    urlpatterns += [path('extra/', extra)]\n",
    "site_urls.py": "from django.urls import path\nfrom app.urls import urlpatterns\n"
    "from app.views import local\n\nurlpatterns += [path('local/', local)]\n",
}


def test_an_imported_urlpatterns_list_keeps_its_routes(tmp_path: Path) -> None:
    for relative, text in FILES.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["views", str(tmp_path), "--format", "json", "--no-cache"])
    assert result.exit_code == 0, result.output
    routes = {(r["pattern"], r["view"]) for r in json.loads(result.output)["routes"]}
    assert {("login/", "app.views.login"), ("extra/", "app.views.extra"),
            ("local/", "app.views.local")} <= routes
