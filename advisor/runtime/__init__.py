"""Runtime truth, opt-in: what the project's own Django says (`probe`, for `--resolve`) and
what its own test run does (`observer`, for `advisor observe`). `probe.py` and
`observer.py` are standalone (stdlib + Django): they run inside the project's interpreter,
copied into a temporary folder, never imported by advisor itself."""
