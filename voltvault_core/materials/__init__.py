"""Materials library: cited material data, its schema check, search, and custom materials.

The curated data live in ``data/materials/*.json``; :func:`load_library` checks and loads them.
"""

from voltvault_core.materials.library import (
    Material,
    MaterialLibrary,
    MaterialLibraryError,
    Value,
    get_material,
    load_library,
)

__all__ = ["Material", "MaterialLibrary", "MaterialLibraryError", "Value", "get_material", "load_library"]
