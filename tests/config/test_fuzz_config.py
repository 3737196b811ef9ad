"""The fuzz suite, without vCenter (docs/security.md#fuzzing): `vcplan validate` of generated
configurations and of mutated examples never prints a traceback, an internal error or the
password, and exits 0, 1 or 2."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.support.fuzz import EXAMPLES, check_output, configurations, fuzz_settings, mutated_bytes
from tests.support.inprocess import run_inprocess


@fuzz_settings(max_examples=60)
@given(configurations())
def test_validate_of_a_generated_configuration_fails_cleanly_or_passes(text):
    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / "main.hcl").write_text(text, encoding="utf-8", errors="surrogatepass")
        check_output(run_inprocess("validate", directory))


@fuzz_settings(max_examples=40)
@given(st.sampled_from(EXAMPLES), st.data())
def test_validate_of_a_mutated_example_fails_cleanly_or_passes(example, data):
    with tempfile.TemporaryDirectory() as directory:
        copy = Path(directory) / example.parent.name
        shutil.copytree(example.parent, copy)
        (copy / example.name).write_bytes(data.draw(mutated_bytes(example.read_bytes())))
        check_output(run_inprocess("validate", str(copy)))
