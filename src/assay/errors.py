"""assay's error types. The CLI turns each into one line on stderr and an exit code.

Exit codes: 0 pass, 1 a gate or threshold failed, 2 usage, configuration or input error,
3 an unexpected internal error (a bug: rerun with --verbose for the traceback).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class AssayError(Exception):
    """Base of every error assay reports to a user as one line with exit code 2."""

    exit_code = EXIT_USAGE


class ConfigError(AssayError):
    """A configuration file or value is wrong; the message names the file and key path."""


class StoreError(AssayError):
    """The store cannot be opened, read or written; the file is never overwritten."""


class InputError(AssayError):
    """A file, argument or repository the user pointed at cannot be used."""


class ToolError(AssayError):
    """An external tool (bandit, pytest, mutmut, git, ...) failed in a way the user must act on."""


class ThresholdFailed(AssayError):
    """A gate or threshold failed: exit code 1, with the reason."""

    exit_code = EXIT_FAILED
