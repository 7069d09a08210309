"""The top-level manifest/ folder, shipped inside the package (see pyproject)."""
