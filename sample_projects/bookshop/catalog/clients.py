"""Thin HTTP client for the recommender service."""
import requests
from django.conf import settings


def fetch_json(path, params=None):
    url = f"{settings.UPSTREAM_BASE_URL}{path}"
    response = requests.get(url, params=params, timeout=5)
    response.raise_for_status()
    return response.json()
