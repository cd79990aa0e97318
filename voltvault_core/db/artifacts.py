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


def put_artifact(
    session: Session, data: bytes, *, media_type: str = "application/octet-stream", filename: str = ""
) -> Artifact:
    """Store ``data`` (deduplicated by SHA-256) inside the caller's transaction and return its row."""
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
        path = _file_path(base, digest)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        row.uri = path.as_uri()
    else:
        parsed = urlparse(base)
        key = f"{parsed.path.strip('/')}/{digest}".lstrip("/")
        _s3_client().put_object(Bucket=parsed.netloc, Key=key, Body=data, ContentType=media_type)
        row.uri = f"s3://{parsed.netloc}/{key}"
    session.add(row)
    session.flush()
    return row


def get_artifact_bytes(session: Session, artifact_id: int) -> bytes:
    """The bytes of an artifact, checked against the recorded hash."""
    row = session.get(Artifact, artifact_id)
    if row is None:
        raise ArtifactError(f"artifact {artifact_id} does not exist")
    if row.storage == "db":
        data = row.data or b""
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
