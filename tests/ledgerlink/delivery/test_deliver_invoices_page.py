"""docs/how-to/deliver-invoices.md runs as written: its files load, its choice example and
its ``policy explain`` command print what the page shows, and its channel plugin passes the
conformance suite."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from ledgerlink.cli import main, output
from ledgerlink.loading import apply_overrides, load_customers, load_policy
from tests.paths import DOCS

pytest_plugins = ["pytester"]

PAGE = DOCS / "how-to" / "deliver-invoices.md"
FENCE = re.compile(r"^```(?P<lang>\w+)(?: title=\"(?P<title>[^\"]+)\")?\n(?P<body>.*?)^```$",
                   re.MULTILINE | re.DOTALL)
BLOCKS = [(m["lang"], m["title"], m["body"]) for m in FENCE.finditer(PAGE.read_text("utf-8"))]


def _titled(title: str) -> str:
    [body] = [body for _, named, body in BLOCKS if named == title]
    return body


def test_the_pages_files_load(tmp_path: Path) -> None:
    """The policy file and customer file on the page load with the settings it describes."""
    (tmp_path / "policy.toml").write_text(_titled("policy.toml"), encoding="utf-8")
    (tmp_path / "customers.csv").write_text(_titled("customers.csv"), encoding="utf-8")
    company = load_policy(tmp_path / "policy.toml").company
    assert (company.delivery.value, company.deliver_through_ledgerlink) == ("auto", True)
    customers = load_customers(tmp_path / "customers.csv")
    assert [c.delivery and c.delivery.value for c in customers] == [None, "letter"]


def test_the_policy_files_channel_wins_over_the_customer_files(tmp_path: Path) -> None:
    """c-17's channel in the page's policy file replaces its blank cell; c-19 keeps its own."""
    (tmp_path / "policy.toml").write_text(_titled("policy.toml"), encoding="utf-8")
    (tmp_path / "customers.csv").write_text(_titled("customers.csv"), encoding="utf-8")
    policy = load_policy(tmp_path / "policy.toml")
    merged = apply_overrides(load_customers(tmp_path / "customers.csv"), policy.overrides,
                             source="policy.toml", deliveries=policy.deliveries)
    assert [c.delivery and c.delivery.value for c in merged] == ["einvoice", "letter"]


def test_policy_explain_prints_what_the_page_shows(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's bash block, run on its files at 80 columns, prints the text block after it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(output, "console", Console(width=80))
    (tmp_path / "policy.toml").write_text(_titled("policy.toml"), encoding="utf-8")
    (tmp_path / "customers.csv").write_text(_titled("customers.csv"), encoding="utf-8")
    index = [lang for lang, _, _ in BLOCKS].index("bash")
    (_, _, command), (lang, _, shown) = BLOCKS[index], BLOCKS[index + 1]
    [program, *args] = shlex.split(command.replace("\\\n", " "))  # a continued line
    assert (program, lang) == ("ledgerlink", "text")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert [line.rstrip() for line in result.stdout.splitlines()] == shown.splitlines()


def test_the_choice_example_prints_what_the_page_shows() -> None:
    """The untitled Python block prints exactly the text block after it."""
    untitled = [(lang, body) for lang, title, body in BLOCKS if title is None]
    index = [lang for lang, _ in untitled].index("python")
    code, (lang, shown) = untitled[index][1], untitled[index + 1]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, str(PAGE), "exec"), {"__name__": "page"})
    assert lang == "text"
    assert printed.getvalue() == shown


def test_the_channel_plugin_passes_its_conformance_test(pytester: pytest.Pytester) -> None:
    """folder_channel.py and test_folder_channel.py, as written, pass all seven tests."""
    pytester.makepyfile(folder_channel=_titled("folder_channel.py"),
                        test_folder_channel=_titled("test_folder_channel.py"))
    pytester.syspathinsert()
    outcome = pytester.inline_run("-p", "no:randomly", "-p", "no:cacheprovider")
    passed, skipped, failed = outcome.listoutcomes()
    assert (len(passed), len(skipped), len(failed)) == (7, 0, 0)


def test_the_plugin_registers_its_channel(pytester: pytest.Pytester) -> None:
    """The page's module is a plugin: its hook registers ``folder``, which opens with its
    option and refuses a folder that does not exist."""
    from ledgerlink.errors import DeliveryError
    from ledgerlink.plugins import get_plugin_manager

    pytester.makepyfile(folder_channel=_titled("folder_channel.py"))
    pytester.syspathinsert()
    import folder_channel  # type: ignore[import-not-found]

    registry = get_plugin_manager(load_entry_points=False,
                                  plugins=[("folder", folder_channel)]).channels()
    channel = registry.create("folder", folder=str(pytester.path))
    assert channel.name == "folder"
    with pytest.raises(DeliveryError, match="is not a folder"):
        registry.create("folder", folder=str(pytester.path / "missing"))


def test_the_pages_channel_tables_open(tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's [channels.*] tables, in a policy file, load and open an e-mail, a letter
    and an e-invoice channel, and a receiver lookup for auto."""
    from ledgerlink.delivery import DeliveryChannels

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEDGERLINK_SMTP_PASSWORD", "app-password")
    (tmp_path / "policy.toml").write_text('[company]\nname = "Varme & Vand ApS"\n\n'
                                          + _titled("channels.toml"), encoding="utf-8")
    settings = load_policy(tmp_path / "policy.toml").channels
    assert sorted(settings) == ["einvoice", "email", "letter", "lookup"]
    with DeliveryChannels.from_settings(settings) as channels:
        assert channels.email is not None and channels.email.name == "email"
        assert channels.letter is not None and channels.letter.name == "letter-folder"
        assert channels.einvoice is not None and channels.can_receive is not None
        assert channels.refuses_repeats("letter") and not channels.refuses_repeats("email")


def test_the_delivery_example_delivers_once(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's run example writes Bo Berg's letter once, as its asserts say, and the
    transfer log names the letter written."""
    monkeypatch.chdir(tmp_path)
    untitled = [body for lang, title, body in BLOCKS if title is None and lang == "python"]
    [code] = [body for body in untitled if "DeliveryChannels(" in body]
    namespace: dict[str, object] = {"__name__": "page"}
    exec(compile(code, str(PAGE), "exec"), namespace)
    assert len(list((tmp_path / "letters").glob("*.pdf"))) == 1
    first = namespace["first"]
    [line] = [e.message for e in first.log if e.action == "deliver"]  # type: ignore[attr-defined]
    assert line.startswith("letter: letter written to letters/inv_wo-1003_letter-folder.")
