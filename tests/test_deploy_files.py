"""docker-compose.yml and .env.example stay in step with the code (no Docker engine runs here)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_compose_topology() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "nlu-export", "rasa-train", "rasa", "bot"}
    assert services["rasa"]["image"] == services["rasa-train"]["image"] == "rasa/rasa:3.6.21"
    assert "nlu/config.yml" in services["rasa-train"]["command"]
    # Rasa trains on what the embedded classifier learns from (nlu/data, nlu/nodes, openings, the console's)
    export = services["nlu-export"]
    assert "werkhelpdesk nlu export /rasa-data" in " ".join(export["command"])
    assert "rasa-data:/rasa-data" in export["volumes"]
    assert "rasa-data:/app/data:ro" in services["rasa-train"]["volumes"]
    assert services["rasa-train"]["command"][services["rasa-train"]["command"].index("--nlu") + 1] == "data"
    assert services["rasa-train"]["depends_on"]["nlu-export"]["condition"] == "service_completed_successfully"
    assert export["environment"]["DATABASE_URL"] == bot_database_url(compose)
    assert "--enable-api" in services["rasa"]["command"]
    assert services["rasa"]["depends_on"]["rasa-train"]["condition"] == "service_completed_successfully"
    bot = services["bot"]
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "rasa" not in bot["depends_on"]  # the embedded classifier answers while Rasa trains
    assert bot["environment"]["RASA_URL"] == "http://rasa:5005"
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "werkhelpdesk db upgrade && exec werkhelpdesk run" in " ".join(bot["command"])
    assert "healthcheck" in services["postgres"]
    assert "pgdata" in compose["volumes"]


def bot_database_url(compose: dict[str, Any]) -> str:
    return str(compose["services"]["bot"]["environment"]["DATABASE_URL"])


def test_env_example_documents_every_setting() -> None:
    documented = {
        line.split("=", 1)[0].strip()
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    settings = {name.upper() for name in Settings.model_fields if name not in {"flows_dir", "nlu_dir", "locales_dir"}}
    assert settings <= documented, settings - documented


def test_compose_file_is_valid_for_docker_compose(tmp_path: Path) -> None:
    """`docker-compose config` (the Compose client; .ci/run installs it) parses and resolves the file
    with the documented .env, the way `docker compose up` would."""
    import shutil
    import subprocess

    client = shutil.which("docker-compose")
    if client is None:
        if os.environ.get("TEST_REQUIRE_COMPOSE"):  # .ci/run installs it and sets this
            pytest.fail("docker-compose is required here (TEST_REQUIRE_COMPOSE is set)")
        pytest.skip("docker-compose is not installed (apt-get install docker-compose); .ci/run installs it")
    for name in ("docker-compose.yml", "Dockerfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    result = subprocess.run([client, "config"], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    bot = resolved["services"]["bot"]
    assert bot["environment"]["WEBHOOK_WORKERS"] == "16"  # the .env file reaches the bot
    assert (
        bot["environment"]["DATABASE_URL"] == "postgresql+asyncpg://werkhelpdesk:change-me@postgres:5432/werkhelpdesk"
    )


def test_the_image_keeps_the_nlu_model_in_its_cache_directory_with_the_env_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Compose passes .env into the container; its empty NLU_CACHE_DIR must still mean the directory the
    image makes for the bot's user (not ~/.cache of `nobody`, which does not exist: a retraining per start)."""
    import re

    dockerfile = (ROOT / "Dockerfile").read_text()
    env_block = re.search(r"^ENV (.*?)(?<!\\)$", dockerfile, re.MULTILINE | re.DOTALL)
    assert env_block is not None
    for name, value in re.findall(r"(\w+)=(\S+)", env_block.group(1).replace("\\\n", " ")):
        monkeypatch.setenv(name, value)
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.startswith("NLU_CACHE_DIR="):
            monkeypatch.setenv("NLU_CACHE_DIR", line.split("=", 1)[1])
    made = re.search(r"mkdir -p -m 0700 (\S+)", dockerfile)
    assert made is not None
    assert Settings(_env_file=None).nlu_cache_dir == Path(made.group(1))  # type: ignore[call-arg]
