#!/usr/bin/env python3
"""情報セキュリティポリシーの検査と、公開版・庁内版の作成。 The one entry point.

    python3 build.py            両方の版を作る (both editions)
    python3 build.py test       テストを実行する (run the tests)
    python3 build.py check      すべての文書を検査する。版は作らない (check only)
    python3 build.py i18n       公開文書の翻訳カタログを更新する (update translation catalogs)
    python3 build.py bench [--scales 1,10,50]  処理時間を測る (benchmarks, bench/results.md)
    python3 build.py shinkyu [OLD [NEW]] [--out DIR]  新旧対照表 (old/new comparison, shinkyu/)
    python3 build.py public | restricted | all  [--src DIR] [--out DIR] [-j N]

On its first run it creates ``.venv`` from ``pyproject.toml`` with the standard library's venv
and pip, then runs itself again inside it; later runs start at once. Everything else is a thin
command line over ``policy.runner``, whose functions return results that tests check.
"""

from __future__ import annotations

import gc
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
STAMP = VENV / ".policy-installed"
COMMANDS = ("all", "check", "public", "restricted", "i18n", "test", "bench", "shinkyu")


def _wanted_stamp() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def _inside_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def _bootstrap() -> None:
    """Create or refresh .venv when pyproject.toml changed, then re-run this file inside it."""
    if not (STAMP.exists() and STAMP.read_text().strip() == _wanted_stamp()
            and VENV_PYTHON.exists()):
        print("準備中: .venv を作り、必要なパッケージを入れています（初回のみ、数分かかります）\n"
              "Setting up .venv with the packages from pyproject.toml (first run only)",
              file=sys.stderr)
        if not VENV_PYTHON.exists():
            venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        install = [str(VENV_PYTHON), "-m", "pip", "install", "--quiet",
                   "--disable-pip-version-check", "-e", f"{ROOT}[dev]"]
        done = subprocess.run(install, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            print("\n".join((done.stdout + done.stderr).splitlines()[-30:]), file=sys.stderr)
            print("エラー: パッケージを入れられませんでした。ネットワークと pyproject.toml を"
                  "確かめてください。\n"
                  "    [English] Error: the packages could not be installed; check the network"
                  " and pyproject.toml.", file=sys.stderr)
            sys.exit(2)
        STAMP.write_text(_wanted_stamp())
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])


def _parse(argv: list[str]):
    import argparse

    parser = argparse.ArgumentParser(
        prog="python3 build.py",
        description="情報セキュリティポリシーの検査と版の作成 / check the policy, build editions",
    )
    parser.add_argument("command", nargs="?", default="all", choices=COMMANDS,
                        help="all（既定）, check, public, restricted, i18n, test, bench, shinkyu")
    parser.add_argument("--src", type=Path, default=ROOT / "docs",
                        help="原稿フォルダ（conf.py のあるフォルダ） / docs tree, default docs/")
    parser.add_argument("--out", type=Path, default=None,
                        help="出力先（既定 public/ または restricted/。両方の版では DIR/public と "
                             "DIR/restricted） / output folder (both editions: DIR/public and "
                             "DIR/restricted)")
    parser.add_argument("-j", "--jobs", type=int, default=0,
                        help="並列数 / parallel jobs (0: one process)")
    return parser.parse_known_args(argv)


def _print(lines: list[str]) -> None:
    for line in lines:
        print(line, file=sys.stderr)


def _shinkyu(args, revisions: list[str]) -> int:
    """新旧対照表: OLD and NEW are git revisions (tags, commits); NEW defaults to the working
    tree, OLD to the latest tag (or the last commit)."""
    if len(revisions) > 2 or any(r.startswith("-") for r in revisions):
        print(f"エラー: 解釈できない引数です: {' '.join(revisions)}\n"
              f"    [English] Error: unrecognised arguments: {' '.join(revisions)}",
              file=sys.stderr)
        return 2
    from policy import shinkyu_publish

    old, new = [*revisions, None, None][:2]
    result = shinkyu_publish.write_tables(args.src.resolve(), old, new,
                                          (args.out or ROOT / "shinkyu").resolve())
    _print(result.lines)
    return 0 if result.ok else 1


def main(argv: list[str]) -> int:
    args, rest = _parse(argv)
    if args.command == "test":
        return subprocess.run([sys.executable, "-m", "pytest", *rest], cwd=ROOT).returncode
    if args.command == "bench":
        from bench.run import main as bench

        return bench(rest)
    if args.command == "shinkyu":
        return _shinkyu(args, rest)
    if rest:
        print(f"エラー: 解釈できない引数です: {' '.join(rest)}\n"
              f"    [English] Error: unrecognised arguments: {' '.join(rest)}", file=sys.stderr)
        return 2

    from policy import runner

    src = args.src.resolve()
    if not (src / "conf.py").is_file():
        print(f"エラー: {src} に conf.py がありません。--src には conf.py のあるフォルダを指定して"
              f"ください。\n    [English] Error: {src} has no conf.py; give --src the folder "
              "that holds conf.py.", file=sys.stderr)
        return 2
    if args.command == "check":
        result = runner.check(src)
        _print(result.lines)
        if result.ok:
            print("検査を終えました。エラーはありません。 / Check passed.", file=sys.stderr)
            return 0
        print(f"検査でエラーが見つかりました（{result.errors} 件）。 / Check failed.",
              file=sys.stderr)
        return 1

    if args.command == "i18n":
        from policy import catalogs

        result = catalogs.update_catalogs(src)
        _print(result.lines)
        if result.ok:
            print("翻訳カタログを更新しました（docs/locales/）。 / Catalogs updated.",
                  file=sys.stderr)
            return 0
        print("翻訳カタログを更新できませんでした。 / Catalogs not updated.", file=sys.stderr)
        return 1

    editions = ["public", "restricted"] if args.command == "all" else [args.command]
    defaults = runner.default_outputs()
    if args.out is None:
        outs = {edition: defaults[edition] for edition in editions}
    elif len(editions) > 1:  # both editions: DIR/public and DIR/restricted
        outs = {edition: args.out / edition for edition in editions}
    else:
        outs = {editions[0]: args.out}
    results = runner.build_editions(src, outs, parallel=args.jobs)
    status = 0
    for edition, result in results.items():
        _print(result.lines)
        if result.ok:
            scanned = f"、監査 {result.audit.files_scanned} ファイル・検出 0 件" if result.audit \
                else ""
            print(f"{edition} 版を {result.out} に出力しました{scanned}。 / "
                  f"The {edition} edition is in {result.out}.", file=sys.stderr)
        else:
            status = 1
    return status


if __name__ == "__main__":
    if not _inside_venv():
        _bootstrap()
    status = main(sys.argv[1:])
    # What a build leaves in memory (Sphinx's environment and every page's document tree,
    # held in reference cycles) is given back by the operating system when the process
    # ends. Set aside from collection, Python does not go through it first at exit: a full
    # collection and the freeing of every object took 0.7 s after a one-clause rebuild at
    # ten departments, and 2.7 s after a full build.
    gc.freeze()
    sys.exit(status)
