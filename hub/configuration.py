"""The effective configuration as rows (environment variable, value, type, default, description), secrets masked.

Feeds `hub config show` and the test that keeps the README's configuration table complete.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, get_args
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from pydantic import SecretStr
from pydantic_settings import BaseSettings

MASK = "********"


@dataclass(frozen=True, slots=True)
class Setting:
    env: str
    value: str
    type: str
    default: str
    description: str


def mask_url(url: str) -> str:
    """The URL with its secrets masked: the password of user:pw@ and any query parameter that carries one.

    HUB_DATABASE_URL may carry a password as postgresql+psycopg://user:pw@host/db or as ?password=pw (libpq and
    SQLAlchemy take connection parameters there); written without "//", or as libpq's `key=value ...`, it is
    refused, and the refusal shows it.
    """
    if _SCHEME.match(url) is None:  # libpq's keyword/value form, or a URL behind a quote or a space
        return _mask_loose(_KEYWORD.sub(_mask_keyword, url))
    masked = _mask_userinfo(url)
    base, question, query = masked.partition("?")
    return base + question + "&".join(_mask_pair(pair) for pair in query.split("&")) if question else masked


def _mask_userinfo(url: str) -> str:
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # urlsplit refuses it (an unclosed "[" of an IPv6 host), yet it may carry a password
        return _mask_unsplit(url)
    if "@" not in parts.netloc:
        # No "//", or a raw "/", "?" or "#" in the password ends urlsplit's netloc early; SQLAlchemy reads the
        # password up to the "@" all the same.
        return _mask_unsplit(url)
    if not password:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{host}"))


def _mask_unsplit(url: str) -> str:
    """scheme:[//]user:password@rest with the password masked, read by hand; anything else as it is."""
    scheme = _SCHEME.match(url)
    rest = url[scheme.end() if scheme else 0 :].lstrip("/")
    userinfo, at, host = rest.rpartition("@")  # the last "@": a raw "@" in the password is masked with it
    if not at or ":" not in userinfo:
        return url
    return f"{url[: len(url) - len(rest)]}{userinfo.split(':', 1)[0]}:{MASK}@{host}"


def _mask_loose(text: str) -> str:
    """user:password@ anywhere in a text that is no URL (a quoted .env value, a space before the scheme): what
    lies between the first ":" after the last "//" (or the start) and the last "@" is masked."""
    at = text.rfind("@")
    if at < 0:
        return text
    start = text.rfind("//", 0, at)
    start = 0 if start < 0 else start + 2
    colon = text.find(":", start, at)
    return text if colon < 0 else f"{text[: colon + 1]}{MASK}{text[at:]}"


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
# Parts of a connection parameter's name that say it carries a secret, in any case: libpq's password and
# sslpassword, oauth_client_secret, and what drivers call passwd or pwd. Masking a harmless one (passfile, a path)
# costs only its value on screen.
SECRET_NAMES = ("pass", "pwd", "secret", "token")
# libpq's keyword/value form: key = value separated by white space, a value with spaces in single quotes.
_KEYWORD = re.compile(r"(?<!\S)(?P<name>[^=\s]+)\s*=\s*(?P<value>'(?:[^'\\]|\\.)*'?|\S*)")


def _is_secret(name: str) -> bool:
    name = unquote_plus(name).casefold()  # SQLAlchemy decodes the name: pass%77ord is a password
    return any(part in name for part in SECRET_NAMES)


def _mask_pair(pair: str) -> str:
    """name=value of a query, the value masked if the name is a secret's; a value runs to the next "&" as it
    does for SQLAlchemy, so "#", ";" or a space in a password is masked with it."""
    name, eq, value = pair.partition("=")
    return f"{name}={MASK}" if eq and value and _is_secret(name) else pair


def _mask_keyword(m: re.Match[str]) -> str:
    return f"{m['name']}={MASK}" if m["value"] and _is_secret(m["name"]) else m.group()


def _show(value: Any) -> str:
    if isinstance(value, SecretStr):
        return MASK if value.get_secret_value() else ""
    if value is None:
        return ""
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(str(v) for v in value)
    return mask_url(value) if isinstance(value, str) else str(value)


def _type(annotation: Any) -> str:
    text = str(annotation) if get_args(annotation) else getattr(annotation, "__name__", str(annotation))
    for noise in ("typing.", "pathlib.", "pydantic.types.", "<class '", "'>"):
        text = text.replace(noise, "")
    return text.replace(" | None", " (optional)").replace(" | ", " or ")


def describe(settings_classes: Iterable[type[BaseSettings]]) -> list[Setting]:
    """Every setting with its default, without reading the environment."""
    rows = []
    for cls in settings_classes:
        prefix = str(cls.model_config.get("env_prefix", ""))
        for name, field in cls.model_fields.items():
            rows.append(
                Setting(
                    env=(prefix + name).upper(),
                    value="",
                    type=_type(field.annotation),
                    default=_show(field.get_default(call_default_factory=True)),
                    description=field.description or "",
                )
            )
    return rows


def effective(instances: Iterable[BaseSettings]) -> list[Setting]:
    rows = []
    for settings in instances:
        described = {s.env: s for s in describe([type(settings)])}
        prefix = str(type(settings).model_config.get("env_prefix", ""))
        for name in type(settings).model_fields:
            base = described[(prefix + name).upper()]
            rows.append(
                Setting(base.env, _show(getattr(settings, name)), base.type, base.default, base.description)
            )
    return rows


# Variables of the hub that are not settings: the env file's own name and `hub ingest`'s key.
OTHER_VARIABLES = frozenset({"HUB_ENV_FILE", "HUB_INGEST_API_KEY"})


def unknown_variables(
    environ: Mapping[str, str], settings_classes: Iterable[type[BaseSettings]], prefix: str = "HUB_"
) -> list[str]:
    """A line for each `HUB_*` variable that no setting reads: a mistyped name leaves the default in force."""
    known = {s.env for s in describe(settings_classes)} | OTHER_VARIABLES
    lines = []
    for name in sorted(n for n in environ if n.upper().startswith(prefix) and n.upper() not in known):
        close = difflib.get_close_matches(name.upper(), known, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        lines.append(f"{name} is not a setting of the hub and is ignored{hint}")
    return lines
