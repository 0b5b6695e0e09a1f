"""Observe what a sample project's views really do, to check the static scan against it.

The scan never imports the project, so nothing inside it can tell whether its predictions
are right. This package runs the sample project's *own* test suite with light
instrumentation (`observe_runner`, loaded inside the project's process) and compares the
per-view observations with the scan's predictions (`compare`, used by pytest).

`observe_runner` is imported as a top-level module by the subprocess (this directory is put
on its PYTHONPATH), so it must not import anything from this package or from the repository.
"""
