"""Packages are found by setuptools, not listed by hand (all other metadata is in pyproject.toml).

The one extra is the top-level manifest/ folder, shipped inside the server package as
addin_server.manifest_template (see [tool.setuptools.package-dir]), which a search below the
package folders cannot find.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["addin_server", "addin_server.*", "docx_tools", "docx_tools.*"]),
                "addin_server.manifest_template"])
