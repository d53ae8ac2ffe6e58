"""The package build compiles the UI's gettext catalogs: an installed wheel carries each .po's .mo.

Everything else about the package is in pyproject.toml. The compiling code is the server's own
(newsflow/web/i18n/catalogs.py), loaded by path so the build needs Babel but not the package's imports.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGS = Path(__file__).parent / "src" / "newsflow" / "web" / "i18n" / "catalogs.py"


class BuildPyWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        spec = importlib.util.spec_from_file_location("newsflow_catalogs", CATALOGS)
        assert spec and spec.loader
        catalogs = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(catalogs)
        # into the build tree, not the checkout: the .po stays the one source a translator edits
        catalogs.compile_all(Path(self.build_lib) / "newsflow" / "web" / "i18n" / "locale")


if __name__ == "__main__":  # so a test can import the command; pip's build backend runs this as __main__
    setup(cmdclass={"build_py": BuildPyWithCatalogs})
