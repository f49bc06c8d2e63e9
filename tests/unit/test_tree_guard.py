"""The session guard of tests/conftest.py (no test writes into results/leaderboard/ of the
repository): its snapshot diff reports created, removed and changed files and nothing else."""

import os

from tests.conftest import NO_TEST_WRITES, demo_leaderboard_paths, tree_changes, tree_state


def test_tree_changes_reports_created_removed_changed(tmp_path):
    (tmp_path / "results" / "leaderboard" / "a").mkdir(parents=True)
    (tmp_path / "results" / "leaderboard" / "a" / "scores.tsv").write_text("x")
    (tmp_path / "results" / "leaderboard" / "old.tsv").write_text("y")
    (tmp_path / "results" / "dream").mkdir()
    before = tree_state(tmp_path, NO_TEST_WRITES)
    assert set(before) == {"results/leaderboard/a/scores.tsv", "results/leaderboard/old.tsv"}
    assert tree_changes(before, tree_state(tmp_path, NO_TEST_WRITES)) == ""
    (tmp_path / "results" / "dream" / "scores.tsv").write_text("outside the guarded folder")
    assert tree_changes(before, tree_state(tmp_path, NO_TEST_WRITES)) == ""
    (tmp_path / "results" / "leaderboard" / "pytest_tiny").mkdir()
    (tmp_path / "results" / "leaderboard" / "pytest_tiny" / "scores.tsv").write_text("z")
    (tmp_path / "results" / "leaderboard" / "old.tsv").unlink()
    p = tmp_path / "results" / "leaderboard" / "a" / "scores.tsv"
    os.utime(p, ns=(p.stat().st_atime_ns, p.stat().st_mtime_ns + 10**9))
    assert tree_changes(before, tree_state(tmp_path, NO_TEST_WRITES)) == (
        "created ['results/leaderboard/pytest_tiny/scores.tsv'], removed ['results/leaderboard/old.tsv'], "
        "changed ['results/leaderboard/a/scores.tsv']")


def test_missing_guarded_folder_is_an_empty_state(tmp_path):
    assert tree_state(tmp_path, NO_TEST_WRITES) == {}


def test_demo_run_outputs_are_skipped_test_leftovers_are_not(tmp_path):
    """`make test` runs the demo (whose `all` builds the leaderboard) beside the unit tests: the
    page files and the demo cards' folders may change during the session, a test's card may not."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text("models:\n  tiny_cnn: {}\n  demo_enformer: {}\n")
    skip = demo_leaderboard_paths(tmp_path)
    lb = tmp_path / "results" / "leaderboard"
    before = tree_state(tmp_path, NO_TEST_WRITES, skip)
    for rel in ("index.html", ".index.html.abc.tmp.html", "tiny_cnn/scores.tsv", "demo_enformer/sub/x.tsv"):
        (lb / rel).parent.mkdir(parents=True, exist_ok=True)
        (lb / rel).write_text("demo")
    assert tree_changes(before, tree_state(tmp_path, NO_TEST_WRITES, skip)) == ""
    (lb / "tiny_cnn_x").mkdir()
    (lb / "tiny_cnn_x" / "scores.tsv").write_text("a test's card")  # a prefix of a demo card's name is not it
    (lb / "pytest_tiny" / "sub").mkdir(parents=True)
    (lb / "pytest_tiny" / "sub" / "index.html").write_text("a test's file")
    assert tree_changes(before, tree_state(tmp_path, NO_TEST_WRITES, skip)) == (
        "created ['results/leaderboard/pytest_tiny/sub/index.html', 'results/leaderboard/tiny_cnn_x/scores.tsv'], "
        "removed [], changed []")
    assert demo_leaderboard_paths()[1:] == ("results/leaderboard/tiny_cnn/", "results/leaderboard/demo_enformer/")
