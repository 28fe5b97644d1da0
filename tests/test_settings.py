import pytest

from config import Secret, SettingsError, load_settings
from config.settings import DEFAULT_DATABASE_URL


def write(tmp_path, text: str) -> dict[str, str]:
    path = tmp_path / "netcourses.toml"
    path.write_text(text, encoding="utf-8")
    return {"NETCOURSES_CONFIG": str(path)}


def test_defaults_without_environment():
    s = load_settings({})
    assert s.database_url == DEFAULT_DATABASE_URL
    assert s.moodle.url == "" and not s.moodle.token
    assert s.moodle.max_params == 1000


def test_environment_and_file(tmp_path):
    env = write(tmp_path, '[moodle]\nread_timeout = 30\nmax_params = 5000\n[district]\nname = "Волжский"\n')
    env |= {
        "NETCOURSES_MOODLE_URL": "https://moodle.example.org/",
        "NETCOURSES_MOODLE_TOKEN": "abc123",
        "NETCOURSES_DATABASE_URL": "postgresql://db/netcourses",
    }
    s = load_settings(env)
    assert s.moodle.url == "https://moodle.example.org"
    assert s.moodle.token.reveal() == "abc123"
    assert s.moodle.read_timeout == 30.0 and s.moodle.max_params == 5000
    assert s.district.name == "Волжский"
    assert s.database_url == "postgresql://db/netcourses"


def test_secret_never_prints():
    s = load_settings({"NETCOURSES_MOODLE_TOKEN": "supersecret", "NETCOURSES_MOODLE_URL": "https://m"})
    assert "supersecret" not in repr(s) and "supersecret" not in str(s.moodle.token)
    assert Secret("x") == Secret("x")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[moodle]\nreadtimeout = 3\n", "moodle.readtimeout: unknown setting"),
        ("[moodle]\nread_timeout = \"fast\"\n", "moodle.read_timeout: expected a number"),
        ("[moodle]\nread_timeout = -1\n", "moodle.read_timeout: must be positive"),
        ("[moodle]\nmax_params = 10\n", "moodle.max_params: must be at least 50"),
        ("[moodle]\ntoken = \"x\"\n", "moodle.token: set it in the environment"),
        ("[web]\nport = 70000\n", "web.port: 70000 is not a TCP port"),
        ("[web]\nsession_idle_minutes = 0\n", "web.session_idle_minutes: must be 1 or more"),
        ("[web]\nproxies = -1\n", "web.proxies: must be 0 or more"),
        ("[district]\ntimezone = \"Mars/Olympus\"\n", "district.timezone: unknown time zone"),
        ("[choices]\nrelative_gap = 1.5\n", "choices.relative_gap: must be at least 0 and below 1"),
        ("[nosuch]\na = 1\n", "nosuch: unknown setting"),
        ("moodle = 3\n", "moodle: expected a table"),
        ("[moodle\n", "not valid TOML"),
    ],
)
def test_bad_file_names_the_key(tmp_path, text, message):
    env = write(tmp_path, text)
    with pytest.raises(SettingsError) as err:
        load_settings(env)
    assert message in str(err.value)
    assert str(tmp_path / "netcourses.toml") in str(err.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(SettingsError, match="file not found"):
        load_settings({"NETCOURSES_CONFIG": str(tmp_path / "absent.toml")})


def test_bad_settings_fail_cli_in_one_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from bridge.cli.root import main

    monkeypatch.setenv("NETCOURSES_CONFIG", str(tmp_path / "absent.toml"))
    result = CliRunner().invoke(main, ["init"])
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: configuration: NETCOURSES_CONFIG: file not found")
    assert len(result.output.strip().splitlines()) == 1


def test_readme_settings_blocks_show_the_real_defaults():
    """The README's TOML blocks are what a newcomer copies: each value there is the default in force."""
    import re
    import tomllib
    from pathlib import Path

    from config import Settings

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```toml\n(.*?)^```", readme, flags=re.S | re.M)
    assert blocks
    defaults = Settings()
    shown = 0
    for block in blocks:
        for section, values in tomllib.loads(block).items():
            for key, value in values.items():
                default = getattr(getattr(defaults, section), key)
                assert (list(default) if isinstance(default, tuple) else default) == value, f"{section}.{key}"
                shown += 1
    assert shown >= 20
