"""The session guard of tests/conftest.py (no test writes into results/leaderboard/ of the
repository): its snapshot diff reports created, removed and changed files and nothing else."""

import os

from tests.conftest import NO_TEST_WRITES, tree_changes, tree_state


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
