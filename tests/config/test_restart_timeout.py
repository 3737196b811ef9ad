"""`lifecycle { restart_timeout }`: how long a restarted VM has to come back."""

from __future__ import annotations

import pytest

from planner.model.attributes import desired_attributes
from tests.config.helpers import HEADER, errors, vms


def lifecycle(value: str) -> str:
    return f'vm "web" {{\n  lifecycle {{\n    restart_timeout = {value}\n  }}\n}}\n'


def test_restart_timeout_defaults_to_ten_minutes(tmp_path):
    assert vms(tmp_path, 'vm "web" {}\n')["web"].restart_timeout == 600


@pytest.mark.parametrize(
    ("value", "seconds"), [("90", 90), ('"90s"', 90), ('"10m"', 600), ('"1h30m"', 5400)]
)
def test_restart_timeout_takes_seconds_or_a_duration(tmp_path, value, seconds):
    assert vms(tmp_path, lifecycle(value))["web"].restart_timeout == seconds


def test_restart_timeout_goes_into_the_plans_after(tmp_path):
    vm = vms(tmp_path, lifecycle('"5m"'))["web"]
    assert desired_attributes(vm, "ws")["restart_timeout"] == 300


def test_a_restart_timeout_that_is_not_a_duration_names_its_position(tmp_path):
    text = HEADER + 'datacenter "DC0" {\n  cluster "C0" {\n' + lifecycle('"soon"') + "  }\n}\n"
    assert errors(tmp_path, text) == [
        'main.hcl:8:23: error: restart_timeout must be a duration (got "soon"); '
        'seconds, or a string like "90s", "10m" or "1h30m"'
    ]
