"""The playground server in-process: HTTP endpoints, the WebSocket protocol, limits, CLI.

Training numbers sent to the page are checked against a direct :class:`Trainer` run of
the same config. The NumPy backend keeps these tests independent of Numba's compile time;
the browser tests (test_web_e2e.py) run the default backend.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import numpy as np
import pytest
from conftest import require

require("starlette")
require("httpx")

with warnings.catch_warnings():  # starlette 1.x prefers httpx2 over httpx; both work
    warnings.filterwarnings("ignore", message="Using `httpx` with")
    from starlette.testclient import TestClient  # noqa: E402

from actlab import activations  # noqa: E402
from actlab.cli import main  # noqa: E402
from actlab.playground import PlaygroundConfig, Trainer, fields  # noqa: E402
from actlab.web.app import STATIC, create_app  # noqa: E402
from actlab.web.encode import grid, heat_bytes  # noqa: E402
from actlab.web.limits import Limits  # noqa: E402

BACKEND = "numpy"
TEST_HOSTS = ("testserver", "127.0.0.1", "localhost")
RELU_URL = (
    "https://playground.tensorflow.org/#activation=relu&batchSize=10&dataset=xor&"
    "regDataset=reg-plane&learningRate=0.03&regularizationRate=0&noise=5&networkShape=4,3&"
    "seed=0.59704&showTestData=false&discretize=false&percTrainData=60&x=true&y=true&"
    "xTimesY=true&xSquared=false&ySquared=false&cosX=false&sinX=false&cosY=false&"
    "sinY=false&collectStats=false&problem=classification&initZero=false&hideText=false"
)
DIVERGING = (
    "activation=linear&learningRate=3&problem=regression&regDataset=reg-plane&seed=0.2&"
    "networkShape=4,4"
)
HOOK_IDS = (
    "play-pause-button", "reset-button", "next-step-button", "iter-number", "loss-train",
    "loss-test", "activations", "learningRate", "regularizations", "regularRate", "problem",
    "batchSize", "noise", "percTrainData", "data-regen-button", "heatmap", "linechart",
    "network",
)


def close_bytes(sent: np.ndarray, exact: np.ndarray) -> None:
    """Heatmaps are drawn in float32: a cell may differ from float64 by one step."""
    assert sent.shape == exact.shape
    assert np.abs(sent.astype(int) - exact.astype(int)).max() <= 1
    assert np.mean(sent == exact) > 0.99


def make_client(**limits: Any) -> TestClient:
    app = create_app(Limits(**limits), allowed_hosts=TEST_HOSTS, backend=BACKEND)
    return TestClient(app, base_url="http://127.0.0.1")


@pytest.fixture(scope="module")
def client() -> TestClient:
    with make_client() as c:
        yield c


class Page:
    """The page's side of a WebSocket: send messages, wait for replies (with a timeout)."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.errors: list[str] = []
        self.notices: list[str] = []
        self.losses: dict[int, dict[str, list[float]]] = {}

    def send(self, **message: Any) -> None:
        self.ws.send_text(json.dumps(message))

    def receive(self, timeout: float = 20.0) -> dict[str, Any]:
        box: dict[str, Any] = {}

        def read() -> None:
            try:
                box["message"] = self.ws.receive_json()
            except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
                box["error"] = exc

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout)
        if reader.is_alive():
            pytest.fail(f"no message from the server within {timeout} s")
        if "error" in box:
            raise box["error"]
        message = box["message"]
        if message["type"] == "error":
            self.errors.append(message["message"])
        elif message["type"] == "notice":
            self.notices.append(message["message"])
        elif message["type"] == "frame":
            self._collect(message)
        return message

    def until(self, kind: str, check: Any = None) -> dict[str, Any]:
        for _ in range(500):
            message = self.receive()
            if message["type"] == kind and (check is None or check(message)):
                return message
        pytest.fail(f"no {kind!r} message in 500 messages")

    def _collect(self, frame: dict[str, Any]) -> None:
        for k, run in enumerate(frame["runs"]):
            series = self.losses.setdefault(k, {"train": [], "test": []})
            for key in ("train", "test"):
                values = np.frombuffer(base64.b64decode(run[key]), dtype="<f8").tolist()
                del series[key][frame["loss_start"]:]
                series[key].extend(values)

    def open(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The first messages of a session: hello, config and frame."""
        hello = self.until("hello")
        config = self.until("config")
        self.until("frame")
        return hello, config


def connect(client: TestClient) -> Any:
    return client.websocket_connect("/ws")


def loaded(page: Page, url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Open a playground URL: the new config and its first frame."""
    page.send(type="load", url=url)
    return page.until("config"), page.until("frame")


# ---------------------------------------------------------------------------- HTTP
def test_page_is_served_with_the_playground_hooks(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for hook in HOOK_IDS:
        assert f'id="{hook}"' in response.text, hook
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_every_static_module_the_page_imports_is_served(client: TestClient) -> None:
    page = client.get("/").text
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert "/static/style.css" in assets and "/static/js/main.js" in assets
    seen: set[str] = set()
    while assets:
        path = assets.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code == 200, path
        if path.endswith(".js"):
            assert "javascript" in response.headers["content-type"]
            for name in re.findall(r'from "\./([\w.]+\.js)"', response.text):
                assets.append(f"/static/js/{name}")
    assert len([p for p in seen if p.endswith(".js")]) == len(list((STATIC / "js").glob("*.js")))
    assert client.get("/static/../app.py").status_code == 404


def test_activations_endpoint_lists_the_registry_with_curves(client: TestClient) -> None:
    entries = client.get("/api/activations").json()
    assert [e["name"] for e in entries] == activations.names()
    relu = next(e for e in entries if e["name"] == "relu")
    curve = relu["curve"]
    x = np.array(curve["x"])
    assert x[0] == -5 and x[-1] == 5 and len(curve["f"]) == len(x) == len(curve["df"])
    at2 = int(np.argmin(np.abs(x - 2)))
    assert curve["f"][at2] == pytest.approx(2.0) and curve["df"][at2] == 1.0
    assert relu["output_range"] == [0.0, None]
    leaky = next(e for e in entries if e["name"] == "leaky_relu")
    assert leaky["params"][0]["name"] == "negative_slope"


def test_datasets_endpoint_gives_six_thumbnails(client: TestClient) -> None:
    data = client.get("/api/datasets").json()
    assert set(data) == {"circle", "xor", "gauss", "spiral", "reg-plane", "reg-gauss"}
    assert {d["problem"] for d in data.values()} == {"classification", "regression"}
    assert all(len(d["points"]) == 200 for d in data.values())
    circle = np.array(data["circle"]["points"])
    assert set(circle[:, 2]) == {-1.0, 1.0}


def test_fields_endpoint_serves_the_table_with_the_page_controls(
    client: TestClient, monkeypatch
) -> None:
    import dataclasses

    table = client.get("/api/fields").json()
    assert table == json.loads(json.dumps(fields.as_json()))
    by_name = {f["name"]: f for f in table["fields"]}
    assert by_name["learning_rate"]["ui_values"] == list(fields.field("learning_rate").ui_values)
    assert by_name["noise"]["ui_range"] == {"min": 0, "max": 50, "step": 5}
    # served from the table at request time: a changed table is what the page gets
    noise = dataclasses.replace(fields.field("noise"), ui_range=(0, 40, 10))
    monkeypatch.setattr(fields, "FIELDS", tuple(
        noise if f.name == "noise" else f for f in fields.FIELDS))
    by_name = {f["name"]: f for f in client.get("/api/fields").json()["fields"]}
    assert by_name["noise"]["ui_range"] == {"min": 0, "max": 40, "step": 10}
    assert by_name["noise"]["ui"] == "0..40 in steps of 10"


def test_config_endpoint_parses_a_playground_url(client: TestClient) -> None:
    reply = client.get("/api/config", params={"url": RELU_URL}).json()
    assert reply["hash"] == PlaygroundConfig.from_url(RELU_URL).to_hash()
    assert reply["config"]["activation"] == "relu"
    assert reply["config"]["networkShape"] == [4, 3]
    bad = client.get("/api/config", params={"url": "#activation=nope"})
    assert bad.status_code == 400 and "unknown activation" in bad.json()["error"]


def test_info_endpoint_reports_limits(client: TestClient) -> None:
    info = client.get("/api/info").json()
    assert info["limits"]["max_sessions"] == Limits().max_sessions
    assert info["features"][:2] == ["x", "y"]


def test_host_check_loopback_ipv6_ip_literals_and_allowed_names() -> None:
    loopback = create_app(Limits(), backend=BACKEND)  # default: loopback names only
    beyond = create_app(Limits(), ["lab.example.org"], backend=BACKEND, ip_literals=True)
    cases = [
        (loopback, "127.0.0.1:8000", 200), (loopback, "[::1]:8000", 200),
        (loopback, "localhost", 200), (loopback, "attacker.example", 400),
        (loopback, "10.1.2.3:8000", 400),
        (beyond, "10.1.2.3:8000", 200), (beyond, "[fe80::1]:8000", 200),
        (beyond, "lab.example.org:8000", 200), (beyond, "attacker.example:8000", 400),
    ]
    for app, host, status in cases:
        with TestClient(app, base_url="http://127.0.0.1") as c:
            response = c.get("/api/info", headers={"host": host})
            assert response.status_code == status, host
            assert response.headers["x-content-type-options"] == "nosniff", host
    anyone = create_app(Limits(), ["*"], backend=BACKEND)
    with TestClient(anyone, base_url="http://whatever.example") as c:
        assert c.get("/api/info").status_code == 200


def test_a_crash_is_a_500_with_an_id_and_the_security_headers(monkeypatch, caplog) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(PlaygroundConfig, "from_url", boom)
    app = create_app(Limits(), allowed_hosts=TEST_HOSTS, backend=BACKEND)
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as c:
        response = c.get("/api/config", params={"url": "#activation=relu"})
    assert response.status_code == 500
    message = response.json()["error"]
    rid = re.fullmatch(r"internal error \(id ([0-9a-f]{10})\)", message).group(1)
    assert "secret" not in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert response.headers["x-frame-options"] == "DENY"
    assert any(rid in r.getMessage() and r.exc_info for r in caplog.records)


def test_an_unexpected_exception_reaches_the_page_as_an_id_only(monkeypatch, caplog) -> None:
    from actlab.web.session import Session

    real = Session.apply

    def apply(self: Session, kind: str, args: dict[str, Any], *rest: Any) -> Any:
        if kind == "regenerate":
            raise TypeError("must be real number, not str")
        return real(self, kind, args, *rest)

    monkeypatch.setattr(Session, "apply", apply)
    with make_client() as client, connect(client) as ws:
        page = Page(ws)
        page.open()
        page.send(type="regenerate")
        error = page.until("error")
        page.send(type="step", epochs=1)
        assert page.until("frame")["epoch"] == 1  # the session survives
    rid = re.fullmatch(r"internal error \(id ([0-9a-f]{10})\)", error["message"]).group(1)
    assert error["request"] == "regenerate"
    assert any(rid in r.getMessage() and r.exc_info for r in caplog.records)


def test_websocket_from_another_origin_is_refused(client: TestClient) -> None:
    with pytest.raises(Exception), client.websocket_connect(  # noqa: B017 - any refusal
        "/ws", headers={"origin": "http://attacker.example"}
    ) as ws:
        ws.receive_json()


# ---------------------------------------------------------------------------- WebSocket
def test_session_starts_with_a_config_and_a_frame(client: TestClient) -> None:
    with connect(client) as ws:
        hello, config = Page(ws).open()
    assert hello["limits"]["max_hidden_layers"] == Limits().max_hidden_layers
    assert config["config"]["activation"] == "tanh"
    assert config["layer_sizes"] == [2, 4, 2, 1]
    assert config["runs"][0]["curve"]["name"] == "tanh"


def test_the_page_url_opens_with_the_session(client: TestClient) -> None:
    cfg = PlaygroundConfig.from_url(RELU_URL)
    with client.websocket_connect(f"/ws?url={quote(cfg.to_hash())}") as ws:
        page = Page(ws)
        _, config = page.open()
    assert config["hash"] == cfg.to_hash() and not page.errors
    with client.websocket_connect("/ws?url=activation%3Dnope") as ws:
        page = Page(ws)
        _, config = page.open()
    assert config["config"]["activation"] == "tanh"
    # as the playground does: the bad key is ignored (a notice), the rest of the URL kept
    assert page.notices and "unknown activation" in page.notices[0]


def test_playground_url_opens_the_same_run_and_losses_match_the_engine(
    client: TestClient,
) -> None:
    cfg = PlaygroundConfig.from_url(RELU_URL)
    with connect(client) as ws:
        page = Page(ws)
        page.open()
        config, _ = loaded(page, RELU_URL)
        assert config["hash"] == cfg.to_hash()
        assert config["config"]["features"] == ["x", "y", "xTimesY"]
        assert config["layer_sizes"] == [3, 4, 3, 1]
        page.send(type="step", epochs=7)
        frame = page.until("frame", lambda f: f["epoch"] == 7)
    direct = Trainer([cfg], backend=BACKEND)
    data = direct.data[0]
    sent = np.frombuffer(base64.b64decode(config["data"]["train_xy"]), dtype="<f4")
    np.testing.assert_array_equal(sent, data.train_xy.astype("<f4").ravel())
    direct.step(7)
    assert page.losses[0]["train"] == direct.train_loss[0].tolist()
    assert page.losses[0]["test"] == direct.test_loss[0].tolist()
    assert frame["runs"][0]["test_loss"] == direct.test_loss[0, -1]
    first = frame["network"]["layers"][0]
    weights = np.frombuffer(base64.b64decode(first["weights"]), dtype="<f4")
    np.testing.assert_array_equal(weights, direct.weights[0][0].astype("<f4").ravel())
    heat = np.frombuffer(base64.b64decode(frame["runs"][0]["heatmap"]), dtype="u1")
    close_bytes(heat, heat_bytes(direct.predict(grid())[0]))


def test_bad_messages_get_an_error_and_the_session_survives(client: TestClient) -> None:
    bad = [
        "not json",
        "[1, 2]",
        json.dumps({"type": "launch-missiles"}),
        json.dumps({"type": "step", "epochs": "ten"}),
        json.dumps({"type": "step", "epochs": 10**9}),
        '{"type": "speed", "epochs_per_second": NaN}',
        json.dumps({"type": "speed", "epochs_per_second": 1e9}),
        json.dumps({"type": "set", "changes": {"learning_rate": -1}}),
        json.dumps({"type": "set", "changes": {"network_shape": [4] * 50}}),
        json.dumps({"type": "set", "changes": {"network_shape": [1000]}}),
        json.dumps({"type": "set", "changes": {"features": ["x", "rm -rf"]}}),
        json.dumps({"type": "set", "changes": {"activation": "nope"}}),
        json.dumps({"type": "set", "changes": {"seed": 3}}),
        json.dumps({"type": "set", "changes": {"features": []}}),
        json.dumps({"type": "set", "changes": {"password": "x"}}),
        json.dumps({"type": "load", "url": "#networkShape=" + ",".join(["8"] * 13)}),
        json.dumps({"type": "compare", "activations": ["relu"] * 9}),
        json.dumps({"type": "compare", "activations": ["nope"]}),
        json.dumps({"type": "focus", "run": 3}),
        json.dumps({"type": "inspect", "node": [9, 0]}),
        json.dumps({"type": "play", "extra": 1}),
        json.dumps({"type": "load", "url": "x" * 20_000}),
        "[" * 5000 + "]" * 5000,
        '{"type": "set", "changes": {"learning_rate": 1' + "0" * 400 + "}}",
        '{"type": "set", "changes": {"batch_size": 1e20}}',
        '{"type": "set", "changes": {"activation": "\\ud800"}}',
        '{"type": "step", "epochs": 1' + "0" * 400 + "}",
    ]
    with connect(client) as ws:
        page = Page(ws)
        page.open()
        for text in bad:
            ws.send_text(text)
            reply = page.until("error")
            assert reply["message"] and "\n" not in reply["message"], text
            assert "internal error" not in reply["message"], text
        ws.send_bytes(b"\x00\x01")
        assert "binary" in page.until("error")["message"]
        page.send(type="step", epochs=2)
        assert page.until("frame")["epoch"] == 2
        # an unreadable value is ignored with a notice, as the playground ignores it
        page.send(type="load", url="#networkShape=a,b&seed=0.5")
        assert "networkShape" in page.until("notice")["message"]
    assert len(page.errors) == len(bad) + 1
    assert any("unknown activation" in e for e in page.errors)
    assert any("over this server's limit" in e for e in page.errors)


def test_play_trains_until_paused(client: TestClient) -> None:
    with connect(client) as ws:
        page = Page(ws)
        page.open()
        page.send(type="speed", epochs_per_second=300)
        page.send(type="play")
        epochs = []
        while len(epochs) < 6:
            frame = page.until("frame")
            epochs.append(frame["epoch"])
            page.send(type="ack", frame=frame["frame"])
        page.send(type="pause")
        page.until("status", lambda s: not s["playing"])
    assert epochs == sorted(epochs) and epochs[-1] > epochs[0]
    assert page.losses[0]["test"][-1] < page.losses[0]["test"][0]


def _hash_keys(hash_: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in hash_.split("&"))


def test_controls_behave_as_the_playground_and_the_url_replays_them(client: TestClient) -> None:
    with connect(client) as ws:
        page = Page(ws)
        page.open()
        page.send(type="step", epochs=3)
        page.until("frame")
        # display-only: the run goes on, and only the new losses travel (no history)
        page.send(type="set", changes={"discretize": True, "show_test_data": True})
        config, frame = page.until("config"), page.until("frame")
        assert not config["rebuilt"] and "discretize=true" in config["hash"]
        assert frame["epoch"] == 3 and frame["loss_start"] == 4
        # the learning rate applies live, without a reset (playground.ts)
        page.send(type="set", changes={"learning_rate": 0.3})
        config = page.until("config")
        assert not config["rebuilt"] and page.until("frame")["epoch"] == 3
        assert config["config"]["learning_rate"] == 0.3
        page.send(type="step", epochs=4)
        page.until("frame", lambda f: f["epoch"] == 7)
        # Regenerate: a new seed's data, the same network, training goes on
        seed = config["config"]["seed"]
        page.send(type="regenerate")
        config = page.until("config")
        assert not config["rebuilt"] and config["config"]["seed"] != seed
        assert page.until("frame")["epoch"] == 7
        page.send(type="step", epochs=2)
        page.until("frame", lambda f: f["epoch"] == 9)
        hash_ = config["hash"]
        keys = _hash_keys(hash_)
        assert keys["learningRate"] == "0.03" and keys["seed"] == seed
        assert keys["actlabLog"] == f"3:learningRate:0.3,7:seed:{config['config']['seed']}"
        losses = page.losses[0]
    # the URL replays the same run: the same losses, epoch for epoch
    cfg = PlaygroundConfig.from_url(hash_.split("&actlab")[0])
    direct = Trainer([cfg], backend=BACKEND)
    direct.step(3)
    direct.set_learning_rate(0, 0.3)
    direct.step(4)
    direct.set_data(0, config["config"]["seed"])
    direct.step(2)
    assert losses["train"] == direct.train_loss[0].tolist()
    with client.websocket_connect(f"/ws?url={quote(hash_)}") as ws:
        replay = Page(ws)
        replay.open()
        replay.send(type="step", epochs=9)
        last = replay.until("frame", lambda f: f["epoch"] == 9)
        assert replay.losses[0] == losses and not replay.errors
        # Reset: epoch 0, new initial weights, kept in the URL
        replay.send(type="reset")
        reset = replay.until("config")
        first = replay.until("frame")
        assert reset["rebuilt"] and first["epoch"] == 0
        assert "actlabLog" not in reset["hash"] and "actlabWeights" in reset["hash"]
        assert first["runs"][0]["train_loss"] != losses["train"][0]
        assert reset["config"]["learning_rate"] == 0.3  # the settings in force stay
        # another network change keeps the data seed; a data change draws a new seed
        replay.send(type="set", changes={"activation": "relu"})
        relu = replay.until("config")
        assert relu["config"]["seed"] == reset["config"]["seed"]
        assert _hash_keys(relu["hash"])["actlabWeights"] != _hash_keys(reset["hash"])[
            "actlabWeights"]
        replay.send(type="set", changes={"noise": 10})
        noisy = replay.until("config")
        assert noisy["config"]["seed"] != relu["config"]["seed"]
        assert "actlab" not in noisy["hash"]
    assert last["runs"][0]["train_loss"] == losses["train"][9]
    with client.websocket_connect(f"/ws?url={quote(reset['hash'])}") as ws:
        again = Page(ws)
        again.open()
        assert again.losses[0]["train"] == [first["runs"][0]["train_loss"]]


def test_compare_trains_activations_in_lockstep_on_the_same_data(client: TestClient) -> None:
    cfg = PlaygroundConfig.from_url(RELU_URL)
    with connect(client) as ws:
        page = Page(ws)
        page.open()
        loaded(page, RELU_URL)
        page.send(type="compare", activations=["sigmoid", "elu"])
        config = page.until("config")
        assert [r["activation"] for r in config["runs"]] == ["relu", "sigmoid", "elu"]
        page.send(type="step", epochs=4)
        frame = page.until("frame", lambda f: f["epoch"] == 4)
        assert len(frame["runs"]) == 3
        page.send(type="focus", run=2)
        assert page.until("frame")["focus"] == 2
    for k, name in enumerate(["relu", "sigmoid", "elu"]):
        direct = Trainer([cfg.replace(activation=name)], backend=BACKEND)
        direct.step(4)
        assert page.losses[k]["test"] == direct.test_loss[0].tolist(), name


def test_export_is_the_runs_json(client: TestClient) -> None:
    cfg = PlaygroundConfig.from_url(RELU_URL)
    with connect(client) as ws:
        page = Page(ws)
        page.open()
        loaded(page, RELU_URL)
        page.send(type="step", epochs=3)
        page.until("frame")
        page.send(type="export")
        reply = page.until("export")
    direct = Trainer([cfg], backend=BACKEND)
    direct.step(3)
    assert reply["runs"] == [json.loads(json.dumps(direct.result(0).to_dict()))]


def test_divergence_is_reported_with_its_epoch(client: TestClient) -> None:
    with connect(client) as ws:
        page = Page(ws)
        page.open()
        loaded(page, DIVERGING)
        page.send(type="step", epochs=3)
        frame = page.until("frame", lambda f: f["epoch"] == 3)
        page.send(type="play")
        refused = page.until("error")
    run = frame["runs"][0]
    assert run["diverged_at"] == 1
    assert run["divergence"] == "diverged at epoch 1: loss became NaN"
    assert run["test_loss"] is None
    assert "diverged" in refused["message"]


def test_dead_units_are_counted_and_marked(client: TestClient) -> None:
    with connect(client) as ws:
        page = Page(ws)
        page.open()
        _, frame = loaded(page, "activation=relu&initZero=true&networkShape=3,2&seed=0.5")
        page.send(type="set", changes={"init_zero": False})
        page.until("config")
        alive = page.until("frame")
    assert frame["runs"][0]["dead_units"] == 5
    marks = [base64.b64decode(layer["dead_units"]) for layer in frame["network"]["layers"][:-1]]
    assert marks == [b"\x01" * 3, b"\x01" * 2]
    assert frame["network"]["layers"][-1]["dead_units"] is None
    assert alive["runs"][0]["dead_units"] < 5


def test_inspecting_a_neuron_sends_its_output(client: TestClient) -> None:
    cfg = PlaygroundConfig.from_url(RELU_URL)
    with connect(client) as ws:
        page = Page(ws)
        page.open()
        loaded(page, RELU_URL)
        page.send(type="inspect", node=[1, 2])
        frame = page.until("frame")
    assert frame["inspect"] == [1, 2]
    direct = Trainer([cfg], backend=BACKEND)
    expected = heat_bytes(direct.layer_outputs(grid())[1][0, :, 2])
    heat = np.frombuffer(base64.b64decode(frame["runs"][0]["heatmap"]), dtype="u1")
    close_bytes(heat, expected)


def test_unknown_url_keys_are_a_notice_not_an_error(client: TestClient) -> None:
    with connect(client) as ws:
        page = Page(ws)
        page.open()
        config, _ = loaded(page, "activation=relu&seed=0.5&bogusKey=1")
    assert config["config"]["activation"] == "relu"
    assert any("bogusKey" in n for n in page.notices)


def test_a_closed_tab_stops_its_work_within_a_slice(monkeypatch) -> None:
    from actlab.web.session import SLICE_EPOCHS

    trained: list[int] = []
    real = Trainer.step

    def step(self: Trainer, epochs: int = 1) -> None:
        trained.append(epochs)
        real(self, epochs)

    with make_client() as client:
        with connect(client) as ws:
            page = Page(ws)
            page.open()
            loaded(page, "networkShape=32,32,32,32&seed=0.5&xSquared=true&ySquared=true")
            monkeypatch.setattr(Trainer, "step", step)
            page.send(type="step", epochs=1000)  # a long time on this network
        # the tab is gone (the client waited for the server to finish with it)
    assert all(n <= SLICE_EPOCHS for n in trained)  # in slices (none if noticed at once)
    assert sum(trained) < 1000


def test_session_limit_and_closing_a_tab_frees_its_session() -> None:
    with make_client(max_sessions=1) as client:
        with connect(client) as first:
            Page(first).open()
            with connect(client) as second:
                refused = Page(second).receive()
                assert refused["type"] == "error" and "busy" in refused["message"]
                with pytest.raises(Exception):  # noqa: B017 - the server closed it (1013)
                    second.receive_json()
        with connect(client) as third:
            hello, _ = Page(third).open()
            assert hello["type"] == "hello"


# ---------------------------------------------------------------------------- CLI
def test_core_import_does_not_need_the_web_extra() -> None:
    code = (
        "import sys, actlab, actlab.playground, actlab.cli; actlab.cli.build_parser();"
        "bad = [m for m in ('starlette', 'uvicorn', 'websockets') if m in sys.modules];"
        "sys.exit(1 if bad else 0)"
    )
    src = str(Path(__file__).resolve().parents[1] / "src")
    result = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": src}, check=False)
    assert result.returncode == 0


def test_serve_without_the_web_extra_is_one_line(monkeypatch, capsys) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else real(name, *a)
    )
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "actlab serve needs the web extra: pip install 'actlab[web]'" in err


def test_serve_warns_when_not_on_loopback(monkeypatch, capsys) -> None:
    require("uvicorn")
    import actlab.web.server as server

    started = []

    class FakeServer:
        def run(self, sockets: list[Any]) -> None:
            started.append(sockets[0].getsockname())

    monkeypatch.setattr(server, "make_server", lambda host, limits, **kw: FakeServer())
    monkeypatch.setattr(server, "warm_up", lambda: None)
    assert main(["serve", "--host", "127.0.0.1", "--port", "0"]) == 0
    assert "warning" not in capsys.readouterr().err
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 0
    assert "warning: listening on 0.0.0.0" in capsys.readouterr().err
    assert len(started) == 2


def test_serve_on_ipv6_loopback_prints_a_url_that_answers(monkeypatch, capsys) -> None:
    require("uvicorn")
    import actlab.web.server as server

    answers = []

    class Probe:
        def __init__(self, host: str, limits: Any, **kw: Any) -> None:
            self.app = create_app(limits, [*server.LOOPBACK_HOSTS, *kw["allowed_hosts"]],
                                  backend=BACKEND, ip_literals=not server.is_loopback(host))

        def run(self, sockets: list[Any]) -> None:
            url = re.search(r"at (http://\S+)", capsys.readouterr().out).group(1)
            with TestClient(self.app, base_url=url) as c:
                answers.append((url, c.get("/api/info").status_code))

    monkeypatch.setattr(server, "make_server", Probe)
    monkeypatch.setattr(server, "warm_up", lambda: None)
    assert main(["serve", "--host", "::1", "--port", "0"]) == 0
    assert answers[0][0].startswith("http://[::1]:") and answers[0][1] == 200
    assert main(["serve", "--host", "127.0.0.1", "--port", "0",
                 "--allowed-hosts", "lab.example.org"]) == 0
    assert main(["serve", "--allowed-hosts", "bad host!"]) == 2
    assert "--allowed-hosts" in capsys.readouterr().err


def test_serve_reports_a_busy_port(capsys) -> None:
    require("uvicorn")
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_formula_activation_preview_errors_and_use(client: TestClient) -> None:
    with connect(client) as ws:
        page = Page(ws)
        page.open()
        page.send(type="formula", definition="swish_w(beta=1)=x*sigmoid(beta*x)")
        preview = page.until("formula")
        assert preview["ok"] and preview["curve"]["name"] == "swish_w"
        x = np.array(preview["curve"]["x"])
        at2 = int(np.argmin(np.abs(x - 2)))
        assert preview["curve"]["f"][at2] == pytest.approx(2 / (1 + np.exp(-2)), abs=1e-5)
        for bad in ("evil=__import__('os').getpid()", "deep=" + "(" * 300 + "x" + ")" * 300,
                    "big=x**9**9**9", "nox=3*2", "no equals sign"):
            page.send(type="formula", definition=bad)
            reply = page.until("formula")
            assert not reply["ok"] and reply["error"].startswith("formula:"), bad
            assert "\n" not in reply["error"] and "internal" not in reply["error"]
        page.send(type="formula", definition="swish_w(beta=1)=x*sigmoid(beta*x)", use=True)
        assert page.until("formula")["used"]
        config = page.until("config")
        assert config["config"]["activation"] == "swish_w"
        assert "activationFormula=swish_w(beta=1.0)=x*sigmoid(beta*x)" in unquote(
            config["hash"])
        page.send(type="step", epochs=2)
        assert page.until("frame", lambda f: f["epoch"] == 2)["runs"][0]["test_loss"] > 0
        assert not page.errors


def test_csv_upload_is_capped_checked_and_trains(client: TestClient) -> None:
    rows = "\n".join(f"{i % 7 - 3},{(i * 3) % 11 - 5},{1 if i % 2 else -1}" for i in range(60))
    good = client.post("/api/csv", content=f"a,b,label\n{rows}\n",
                       headers={"x-filename": "mine.csv"})
    assert good.status_code == 200, good.text
    reply = good.json()
    assert reply["rows"] == 60 and reply["columns"] == ["a", "b"]
    ragged = client.post("/api/csv", content="a,b,label\n1,2,1\n3,4\n",
                         headers={"x-filename": "bad.csv"})
    assert ragged.status_code == 400 and "bad.csv" in ragged.json()["error"]
    assert "line 3" in ragged.json()["error"]
    wide = client.post("/api/csv", content="a,b,c,label\n1,2,3,1\n4,5,6,-1\n")
    assert wide.status_code == 400 and "2-input" in wide.json()["error"]
    huge = client.post("/api/csv", content=b"a,b,label\n" + b"1,2,1\n" * 400_000)
    assert huge.status_code == 413 and "too large" in huge.json()["error"]
    foreign = client.post("/api/csv", content="a,b,label\n1,2,1\n",
                          headers={"origin": "http://attacker.example"})
    assert foreign.status_code == 403
    with connect(client) as ws:
        page = Page(ws)
        page.open()
        page.send(type="data", sha256=reply["sha256"])
        config = page.until("config")
        assert config["config"]["problem"] == "classification"
        assert f"data={reply['sha256']}" in config["hash"]
        page.send(type="step", epochs=2)
        assert page.until("frame", lambda f: f["epoch"] == 2)["runs"][0]["test_loss"] > 0
        page.send(type="data", sha256="0" * 64)
        assert "sha256" in page.until("error")["message"]




def test_every_field_case_gets_the_table_verdict_over_the_websocket(client: TestClient) -> None:
    from fieldcases import CASES

    from actlab.web.protocol import SETTABLE

    base = "activation=tanh&networkShape=4,2&seed=0.5"
    tried = 0
    with connect(client) as ws:
        page = Page(ws)
        page.open()
        for case in CASES:
            if case.field not in SETTABLE or any(k not in SETTABLE for k in case.context):
                continue
            if case.jsonable:
                text = json.dumps({"type": "set", "changes": {**case.context,
                                                              case.field: case.value}})
            elif not case.ok and case.text is not None and not case.context:
                text = f'{{"type": "set", "changes": {{"{case.field}": {case.text}}}}}'
            else:
                continue
            ws.send_text(text)
            reply = page.receive()
            while reply["type"] not in ("config", "error"):
                reply = page.receive()
            assert reply["type"] == ("config" if case.ok else "error"), (str(case), reply)
            if case.ok:
                page.until("frame")
                loaded(page, base)
            tried += 1
        page.send(type="step", epochs=1)
        assert page.until("frame")["epoch"] == 1
    assert tried > 100




def test_string_parameters_and_odd_url_values_keep_the_page_working(client: TestClient) -> None:
    # problem 1: gelu approximate=tanh through set, reset, regenerate, export and the URL
    with connect(client) as ws:
        page = Page(ws)
        page.open()
        page.send(type="set", changes={"activation": "gelu",
                                       "activation_params": {"approximate": "tanh"}})
        config = page.until("config")
        assert "activationParams=approximate:tanh" in config["hash"]
        page.send(type="step", epochs=2)
        page.until("frame", lambda f: f["epoch"] == 2)
        page.send(type="regenerate")
        page.until("config")
        page.send(type="reset")
        config = page.until("config")
        page.send(type="export")
        run = page.until("export")["runs"][0]
        assert run["config"]["activationParams"] == {"approximate": "tanh"}
        assert not page.errors
    with client.websocket_connect(f"/ws?url={quote(config['hash'])}") as ws:
        again = Page(ws)
        _, reopened = again.open()
        assert reopened["hash"] == config["hash"] and not again.errors
    reply = client.get("/api/config", params={"url": "#activation=gelu&activationParams="
                                                     "approximate:tanh&seed=0.5"})
    assert reply.status_code == 200, reply.text
    # problem 2: one odd value does not throw the rest of the URL away
    odd = ("activation=relu&noise=60&dataset=moons&learningRate=0.1&x=false&y=false&"
           "networkShape=3,3&seed=0.42")
    with client.websocket_connect(f"/ws?url={quote(odd)}") as ws:
        page = Page(ws)
        _, config = page.open()
    fields_ = config["config"]
    assert (fields_["activation"], fields_["learning_rate"], fields_["seed"]) == (
        "relu", 0.1, "0.42")
    assert fields_["network_shape"] == [3, 3] and fields_["features"]
    assert len(page.notices) >= 3 and not page.errors  # noise, dataset, features: said


def test_the_scheduler_hands_out_slots_in_arrival_order_so_no_tab_starves():
    # web issue, problem 4: with fewer slots than busy tabs, each tab's next slice waits
    # behind the others' (first come, first served), and a playing tab's share of the
    # cores shrinks with the number of playing tabs
    import asyncio

    from actlab.web.connection import Scheduler

    order: list[str] = []

    async def tab(name: str, scheduler: Scheduler) -> None:
        for _ in range(4):
            await scheduler.run(order.append, name)

    async def main_() -> None:
        scheduler = Scheduler(slots=1)
        await asyncio.gather(*(tab(n, scheduler) for n in "abc"))

    asyncio.run(main_())
    assert sorted(order) == sorted("abc" * 4)
    for i in range(0, 12, 3):  # every round serves every tab once
        assert sorted(order[i:i + 3]) == ["a", "b", "c"], order
    s = Scheduler(slots=2)
    s.playing = 5
    assert s.share() == pytest.approx(0.4)
