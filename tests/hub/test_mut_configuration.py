"""hub.configuration: the password of HUB_DATABASE_URL is masked wherever the URL is shown, however it is written.

docs/operations.md, section 10: `hub config show` prints the effective values with the password in
`HUB_DATABASE_URL` masked. The same mask_url serves the `hub run` banner and the store's error lines.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from consumers.cli import app
from hub.configuration import MASK, mask_url

PASSWORD = "db-secret-51e0a9"

pytestmark = pytest.mark.usefixtures("no_hub_env")  # settings come from the test, not from the shell


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        # urlsplit refuses an unclosed IPv6 bracket: the password was printed as it was.
        (
            f"postgresql+psycopg://ijw_hub:{PASSWORD}@[::1/ijw_hub",
            f"postgresql+psycopg://ijw_hub:{MASK}@[::1/ijw_hub",
        ),
        (
            f"postgresql+psycopg://ijw_hub:{PASSWORD}@[fd00::5:5432/ijw_hub?sslmode=require",
            f"postgresql+psycopg://ijw_hub:{MASK}@[fd00::5:5432/ijw_hub?sslmode=require",
        ),
    ],
)
def test_an_unparseable_url_still_has_its_password_masked(url: str, shown: str) -> None:
    assert mask_url(url) == shown


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://ijw_hub@[::1/ijw_hub", "postgresql+psycopg://[::1/ijw_hub", "not a url [::1"],
)
def test_an_unparseable_url_without_a_password_is_shown_as_it_is(url: str) -> None:
    """Nothing to hide: the operator sees the URL they wrote, to find the typo."""
    assert mask_url(url) == url


def test_a_password_with_a_colon_or_an_at_sign_is_masked_whole() -> None:
    url = f"postgresql+psycopg://ijw_hub:{PASSWORD}:x@y@db.example/ijw_hub"
    assert mask_url(url) == f"postgresql+psycopg://ijw_hub:{MASK}@db.example/ijw_hub"


def test_config_show_masks_the_password_of_an_unparseable_database_url() -> None:
    url = f"postgresql+psycopg://ijw_hub:{PASSWORD}@[::1/ijw_hub"
    result = CliRunner().invoke(app, ["config", "show", "--format", "json"], env={"HUB_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert (
        json.loads(result.output)["HUB_DATABASE_URL"] == f"postgresql+psycopg://ijw_hub:{MASK}@[::1/ijw_hub"
    )


def test_config_show_lists_the_dropped_labels_as_they_were_set() -> None:
    """HUB_METRICS_DROP_LABELS is set as JSON and shown as its values, comma-separated."""
    result = CliRunner().invoke(
        app,
        ["config", "show", "--format", "json"],
        env={"HUB_METRICS_DROP_LABELS": '["aanbieder", "gemeente"]'},
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["HUB_METRICS_DROP_LABELS"] == "aanbieder,gemeente"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        # libpq and SQLAlchemy take a password as a query parameter too; the name in any case.
        ("postgresql://u@h/db?password=" + PASSWORD, f"postgresql://u@h/db?password={MASK}"),
        (
            f"postgresql+psycopg://u@h/db?sslmode=require&PassWord={PASSWORD}&sslpassword={PASSWORD}",
            f"postgresql+psycopg://u@h/db?sslmode=require&PassWord={MASK}&sslpassword={MASK}",
        ),
        (
            f"postgresql://h/db?pass%77ord={PASSWORD}",
            f"postgresql://h/db?pass%77ord={MASK}",
        ),  # SQLAlchemy decodes it
        (
            f"postgresql://h/db?oauth_client_secret={PASSWORD}",
            f"postgresql://h/db?oauth_client_secret={MASK}",
        ),
        (
            f"postgresql://u:{PASSWORD}@h/db?password={PASSWORD}",
            f"postgresql://u:{MASK}@h/db?password={MASK}",
        ),
        # SQLAlchemy reads a query value up to the next "&": "#", ";" or a space are part of the password.
        (
            f"postgresql://h/db?password=a{PASSWORD} #;x&sslmode=require",
            f"postgresql://h/db?password={MASK}&sslmode=require",
        ),
        # A raw "/", "?" or "#" in a password ends urlsplit's netloc early; SQLAlchemy reads up to the "@".
        (f"postgresql://u:a/{PASSWORD}@h/db", f"postgresql://u:{MASK}@h/db"),
        (f"postgresql://u:a?{PASSWORD}@h/db?sslmode=require", f"postgresql://u:{MASK}@h/db?sslmode=require"),
        # Without "//", or libpq's keyword/value form: refused, and the refusal shows the URL.
        (f"postgresql:u:{PASSWORD}@h/db", f"postgresql:u:{MASK}@h/db"),
        (f"postgresql:/u:{PASSWORD}@h/db?password={PASSWORD}", f"postgresql:/u:{MASK}@h/db?password={MASK}"),
        (f"host=h password={PASSWORD} dbname=x", f"host=h password={MASK} dbname=x"),
        # No scheme where a URL starts: a quoted .env value, a space before it or in it, a missing ":".
        (
            f'"postgresql+psycopg://u:{PASSWORD}@127.0.0.1:1/db"',
            f'"postgresql+psycopg://u:{MASK}@127.0.0.1:1/db"',
        ),
        (f" postgresql://u:{PASSWORD}@h/db", f" postgresql://u:{MASK}@h/db"),
        (f"postgresql+psycopg ://u:{PASSWORD}@h/db", f"postgresql+psycopg ://u:{MASK}@h/db"),
        (f"postgresql+psycopg//u:{PASSWORD}@h/db", f"postgresql+psycopg//u:{MASK}@h/db"),
        (f"host=h password = 'a {PASSWORD}' dbname=x", f"host=h password={MASK} dbname=x"),
    ],
)
def test_a_password_in_the_query_or_a_url_without_slashes_is_masked(url: str, shown: str) -> None:
    assert mask_url(url) == shown


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///./hub.sqlite",
        "sqlite:///x.db?mode=ro&cache=shared",
        "postgresql+psycopg://ijw_hub@db.example:5432/ijw_hub?sslmode=verify-full&application_name=hub",
        "postgresql://h/db?password=",  # nothing to hide
        "kafka:9092",
        "json",
    ],
)
def test_a_url_without_secrets_is_shown_as_it_is(url: str) -> None:
    assert mask_url(url) == url


def test_config_show_masks_a_password_in_the_query_of_the_database_url() -> None:
    url = f"postgresql://u@h/db?password={PASSWORD}"
    result = CliRunner().invoke(app, ["config", "show"], env={"HUB_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert f"postgresql://u@h/db?password={MASK}" in result.output
