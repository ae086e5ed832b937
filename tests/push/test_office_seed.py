"""The stand-in's office seed (sandbox/data/emenscr_office_seed.yaml) holds what its own step
forms would accept: every seeded project, re-entered step by step through the stand-in's server
side validation (the code that checks a POSTed step form), passes and reads back the same."""
from __future__ import annotations

import pytest
import yaml

from tidtam.sandbox import emenscr
from tidtam.sandbox.site import Site

from pushkit import entry_steps, site_inputs

STEPS = entry_steps()
step_inputs = site_inputs

SEED = yaml.safe_load(emenscr.OFFICE_SEED.read_text(encoding="utf-8"))["projects"]


@pytest.fixture(scope="module")
def site():
    return Site("emenscr", emenscr.DEFAULT_DATA, lambda s: emenscr.ProjectStore(s, demo_data=False))


def _enter(site, steps: dict) -> dict[str, dict]:
    """Each step as its form would post it, through the stand-in's read_step (M1 carries the
    year that M2–M5 are checked against, as on the site). Returns the errors by step."""
    site.catalogs = {kind: spec["items"] for kind, spec in emenscr.load_yaml(emenscr.CATALOGS).items()}
    project = {"steps": {}}
    errors = {}
    for code in STEPS:
        spec = emenscr.step_spec(site, code)
        values, found = emenscr.read_step(site, spec, step_inputs(steps[code]), project if code != "M1" else None)
        if found:
            errors[code] = found
        else:
            assert step_inputs(values) == step_inputs(steps[code]), code  # reads back as seeded
        project["steps"][code] = values
    return errors


def test_the_seed_has_the_office_projects_minus_the_absent_ones():
    codes = {p["steps"]["M1"]["code"] for p in SEED}
    assert len(codes) == len(SEED) == 64
    assert not codes & {"2570-061", "2570-062", "2570-064", "2570-068"}


@pytest.mark.parametrize("project", SEED, ids=[p["steps"]["M1"]["code"] for p in SEED])
def test_every_seeded_project_passes_the_stand_ins_step_validation(site, project):
    assert _enter(site, project["steps"]) == {}


def test_the_check_can_fail(site):
    """A seeded project with no budget line is what the site refuses (M5 needs one)."""
    steps = {code: dict(values) for code, values in SEED[0]["steps"].items()}
    steps["M5"] = {**steps["M5"], "budget_lines": []}
    assert "budget_lines" in _enter(site, steps).get("M5", {})
