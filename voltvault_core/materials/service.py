"""Materials in the database: the curated library seeded into ``Material`` rows, and custom materials.

* :func:`seed_library_materials` copies the shipped library into global rows (``org_id = None``,
  ``verified = True``); it is idempotent and updates rows whose data changed.
* :func:`create_custom_material` lets an editor of a project add a material for the project's
  organisation (``verified = False``, with provenance); the same schema check as the shipped data
  applies, so a custom value needs a source too (the material may carry its own references).
* :func:`set_material_verified` lets a project owner mark one of the organisation's materials verified.
* :func:`materials_for_org` / :func:`search_materials` read the library plus an organisation's materials.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from voltvault_core.auth.permissions import NotFound, PermissionDenied, write_service
from voltvault_core.db.models import Material as MaterialRow
from voltvault_core.db.models import Project, User
from voltvault_core.materials.library import Material, MaterialLibraryError, build_library, load_library
from voltvault_core.projects import audit


def _row_values(material: Material) -> dict[str, Any]:
    data = material.to_dict()
    return {
        "key": material.id,
        "name": material.name,
        "type": material.type,
        "properties": data["properties"],
        "ocp_data": data["functions"].get("ocp"),
        "kinetic_params": {
            k: data["properties"][k]
            for k in (
                "exchange_current_rate_constant",
                "exchange_current_activation_energy_J_mol",
                "charge_transfer_coefficient",
            )
            if k in data["properties"]
        },
        "sources": data["references"],
        "source_reference": "; ".join(sorted(material.references)),
    }


def seed_library_materials(session: Session) -> int:
    """Insert or update one global ``Material`` row per library material; returns how many changed."""
    existing = {
        row.key: row for row in session.exec(select(MaterialRow).where(MaterialRow.org_id.is_(None))).all()
    }
    changed = 0
    for material in load_library().values():
        values = _row_values(material) | {
            "provenance": "VoltVault curated library (data/materials)",
            "verified": True,
            "is_public": True,
        }
        row = existing.get(material.id)
        if row is None:
            session.add(MaterialRow(org_id=None, **values))
            changed += 1
        elif (
            row.properties != values["properties"]
            or row.sources != values["sources"]
            or row.name != values["name"]
        ):
            for k, v in values.items():
                setattr(row, k, v)
            session.add(row)
            changed += 1
    session.flush()
    return changed


def _material_from_row(row: MaterialRow) -> Material:
    return Material.from_dict(
        {
            "id": row.key,
            "name": row.name,
            "type": row.type,
            "properties": row.properties or {},
            "functions": {"ocp": row.ocp_data} if row.ocp_data else {},
            "references": row.sources or {},
            "description": row.provenance,
        }
    )


def materials_for_org(session: Session, org_id: int | None) -> dict[str, Material]:
    """The organisation's custom materials by id (to resolve designs that use them)."""
    if org_id is None:
        return {}
    rows = session.exec(select(MaterialRow).where(MaterialRow.org_id == org_id)).all()
    return {row.key: _material_from_row(row) for row in rows}


def search_materials(
    session: Session, actor: User | None, query: str = "", material_type: str | None = None
) -> list[dict[str, Any]]:
    """Library and (for a signed-in user) their organisation's materials matching the query.

    Each item is :meth:`Material.to_dict` plus ``verified``, ``custom`` and ``provenance``.
    """
    out = [m.to_dict() | {"verified": True, "custom": False, "provenance": "VoltVault curated library"}
           for m in load_library().search(query, material_type)]  # fmt: skip
    if actor is not None:
        words = [w for w in query.lower().split() if w]
        rows = session.exec(select(MaterialRow).where(MaterialRow.org_id == actor.org_id)).all()
        for row in rows:
            text = f"{row.key} {row.name}".lower()
            if (material_type is None or row.type == material_type) and all(w in text for w in words):
                out.append(
                    _material_from_row(row).to_dict()
                    | {
                        "verified": row.verified,
                        "custom": True,
                        "provenance": row.provenance,
                        "row_id": row.id,
                    }
                )
    return out


@write_service("editor")
def create_custom_material(
    session: Session, actor: User, project_id: int, *, material: dict[str, Any], provenance: str
) -> MaterialRow:
    """Add a material for the project's organisation (unverified, with provenance).

    Parameters
    ----------
    material : dict
        One material record in the data-file schema (``id``, ``name``, ``type``, ``properties`` with a
        ``source`` per value, optional ``ocp``), plus optional ``references`` (key -> ``{"citation",
        "doi"|"url"}``) for sources that are not in the shipped references.
    provenance : str
        Where the values come from (measurement, supplier datasheet, paper), in words.

    Raises
    ------
    ValueError
        When the record breaks the schema (the message lists every problem) or its id is taken.
    """
    if not provenance.strip():
        raise ValueError("say where the values come from (provenance): a measurement, a datasheet, a paper")
    project = session.get(Project, project_id)
    library = load_library()
    record = {k: v for k, v in material.items() if k != "references"}
    mid = str(record.get("id", ""))
    if mid in library:
        raise ValueError(f"material id {mid!r} is a library material; choose another id")
    refs = {
        "schema": "voltvault.material-references/1",
        "references": dict(library.references) | dict(material.get("references") or {}),
    }
    try:
        built = build_library(
            {"custom.json": {"schema": "voltvault.materials/1", "materials": [record]}}, refs
        )
    except MaterialLibraryError as exc:
        raise ValueError(str(exc)) from None
    custom = built[mid]
    clash = session.exec(
        select(MaterialRow).where(MaterialRow.org_id == project.org_id, MaterialRow.key == mid)
    ).first()
    if clash is not None:
        raise ValueError(f"your organisation already has a material {mid!r}")
    row = MaterialRow(
        org_id=project.org_id, **_row_values(custom), provenance=provenance.strip(), verified=False, is_public=False,
        created_by=actor.id,
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit(session, actor, "material.create", project_id=project_id, target_type="material", target_id=row.id)
    return row


@write_service("owner")
def set_material_verified(
    session: Session, actor: User, project_id: int, material_row_id: int, verified: bool
) -> MaterialRow:
    """Mark one of the project organisation's custom materials verified (or not)."""
    project = session.get(Project, project_id)
    row = session.get(MaterialRow, material_row_id)
    if row is None:
        raise NotFound(f"material {material_row_id} does not exist")
    if row.org_id != project.org_id:
        raise PermissionDenied("only materials of the project's organisation can be verified here")
    row.verified = bool(verified)
    session.add(row)
    audit(session, actor, "material.verify", project_id=project_id, target_type="material", target_id=row.id,
          verified=bool(verified))  # fmt: skip
    return row
