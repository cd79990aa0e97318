"""Persistence: SQLModel tables, engines and transactions, the artifact store, migrations."""

from voltvault_core.db.engine import create_db_engine, default_database_url, session_scope

__all__ = ["create_db_engine", "default_database_url", "session_scope"]
