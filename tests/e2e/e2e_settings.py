"""What the browser suite's server is seeded with, shared by its conftest and tests."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "e2e"  # git-ignored; CI keeps it as the job's artifact
ADMIN = {"username": "ada", "password": "correct horse battery", "name": "Ada Lovelace"}
PROJECT = "Browser cells"
