"""One frozen HubSettings from environment variables (prefix HUB_) and an optional .env file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.ijw.parse import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH


class HubSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUB_", env_file=".env", extra="ignore", frozen=True)

    schema_dir: Path | None = Field(None, description="Directory with iJw 3.2 XSDs (official release files); default: built-in")
    gemeenten_file: Path | None = Field(
        None, description="CSV gemeentecode,gemeentenaam,provincie,jeugdregio; default: CBS list 2026 shipped with the hub"
    )
    max_message_bytes: int = Field(DEFAULT_MAX_BYTES, description="Largest accepted message in bytes", gt=0)
    max_xml_depth: int = Field(DEFAULT_MAX_DEPTH, description="Deepest accepted element nesting", gt=0)
