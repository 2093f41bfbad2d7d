"""`werkhelpdesk coach add/list/remove`: `add` sets the whole record, and says which rights an update takes away."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture
def database(tmp_path: Path, migrated_sqlite: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "coaches.db"
    shutil.copyfile(migrated_sqlite, path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    return path


def coach(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["coach", *argv])
    return code, capsys.readouterr().out


def test_an_update_that_drops_rights_says_so(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add = ["add", "--telegram-id", "501", "--name", "Fatima", "--languages", "nl,ar"]
    code, out = coach(capsys, *add, "--staff", "--translator", "ar,ti")
    assert code == 0
    assert out == "coach Fatima (501) speaks nl,ar (staff), translates ar,ti\n"
    code, out = coach(capsys, *add, "--translator", "ar")
    assert code == 0
    assert "note: no longer staff (to keep it, add again with --staff)" in out
    assert "note: no longer translates ti (to keep it, add again with --translator)" in out
    code, out = coach(capsys, *add, "--translator", "ar")  # nothing taken away: no note
    assert "note:" not in out
    code, out = coach(capsys, "list")
    assert out.splitlines() == ["501\tFatima\tnl,ar\tcoach\ttranslates ar", "1 coaches"]
    assert coach(capsys, "remove", "--telegram-id", "501") == (0, "coach 501 removed\n")
    assert coach(capsys, "remove", "--telegram-id", "501")[0] == 1
