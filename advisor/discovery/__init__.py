"""View discovery: the URLconf first (`urlconf.py`), then views nothing routes
(`unrouted.py`); `views.py` turns both into `View` records."""
