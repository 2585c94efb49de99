"""hub.topics against what creates the topics: the hub at start (Topics.all), compose and Strimzi (deploy/).

Kafka in compose and Strimzi runs without auto-creation: a topic the hub writes to but nobody created fails the
first publish. tests/test_claims_readme.py ties Topics.all to the README's topic table; these tie it to the
events the hub publishes and to the deployment contract the deploy tests check the manifests against.
"""

from __future__ import annotations

from hub.events.models import TOPIC_KIND
from hub.topics import Topics
from tests.deploy.contract import TOPIC_PREFIX, TOPICS


def test_every_event_kind_has_a_topic_the_hub_creates() -> None:
    topics = Topics("t.")
    event_topics = set(topics.all()) - {topics.inbound, topics.retour, topics.dead_letter}
    assert {topics.normalised(kind) for kind in TOPIC_KIND.values()} == event_topics


def test_the_deployments_create_exactly_the_hubs_topics() -> None:
    assert Topics().prefix == TOPIC_PREFIX
    assert sorted(Topics(prefix="").all()) == sorted(TOPICS)
