"""Helpers for talking to the upstream services (health, status, pager, CI).

URLs are built at call time from settings.UPSTREAM_BASE_URL so that tests can
point them at the stub server.
"""
import requests
from django.conf import settings

DEFAULT_TIMEOUT = 3


def upstream_url(path):
    return settings.UPSTREAM_BASE_URL.rstrip("/") + path


def get_json(path, params=None, timeout=DEFAULT_TIMEOUT):
    response = requests.get(upstream_url(path), params=params, timeout=timeout)
    response.raise_for_status()
    return response.json()


def post_json(path, payload, timeout=DEFAULT_TIMEOUT):
    response = requests.post(upstream_url(path), json=payload, timeout=timeout)
    response.raise_for_status()
    return response.json()
