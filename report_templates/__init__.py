"""Jinja2 templates, CSS and JS for the HTML report (`advisor/reporters/to_html.py`).

A package so the files ship inside the wheel and load with `jinja2.PackageLoader`."""
