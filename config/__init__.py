"""Settings of netcourses: environment variables and one TOML file, parsed strictly."""

from config.settings import Secret, Settings, SettingsError, load_settings

__all__ = ["Secret", "Settings", "SettingsError", "load_settings"]
