"""Check the static scan against what a sample project's views really do.

The scan never imports the project, so nothing inside it can tell whether its predictions
are right. tests/test_effects_observed.py runs the sample project's *own* test suite under
`advisor observe` and `compare` holds the rules that set its per-view observations against
the scan's predictions.
"""
