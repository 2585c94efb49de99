"""One frozen HubSettings from environment variables (prefix HUB_) and an optional env file (HUB_ENV_FILE).

Every setting has a default, a type and a description; `hub config show` prints them with secrets masked,
and the README's configuration table is checked against this class by a test.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.ijw.parse import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH
from hub.monitor.registry import DEFAULT_KOPPELTERMIJN_DAGEN
from hub.privacy import MIN_KEY_BYTES


class HubSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HUB_", env_file=os.environ.get("HUB_ENV_FILE"), extra="ignore", frozen=True
    )

    schema_dir: Path | None = Field(
        None, description="Directory with iJw 3.2 XSDs (official release files); default: built-in"
    )
    gemeenten_file: Path | None = Field(
        None,
        description="CSV gemeentecode,gemeentenaam,provincie,jeugdregio: the gemeenten of TR378/GB004 and the "
        "jeugdregio's of GB031 and the regio label; an optional column geldig_tot (YYYY-MM-DD) keeps a code a "
        "herindeling ended, for TR378's older CBS list; default: CBS list 2026 shipped with the hub",
    )
    productcodes_file: Path | None = Field(
        None,
        description="CSV categorie,code (optionally per gemeente or jeugdregio, aanbieder and period): the product "
        "code list for TR381 (docs/operations.md, section 10); unset: TR381 is not checked",
    )
    tarieven_file: Path | None = Field(
        None,
        description="CSV productcode,tarief (optionally per gemeente or jeugdregio, aanbieder, period and eenheid): "
        "the contract tariffs in euro cents for TR418 and the hourly tariffs behind minutes for TR346 "
        "(docs/operations.md, section 10); unset: TR418 is not checked",
    )
    max_message_bytes: int = Field(DEFAULT_MAX_BYTES, description="Largest accepted message in bytes", gt=0)
    max_xml_depth: int = Field(DEFAULT_MAX_DEPTH, description="Deepest accepted element nesting", gt=0)
    database_url: str = Field(
        "sqlite:///hub.sqlite", description="SQLAlchemy URL of the store (postgresql+psycopg://...)"
    )
    pseudonym_key: SecretStr | None = Field(
        None,
        description="Secret key for the client pseudonym (HMAC-SHA256 of the BSN), at least 16 bytes; required outside "
        "demo mode by the intake, the one role that makes pseudonyms (the gateway alone takes HUB_ID_KEY instead)",
    )
    id_key: SecretStr | None = Field(
        None,
        description="Secret key of the tags in the gateway's message ids, at least 16 bytes; unset: derived from "
        "HUB_PSEUDONYM_KEY. Set it for a gateway that runs alone, so the internet-facing process holds no "
        "pseudonymisation key; the same on every gateway of a deployment",
    )
    api_keys: SecretStr | None = Field(
        None,
        description='JSON object mapping an API key to the sender codes it may use: {"key": ["0200", "12345678"]}',
    )
    http_host: str = Field(
        "127.0.0.1", description="Address the HTTP server binds to (0.0.0.0 in a container)"
    )
    http_port: int = Field(
        8080, description="Port of the gateway, /metrics, /healthz and /readyz", ge=1, le=65535
    )
    http_max_connections: int = Field(
        1000,
        description="Open HTTP connections at most; a further one is answered 503 and closed (keep it under the file limit)",
        ge=1,
    )
    log_format: Literal["json", "text"] = Field(
        "json", description="Log output: structured JSON or text for people (any case)"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        "INFO", description="Log level (any case)"
    )
    migrate_on_start: bool = Field(True, description="Run database migrations when the hub starts")
    shutdown_grace_seconds: float = Field(
        20.0, description="Time to finish in-flight messages after SIGTERM", gt=0
    )
    retour_dir: Path | None = Field(
        None, description="Outbox directory where delivered retourberichten are written"
    )
    max_attempts: int = Field(5, description="Processing attempts before a message is dead-lettered", ge=1)
    gateway_buffer: int = Field(
        1000,
        description="Messages the gateways keep in the database's spool while the broker is unreachable; "
        "beyond it a message is refused (503)",
        ge=0,
    )
    demo: bool = Field(
        False, description="Demo mode: a throwaway pseudonymisation key is generated when none is set"
    )
    gi_koppeltermijn_dagen: int = Field(
        DEFAULT_KOPPELTERMIJN_DAGEN,
        description="Days after a GI bepaling in which a verzoek or toewijzing is linked to it (docs/gi-koppeling.md)",
        ge=0,
    )
    peil_interval_seconds: float = Field(
        3600.0,
        description="How often the processors check the 3-month norm of GI bepalingen (statusmelding 04)",
        gt=0,
    )
    retour_retention_days: int = Field(
        90,
        description="Days after delivery that a retourbericht's XML (it may copy the client's BSN and name) stays in the "
        "audit log, and a GI102 statusmelding's XML in the store; then `hub run` (intake role) clears them once a "
        "day, or `hub db purge`. 0: kept forever",
        ge=0,
    )
    domain_metrics_max_age_seconds: float = Field(
        0.0,
        ge=0,
        description="How old the domain metrics may be when served: the replicas share one copy in the store and "
        "compute anew when it is older (or of another day); 0 computes them at every scrape",
    )
    metrics_drop_labels: list[Literal["aanbieder", "gemeente"]] = Field(
        default_factory=list,
        description='Labels left out of the domain metrics to bound their cardinality, as JSON: ["aanbieder", "gemeente"]',
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level_any_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format_any_case(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("pseudonym_key", "id_key")
    @classmethod
    def _key_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        # Checked with the configuration, so the refusal names the variable (the Pseudonymiser checks again).
        if value is not None and len(value.get_secret_value().encode()) < MIN_KEY_BYTES:
            raise ValueError(f"the key must be at least {MIN_KEY_BYTES} bytes")
        return value

    @field_validator("api_keys")
    @classmethod
    def _api_keys_are_json(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parsed = json.loads(value.get_secret_value())
            if not isinstance(parsed, dict) or not all(isinstance(v, list) for v in parsed.values()):
                raise ValueError("HUB_API_KEYS must be a JSON object of key -> list of sender codes")
        return value

    def api_key_senders(self) -> dict[str, frozenset[str]]:
        """API key -> the sender codes (AGB or gemeentecode) it may send as."""
        if self.api_keys is None:
            return {}
        parsed: dict[str, Any] = json.loads(self.api_keys.get_secret_value())
        return {key: frozenset(str(code) for code in codes) for key, codes in parsed.items()}
