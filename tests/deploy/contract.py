"""The deployment contract shared by the deploy tests: roles, topics and secret settings as the issue fixes them."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"

ROLES = ("intake", "processors", "gateway")
SCALABLE_ROLES = ("intake", "processors")
PARTITIONS = 6
TOPIC_PREFIX = "ijw."
# Topic names without the prefix; dead-letter may have fewer partitions than the others.
TOPICS = (
    "berichten.inkomend",
    "retourberichten",
    "toewijzing",
    "start",
    "stop",
    "verzoek-om-toewijzing",
    "verzoek-om-wijziging",
    "antwoord",
    "gi.bepaling",
    "gi.maatregel-voortgang",
    "gi.capaciteit",
    "gi.status",
    "dead-letter",
)
# Records up to HUB_MAX_MESSAGE_BYTES and what surrounds them: the producer's request limit and the topics' limit.
MAX_RECORD_BYTES = 27262976
# Settings that must never be a plain value in a manifest.
SECRET_SETTINGS = (
    "HUB_PSEUDONYM_KEY",
    "HUB_ID_KEY",
    "HUB_DATABASE_URL",
    "HUB_KAFKA_SASL_PASSWORD",
    "HUB_API_KEYS",
)
# The secret settings each role is given: the API keys only where senders are authenticated, the gateway; the
# pseudonymisation key only to the role that pseudonymises, the intake; the gateway its id key instead.
ROLE_SECRETS = {
    "intake": ("HUB_PSEUDONYM_KEY", "HUB_DATABASE_URL", "HUB_KAFKA_SASL_PASSWORD"),
    "processors": ("HUB_DATABASE_URL", "HUB_KAFKA_SASL_PASSWORD"),
    "gateway": ("HUB_ID_KEY", "HUB_DATABASE_URL", "HUB_KAFKA_SASL_PASSWORD", "HUB_API_KEYS"),
}
