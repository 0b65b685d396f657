"""Scenario discovery with the EMA Workbench: when does the best policy fail?

Runs a few hundred experiments of the built-in csto-southern-frontier
scenario: its [[uncertain]] parameters sampled by Latin hypercube (the
"scenarios" of exploratory modelling), crossed with four policies, each
experiment `--trials` trials on the same seed (common random numbers, so
policies are compared on the same trials). The policy with the fewest
attacks on average is the best; PRIM then finds the box of uncertain
conditions in which it fails: its attacks fall in its worst quarter
(`--fail-quantile`). Writes

  OUT/experiments.csv   every experiment: uncertainties, policy, outcomes
  OUT/prim_box.csv      the box: parameter, low, high (on cordon's scale)
  OUT/prim_box.txt      the box in words: coverage, density, limits
  OUT/prim.png          the peeling trade-off and the box on its two main
                        parameters

Usage (a few minutes on 2 cores with the defaults):

  pip install ./python ema-workbench matplotlib
  python examples/python/ema_prim.py --out ema-output
  python examples/python/ema_prim.py --scenarios 20 --trials 5   (a smoke test)
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from ema_workbench import perform_experiments  # noqa: E402
from ema_workbench.analysis import prim  # noqa: E402

import cordon.ema  # noqa: E402

LEVERS = {
    "alliance.intel_sharing": (0.0, 1.0),
    "alliance.pool_share": (0.0, 0.1),
    "states.TJK.allocation.border": (0.2, 0.8),
}

# Four policies at the same spend: the scenario as written, deeper sharing,
# a common fund for Tajikistan's border, and Tajikistan's budget moved into
# border forces.
POLICIES = {
    "status_quo": {"alliance.intel_sharing": 0.3, "alliance.pool_share": 0.0, "states.TJK.allocation.border": 0.5},
    "deeper_sharing": {"alliance.intel_sharing": 0.6, "alliance.pool_share": 0.0, "states.TJK.allocation.border": 0.5},
    "alliance_fund": {"alliance.intel_sharing": 0.3, "alliance.pool_share": 0.05, "states.TJK.allocation.border": 0.5},
    "tjk_border": {"alliance.intel_sharing": 0.3, "alliance.pool_share": 0.0, "states.TJK.allocation.border": 0.7},
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", default="csto-southern-frontier")
    ap.add_argument("--scenarios", type=int, default=75, help="points of the uncertainty space (x 4 policies)")
    ap.add_argument("--trials", type=int, default=40, help="trials per experiment")
    ap.add_argument("--seed", type=int, default=None, help="seed of every experiment [default: the scenario's]")
    ap.add_argument("--fail-quantile", type=float, default=0.75,
                    help="the best policy fails where its attacks exceed this quantile of its attacks")
    ap.add_argument("--threshold", type=float, default=0.6, help="PRIM's minimum density of failures in the box")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--out", type=Path, default=Path("ema-output"))
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    model = cordon.ema.model(
        args.scenario,
        levers=LEVERS,
        set={"alliance.pool_recipient": "TJK"},
        outcomes=["attacks", "p_any_attack", "severity"],
        trials=args.trials,
        seed=args.seed,
        threads=args.threads,
    )
    policies = [cordon.ema.policy(model, name, values) for name, values in POLICIES.items()]
    print(f"{args.scenarios} scenarios x {len(policies)} policies x {args.trials} trials", file=sys.stderr)
    experiments, outcomes = perform_experiments(model, scenarios=args.scenarios, policies=policies)

    table = experiments.copy()
    for name, values in outcomes.items():
        table[name] = values
    table.to_csv(args.out / "experiments.csv", index=False)

    means = table.groupby("policy", observed=True)["attacks"].mean().sort_values()
    best = str(means.index[0])
    print("mean attacks per trial by policy:\n" + means.to_string(), file=sys.stderr)

    rows = table[table["policy"] == best].reset_index(drop=True)
    columns = cordon.ema.uncertainty_columns(model)
    x = rows[columns].astype(float)
    limit = float(np.quantile(rows["attacks"], args.fail_quantile))
    y = (rows["attacks"] > limit).to_numpy()
    if y.sum() == 0 or y.all():
        print("no contrast: every experiment of the best policy fails or none does", file=sys.stderr)
        return 1

    finder = prim.Prim(x, y, threshold=args.threshold)
    box = finder.find_box()
    trajectory = box.peeling_trajectory
    # The densest box that still covers half of the failures.
    ok = trajectory[trajectory["coverage"] >= 0.5]
    chosen = int(ok["density"].idxmax()) if len(ok) else len(trajectory) - 1
    box.select(chosen)
    lims = box.box_lim
    init = finder.box_init  # the sampled extent of each parameter
    prior = {u.name: (u.lower_bound, u.upper_bound) for u in model.uncertainties}

    def on_scale(col: str, v: float) -> float:
        return 10.0 ** v if col in model.cordon_log else v

    restricted = [c for c in columns if lims[c][0] > init[c][0] or lims[c][1] < init[c][1]]
    box_rows = []
    for c in columns:
        box_rows.append({
            "parameter": model.cordon_paths[c],
            "low": on_scale(c, float(lims[c][0])),
            "high": on_scale(c, float(lims[c][1])),
            "prior_low": on_scale(c, float(prior[c][0])),
            "prior_high": on_scale(c, float(prior[c][1])),
            "restricted": c in restricted,
        })
    pd.DataFrame(box_rows).to_csv(args.out / "prim_box.csv", index=False)

    stats = trajectory.iloc[chosen]
    lines = [
        f"scenario {args.scenario}: {args.scenarios} scenarios x {len(policies)} policies, "
        f"{args.trials} trials each, common random numbers",
        "mean attacks per trial: " + ", ".join(f"{p} {m:.3f}" for p, m in means.items()),
        f"best policy: {best}",
        f"fails: its attacks above {limit:.3f} (the {args.fail_quantile:.0%} quantile of its experiments)",
        f"PRIM box {chosen}: coverage {stats['coverage']:.2f}, density {stats['density']:.2f} "
        f"(failures in the box / all failures; failures among experiments in the box), "
        f"base rate {y.mean():.2f}",
        "the best policy fails most often where:",
    ]
    for r in box_rows:
        if r["restricted"]:
            lines.append(f"  {r['parameter']} in [{r['low']:.4g}, {r['high']:.4g}] "
                         f"(prior [{r['prior_low']:.4g}, {r['prior_high']:.4g}])")
    if not restricted:
        lines.append("  (no restriction: no box explains the failures better than chance)")
    (args.out / "prim_box.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    sc = left.scatter(trajectory["coverage"], trajectory["density"], c=trajectory["res_dim"], cmap="viridis")
    left.scatter([stats["coverage"]], [stats["density"]], s=160, facecolors="none", edgecolors="red")
    left.set_xlabel("coverage")
    left.set_ylabel("density")
    left.set_title(f"PRIM peeling: when does {best} fail?")
    fig.colorbar(sc, ax=left, label="restricted dimensions")
    def kept(c: str) -> float:  # the share of its range the box keeps
        return float(lims[c][1] - lims[c][0]) / float(prior[c][1] - prior[c][0])

    dims = (sorted(restricted, key=kept) + [c for c in columns if c not in restricted])[:2]
    a, b = dims[0], dims[1]
    right.scatter(x[a], x[b], c=np.where(y, "tab:red", "tab:gray"), s=14)
    right.add_patch(plt.Rectangle((lims[a][0], lims[b][0]), lims[a][1] - lims[a][0], lims[b][1] - lims[b][0],
                                  fill=False, edgecolor="red", linewidth=2))
    right.set_xlabel(a)
    right.set_ylabel(b)
    right.set_title("experiments of the best policy (red: fails) and the box")
    fig.tight_layout()
    fig.savefig(args.out / "prim.png", dpi=110)
    print(f"wrote {args.out}/experiments.csv, prim_box.csv, prim_box.txt, prim.png", file=sys.stderr)
    return 0 if not math.isnan(stats["density"]) else 1


if __name__ == "__main__":
    sys.exit(main())
