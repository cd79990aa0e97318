"""The artifact store: bulk arrays and raw files as content-addressed blobs.

By default the bytes live in the database (``Artifact.data``), so a Community Cloud app backed by an
external PostgreSQL loses nothing when its disk is wiped. ``VOLTVAULT_ARTIFACT_URL`` moves them to a
directory (``file:///srv/voltvault/artifacts``) or an S3 bucket (``s3://bucket/prefix``, needs boto3);
the row keeps hash, size, type and location either way.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from urllib.parse import urlparse

from sqlmodel import Session, select

from voltvault_core.db.models import Artifact


class ArtifactError(RuntimeError):
    """An artifact is missing or its bytes do not match the recorded hash."""


def _backend() -> tuple[str, str]:
    url = os.environ.get("VOLTVAULT_ARTIFACT_URL", "").strip()
    if not url or url == "db":
        return "db", ""
    scheme = urlparse(url).scheme
    if scheme in ("file", ""):
        return "file", url
    if scheme == "s3":
        return "s3", url
    raise ArtifactError(f"VOLTVAULT_ARTIFACT_URL={url!r}: use 'db', file:///a/directory or s3://bucket/prefix")


def _file_path(base_url: str, sha256: str) -> Path:
    parsed = urlparse(base_url)
    root = Path(parsed.path if parsed.scheme else base_url)
    return root / sha256[:2] / sha256


def _s3_client():
    try:
        import boto3
    except ImportError as exc:  # pragma: no cover - depends on the deployment
        raise ArtifactError("VOLTVAULT_ARTIFACT_URL is an s3:// URL but boto3 is not installed") from exc
    return boto3.client("s3")


#: ``session.info`` keys: objects to write when the transaction commits, and objects this transaction wrote
_PENDING = "voltvault.artifacts.pending"
_WRITTEN = "voltvault.artifacts.written"


def put_artifact(
    session: Session, data: bytes, *, media_type: str = "application/octet-stream", filename: str = ""
) -> Artifact:
    """Store ``data`` (deduplicated by SHA-256) inside the caller's transaction and return its row.

    With a file or S3 store the bytes are written when the transaction commits, not before: a failed
    import (rolled back) or a cancelled one (its worker killed before the commit) leaves no object
    behind, as with database blobs. Objects written by a commit that then fails are deleted again.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"put_artifact takes bytes, not {type(data).__name__}")
    data = bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    kind, base = _backend()
    existing = session.exec(select(Artifact).where(Artifact.sha256 == digest, Artifact.storage == kind)).first()
    if existing is not None:
        return existing
    row = Artifact(sha256=digest, size_bytes=len(data), media_type=media_type, filename=filename, storage=kind)
    if kind == "db":
        row.data = data
    elif kind == "file":
        row.uri = _file_path(base, digest).as_uri()
    else:
        parsed = urlparse(base)
        key = f"{parsed.path.strip('/')}/{digest}".lstrip("/")
        row.uri = f"s3://{parsed.netloc}/{key}"
    if kind != "db":
        session.info.setdefault(_PENDING, {})[row.uri] = (kind, data, media_type)
    session.add(row)
    session.flush()
    return row


def _write_object(kind: str, uri: str, data: bytes, media_type: str) -> bool:
    """Write one object; True when it did not exist before (so a failed commit may delete it)."""
    if kind == "file":
        path = Path(urlparse(uri).path)
        if path.exists():
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        return True
    parsed = urlparse(uri)
    _s3_client().put_object(Bucket=parsed.netloc, Key=parsed.path.lstrip("/"), Body=data, ContentType=media_type)
    return True


def _delete_object(kind: str, uri: str) -> None:
    try:
        if kind == "file":
            Path(urlparse(uri).path).unlink(missing_ok=True)
        else:
            parsed = urlparse(uri)
            _s3_client().delete_object(Bucket=parsed.netloc, Key=parsed.path.lstrip("/"))
    except Exception:
        import logging

        logging.getLogger(__name__).warning("could not delete the artifact object %s after a rollback", uri)


def _flush_pending_objects(session: Session) -> None:
    """Before the commit: write the transaction's artifact objects (remembering the new ones)."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    written = session.info.setdefault(_WRITTEN, [])
    for uri, (kind, data, media_type) in pending.items():
        if _write_object(kind, uri, data, media_type):
            written.append((kind, uri))


def _forget_written(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    session.info.pop(_PENDING, None)


def _undo_written(session: Session) -> None:
    """After a rollback: nothing pending is written, and what a failed commit wrote is deleted."""
    session.info.pop(_PENDING, None)
    for kind, uri in session.info.pop(_WRITTEN, []):
        _delete_object(kind, uri)


def _register_session_events() -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session as OrmSession

    if not event.contains(OrmSession, "before_commit", _flush_pending_objects):
        event.listen(OrmSession, "before_commit", _flush_pending_objects)
        event.listen(OrmSession, "after_commit", _forget_written)
        event.listen(OrmSession, "after_rollback", _undo_written)


_register_session_events()


def get_artifact_bytes(session: Session, artifact_id: int) -> bytes:
    """The bytes of an artifact, checked against the recorded hash."""
    row = session.get(Artifact, artifact_id)
    if row is None:
        raise ArtifactError(f"artifact {artifact_id} does not exist")
    if row.storage == "db":
        data = row.data or b""
    elif (row.uri or "") in session.info.get(_PENDING, {}):  # stored in this transaction, not yet written
        data = session.info[_PENDING][row.uri][1]
    elif row.storage == "file":
        path = Path(urlparse(row.uri).path)
        if not path.exists():
            raise ArtifactError(f"artifact {artifact_id}: file {path} is missing from the artifact directory")
        data = path.read_bytes()
    else:
        parsed = urlparse(row.uri)
        data = _s3_client().get_object(Bucket=parsed.netloc, Key=parsed.path.lstrip("/"))["Body"].read()
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise ArtifactError(f"artifact {artifact_id} is corrupt: its bytes do not match SHA-256 {row.sha256[:12]}")
    return data


def put_frame(session: Session, frame, *, filename: str = "frame.parquet") -> Artifact:
    """Store a pandas DataFrame as Parquet."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return put_artifact(session, buffer.getvalue(), media_type="application/vnd.apache.parquet", filename=filename)


def get_frame(session: Session, artifact_id: int):
    """Read a Parquet artifact back into a DataFrame."""
    import pandas as pd

    return pd.read_parquet(io.BytesIO(get_artifact_bytes(session, artifact_id)))
