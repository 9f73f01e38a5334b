"""OUDERSTEM_DB: a SQLite file (the default) or a PostgreSQL URL, never echoed with its password."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import ConfigError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("OUDERSTEM_DB", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's


def test_a_path_is_a_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUDERSTEM_DB", "data/school.db")
    settings = load_settings()
    assert settings.database == Path("data/school.db")
    assert settings.database_file == Path("data/school.db")
    assert settings.database_label == "data/school.db"


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("postgresql://ouderstem:s3cret@db.example:5432/city", "PostgreSQL city on db.example"),
        ("postgres://ouderstem@/city?host=/run/postgresql", "PostgreSQL city on /run/postgresql"),
    ],
)
def test_a_postgresql_url_is_kept_whole_and_named_without_its_password(
    monkeypatch: pytest.MonkeyPatch, url: str, label: str
) -> None:
    monkeypatch.setenv("OUDERSTEM_DB", url)
    settings = load_settings()
    assert settings.database == url
    assert settings.database_file is None
    assert settings.database_label == label
    assert "s3cret" not in settings.database_label


def test_another_url_scheme_is_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUDERSTEM_DB", "mysql://user@host/db")
    with pytest.raises(ConfigError, match="OUDERSTEM_DB"):
        load_settings()
