"""bcrypt password hashes (the same format streamlit-authenticator checks)."""

from __future__ import annotations

import os

import bcrypt

MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password.encode()) > 72:
        raise ValueError("a password can be at most 72 bytes long (bcrypt's limit)")
    # VOLTVAULT_BCRYPT_ROUNDS lowers the cost for the test suite only; the default is bcrypt's 12.
    rounds = int(os.environ.get("VOLTVAULT_BCRYPT_ROUNDS", "12"))
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=rounds)).decode()


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode(), password_hash.encode())
    except ValueError:
        return False
