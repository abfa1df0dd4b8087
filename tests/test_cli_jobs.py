"""Naming scheduled jobs on the command line, and asking before deleting one.

A JOB_ID (and ``--job``) may be a job's id, a unique start of it, or its name;
an ambiguous or unknown one is an error listing what it could mean.
``schedule delete`` asks at a terminal, or takes ``--yes``; with ``--json`` or
without a terminal it refuses rather than wait for an answer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from ledgerlink.cli import asking, main, output
from ledgerlink.cli.schedule_support import resolve_job
from ledgerlink.errors import NotFoundError, ValidationError

NOW = "2025-11-02T10:00:00+01:00"


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh working directory; wide consoles."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEDGERLINK_SMTP_HOST", raising=False)
    monkeypatch.setattr(output, "console", Console(width=200))
    monkeypatch.setattr(output, "stderr", Console(width=200, stderr=True))
    return tmp_path


def invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, ["schedule", *args], input=input)


def create(name: str, company: str = "My company") -> str:
    result = invoke("create", "--name", name, "--every", "daily", "--created-by", "ann",
                    "--company", company, "--now", NOW, "--json")
    assert result.exit_code == 0, result.output
    job_id: str = json.loads(result.stdout)["id"]
    return job_id


def listed() -> list[dict[str, Any]]:
    result = invoke("list", "--all", "--json")
    assert result.exit_code == 0, result.output
    jobs: list[dict[str, Any]] = json.loads(result.stdout)
    return jobs


def test_a_job_is_named_by_a_unique_id_start_or_its_name() -> None:
    """deactivate and activate take an id start or the name (any case); --json says what."""
    job_id = create("Nightly invoices")
    result = invoke("deactivate", job_id[:5], "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"id": job_id, "name": "Nightly invoices",
                                         "company": "My company", "action": "deactivated"}
    assert listed()[0]["active"] is False
    again = invoke("activate", "nightly INVOICES")
    assert again.exit_code == 0, again.output
    assert f"Job {job_id} (Nightly invoices) activated." in again.stdout
    assert listed()[0]["active"] is True


def test_an_ambiguous_start_lists_the_candidates_and_changes_nothing() -> None:
    """An id start or name that fits several jobs is bad input naming each of them."""
    first, second = create("Nightly"), create("Nightly", company="Other ApS")
    result = invoke("deactivate", "Nightly", "--json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["field"] == "JOB_ID"
    assert first in error["message"] and second in error["message"]
    assert "Other ApS" in error["message"]
    assert all(job["active"] for job in listed())


def test_an_unknown_job_is_an_error_saying_how_to_list_them() -> None:
    """A name or start no job has exits 1 and points to `schedule list --all`."""
    create("Nightly")
    result = invoke("deactivate", "zzz")
    assert result.exit_code == 1
    assert "no scheduled job 'zzz'" in result.stderr
    assert "schedule list --all" in result.stderr


def test_log_and_runs_find_a_deleted_job_by_name() -> None:
    """--job reaches a deleted job's runs and log by its name (they are kept)."""
    create("Old job")
    assert invoke("delete", "Old job", "--yes").exit_code == 0
    runs = invoke("runs", "--job", "Old job", "--json")
    assert runs.exit_code == 0, runs.output
    assert json.loads(runs.stdout) == []


def test_delete_refuses_without_a_terminal_or_under_json() -> None:
    """Without --yes, delete refuses (exit 2, --yes named) when nobody can be asked."""
    job_id = create("Nightly")
    plain = invoke("delete", job_id)
    assert plain.exit_code == 2
    assert "--yes" in plain.stderr and "no terminal" in plain.stderr
    as_json = invoke("delete", job_id, "--json")
    assert as_json.exit_code == 2
    assert json.loads(as_json.stdout)["error"]["field"] == "--yes"
    assert [job["id"] for job in listed()] == [job_id]


def test_delete_asks_at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """At a terminal delete asks: "n" keeps the job (exit 1), "y" deletes it."""
    monkeypatch.setattr(asking, "can_ask", lambda: True)
    job_id = create("Nightly")
    kept = invoke("delete", "Nightly", input="n\n")
    assert kept.exit_code == 1
    assert f"Delete job {job_id} (Nightly)?" in kept.output
    assert [job["id"] for job in listed()] == [job_id]
    gone = invoke("delete", "Nightly", input="y\n")
    assert gone.exit_code == 0, gone.output
    assert listed() == []


# --- the rule, over any set of ids -----------------------------------------------------


@attrs.frozen
class _Job:
    id: str
    name: str
    company: str = "Co"


@attrs.frozen
class _Jobs:
    held: tuple[_Job, ...]

    def get(self, job_id: str, *, include_deleted: bool = False) -> _Job:
        for job in self.held:
            if job.id == job_id:
                return job
        raise NotFoundError(f"no scheduled job {job_id!r}", provider="ledgerlink")

    def jobs(self, *, include_deleted: bool = False) -> list[_Job]:
        return list(self.held)


@attrs.frozen
class _Scheduler:
    jobs: _Jobs


@given(ids=st.lists(st.text(alphabet="0123456789abcdef", min_size=4, max_size=8),
                    min_size=1, max_size=6, unique=True),
       ref=st.text(alphabet="0123456789abcdef", min_size=1, max_size=8))
def test_an_id_start_resolves_exactly_when_one_job_has_it(ids: list[str], ref: str) -> None:
    """A ref resolves to the job with that id, else to the only id starting with it."""
    scheduler: Any = _Scheduler(_Jobs(tuple(_Job(i, f"job {n}") for n, i in enumerate(ids))))
    starting = [i for i in ids if i.startswith(ref)]
    expected = ref if ref in ids else starting[0] if len(starting) == 1 else None
    if expected is not None:
        assert resolve_job(scheduler, ref) == expected
    elif starting:
        with pytest.raises(ValidationError, match=f"names {len(starting)} jobs"):
            resolve_job(scheduler, ref)
    else:
        with pytest.raises(NotFoundError):
            resolve_job(scheduler, ref)
