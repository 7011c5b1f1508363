"""The playground page in real headless Chromium, against the real server.

The server (uvicorn) runs in a thread on a free 127.0.0.1 port; the page is driven
through its stable element ids (the TensorFlow Playground's). A screenshot of a trained
run is saved to test-artifacts/web-playground.png. The engine runs its NumPy backend so
that the time these tests take does not depend on Numba compiling its kernel
(benchmarks/web_speed.py measures the default backend).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, require, require_executable

require("playwright")
require("uvicorn")
CHROMIUM = require_executable("/usr/bin/chromium")

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from actlab.playground import PlaygroundConfig, Trainer, fields  # noqa: E402
from actlab.web.server import BackgroundServer  # noqa: E402

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
START = "activation=tanh&dataset=circle&networkShape=4,2&seed=0.59704&learningRate=0.03"
RELU_URL = (
    "https://playground.tensorflow.org/#activation=relu&batchSize=10&dataset=xor&"
    "regDataset=reg-plane&learningRate=0.1&regularizationRate=0&noise=5&networkShape=4,3&"
    "seed=0.59704&showTestData=false&discretize=false&percTrainData=60&x=true&y=true&"
    "xTimesY=true&xSquared=false&ySquared=false&cosX=false&sinX=false&cosY=false&"
    "sinY=false&collectStats=false&problem=classification&initZero=false&hideText=false"
)
DIVERGING = (
    "activation=linear&learningRate=3&problem=regression&regDataset=reg-plane&seed=0.2&"
    "networkShape=4,4"
)
TIMEOUT_MS = 20_000
#: Chromium's console line for a 4xx answer the page handles (a rejected CSV upload).
HANDLED_HTTP_ERROR = "Failed to load resource: the server responded with a status of 4"
BACKEND = "numpy"


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    with BackgroundServer(backend=BACKEND) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: BackgroundServer) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" and not
            m.text.startswith(HANDLED_HTTP_ERROR) else None)
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()
    assert not problems, problems


def open_page(page: Page, server: BackgroundServer, hash_: str = START) -> None:
    page.goto(f"{server.url}#{hash_}")
    page.wait_for_function(
        "h => window.actlab && window.actlab.state.hash === h && window.actlab.stats.rendered > 0",
        arg=PlaygroundConfig.from_url(hash_).to_hash(),
    )


def epoch(page: Page) -> int:
    text = page.text_content("#iter-number") or ""
    assert re.fullmatch(r"\d{3},\d{3}(,\d{3})*", text), text
    return int(text.replace(",", ""))


def test_play_trains_and_the_test_loss_falls(page: Page, server: BackgroundServer) -> None:
    open_page(page, server)
    assert epoch(page) == 0
    start_loss = float(page.text_content("#loss-test"))
    page.select_option("#speed", "300")
    page.click("#play-pause-button")
    page.wait_for_function("() => window.actlab.stats.epoch >= 80", timeout=3 * TIMEOUT_MS)
    page.click("#play-pause-button")
    page.wait_for_function("() => !document.body.classList.contains('playing')")
    assert epoch(page) >= 80
    assert float(page.text_content("#loss-test")) < start_loss / 2
    assert page.locator("#network .node.neuron").count() == 4 + 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-playground.png"), full_page=True)
    page.click("#reset-button")  # new initial weights, as the playground draws them
    page.wait_for_function("() => window.actlab.stats.epoch === 0")
    page.wait_for_function("() => location.hash.includes('actlabWeights=')")


def test_changing_the_activation_restarts_with_it(page: Page, server: BackgroundServer) -> None:
    open_page(page, server)
    options = page.eval_on_selector_all("#activations option", "os => os.map(o => o.value)")
    assert {"relu", "tanh", "sigmoid", "linear", "elu", "gelu"} <= set(options)
    page.click("#next-step-button")
    page.wait_for_function("() => window.actlab.stats.epoch === 1")
    page.select_option("#activations", "elu")
    page.wait_for_function("() => location.hash.includes('activation=elu')")
    page.wait_for_function("() => window.actlab.stats.epoch === 0")
    assert page.text_content("#activation-name") == "elu"
    assert page.locator("#activation-params input[data-param=alpha]").input_value() == "1"
    assert page.locator("#activation-curve path.curve-f").get_attribute("d")


def test_pasted_playground_url_opens_the_same_run(page: Page, server: BackgroundServer) -> None:
    cfg = PlaygroundConfig.from_url(RELU_URL)
    open_page(page, server)
    page.fill("#url-input", RELU_URL)
    page.click("#load-url-button")
    page.wait_for_function("h => location.hash === '#' + h", arg=cfg.to_hash())
    assert page.input_value("#activations") == "relu"
    assert page.input_value("#learningRate") == "0.1"
    assert page.input_value("#noise") == "5"
    assert page.input_value("#percTrainData") == "60"
    assert page.locator("#network .node.input:not(.inactive)").count() == 3
    assert page.locator("#network .node.neuron").count() == 4 + 3
    assert page.locator("canvas[data-dataset=xor].selected").count() == 1
    # the same data and initial weights: the untrained losses are the engine's
    direct = Trainer([cfg], backend=BACKEND)
    assert page.text_content("#loss-test") == f"{direct.test_loss[0, 0]:.3f}"
    assert page.text_content("#loss-train") == f"{direct.train_loss[0, 0]:.3f}"
    # a fresh load of the address opens it too
    open_page(page, server, cfg.to_hash())
    assert page.input_value("#activations") == "relu"


def test_compare_mode_draws_a_run_per_activation(page: Page, server: BackgroundServer) -> None:
    open_page(page, server)
    page.select_option("#compare-add", "relu")
    cards = "#compare-runs .run-card"
    page.wait_for_function("s => document.querySelectorAll(s).length === 2", arg=cards)
    page.click("#next-step-button")
    page.wait_for_function("() => window.actlab.stats.epoch === 1")
    infos = page.locator("#compare-runs .run-info").all_text_contents()
    assert len(infos) == 2 and all(i.startswith("test ") for i in infos)
    page.click("#compare-runs .run-card[data-run='1']")
    page.wait_for_function("() => window.actlab.state.latest.focus === 1")


def test_divergence_is_a_message_with_its_epoch(page: Page, server: BackgroundServer) -> None:
    open_page(page, server, DIVERGING)
    page.click("#next-step-button")
    page.click("#next-step-button")
    page.wait_for_function("() => window.actlab.stats.epoch === 2")
    overlay = page.locator(".heatmap-overlay")
    assert overlay.is_visible()
    assert overlay.text_content() == "diverged at epoch 1: loss became NaN"
    assert page.text_content("#loss-test") == "NaN"


def test_export_downloads_the_runs_json(page: Page, server: BackgroundServer) -> None:
    open_page(page, server)
    page.click("#next-step-button")
    page.wait_for_function("() => window.actlab.stats.epoch === 1")
    with page.expect_download() as info:
        page.click("#export-button")
    data = json.loads(Path(info.value.path()).read_text())
    assert data["epochs"] == 1
    assert data["config"]["activation"] == "tanh"
    assert len(data["train_loss"]) == 2


def page_at(browser: Any, width: int, height: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    return context, page, problems


def test_an_error_shows_beside_its_control_reverts_and_clears(browser: Any, server) -> None:
    context, page, problems = page_at(browser, 1280, 720)
    open_page(page, server, "activation=leaky_relu&seed=0.5")
    slope = page.locator("#activation-params input[data-param=negative_slope]")
    slope.fill("5")
    slope.dispatch_event("change")
    error = page.locator("#activation-params .inline-error")
    error.wait_for()
    assert "negative_slope" in error.text_content()
    box, near = error.bounding_box(), slope.bounding_box()
    assert 0 <= box["y"] - (near["y"] + near["height"]) <= 40  # just below its input
    assert box["y"] + box["height"] <= 720  # on screen, not only in the footer
    page.wait_for_function(
        "() => document.querySelector('#activation-params input').value === '0.01'")
    slope = page.locator("#activation-params input[data-param=negative_slope]")
    slope.fill("0.2")
    slope.dispatch_event("change")
    page.wait_for_function("() => location.hash.includes('negative_slope:0.2')")
    assert page.locator(".inline-error").count() == 0
    assert page.text_content("#status") == ""
    context.close()
    assert not problems, problems


def test_live_learning_rate_url_box_and_a_late_frame_after_pause(
    page: Page, server: BackgroundServer
) -> None:
    open_page(page, server)
    assert "activation=tanh" in page.input_value("#url-input")
    page.select_option("#activations", "sigmoid")
    page.wait_for_function("() => document.querySelector('#url-input').value"
                           ".includes('activation=sigmoid')")
    for n in (1, 2, 3):
        page.click("#next-step-button")
        page.wait_for_function(f"() => window.actlab.stats.epoch === {n}")
    page.select_option("#learningRate", "0.3")
    page.wait_for_function("() => location.hash.includes('actlabLog=3:learningRate:0.3')")
    assert epoch(page) == 3
    assert "actlabLog=3:learningRate:0.3" in page.input_value("#url-input")
    page.select_option("#speed", "60")
    page.click("#play-pause-button")
    page.wait_for_function("() => window.actlab.stats.epoch > 4")
    page.click("#play-pause-button")
    page.wait_for_function("() => !window.actlab.state.playing")
    # a frame sent before the pause arrives after it: the button stays paused
    page.evaluate("() => window.actlab.receive({...window.actlab.state.latest, playing: true})")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert not page.evaluate("() => document.body.classList.contains('playing')")


def test_teaching_hidden_controls_classroom_link_and_editing_a_weight(
    page: Page, server: BackgroundServer
) -> None:
    open_page(page, server, START + "&learningRate_hide=true&noise_hide=true&hideText=true")
    assert not page.is_visible("#learningRate") and not page.is_visible("#noise")
    assert not page.is_visible("header.banner")
    assert page.is_visible("#activations") and page.is_visible("#batchSize")
    page.click("#classroom summary")
    assert not page.is_checked("#classroom input[data-control=noise]")
    page.uncheck("#classroom input[data-control=batchSize]")
    href = page.get_attribute("#hide-controls-link", "href")
    assert "batchSize_hide=true" in href and "noise_hide=true" in href
    assert "learningRate_hide=true" in href and "seed=0.59704" in href
    # click a link, type a weight; then a bias
    page.click("#network [data-link='0-0-0']")
    page.fill("#edit-value", "0.5")
    page.press("#edit-value", "Enter")
    page.wait_for_function("() => location.hash.includes('actlabLog=0:w0_0_0:0.5')")
    page.click("#network [data-bias='1-1']", force=True)
    page.fill("#edit-value", "-0.25")
    page.press("#edit-value", "Enter")
    page.wait_for_function("() => location.hash.includes('0:b1_1:-0.25')")
    page.wait_for_function(
        """() => {
          const l = window.actlab.state.latest.network.layers;
          const f32 = (b) =>
            new Float32Array(Uint8Array.from(atob(b), c => c.charCodeAt(0)).buffer);
          return f32(l[0].weights)[0] === 0.5 && f32(l[1].biases)[1] === -0.25;
        }""")


def test_six_layers_at_1024_px_keyboard_compare_legend_and_achieved_speed(
    browser: Any, server: BackgroundServer
) -> None:
    context, page, problems = page_at(browser, 1024, 768)
    open_page(page, server, "networkShape=8,8,8,8,8,8&seed=0.5&x=true&y=true&xTimesY=true")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1024
    heat = page.locator("#heatmap").bounding_box()
    assert heat["x"] + heat["width"] <= 1024
    boxes = page.eval_on_selector_all(
        ".plus-minus-neurons",
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.right]; })")
    assert len(boxes) == 6
    assert all(a[1] <= b[0] for a, b in zip(boxes, boxes[1:], strict=False)), boxes
    # keyboard: a dataset thumbnail and an input feature
    page.focus("canvas[data-dataset=xor]")
    page.keyboard.press("Enter")
    page.wait_for_function("() => location.hash.includes('dataset=xor')")
    page.focus("#network [data-feature=xSquared]")
    page.keyboard.press(" ")
    page.wait_for_function("() => location.hash.includes('xSquared=true')")
    # the speed reached is shown when below the speed chosen
    page.select_option("#speed", "2000")
    page.click("#play-pause-button")
    page.wait_for_function("() => document.querySelector('#achieved').textContent !== ''")
    assert re.fullmatch(r"reaching \d+ epochs/s", page.text_content("#achieved"))
    page.click("#play-pause-button")
    # compare mode: a legend names each run
    page.select_option("#compare-add", "relu")
    page.wait_for_function("() => document.querySelectorAll('#chart-legend .legend-item')"
                           ".length === 2")
    assert page.locator("#chart-legend").text_content().startswith("tanhrelu")
    context.close()
    assert not problems, problems


def test_formula_box_and_csv_drop_zone(
    page: Page, server: BackgroundServer
) -> None:
    open_page(page, server)
    page.fill("#formula-input", "bent=x if x > 0 else")
    page.wait_for_function("() => document.querySelector('#formula-status')"
                           ".classList.contains('error')")
    assert page.text_content("#formula-status").startswith("formula:")
    page.fill("#formula-input", "sq_relu=max(0,x)**2")
    page.wait_for_function("() => document.querySelector('#formula-status').textContent"
                           " === 'f and f′ of sq_relu'")
    assert page.locator("#activation-curve path.curve-df").get_attribute("d")
    page.click("#formula-use")
    page.wait_for_function("() => document.querySelector('#activation-name').textContent"
                           " === 'sq_relu'")
    assert "activationFormula=" in page.evaluate("() => location.hash")
    # a CSV through the drop zone's file input: a bad one is an error beside it
    page.set_input_files("#csv-file", files=[
        {"name": "bad.csv", "mimeType": "text/csv", "buffer": b"a,b,label\n1,2,1\n3,x,0\n"}])
    page.wait_for_selector(".ui-dataset .inline-error")
    assert "bad.csv" in page.text_content(".ui-dataset .inline-error")
    rows = "\n".join(f"{i % 7 - 3},{(i * 3) % 11 - 5},{i % 2}" for i in range(60))
    page.set_input_files("#csv-file", files=[
        {"name": "mine.csv", "mimeType": "text/csv", "buffer": f"a,b,label\n{rows}\n".encode()}])
    page.wait_for_function("() => location.hash.includes('&data=')")
    assert page.locator(".inline-error").count() == 0


def controls(page: Page) -> dict[str, Any]:
    """What the page's config controls offer, read from the DOM."""
    return page.evaluate("""() => {
      const values = (sel) => [...document.querySelectorAll(sel)].map((o) => o.value);
      const slider = (id) => {
        const s = document.getElementById(id);
        return {min: Number(s.min), max: Number(s.max), step: Number(s.step)};
      };
      return {
        learning_rate: values("#learningRate option").map(Number),
        regularization_rate: values("#regularRate option").map(Number),
        regularization: values("#regularizations option"),
        problem: values("#problem option"),
        activation: values("#activations optgroup:first-child option"),
        perc_train_data: slider("percTrainData"), noise: slider("noise"),
        batch_size: slider("batchSize"),
      };
    }""")


def test_the_controls_are_the_constraint_tables(page: Page, server: BackgroundServer) -> None:
    open_page(page, server)
    shown = controls(page)
    for name in ("learning_rate", "regularization_rate", "activation"):
        assert shown[name] == list(fields.field(name).ui_values), name
    for name in ("perc_train_data", "noise", "batch_size"):
        lo, hi, step = fields.field(name).ui_range
        assert shown[name] == {"min": lo, "max": hi, "step": step}, name
    assert shown["regularization"] == ["none", "L1", "L2"]
    assert shown["problem"] == list(fields.PROBLEMS)


def test_the_page_follows_a_changed_table(
    page: Page, server: BackgroundServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page has no copy of the table: serve another one and the controls change."""
    changed = {
        "noise": {"ui_range": (0, 40, 10)},
        "batch_size": {"ui_range": (2, 20, 2)},
        "learning_rate": {"ui_values": (0.001, 0.03, 0.05, 0.5)},
        "activation": {"ui_values": ("relu", "elu")},
    }
    monkeypatch.setattr(fields, "FIELDS", tuple(
        dataclasses.replace(f, **changed.get(f.name, {})) for f in fields.FIELDS))
    open_page(page, server, START + "&noise=10&batchSize=10")
    shown = controls(page)
    assert shown["noise"] == {"min": 0, "max": 40, "step": 10}
    assert shown["batch_size"] == {"min": 2, "max": 20, "step": 2}
    assert shown["learning_rate"] == [0.001, 0.03, 0.05, 0.5]
    assert shown["activation"] == ["relu", "elu"]
    # an entry only the changed table has is offered, and the server takes it
    page.select_option("#learningRate", "0.05")
    page.wait_for_function("() => location.hash.includes('learningRate=0.05')")


def test_no_table_no_controls_but_an_error(browser: Any, server: BackgroundServer) -> None:
    context, page, problems = page_at(browser, 1280, 720)
    page.route("**/api/fields", lambda route: route.fulfill(status=503, body="down"))
    page.goto(server.url)
    page.wait_for_function("() => document.querySelector('#status').className === 'error'")
    assert "/api/fields answered 503" in page.text_content("#status")
    assert page.locator("#learningRate option").count() == 0  # no hard-coded fallback
    assert page.get_attribute("#noise", "max") is None
    assert not page.evaluate("() => window.actlab.stats.connected")
    context.close()
    assert not problems, problems
