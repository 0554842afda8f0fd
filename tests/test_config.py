from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from webitel_tui.config import ConfigError, default_database_url, load_settings
from webitel_tui.db.engine import DatabaseUrlError, async_url


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("WEBITEL_TUI_"):
            monkeypatch.delenv(name)
    # Keep the real user's config and data out of the tests.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_defaults_use_embedded_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    loaded = load_settings()
    assert loaded.path is None
    url = loaded.settings.database.url
    assert url.startswith("sqlite:///") and str(tmp_path / "data") in url
    assert loaded.settings.theme == "creatio-classic"
    assert not loaded.settings.webitel.configured


def test_file_then_environment_then_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(
        tmp_path / "c.toml",
        '[database]\nurl = "postgresql://crm@db/crm"\n'
        '[webitel]\nurl = "https://w.example/api"\ndomain = "acme"\ntimeout = 5\n'
        '[keymap]\n"section.new" = "n,insert"\n',
    )
    monkeypatch.setenv("WEBITEL_TUI_WEBITEL__DOMAIN", "from-env")
    monkeypatch.setenv("WEBITEL_TUI_WEBITEL__TOKEN", "s3cr3t-token")
    monkeypatch.setenv("WEBITEL_TUI_THEME", "ssh-256")
    settings = load_settings(path, {"database": {"url": "sqlite:///override.db"}}).settings
    assert settings.database.url == "sqlite:///override.db"
    assert settings.webitel.url == "https://w.example/api"  # file, merged with env below
    assert settings.webitel.domain == "from-env"
    assert settings.webitel.timeout == 5
    assert settings.theme == "ssh-256"
    assert settings.keymap == {"section.new": "n,insert"}
    assert settings.webitel.token is not None
    assert settings.webitel.token.get_secret_value() == "s3cr3t-token"
    assert "s3cr3t-token" not in repr(settings) and "s3cr3t-token" not in str(settings)


def test_config_path_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "env.toml", 'theme = "creatio-freedom"\n')
    monkeypatch.setenv("WEBITEL_TUI_CONFIG", str(path))
    assert load_settings().settings.theme == "creatio-freedom"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[database]\nurl = 5\n", "c.toml: database.url: Input should be a valid string"),
        ("[webitel]\ntimeout = -1\n", "c.toml: webitel.timeout: Input should be greater than 0"),
        ("[webitel]\nurll = 'x'\n", "c.toml: webitel.urll: unknown key"),
        ("language = 'fr'\n", "c.toml: language: Input should be 'en' or 'uk'"),
        ("mouse = 'maybe'\n", "c.toml: mouse: Input should be a valid boolean"),
        ("[database\n", "c.toml: not valid TOML"),
        ("[database]\nlock_wait = -1\n", "c.toml: database.lock_wait: Input should be greater"),
    ],
)
def test_a_bad_file_gives_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "c.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_bad_environment_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBITEL_TUI_WEBITEL__TIMEOUT", "soon")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith("WEBITEL_TUI_WEBITEL__TIMEOUT: webitel.timeout:")


def test_a_named_config_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_settings(tmp_path / "missing.toml")


def test_a_file_that_is_not_utf8_names_the_byte_and_line(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b'theme = "x"\n# Caf\xe9 settings\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == (
        f"{path}: not UTF-8 text (byte 0xe9 on line 2); save the file as UTF-8"
    )


def test_a_config_path_that_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path}: is a folder, not a configuration file; name the file itself "
        "(e.g. config.toml in it)"
    )


def test_the_lock_wait_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().settings.database.lock_wait == 5.0
    monkeypatch.setenv("WEBITEL_TUI_DATABASE__LOCK_WAIT", "0.25")
    assert load_settings().settings.database.lock_wait == 0.25


def test_secret_in_a_world_readable_file_warns(tmp_path: Path) -> None:
    text = '[webitel]\nurl = "https://w/api"\npassword = "hunter2"\n'
    loose = load_settings(write(tmp_path / "loose.toml", text, 0o644))
    assert len(loose.warnings) == 1 and "chmod 600" in loose.warnings[0]
    assert "hunter2" not in loose.warnings[0]
    tight = load_settings(write(tmp_path / "tight.toml", text, 0o600))
    assert tight.warnings == []
    no_secret = load_settings(write(tmp_path / "plain.toml", 'theme = "x"\n', 0o644))
    assert no_secret.warnings == []


@pytest.mark.parametrize(
    ("text", "held"),
    [
        (
            '[database]\nurl = "postgresql://crm:hunter2@db/crm"\n',
            "a database password ([database] url)",
        ),
        (
            '[database]\nurl = "postgresql://crm:hunter2@db/crm"\n'
            '[webitel]\nurl = "https://w/api"\ntoken = "hunter2"\n',
            "a Webitel password or token and a database password ([database] url)",
        ),
    ],
)
def test_a_database_password_in_a_world_readable_file_warns(
    tmp_path: Path, text: str, held: str
) -> None:
    path = write(tmp_path / "loose.toml", text, 0o640)
    loose = load_settings(path)
    assert loose.warnings == [
        f"{path} holds {held} but other users can read it; run: chmod 600 {path}"
    ]
    assert "hunter2" not in loose.warnings[0]
    assert load_settings(write(tmp_path / "tight.toml", text, 0o600)).warnings == []
    no_password = '[database]\nurl = "postgresql://crm@db/crm"\n'
    assert load_settings(write(tmp_path / "plain.toml", no_password, 0o644)).warnings == []


@pytest.mark.parametrize(
    ("plain", "driver"),
    [
        ("sqlite:///tmp/crm.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:///tmp/crm.db", "sqlite+aiosqlite"),
        ("postgresql://crm:pw@db:5432/crm", "postgresql+asyncpg"),
        ("postgres://crm@db/crm", "postgresql+asyncpg"),
        ("postgresql+psycopg://crm@db/crm", "postgresql+asyncpg"),
    ],
)
def test_plain_database_urls_get_the_async_driver(plain: str, driver: str) -> None:
    assert async_url(plain).drivername == driver


@pytest.mark.parametrize("bad", ["mysql://x/y", "not a url"])
def test_unsupported_database_urls_are_refused(bad: str) -> None:
    with pytest.raises(DatabaseUrlError):
        async_url(bad)


def test_remember_setting_replaces_or_adds_only_its_line(tmp_path: Path) -> None:
    from webitel_tui.config import remember_setting

    fresh = tmp_path / "new" / "config.toml"
    remember_setting(fresh, "theme", "ssh-256")
    assert fresh.read_text() == 'theme = "ssh-256"\n'
    assert fresh.stat().st_mode & 0o777 == 0o600
    text = '# mine\ntheme = "x"\n\n[webitel]\ntheme = "not this one"\n'
    existing = write(tmp_path / "c.toml", text, 0o640)
    remember_setting(existing, "theme", "Тема")
    assert existing.read_text() == '# mine\ntheme = "Тема"\n\n[webitel]\ntheme = "not this one"\n'
    assert existing.stat().st_mode & 0o777 == 0o640
    assert tomllib.loads(existing.read_text())["theme"] == "Тема"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml", "new"]  # no temporary file


# Comments (on the theme's own line too), a quoted "theme" key with a literal string, odd
# spacing, CRLF line ends, other tables, a quoted key with a dot, a table with its own
# `theme`: the regular expression that wrote this before added a second `theme = ` line
# (the next start failed: "Cannot overwrite a value") and dropped the comment.
KEPT_BEFORE = "# webitel-tui settings\r\n\r\n  \"theme\"   =   'creatio-classic'   # picked\r\n"
KEPT_AFTER = (
    'language="uk"\r\nmouse =false\r\n\r\n[webitel]   # the server\r\n'
    'url = "https://webitel.example.com/api"\r\n\r\n'
    '[keymap]\r\n"section.new" = "n,insert"   # my keys\r\ntheme = "ctrl+t"\r\n'
)


def test_remember_setting_keeps_comments_quoting_spacing_and_tables(tmp_path: Path) -> None:
    from webitel_tui.config import remember_setting

    config = write(tmp_path / "config.toml", KEPT_BEFORE + KEPT_AFTER, 0o640)
    remember_setting(config, "theme", "creatio-dark")
    written = config.read_bytes().decode()
    assert written == (KEPT_BEFORE.replace("'creatio-classic'", "'creatio-dark'") + KEPT_AFTER)
    assert config.stat().st_mode & 0o777 == 0o640
    settings = load_settings(config).settings  # the next start reads it
    assert settings.theme == "creatio-dark"
    assert settings.language == "uk"
    assert settings.keymap == {"section.new": "n,insert", "theme": "ctrl+t"}
    remember_setting(config, "theme", "creatio-classic")  # and back: byte for byte
    assert config.read_bytes().decode() == KEPT_BEFORE + KEPT_AFTER


def test_remember_setting_adds_the_key_above_the_first_table(tmp_path: Path) -> None:
    from webitel_tui.config import remember_setting

    config = write(tmp_path / "config.toml", '# mine\n[webitel]\nurl = "http://w/api"\n')
    remember_setting(config, "theme", "creatio-dark")
    data = tomllib.loads(config.read_text())
    assert data == {"theme": "creatio-dark", "webitel": {"url": "http://w/api"}}
    assert config.read_text().startswith("# mine\n")


def test_remember_setting_writes_through_a_symbolic_link(tmp_path: Path) -> None:
    from webitel_tui.config import remember_setting

    real = write(tmp_path / "real.toml", 'theme = "x"  # kept\n', 0o644)
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    remember_setting(link, "theme", "y")
    assert link.is_symlink()
    assert real.read_text() == 'theme = "y"  # kept\n'
    assert real.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'"theme" = "a"\ntheme = "b"\n', "not valid TOML: Cannot overwrite a value"),
        (b"[webitel\nurl = 1\n", "not valid TOML"),
        (b'theme = "\xff"\n', "not UTF-8 text (line 1)"),
        (b"[theme]\nname = 1\n", "theme is not a text value there"),
    ],
)
def test_remember_setting_leaves_a_file_it_cannot_read_untouched(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    from webitel_tui.config import SettingNotSaved, remember_setting

    config = tmp_path / "config.toml"
    config.write_bytes(content)
    config.chmod(0o640)
    with pytest.raises(SettingNotSaved) as raised:
        remember_setting(config, "theme", "creatio-dark")
    assert config.read_bytes() == content
    assert config.stat().st_mode & 0o777 == 0o640
    assert raised.value.path == config
    assert raised.value.problem.startswith(problem)
    assert "\n" not in str(raised.value)
    assert str(raised.value).startswith(f"{config}: ")
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


def test_remember_setting_says_why_it_cannot_write(tmp_path: Path) -> None:
    from webitel_tui.config import SettingNotSaved, remember_setting

    folder = tmp_path / "config.toml"
    folder.mkdir()
    with pytest.raises(SettingNotSaved, match="cannot be read: Is a directory"):
        remember_setting(folder, "theme", "creatio-dark")


@pytest.mark.parametrize(
    ("text", "env", "overrides", "expected"),
    [
        ("", {}, {}, ("creatio-classic", "en", {}, True, None)),
        (
            'theme = "creatio-dark"\nlanguage = "uk"\nmouse = false\n'
            '[database]\nurl = "sqlite:///file.db"\n[keymap]\n"section.new" = "n,insert"\n',
            {},
            {},
            ("creatio-dark", "uk", {"section.new": "n,insert"}, False, "sqlite:///file.db"),
        ),
        (
            'theme = "creatio-dark"\nlanguage = "uk"\n[database]\nurl = "sqlite:///file.db"\n',
            {
                "WEBITEL_TUI_THEME": "ssh-256",
                "webitel_tui_language": "en",
                "WEBITEL_TUI_MOUSE": "off",
                "WEBITEL_TUI_DATABASE__URL": "postgresql://crm@db/crm",
            },
            {},
            ("ssh-256", "en", {}, False, "postgresql://crm@db/crm"),
        ),
        (
            'language = "en"\n',
            {"WEBITEL_TUI_LANGUAGE": "en", "WEBITEL_TUI_KEYMAP": '{"app.quit": "ctrl+x"}'},
            {"language": "uk", "database": {"url": "sqlite:///override.db"}},
            ("creatio-classic", "uk", {"app.quit": "ctrl+x"}, True, "sqlite:///override.db"),
        ),
    ],
)
def test_what_the_login_screen_reads_follows_the_precedence(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    env: dict[str, str],
    overrides: dict[str, object],
    expected: tuple[str, str, dict[str, str], bool, str | None],
) -> None:
    """Theme, language, keymap, mouse and database URL: overrides, then the environment (any
    case; the keymap as JSON), then the file, then the defaults (None: the embedded one)."""
    path = write(tmp_path / "c.toml", text)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(path, overrides).settings
    theme, language, keymap, mouse, url = expected
    read = (settings.theme, settings.language, settings.keymap, settings.mouse)
    assert read == (theme, language, keymap, mouse)
    assert settings.database.url == (url or default_database_url())
