"""The SolaraViz dashboard: its Mesa model (scenario, policy, sliders, traced state), and the
page in a real browser (headless Chromium from Debian's packages, driven by selenium):
loaded, stepped, played, paused and reset, its figures redrawn as the model steps."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from sim.dashboard.model import OWN_POLICY, SLIDERS, DashboardModel, slider_start
from sim.errors import InputError
from sim.model.day import TRACES

EXE = Path(sys.executable).with_name("escalation")
SHOTS = Path(tempfile.gettempdir()) / "escalation-dashboard-screenshots"


def test_the_model_records_every_trace_and_matches_the_mesa_model():
    from sim import mesa_model

    m = DashboardModel()
    ref = mesa_model(None, seed=0, replicate=0, posterior=False)
    for _ in range(30):
        m.step()
        ref.step()
    assert set(m.history) == set(TRACES) and all(len(v) == 30 for v in m.history.values())
    assert m.traces()["militia_fear"].shape == (30, len(m.setup.group_names))
    np.testing.assert_array_equal(m.counts, ref.daily_counts())
    assert m.history["iran_risk"][-1] == pytest.approx(ref.iran.risk)
    assert m.weekly_attacks().sum() == m.counts[:, 0].sum() and len(m.weekly_attacks()) == 5
    doc = m.documented()
    assert len(doc) == m.setup.weeks and np.nansum(doc) > 100  # the 2019-2024 record


def test_policy_and_sliders_set_parameters_and_unmoved_sliders_do_not():
    moved = DashboardModel(policy="answer_every_streak", **{"us.force_protection": 0.9,
                                                            "militia.w_fear": slider_start("militia.w_fear")})
    assert moved.params["us.trigger"][0] == 2.0  # streak
    assert moved.params["us.respond_prob_trigger"][0] == 0.95  # the policy's, not a slider's
    assert moved.params["us.force_protection"][0] == 0.9
    assert moved.moved == {"us.force_protection": 0.9}
    assert moved.label == "baseline under answer_every_streak"
    own = DashboardModel(policy=OWN_POLICY, **{k: slider_start(k) for k in SLIDERS})
    assert own.moved == {} and own.params["us.trigger"][0] == 0.0
    with pytest.raises(InputError, match="has no slider"):
        DashboardModel(**{"us.lag_max_days": 3})


def test_the_model_stops_at_the_end_of_its_horizon(tmp_path):
    p = tmp_path / "tiny.toml"
    p.write_text(f'extends = "{Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"}"\n'
                 '[scenario]\nname = "tiny"\nend = 2019-01-10\n')
    m = DashboardModel(scenario_name=str(p))
    for _ in range(15):
        m.step()
    assert m.day == 10 and not m.running


# --------------------------------------------------------------------------- the browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    log = open(Path(tempfile.gettempdir()) / f"escalation-dashboard-{port}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([str(EXE), "dashboard", "--port", str(port)], stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(120):
            if proc.poll() is not None:
                raise AssertionError(f"escalation dashboard exited with {proc.returncode}; "
                                     f"see {log.name}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError("the dashboard did not answer within 60 s")
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the server we started (its own session)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    assert chromium and driver, ("headless Chromium is needed: `make test` installs the "
                                 "Debian packages chromium and chromium-driver")
    profile = tempfile.mkdtemp(prefix="escalation-chromium-")
    opts = Options()
    opts.binary_location = chromium
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                f"--user-data-dir={profile}", "--window-size=1600,1300"):
        opts.add_argument(arg)
    d = webdriver.Chrome(service=Service(driver), options=opts)
    d.set_page_load_timeout(120)
    try:
        yield d
    finally:
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _day(d) -> int | None:
    from selenium.webdriver.common.by import By

    found = d.find_elements(By.ID, "escalation-day")
    m = re.search(r"Day (\d+) of", found[0].text) if found else None
    return int(m.group(1)) if m else None


def _wait(d, cond, what: str, timeout: float = 90.0):
    t = time.time()
    while time.time() - t < timeout:
        try:
            v = cond()
        except Exception:  # noqa: BLE001 - the page is re-rendering; look again
            v = None
        if v:
            return v
        time.sleep(0.25)
    SHOTS.mkdir(exist_ok=True)
    d.save_screenshot(str(SHOTS / "failed.png"))
    raise AssertionError(f"timed out waiting for {what} (screenshot {SHOTS / 'failed.png'})")


def _button(d, label: str):
    from selenium.webdriver.common.by import By

    for b in d.find_elements(By.TAG_NAME, "button"):
        if b.text.strip().lower() == label.lower():
            return b
    return None


def _figures(d) -> list[bytes]:
    """The pixels of every figure on the page (matplotlib PNGs, drawn by the server)."""
    from selenium.webdriver.common.by import By

    return [img.screenshot_as_png for img in d.find_elements(By.TAG_NAME, "img")
            if img.size["width"] > 200]


def test_the_page_loads_steps_plays_and_resets_in_a_browser(server, browser):
    d = browser
    d.get(server)
    _wait(d, lambda: _day(d) == 0, "the status panel at day 0")
    _wait(d, lambda: len(_figures(d)) == 3, "the three figures")
    text = d.find_element("tag name", "body").text
    for label in ("Scenario", "Policy", "militia.w_fear", "us.force_protection", "RESET",
                  "STEP", "Day 0 of 2192"):
        assert label in text, label
    for trace in TRACES:  # every traced state variable is in the status table
        assert trace in text, trace
    before = _figures(d)
    SHOTS.mkdir(exist_ok=True)
    d.save_screenshot(str(SHOTS / "0-loaded.png"))

    _button(d, "step").click()  # a week: the render interval
    _wait(d, lambda: _day(d) == 7, "day 7 after one step")
    _wait(d, lambda: all(a != b for a, b in zip(before, _figures(d))),
          "every figure redrawn after the step")
    assert "2019-01-07" in d.find_element("tag name", "body").text
    d.save_screenshot(str(SHOTS / "1-stepped.png"))

    after_step = _figures(d)
    _button(d, "▶").click()
    _wait(d, lambda: (_day(d) or 0) >= 56, "eight weeks played", timeout=180)
    _wait(d, lambda: _button(d, "❚❚"), "the pause button").click()
    paused = _wait(d, lambda: _day(d) if _button(d, "step") and _button(d, "step").is_enabled()
                   else None, "the model paused")
    time.sleep(1.5)
    assert _day(d) == paused  # it stays where it was paused
    assert all(a != b for a, b in zip(after_step, _figures(d)))
    d.save_screenshot(str(SHOTS / "2-played.png"))

    _button(d, "reset").click()
    _wait(d, lambda: _day(d) == 0, "day 0 after reset")
