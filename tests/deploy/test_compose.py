"""deploy/compose.yaml: valid for Docker Compose v2, and the shape the issue asks for.

`docker compose config` needs only the CLI, no engine; it runs where the docker CLI has the compose plugin (or a
standalone Compose v2 is on PATH). Everywhere, the file is also checked against the Compose Specification's JSON
schema (vendored by check-jsonschema), and the structural checks run on `docker compose config --format json` or,
without Compose, on the YAML as written (anchors and merge keys resolved, ${VAR:-default} replaced by its default).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from consumers.broker import RECORD_OVERHEAD_BYTES
from hub.ijw.parse import DEFAULT_MAX_BYTES
from hub.settings import HubSettings
from tests.deploy.contract import (
    DEPLOY,
    MAX_RECORD_BYTES,
    PARTITIONS,
    ROLES,
    SCALABLE_ROLES,
    TOPIC_PREFIX,
    TOPICS,
)

COMPOSE_FILE = DEPLOY / "compose.yaml"
# deploy/prometheus/prometheus.yml scrapes the roles by these service names (and uses them as job names).
SERVICE = {role: f"hub-{role}" for role in ROLES}
HUB_SERVICES = ("hub-migrate", *SERVICE.values())
LONG_RUNNING = ("kafka", "postgres", *SERVICE.values(), "prometheus", "alertmanager", "grafana")


def _version(command: list[str]) -> str:
    try:
        result = subprocess.run(
            [*command, "version"], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError:
        return ""
    return result.stdout if result.returncode == 0 else ""


def compose_command() -> list[str] | None:
    """`docker compose` when the plugin is there, else a standalone Compose v2, else None."""
    if shutil.which("docker") and _version(["docker", "compose"]):
        return ["docker", "compose"]
    # The Python docker-compose 1.x knows neither `--format json` nor every key used here.
    if shutil.which("docker-compose") and _version(["docker-compose"]).startswith(
        "Docker Compose version v2"
    ):
        return ["docker-compose"]
    return None


COMPOSE = compose_command()
needs_compose = pytest.mark.skipif(
    COMPOSE is None,
    reason="no Docker Compose v2 here (the docker CLI has no compose plugin); the schema and structure tests still run",
)


def _compose(*args: str, file: Path = COMPOSE_FILE) -> subprocess.CompletedProcess[str]:
    assert COMPOSE is not None
    # A clean environment for the interpolated values: the defaults in the file are what is checked.
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("HUB_", "POSTGRES_", "KAFKA_"))
    }
    return subprocess.run(
        [*COMPOSE, "-f", str(file), *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


def _defaults(value: Any) -> Any:
    """${VAR:-default} -> default, recursively: what compose does with no such variable set."""
    if isinstance(value, str):
        # One level of braces inside the default, for the JSON default of HUB_API_KEYS.
        return re.sub(r"\$\{\w+:-((?:[^{}]|\{[^{}]*\})*)\}", r"\1", value)
    if isinstance(value, dict):
        return {key: _defaults(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_defaults(item) for item in value]
    return value


def _as_written() -> dict[str, Any]:
    loaded: dict[str, Any] = _defaults(yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8")))
    return loaded


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    if COMPOSE is None:
        return _as_written()
    result = _compose("config", "--format", "json")
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


@needs_compose
def test_compose_config_is_valid() -> None:
    result = _compose("config", "-q")
    assert result.returncode == 0, result.stderr


@needs_compose
def test_compose_config_rejects_a_broken_file(tmp_path: Path) -> None:
    # The check above could pass vacuously if the CLI ignored its input; a wrong depends_on condition must fail.
    broken = tmp_path / "compose.yaml"
    broken.write_text(
        COMPOSE_FILE.read_text(encoding="utf-8").replace("service_completed_successfully", "done", 1)
    )
    assert _compose("config", "-q", file=broken).returncode != 0


@pytest.fixture(scope="module")
def compose_spec() -> jsonschema.protocols.Validator:
    schema = json.loads(
        files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text()
    )
    validator: jsonschema.protocols.Validator = jsonschema.validators.validator_for(schema)(schema)
    return validator


def test_matches_the_compose_specification(compose_spec: jsonschema.protocols.Validator) -> None:
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in compose_spec.iter_errors(_as_written())
    ]
    assert not errors


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("hub-intake", "depends_on", "hub-migrate", "condition"), "done"),
        (("hub-gateway", "healthchek"), {}),
        (("kafka", "ports"), "9092"),
    ],
)
def test_compose_specification_rejects_mistakes(
    compose_spec: jsonschema.protocols.Validator, path: tuple[str, ...], value: Any
) -> None:
    broken = _as_written()
    node = broken["services"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert not compose_spec.is_valid(broken)


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    return {key: str(value) for key, value in env.items()}


def test_services(config: dict[str, Any]) -> None:
    expected = {"kafka", "kafka-init", "postgres", *HUB_SERVICES, "prometheus", "alertmanager", "grafana"}
    assert expected <= set(config["services"])


@pytest.mark.parametrize("role", SCALABLE_ROLES)
def test_scalable_roles_have_no_fixed_name_or_host_port(config: dict[str, Any], role: str) -> None:
    service = config["services"][SERVICE[role]]
    assert "container_name" not in service
    assert not service.get("ports")


@pytest.mark.parametrize("role", ROLES)
def test_roles_run_their_role_after_migration_and_topics(config: dict[str, Any], role: str) -> None:
    service = config["services"][SERVICE[role]]
    assert service["command"] == ["run", "--role", role]
    conditions = {name: dep["condition"] for name, dep in service["depends_on"].items()}
    assert conditions == {
        "kafka": "service_healthy",
        "kafka-init": "service_completed_successfully",
        "postgres": "service_healthy",
        "hub-migrate": "service_completed_successfully",
    }


def test_migrate_is_a_one_shot_db_upgrade(config: dict[str, Any]) -> None:
    migrate = config["services"]["hub-migrate"]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", HUB_SERVICES)
def test_hub_services_share_one_image_and_settings(config: dict[str, Any], name: str) -> None:
    service = config["services"][name]
    assert service["image"] == config["services"]["hub-migrate"]["image"]
    assert service["read_only"] is True
    env = _env(service)
    assert env["HUB_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:19092"
    assert env["HUB_DATABASE_URL"].startswith("postgresql+psycopg://hub:")
    assert env["HUB_DATABASE_URL"].endswith("@postgres:5432/hub")
    assert env["HUB_MIGRATE_ON_START"] == "false"
    assert env["HUB_HTTP_HOST"] == "0.0.0.0"
    if name == SERVICE["gateway"]:  # the API keys reach the gateway only, as in Kubernetes
        assert isinstance(json.loads(env["HUB_API_KEYS"]), dict)
    else:
        assert "HUB_API_KEYS" not in env


@pytest.mark.parametrize("name", HUB_SERVICES)
def test_the_pseudonymisation_key_reaches_only_the_role_that_pseudonymises(
    config: dict[str, Any], name: str
) -> None:
    """The intake pseudonymises; the processors read pseudonyms only; the gateway faces the network and tags its
    message ids with HUB_ID_KEY; `hub db upgrade` needs neither key."""
    keys = {key for key in _env(config["services"][name]) if key in ("HUB_PSEUDONYM_KEY", "HUB_ID_KEY")}
    expected = {
        SERVICE["intake"]: {"HUB_PSEUDONYM_KEY"},
        SERVICE["gateway"]: {"HUB_ID_KEY"},
    }
    assert keys == expected.get(name, set())


def test_scaled_processors_share_a_copy_of_the_domain_metrics_younger_than_a_scrape_interval(
    config: dict[str, Any],
) -> None:
    """docs/operations.md, section 3: HUB_DOMAIN_METRICS_MAX_AGE_SECONDS 10, below Prometheus' 15 s."""
    prometheus = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    interval = float(prometheus["global"]["scrape_interval"].removesuffix("s"))
    max_age = float(_env(config["services"][SERVICE["processors"]])["HUB_DOMAIN_METRICS_MAX_AGE_SECONDS"])
    assert max_age == 10 and max_age < interval


@pytest.mark.parametrize("role", ROLES)
def test_roles_get_longer_to_stop_than_the_hubs_grace_period(config: dict[str, Any], role: str) -> None:
    """docs/operations.md, section 8: stop_grace_period 30s, above HUB_SHUTDOWN_GRACE_SECONDS."""
    grace = config["services"][SERVICE[role]]["stop_grace_period"]
    # As written, or in nanoseconds as `docker compose config` gives it.
    assert grace in ("30s", 30_000_000_000)
    assert HubSettings().shutdown_grace_seconds < 30


def _published(port: str | dict[str, Any]) -> tuple[str, str]:
    """(host address, container port) of a published port, in the short syntax as written (no address: every
    interface) or the long one `docker compose config` gives."""
    if isinstance(port, dict):
        return str(port.get("host_ip") or "0.0.0.0"), str(port["target"])
    parts = port.split(":")
    return (parts[0] if len(parts) == 3 else "0.0.0.0"), parts[-1]


def test_only_the_gateway_is_published_beyond_the_host(config: dict[str, Any]) -> None:
    """Kafka (PLAINTEXT, no authentication), Prometheus (its lifecycle API), Alertmanager and Grafana (admin/admin
    by default) answer on the loopback address only; senders reach the gateway from elsewhere."""
    published = {
        name: [_published(port) for port in service.get("ports") or []]
        for name, service in config["services"].items()
    }
    assert published.pop(SERVICE["gateway"]) == [("0.0.0.0", "8080")]
    for name in ("kafka", "prometheus", "alertmanager", "grafana"):
        assert published[name], name
    assert {host for ports in published.values() for host, _ in ports} == {"127.0.0.1"}


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_services_have_healthchecks(config: dict[str, Any], name: str) -> None:
    check = config["services"][name]["healthcheck"]
    assert not check.get("disable")
    assert check["test"][0] in {"CMD", "CMD-SHELL"}


def test_kafka_runs_kraft_without_zookeeper(config: dict[str, Any]) -> None:
    kafka = config["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    env = _env(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    node = env["KAFKA_NODE_ID"]
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{node}@kafka:29093"
    assert "CONTROLLER://:29093" in env["KAFKA_LISTENERS"].split(",")
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] == "CONTROLLER"
    assert "INTERNAL://kafka:19092" in env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    assert env["CLUSTER_ID"]
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert not any("ZOOKEEPER" in key for key in env)


def test_kafka_init_creates_every_hub_topic(config: dict[str, Any]) -> None:
    init = config["services"]["kafka-init"]
    assert init["depends_on"]["kafka"]["condition"] == "service_healthy"
    env = _env(init)
    assert env["PREFIX"] == TOPIC_PREFIX
    assert env["PARTITIONS"] == str(PARTITIONS)
    script = "\n".join(init["command"])
    created = set(env["TOPICS"].split()) | set(re.findall(r"^create (\S+) \S+ \d+$", script, re.MULTILINE))
    assert created == set(TOPICS)
    assert "kafka-topics.sh" in script
    assert "--if-not-exists" in script


def _run_kafka_init(tmp_path: Path) -> list[list[str]]:
    """kafka-init's script as its container runs it (compose's `$$` made `$`), with Kafka's tools replaced by
    stubs that record their arguments: one list per call, the tool's name first."""
    init = _as_written()["services"]["kafka-init"]
    tools = tmp_path / "bin"
    tools.mkdir()
    log = tmp_path / "calls"
    for tool in ("kafka-topics.sh", "kafka-configs.sh"):
        stub = tools / tool
        stub.write_text(f'#!/bin/sh\nprintf "%s\\0" {tool} "$@" >> {log}\nprintf "\\n" >> {log}\n')
        stub.chmod(0o755)
    script = "\n".join(init["command"]).replace("$$", "$").replace("/opt/kafka/bin/", f"{tools}/")
    env = {"PATH": os.environ.get("PATH", ""), **_env(init)}
    # The entrypoint is /bin/bash -ec; the bash on PATH stands in for the image's.
    bash = shutil.which("bash")
    assert bash is not None and init["entrypoint"][0] == "/bin/bash"
    result = subprocess.run(
        [bash, *init["entrypoint"][1:], script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [line.rstrip("\0").split("\0") for line in log.read_text().splitlines()]


def _option(call: list[str], name: str) -> str:
    return call[call.index(name) + 1]


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash to run kafka-init's script")
def test_kafka_init_gives_every_topic_the_retention_the_guide_suggests(tmp_path: Path) -> None:
    """docs/operations.md, section 2 (and deploy/k8s/strimzi/topics.yaml): the raw topic 14 days, retours 7, the
    event topics 90, dead letters 30; set on every run, so an existing stack's topics get it too."""
    calls = _run_kafka_init(tmp_path)
    created = {
        _option(call, "--topic"): int(_option(call, "--partitions")) for call in calls if "--create" in call
    }
    assert created == {TOPIC_PREFIX + name: 1 if name == "dead-letter" else PARTITIONS for name in TOPICS}
    retention = {}
    for call in calls:
        if call[0] == "kafka-configs.sh":
            key, value = _option(call, "--add-config").split("=")
            assert key == "retention.ms"
            retention[_option(call, "--entity-name")] = int(value)
    day = 24 * 3600 * 1000
    expected = {TOPIC_PREFIX + name: 90 * day for name in TOPICS} | {
        TOPIC_PREFIX + "berichten.inkomend": 14 * day,
        TOPIC_PREFIX + "retourberichten": 7 * day,
        TOPIC_PREFIX + "dead-letter": 30 * day,
    }
    assert retention == expected
    # The same as the Strimzi topics, which a test of their own holds to the guide.
    strimzi = yaml.safe_load_all((DEPLOY / "k8s" / "strimzi" / "topics.yaml").read_text(encoding="utf-8"))
    assert {t["spec"]["topicName"]: t["spec"]["config"]["retention.ms"] for t in strimzi} == expected


def test_topics_and_producer_take_a_message_of_the_hubs_size_limit(config: dict[str, Any]) -> None:
    script = "\n".join(config["services"]["kafka-init"]["command"])
    assert f"--config max.message.bytes={MAX_RECORD_BYTES}" in script
    for name in HUB_SERVICES:
        env = _env(config["services"][name])
        assert env["HUB_KAFKA_PRODUCER_MAX_REQUEST_BYTES"] == str(MAX_RECORD_BYTES), name
    assert MAX_RECORD_BYTES - RECORD_OVERHEAD_BYTES >= DEFAULT_MAX_BYTES


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> host path (relative to deploy/) of the bind mounts, in either syntax."""
    mounts = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
        elif volume.get("type") == "bind":
            source, target = volume["source"], volume["target"]
        else:
            continue
        if source.startswith(("/", ".")):
            mounts[target] = str(Path(os.path.normpath(DEPLOY / source)).relative_to(DEPLOY))
    return mounts


def test_monitoring_mounts(config: dict[str, Any]) -> None:
    services = config["services"]
    assert _mounts(services["prometheus"])["/etc/prometheus"] == "prometheus"
    assert "--config.file=/etc/prometheus/prometheus.yml" in services["prometheus"]["command"]
    assert _mounts(services["alertmanager"])["/etc/alertmanager"] == "alertmanager"
    assert "--config.file=/etc/alertmanager/alertmanager.yml" in services["alertmanager"]["command"]
    grafana = _mounts(services["grafana"])
    assert grafana["/etc/grafana/provisioning"] == "grafana/provisioning"
    assert grafana["/var/lib/grafana/dashboards"] == "grafana/dashboards"


# The commented example for the roles that judge messages: own product codes and tariffs (TR381, TR418, TR346).
REFERENCE_LISTS = {
    "HUB_PRODUCTCODES_FILE": "/etc/hub/referentielijsten/productcodes.csv",
    "HUB_TARIEVEN_FILE": "/etc/hub/referentielijsten/tarieven.csv",
}


def _with_reference_lists() -> dict[str, Any]:
    """The file as written, its example for own reference lists taken out of the comment, as it tells one to."""
    example = re.compile(r"^(?P<indent> +)# (?P<line>volumes:|  - \./k8s/|HUB_\w+_FILE: )", re.MULTILINE)
    uncommented, count = example.subn(r"\g<indent>\g<line>", COMPOSE_FILE.read_text(encoding="utf-8"))
    assert count == 2 * 4  # hub-intake and hub-gateway
    loaded: dict[str, Any] = _defaults(yaml.safe_load(uncommented))
    return loaded


def test_the_reference_list_example_mounts_the_files_its_settings_name(
    compose_spec: jsonschema.protocols.Validator,
) -> None:
    written, example = _as_written()["services"], _with_reference_lists()
    assert not [e.message for e in compose_spec.iter_errors(example)]
    for role in ROLES:
        service = example["services"][SERVICE[role]]
        if role == "processors":  # it judges no message
            assert service == written[SERVICE[role]]
            continue
        # The shared settings stay; the two lists come on top, read-only from a directory of deploy/.
        assert _env(service) == _env(written[SERVICE[role]]) | REFERENCE_LISTS
        mounts = _mounts(service)
        for path in REFERENCE_LISTS.values():
            directory, name = path.rsplit("/", 1)
            assert (DEPLOY / mounts[directory] / name).is_file()
        assert all(volume.endswith(":ro") for volume in service["volumes"])
