"""``python3 build.py bench``: what the checks and the audit cost, beside plain Sphinx.

For each scale it generates a policy set (``bench/generate.py``), then times, each in a fresh
process so that peak memory is that build's own (``os.wait4`` gives the child's rusage):

* ours: both editions through ``build.py`` (public, with its English edition, then
  restricted), every check and the audit on, from an empty cache;
* plain: ``sphinx-build`` of the same two page sets with our extension off (``bench/baseline``):
  the public pages in Japanese and English, and every page;
* the audit alone, on the public edition just built (timed inside its process, without the
  interpreter's start), several times in each run;
* an incremental rebuild of the restricted edition after one clause of the 対策基準 changed;
* at the largest scale, the restricted edition with ``-j 2`` against one process.

It prints a table of medians and ratios and writes it, with the targets, to
``bench/results.md``. Nothing here asserts: benchmarks are not tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.generate import Stats, generate

ROOT = Path(__file__).resolve().parents[1]
BUILD_PY = ROOT / "build.py"
BASELINE = ROOT / "bench" / "baseline"
RESULTS = ROOT / "bench" / "results.md"
#: Repetitions per scale: a few at small scales, one at the largest.
RUNS = {1: 5, 10: 3}
DEFAULT_RUNS = 1
EDITED_CLAUSE_NOTE = "なお、この規定の運用の状況は、年度ごとに確認する。"


@dataclass
class Run:
    """One measured process: processor time (user + system, its child processes included)
    and wall time in seconds, peak resident memory in MiB."""

    seconds: float
    peak_mib: float
    wall: float = 0.0


@dataclass
class Sample:
    """The runs of one measurement at one scale."""

    runs: list[Run] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(run.seconds for run in self.runs) if self.runs else float("nan")

    @property
    def wall(self) -> float:
        return statistics.median(run.wall for run in self.runs) if self.runs else float("nan")

    @property
    def peak(self) -> float:
        return max((run.peak_mib for run in self.runs), default=float("nan"))


def measure(command: list[str], env: dict[str, str] | None = None,
            cwd: Path = ROOT) -> tuple[Run, str]:
    """Run ``command`` to its end; its times, peak memory and output. Fails loudly.

    Processor time is what the comparisons use: the machine may be shared, and a process
    that waits for a processor loses wall time, not processor time."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env={**os.environ, **(env or {})},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = process.stdout.read() if process.stdout else ""
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = "\n".join(output.splitlines()[-20:])
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{tail}")
    return Run(usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, seconds), output


def _together(*runs: Run) -> Run:
    """Processes run one after the other: their times add up, their peaks do not."""
    return Run(sum(r.seconds for r in runs), max(r.peak_mib for r in runs),
               sum(r.wall for r in runs))


def _cache_of(src: Path) -> Path:
    """The folder where build.py keeps this tree's staged sources and Sphinx environments."""
    from policy import runner

    return runner._cache_dir(src, "public", None).parent


def _audit_cache(src: Path) -> Path:
    from policy import runner

    return runner.audit_cache(runner._cache_dir(src, "public", None))


def _build(src: Path, out: Path, edition: str, jobs: int = 0) -> Run:
    command = [sys.executable, str(BUILD_PY), edition, "--src", str(src), "--out", str(out)]
    if jobs:
        command += ["-j", str(jobs)]
    return measure(command)[0]


def _plain(src: Path, work: Path, page_set: str, language: str | None = None) -> Run:
    name = f"plain-{page_set}-{language or 'ja'}"
    shutil.rmtree(work / name, ignore_errors=True)
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-c", str(BASELINE),
               "-d", str(work / name / "doctrees"), str(src), str(work / name / "html")]
    if language:
        command += ["-D", f"language={language}", "-D", f"html_search_language={language}"]
    return measure(command, env={"POLICY_BENCH_SRC": str(src), "POLICY_BENCH_SET": page_set})[0]


_AUDIT = """
import json, sys, time
from pathlib import Path
import sphinx.config  # loaded already when a build runs the audit
from policy.audit import audit_edition
cache = Path(sys.argv[3]) if len(sys.argv) > 3 else None
start, wall = time.process_time(), time.perf_counter()
report = audit_edition(sys.argv[1], sys.argv[2], "public", cache)
print(json.dumps({"seconds": time.process_time() - start, "wall": time.perf_counter() - wall,
                  "clean": report.clean, "files": report.files_scanned}))
"""


def _audit(out: Path, src: Path, cache: Path | None = None, edition_changed: bool = False) -> Run:
    """The audit of the public edition just built: without a cache (every restricted source
    read and fingerprinted, as in a build from nothing), or with the one the build left (as
    in every later build, where the sources that did not change are not fingerprinted
    again). ``edition_changed``: as after a change of the edition's text, which makes every
    restricted source be matched against it again (the audit's record of the sources found
    clean against the edition's text as it was is removed first)."""
    if cache is not None and edition_changed:
        cache.with_name(cache.stem + "-clean.json").unlink(missing_ok=True)
    command = [sys.executable, "-c", _AUDIT, str(out), str(src)]
    run, output = measure(command + ([str(cache)] if cache else []))
    found = json.loads(output.strip().splitlines()[-1])
    if not found["clean"]:
        raise RuntimeError("the audit found restricted content in a generated edition")
    return Run(found["seconds"], run.peak_mib, found["wall"])


def _edit_clause(src: Path, version: int) -> None:
    """Change the text of one clause of the 対策基準: the first paragraph of prose after its
    sixth labelled heading."""
    path = src / "restricted" / "taisaku" / "index.md"
    lines = path.read_text(encoding="utf-8").split("\n")
    headings = [i for i, line in enumerate(lines) if line.startswith("#")]
    start = headings[min(6, len(headings) - 1)]
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if line and not line.startswith(("#", "%", "(", "{", ":", "`", "|", "-", " ")) \
                and not line[0].isdigit():
            base = line.split(EDITED_CLAUSE_NOTE)[0]
            lines[index] = base + EDITED_CLAUSE_NOTE + f"（第{version}回）"
            break
    path.write_text("\n".join(lines), encoding="utf-8")


@dataclass
class ScaleResult:
    scale: int
    stats: Stats
    runs: int
    ours_public: Sample = field(default_factory=Sample)
    ours_restricted: Sample = field(default_factory=Sample)
    ours_both: Sample = field(default_factory=Sample)
    plain_public: Sample = field(default_factory=Sample)
    plain_restricted: Sample = field(default_factory=Sample)
    plain_both: Sample = field(default_factory=Sample)
    audit: Sample = field(default_factory=Sample)
    audit_kept: Sample = field(default_factory=Sample)
    audit_rematched: Sample = field(default_factory=Sample)
    incremental: Sample = field(default_factory=Sample)
    parallel: Sample = field(default_factory=Sample)
    #: the one-process build made just before the ``-j 2`` one, to compare it with
    serial: Sample = field(default_factory=Sample)


#: The audit alone takes a second or less: it is timed this many times in each run (a
#: clause edited again before each time with the cache), so that its median does not rest
#: on one reading of a shared machine.
AUDIT_REPEATS = 5


def _recent(sample: Sample) -> float:
    """The median of the audit's readings in the run just made."""
    return statistics.median(run.seconds for run in sample.runs[-AUDIT_REPEATS:])


def bench_scale(scale: int, seed: int, work: Path, runs: int, parallel: bool,
                log=print) -> ScaleResult:
    folder = work / f"scale-{scale}"
    shutil.rmtree(folder, ignore_errors=True)
    src = folder / "src"
    stats = generate(src, scale, seed)
    result = ScaleResult(scale, stats, runs)
    cache = _cache_of(src)
    log(f"scale {scale}: {stats.documents} documents, {stats.clauses} labelled clauses, "
        f"{stats.implements} implements, {stats.characters} characters; {runs} run(s)")
    for number in range(runs):
        shutil.rmtree(cache, ignore_errors=True)
        public = _build(src, folder / "public", "public")
        restricted = _build(src, folder / "restricted", "restricted")
        result.ours_public.runs.append(public)
        result.ours_restricted.runs.append(restricted)
        result.ours_both.runs.append(_together(public, restricted))
        plain = [_plain(src, folder, "public"), _plain(src, folder, "public", "en")]
        plain_public = _together(*plain)
        plain_restricted = _plain(src, folder, "restricted")
        result.plain_public.runs.append(plain_public)
        result.plain_restricted.runs.append(plain_restricted)
        result.plain_both.runs.append(_together(plain_public, plain_restricted))
        for repeat in range(AUDIT_REPEATS):
            result.audit.runs.append(_audit(folder / "public", src))
            # as the next build meets it: one source changed since the cache was written
            _edit_clause(src, 100 + 10 * number + repeat)
            result.audit_kept.runs.append(_audit(folder / "public", src, _audit_cache(src)))
            result.audit_rematched.runs.append(
                _audit(folder / "public", src, _audit_cache(src), edition_changed=True))
        log(f"  run {number + 1}: ours {public.seconds:.1f}+{restricted.seconds:.1f} s, "
            f"plain {plain_public.seconds:.1f}+{plain_restricted.seconds:.1f} s, "
            f"audit {_recent(result.audit):.2f} s "
            f"({_recent(result.audit_kept):.2f} s with its cache, "
            f"{_recent(result.audit_rematched):.2f} s after the edition changed)")
    for number in range(runs):
        _edit_clause(src, number + 1)
        result.incremental.runs.append(_build(src, folder / "restricted", "restricted"))
        log(f"  incremental {number + 1}: {result.incremental.runs[-1].seconds:.1f} s")
    if parallel:
        shutil.rmtree(cache, ignore_errors=True)
        # Wall-clock time moves with the machine's load: the two builds compared are made
        # one after the other, not a quarter of an hour apart.
        result.serial.runs.append(_build(src, folder / "restricted", "restricted"))
        shutil.rmtree(cache, ignore_errors=True)
        result.parallel.runs.append(_build(src, folder / "restricted", "restricted", jobs=2))
        log(f"  -j 2: {result.parallel.runs[-1].wall:.1f} s wall against "
            f"{result.serial.runs[-1].wall:.1f} s for one process just before")
    shutil.rmtree(cache, ignore_errors=True)
    return result


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "–"


def table(results: list[ScaleResult]) -> str:
    rows = ["| scale | docs | runs | ours: both editions, CPU s (public + restricted) | plain "
            "Sphinx: same pages, CPU s | ratio | audit alone: from nothing (with its cache: "
            "a source changed; the edition changed) | audit / public build (same) | incremental "
            "(one clause) | incremental / full restricted | peak memory |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        rows.append(
            f"| {r.scale} | {r.stats.documents} | {r.runs} "
            f"| {r.ours_both.median:.1f} s ({r.ours_public.median:.1f} + "
            f"{r.ours_restricted.median:.1f}) "
            f"| {r.plain_both.median:.1f} s ({r.plain_public.median:.1f} + "
            f"{r.plain_restricted.median:.1f}) "
            f"| {_ratio(r.ours_both.median, r.plain_both.median)} "
            f"| {r.audit.median:.2f} s ({r.audit_kept.median:.2f} s; "
            f"{r.audit_rematched.median:.2f} s) "
            f"| {r.audit.median / r.ours_public.median:.1%} "
            f"({r.audit_kept.median / r.ours_public.median:.1%}; "
            f"{r.audit_rematched.median / r.ours_public.median:.1%}) "
            f"| {r.incremental.median:.1f} s "
            f"| {r.incremental.median / r.ours_restricted.median:.1%} "
            f"| {max(r.ours_both.peak, r.incremental.peak, r.parallel.peak, r.serial.peak):.0f}"
            " MiB "
            f"(plain {r.plain_both.peak:.0f}) |")
    return "\n".join(rows)


def targets(results: list[ScaleResult]) -> list[tuple[str, str, bool | None]]:
    """Each target of issue 8: what it asks, what was measured, whether it holds."""
    by_scale = {r.scale: r for r in results}
    found: list[tuple[str, str, bool | None]] = []
    worst = max(results, key=lambda r: r.ours_both.median / r.plain_both.median)
    ratio = worst.ours_both.median / worst.plain_both.median
    found.append(("both editions, all checks and the audit ≤ 1.3 × plain Sphinx",
                  f"worst {ratio:.2f} × (scale {worst.scale})", ratio <= 1.3))
    share = max(results, key=lambda r: r.audit.median / r.ours_public.median)
    value = share.audit.median / share.ours_public.median
    found.append(("the audit ≤ 10 % of the public build (from nothing: no cache)",
                  f"worst {value:.1%} (scale {share.scale})", value <= 0.10))
    def later(r: ScaleResult) -> float:
        return max(r.audit_kept.median, r.audit_rematched.median) / r.ours_public.median

    share = max(results, key=later)
    value = later(share)
    found.append(("the audit ≤ 10 % of the public build (every later build: with its cache, "
                  "the worse of its two cases)",
                  f"worst {value:.1%} (scale {share.scale})", value <= 0.10))
    if 10 in by_scale:
        r = by_scale[10]
        value = r.incremental.median / r.ours_restricted.median
        found.append(("one-clause incremental rebuild ≤ 20 % of a full build at scale 10",
                      f"{value:.1%} of the full restricted build", value <= 0.20))
    else:
        found.append(("one-clause incremental rebuild ≤ 20 % at scale 10", "not run", None))
    if 10 in by_scale and 50 in by_scale:
        growth = by_scale[50].ours_both.median / by_scale[10].ours_both.median
        found.append(("time from scale 10 to 50 ≤ 5.5 ×", f"{growth:.2f} ×", growth <= 5.5))
        peak = max(by_scale[50].ours_both.peak, by_scale[50].incremental.peak,
                   by_scale[50].parallel.peak, by_scale[50].serial.peak)
        found.append(("memory at scale 50 < 2 GiB", f"{peak:.0f} MiB", peak < 2048))
    else:
        found.append(("time from scale 10 to 50 ≤ 5.5 ×, memory < 2 GiB", "not run", None))
    largest = max(results, key=lambda r: r.scale)
    if largest.parallel.runs:
        one, two = largest.serial.wall, largest.parallel.wall
        found.append((f"-j 2 faster than -j 1 (scale {largest.scale}, restricted edition)",
                      f"{two:.1f} s against {one:.1f} s wall-clock", two < one))
    return found


def report(results: list[ScaleResult], seed: int, seconds: float) -> str:
    marks = {True: "holds", False: "**missed**", None: "not measured"}
    lines = [
        "# Benchmarks: what the checks and the audit cost",
        "",
        f"Written by `python3 build.py bench --scales "
        f"{','.join(str(r.scale) for r in results)}` (seed {seed}) on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; the whole run took {seconds / 60:.1f} min.",
        "",
        table(results),
        "",
        "| target | measured | |",
        "|---|---|---|",
        *[f"| {what} | {value} | {marks[ok]} |" for what, value, ok in targets(results)],
        "",
        "How to read it:",
        "",
        "- Times are medians of processor time (user + system, the process and its workers) over",
        "  the runs given, each build in a fresh process from an empty cache (the interpreter's",
        "  start included): the machine is shared with other work while the benchmark runs, and",
        "  processor time does not count the waits for a processor that wall-clock time would.",
        "  Only `-j 2` against one process compares wall-clock time (there the point is to use",
        "  two processors at once), so that row moves with the machine's load.",
        "  Peak memory is the largest resident set of one build process.",
        "- ours: `build.py public` (Japanese and English, the audit, publishing) then",
        "  `build.py restricted` (marks verified, publishing), every check on.",
        "- plain Sphinx: `sphinx-build -b html` of the same pages with `bench/baseline/conf.py`:",
        "  the tree's own settings, MyST and furo, our extension off; the public pages in Japanese",
        "  and English, then every page. Our directives and roles are replaced by trivial",
        "  stand-ins registered in that conf only (content rendered as plain paragraphs, role",
        "  text as it is), so the baseline reads and renders the same text without warnings",
        "  about unknown markup.",
        "- audit alone: `policy.audit.audit_edition` on the public edition just built, timed in",
        f"  its process with Sphinx already loaded, as in a build, {AUDIT_REPEATS} times in each",
        "  run (the median of all is shown). From nothing: every",
        "  restricted source fingerprinted, every output file read (the public build's own",
        "  audit in this table ran so, from an empty cache). In brackets, with the cache the",
        "  build left beside its work folders, as every later build runs it: first after one",
        "  clause of the 対策基準 changed (the usual next build: that source is fingerprinted",
        "  again; every other one is read and hashed, and is known to share nothing with the",
        "  edition's text, which did not change), then as after a change of the edition's",
        "  text (the audit's record of clean sources removed: every source's kept n-grams",
        "  are matched again). No output file changed in either, so none is read again.",
        "- incremental: `build.py restricted` again after one clause of the 対策基準 changed",
        "  (one sentence added), compared with the full restricted build.",
        "- `-j 2`: the restricted edition from an empty cache with two processes, against a",
        "  one-process build from an empty cache made just before it (wall-clock time moves",
        "  with the machine's load, so the two are made one after the other).",
        "- The ratios compare builds of the same run.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python3 build.py bench",
                                     description="time the toolchain against plain Sphinx")
    parser.add_argument("--scales", default="1,10,50",
                        help="comma-separated scale factors (1 = the sample set)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=0,
                        help="runs per scale (default: 5 at scale 1, 3 at 10, 1 above)")
    parser.add_argument("--work", type=Path, default=ROOT / ".build" / "bench")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    args.work = args.work.resolve()  # the baseline's conf.py runs in another folder
    scales = sorted({int(part) for part in args.scales.split(",") if part.strip()})
    start = time.perf_counter()
    results: list[ScaleResult] = []
    text = ""
    for scale in scales:
        runs = args.runs or RUNS.get(scale, DEFAULT_RUNS)
        results.append(bench_scale(scale, args.seed, args.work, runs,
                                   parallel=scale == max(scales) and scale > 1,
                                   log=lambda line: print(line, file=sys.stderr, flush=True)))
        # Written after every scale, so that an interrupted run keeps what it measured.
        text = report(results, args.seed, time.perf_counter() - start)
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(text, encoding="utf-8")
    print(text)
    print(f"結果を {args.results} に書きました。 / Results written to {args.results}.",
          file=sys.stderr)
    return 0
