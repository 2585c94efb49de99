"""deploy/k8s: render the kustomize base and overlays offline and validate every manifest.

Built-in kinds are checked against the Kubernetes JSON schemas that kubernetes-validate ships (strict: unknown
fields fail), for the oldest and newest Kubernetes version we claim; custom resources against crd_schemas.py.
Rendering needs `kubectl kustomize` (kubectl ships kustomize) or a `kustomize` binary; nothing touches a cluster.
The production overlay is also rendered as an operator turns on its optional components (components/), in a copy
of deploy/k8s with their lines taken out of the comment.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, cast

import jsonschema
import pytest
import yaml
from kubernetes_validate import utils as kubernetes_validate

from consumers.app import Role, Runtime
from consumers.broker import RECORD_OVERHEAD_BYTES, BrokerSettings
from hub.ijw.parse import DEFAULT_MAX_BYTES
from hub.settings import HubSettings
from hub.topics import Topics
from producers.receive import JUDGES
from tests.deploy.contract import (
    DEPLOY,
    MAX_RECORD_BYTES,
    PARTITIONS,
    ROLE_SECRETS,
    ROLES,
    ROOT,
    SCALABLE_ROLES,
    SECRET_SETTINGS,
    TOPIC_PREFIX,
    TOPICS,
)
from tests.deploy.crd_schemas import CRD_SCHEMAS

K8S = DEPLOY / "k8s"
COMPONENTS = K8S / "components"
# "overlay+component+...": the overlay with these of its commented components turned on (`opted_in_copy`).
OPTED_IN = (
    "overlays/production+referentielijsten",
    "overlays/production+monitoring",
    "overlays/production+referentielijsten+gemeentelijst",
)
APP_TARGETS = ("base", "overlays/dev", "overlays/production", *OPTED_IN)
TARGETS = (*APP_TARGETS, "strimzi")
KUBERNETES_VERSIONS = ("1.29", "1.37")
# Secrets the manifests reference but do not contain: created per cluster (deploy/k8s/README.md).
EXTERNAL_SECRETS = {
    "base": {"ijw-hub"},
    "overlays/dev": set(),
    "overlays/production": {"ijw-hub", "ijw-hub-kafka-user", "my-cluster-cluster-ca-cert", "ijw-hub-db-ca"},
}
NAMESPACES = {
    "overlays/dev": "ijw-hub-dev",
    "overlays/production": "ijw-hub",
    **dict.fromkeys(OPTED_IN, "ijw-hub"),
    "strimzi": "kafka",
}
# The reference lists each setting names, as files of deploy/k8s/components; the roles that judge messages.
LIST_SETTINGS = {
    "HUB_PRODUCTCODES_FILE": "referentielijsten/productcodes.csv",
    "HUB_TARIEVEN_FILE": "referentielijsten/tarieven.csv",
    "HUB_GEMEENTEN_FILE": "gemeentelijst/gemeenten.csv",
}
JUDGING_ROLES = ("intake", "gateway")

Manifest = dict[str, Any]


def _kustomize() -> list[str] | None:
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    return None


KUSTOMIZE = _kustomize()
pytestmark = pytest.mark.skipif(
    KUSTOMIZE is None, reason="neither kubectl (kubectl kustomize) nor kustomize installed"
)


def build(directory: Path) -> tuple[Manifest, ...]:
    assert KUSTOMIZE is not None
    result = subprocess.run(
        [*KUSTOMIZE, str(directory)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def opted_in_copy(root: Path, overlay: str, components: Sequence[str]) -> Path:
    """A copy of deploy/k8s under root, its `overlay` with `components:` and these components' lines taken out of
    the comment, as the overlay tells an operator; returns the copied overlay's directory."""
    shutil.copytree(K8S, root / "k8s")
    kustomization = root / "k8s" / overlay / "kustomization.yaml"
    text = kustomization.read_text(encoding="utf-8")
    for line in ("components:", *(f"  - ../../components/{name}" for name in components)):
        assert text.count(f"\n# {line}\n") == 1, f"{overlay} has no commented line {line!r}"
        text = text.replace(f"\n# {line}\n", f"\n{line}\n")
    kustomization.write_text(text, encoding="utf-8")
    return root / "k8s" / overlay


def components_of(target: str) -> tuple[str, ...]:
    return tuple(target.split("+")[1:])


def overlay_of(target: str) -> str:
    return target.split("+")[0]


@cache
def render(target: str) -> tuple[Manifest, ...]:
    if not components_of(target):
        return build(K8S / target)
    with tempfile.TemporaryDirectory() as root:
        return build(opted_in_copy(Path(root), overlay_of(target), components_of(target)))


def of_kind(manifests: tuple[Manifest, ...], kind: str) -> dict[str, Manifest]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


def deployment(target: str, role: str) -> Manifest:
    return of_kind(render(target), "Deployment")[f"ijw-hub-{role}"]


def hub_config(manifests: tuple[Manifest, ...]) -> Manifest:
    """The ConfigMap ijw-hub-config (its name ends in the generator's hash; the components add ConfigMaps)."""
    (config_map,) = [
        m for name, m in of_kind(manifests, "ConfigMap").items() if name.startswith("ijw-hub-config-")
    ]
    return config_map


def pod_spec(workload: Manifest) -> Manifest:
    spec: Manifest = workload["spec"]["template"]["spec"]
    return spec


def container(workload: Manifest) -> Manifest:
    containers: list[Manifest] = pod_spec(workload)["containers"]
    assert len(containers) == 1
    return containers[0]


def validate(manifest: Manifest, version: str) -> None:
    """Raise when the manifest breaks the schema of its kind."""
    crd = CRD_SCHEMAS.get((manifest["apiVersion"], manifest["kind"]))
    if crd is not None:
        jsonschema.Draft202012Validator(crd).validate(manifest)
    else:
        kubernetes_validate.validate(manifest, version, strict=True)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("target", TARGETS)
def test_every_manifest_validates(target: str, version: str) -> None:
    manifests = render(target)
    assert manifests
    for manifest in manifests:
        try:
            validate(manifest, version)
        except (jsonschema.ValidationError, kubernetes_validate.SchemaNotFoundError) as exc:
            name = f"{manifest['kind']}/{manifest['metadata']['name']}"
            pytest.fail(
                f"{target}: {name} is invalid for Kubernetes {version}: {getattr(exc, 'message', exc)}"
            )


def test_validation_rejects_a_typo_and_a_wrong_type() -> None:
    intake = copy.deepcopy(deployment("base", "intake"))
    container(intake)["livenessprobe"] = container(intake).pop("livenessProbe")
    with pytest.raises(jsonschema.ValidationError, match="livenessprobe"):
        validate(intake, KUBERNETES_VERSIONS[-1])
    intake = copy.deepcopy(deployment("base", "intake"))
    container(intake)["ports"][0]["containerPort"] = "8080"
    with pytest.raises(jsonschema.ValidationError):
        validate(intake, KUBERNETES_VERSIONS[-1])
    monitor = copy.deepcopy(of_kind(render("base"), "ServiceMonitor")["ijw-hub"])
    monitor["spec"]["endpoints"][0]["intervall"] = "30s"
    with pytest.raises(jsonschema.ValidationError, match="intervall"):
        validate(monitor, KUBERNETES_VERSIONS[-1])


def test_strimzi_resources_use_the_v1_api_and_its_acl_schema() -> None:
    """Strimzi 1.0 serves kafka.strimzi.io/v1 only (0.49 to 0.51 both); v1 dropped the ACLs' singular `operation`."""
    manifests = render("strimzi")
    assert {m["apiVersion"] for m in manifests} == {"kafka.strimzi.io/v1"}
    user = copy.deepcopy(of_kind(manifests, "KafkaUser")["ijw-hub"])
    acl = user["spec"]["authorization"]["acls"][0]
    acl["operation"] = acl.pop("operations")[0]
    with pytest.raises(jsonschema.ValidationError):
        validate(user, KUBERNETES_VERSIONS[-1])
    topic = copy.deepcopy(next(iter(of_kind(manifests, "KafkaTopic").values())))
    topic["apiVersion"] = "kafka.strimzi.io/v1beta2"
    with pytest.raises(kubernetes_validate.SchemaNotFoundError):
        validate(topic, KUBERNETES_VERSIONS[-1])


@pytest.mark.parametrize("target", APP_TARGETS)
@pytest.mark.parametrize("role", ROLES)
def test_role_deployment(target: str, role: str) -> None:
    hub = container(deployment(target, role))
    assert hub["args"] == ["run", "--role", role]
    assert {"name": "http", "containerPort": 8080, "protocol": "TCP"} in hub["ports"]
    assert hub["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    # The gateway spools while the broker is away, so the broker does not decide its readiness.
    readyz = "/readyz?skip=broker" if role == "gateway" else "/readyz"
    assert hub["readinessProbe"]["httpGet"] == {"path": readyz, "port": "http"}
    for kind in ("requests", "limits"):
        assert set(hub["resources"][kind]) == {"cpu", "memory"}


MiB = 2**20
QUANTITY_SUFFIXES = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
# docs/operations.md, section 3: a hub process takes about 120 MiB at rest, and judging a message about 15-20 times
# its size on top (measured with a 24.8 MiB JW323: the gateway 480 MiB, two at once 820 MiB, the intake 590 MiB).
BASE_MEMORY = 120 * MiB
MEMORY_PER_MESSAGE_BYTE = 20
# Messages judged at once: the gateway's own pool of judges; the intake judges a poll one message at a time.
JUDGED_AT_ONCE = {"gateway": JUDGES, "intake": 1}


def memory_bytes(quantity: str) -> int:
    """A Kubernetes memory quantity in bytes; the binary suffixes the manifests use, or plain bytes."""
    for suffix, factor in QUANTITY_SUFFIXES.items():
        if quantity.endswith(suffix):
            return int(quantity.removesuffix(suffix)) * factor
    return int(quantity)


@pytest.mark.parametrize("target", APP_TARGETS)
@pytest.mark.parametrize("role", sorted(JUDGED_AT_ONCE))
def test_a_message_at_the_size_limit_fits_in_the_memory_limit(target: str, role: str) -> None:
    """A role that judges messages holds as many of HUB_MAX_MESSAGE_BYTES as it judges at once; below that the
    pod is OOM-killed, and an intake restarts on the record it gets again until it dead-letters it, a valid message
    among them."""
    resources = container(deployment(target, role))["resources"]
    limit = memory_bytes(resources["limits"]["memory"])
    size_limit = int(hub_config(render(target))["data"].get("HUB_MAX_MESSAGE_BYTES", DEFAULT_MAX_BYTES))
    needed = BASE_MEMORY + JUDGED_AT_ONCE[role] * MEMORY_PER_MESSAGE_BYTE * size_limit
    assert limit >= needed, f"{role}: {resources['limits']['memory']} < {needed / MiB:.0f} MiB"
    assert memory_bytes(resources["requests"]["memory"]) <= limit


def test_the_guide_names_the_memory_limits_of_the_manifests() -> None:
    """docs/operations.md, section 3 quotes each role's memory limit."""
    guide = " ".join((ROOT / "docs" / "operations.md").read_text(encoding="utf-8").split())
    sizing = guide[guide.index("## 3. ") : guide.index("## 4. ")]
    for role in ROLES:
        limit = container(deployment("base", role))["resources"]["limits"]["memory"]
        assert f"{role} `{limit}`" in sizing, (role, limit)


def test_the_readme_sizes_an_ingress_for_a_message_at_the_limit() -> None:
    """deploy/k8s/README.md: ingress-nginx's annotations let a body of HUB_MAX_MESSAGE_BYTES through, a little
    more so that the hub answers 413 itself, and wait longer than judging it takes."""
    readme = (K8S / "README.md").read_text(encoding="utf-8")
    body = re.search(r'nginx\.ingress\.kubernetes\.io/proxy-body-size: "(\d+)m"', readme)
    timeout = re.search(r'nginx\.ingress\.kubernetes\.io/proxy-read-timeout: "(\d+)"', readme)
    assert body is not None and timeout is not None
    # nginx's "m" is MiB.
    assert int(body.group(1)) * MiB > DEFAULT_MAX_BYTES
    assert int(timeout.group(1)) >= 60


@pytest.mark.parametrize("target", APP_TARGETS)
def test_pods_are_non_root_with_read_only_root(target: str) -> None:
    workloads = [*of_kind(render(target), "Deployment").values(), *of_kind(render(target), "Job").values()]
    assert len(workloads) == len(ROLES) + 1
    for workload in workloads:
        pod = pod_spec(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        security = container(workload)["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"] == {"drop": ["ALL"]}


@pytest.mark.parametrize("target", APP_TARGETS)
def test_secret_settings_come_from_secrets_only(target: str) -> None:
    for role in ROLES:
        env = {item["name"]: item for item in container(deployment(target, role))["env"]}
        # Each role gets the secrets it uses and no other: the API keys only reach the gateway.
        assert set(env) & set(SECRET_SETTINGS) == set(ROLE_SECRETS[role]), role
        for setting in ROLE_SECRETS[role]:
            assert "value" not in env[setting]
            assert {"name", "key"} <= set(env[setting]["valueFrom"]["secretKeyRef"])
    for config_map in of_kind(render(target), "ConfigMap").values():
        assert not set(config_map["data"]) & set(SECRET_SETTINGS)


def _pods_settings(role: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> HubSettings:
    """The settings of the rendered pod: its ConfigMap, its own values, test values for the secrets it names."""
    hub = container(deployment("base", role))
    secrets = {
        "HUB_PSEUDONYM_KEY": "deploy-test-pseudonym-key-0123456789",
        "HUB_ID_KEY": "deploy-test-message-id-key-0123456789",
        "HUB_API_KEYS": '{"deploy-test-api-key": ["0363"]}',
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.sqlite'}",
    }
    for name in [name for name in os.environ if name.startswith("HUB_")]:
        monkeypatch.delenv(name)
    for name, value in hub_config(render("base"))["data"].items():
        monkeypatch.setenv(name, value)
    for item in hub["env"]:
        if "value" in item:
            monkeypatch.setenv(item["name"], item["value"])
        elif not item["valueFrom"]["secretKeyRef"].get("optional"):
            monkeypatch.setenv(item["name"], secrets[item["name"]])
    return HubSettings()


def _prepare(role: str, settings: HubSettings) -> None:
    # An address nothing listens on: prepare() builds the broker client without connecting.
    broker = BrokerSettings(bootstrap_servers="127.0.0.1:9")
    runtime = Runtime(settings, broker, settings.database_url, roles=(cast(Role, role),), serves_http=True)
    runtime.prepare()
    runtime.engine.dispose()


@pytest.mark.parametrize("role", [role for role in ROLES if "HUB_API_KEYS" not in ROLE_SECRETS[role]])
def test_a_role_without_the_api_keys_prepares_from_its_pods_environment(
    role: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The settings of the rendered pod load and the role's runtime sets up without HUB_API_KEYS."""
    settings = _pods_settings(role, tmp_path, monkeypatch)
    assert settings.api_keys is None
    _prepare(role, settings)


def test_the_gateway_prepares_from_its_pods_environment_without_the_pseudonymisation_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The internet-facing role tags its message ids with HUB_ID_KEY; HUB_PSEUDONYM_KEY never reaches it."""
    settings = _pods_settings("gateway", tmp_path, monkeypatch)
    assert settings.pseudonym_key is None and settings.id_key is not None
    _prepare("gateway", settings)


def _secret_names(workload: Manifest) -> set[str]:
    pod = pod_spec(workload)
    names = {
        item["valueFrom"]["secretKeyRef"]["name"]
        for item in container(workload).get("env", [])
        if "secretKeyRef" in item.get("valueFrom", {})
    }
    return names | {volume["secret"]["secretName"] for volume in pod.get("volumes", []) if "secret" in volume}


def _secret_keys(target: str, secret: str) -> dict[str, bool]:
    """The keys of `secret` the workloads read, each with whether it is optional."""
    workloads = [*of_kind(render(target), "Deployment").values(), *of_kind(render(target), "Job").values()]
    refs = [
        item["valueFrom"]["secretKeyRef"]
        for workload in workloads
        for item in container(workload).get("env", [])
        if "secretKeyRef" in item.get("valueFrom", {})
    ]
    return {ref["key"]: ref.get("optional", False) for ref in refs if ref["name"] == secret}


def test_every_key_of_the_hubs_secret_is_documented_and_the_dev_overlay_makes_it() -> None:
    """deploy/k8s/README.md's table of Secret ijw-hub names each key a pod reads (id-key, for the gateway, too)."""
    readme = (K8S / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `ijw-hub` \| `([a-z-]+)` \|", readme, flags=re.MULTILINE))
    keys = _secret_keys("overlays/production", "ijw-hub")
    assert {"pseudonym-key", "id-key"} <= set(keys) <= documented
    [generated] = of_kind(render("overlays/dev"), "Secret").values()  # named with kustomize's hash suffix
    read = _secret_keys("overlays/dev", generated["metadata"]["name"])
    assert {key for key, optional in read.items() if not optional} <= set(generated["data"])


@pytest.mark.parametrize("target", APP_TARGETS)
def test_references_resolve(target: str) -> None:
    manifests = render(target)
    deployments = of_kind(manifests, "Deployment")
    workloads = [*deployments.values(), *of_kind(manifests, "Job").values()]
    config_maps = set(of_kind(manifests, "ConfigMap"))
    secrets = set(of_kind(manifests, "Secret")) | EXTERNAL_SECRETS[overlay_of(target)]
    for workload in workloads:
        for source in container(workload).get("envFrom", []):
            assert source["configMapRef"]["name"] in config_maps
        assert _secret_names(workload) <= secrets
        assert pod_spec(workload)["serviceAccountName"] in of_kind(manifests, "ServiceAccount")
        mounts = {mount["name"] for mount in container(workload)["volumeMounts"]}
        assert mounts == {volume["name"] for volume in pod_spec(workload)["volumes"]}
        # A generated ConfigMap's hashed name reached the volume that mounts it.
        for volume in pod_spec(workload)["volumes"]:
            if "configMap" in volume:
                assert volume["configMap"]["name"] in config_maps
    pod_labels = [d["spec"]["template"]["metadata"]["labels"] for d in deployments.values()]
    for kind in ("Service", "PodDisruptionBudget"):
        for item in of_kind(manifests, kind).values():
            selector = item["spec"]["selector"]
            selector = selector.get("matchLabels", selector)
            assert sum(selector.items() <= labels.items() for labels in pod_labels) == 1, item["metadata"][
                "name"
            ]


@pytest.mark.parametrize("target", APP_TARGETS)
def test_autoscaling_stays_within_the_partitions(target: str) -> None:
    manifests = render(target)
    partitions = int(hub_config(manifests)["data"]["HUB_KAFKA_PARTITIONS"])
    assert partitions == PARTITIONS
    hpas = of_kind(manifests, "HorizontalPodAutoscaler")
    assert {hpa["spec"]["scaleTargetRef"]["name"] for hpa in hpas.values()} == {
        f"ijw-hub-{r}" for r in SCALABLE_ROLES
    }
    for hpa in hpas.values():
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"]["name"] in of_kind(manifests, "Deployment")
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"] <= partitions
    for role in SCALABLE_ROLES:
        # A fixed replica count would fight the HPA on every apply.
        assert "replicas" not in deployment(target, role)["spec"]
    assert set(of_kind(manifests, "PodDisruptionBudget")) == {f"ijw-hub-{role}" for role in ROLES}


def test_base_autoscaling_and_disruption_budgets_as_the_guide_describes() -> None:
    """docs/operations.md, section 3: CPU 70 % between 2 and 6 replicas, scaling down after 5 minutes one pod a
    minute; one pod per role may go at a time."""
    manifests = render("base")
    for hpa in of_kind(manifests, "HorizontalPodAutoscaler").values():
        spec = hpa["spec"]
        assert (spec["minReplicas"], spec["maxReplicas"]) == (2, PARTITIONS)
        [metric] = spec["metrics"]
        assert (
            metric["resource"]["name"] == "cpu" and metric["resource"]["target"]["averageUtilization"] == 70
        )
        down = spec["behavior"]["scaleDown"]
        assert down["stabilizationWindowSeconds"] == 300
        assert down["policies"] == [{"type": "Pods", "value": 1, "periodSeconds": 60}]
    for pdb in of_kind(manifests, "PodDisruptionBudget").values():
        assert pdb["spec"]["maxUnavailable"] == 1


# docs/operations.md, section 8: terminationGracePeriodSeconds per role; the gateway's covers its preStop pause and
# HUB_SHUTDOWN_GRACE_SECONDS twice (its open requests, then its spool).
TERMINATION_GRACE = {"intake": 30, "processors": 30, "gateway": 60}
SHUTDOWN_STEPS = {"intake": 1, "processors": 1, "gateway": 2}


def pre_stop_seconds(workload: Manifest) -> int:
    """How long the container's preStop hook keeps it serving: an exec `sleep N`, or none."""
    hook = container(workload).get("lifecycle", {}).get("preStop")
    if hook is None:
        return 0
    command = hook["exec"]["command"]
    assert command[0] == "sleep" and len(command) == 2, command
    return int(command[1])


@pytest.mark.parametrize("target", APP_TARGETS)
@pytest.mark.parametrize("role", ROLES)
def test_pods_get_longer_to_stop_than_the_hubs_grace_period(target: str, role: str) -> None:
    """docs/operations.md, section 8: the pod's grace period covers its preStop pause and the hub's own shutdown
    (HUB_SHUTDOWN_GRACE_SECONDS per step), with room to spare."""
    workload = deployment(target, role)
    grace = pod_spec(workload)["terminationGracePeriodSeconds"]
    shutdown = SHUTDOWN_STEPS[role] * float(hub_config(render(target))["data"]["HUB_SHUTDOWN_GRACE_SECONDS"])
    assert grace == TERMINATION_GRACE[role]
    assert grace > pre_stop_seconds(workload) + shutdown


@pytest.mark.parametrize("target", APP_TARGETS)
def test_the_gateway_serves_on_until_its_endpoints_are_gone(target: str) -> None:
    """A gateway pod pauses before SIGTERM, so senders meet no refused connection while the endpoints update; the
    pause is an exec of the base image's `sleep` (the native sleep action needs Kubernetes 1.30, we claim 1.29)."""
    gateway = deployment(target, "gateway")
    assert pre_stop_seconds(gateway) >= 5
    runtime_base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert runtime_base is not None
    # The official Debian-based Python images have coreutils' sleep; alpine's busybox too, distroless none.
    assert runtime_base.group(1).startswith("python:") and "distroless" not in runtime_base.group(1)
    assert tuple(map(int, KUBERNETES_VERSIONS[0].split("."))) < (1, 30)
    for role in SCALABLE_ROLES:  # consumers leave no endpoints that senders use
        assert pre_stop_seconds(deployment(target, role)) == 0


def test_the_guide_quotes_the_grace_periods() -> None:
    guide = " ".join((ROOT / "docs" / "operations.md").read_text(encoding="utf-8").split())
    lifecycle = guide[guide.index("## 8. ") : guide.index("## 9. ")]
    gateway = deployment("base", "gateway")
    assert f"`terminationGracePeriodSeconds: {TERMINATION_GRACE['intake']}`" in lifecycle
    assert f"gateway's is {TERMINATION_GRACE['gateway']}" in lifecycle
    assert f"pauses {pre_stop_seconds(gateway)} s" in lifecycle


@pytest.mark.parametrize("target", APP_TARGETS)
def test_service_monitor_scrapes_every_role(target: str) -> None:
    manifests = render(target)
    monitor = of_kind(manifests, "ServiceMonitor")["ijw-hub"]
    selector = monitor["spec"]["selector"]["matchLabels"]
    selected = [
        s
        for s in of_kind(manifests, "Service").values()
        if selector.items() <= s["metadata"]["labels"].items()
    ]
    assert {s["metadata"]["name"] for s in selected} == {f"ijw-hub-{role}" for role in ROLES}
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["path"] == "/metrics"
    # deploy/prometheus's alerts select job="hub-<role>", the compose service names.
    (job,) = [r for r in endpoint["relabelings"] if r["targetLabel"] == "job"]
    assert job["sourceLabels"] == ["__meta_kubernetes_service_label_app_kubernetes_io_component"]
    assert job["replacement"] == "hub-$1"
    assert all(endpoint["port"] in {p["name"] for p in s["spec"]["ports"]} for s in selected)


@pytest.mark.parametrize("target", APP_TARGETS)
def test_the_processors_share_a_copy_of_the_domain_metrics_younger_than_a_scrape_interval(
    target: str,
) -> None:
    """docs/operations.md, section 3: HUB_DOMAIN_METRICS_MAX_AGE_SECONDS 20, below the ServiceMonitor's 30 s."""
    manifests = render(target)
    max_age = float(hub_config(manifests)["data"]["HUB_DOMAIN_METRICS_MAX_AGE_SECONDS"])
    (endpoint,) = of_kind(manifests, "ServiceMonitor")["ijw-hub"]["spec"]["endpoints"]
    assert max_age == 20 and max_age < float(endpoint["interval"].removesuffix("s"))
    assert "ijw-hub-config" in str(container(deployment(target, "processors"))["envFrom"])


@pytest.mark.parametrize("target", APP_TARGETS)
def test_db_upgrade_job(target: str) -> None:
    job = of_kind(render(target), "Job")["ijw-hub-db-upgrade"]
    hub = container(job)
    assert hub["args"] == ["db", "upgrade"]
    assert pod_spec(job)["restartPolicy"] == "Never"
    # Only what `hub db upgrade` reads: the database URL, from the Secret. Not the hashed ConfigMap: a settings
    # change would alter the Job's immutable pod template, and an Argo CD PreSync hook runs before it exists.
    assert "envFrom" not in hub
    env = {item["name"]: item for item in hub["env"]}
    assert set(env) == {"HUB_DATABASE_URL"}
    assert "secretKeyRef" in env["HUB_DATABASE_URL"]["valueFrom"]
    assert hub_config(render(target))["data"]["HUB_MIGRATE_ON_START"] == "false"


def test_db_upgrade_needs_nothing_but_the_database_url(tmp_path: Path) -> None:
    """The Job's environment as its pod has it (the image sets no other HUB_ variable that matters here) is
    enough for `hub db upgrade`."""
    job = of_kind(render("base"), "Job")["ijw-hub-db-upgrade"]
    env = {item["name"]: f"sqlite:///{tmp_path / 'hub.sqlite'}" for item in container(job)["env"]}
    result = subprocess.run(
        [sys.executable, "-m", "hub", *container(job)["args"]],
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "database is at the newest revision"


def test_a_settings_change_rolls_the_roles_but_leaves_the_job_alone(tmp_path: Path) -> None:
    """A changed ConfigMap is a new hashed name in the Deployments' pod templates (they roll); the Job's template
    stays as it was, so `kubectl apply` does not meet its immutability."""
    before = render("overlays/production")
    shutil.copytree(K8S, tmp_path / "k8s")
    kustomization = tmp_path / "k8s" / "overlays" / "production" / "kustomization.yaml"
    text = kustomization.read_text(encoding="utf-8")
    assert text.count("      - HUB_LOG_FORMAT=json\n") == 1
    kustomization.write_text(text.replace("      - HUB_LOG_FORMAT=json\n", "      - HUB_LOG_FORMAT=text\n"))
    after = build(kustomization.parent)
    for name, workload in of_kind(before, "Deployment").items():
        assert of_kind(after, "Deployment")[name]["spec"]["template"] != workload["spec"]["template"], name
    job = "ijw-hub-db-upgrade"
    assert of_kind(after, "Job")[job]["spec"]["template"] == of_kind(before, "Job")[job]["spec"]["template"]


@pytest.mark.parametrize("target", sorted(NAMESPACES))
def test_overlays_set_their_namespace(target: str) -> None:
    namespace = NAMESPACES[target]
    for manifest in render(target):
        if manifest["kind"] == "Namespace":
            assert manifest["metadata"]["name"] == namespace
            assert manifest["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
        else:
            assert manifest["metadata"]["namespace"] == namespace


def test_production_uses_strimzi_over_sasl_ssl() -> None:
    manifests = render("overlays/production")
    (config_map,) = of_kind(manifests, "ConfigMap").values()
    data = config_map["data"]
    assert data["HUB_KAFKA_BOOTSTRAP_SERVERS"] == "my-cluster-kafka-bootstrap.kafka:9093"
    assert data["HUB_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert data["HUB_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert int(data["HUB_KAFKA_REPLICATION_FACTOR"]) == 3
    assert data["HUB_KAFKA_ENABLE_IDEMPOTENCE"] == "true"
    for role in ROLES:
        workload = deployment("overlays/production", role)
        env = {item["name"]: item for item in container(workload)["env"]}
        password = env["HUB_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert password == {"name": "ijw-hub-kafka-user", "key": "password", "optional": False}
        # The CA file the hub is told about is in a volume mounted from the Strimzi cluster CA secret.
        mounts = {m["name"]: m["mountPath"] for m in container(workload)["volumeMounts"]}
        volumes = {v["name"]: v for v in pod_spec(workload)["volumes"]}
        ca = volumes["kafka-ca"]["secret"]
        assert ca["secretName"] == "my-cluster-cluster-ca-cert"
        assert f"{mounts['kafka-ca']}/{ca['items'][0]['path']}" == data["HUB_KAFKA_SSL_CAFILE"]
        assert "postgres-ca" in mounts
    assert (
        of_kind(manifests, "ServiceMonitor")["ijw-hub"]["metadata"]["labels"]["release"]
        == "kube-prometheus-stack"
    )
    assert "postgres-ca" in {
        v["name"] for v in pod_spec(of_kind(manifests, "Job")["ijw-hub-db-upgrade"])["volumes"]
    }


def test_base_uses_plaintext_and_optional_sasl_password() -> None:
    (config_map,) = of_kind(render("base"), "ConfigMap").values()
    assert config_map["data"]["HUB_KAFKA_SECURITY_PROTOCOL"] == "PLAINTEXT"
    # A message of HUB_MAX_MESSAGE_BYTES fits in a record; the Strimzi topics take as much.
    assert config_map["data"]["HUB_KAFKA_PRODUCER_MAX_REQUEST_BYTES"] == str(MAX_RECORD_BYTES)
    assert MAX_RECORD_BYTES - RECORD_OVERHEAD_BYTES >= DEFAULT_MAX_BYTES
    env = {item["name"]: item for item in container(deployment("base", "intake"))["env"]}
    assert env["HUB_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]["optional"] is True


def test_strimzi_topics_match_the_hub() -> None:
    manifests = render("strimzi")
    topics = {t["spec"]["topicName"]: t["spec"] for t in of_kind(manifests, "KafkaTopic").values()}
    assert set(topics) == {TOPIC_PREFIX + name for name in TOPICS}
    for name, spec in topics.items():
        assert spec["replicas"] == 3 and spec["config"]["min.insync.replicas"] == 2, name
        assert spec["config"]["max.message.bytes"] == MAX_RECORD_BYTES, name
        expected = 1 if name.endswith("dead-letter") else PARTITIONS
        assert spec["partitions"] == expected, name
    # docs/operations.md, section 2: the raw topic long enough to replay a restore (14 days), retours 7 days,
    # the event topics 90 days, dead letters 30 days. The broker's default (7 days) is too short for the raw topic.
    day = 24 * 3600 * 1000
    retention = {name: spec["config"]["retention.ms"] for name, spec in topics.items()}
    assert retention.pop(TOPIC_PREFIX + "berichten.inkomend") == 14 * day
    assert retention.pop(TOPIC_PREFIX + "retourberichten") == 7 * day
    assert retention.pop(TOPIC_PREFIX + "dead-letter") == 30 * day
    assert set(retention.values()) == {90 * day}
    user = of_kind(manifests, "KafkaUser")["ijw-hub"]
    assert user["spec"]["authentication"]["type"] == "scram-sha-512"
    topic_acls = [acl for acl in user["spec"]["authorization"]["acls"] if acl["resource"]["type"] == "topic"]
    assert [acl["resource"]["name"] for acl in topic_acls] == [TOPIC_PREFIX]
    # The consumer groups follow the topic prefix (hub.topics.Topics.groups): the group ACL must cover them.
    [group_acl] = [acl for acl in user["spec"]["authorization"]["acls"] if acl["resource"]["type"] == "group"]
    assert group_acl["resource"]["patternType"] == "prefix"
    assert all(g.startswith(group_acl["resource"]["name"]) for g in Topics(TOPIC_PREFIX).groups.all())


def config_map_files(workload: Manifest, manifests: tuple[Manifest, ...]) -> dict[str, str]:
    """Every file the workload's ConfigMap volumes put in its container, by path, with its content."""
    config_maps = of_kind(manifests, "ConfigMap")
    sources = {v["name"]: v["configMap"] for v in pod_spec(workload)["volumes"] if "configMap" in v}
    files: dict[str, str] = {}
    for mount in container(workload)["volumeMounts"]:
        source = sources.get(mount["name"])
        if source is None:
            continue
        # Read-only, and the whole directory: a subPath mount would keep a pod's first version of the file.
        assert mount["readOnly"] is True and "subPath" not in mount
        data: dict[str, str] = config_maps[source["name"]]["data"]
        for item in source.get("items") or [{"key": key, "path": key} for key in data]:
            files[f"{mount['mountPath']}/{item['path']}"] = data[item["key"]]
    return files


def lists_for(role: str, components: Sequence[str]) -> set[str]:
    """The list settings a role gets: product codes and tariffs where messages are judged, the gemeente list
    everywhere (the processors label their metrics by its jeugdregio's)."""
    settings = set()
    if "referentielijsten" in components and role in JUDGING_ROLES:
        settings |= {"HUB_PRODUCTCODES_FILE", "HUB_TARIEVEN_FILE"}
    if "gemeentelijst" in components:
        settings.add("HUB_GEMEENTEN_FILE")
    return settings


@pytest.mark.parametrize("target", APP_TARGETS)
@pytest.mark.parametrize("role", ROLES)
def test_list_settings_name_the_files_mounted_from_the_components(target: str, role: str) -> None:
    """Each list setting is the path of a file mounted from the component's ConfigMap, holding the component's
    list; the processors get no product codes or tariffs, and without a component no role gets its list."""
    manifests = render(target)
    workload = deployment(target, role)
    env = {item["name"]: item for item in container(workload)["env"]}
    expected = lists_for(role, components_of(target))
    assert set(env) & set(LIST_SETTINGS) == expected
    files = config_map_files(workload, manifests)
    assert set(files) == {env[setting]["value"] for setting in expected}
    for setting in expected:
        # As written, line ends included (the shipped gemeente list has CRLF).
        assert files[env[setting]["value"]] == (COMPONENTS / LIST_SETTINGS[setting]).read_bytes().decode()
    # Not through ijw-hub-config either: its envFrom reaches every role.
    assert not set(hub_config(manifests)["data"]) & set(LIST_SETTINGS)
    job = of_kind(manifests, "Job")["ijw-hub-db-upgrade"]
    assert not config_map_files(job, manifests)
    assert not {item["name"] for item in container(job)["env"]} & set(LIST_SETTINGS)


# The volume types the restricted Pod Security Standard allows.
RESTRICTED_VOLUME_TYPES = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
}  # fmt: skip


@pytest.mark.parametrize("target", APP_TARGETS)
def test_volumes_meet_the_restricted_standard_and_the_hubs_user_reads_them(target: str) -> None:
    manifests = render(target)
    for workload in [*of_kind(manifests, "Deployment").values(), *of_kind(manifests, "Job").values()]:
        pod = pod_spec(workload)
        mounts = {mount["name"]: mount for mount in container(workload)["volumeMounts"]}
        for volume in pod["volumes"]:
            (kind,) = set(volume) - {"name"}
            assert kind in RESTRICTED_VOLUME_TYPES, volume["name"]
            if kind in ("configMap", "secret"):
                # The kubelet writes these files owned by root, group fsGroup: the hub (uid 10001) reads them as
                # "other", or by the group when the pod sets an fsGroup.
                mode = volume[kind].get("defaultMode", 0o644)
                assert mode & 0o004 or (mode & 0o040 and "fsGroup" in pod["securityContext"]), volume["name"]
                assert mounts[volume["name"]]["readOnly"] is True


@pytest.mark.parametrize(
    ("components", "changed", "row", "rolled"),
    [
        (("referentielijsten",), "referentielijsten/tarieven.csv", "45A55,7000,04,,,,,\n", JUDGING_ROLES),
        (
            ("referentielijsten", "gemeentelijst"),
            "gemeentelijst/gemeenten.csv",
            "1999,Nieuwe Gemeente,Gelderland,Noord Veluwe\n",
            ROLES,
        ),
    ],
)
def test_a_changed_list_rolls_the_roles_that_read_it_and_no_other(
    tmp_path: Path, components: tuple[str, ...], changed: str, row: str, rolled: tuple[str, ...]
) -> None:
    """The generator's hash suffix: another list is another ConfigMap name in the pod template, so the Deployment
    rolls and its new pods read the list at start (the hub reads it only then)."""
    before = render("+".join(("overlays/production", *components)))
    overlay = opted_in_copy(tmp_path, "overlays/production", components)
    with (tmp_path / "k8s" / "components" / changed).open("a", encoding="utf-8") as f:
        f.write(row)
    after = build(overlay)
    for kind in ("Deployment", "Job"):
        for name, workload in of_kind(before, kind).items():
            template = of_kind(after, kind)[name]["spec"]["template"]
            rolls = name in {f"ijw-hub-{role}" for role in rolled}
            assert (template != workload["spec"]["template"]) == rolls, name
