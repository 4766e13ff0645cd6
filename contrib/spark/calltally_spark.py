"""calltally on Spark: partial tallies on the executors, one merge on the driver.

Spark >= 3.5, DataFrame API only (``mapInArrow``, no RDDs), so it runs on
Databricks shared and serverless compute, Fabric and Synapse Spark, and
``local[*]``. calltally stays the only thing that parses logs:

1. the driver lists the input files with Spark's own file source
   (``binaryFile`` with only ``path`` and ``length`` selected: the contents
   are not read), so any path Spark reads works, ``abfss://`` included;
2. it bin-packs the files into tasks by size (largest first, each to the
   lightest task);
3. each task fetches its files to local disk (a symlink for local paths,
   fsspec - adlfs for ``abfss://`` - for remote ones), names them as one
   run over the root would (``<root name>/<path under root>``), and runs
   ``calltally report --inputs-from LIST --partial -``; the partial's bytes
   come back as a binary column;
4. past 256 tasks, the partials are merged on the executors in groups of
   256 (``calltally merge --partial -``, in rounds); the driver collects
   the rest and runs ``calltally merge``: the reports are byte-identical to
   one ``calltally report <root name>`` run from the root's parent folder.

Usage (spark-submit, or import and call ``run`` from a notebook)::

    spark-submit calltally_spark.py --binary /Volumes/ops/tools/calltally \\
        --out /tmp/report abfss://logs@acct.dfs.core.windows.net/insights-logs-callsummary \\
        -- --by hour,endpoint_type --since 2026-11-01

Arguments after ``--`` go to ``calltally report`` on every task (the plan:
``--by``, ``--since``, ``--where``, ``--no-distinct`` ...).
"""

from __future__ import annotations

import argparse
import os
import posixpath
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from typing import Iterator, List, Optional, Sequence, Tuple
from urllib.parse import urlparse

MAGIC = b"\x89CTP\r\n\x1a\n"
# How many partials reach one `calltally merge`: past it, partials are
# merged on the executors first, in rounds (driver memory and argv length).
MERGE_FAN_IN = 256


# --- listing and packing -------------------------------------------------


def _path_part(p: str) -> str:
    """The path of a URI or local path, without scheme and authority."""
    u = urlparse(p)
    if u.scheme in ("", "file") or len(u.scheme) == 1:  # (C:\ on Windows)
        path = u.path if u.scheme == "file" else p
        return os.path.abspath(path) if not path.startswith("/") else path
    return u.path


# What a calltally directory walk reads (spec §5, ``input::is_log_name``):
# these extensions, optionally followed by .gz or .zst; hidden files and
# folders are skipped (Spark's listing already skips names starting with
# "." or "_").
LOG_EXTENSIONS = (".json", ".jsonl", ".ndjson", ".csv", ".log", ".txt")


def is_log_name(name: str) -> bool:
    """Whether a directory walk of calltally reads a file of this name."""
    base = name.lower()
    for codec in (".gz", ".zst"):
        if base.endswith(codec):
            base = base[: -len(codec)]
            break
    return any(len(base) > len(e) and base.endswith(e) for e in LOG_EXTENSIONS)


def list_files(spark, root: str, all_files: bool = False) -> List[Tuple[str, str, int]]:
    """(name, path, bytes) of every log file under ``root``, sorted by name.

    ``name`` is the path relative to the root's parent folder, as a plain
    ``calltally report <root name>`` run from there names it. Like that
    run, only log names are kept (``is_log_name``) unless ``all_files``.
    """
    rows = (
        spark.read.format("binaryFile")
        .option("recursiveFileLookup", "true")
        .load(root)
        .select("path", "length")
        .collect()
    )
    base = posixpath.dirname(_path_part(root).rstrip("/"))
    files = []
    for r in rows:
        name = posixpath.relpath(_path_part(r["path"]), base or "/")
        parts = name.split("/")
        if not all_files and (
            not is_log_name(parts[-1]) or any(p.startswith(".") for p in parts)
        ):
            continue
        files.append((name, r["path"], int(r["length"])))
    files.sort()
    return files


def pack(files: Sequence[Tuple[str, str, int]], tasks: int) -> List[int]:
    """The task of each file: largest first, each to the lightest task
    (ties to the lowest task number), so the result is deterministic."""
    load = [0] * max(1, tasks)
    out = [0] * len(files)
    order = sorted(range(len(files)), key=lambda i: (-files[i][2], files[i][0]))
    for i in order:
        t = min(range(len(load)), key=lambda k: (load[k], k))
        out[i] = t
        load[t] += files[i][2]
    return out


# --- the executor side ---------------------------------------------------


def _binary(binary: str) -> str:
    if os.path.exists(binary):
        return binary
    try:  # shipped with spark.addArtifact / addFile
        from pyspark import SparkFiles

        shipped = SparkFiles.get(os.path.basename(binary))
        if os.path.exists(shipped):
            os.chmod(shipped, 0o755)
            return shipped
    except Exception:  # noqa: BLE001 - fall through to the clear error
        pass
    raise FileNotFoundError(
        f"calltally binary {binary!r} is not on this executor; ship it with "
        "spark.addArtifact(path, file=True) or put it on a volume (README)"
    )


def _fetch(path: str, dest: str) -> None:
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    u = urlparse(path)
    if u.scheme in ("", "file"):
        os.symlink(_path_part(path), dest)
        return
    if u.scheme == "dbfs" and os.path.exists("/dbfs"):
        os.symlink("/dbfs" + u.path, dest)
        return
    import fsspec  # adlfs for abfss://, s3fs for s3a:// ...

    with fsspec.open(path, "rb") as src, open(dest, "wb") as out:
        shutil.copyfileobj(src, out, 1 << 20)


def run_task(binary: str, files: Sequence[Tuple[str, str]], args: Sequence[str],
             threads: int = 1) -> Tuple[bytes, int, str]:
    """Fetch ``files`` ((name, path) pairs) under a scratch folder and count
    them: the partial's bytes, calltally's exit code and its stderr."""
    with tempfile.TemporaryDirectory(prefix="calltally-") as tmp:
        for name, path in files:
            _fetch(path, os.path.join(tmp, name))
        listing = os.path.join(tmp, ".inputs")
        with open(listing, "w", encoding="utf-8") as f:
            f.writelines(name + "\n" for name, _ in files)
        proc = subprocess.run(
            [_binary(binary), "report", "--inputs-from", listing, "--partial", "-",
             "-q", "-j", str(threads), *args],
            cwd=tmp, capture_output=True, check=False,
        )
    err = proc.stderr.decode("utf-8", "replace")
    # 1: some inputs failed (named in the partial); the partial is whole.
    if proc.returncode not in (0, 1) or not proc.stdout.startswith(MAGIC):
        raise RuntimeError(f"calltally exited {proc.returncode}: {err}")
    return proc.stdout, proc.returncode, err


def _tasks_fn(binary: str, args: Sequence[str], threads: int):
    def fn(batches: Iterator) -> Iterator:
        import pyarrow as pa

        groups: dict = {}
        for b in batches:
            d = b.to_pydict()
            for t, name, path in zip(d["task"], d["name"], d["path"]):
                groups.setdefault(t, []).append((name, path))
        for t in sorted(groups):
            data, rc, err = run_task(binary, sorted(groups[t]), args, threads)
            yield pa.RecordBatch.from_pydict(
                {"task": [t], "partial": [data], "rc": [rc], "stderr": [err]},
                schema=pa.schema([("task", pa.int32()), ("partial", pa.binary()),
                                  ("rc", pa.int32()), ("stderr", pa.string())]),
            )
    return fn


# --- the driver side -----------------------------------------------------


def partials(spark, binary: str, root: str, args: Sequence[str] = (),
             tasks: Optional[int] = None, task_bytes: int = 256 << 20,
             threads: int = 1):
    """A DataFrame of (task, partial, rc, stderr), one partial per task,
    and the number of tasks."""
    files = list_files(spark, root)
    if not files:
        raise ValueError(f"no file under {root}")
    total = sum(f[2] for f in files)
    n = tasks or max(1, min(len(files), -(-total // task_bytes)))
    assign = pack(files, n)
    rows = [(assign[i], name, path) for i, (name, path, _) in enumerate(files)]
    df = spark.createDataFrame(rows, "task int, name string, path string")
    # The executors need not have this module: its functions travel with
    # the task, pickled by value.
    from pyspark import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    # Range partitioning puts each task number in a partition of its own
    # (hash partitioning of a few small integers leaves some empty).
    return df.repartitionByRange(n, "task").mapInArrow(
        _tasks_fn(binary, list(args), threads), PARTIAL_SCHEMA,
    ), n


PARTIAL_SCHEMA = "task int, partial binary, rc int, stderr string"


def _merge_fn(binary: str):
    """Merge the partials of one partition into one, on the executor."""
    def fn(batches: Iterator) -> Iterator:
        import pyarrow as pa

        with tempfile.TemporaryDirectory(prefix="calltally-merge-") as tmp:
            paths, first, rc = [], None, 0
            for b in batches:
                d = b.to_pydict()
                for t, data, code in zip(d["task"], d["partial"], d["rc"]):
                    # (t is the group: several partials share it)
                    p = os.path.join(tmp, f"{len(paths):06d}.partial")
                    with open(p, "wb") as f:
                        f.write(data)
                    paths.append(p)
                    first = t if first is None else min(first, t)
                    rc = max(rc, code)
            if not paths:
                return
            proc = subprocess.run([_binary(binary), "merge", *paths,
                                   "--partial", "-"], capture_output=True)
            err = proc.stderr.decode("utf-8", "replace")
            if proc.returncode != 0 or not proc.stdout.startswith(MAGIC):
                raise RuntimeError(f"calltally merge exited {proc.returncode}: {err}")
            yield pa.RecordBatch.from_pydict(
                {"task": [first], "partial": [proc.stdout], "rc": [rc],
                 "stderr": [err]},
                schema=pa.schema([("task", pa.int32()), ("partial", pa.binary()),
                                  ("rc", pa.int32()), ("stderr", pa.string())]),
            )
    return fn


def merge_on_cluster(df, binary: str, n: int, fan_in: int = MERGE_FAN_IN):
    """Merge the partials of ``df`` (``n`` tasks) in groups of ``fan_in``
    on the executors, so the driver receives few partials."""
    from pyspark.sql import functions as F

    while n > fan_in:
        groups = -(-n // fan_in)
        df = (df.withColumn("task", (F.col("task") / fan_in).cast("int"))
              .repartitionByRange(groups, "task")
              .mapInArrow(_merge_fn(binary), PARTIAL_SCHEMA))
        n = groups
    return df


def merge(binary: str, paths: List[str], out_args: Sequence[str]) -> int:
    """``calltally merge`` over ``paths``: the reports."""
    return subprocess.run([binary, "merge", *paths, *out_args]).returncode


def run(spark, binary: str, root: str, out: str, args: Sequence[str] = (),
        merge_args: Sequence[str] = (), tasks: Optional[int] = None,
        task_bytes: int = 256 << 20, keep_partials: Optional[str] = None,
        fan_in: int = MERGE_FAN_IN) -> int:
    """Count ``root`` on the cluster and write the reports into ``out`` on
    the driver; returns calltally merge's exit code. More than ``fan_in``
    partials are merged on the executors first, in rounds, so the driver
    holds at most ``fan_in`` of them."""
    df, n = partials(spark, binary, root, args, tasks, task_bytes)
    df = merge_on_cluster(df, binary, n, fan_in)
    work = keep_partials or tempfile.mkdtemp(prefix="calltally-partials-")
    os.makedirs(work, exist_ok=True)
    paths = []
    # collect() runs every task at once (toLocalIterator would run the
    # partitions one after another).
    for row in df.collect():
        p = os.path.join(work, f"task-{row['task']:06d}.partial")
        with open(p, "wb") as f:
            f.write(row["partial"])
        paths.append(p)
    paths.sort()
    return merge(binary, paths, ["-o", out, "-q", *merge_args])


# --- reading sketches out of a partial (docs/partial-format.md) ----------


class _In:
    def __init__(self, b: bytes):
        self.b, self.at = b, 0

    def uint(self) -> int:
        v = shift = 0
        while True:
            c = self.b[self.at]
            self.at += 1
            v |= (c & 0x7F) << shift
            shift += 7
            if c < 0x80:
                return v

    def int(self) -> int:
        v = self.uint()
        return (v >> 1) ^ -(v & 1)

    def byte(self) -> int:
        self.at += 1
        return self.b[self.at - 1]

    def bytes(self) -> bytes:
        n = self.uint()
        self.at += n
        return self.b[self.at - n:self.at]

    def str(self) -> str:
        return self.bytes().decode("utf-8")


CATEGORIES = [None, "Success", "ExpectedError", "UnexpectedClientError",
              "UnexpectedServerError", "Unknown"]


def sections(buf: bytes) -> dict:
    """The section bodies of a partial by id, checksums verified."""
    if buf[:8] != MAGIC:
        raise ValueError("not a calltally partial")
    if zlib.crc32(buf[:12]) != struct.unpack_from("<I", buf, 12)[0]:
        raise ValueError("damaged header")
    out, at = {}, 16
    while True:
        sid, _flags, n = struct.unpack_from("<HHQ", buf, at)
        if zlib.crc32(buf[at:at + 12 + n]) != struct.unpack_from("<I", buf, at + 12 + n)[0]:
            raise ValueError(f"section {sid:#06x} damaged")
        out[sid] = buf[at + 12:at + 12 + n]
        at += 16 + n
        if sid == 0xFFFF:
            return out


def dump_sketches(buf: bytes) -> Iterator[dict]:
    """Every cell of a partial: its --by values, code, subcode, category
    from the log (None: the catalog decides), count, and the DataSketches
    HLL_8 images of its calls and participants (None with --no-distinct)."""
    s = sections(buf)
    g = _In(s[4])
    width = g.uint()
    dicts = [[g.str() for _ in range(g.uint())] for _ in range(width)]
    tuples = [tuple(d[g.uint()] for d in dicts) for _ in range(g.uint())]
    c = _In(s[5])
    for _ in range(c.uint()):
        group, flags = c.uint(), c.byte()
        code = c.int()
        subcode = c.int() if flags & 1 else None
        count = c.uint()
        calls = participants = None
        if flags & 2:
            calls, participants = c.bytes(), c.bytes()
        yield {
            "dims": tuples[group - 1] if group else (),
            "code": code, "subcode": subcode, "category": CATEGORIES[flags >> 4],
            "count": count, "calls": calls, "participants": participants,
        }


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(argv) if argv is not None else None
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("root", help="folder of logs (any path Spark reads)")
    p.add_argument("--binary", required=True, help="the calltally binary")
    p.add_argument("--out", required=True, help="report folder on the driver")
    p.add_argument("--tasks", type=int, help="tasks (default: by --task-bytes)")
    p.add_argument("--task-bytes", type=int, default=256 << 20)
    p.add_argument("--keep-partials", help="keep the partials in this folder")
    p.add_argument("--catalog", help="a --catalog file for the merge")
    p.add_argument("report_args", nargs="*", help="after --: calltally report options")
    a = p.parse_args(argv)
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("calltally").getOrCreate()
    merge_args = ["--catalog", a.catalog] if a.catalog else []
    return run(spark, a.binary, a.root, a.out, a.report_args, merge_args,
               a.tasks, a.task_bytes, a.keep_partials)


if __name__ == "__main__":
    raise SystemExit(main())
