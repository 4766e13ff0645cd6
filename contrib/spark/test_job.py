"""The Spark job in local[2] mode against a plain run, byte for byte.

Run by .ci/run (which installs pyspark and pyarrow into a venv under
target/) after `cargo test`; by hand:

    target/spark-venv/bin/python contrib/spark/test_job.py [path/to/calltally]

For each case, `calltally report ROOT_NAME` from the root's parent folder
and the Spark job over ROOT must write the same by_category.csv,
by_code_range.csv, by_code.csv and summary.json (but for elapsed seconds,
throughput and peak RSS). Then the DataSketches HLL images in the partials
union in Spark SQL (`hll_union_agg`) to the `calls` figures calltally
wrote: the run's total and the first row of by_code.csv.
"""

import csv
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import calltally_spark as job  # noqa: E402

VOLATILE = ("elapsed_seconds", "throughput_mb_per_s", "peak_rss_mb")
CASES = [
    # (root under fixtures/, calltally report options, tasks, merge fan-in:
    # past it, partials merge on the executors first)
    ("storage", [], 3, 256),
    ("formats", ["--by", "hour,kind"], 4, 2),
]


def java_home():
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    for d in sorted(glob.glob("/usr/lib/jvm/*17*")):
        if os.path.exists(os.path.join(d, "bin", "java")):
            return d
    sys.exit("test_job: no Java 17 under /usr/lib/jvm; set JAVA_HOME")


def stable(path):
    with open(path, encoding="utf-8") as f:
        s = json.load(f)
    for k in VOLATILE:
        s.pop(k)
    # The files a walk left out (not log names): the plain run's walk notes
    # them; the job leaves the same files out of its listing (checked
    # below), and its tasks name their files, so it has no walk to note.
    skipped = (s["inputs"].pop("skipped_files", 0), s["inputs"].pop("skipped", []))
    return s, skipped


def check_same(plain, spark_out, root):
    for name in ("by_category.csv", "by_code_range.csv", "by_code.csv"):
        a = open(os.path.join(plain, name), "rb").read()
        b = open(os.path.join(spark_out, name), "rb").read()
        assert a == b, f"{name} differs:\n{a.decode()}\n---\n{b.decode()}"
    a, (n, names) = stable(os.path.join(plain, "summary.json"))
    b, _ = stable(os.path.join(spark_out, "summary.json"))
    assert a == b, f"summary.json differs:\n{a}\n---\n{b}"
    # The job's listing leaves out exactly what the plain walk skipped.
    left_out = sorted(
        os.path.relpath(os.path.join(d, f), os.path.dirname(root))
        for d, _, fs in os.walk(root) for f in fs if not job.is_log_name(f))
    assert len(left_out) == n and left_out[:len(names)] == names, (left_out, n, names)


def check_sketches(spark, partials_dir, report_dir, by):
    """hll_union_agg over the partials' sketches gives calltally's calls."""
    from pyspark.sql import functions as F

    cells = []
    for p in sorted(glob.glob(os.path.join(partials_dir, "task-*.partial"))):
        with open(p, "rb") as f:
            cells.extend(job.dump_sketches(f.read()))
    rows = [(list(c["dims"]), c["code"], c["subcode"], c["category"], c["count"],
             c["calls"]) for c in cells if c["calls"] is not None]
    df = spark.createDataFrame(rows, "dims array<string>, code long, subcode long, "
                                     "category string, count long, calls binary")
    summary = json.load(open(os.path.join(report_dir, "summary.json")))
    total = df.agg(F.hll_sketch_estimate(F.hll_union_agg("calls")).alias("n")).first()["n"]
    assert total == summary["calls"], f"run total: Spark {total}, calltally {summary['calls']}"
    with open(os.path.join(report_dir, "by_code.csv"), encoding="utf-8") as f:
        row = next(csv.DictReader(f))
    code = int(row["code"])
    sub = int(row["subcode"]) if row["subcode"] else None
    dims = F.array(*[F.lit(row[d]) for d in by]) if by else F.array().cast("array<string>")
    same_pair = df.where((F.col("dims") == dims) & (F.col("code") == code) & (
        F.col("subcode").isNull() if sub is None else F.col("subcode") == sub))
    # The row's cells: those the log gave its category, and those the
    # catalog resolved to it (category null), if their counts say so.
    for cells_df in (same_pair.where(F.col("category") == row["result_category"]),
                     same_pair.where(F.col("category").isNull()
                                     | (F.col("category") == row["result_category"]))):
        agg = cells_df.agg(F.sum("count").alias("count"),
                           F.hll_sketch_estimate(F.hll_union_agg("calls")).alias("calls")).first()
        if agg["count"] == int(row["count"]):
            assert agg["calls"] == int(row["calls"]), (
                f"by_code row {row}: Spark says {agg['calls']} calls")
            return total, row, agg["calls"]
    raise AssertionError(f"no set of cells adds up to the by_code row {row}")


def check_helpers():
    """The job's pure parts: packing and path naming."""
    files = [("r/a", "p/a", 10), ("r/b", "p/b", 5), ("r/c", "p/c", 5), ("r/d", "p/d", 0)]
    assert job.pack(files, 2) == [0, 1, 1, 0], job.pack(files, 2)
    assert job.pack(files, 1) == [0, 0, 0, 0]
    uri = "abfss://logs@acct.dfs.core.windows.net/insights/y=2024/PT1H.json"
    assert job._path_part(uri) == "/insights/y=2024/PT1H.json"
    assert job._path_part("file:/tmp/x/a.json") == "/tmp/x/a.json"
    assert job._path_part("/tmp/x/a.json") == "/tmp/x/a.json"
    for name, log in [("PT1H.json", True), ("a.CSV.gz", True), ("x.log.zst", True),
                      ("PT1H.bin", False), ("README.md", False), (".json", False)]:
        assert job.is_log_name(name) == log, name


def main():
    check_helpers()
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                             os.path.join(REPO, "target", "debug", "calltally"))
    assert os.path.exists(binary), f"{binary}: build calltally first (cargo build)"
    os.environ["JAVA_HOME"] = java_home()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    start = time.time()
    spark = (SparkSession.builder.master("local[2]").appName("calltally-test")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "4")
             .config("spark.driver.memory", "512m")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        fixtures = os.path.join(REPO, "fixtures")
        for root, args, tasks, fan_in in CASES:
            with tempfile.TemporaryDirectory(prefix="calltally-spark-") as tmp:
                plain = os.path.join(tmp, "plain")
                rc_plain = subprocess.run(
                    [binary, "report", root, "-q", "-o", plain, *args],
                    cwd=fixtures, capture_output=True).returncode
                out, kept = os.path.join(tmp, "spark"), os.path.join(tmp, "partials")
                rc = job.run(spark, binary, os.path.join(fixtures, root), out,
                             args, tasks=tasks, keep_partials=kept, fan_in=fan_in)
                assert rc == rc_plain, f"{root}: merge exited {rc}, the plain run {rc_plain}"
                check_same(plain, out, os.path.join(fixtures, root))
                n = len(glob.glob(os.path.join(kept, "task-*.partial")))
                want = tasks
                while want > fan_in:
                    want = -(-want // fan_in)
                assert n == want, f"{n} partials reached the driver, not {want}"
                by = args[args.index("--by") + 1].split(",") if "--by" in args else []
                total, row, calls = check_sketches(spark, kept, out, by)
                print(f"test_job: {root} {' '.join(args)}: {tasks} tasks, {n} partials "
                      f"on the driver, reports "
                      f"identical; hll_union_agg: {total} calls in all, {calls} for "
                      f"{[row[d] for d in by]} {row['result_category']} {row['code']}/{row['subcode']}")
    finally:
        spark.stop()
    print(f"test_job: ok in {time.time() - start:.1f} s")


if __name__ == "__main__":
    main()
