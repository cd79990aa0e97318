"""What a person may see of an error, and the one place that logs what they may not.

A database error carries the SQL it ran, its parameters (a bcrypt hash, once, in a unique-violation
traceback) and server details; an unexpected exception carries server paths. Neither reaches a page or
the command line: :func:`public_message` logs the full error under a short reference and returns a plain
sentence with that reference, which an administrator looks up in the server log. The project's own
errors (bad input, missing permission, a failed job's readable message) are shown as they are, with
server paths and SQL taken out.

Pages call it through :func:`voltvault_core.ui.show_error`; the CLI through its ``main``.
"""

from __future__ import annotations

import logging
import re
import secrets

log = logging.getLogger("voltvault.errors")

#: Errors whose messages the project writes for people: shown (scrubbed), not logged as incidents.
USER_ERROR_TYPES: tuple[type[BaseException], ...] = (ValueError, LookupError, PermissionError, TimeoutError)

#: Bare lookups that fail are bugs, not messages (the project's own lookup errors subclass them).
_BUG_TYPES = (KeyError, IndexError)

# Signs that a text came from the database layer, wherever it was turned into a string (a job's
# ``error`` column holds ``str(exc)`` of the worker's exception).
_DATABASE_SIGNS = re.compile(
    r"\[SQL:|\[parameters:|sqlalche\.me/e/|\(sqlite3\.\w+\)|\(psycopg[\w.]*\)|psycopg\.errors|"
    r"\b(IntegrityError|OperationalError|ProgrammingError|DataError|InternalError|DatabaseError|"
    r"InterfaceError|PendingRollbackError|NumericValueOutOfRange|UniqueViolation)\b",
)
_BCRYPT = re.compile(r"\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}")
# An absolute POSIX path of two or more parts, or a Windows one; replaced by its last part.
_PATH = re.compile(r"(?<![\w/.:])(?:/[\w.@+-]+){2,}/?|[A-Za-z]:\\(?:[\w.@+ -]+\\)*[\w.@+-]+")


def is_database_error(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) comes from SQLAlchemy or a database driver."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        module = type(exc).__module__ or ""
        if module.startswith(("sqlalchemy", "sqlite3", "psycopg", "psycopg2", "_sqlite3")):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def looks_like_database_text(text: str) -> bool:
    return bool(_DATABASE_SIGNS.search(text or ""))


def scrub(text: str) -> str:
    """``text`` without password hashes and with absolute paths cut to their last part."""
    text = _BCRYPT.sub("<hash>", text)
    return _PATH.sub(lambda m: m.group(0).rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1], text)


def log_incident(exc: BaseException, doing: str = "") -> str:
    """Log ``exc`` with its traceback under a new reference; returns the reference."""
    reference = secrets.token_hex(4)
    log.error("error %s%s", reference, f" while {doing}" if doing else "", exc_info=(type(exc), exc, exc.__traceback__))
    return reference


def public_message(exc: BaseException, doing: str = "") -> str:
    """One plain sentence about ``exc`` that is safe to show; logs it when the details must stay hidden.

    ``doing`` names what failed ("The import", "Saving the design") and starts the sentence.
    """
    lead = f"{doing} failed" if doing else "That did not work"
    text = str(exc).strip()
    if is_database_error(exc) or looks_like_database_text(text):
        reference = log_incident(exc, doing)
        conflict = "IntegrityError" in type(exc).__name__ or re.search(r"unique|duplicate", text, re.I)
        why = ("it conflicts with a record that exists already (perhaps someone else saved it a moment ago)"
               if conflict else "the database refused or could not complete it")
        return (f"{lead}: {why}. Try again; if it keeps failing, give the administrator the reference "
                f"{reference} (the details are in the server log).")
    if (isinstance(exc, USER_ERROR_TYPES) and type(exc) not in _BUG_TYPES) or _is_job_error(exc):
        return scrub(text) if not doing else f"{lead}: {scrub(text)}"
    reference = log_incident(exc, doing)
    return (f"{lead} because of an internal error ({type(exc).__name__}). Give the administrator the reference "
            f"{reference}; the details are in the server log.")


def _is_job_error(exc: BaseException) -> bool:
    """Job failures carry the worker's readable one-line message (already in the job row)."""
    return any(cls.__name__ in ("JobError", "JobFailed", "JobCancelled") for cls in type(exc).__mro__)
