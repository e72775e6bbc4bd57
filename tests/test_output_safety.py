"""Output folders that can never destroy an input (issue 11, items 1-4, 12, 17), with real folders,
real processes and real signals.

1. an --out that is, holds or is above any input (rule set, quota table, pools, scenario, its bases,
   its extra files) is refused even with --force, and nothing is touched;
2. the check and the final rename are race-free: of two runs on one --out exactly one wins, and a
   folder that appears during a run is not replaced;
3. --force replaces only a folder this tool wrote (its record), never a file, a device, a link or
   someone else's folder;
4. SIGTERM is handled as Ctrl-C (exit 143, nothing left) and temporary folders of killed runs are
   removed by the next run into the same parent;
12. Ctrl-C while the program is still importing exits 130 with a message, no traceback;
17. --workers is checked.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import SLOW_TABLES, as_from_a_terminal, signal_when_reached
from typer.testing import CliRunner

import selector.outputs.folders
from selector.i18n import language
from selector.interfaces.cli import app

ROOT = Path(__file__).resolve().parent.parent
MINI = Path(__file__).parent / "data" / "mini"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _chinese():
    with language("zh"):  # the messages as a user sees them by default
        yield


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` (and every folder) with its content's SHA-256."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
    return out


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def mini_args(out: Path, *extra: str) -> list[str]:
    return ["select", "--rules", str(MINI / "rules.toml"), "--individuals", str(MINI / "pool.csv"),
            "--out", str(out), "--no-plots", *extra]


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the rule sets and the scenarios, laid out as in the repository."""
    root = tmp_path / "project"
    shutil.copytree(ROOT / "models", root / "models")
    shutil.copytree(ROOT / "scenarios" / "fuxin-2021", root / "scenarios" / "fuxin-2021",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "scenarios" / "whatif", root / "scenarios" / "whatif")
    return root


# ------------------------------------------------------------------------------------- 1. inputs
@pytest.mark.parametrize("where", ["scenarios/whatif", "scenarios", "."])
def test_select_into_the_folder_of_its_scenario_or_above_is_refused_even_with_force(project, where):
    before = tree(project)
    out = project / where
    r = runner.invoke(app, ["select", str(project / "scenarios/whatif/late-submissions.toml"),
                            "--out", str(out), "--force", "--no-plots"])
    assert r.exit_code == 2, r.output
    assert "holds the input file" in r.output and "inputs are never modified" in r.output
    assert tree(project) == before  # the scenario, late-submissions.csv and every other file are still there


def test_template_into_the_rule_sets_folder_is_refused_even_with_force(project):
    before = tree(project)
    models = project / "models"
    for out in (models, models / "fuxin-2021.toml", models / "fuxin-2021-quotas.csv"):
        r = runner.invoke(app, ["template", "--rules", str(project / "models/fuxin-2021.toml"), "--out", str(out),
                                "--force"])
        assert r.exit_code == 2, r.output
        assert "holds the input file" in r.output
    assert tree(project) == before


def test_whatif_into_the_folder_of_an_extra_file_is_refused(project, tmp_path):
    """late-submissions.csv is read through a scenario: its folder holds an input too."""
    extra = tmp_path / "late"
    extra.mkdir()
    shutil.move(project / "scenarios/whatif/late-submissions.csv", extra / "late-submissions.csv")
    sc = project / "scenarios/whatif/late-submissions.toml"
    sc.write_text(sc.read_text(encoding="utf-8").replace('"late-submissions.csv"', f'"{extra}/late-submissions.csv"'),
                  encoding="utf-8")
    before = tree(extra)
    r = runner.invoke(app, ["whatif", str(project / "scenarios/fuxin-2021/scenario.toml"), str(sc),
                            "--out", str(extra), "--force", "--no-plots"])
    assert r.exit_code == 2, r.output
    assert "holds the input file" in r.output and "late-submissions.csv" in r.output
    assert tree(extra) == before


def test_a_link_to_the_inputs_folder_is_refused(project, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(project / "models", target_is_directory=True)
    r = runner.invoke(app, ["template", "--rules", str(project / "models/fuxin-2021.toml"), "--out", str(link),
                            "--force"])
    assert r.exit_code == 2 and "holds the input file" in r.output
    assert (project / "models" / "fuxin-2021.toml").is_file() and link.is_symlink()


# ------------------------------------------------------------------------------------- 3. --force
def test_force_never_turns_a_file_into_a_folder(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("the office's notes\n", encoding="utf-8")
    r = runner.invoke(app, mini_args(f, "--force"))
    assert r.exit_code == 2, r.output
    assert "是文件，不是输出文件夹" in r.output and "--force" in r.output
    assert f.read_text(encoding="utf-8") == "the office's notes\n"
    assert hidden(tmp_path) == []


def test_force_never_removes_a_device_a_pipe_or_a_link(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere")
    for target, what in ((Path("/dev/null"), "设备文件"), (fifo, "管道"), (link, "符号链接")):
        r = runner.invoke(app, mini_args(target, "--force"))
        assert r.exit_code == 2, r.output
        assert what in r.output, r.output
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and link.is_symlink()


def test_force_keeps_a_folder_this_tool_did_not_write(tmp_path):
    out = tmp_path / "photos"
    out.mkdir()
    (out / "a.jpg").write_bytes(b"\xff\xd8 not really")
    (out / "summary.json").write_text("{}", encoding="utf-8")  # a name of ours is not our record
    before = tree(out)
    r = runner.invoke(app, mini_args(out, "--force"))
    assert r.exit_code == 2, r.output
    assert "不是本工具写入的文件夹" in r.output
    assert tree(out) == before and hidden(tmp_path) == []


@pytest.mark.parametrize("command", ["select", "check", "template"])
def test_force_replaces_a_folder_this_tool_wrote(tmp_path, command):
    out = tmp_path / "out"
    args = {"select": mini_args(out),
            "check": ["check", "--rules", str(MINI / "rules.toml"), "--individuals", str(MINI / "pool.csv"),
                      "--out", str(out)],
            "template": ["template", "--rules", str(MINI / "rules.toml"), "--out", str(out)]}[command]
    assert runner.invoke(app, args).exit_code in (0, 1)
    (out / "added.txt").write_text("x", encoding="utf-8")
    r = runner.invoke(app, [*args, "--force"])
    assert r.exit_code in (0, 1), r.output
    assert not (out / "added.txt").exists() and hidden(tmp_path) == []


# ------------------------------------------------------------------------------------- 2. races
def _appear_during_run(monkeypatch, out: Path, content: bool = True) -> None:
    real = selector.outputs.folders.slate_tables

    def tables(*a, **k):
        out.mkdir()
        if content:
            (out / "theirs.txt").write_text("written by someone else during the run\n", encoding="utf-8")
        return real(*a, **k)

    monkeypatch.setattr(selector.outputs.folders, "slate_tables", tables)


@pytest.mark.parametrize("force", [False, True])
def test_a_folder_appearing_during_the_run_is_not_replaced(tmp_path, monkeypatch, force):
    out = tmp_path / "out"
    _appear_during_run(monkeypatch, out)
    r = runner.invoke(app, mini_args(out, *(["--force"] if force else [])))
    assert r.exit_code == 2, r.output
    assert "运行期间" in r.output  # it appeared (or changed) while this run was writing
    assert sorted(p.name for p in out.iterdir()) == ["theirs.txt"]
    assert hidden(tmp_path) == []


RACER = textwrap.dedent('''
    """Run the selector, but wait when about to write until every racer has got that far."""
    import os, sys, time
    from pathlib import Path

    import selector.outputs.folders

    gate, racers = Path(sys.argv[1]), int(sys.argv[2])
    real = selector.outputs.folders.slate_tables

    def tables(*a, **k):
        (gate / str(os.getpid())).touch()
        deadline = time.time() + 120
        while len(list(gate.iterdir())) < racers and time.time() < deadline:
            time.sleep(0.05)
        return real(*a, **k)

    selector.outputs.folders.slate_tables = tables
    sys.argv = ["selector", *sys.argv[3:]]
    from selector.interfaces.launch import main
    main()
''')


def test_two_runs_on_one_folder_exactly_one_wins(tmp_path):
    """Two real processes check the (absent) folder, solve, and write at the same moment."""
    wrapper = tmp_path / "racer.py"
    wrapper.write_text(RACER, encoding="utf-8")
    gate = tmp_path / "gate"
    gate.mkdir()
    out = tmp_path / "out"
    env = {**os.environ, "SELECTOR_LANG": "zh"}
    procs = [subprocess.Popen([sys.executable, str(wrapper), str(gate), "2", *mini_args(out)], text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(2)]
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 2], results
    loser = next(err for code, _, err in results if code == 2)
    assert "运行期间" in loser and "Traceback" not in loser
    winner = next(o for code, o, _ in results if code == 0)
    assert "Written to" in winner or "已写入" in winner
    assert runner.invoke(app, ["verify", str(out)]).exit_code == 0  # the winner's folder, whole
    assert hidden(tmp_path) == []


# ------------------------------------------------------------------------------------- 4. signals
SLOW = "import sys, time\n" + SLOW_TABLES + textwrap.dedent('''
    sys.argv = ["selector", *sys.argv[1:]]
    from selector.interfaces.launch import main
    main()
''')


def _run_until_writing(tmp_path: Path, out: Path, sig: int) -> tuple[int, str]:
    wrapper = tmp_path / "slow.py"
    wrapper.write_text(SLOW, encoding="utf-8")
    return signal_when_reached([sys.executable, str(wrapper), *mini_args(out)], sig,
                               env={**os.environ, "SELECTOR_LANG": "zh"})


def test_sigterm_while_writing_exits_143_and_leaves_nothing(tmp_path):
    code, stderr = _run_until_writing(tmp_path, tmp_path / "out", signal.SIGTERM)
    assert code == 143, stderr
    assert "已停止（SIGTERM）：未写入任何文件。" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "out").exists() and hidden(tmp_path) == []


def test_a_killed_runs_temporary_folder_is_removed_by_the_next_run(tmp_path):
    code, _ = _run_until_writing(tmp_path, tmp_path / "out", signal.SIGKILL)
    assert code == -signal.SIGKILL
    left = hidden(tmp_path)
    assert len(left) == 1 and left[0].startswith(".out.tmp-")  # SIGKILL cannot be handled
    mine = tmp_path / f".other.tmp-{os.getpid()}-0123abcd"  # a run still going: kept
    mine.mkdir()
    assert runner.invoke(app, mini_args(tmp_path / "out2")).exit_code == 0
    assert hidden(tmp_path) == [mine.name]


def _catches_sigterm(pid: int) -> bool:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigCgt:"):
                return bool(int(line.split()[1], 16) >> (signal.SIGTERM - 1) & 1)
    except OSError:
        pass
    return False


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
@pytest.mark.parametrize("delay", [0.0, 0.3, 1.0])
def test_ctrl_c_while_starting_exits_130_without_a_traceback(tmp_path, delay):
    """The entry point handles SIGINT before the heavy imports; Ctrl-C is sent once it does (it then
    catches SIGTERM too, which Python does not by default) and `delay` seconds later."""
    proc = subprocess.Popen([sys.executable, "-c", "import sys; sys.argv = ['selector', *sys.argv[1:]]; "
                             "from selector.interfaces.launch import main; main()", *mini_args(tmp_path / "out")],
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=as_from_a_terminal,
                            env={**os.environ, "SELECTOR_LANG": "zh"})
    deadline = time.time() + 60
    while not _catches_sigterm(proc.pid) and proc.poll() is None and time.time() < deadline:
        time.sleep(0.002)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    if proc.returncode == 0:  # the whole run finished before the signal (a fast machine): nothing to check
        return
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "中断" in err or "Interrupted: nothing was written." in err  # while importing, or in the CLI after
    assert not (tmp_path / "out").exists() and hidden(tmp_path) == []


# ------------------------------------------------------------------------------------- 17. --workers
@pytest.mark.parametrize("workers", ["0", "65", "10001", "-3"])
def test_workers_out_of_range_is_a_clear_error(tmp_path, workers):
    r = runner.invoke(app, mini_args(tmp_path / "out", "--workers", workers))
    assert r.exit_code == 2, r.output
    assert "1 到 64" in r.output
    assert not (tmp_path / "out").exists()


def test_workers_in_range_work(tmp_path):
    assert runner.invoke(app, mini_args(tmp_path / "out", "--workers", "2")).exit_code == 0


def test_after_the_run_a_late_signal_is_ignored_through_the_shutdown(monkeypatch):
    """Python resets its signal handlers to the default while the interpreter shuts down, so a Ctrl-C in that
    last ~0.1 s killed a finished run (exit -2: seen by the test above at delay 1.0, 4 runs in 8); the entry
    point leaves SIGINT and SIGTERM ignored once the CLI has returned."""
    from selector.interfaces import cli, launch

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    monkeypatch.setattr(cli, "main", lambda: None)
    try:
        launch.main()
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
