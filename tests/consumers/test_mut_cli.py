"""The wiring of the transport commands (consumers/cli.py) that users and scripts rely on, without a broker.

Pinned after a mutation pass: what `hub demo`, `hub run`, `hub process`, `hub ingest` and `hub simulate` hand to
the parts that do the work (defaults, flags), what they print, and their exit statuses. The parts themselves are
replaced by fakes here; the end-to-end tests (tests/test_demo.py, tests/consumers/test_process_reread.py,
tests/producers/test_ingest_reread.py) run them for real.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError
from typer.testing import CliRunner, Result

import consumers.broker
import consumers.cli
import consumers.demo
import consumers.process
import consumers.serve
import hub.heap
import hub.logs
import hub.synth.simulate
import producers.ingest
from consumers.cli import app, post_simulated
from hub.configuration import mask_url
from hub.errors import ConfigError, InputError
from hub.settings import HubSettings
from hub.synth.berichten import spec
from hub.synth.build import to_xml
from hub.synth.simulate import SimConfig
from producers.ingest import Sent

runner = CliRunner()
KEY = {"HUB_PSEUDONYM_KEY": "k" * 32}


@pytest.fixture(autouse=True)
def logging_set_up(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The (format, level) each command set its logging to; neither logging set-up nor a frozen heap in the test
    process itself."""
    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(hub.logs, "configure", lambda *args: calls.append(args))
    monkeypatch.setattr(hub.heap, "settle", lambda: None)
    return calls


def ended(result: Result) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of a command that ended on purpose, not by an exception of what followed."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def message(tmp_path: Path) -> Path:
    path = tmp_path / "jw301.xml"
    path.write_bytes(to_xml("JW301", spec("JW301")))
    return path


# ---- hub demo -----------------------------------------------------------------------------------------------


def test_demo_hands_its_defaults_and_options_to_the_demo(
    monkeypatch: pytest.MonkeyPatch, logging_set_up: list[tuple[str, str]]
) -> None:
    seen: list[dict[str, Any]] = []

    async def run_demo(**kwargs: Any) -> int:
        seen.append(kwargs)
        return 0

    monkeypatch.setattr(consumers.demo, "run_demo", run_demo)
    assert runner.invoke(app, ["demo"], env={"HUB_LOG_FORMAT": "json"}).exit_code == 0
    assert logging_set_up == [("text", "WARNING")]  # the live summary is not drowned in log lines
    options = [
        "--seed",
        "7",
        "--port",
        "9000",
        "--speed",
        "5",
        "--duration",
        "3",
        "--no-live",
        "--error-rate",
        "0.5",
    ]
    assert runner.invoke(app, ["demo", *options]).exit_code == 0
    assert seen == [
        {"seed": 1, "port": 8080, "speed": 2.0, "duration": None, "live_ui": True, "error_rate": 0.02},
        {"seed": 7, "port": 9000, "speed": 5.0, "duration": 3.0, "live_ui": False, "error_rate": 0.5},
    ]


def test_demo_ends_with_the_status_the_demo_returns(monkeypatch: pytest.MonkeyPatch) -> None:
    async def run_demo(**_: Any) -> int:
        return 3  # its embedded broker died: the runtime logged why

    monkeypatch.setattr(consumers.demo, "run_demo", run_demo)
    assert runner.invoke(app, ["demo"]).exit_code == 3


def test_demo_ends_quietly_on_ctrl_c(monkeypatch: pytest.MonkeyPatch) -> None:
    async def run_demo(**_: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(consumers.demo, "run_demo", run_demo)
    result = runner.invoke(app, ["demo"])
    assert ended(result) == (0, "", "")


# ---- hub process --------------------------------------------------------------------------------------------


def _pipeline(
    monkeypatch: pytest.MonkeyPatch, outcome: dict[str, int] | BaseException
) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    async def process(paths: list[Path], **kwargs: Any) -> dict[str, int]:
        seen.append({"paths": paths, **kwargs})
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    monkeypatch.setattr(consumers.process, "process", process)
    return seen


def test_process_hands_its_options_over_and_sums_up_the_outcomes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen = _pipeline(monkeypatch, {"rejected": 2, "accepted": 3, "malformed": 1})
    args = [
        "--metrics-out",
        str(tmp_path / "m.txt"),
        "--retour-out",
        str(tmp_path / "r"),
        "--as-of",
        "2026-11-23",
    ]
    result = runner.invoke(app, ["process", str(tmp_path), *args, "--database", "sqlite:///x.sqlite"])
    assert result.exit_code == 0
    assert (result.stdout, result.stderr) == (
        "",
        "processed 6 messages: 3 accepted, 1 malformed, 2 rejected\n",
    )
    [call] = seen
    assert call["paths"] == [tmp_path] and call["database"] == "sqlite:///x.sqlite"
    assert (call["metrics_out"], call["retour_out"]) == (tmp_path / "m.txt", tmp_path / "r")
    assert str(call["as_of"]) == "2026-11-23"
    seen = _pipeline(monkeypatch, {})
    assert runner.invoke(app, ["process", str(tmp_path)]).stderr == "processed 0 messages: none\n"
    assert (seen[0]["metrics_out"], seen[0]["retour_out"], seen[0]["as_of"], seen[0]["database"]) == (
        None,
    ) * 4


@pytest.mark.parametrize(
    ("raised", "status", "said"),
    [
        (ConfigError("HUB_X is wrong"), 2, "error: HUB_X is wrong\n"),
        (InputError("cannot read x"), 2, "error: cannot read x\n"),
        (TimeoutError("stuck"), 1, "error: the pipeline failed: TimeoutError: stuck\n"),
    ],
)
def test_process_ends_a_failure_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, raised: Exception, status: int, said: str
) -> None:
    _pipeline(monkeypatch, raised)
    result = runner.invoke(app, ["process", str(tmp_path)])
    assert ended(result) == (status, "", said)


def test_process_refuses_outputs_it_could_not_write_before_anything_runs(tmp_path: Path) -> None:
    """An outbox it cannot write would be retried until the timeout, as `hub run`'s is through an outage."""
    (tmp_path / "bestand").write_text("x")
    with pytest.raises(InputError, match=r"^--retour-out: cannot write to .*: Not a directory$"):
        consumers.process.usable_outputs(None, tmp_path / "bestand" / "retouren")
    with pytest.raises(InputError, match=r"^--metrics-out: cannot write .*: is a directory$"):
        consumers.process.usable_outputs(tmp_path, None)
    consumers.process.usable_outputs(tmp_path / "m" / "metrics.txt", tmp_path / "r")
    assert (tmp_path / "r").is_dir() and list((tmp_path / "r").iterdir()) == []  # the probe file is gone
    assert (tmp_path / "m").is_dir() and not (tmp_path / "m" / "metrics.txt").exists()


@pytest.mark.parametrize(
    ("option", "value"), [("--port", "99999"), ("--error-rate", "2"), ("--speed", "-1"), ("--speed", "0")]
)
def test_demo_refuses_an_option_out_of_range_as_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, option: str, value: str
) -> None:
    monkeypatch.setattr(consumers.demo, "run_demo", _not_called)
    result = runner.invoke(app, ["demo", option, value])
    assert result.exit_code == 2 and "internal error" not in result.output
    assert f"Invalid value for '{option}'" in result.output


async def _not_called(**_: Any) -> None:
    raise AssertionError("the demo must not start")


# ---- hub ingest ---------------------------------------------------------------------------------------------


def test_ingest_to_a_kafka_broker_it_cannot_reach_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, message: Path
) -> None:
    class Broker:
        async def connect(self) -> None:
            raise KafkaConnectionError("Unable to bootstrap from [('127.0.0.1', 9)]")

        async def stop(self) -> None:
            pass

    monkeypatch.setattr(consumers.broker, "make_broker", lambda settings: Broker())
    env = {"HUB_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9"}
    result = runner.invoke(app, ["ingest", str(message), "--to", "kafka"], env=env)
    assert ended(result) == (
        1,
        "",
        "error: cannot reach the Kafka broker at 127.0.0.1:9: "
        "KafkaConnectionError: Unable to bootstrap from [('127.0.0.1', 9)]\n",
    )


def test_ingest_prints_a_line_per_file_and_fails_when_one_was_not_taken(
    monkeypatch: pytest.MonkeyPatch, message: Path
) -> None:
    answers = [
        [Sent(message, 202, "id-1")],
        [Sent(message, 202, "id-1"), Sent(message, 422, "not XSD-valid")],
    ]
    calls: list[tuple[str, str | None]] = []

    def send_http(inputs: list[Any], url: str, api_key: str | None) -> list[Sent]:
        calls.append((url, api_key))
        return answers[len(calls) - 1]

    monkeypatch.setattr(producers.ingest, "send_http", send_http)
    first = runner.invoke(app, ["ingest", str(message), "--to", "http://hub.test", "--api-key", "geheim"])
    assert (first.exit_code, first.stdout) == (0, f"202\t{message}\tid-1\n")
    second = runner.invoke(
        app, ["ingest", str(message), "--to", "http://hub.test"], env={"HUB_INGEST_API_KEY": "k2"}
    )
    assert second.exit_code == 1
    assert second.stdout.splitlines() == [f"202\t{message}\tid-1", f"422\t{message}\tnot XSD-valid"]
    assert calls == [("http://hub.test", "geheim"), ("http://hub.test", "k2")]


def test_ingest_that_cannot_reach_the_hub_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, message: Path
) -> None:
    def send_http(*_: Any) -> list[Sent]:
        raise ConnectionRefusedError("refused")

    monkeypatch.setattr(producers.ingest, "send_http", send_http)
    result = runner.invoke(app, ["ingest", str(message), "--to", "http://hub.test"])
    assert ended(result) == (
        1,
        "",
        "error: cannot send to http://hub.test: ConnectionRefusedError: refused\n",
    )


def test_ingest_to_kafka_needs_a_configured_broker(message: Path) -> None:
    result = runner.invoke(
        app, ["ingest", str(message), "--to", "kafka"], env={"HUB_KAFKA_BOOTSTRAP_SERVERS": ""}
    )
    assert ended(result) == (
        2,
        "",
        "error: --to kafka needs HUB_KAFKA_BOOTSTRAP_SERVERS\n",
    )


def test_ingest_to_kafka_publishes_on_the_inbound_topic_and_stops_the_broker(
    monkeypatch: pytest.MonkeyPatch, message: Path
) -> None:
    events: list[Any] = []

    class Broker:
        async def connect(self) -> None:
            events.append("connect")

        async def publish(self, *_: Any, **__: Any) -> None:
            raise AssertionError("send_kafka is faked")

        async def stop(self) -> None:
            events.append("stop")

    async def send_kafka(inputs: list[Any], publish: Any, topic: str, *, largest: int) -> list[Sent]:
        events.append((topic, largest))
        return [Sent(i.path, "kafka", "offset 0") for i in inputs]

    monkeypatch.setattr(consumers.broker, "make_broker", lambda settings: Broker())
    monkeypatch.setattr(producers.ingest, "send_kafka", send_kafka)
    env = {"HUB_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9", "HUB_KAFKA_TOPIC_PREFIX": "test."}
    result = runner.invoke(app, ["ingest", str(message), "--to", "kafka"], env=env)
    assert (result.exit_code, result.stdout) == (0, f"kafka\t{message}\toffset 0\n")
    largest = consumers.broker.largest_record(
        consumers.broker.BrokerSettings(bootstrap_servers="127.0.0.1:9")
    )
    assert events == ["connect", ("test.berichten.inkomend", largest), "stop"]


# ---- hub run ------------------------------------------------------------------------------------------------


def test_run_refuses_an_unknown_role(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _service(monkeypatch, embedded=True)  # had it gone on, nothing would have served
    result = runner.invoke(app, ["run", "--role", "everything"], env=KEY)
    assert ended(result) == (
        2,
        "",
        "error: --role must be one of all, intake, processors, gateway\n",
    )
    assert seen == []


def _service(
    monkeypatch: pytest.MonkeyPatch,
    *,
    embedded: bool,
    fail: Exception | None = None,
    serve_fails: Exception | None = None,
) -> list[Any]:
    seen: list[Any] = []

    def build_service(settings: Any, broker_settings: Any, roles: tuple[str, ...], *, on_started: Any) -> Any:
        seen.append((settings, roles))
        if fail is not None:
            raise fail
        runtime = SimpleNamespace(
            bootstrap="127.0.0.1:9092", embedded=embedded, has=lambda role: "all" in roles or role in roles
        )
        service = SimpleNamespace(runtime=runtime)
        on_started(service)
        return service

    def serve(service: Any, settings: Any, sock: socket.socket) -> None:
        seen.append("served")
        if serve_fails is not None:
            raise serve_fails

    monkeypatch.setattr(consumers.serve, "build_service", build_service)
    monkeypatch.setattr(
        consumers.serve, "listen", lambda settings: socket.socket()
    )  # not bound: no port taken
    monkeypatch.setattr(consumers.serve, "serve", serve)
    return seen


def test_run_prints_what_it_serves_once_started(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _service(monkeypatch, embedded=True)
    env = {**KEY, "HUB_DATABASE_URL": "postgresql+psycopg://hub:geheim@db:5432/hub"}
    result = runner.invoke(app, ["run"], env=env)  # --role all is the default
    assert result.exit_code == 0 and result.stdout == ""
    settings = HubSettings()
    base = f"http://{settings.http_host}:{settings.http_port}"
    assert result.stderr.splitlines() == [
        "ijw-hub all is running",
        "  broker   127.0.0.1:9092 (embedded Tansu)",
        f"  database {mask_url(env['HUB_DATABASE_URL'])}",
        f"  gateway  {base}/berichten   (API docs: {base}/docs)",
        f"  metrics  {base}/metrics",
        f"  health   {base}/healthz  {base}/readyz",
    ]
    assert "geheim" not in result.stderr
    assert seen[0][1] == ("all",) and seen[0][0].demo is False and seen[1] == "served"


def test_run_of_a_role_without_gateway_names_no_gateway(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _service(monkeypatch, embedded=False)
    result = runner.invoke(app, ["run", "--role", "intake", "--demo"], env=KEY)
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert lines[:2] == ["ijw-hub intake is running", "  broker   127.0.0.1:9092"]
    assert not any(line.startswith("  gateway") for line in lines) and len(lines) == 5
    assert seen[0][1] == ("intake",) and seen[0][0].demo is True  # --demo: a throwaway key is allowed


def test_run_of_the_gateway_alone_names_the_gateway(monkeypatch: pytest.MonkeyPatch) -> None:
    _service(monkeypatch, embedded=False)
    result = runner.invoke(app, ["run", "--role", "gateway"], env=KEY)
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.stderr.splitlines()[1:]] == [
        "broker",
        "database",
        "gateway",
        "metrics",
        "health",
    ]


def test_run_logs_as_the_settings_say_the_batch_commands_warnings_only(
    monkeypatch: pytest.MonkeyPatch, logging_set_up: list[tuple[str, str]], tmp_path: Path
) -> None:
    _service(monkeypatch, embedded=False)
    _pipeline(monkeypatch, {})
    env = {**KEY, "HUB_LOG_FORMAT": "json", "HUB_LOG_LEVEL": "debug"}
    assert runner.invoke(app, ["run"], env=env).exit_code == 0
    assert runner.invoke(app, ["process", str(tmp_path)], env=env).exit_code == 0
    assert logging_set_up == [("json", "DEBUG"), ("json", "WARNING")]


def test_run_on_a_port_it_cannot_take_says_so_in_one_line_before_anything_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    listen = consumers.serve.listen
    seen = _service(monkeypatch, embedded=True)
    monkeypatch.setattr(consumers.serve, "listen", listen)  # the real one: the port below is in use
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["run"], env={**KEY, "HUB_HTTP_PORT": str(port)})
    assert ended(result) == (
        2,
        "",
        f"error: cannot listen on 127.0.0.1:{port} (HUB_HTTP_HOST, HUB_HTTP_PORT): Address already in use\n",
    )
    assert seen == []  # refused before the database was migrated or a broker started


def test_run_whose_start_fails_says_why_in_one_line_with_status_3(monkeypatch: pytest.MonkeyPatch) -> None:
    failed = consumers.serve.StartFailed(
        "cannot reach the Kafka broker at k:9092: KafkaConnectionError: Unable"
    )
    _service(monkeypatch, embedded=False, serve_fails=failed)
    result = runner.invoke(app, ["run"], env=KEY)
    assert ended(result)[0] == 3
    assert result.stderr.splitlines()[-1] == f"error: the hub did not start: {failed}"
    assert "Traceback" not in result.output


def test_run_that_cannot_be_built_is_a_usage_error_of_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _service(monkeypatch, embedded=True, fail=ConfigError("HUB_PSEUDONYM_KEY is not set"))
    result = runner.invoke(app, ["run", "--role", "gateway"], env=KEY)
    assert ended(result) == (
        2,
        "",
        "error: HUB_PSEUDONYM_KEY is not set\n",
    )
    assert "served" not in seen


# ---- hub simulate -------------------------------------------------------------------------------------------

SIMULATE = ["simulate", "--seed", "5", "--regio", "Noord Veluwe", "--aanbieders", "3", "--clienten", "15",
            "--start", "2026-09-01", "--tot", "2026-11-20"]  # fmt: skip


def test_simulate_to_a_directory_says_what_it_wrote(tmp_path: Path) -> None:
    result = runner.invoke(app, [*SIMULATE, "--out", str(tmp_path)])
    assert result.exit_code == 0 and result.stdout == ""
    files = len(list(tmp_path.glob("*.xml")))
    counts = json.loads((tmp_path / "manifest.json").read_text())["counts"]
    said = ", ".join(f"{n} {bericht}" for bericht, n in counts.items())
    assert result.stderr.startswith(f"wrote {files} messages to {tmp_path} ({said}); ")
    assert result.stderr.endswith(f" deliberately wrong, listed in {tmp_path / 'manifest.json'}\n")


def _posting(monkeypatch: pytest.MonkeyPatch, refused: list[Sent] | BaseException) -> list[Any]:
    seen: list[Any] = []

    def post(berichten: Any, url: str, api_key: str | None, *, speed: float | None = None) -> list[Sent]:
        seen.append((url, api_key, speed))
        if isinstance(refused, BaseException):
            raise refused
        return refused

    monkeypatch.setattr(consumers.cli, "post_simulated", post)
    return seen


def test_simulate_to_a_hub_lists_what_was_refused_and_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _posting(monkeypatch, [Sent(Path("a.xml"), 403, "sender")])
    result = runner.invoke(app, [*SIMULATE, "--to", "http://hub.test", "--api-key", "k"])
    assert result.exit_code == 1
    assert result.stdout == "403\ta.xml\tsender\n"
    assert result.stderr == "sent the simulated messages to http://hub.test; 1 not taken by the gateway\n"
    assert seen == [("http://hub.test", "k", None)]  # as fast as possible


def test_simulate_live_sends_two_a_second_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _posting(monkeypatch, [])
    assert runner.invoke(app, [*SIMULATE, "--to", "http://hub.test", "--live"]).exit_code == 0
    assert runner.invoke(app, [*SIMULATE, "--to", "http://hub.test", "--live", "--speed", "8"]).exit_code == 0
    assert runner.invoke(app, [*SIMULATE, "--to", "http://hub.test", "--speed", "0.5"]).exit_code == 0
    assert [speed for *_, speed in seen] == [2.0, 8.0, 0.5]


def test_simulate_defaults_are_the_simulators(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: list[SimConfig] = []

    def simulator(config: SimConfig) -> None:
        seen.append(config)
        raise ValueError("no jeugdregio 'Atlantis'")

    monkeypatch.setattr(hub.synth.simulate, "Simulator", simulator)
    result = runner.invoke(app, ["simulate", "--out", str(tmp_path)])
    assert ended(result) == (2, "", "error: no jeugdregio 'Atlantis'\n")
    assert seen == [SimConfig()]  # seed 1, Gelderland, 30 aanbieders, 400 clienten, 2% errors, with GI


@pytest.mark.parametrize(
    ("raised", "status", "said"),
    [
        (KeyboardInterrupt(), 0, ""),
        (
            ConnectionRefusedError("refused"),
            1,
            "error: cannot send to http://hub.test: ConnectionRefusedError: refused\n",
        ),
    ],
)
def test_simulate_ends_an_interrupted_or_failed_send_in_one_line(
    monkeypatch: pytest.MonkeyPatch, raised: BaseException, status: int, said: str
) -> None:
    _posting(monkeypatch, raised)
    result = runner.invoke(app, [*SIMULATE, "--to", "http://hub.test"])
    assert ended(result) == (status, "", said)


@pytest.mark.parametrize("speed", ["0", "-1"])
def test_simulate_refuses_a_speed_that_is_not_positive(speed: str) -> None:
    result = runner.invoke(app, [*SIMULATE, "--to", "http://hub.test", "--speed", speed])
    assert (
        result.exit_code == 2
        and result.stdout == ""
        and result.stderr.startswith("error: give --out DIR or --to URL")
    )


def test_post_simulated_at_a_speed_returns_what_was_not_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda _: None)

    def send_http(inputs: list[Any], url: str, api_key: str | None) -> list[Sent]:
        return [Sent(i.path, 422 if i.path.name == "m1.xml" else 202, "") for i in inputs]

    monkeypatch.setattr(producers.ingest, "send_http", send_http)
    berichten = (
        SimpleNamespace(bestandsnaam=f"m{n}.xml", xml=b"<x/>", dagtekening=None, key=None) for n in range(3)
    )
    refused = post_simulated(berichten, "http://hub.test", None, speed=1000.0)
    assert [s.path.name for s in refused] == ["m1.xml"]


def test_post_simulated_sends_in_batches_and_returns_what_was_not_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batches: list[list[str]] = []

    def send_http(inputs: list[Any], url: str, api_key: str | None) -> list[Sent]:
        batches.append([i.path.name for i in inputs])
        return [Sent(i.path, 422 if i.path.name == "m3.xml" else 202, "") for i in inputs]

    monkeypatch.setattr(producers.ingest, "send_http", send_http)
    berichten = (
        SimpleNamespace(bestandsnaam=f"m{n}.xml", xml=b"<x/>", dagtekening=None, key=None) for n in range(7)
    )
    refused = post_simulated(berichten, "http://hub.test", None, batch=3)
    assert batches == [["m0.xml", "m1.xml", "m2.xml"], ["m3.xml", "m4.xml", "m5.xml"], ["m6.xml"]]
    assert [s.path.name for s in refused] == ["m3.xml"]


# ---- hub config show ----------------------------------------------------------------------------------------


def test_config_show_json_is_one_indented_object() -> None:
    result = runner.invoke(app, ["config", "show", "--format", "json"], env={})
    assert result.exit_code == 0
    assert result.stdout == json.dumps(json.loads(result.stdout), indent=2) + "\n"


def test_config_show_text_aligns_the_values_in_one_column() -> None:
    result = runner.invoke(app, ["config", "show"], env={})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    width = max(len(line.split(" ", 1)[0]) for line in lines)
    for line in lines:
        name = line.split(" ", 1)[0]
        assert line[len(name) : width + 2].strip() == "" and line[width + 1] == " ", line
    assert len(lines) > 10
