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
