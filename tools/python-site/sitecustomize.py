"""Loaded by the Python that runs the API fuzzing (`cargo xtask fuzz` puts
this folder on PYTHONPATH), before schemathesis.

CPython 3.11 before 3.11.8 keeps the AST constructor's recursion depth in
state every thread shares (CPython issue gh-106905), so two threads that
parse source at once can fail with "SystemError: AST constructor recursion
depth mismatch". Schemathesis runs two workers, and Hypothesis parses a
module's source to name a lambda in a strategy's description: the run then
stopped on an error of neither our API nor the schema. Parsing goes one
thread at a time here; nothing else changes.
"""

import ast
import threading

_lock = threading.Lock()
_parse = ast.parse


def _parse_one_at_a_time(*args, **kwargs):
    with _lock:
        return _parse(*args, **kwargs)


ast.parse = _parse_one_at_a_time
