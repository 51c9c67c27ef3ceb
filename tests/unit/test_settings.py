"""Settings: secrets, origins, production refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from imchat.config import ConfigurationError, Settings


def test_production_without_secret_key_refuses_to_start(tmp_path: Path) -> None:
    settings = Settings(env="production", data_dir=tmp_path, secret_key=None)
    with pytest.raises(ConfigurationError, match="IMCHAT_SECRET_KEY"):
        settings.resolve_secret_key()


def test_serve_in_production_without_secret_exits_with_a_clear_message(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "imchat", "serve", "--data-dir", str(tmp_path)],
        env={"IMCHAT_ENV": "production", "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "IMCHAT_SECRET_KEY is not set" in result.stderr


def test_embedded_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path, secret_key=None).resolve_secret_key()
    second = Settings(data_dir=tmp_path, secret_key=None).resolve_secret_key()
    assert first == second
    assert len(first) >= 48
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_allowed_origins_come_comma_separated_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IMCHAT_ALLOWED_ORIGINS", "https://a.example, https://b.example")
    assert Settings().allowed_origins == ["https://a.example", "https://b.example"]


def test_short_configured_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="at least 32 bytes"):
        Settings(data_dir=tmp_path, secret_key="short").resolve_secret_key()  # type: ignore[arg-type]
