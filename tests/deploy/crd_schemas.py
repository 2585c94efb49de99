"""JSON schemas for the custom resources in deploy/k8s, written here because no offline package ships them.

Each covers the fields the manifests use, with the names and types of the upstream CRDs (Prometheus Operator
monitoring.coreos.com/v1; Strimzi kafka.strimzi.io/v1, served from Strimzi 0.49 and the only API of 1.0: its
KafkaUser ACLs take `operations` only, the singular `operation` of v1beta2 is gone, and `acls` is required with
`type: simple`); unknown fields are rejected, so a typo fails.
"""

from __future__ import annotations

from typing import Any

# Prometheus Operator's Duration pattern.
DURATION = {
    "type": "string",
    "pattern": r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$",
}
LABELS = {"type": "object", "additionalProperties": {"type": "string"}}
STRIMZI_API = "kafka.strimzi.io/v1"
K8S_NAME = {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", "maxLength": 253}


def _resource(api_version: str, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "additionalProperties": False,
        "properties": {
            "apiVersion": {"const": api_version},
            "kind": {"const": kind},
            "metadata": {
                "type": "object",
                "required": ["name"],
                "additionalProperties": False,
                "properties": {
                    "name": K8S_NAME,
                    "namespace": K8S_NAME,
                    "labels": LABELS,
                    "annotations": LABELS,
                },
            },
            "spec": spec,
        },
    }


_RELABEL = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "sourceLabels": {
            "type": "array",
            "items": {"type": "string", "pattern": r"^[a-zA-Z_][a-zA-Z0-9_]*$"},
        },
        "separator": {"type": "string"},
        "targetLabel": {"type": "string"},
        "regex": {"type": "string"},
        "modulus": {"type": "integer"},
        "replacement": {"type": "string"},
        "action": {
            "enum": [
                "replace",
                "keep",
                "drop",
                "hashmod",
                "labelmap",
                "labeldrop",
                "labelkeep",
                "lowercase",
                "uppercase",
                "keepequal",
                "dropequal",
                "Replace",
                "Keep",
                "Drop",
                "HashMod",
                "LabelMap",
                "LabelDrop",
                "LabelKeep",
                "Lowercase",
                "Uppercase",
                "KeepEqual",
                "DropEqual",
            ]
        },
    },
}

SERVICE_MONITOR = _resource(
    "monitoring.coreos.com/v1",
    "ServiceMonitor",
    {
        "type": "object",
        "required": ["selector", "endpoints"],
        "additionalProperties": False,
        "properties": {
            "jobLabel": {"type": "string"},
            "selector": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"matchLabels": LABELS, "matchExpressions": {"type": "array"}},
            },
            "namespaceSelector": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "any": {"type": "boolean"},
                    "matchNames": {"type": "array", "items": {"type": "string"}},
                },
            },
            "endpoints": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "port": {"type": "string"},
                        "targetPort": {"type": ["string", "integer"]},
                        "path": {"type": "string"},
                        "scheme": {"enum": ["http", "https", "HTTP", "HTTPS"]},
                        "interval": DURATION,
                        "scrapeTimeout": DURATION,
                        "honorLabels": {"type": "boolean"},
                        "relabelings": {"type": "array", "items": _RELABEL},
                        "metricRelabelings": {"type": "array", "items": _RELABEL},
                    },
                },
            },
        },
    },
)

_RULE = {
    "type": "object",
    "required": ["expr"],
    "additionalProperties": False,
    "properties": {
        "record": {"type": "string"},
        "alert": {"type": "string"},
        "expr": {"type": ["string", "integer"], "minLength": 1},
        "for": DURATION,
        "keep_firing_for": DURATION,
        "labels": LABELS,
        "annotations": LABELS,
    },
    "oneOf": [{"required": ["record"]}, {"required": ["alert"]}],
}

PROMETHEUS_RULE = _resource(
    "monitoring.coreos.com/v1",
    "PrometheusRule",
    {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "groups": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name"],
                    "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "interval": DURATION,
                        "query_offset": DURATION,
                        "limit": {"type": "integer"},
                        "rules": {"type": "array", "items": _RULE},
                    },
                },
            }
        },
    },
)

KAFKA_TOPIC = _resource(
    STRIMZI_API,
    "KafkaTopic",
    {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "topicName": {"type": "string"},
            "partitions": {"type": "integer", "minimum": 1},
            "replicas": {"type": "integer", "minimum": 1, "maximum": 32767},
            "config": {
                "type": "object",
                "additionalProperties": {"type": ["string", "integer", "boolean", "number"]},
            },
        },
    },
)

_ACL = {
    "type": "object",
    "required": ["resource", "operations"],
    "additionalProperties": False,
    "properties": {
        "type": {"enum": ["allow", "deny"]},
        "host": {"type": "string"},
        "resource": {
            "type": "object",
            "required": ["type"],
            "additionalProperties": False,
            "properties": {
                "type": {"enum": ["topic", "group", "cluster", "transactionalId"]},
                "name": {"type": "string"},
                "patternType": {"enum": ["literal", "prefix"]},
            },
        },
        "operations": {
            "type": "array",
            "minItems": 1,
            "items": {
                "enum": [
                    "Read",
                    "Write",
                    "Create",
                    "Delete",
                    "Alter",
                    "Describe",
                    "ClusterAction",
                    "AlterConfigs",
                    "DescribeConfigs",
                    "IdempotentWrite",
                    "All",
                ]
            },
        },
    },
}

KAFKA_USER = _resource(
    STRIMZI_API,
    "KafkaUser",
    {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "authentication": {
                "type": "object",
                "required": ["type"],
                "additionalProperties": False,
                "properties": {"type": {"enum": ["tls", "tls-external", "scram-sha-512"]}},
            },
            "authorization": {
                "type": "object",
                "required": ["type", "acls"],
                "additionalProperties": False,
                "properties": {"type": {"const": "simple"}, "acls": {"type": "array", "items": _ACL}},
            },
        },
    },
)

CRD_SCHEMAS: dict[tuple[str, str], dict[str, Any]] = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): SERVICE_MONITOR,
    ("monitoring.coreos.com/v1", "PrometheusRule"): PROMETHEUS_RULE,
    (STRIMZI_API, "KafkaTopic"): KAFKA_TOPIC,
    (STRIMZI_API, "KafkaUser"): KAFKA_USER,
}
