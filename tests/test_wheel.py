"""Issue 20, item 8: a wheel carries everything the bot needs to run (compiled catalogs, flows, NLU
data): `pip install` of the wheel in a fresh virtualenv, then `werkhelpdesk chat`, with no other step."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from bot.flows.loader import check_flows
from tests.conftest import ROOT


def _run(*args: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=True, timeout=600, **kwargs)  # type: ignore[call-overload,no-any-return]


@pytest.mark.slow
def test_a_wheel_installed_in_a_fresh_venv_answers_in_the_terminal(tmp_path: Path) -> None:
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", tmp_path / "dist", ROOT)
    (wheel,) = (tmp_path / "dist").glob("werkhelpdesk-*.whl")
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    _run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--quiet", "--no-deps", wheel)
    # The dependencies come from this virtualenv (a plain path: its .pth files, among them the editable
    # install of the checkout, are not read), so only the wheel provides `bot`.
    purelib = _run(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").stdout
    (Path(purelib.strip()) / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "DATABASE_URL", "VIRTUAL_ENV"))}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{workdir / 'werkhelpdesk.db'}"
    where = _run(venv / "bin" / "python", "-c", "import bot; print(bot.__file__)", cwd=workdir, env=env).stdout
    assert where.startswith(str(venv)), where

    done = _run(venv / "bin" / "werkhelpdesk", "chat", "--lang", "nl", input="ik wil CV maken\n", cwd=workdir, env=env)
    answer = check_flows(ROOT / "flows").flows.text("cv_help", "start", "nl")
    assert answer.splitlines()[0] in done.stdout, done.stdout + done.stderr
