"""`portal source add|list|sync|remove` against fixture sources: a source
added on the command line is found by search after one sync; bad input is a
one-line error and a non-zero exit."""

from __future__ import annotations

import json

import pytest
from sources_support import JSON_MAPPING, ThreadedServer, closed_port, fixture_app

from appliance.cli import main
from appliance.db import open_sync
from search.engine import run_search


def portal(data_dir, *args) -> int:
    return main([*args, "--data", str(data_dir)])


@pytest.mark.corpus
def test_add_sync_list_remove(data_dir, source_state, capsys, tmp_path):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(JSON_MAPPING), encoding="utf-8")
    with ThreadedServer(fixture_app(source_state)) as server:
        assert portal(data_dir, "source", "add", "rss", server.url("/feed.xml"),
                      "--name", "Sở TTTT", "--every", "30") == 0
        assert portal(data_dir, "source", "add", "json", server.url("/api/thu-tuc"),
                      "--name", "DVC", "--content-kind", "procedure",
                      "--mapping", str(mapping)) == 0
        capsys.readouterr()
        assert portal(data_dir, "source", "sync") == 0
        out = capsys.readouterr().out
        assert f"Sở TTTT: {len(source_state.news())} added" in out
        assert f"DVC: {len(source_state.procedures())} added" in out
        assert portal(data_dir, "source", "sync", "DVC") == 0
        assert "DVC: not changed since the last sync" in capsys.readouterr().out

    conn = open_sync(data_dir / "portal.db")
    title = source_state.news()[2]["title"]
    assert title in [i["title"] for i in run_search(conn, title)["items"]]
    conn.close()

    assert portal(data_dir, "source", "list") == 0
    listing = capsys.readouterr().out
    assert "Sở TTTT" in listing and " ok" in listing
    assert portal(data_dir, "source", "remove", "Sở TTTT") == 0
    assert f"{len(source_state.news())} item(s)" in capsys.readouterr().out


def test_a_failing_sync_exits_non_zero_with_the_reason(data_dir, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")  # the command speaks English
    url = f"http://127.0.0.1:{closed_port()}/feed.xml"
    assert portal(data_dir, "source", "add", "rss", url, "--name", "down") == 0
    assert portal(data_dir, "source", "sync", "down") == 1
    # In the command's language, though the site's (kept for the admin) is vi.
    assert "down: failed: The source's server" in capsys.readouterr().out
    assert portal(data_dir, "source", "list") == 0
    assert "last error: The source's server" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["add", "rss", "ftp://x/feed", "--name", "x"], "not a web address"),
    (["add", "rss", "https://x.example.vn/f", "--name", "x", "--every", "1"],
     "Minutes must be from"),
    (["sync", "nobody"], "No source named"),
    (["remove", "nobody"], "No source named"),
])
def test_bad_input_is_one_line(data_dir, capsys, args, message):
    assert portal(data_dir, "source", *args) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_mapping_that_is_not_json_is_refused(data_dir, capsys, tmp_path):
    mapping = tmp_path / "m.json"
    mapping.write_text("{items: x}", encoding="utf-8")
    assert portal(data_dir, "source", "add", "json", "https://x.example.vn/api",
                  "--name", "x", "--mapping", str(mapping)) == 1
    assert "not valid JSON" in capsys.readouterr().err
