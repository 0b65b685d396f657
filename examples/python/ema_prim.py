"""Scenario discovery with the EMA Workbench: when does the best policy fail?

Runs a few hundred experiments of the built-in csto-southern-frontier
scenario: its [[uncertain]] parameters sampled by Latin hypercube (the
"scenarios" of exploratory modelling), crossed with four policies, each
experiment `--trials` trials on the same seed (common random numbers, so
policies are compared on the same trials). The policy with the fewest
attacks on average is the best; it fails in a scenario where another
policy has fewer attacks on the same trials (a paired verdict, thanks to
common random numbers); PRIM then finds the box of uncertain conditions in
which it fails. Writes

  OUT/experiments.csv   every experiment: uncertainties, policy, outcomes
  OUT/prim_box.csv      the box: parameter, low, high (on cordon's scale)
  OUT/prim_box.txt      the box in words: coverage, density, limits
  OUT/prim.png          the peeling trade-off and the box on its two main
                        parameters

Usage (about 30 s on 2 cores with the defaults):

  pip install ./python ema-workbench matplotlib
  python examples/python/ema_prim.py --out ema-output            (400 experiments)
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
    ap.add_argument("--scenarios", type=int, default=100, help="points of the uncertainty space (x 4 policies)")
    ap.add_argument("--trials", type=int, default=40, help="trials per experiment")
    ap.add_argument("--seed", type=int, default=None, help="seed of every experiment [default: the scenario's]")
    ap.add_argument("--sample-seed", type=int, default=1, help="seed of the Latin hypercube of scenarios")
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
    np.random.seed(args.sample_seed)  # the EMA Workbench samples with numpy's global generator
    experiments, outcomes = perform_experiments(model, scenarios=args.scenarios, policies=policies)

    table = experiments.copy()
    for name, values in outcomes.items():
        table[name] = values
    table.to_csv(args.out / "experiments.csv", index=False)

    means = table.groupby("policy", observed=True)["attacks"].mean().sort_values()
    best = str(means.index[0])
    print("mean attacks per trial by policy:\n" + means.to_string(), file=sys.stderr)

    # Paired on common random numbers: at each scenario every policy ran the
    # same trials, so "another policy does better here" is a paired verdict.
    by_scenario = table.pivot(index="scenario", columns="policy", values="attacks")
    by_scenario.columns = by_scenario.columns.astype(str)
    others = by_scenario.drop(columns=[best])
    fails = others.min(axis=1) < by_scenario[best]  # strictly fewer: a tie is no failure
    winner = others.idxmin(axis=1)[fails]
    rows = table[table["policy"] == best].set_index("scenario").loc[by_scenario.index].reset_index()
    columns = cordon.ema.uncertainty_columns(model)
    x = rows[columns].astype(float)
    y = fails.to_numpy()
    if y.sum() == 0 or y.all():
        print("no contrast: the best policy wins everywhere or nowhere", file=sys.stderr)
        return 1

    finder = prim.Prim(x, y, threshold=args.threshold)
    box = finder.find_box()
    trajectory = box.peeling_trajectory
    # The simplest box (fewest restricted parameters) that covers at least
    # half of the failures at the density asked for; the densest of those.
    ok = trajectory[(trajectory["coverage"] >= 0.5) & (trajectory["density"] >= args.threshold)]
    if len(ok):
        simplest = ok[ok["res_dim"] == ok["res_dim"].min()]
        chosen = int(simplest["density"].idxmax())
    else:
        chosen = len(trajectory) - 1
    box.select(chosen)
    prior = {u.name: (u.lower_bound, u.upper_bound) for u in model.uncertainties}

    def quasi_p(qp: dict, c: str) -> float:
        values = [float(v) for v in qp.get(c, []) if v is not None and not math.isnan(v) and v >= 0]
        return min(values) if values else 1.0

    # Restrictions that chance would give as often (quasi-p >= 0.05) are
    # dropped: what is left is what the failures depend on.
    init = finder.box_init  # the sampled extent of each parameter
    qp = dict(box.qp[chosen])
    restricted0 = [c for c in columns if box.box_lim[c][0] > init[c][0] or box.box_lim[c][1] < init[c][1]]
    for c in restricted0:
        if quasi_p(qp, c) >= 0.05:
            box.drop_restriction(c)
    lims = box.box_lim

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
            "quasi_p": quasi_p(qp, c) if c in restricted else None,
        })
    pd.DataFrame(box_rows).to_csv(args.out / "prim_box.csv", index=False)

    stats = {"coverage": float(box.coverage), "density": float(box.density)}
    lines = [
        f"scenario {args.scenario}: {args.scenarios} scenarios x {len(policies)} policies, "
        f"{args.trials} trials each, common random numbers",
        "mean attacks per trial: " + ", ".join(f"{p} {m:.3f}" for p, m in means.items()),
        f"best policy: {best}",
        f"fails: another policy has fewer attacks in the same scenario (paired, same trials): "
        f"{int(y.sum())} of {len(y)} scenarios ("
        + ", ".join(f"{p} {n}" for p, n in winner.value_counts().items() if n > 0) + " better)",
        f"PRIM box (peeling step {chosen}, restrictions with quasi-p >= 0.05 dropped): "
        f"coverage {stats['coverage']:.2f}, density {stats['density']:.2f} "
        f"(failures in the box / all failures; failures among experiments in the box), "
        f"base rate {y.mean():.2f}",
        "the best policy fails most often where:",
    ]
    for r in box_rows:
        if r["restricted"]:
            lines.append(f"  {r['parameter']} in [{r['low']:.4g}, {r['high']:.4g}] "
                         f"(prior [{r['prior_low']:.4g}, {r['prior_high']:.4g}]; quasi-p {r['quasi_p']:.2g})")
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
