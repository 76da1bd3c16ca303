"""pytest example for the bmsemu remote test API: a paused run, stepped, read, faulted, checked.

Run: BMSEMU=.build/debug/bmsemu python3 -m pytest HIL/python
"""

import os
import shutil

import pytest

from bmsemu_rpc import BmsemuProcess, RpcError


def bmsemu_binary():
    candidates = [os.environ.get("BMSEMU"), shutil.which("bmsemu")]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    candidates += [os.path.join(root, ".build", "debug", "bmsemu"), os.path.join(root, ".build", "release", "bmsemu")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.skip("no bmsemu binary: build it (swift build) or set BMSEMU")


@pytest.fixture
def emu():
    with BmsemuProcess.start(bmsemu_binary(), paused=True, speed="max") as process:
        with process.client() as client:
            yield client


def test_paused_run_steps_deterministically(emu):
    status = emu.call("sim.status")
    assert status["paused"] and status["state"] == "paused" and status["time_seconds"] == 0
    emu.step(2.0)
    assert emu.call("sim.status")["time_seconds"] == pytest.approx(2.0)
    # Paused: nothing moves between requests.
    assert emu.call("sim.status")["time_seconds"] == pytest.approx(2.0)
    assert emu.read("bms.state") == "Standby"
    assert 40 < emu.read("bms.soc_percent") < 60
    assert abs(emu.read("bms.soc_percent") - emu.read("pack.soc_percent")) < 5


def test_cell_overvoltage_opens_the_contactors(emu):
    emu.write("vehicle.request", "Discharge")
    emu.write("vehicle.load_amps", 20)
    emu.step(5.0)
    assert emu.read("bms.state") == "Discharge"
    assert emu.read("bms.contactors_closed") is True
    assert emu.read("contactors.main_positive") is True
    # A cell-voltage channel reads 4.4 V (the scenario sensor_fault vocabulary), far above the maximum
    # safety limit: the BMS must open the contactors within its reaction time and raise the alarm.
    emu.call("fault.inject", sensor_fault="cmu1.voltage[1] stuck 4.4V")
    assert emu.read("nodes.fault") == ["cmu1.voltage[1] stuck 4.4V"]
    capture = emu.call("signal.capture", names=["bms.contactors_closed", "bms.state"], seconds=3.0, period_s=0.1)
    opened = capture["values"]["bms.contactors_closed"]
    assert opened[0] is True and opened[-1] is False
    reaction = capture["time_seconds"][opened.index(False)] - capture["time_seconds"][0]
    assert reaction <= 1.0, f"contactors opened {reaction} s after the fault"
    assert emu.read("contactors.main_positive") is False
    assert emu.read("bms.alarms").get("CellOvervoltage", 0) >= 2
    assert emu.read("bms.state") == "Error"


def test_bad_requests_get_errors_and_change_nothing(emu):
    emu.step(1.0)
    before = emu.call("sim.status")
    assert emu.send_line("{not json")["error"]["code"] == -32700
    assert emu.send_line('{"jsonrpc": "2.0", "id": 1}')["error"]["code"] == -32600
    assert emu.send_line('{"jsonrpc": "2.0", "id": 2, "method": "sim.warp"}')["error"]["code"] == -32601
    with pytest.raises(RpcError) as error:
        emu.write("pack.ambient_celsius", 900)
    assert error.value.code == -32602 and "out of range" in error.value.message
    with pytest.raises(RpcError) as error:
        emu.read("pack.flux_capacitor")
    assert error.value.code == -32001
    with pytest.raises(RpcError) as error:
        emu.write("bms.state", "Charge")
    assert error.value.code == -32002
    with pytest.raises(RpcError) as error:
        emu.call("fault.inject", sensor_fault="cmu42 silent")
    assert error.value.code == -32004
    assert emu.read("pack.ambient_celsius") == 25
    assert emu.read("nodes.fault") == []
    assert emu.call("sim.status") == before
