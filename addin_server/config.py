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
import re
import secrets
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
    "SERVICE_ACCOUNTS": "",  # common-1: more account names that are not staff (comma-separated)
    "RATELIMIT_STORAGE_URI": None,
    "CORS_ORIGINS": "",
    "PUBLIC_URL": None,
    # Keys kept outside the database (issue 10): the audit chain's HMAC key(s) and the person
    # ledger's hash key. Hex, at least 32 bytes; a key file holds one key per line.
    "AUDIT_KEY": None,
    "AUDIT_KEY_FILE": None,
    "LEDGER_KEY": None,
    "LEDGER_KEY_FILE": None,
    # Database faults: seconds of database time (lock waits included) one request may spend in
    # all, the connect timeout, the idle-in-transaction bound and the readiness lock probe.
    "DB_DEADLINE": 10.0,
    "DB_CONNECT_TIMEOUT": 5.0,
    "DB_IDLE_TX_TIMEOUT": 15.0,
    "READY_LOCK_TIMEOUT": 1.0,
}

KEY_MIN_BYTES = 32
AUDIT_KEY_FILENAME = "audit.key"
LEDGER_KEY_FILENAME = "ledger.key"


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
    # First key signs new audit records; the others only verify older ones (rotation).
    audit_keys: tuple[bytes, ...] = field(default=(), repr=False)
    ledger_key: bytes | None = field(default=None, repr=False)
    db_deadline: float = 10.0
    db_connect_timeout: float = 5.0
    db_idle_tx_timeout: float = 15.0
    ready_lock_timeout: float = 1.0
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)
    public_url: str | None = None  # the one URL staff reach the server at (manifest, links)
    service_accounts: frozenset[str] = frozenset()  # common-1's extra non-staff account names

    @property
    def pending_grace(self) -> float:
        """Seconds after which a pending audit record without its answer counts as interrupted:
        longer than any request can take (every model attempt, then the database budget twice)."""
        return self.llm_timeout * (self.llm_max_retries + 1) + 2 * self.db_deadline + 30

    def get(self, key: str, default: Any = None) -> Any:
        """Keys owned by other parts (Entra, network, rate limits) read straight from config."""
        value = self.raw.get(key, default)
        return default if value is None else value


def _names(value: Any) -> frozenset[str]:
    """A comma-separated string (or a list) of account names, compared case-insensitively."""
    items = value.split(",") if isinstance(value, str) else (value or ())
    return frozenset(str(n).strip().lower() for n in items if str(n).strip())


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


def _as_float(config: Mapping[str, Any], key: str, default: float | None = None) -> float:
    value = config.get(key)
    if value is None and default is not None:
        value = default
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


_NETLOC = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


def parse_public_url(value: Any) -> str | None:
    """PUBLIC_URL as `scheme://host[:port][/path]` (no trailing slash), or None when unset.

    It names the server in the manifest Office downloads, so it must be exactly a base URL:
    https (plain http only for a loopback host, in development), no user, query or fragment.
    """
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    parts = urlsplit(text)
    try:
        port = parts.port  # ValueError for a port that is not 0..65535
    except ValueError:
        port = -1
    if (parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc
            or parts.query or parts.fragment or port in (0, -1) or not _NETLOC.fullmatch(parts.netloc)
            or any(c.isspace() or c in "\"<>'" for c in text)):
        raise ConfigError(
            f"PUBLIC_URL {text!r} は URL として正しくありません。職員が使うサーバーの URL を "
            "https://addin.example.city.osaka.jp の形で指定してください（利用者名・? ・# は不可）。"
            " [PUBLIC_URL must be an http(s) base URL]")
    if parts.scheme != "https" and not is_loopback(parts.hostname):
        raise ConfigError(
            f"PUBLIC_URL {text!r} は https:// で始めてください。Office アドインは HTTPS でしか読み込めず、"
            "http はこのパソコン内（localhost）での開発だけに使えます。 [PUBLIC_URL must use https]")
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def dev_bind_message(bind_host: str, *, explicit: bool, fix: str = "--host 127.0.0.1") -> str:
    """The one refusal for a development-mode server that would listen beyond this computer."""
    where = "すべてのネットワーク（空のアドレス）" if not bind_host else f"{bind_host!r}"
    mode = "AUTH_MODE=dev" if explicit else "AUTH_MODE が未設定（開発モード）"
    return (
        f"{mode} のサーバーを {where} で待ち受けることはできません。開発モードは利用者を確認しないため、"
        "このパソコンの中（ループバック: 127.0.0.1、::1、localhost）でのみ起動できます。"
        f"{fix} を指定するか、職員に提供する場合は AUTH_MODE=entra と ENTRA_TENANT_ID・"
        "ENTRA_AUDIENCE を設定してください（ルール common-1）。"
        f" [development mode binds only to a loopback address, not {bind_host!r}]"
    )


def parse_keys(text: str, source: str) -> tuple[bytes, ...]:
    """Hex keys separated by commas or lines (`#` starts a comment); each at least 32 bytes."""
    keys = []
    for line in text.replace(",", "\n").splitlines():
        item = line.split("#", 1)[0].strip()
        if not item:
            continue
        try:
            key = bytes.fromhex(item)
        except ValueError:
            raise ConfigError(f"{source}: a key must be hexadecimal (e.g. `python -c 'import secrets; "
                              "print(secrets.token_hex(32))'`)") from None
        if len(key) < KEY_MIN_BYTES:
            raise ConfigError(f"{source}: a key must be at least {KEY_MIN_BYTES} bytes "
                              f"({2 * KEY_MIN_BYTES} hex digits), got {len(key)}")
        keys.append(key)
    return tuple(keys)


def _read_key_file(path: str, name: str) -> tuple[bytes, ...]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read the key file {path!r} ({exc.strerror})") from None
    keys = parse_keys(text, f"{name} {path}")
    if not keys:
        raise ConfigError(f"{name}: the key file {path!r} holds no key")
    return keys


def _generate_key_file(path: Path) -> None:
    """Write a new random key readable by the owner only. Written aside and linked into place,
    so an instance starting at the same moment reads either no file or a whole key."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            return
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-")  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(secrets.token_hex(32) + "\n")
            os.link(tmp, path)
        except FileExistsError:
            pass  # another instance won: use its key
        finally:
            os.unlink(tmp)
    except OSError as exc:
        raise ConfigError(f"cannot create the key file {str(path)!r} ({exc.strerror}); "
                          "set AUDIT_KEY_FILE / LEDGER_KEY_FILE to a key you created") from None


def load_keys(config: Mapping[str, Any], name: str, default_file: Path | None) -> tuple[bytes, ...]:
    """Keys from `<name>` (hex, comma-separated) or `<name>_FILE`; else the instance folder's file
    (created when `default_file` is given and missing: the embedded default only)."""
    value = config.get(name)
    file = config.get(f"{name}_FILE")
    if value and file:
        raise ConfigError(f"set either {name} or {name}_FILE, not both")
    if value:
        keys = parse_keys(str(value), name)
        if not keys:
            raise ConfigError(f"{name} is empty")
        return keys
    if file:
        return _read_key_file(str(file), f"{name}_FILE")
    if default_file is not None:
        _generate_key_file(default_file)
        return _read_key_file(str(default_file), f"{name}_FILE")
    return ()


def resolve_keys(config: Mapping[str, Any], instance_path: str | os.PathLike[str], auth_mode: str, *,
                 create_keys: bool) -> tuple[tuple[bytes, ...], bytes | None]:
    """The audit keys and the ledger key. Only the embedded default (dev mode on loopback) may
    generate them in the instance folder; production modes refuse to start without them."""
    folder = Path(instance_path)
    may_default = auth_mode == "dev"
    audit_default = folder / AUDIT_KEY_FILENAME if may_default and (
        create_keys or (folder / AUDIT_KEY_FILENAME).exists()) else None
    ledger_default = folder / LEDGER_KEY_FILENAME if may_default and (
        create_keys or (folder / LEDGER_KEY_FILENAME).exists()) else None
    audit_keys = load_keys(config, "AUDIT_KEY", audit_default)
    ledger_keys = load_keys(config, "LEDGER_KEY", ledger_default)
    if not may_default:
        missing = [k for k, v in (("AUDIT_KEY or AUDIT_KEY_FILE", audit_keys),
                                  ("LEDGER_KEY or LEDGER_KEY_FILE", ledger_keys)) if not v]
        if missing:
            raise ConfigError(
                f"AUTH_MODE={auth_mode} needs {' and '.join(missing)}: the audit chain's HMAC key and the "
                "person ledger's hash key live outside the database, the same on every instance "
                "(rules oasis-log, oasis-2; see docs/security.md)")
    if len(ledger_keys) > 1:
        raise ConfigError("LEDGER_KEY: give exactly one key (the ledger cannot verify with old keys)")
    return audit_keys, (ledger_keys[0] if ledger_keys else None)


def validate(config: Mapping[str, Any], instance_path: str | os.PathLike[str] = "instance", *,
             create_keys: bool = True) -> Settings:
    """Check every setting once, at start-up; raise ConfigError naming the first bad one.

    `create_keys=False` (read-only tools) never writes a key file into the instance folder."""
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

    # An explicitly empty bind address stays empty: it means every interface, not loopback.
    raw_bind = config.get("BIND_HOST")
    bind_host = "127.0.0.1" if raw_bind is None else str(raw_bind).strip()
    auth_mode = config.get("AUTH_MODE")
    entra_configured = bool(config.get("ENTRA_TENANT_ID") and config.get("ENTRA_AUDIENCE"))
    if not auth_mode:
        if entra_configured:
            auth_mode = "entra"
        elif is_loopback(bind_host):
            auth_mode = "dev"
        else:
            raise ConfigError(dev_bind_message(bind_host, explicit=False))
    auth_mode = str(auth_mode).lower()
    if auth_mode not in AUTH_MODES:
        raise ConfigError(f"AUTH_MODE must be one of {', '.join(AUTH_MODES)}, got {auth_mode!r}")
    if auth_mode == "dev" and not is_loopback(bind_host):
        raise ConfigError(dev_bind_message(bind_host, explicit=True))
    if auth_mode == "entra":
        if not entra_configured:
            raise ConfigError("AUTH_MODE=entra needs ENTRA_TENANT_ID and ENTRA_AUDIENCE")
        if not (config.get("ENTRA_JWKS_URL") or config.get("ENTRA_JWKS_FILE")):
            raise ConfigError("AUTH_MODE=entra needs ENTRA_JWKS_URL or ENTRA_JWKS_FILE (the signing keys)")

    public_url = parse_public_url(config.get("PUBLIC_URL"))
    audit_keys, ledger_key = resolve_keys(config, instance_path, auth_mode, create_keys=create_keys)

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
        audit_keys=audit_keys,
        ledger_key=ledger_key,
        db_deadline=_as_float(config, "DB_DEADLINE", DEFAULTS["DB_DEADLINE"]),
        db_connect_timeout=_as_float(config, "DB_CONNECT_TIMEOUT", DEFAULTS["DB_CONNECT_TIMEOUT"]),
        db_idle_tx_timeout=_as_float(config, "DB_IDLE_TX_TIMEOUT", DEFAULTS["DB_IDLE_TX_TIMEOUT"]),
        ready_lock_timeout=_as_float(config, "READY_LOCK_TIMEOUT", DEFAULTS["READY_LOCK_TIMEOUT"]),
        raw=dict(config),
        public_url=public_url,
        service_accounts=_names(config.get("SERVICE_ACCOUNTS")),
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


def load_settings(overrides: Mapping[str, Any] | None = None, *, create_keys: bool = True) -> Settings:
    """Validated settings for the server and every command, from the one loader.

    `create_keys=False` (read-only tools) never writes a key file into the instance folder."""
    return validate(load_config(overrides), instance_path(), create_keys=create_keys)
