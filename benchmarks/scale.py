"""The statistics library at scale: tkimeta and metafor on the same synthetic data.

    .venv/bin/python benchmarks/scale.py             # k = 10, 100, 1,000, 10,000, with metafor
    .venv/bin/python benchmarks/scale.py --no-r      # tkimeta only
    .venv/bin/python benchmarks/scale.py --plot-only # redraw benchmarks/scale.png from scale.json

Also the scale section of ``benchmarks/run_benchmark.py`` (which calls :func:`run`).
Data: k single-arm studies, n uniform in [20, 200], true logits N(-1.4, 0.5^2), binomial
events (numpy ``default_rng(20261121)``), one proportion outcome in subgroup ``all``.
Measured, as the median of ``repeats`` calls after one untimed warm-up call:

* ``glmm_logit`` (binomial-normal GLMM, ML, 7-point adaptive quadrature) against metafor
  ``rma.glmm(measure = "PLO")`` with and without its heterogeneity tests (``skiphet``);
* ``rma`` (REML, Knapp-Hartung), without and with the Q-profile CI of tau^2, against
  metafor ``rma(method = "REML", test = "knha")`` and that plus ``confint()``;
* ``pool_outcome`` with the four proportion methods (GLMM primary), without and with
  leave-one-out, and leave-one-out with each inverse-variance method as the primary one.
  Leave-one-out is k refits of k - 1 studies, so quadratic in k: it is run once at
  1,000 studies and not at 10,000 (about 100 times the 1,000-study time).

metafor runs through ``Rscript benchmarks/scale_metafor.R``, one call per size, in the
same run as the Python timings, so that ratios compare like with like on a shared,
noisy machine. Writes ``benchmarks/scale.json`` and the log-log plot
``benchmarks/scale.png`` (time against k) when run on its own.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = [10, 100, 1000, 10000]
SEED = 20261121
TRUE_LOGIT, TRUE_TAU = -1.4, 0.5
METHODS = ["glmm", "reml_hksj", "dl", "ft_reml"]
LOO_MAX_K = 1000  # leave-one-out is quadratic in k: 10,000 would take ~100 x the 1,000 time
# metafor calls too slow to time at a size, and why: the heterogeneity tests of rma.glmm
# fit a saturated glm() with one coefficient per study, and rma() builds k x k weight and
# hat matrices (at 10,000 studies, 800 MB each, and cubic time; 14 s already at 1,000)
_SATURATED = "its heterogeneity tests fit a saturated glm() with one coefficient per study"
_K_BY_K = "rma() works with k x k matrices (800 MB each at 10,000 studies, cubic time)"
R_SKIP = {10000: {"rma_glmm": _SATURATED, "rma_reml_knha": _K_BY_K, "rma_reml_knha_confint": _K_BY_K}}
# metafor at 1,000 studies and more: one timed call after the warm-up (rma + confint
# takes close to a minute there)
R_REPEATS_LARGE = 1
R_TIMEOUT_S = 900

#: (tkimeta measure, metafor measure) pairs whose time ratio is reported
RATIOS = {
    "glmm": ("glmm_logit", "rma_glmm"),
    "glmm_skiphet": ("glmm_logit", "rma_glmm_skiphet"),
    "reml_knha": ("rma_reml_knha", "rma_reml_knha"),
    "reml_knha_tau2_ci": ("rma_reml_knha_tau2_ci", "rma_reml_knha_confint"),
}
LABELS = {
    "glmm_logit": "tkimeta glmm_logit",
    "rma_reml_knha": "tkimeta rma REML + knha",
    "rma_reml_knha_tau2_ci": "tkimeta rma REML + knha + tau² CI",
    "pool_outcome_4_methods": "tkimeta pool_outcome, 4 methods",
    "pool_outcome_4_methods_loo": "tkimeta pool_outcome, 4 methods + leave-one-out",
    "pool_outcome_loo_reml_hksj": "tkimeta leave-one-out, REML + HKSJ primary",
    "pool_outcome_loo_dl": "tkimeta leave-one-out, DL primary",
    "pool_outcome_loo_ft_reml": "tkimeta leave-one-out, FT + REML primary",
    "metafor:rma_glmm": "metafor rma.glmm",
    "metafor:rma_glmm_skiphet": "metafor rma.glmm, skiphet",
    "metafor:rma_reml_knha": "metafor rma REML + knha",
    "metafor:rma_reml_knha_confint": "metafor rma REML + knha + confint",
}


def synthetic_inputs(k: int, seed: int = SEED):
    """k single-arm studies: n in [20, 200], true logits N(-1.4, 0.5^2), binomial events."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = rng.integers(20, 201, size=k)
    theta = rng.normal(TRUE_LOGIT, TRUE_TAU, size=k)
    x = rng.binomial(n, 1.0 / (1.0 + np.exp(-theta)))
    return pd.DataFrame(dict(
        outcome="SYNTH", family="proportion", subgroup="all", study_id=[f"s{i:05d}" for i in range(k)],
        cancer="colorectal", events=x, n=n, yi=math.nan, sei=math.nan, estimate=math.nan,
        ci_lower=math.nan, ci_upper=math.nan, approximation=False, source="synthetic"))


def _time(fn, repeats: int) -> tuple[float, list[float], object]:
    runs, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), runs, result


def _python_calls(df) -> dict:
    from tkimeta.pooling.analysis import pool_outcome
    from tkimeta.stats import proportions as prop
    from tkimeta.stats.glmm import glmm_logit
    from tkimeta.stats.rma import rma

    x, n = df["events"].to_numpy(), df["n"].to_numpy()
    yi, vi = prop.logit_transform(x, n)
    calls = {
        "glmm_logit": lambda: glmm_logit(x, n, level=0.95, nagq=7),
        "rma_reml_knha": lambda: rma(yi, vi, method="REML", test="knha", tau2_ci=False),
        "rma_reml_knha_tau2_ci": lambda: rma(yi, vi, method="REML", test="knha"),
        "pool_outcome_4_methods": lambda: pool_outcome(df, "SYNTH", METHODS, [], 0.95, 3, 7),
        "pool_outcome_4_methods_loo": lambda: pool_outcome(df, "SYNTH", METHODS, ["leave_one_out"], 0.95, 3, 7),
    }
    for primary in METHODS[1:]:  # leave-one-out runs the primary method only
        calls[f"pool_outcome_loo_{primary}"] = (
            lambda primary=primary: pool_outcome(df, "SYNTH", [primary], ["leave_one_out"], 0.95, 3, 7))
    return calls


def _metafor(df, repeats: int, workdir: Path) -> dict:
    k = len(df)
    data, out = workdir / f"synthetic_{k}.csv", workdir / f"metafor_{k}.json"
    df[["events", "n"]].rename(columns={"events": "x"}).to_csv(data, index=False)
    repeats = R_REPEATS_LARGE if k >= 1000 else repeats
    command = ["Rscript", str(HERE / "scale_metafor.R"), str(data), str(repeats), str(out)]
    if R_SKIP.get(k):
        command.append(",".join(R_SKIP[k]))
    try:
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=R_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return dict(error=f"Rscript stopped after {R_TIMEOUT_S} s")
    except subprocess.CalledProcessError as err:
        return dict(error=err.stderr.strip().splitlines()[-1] if err.stderr.strip() else str(err))
    found = json.loads(out.read_text())
    runs = {name: (r if isinstance(r, list) else [r]) for name, r in found.pop("runs_s").items()}
    found["measures"] = {name: dict(median_s=statistics.median(r), runs_s=r) for name, r in runs.items()}
    found["skipped"] = {name: f"too slow at this size: {why}" for name, why in R_SKIP.get(k, {}).items()}
    return found


def run(repeats: int = 3, sizes=SIZES, loo_max_k: int = LOO_MAX_K, with_r: bool = True, log=print) -> dict:
    """Time every measure at every size (and metafor's, in the same run); returns the
    ``scale`` section of the benchmark results."""
    from tkimeta.pooling.analysis import pool_outcome

    warm = synthetic_inputs(10)
    for fn in _python_calls(warm).values():  # lazy imports and first-call set-up
        fn()
    pool_outcome(warm, "SYNTH", METHODS, ["leave_one_out"], 0.95, 3, 7)
    have_r = with_r and shutil.which("Rscript") is not None
    sizes_out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="tkimeta-scale-") as tmp:
        for k in sizes:
            df = synthetic_inputs(k)
            entry: dict = dict(tkimeta={}, skipped={})
            for name, fn in _python_calls(df).items():
                loo = "loo" in name
                if loo and k > loo_max_k:
                    entry["skipped"][name] = (f"leave-one-out is k refits of k - 1 studies (quadratic in k); "
                                              f"not run above {loo_max_k:,} studies")
                    continue
                reps = 1 if (loo and k >= 1000) or (k >= 10000 and name.startswith("pool")) else repeats
                median_s, runs, result = _time(fn, reps)
                rec = dict(median_s=median_s, runs_s=runs, repeats=reps)
                if name == "glmm_logit":
                    rec.update(estimate_logit=result.estimate, tau2=result.tau2)
                elif name.startswith("rma"):
                    rec.update(estimate_logit=result.estimate, tau2=result.tau2)
                else:
                    rec.update(estimate_rows=len(result[0]))
                entry["tkimeta"][name] = rec
                log(f"  tkimeta {name:30s} k={k:6d}: {median_s:9.4f} s")
            if have_r:
                entry["metafor"] = _metafor(df, repeats, Path(tmp))
                for name, rec in entry["metafor"].get("measures", {}).items():
                    log(f"  metafor {name:30s} k={k:6d}: {rec['median_s']:9.4f} s")
                if "error" in entry["metafor"]:
                    log(f"  metafor k={k}: {entry['metafor']['error']}")
            entry["ratios"] = ratios(entry)
            sizes_out[str(k)] = entry
    return dict(sizes=sizes_out, note=(
        f"synthetic studies: numpy default_rng({SEED}), n uniform in [20, 200], true logits "
        f"N({TRUE_LOGIT}, {TRUE_TAU}^2), binomial events; one untimed warm-up call; median of {repeats} calls "
        "(leave-one-out at 1,000 studies and pool_outcome at 10,000: one call); metafor timed by "
        f"Rscript benchmarks/scale_metafor.R (one call after the warm-up from 1,000 studies on) "
        "on the same data in the same run; ratio = metafor time / "
        "tkimeta time"), r_available=have_r)


def ratios(entry: dict) -> dict:
    """metafor time / tkimeta time for the pairs of :data:`RATIOS` measured at one size."""
    ours, theirs = entry.get("tkimeta", {}), entry.get("metafor", {}).get("measures", {})
    return {name: theirs[b]["median_s"] / ours[a]["median_s"]
            for name, (a, b) in RATIOS.items() if a in ours and b in theirs and ours[a]["median_s"] > 0}


def series(scale: dict) -> dict[str, dict[int, float]]:
    """Median time by measure and k (metafor's measures prefixed ``metafor:``)."""
    out: dict[str, dict[int, float]] = {}
    for k, entry in scale["sizes"].items():
        for name, rec in entry.get("tkimeta", {}).items():
            out.setdefault(name, {})[int(k)] = rec["median_s"]
        for name, rec in entry.get("metafor", {}).get("measures", {}).items():
            out.setdefault(f"metafor:{name}", {})[int(k)] = rec["median_s"]
    return out


def fmt_s(value, missing: str = "–") -> str:
    """A time in seconds as the tables print it (ms below a second); ``missing`` for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    if value < 0.01:
        return f"{value * 1000:.2f} ms"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.1f} s"


def markdown(scale: dict) -> str:
    """The README table: time by measure and k, and metafor / tkimeta ratios."""
    ks = sorted(int(k) for k in scale["sizes"])
    data = series(scale)
    head = "| measure | " + " | ".join(f"k = {k:,}" for k in ks) + " |"
    lines = [head, "|---|" + "---|" * len(ks)]
    for name, label in LABELS.items():
        if name in data:
            lines.append(f"| {label} | " + " | ".join(fmt_s(data[name].get(k)) for k in ks) + " |")
    for name, (a, b) in RATIOS.items():
        cells = [scale["sizes"][str(k)].get("ratios", {}).get(name) for k in ks]
        if any(c is not None for c in cells):
            label = f"ratio metafor {LABELS['metafor:' + b].removeprefix('metafor ')} / tkimeta {a}"
            lines.append(f"| {label} | " + " | ".join("–" if c is None else f"{c:,.1f}×" for c in cells) + " |")
    return "\n".join(lines)


def plot(scale: dict, path: Path) -> None:
    """Log-log plot of time against k for every measure (PNG, reproducible metadata)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = series(scale)
    # a tkimeta measure and its metafor counterpart share a colour (metafor dashed)
    colour = {"glmm_logit": "C0", "metafor:rma_glmm": "C0", "metafor:rma_glmm_skiphet": "C9",
              "rma_reml_knha": "C1", "metafor:rma_reml_knha": "C1",
              "rma_reml_knha_tau2_ci": "C2", "metafor:rma_reml_knha_confint": "C2",
              "pool_outcome_4_methods": "C3", "pool_outcome_4_methods_loo": "C4",
              "pool_outcome_loo_reml_hksj": "C5", "pool_outcome_loo_dl": "C6", "pool_outcome_loo_ft_reml": "C7"}
    fig, ax = plt.subplots(figsize=(10, 5.2), dpi=110)
    for name, label in LABELS.items():
        if name not in data:
            continue
        ks = sorted(data[name])
        metafor = name.startswith("metafor:")
        ax.plot(ks, [data[name][k] for k in ks], marker="s" if metafor else "o", color=colour.get(name),
                linestyle="--" if metafor else "-", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("studies (k)")
    ax.set_ylabel("wall time (s), median")
    ax.set_title("tkimeta and metafor on the same synthetic data")
    ax.grid(True, which="both", linewidth=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-r", action="store_true", help="tkimeta only")
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES)
    parser.add_argument("--output", type=Path, default=HERE / "scale.json")
    parser.add_argument("--plot", type=Path, default=HERE / "scale.png")
    parser.add_argument("--plot-only", action="store_true", help="redraw the plot from --output")
    args = parser.parse_args(argv)
    if args.plot_only:
        scale = json.loads(args.output.read_text())
    else:
        scale = run(args.repeats, args.sizes, with_r=not args.no_r)
        args.output.write_text(json.dumps(scale, sort_keys=True, indent=2) + "\n")
    plot(scale, args.plot)
    print(markdown(scale))
    print(f"\nwrote {args.output} and {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
