"""Configuration: Flask config keys loaded from `OASIS_*` environment variables.

The names are a contract (see shared/CONTRACTS.md). `load_config` is the one loader, used by the
server (`create_app`) and by every command: defaults < `OASIS_*` environment variables (Flask's
`from_prefixed_env` rules) < the JSON or TOML file named by `OASIS_CONFIG_FILE` < explicit
overrides. `Settings` is the validated, typed view the rest of the code reads; an invalid value
stops start-up with one clear message. `instance_path()` is the one place that says where the
instance folder (default SQLite database, generated keys) is.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from addin_server.profiles import PROFILES

PROVIDERS = ("offline", "openai", "azure")
AUTH_MODES = ("dev", "entra")
# Azure OpenAI GA API version; override with AZURE_API_VERSION when Azure moves on.
DEFAULT_AZURE_API_VERSION = "2024-10-21"
NO_TRAINING_MARK = "[no-training]"

DEFAULTS: dict[str, Any] = {
    "PROFILE": "oasis",
    "DATABASE_URL": None,
    "LLM_PROVIDER": None,
    "LLM_BASE_URL": None,
    "LLM_API_KEY": None,
    "LLM_MODEL": None,
    "AZURE_API_VERSION": DEFAULT_AZURE_API_VERSION,
    "APPROVED_ENDPOINTS": "",
    "AUTH_MODE": None,
    "MAX_PROMPT_CHARS": 20000,
    "PERSON_LIMIT": 1000,
    "LLM_TIMEOUT": 60.0,
    "LLM_MAX_RETRIES": 2,
    "MAX_BODY_BYTES": 2 * 1024 * 1024,
    "BIND_HOST": "127.0.0.1",
    "INCIDENT_CONTACT": "情報セキュリティ責任者（所属の情報化担当）へ直ちに報告してください。",
    "ENTRA_TENANT_ID": None,
    "ENTRA_AUDIENCE": None,
    "ENTRA_JWKS_URL": None,
    "ENTRA_JWKS_FILE": None,
    "ALLOWED_NETWORKS": "",
    "TRUSTED_PROXIES": "",
    "ADMIN_USERS": "",
    "RATELIMIT_STORAGE_URI": None,
    "CORS_ORIGINS": "",
}


class ConfigError(ValueError):
    """A configuration value that stops start-up. The message names the key and what to do."""


@dataclass(frozen=True)
class ApprovedEndpoint:
    prefix: str
    no_training: bool = False  # the contract excludes training on our data (cloud-3)

    def covers(self, url: str) -> bool:
        return _norm_url(url).startswith(_norm_url(self.prefix))


@dataclass(frozen=True)
class Settings:
    profile: str
    database_url: str
    llm_provider: str
    llm_base_url: str | None
    llm_api_key: str | None
    llm_model: str
    azure_api_version: str
    approved_endpoints: tuple[ApprovedEndpoint, ...]
    auth_mode: str
    max_prompt_chars: int
    person_limit: int
    llm_timeout: float
    llm_max_retries: int
    max_body_bytes: int
    bind_host: str
    incident_contact: str
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def get(self, key: str, default: Any = None) -> Any:
        """Keys owned by other parts (Entra, network, rate limits) read straight from config."""
        value = self.raw.get(key, default)
        return default if value is None else value


def _norm_url(url: str) -> str:
    parts = urlsplit(url.strip())
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}"


def _as_int(config: Mapping[str, Any], key: str, minimum: int = 1) -> int:
    value = config.get(key)
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be an integer, got {value!r}") from None
    if number < minimum:
        raise ConfigError(f"{key} must be at least {minimum}, got {number}")
    return number


def _as_float(config: Mapping[str, Any], key: str) -> float:
    value = config.get(key)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be a number, got {value!r}") from None
    if number <= 0:
        raise ConfigError(f"{key} must be positive, got {number}")
    return number


def parse_endpoints(value: str | list[str] | None) -> tuple[ApprovedEndpoint, ...]:
    """`https://a.example/v1 [no-training], http://10.0.0.5:8000/v1` -> approved prefixes."""
    items = value if isinstance(value, list) else (value or "").split(",")
    endpoints = []
    for item in items:
        text = item.strip()
        if not text:
            continue
        no_training = NO_TRAINING_MARK in text
        prefix = text.replace(NO_TRAINING_MARK, "").strip()
        parts = urlsplit(prefix)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"APPROVED_ENDPOINTS entry {prefix!r} is not an http(s) URL prefix")
        endpoints.append(ApprovedEndpoint(prefix=prefix, no_training=no_training))
    return tuple(endpoints)


def is_loopback(host: str | None) -> bool:
    """A loopback address or `localhost`; an empty host binds every interface, so it is not."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def validate(config: Mapping[str, Any], instance_path: str | os.PathLike[str] = "instance") -> Settings:
    """Check every setting once, at start-up; raise ConfigError naming the first bad one."""
    profile = str(config.get("PROFILE") or "oasis").lower()
    if profile not in PROFILES:
        raise ConfigError(f"PROFILE must be one of {', '.join(PROFILES)}, got {profile!r}")

    database_url = config.get("DATABASE_URL")
    if not database_url:
        Path(instance_path).mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{Path(instance_path).resolve() / 'oasis-addin.db'}"
    if not str(database_url).startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
        raise ConfigError(f"DATABASE_URL must be sqlite:///path or postgresql://…, got {database_url!r}")

    base_url = config.get("LLM_BASE_URL") or None
    provider = config.get("LLM_PROVIDER") or ("openai" if base_url else "offline")
    provider = str(provider).lower()
    if provider not in PROVIDERS:
        raise ConfigError(f"LLM_PROVIDER must be one of {', '.join(PROVIDERS)}, got {provider!r}")
    endpoints = parse_endpoints(config.get("APPROVED_ENDPOINTS"))
    model = config.get("LLM_MODEL") or ("offline-extractive-v1" if provider == "offline" else None)
    if provider != "offline":
        if not base_url:
            raise ConfigError(f"LLM_PROVIDER={provider} needs LLM_BASE_URL (the approved endpoint)")
        if not model:
            raise ConfigError(f"LLM_PROVIDER={provider} needs LLM_MODEL (model or Azure deployment name)")
        approved = [e for e in endpoints if e.covers(base_url)]
        if not approved:
            raise ConfigError(
                f"rule common-2: LLM_BASE_URL {base_url!r} is not under an approved endpoint "
                f"(APPROVED_ENDPOINTS={config.get('APPROVED_ENDPOINTS') or '(empty)'}). Only contracted "
                "Azure OpenAI or on-premises endpoints may be called; add it to APPROVED_ENDPOINTS "
                "only if it is approved."
            )
        if profile == "cloud" and not any(e.no_training for e in approved):
            raise ConfigError(
                f"rule cloud-3: under PROFILE=cloud the endpoint {base_url!r} must be approved as one whose "
                f"contract excludes training; mark it in APPROVED_ENDPOINTS with {NO_TRAINING_MARK}"
            )

    bind_host = str(config.get("BIND_HOST") or "127.0.0.1")
    auth_mode = config.get("AUTH_MODE")
    entra_configured = bool(config.get("ENTRA_TENANT_ID") and config.get("ENTRA_AUDIENCE"))
    if not auth_mode:
        if entra_configured:
            auth_mode = "entra"
        elif is_loopback(bind_host):
            auth_mode = "dev"
        else:
            raise ConfigError(
                f"AUTH_MODE is not set and the server binds to {bind_host!r}, which is not loopback: "
                "configure AUTH_MODE=entra with ENTRA_TENANT_ID and ENTRA_AUDIENCE (rule common-1)"
            )
    auth_mode = str(auth_mode).lower()
    if auth_mode not in AUTH_MODES:
        raise ConfigError(f"AUTH_MODE must be one of {', '.join(AUTH_MODES)}, got {auth_mode!r}")
    if auth_mode == "dev" and not is_loopback(bind_host):
        raise ConfigError(f"AUTH_MODE=dev is only allowed on a loopback address, not {bind_host!r}")
    if auth_mode == "entra":
        if not entra_configured:
            raise ConfigError("AUTH_MODE=entra needs ENTRA_TENANT_ID and ENTRA_AUDIENCE")
        if not (config.get("ENTRA_JWKS_URL") or config.get("ENTRA_JWKS_FILE")):
            raise ConfigError("AUTH_MODE=entra needs ENTRA_JWKS_URL or ENTRA_JWKS_FILE (the signing keys)")

    return Settings(
        profile=profile,
        database_url=str(database_url),
        llm_provider=provider,
        llm_base_url=base_url,
        llm_api_key=config.get("LLM_API_KEY") or None,
        llm_model=str(model),
        azure_api_version=str(config.get("AZURE_API_VERSION") or DEFAULT_AZURE_API_VERSION),
        approved_endpoints=endpoints,
        auth_mode=auth_mode,
        max_prompt_chars=_as_int(config, "MAX_PROMPT_CHARS"),
        person_limit=_as_int(config, "PERSON_LIMIT"),
        llm_timeout=_as_float(config, "LLM_TIMEOUT"),
        llm_max_retries=_as_int(config, "LLM_MAX_RETRIES", minimum=0),
        max_body_bytes=_as_int(config, "MAX_BODY_BYTES"),
        bind_host=bind_host,
        incident_contact=str(config.get("INCIDENT_CONTACT") or DEFAULTS["INCIDENT_CONTACT"]),
        raw=dict(config),
    )


def instance_path() -> str:
    """The instance folder: `OASIS_INSTANCE_PATH`, else where Flask puts `addin_server`'s.

    Flask's rule: `<project>/instance` for a source checkout or editable install,
    `<prefix>/var/addin_server.app-instance` for an installed package. Computed here once so the
    server and the commands always open the same default database.
    """
    explicit = os.environ.get("OASIS_INSTANCE_PATH")
    if explicit:
        return os.path.abspath(explicit)
    from flask.sansio.scaffold import find_package

    prefix, package_path = find_package("addin_server.app")
    if prefix is None:
        return os.path.join(package_path, "instance")
    return os.path.join(prefix, "var", "addin_server.app-instance")


def load_config(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Defaults < `OASIS_*` environment < `OASIS_CONFIG_FILE` < overrides, as plain keys."""
    import json
    import tomllib

    from flask import Config

    environ = os.environ if environ is None else environ
    config = Config(instance_path())
    config.update(DEFAULTS)
    # The same rules as app.config.from_prefixed_env("OASIS") (JSON-decoded values, `__` nesting),
    # applied to the given environment; the test-only OASIS_REQUIRE_* flags are not settings.
    for key in sorted(k for k in environ if k.startswith("OASIS_") and not k.startswith("OASIS_REQUIRE_")):
        value: Any = environ[key]
        with contextlib.suppress(ValueError):
            value = json.loads(value)
        name = key[len("OASIS_"):]
        if "__" not in name:
            config[name] = value
            continue
        current: Any = config
        *parts, tail = name.split("__")
        for part in parts:
            current = current.setdefault(part, {})
        current[tail] = value
    config_file = environ.get("OASIS_CONFIG_FILE")
    if config_file:
        toml = config_file.endswith(".toml")
        try:
            config.from_file(config_file, load=tomllib.load if toml else json.load, text=not toml)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"OASIS_CONFIG_FILE {config_file!r} could not be read: {exc}") from None
    config.update(overrides or {})
    return dict(config)


def load_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """Validated settings for the server and every command, from the one loader."""
    return validate(load_config(overrides), instance_path())
