"""Build hook: a wheel carries what `werkhelpdesk` needs to run, not only the code. The translation
catalogs are compiled (.po -> .mo) into the package, and the content the bot reads at start-up
(flows/, the NLU training data) is copied next to them, under bot/share/. Settings finds them there
when the package is not run from a checkout (bot/settings.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
LANGUAGES = ("nl", "en", "ar", "ti")


def compile_catalogs(source: Path, target: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for lang in LANGUAGES:
        with (source / lang / "LC_MESSAGES" / "messages.po").open("rb") as fp:
            catalog = read_po(fp, locale=lang)
        out = target / lang / "LC_MESSAGES"
        out.mkdir(parents=True, exist_ok=True)
        with (out / "messages.mo").open("wb") as fp:
            write_mo(fp, catalog)  # fuzzy entries left out, as `pybabel compile` does


class BuildPyWithResources(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout (scripts/setup.sh compiles there)
            return
        share = Path(self.build_lib) / "bot" / "share"
        compile_catalogs(ROOT / "locales", share / "locales")
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "models", ".rasa", "results")
        shutil.copytree(ROOT / "flows", share / "flows", dirs_exist_ok=True, ignore=ignore)
        shutil.copytree(ROOT / "nlu", share / "nlu", dirs_exist_ok=True, ignore=ignore)


setup(cmdclass={"build_py": BuildPyWithResources})
