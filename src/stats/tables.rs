//! From accumulated statistics to the rows of the output tables.
//!
//! Every mean comes with its uncertainty: a 95% interval from Student's t
//! for means, Wilson's interval for proportions, and the delta method for
//! the ratio that is interdiction effectiveness. Missing values (no data, or
//! a quantity that is undefined) are `None`, written as empty cells.

use serde::Serialize;

use super::aggregate::{
    FIRST_ATTACK, N_WEEKLY, P_ANY_ATTACK, RunStats, TOTALS, VariantStats, weekly_name,
};
use super::interval::{mean_ci95, t_quantile_975, wilson95};
use super::moments::Moments;
use crate::model::StateMetric;
use crate::model::record::N_STATE_METRICS;

/// Names of everything a run's tables refer to.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Layout {
    /// Variant names, `baseline` first.
    pub variants: Vec<String>,
    /// Member state ids with their index among all states.
    pub members: Vec<(usize, String)>,
    /// Border segments: (border index, border id, label a>b, label b>a).
    pub segments: Vec<(usize, String, String, String)>,
    /// Mean weekly patrol detection per variant and direction.
    pub patrol: Vec<Vec<f64>>,
}

/// A row of `weekly.csv`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WeeklyRow<'a> {
    pub variant: &'a str,
    pub week: usize,
    pub metric: &'static str,
    pub n: u64,
    #[serde(serialize_with = "num")]
    pub mean: Option<f64>,
    #[serde(serialize_with = "num")]
    pub sd: Option<f64>,
    #[serde(serialize_with = "num")]
    pub ci95_lo: Option<f64>,
    #[serde(serialize_with = "num")]
    pub ci95_hi: Option<f64>,
    #[serde(serialize_with = "num")]
    pub p05: Option<f64>,
    #[serde(serialize_with = "num")]
    pub p25: Option<f64>,
    #[serde(serialize_with = "num")]
    pub p50: Option<f64>,
    #[serde(serialize_with = "num")]
    pub p75: Option<f64>,
    #[serde(serialize_with = "num")]
    pub p95: Option<f64>,
}

/// A row of `summary.csv`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SummaryRow<'a> {
    pub variant: &'a str,
    pub metric: &'static str,
    pub n: u64,
    #[serde(serialize_with = "num")]
    pub mean: Option<f64>,
    #[serde(serialize_with = "num")]
    pub sd: Option<f64>,
    #[serde(serialize_with = "num")]
    pub se: Option<f64>,
    #[serde(serialize_with = "num")]
    pub ci95_lo: Option<f64>,
    #[serde(serialize_with = "num")]
    pub ci95_hi: Option<f64>,
    #[serde(serialize_with = "num")]
    pub p05: Option<f64>,
    #[serde(serialize_with = "num")]
    pub p50: Option<f64>,
    #[serde(serialize_with = "num")]
    pub p95: Option<f64>,
}

/// A row of `states.csv`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StateRow<'a> {
    pub variant: &'a str,
    pub state: &'a str,
    pub metric: &'static str,
    #[serde(serialize_with = "num")]
    pub mean: Option<f64>,
    #[serde(serialize_with = "num")]
    pub se: Option<f64>,
    #[serde(serialize_with = "num")]
    pub ci95_lo: Option<f64>,
    #[serde(serialize_with = "num")]
    pub ci95_hi: Option<f64>,
}

/// A row of `borders.csv`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BorderRow<'a> {
    pub variant: &'a str,
    pub border: &'a str,
    pub direction: &'a str,
    pub metric: &'static str,
    #[serde(serialize_with = "num")]
    pub mean: Option<f64>,
    #[serde(serialize_with = "num")]
    pub se: Option<f64>,
    #[serde(serialize_with = "num")]
    pub ci95_lo: Option<f64>,
    #[serde(serialize_with = "num")]
    pub ci95_hi: Option<f64>,
}

/// Writes a number for CSV: integers without a decimal point, others in
/// the shortest form that reads back to the same bits, never in exponent
/// notation; missing and non-finite values as an empty cell.
pub fn format_number(x: Option<f64>) -> String {
    with_number_text(x, str::to_owned)
}

/// Serializes an optional number as [`format_number`] writes it, for the
/// `serialize_with` of every CSV row struct.
pub fn num<S: serde::Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    with_number_text(*x, |text| s.serialize_str(text))
}

/// Hands `f` the text of [`format_number`], written on the stack: the
/// tables format millions of numbers, and an allocation for each was a
/// tenth of a run's instructions. Integers are written digit by digit, the
/// rest by `Display` (into a `String` only past 64 bytes).
fn with_number_text<R>(x: Option<f64>, f: impl FnOnce(&str) -> R) -> R {
    use std::fmt::Write;
    match x {
        Some(v) if v.is_finite() => {
            if v.fract() == 0.0 && v.abs() < 1e15 {
                let mut digits = [0u8; 20];
                f(integer_text(v as i64, &mut digits))
            } else {
                let mut text = StackText::default();
                match write!(text, "{v}") {
                    Ok(()) => f(text.as_str()),
                    Err(_) => f(&v.to_string()),
                }
            }
        }
        _ => f(""),
    }
}

/// The decimal digits of `n`, with a sign when negative, written into
/// `digits` (what `format!("{n}")` gives, without allocating).
fn integer_text(n: i64, digits: &mut [u8; 20]) -> &str {
    let mut i = digits.len();
    let mut m = n.unsigned_abs();
    loop {
        i -= 1;
        digits[i] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        i -= 1;
        digits[i] = b'-';
    }
    std::str::from_utf8(&digits[i..]).unwrap_or_default()
}

/// Text written on the stack, up to 64 bytes (the shortest form of a
/// number below 10^15 that is not an integer is at most 24); a longer
/// text is refused whole, and [`with_number_text`] allocates for it.
struct StackText {
    bytes: [u8; 64],
    len: usize,
}

impl Default for StackText {
    fn default() -> Self {
        StackText {
            bytes: [0; 64],
            len: 0,
        }
    }
}

impl StackText {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, part: &str) -> std::fmt::Result {
        let end = self.len + part.len();
        let room = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        room.copy_from_slice(part.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Mean, standard error and 95% interval of some moments.
pub fn describe(m: &Moments) -> (Option<f64>, Option<f64>, Option<(f64, f64)>) {
    let mean = m.mean();
    let se = m.se();
    let ci = match (mean, se) {
        (Some(mean), Some(se)) => mean_ci95(mean, se, m.n),
        _ => None,
    };
    (mean, se, ci)
}

/// Rows of `weekly.csv`, variant by variant, week by week.
pub fn weekly_rows<'a>(stats: &RunStats, layout: &'a Layout) -> Vec<WeeklyRow<'a>> {
    (0..stats.variants.len())
        .flat_map(|v| weekly_rows_of(stats, layout, v))
        .collect()
}

/// The rows of `weekly.csv` of variant `v`, week by week (one block of
/// [`weekly_rows`], so that the blocks can be built at the same time).
pub fn weekly_rows_of<'a>(stats: &RunStats, layout: &'a Layout, v: usize) -> Vec<WeeklyRow<'a>> {
    weekly_rows_in(stats, layout, v, 0..stats.variants[v].weeks)
}

/// The rows of `weekly.csv` of variant `v` in `weeks` (indices from 0),
/// week by week: a smaller block of [`weekly_rows_of`].
pub fn weekly_rows_in<'a>(
    stats: &RunStats,
    layout: &'a Layout,
    v: usize,
    weeks: std::ops::Range<usize>,
) -> Vec<WeeklyRow<'a>> {
    let vs = &stats.variants[v];
    let mut rows = Vec::with_capacity(weeks.len() * N_WEEKLY);
    for t in weeks {
        for m in 0..N_WEEKLY {
            rows.push(weekly_row(&layout.variants[v], vs, t, m));
        }
    }
    rows
}

fn weekly_row<'a>(variant: &'a str, vs: &VariantStats, t: usize, m: usize) -> WeeklyRow<'a> {
    let d = vs.weekly(t, m);
    let mo = &d.moments;
    if m == P_ANY_ATTACK {
        let k = mo.sum as u64;
        let ci = wilson95(k, mo.n);
        return WeeklyRow {
            variant,
            week: t,
            metric: weekly_name(m),
            n: mo.n,
            mean: mo.mean(),
            sd: mo.sd(),
            ci95_lo: ci.map(|c| c.0),
            ci95_hi: ci.map(|c| c.1),
            p05: None,
            p25: None,
            p50: None,
            p75: None,
            p95: None,
        };
    }
    let (mean, _, ci) = describe(mo);
    let q = d.sketch.quantiles(&[0.05, 0.25, 0.5, 0.75, 0.95]);
    WeeklyRow {
        variant,
        week: t,
        metric: weekly_name(m),
        n: mo.n,
        mean,
        sd: mo.sd(),
        ci95_lo: ci.map(|c| c.0),
        ci95_hi: ci.map(|c| c.1),
        p05: q[0],
        p25: q[1],
        p50: q[2],
        p75: q[3],
        p95: q[4],
    }
}

/// Rows of `summary.csv`: every per-trial total, then `p_any_attack`.
pub fn summary_rows<'a>(stats: &RunStats, layout: &'a Layout) -> Vec<SummaryRow<'a>> {
    let mut rows = Vec::new();
    for (v, vs) in stats.variants.iter().enumerate() {
        let variant = layout.variants[v].as_str();
        for (i, def) in TOTALS.iter().enumerate() {
            let d = &vs.totals[i];
            let (mean, se, ci) = describe(&d.moments);
            let q = d.sketch.quantiles(&[0.05, 0.5, 0.95]);
            rows.push(SummaryRow {
                variant,
                // A mean over trials with an attack is conditional: say so.
                metric: if i == FIRST_ATTACK {
                    "first_attack_week_given_attack"
                } else {
                    def.name
                },
                n: d.moments.n,
                mean,
                sd: d.moments.sd(),
                se,
                ci95_lo: ci.map(|c| c.0),
                ci95_hi: ci.map(|c| c.1),
                p05: q[0],
                p50: q[1],
                p95: q[2],
            });
        }
        rows.push(p_any_attack_row(variant, vs));
    }
    rows
}

/// The share of trials with at least one attack, with Wilson's interval.
pub fn p_any_attack_row<'a>(variant: &'a str, vs: &VariantStats) -> SummaryRow<'a> {
    let (k, n) = (vs.any_attack, vs.trials);
    let p = (n > 0).then(|| k as f64 / n as f64);
    let ci = wilson95(k, n);
    SummaryRow {
        variant,
        metric: "p_any_attack",
        n,
        mean: p,
        sd: p.map(|p| (p * (1.0 - p)).sqrt()),
        se: p.map(|p| (p * (1.0 - p) / n as f64).sqrt()),
        ci95_lo: ci.map(|c| c.0),
        ci95_hi: ci.map(|c| c.1),
        p05: None,
        p50: None,
        p95: None,
    }
}

/// Rows of `states.csv`: member states only.
pub fn state_rows<'a>(stats: &RunStats, layout: &'a Layout) -> Vec<StateRow<'a>> {
    let mut rows = Vec::new();
    for (v, vs) in stats.variants.iter().enumerate() {
        for (s, id) in &layout.members {
            for (m, metric) in StateMetric::ALL.iter().enumerate() {
                let (mean, se, ci) = describe(&vs.states[s * N_STATE_METRICS + m]);
                rows.push(StateRow {
                    variant: &layout.variants[v],
                    state: id,
                    metric: metric.name(),
                    mean,
                    se,
                    ci95_lo: ci.map(|c| c.0),
                    ci95_hi: ci.map(|c| c.1),
                });
            }
        }
    }
    rows
}

/// Rows of `borders.csv`: border segments in both directions.
pub fn border_rows<'a>(stats: &RunStats, layout: &'a Layout) -> Vec<BorderRow<'a>> {
    (0..stats.variants.len())
        .flat_map(|v| border_rows_of(stats, layout, v))
        .collect()
}

/// The rows of `borders.csv` of variant `v` (one block of
/// [`border_rows`], so that the blocks can be built at the same time).
pub fn border_rows_of<'a>(stats: &RunStats, layout: &'a Layout, v: usize) -> Vec<BorderRow<'a>> {
    let mut rows = Vec::new();
    let vs = &stats.variants[v];
    {
        for (b, id, forward, backward) in &layout.segments {
            for (dir, label) in [(2 * b, forward), (2 * b + 1, backward)] {
                let ds = &vs.directions[dir];
                let row =
                    |metric, (mean, se, ci): (Option<f64>, Option<f64>, Option<(f64, f64)>)| {
                        BorderRow {
                            variant: &layout.variants[v],
                            border: id,
                            direction: label,
                            metric,
                            mean,
                            se,
                            ci95_lo: ci.map(|c| c.0),
                            ci95_hi: ci.map(|c| c.1),
                        }
                    };
                rows.push(row("attempts", describe(&ds.attempts)));
                rows.push(row("detections", describe(&ds.detections)));
                rows.push(row("interdictions", describe(&ds.outcomes.x)));
                rows.push(row("crossings", describe(&ds.outcomes.y)));
                rows.push(row(
                    "interdiction_effectiveness",
                    effectiveness(&ds.outcomes),
                ));
                let p = layout.patrol[v][dir];
                rows.push(row("patrol_detection", (Some(p), Some(0.0), Some((p, p)))));
            }
        }
    }
    rows
}

/// interdictions / (interdictions + crossings) as a ratio of means, with a
/// delta-method interval (`None` when no attempt ever ended either way).
pub fn effectiveness(
    c: &super::moments::CoMoment,
) -> (Option<f64>, Option<f64>, Option<(f64, f64)>) {
    let (Some(a), Some(x)) = (c.x.mean(), c.y.mean()) else {
        return (None, None, None);
    };
    let total = a + x;
    if total <= 0.0 {
        return (None, None, None);
    }
    let r = a / total;
    let n = c.x.n as f64;
    let (Some(va), Some(vx), Some(cov)) = (c.x.variance(), c.y.variance(), c.covariance()) else {
        return (Some(r), None, None);
    };
    // R = A / (A + C): dR/dA = C / T², dR/dC = -A / T².
    let (ga, gc) = (x / (total * total), -a / (total * total));
    let var = (ga * ga * va + gc * gc * vx + 2.0 * ga * gc * cov) / n;
    let se = var.max(0.0).sqrt();
    let t = t_quantile_975(c.x.n.saturating_sub(1).max(1));
    (
        Some(r),
        Some(se),
        Some(((r - t * se).max(0.0), (r + t * se).min(1.0))),
    )
}

/// A row of `comparison.csv`: one variant against the baseline on one
/// per-trial total, paired on trial index (common random numbers).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ComparisonRow<'a> {
    pub variant: &'a str,
    pub metric: &'static str,
    pub n: u64,
    #[serde(serialize_with = "num")]
    pub baseline_mean: Option<f64>,
    #[serde(serialize_with = "num")]
    pub variant_mean: Option<f64>,
    /// Mean of (variant - baseline) over trials.
    #[serde(serialize_with = "num")]
    pub diff_mean: Option<f64>,
    #[serde(serialize_with = "num")]
    pub diff_se: Option<f64>,
    #[serde(serialize_with = "num")]
    pub diff_ci95_lo: Option<f64>,
    #[serde(serialize_with = "num")]
    pub diff_ci95_hi: Option<f64>,
    /// diff_mean / baseline_mean.
    #[serde(serialize_with = "num")]
    pub relative_change: Option<f64>,
    /// Share of trials in which the variant did better (empty where the
    /// metric has no better direction).
    #[serde(serialize_with = "num")]
    pub p_better: Option<f64>,
    /// Share of trials with equal values.
    #[serde(serialize_with = "num")]
    pub p_tie: Option<f64>,
    /// Spend of the variant minus the baseline's, per trial.
    #[serde(serialize_with = "num")]
    pub spend_diff: Option<f64>,
    /// (baseline - variant) per 1,000 spend units of extra spend (empty
    /// where spend does not differ).
    #[serde(serialize_with = "num")]
    pub averted_per_1000: Option<f64>,
    #[serde(serialize_with = "num")]
    pub averted_per_1000_ci95_lo: Option<f64>,
    #[serde(serialize_with = "num")]
    pub averted_per_1000_ci95_hi: Option<f64>,
}

/// Rows of `comparison.csv` for every variant but the baseline.
pub fn comparison_rows<'a>(stats: &RunStats, layout: &'a Layout) -> Vec<ComparisonRow<'a>> {
    let spend = TOTALS.iter().position(|t| t.name == "spend").unwrap_or(0);
    let base = &stats.variants[0];
    let mut rows = Vec::new();
    for (v, vs) in stats.variants.iter().enumerate().skip(1) {
        let spend_diff = match (
            vs.totals[spend].moments.mean(),
            base.totals[spend].moments.mean(),
        ) {
            (Some(a), Some(b)) => Some(a - b),
            _ => None,
        };
        for (i, def) in TOTALS.iter().enumerate() {
            if i == FIRST_ATTACK || i == spend {
                continue; // conditional on an attack / deterministic: not paired
            }
            let p = &vs.paired[i];
            let (diff, se, ci) = describe(&p.diff);
            let baseline_mean = base.totals[i].moments.mean();
            let n = p.diff.n as f64;
            let per_1000 = spend_diff.filter(|d| d.abs() > 1e-9).map(|d| -1000.0 / d);
            let scaled = |x: Option<f64>| x.zip(per_1000).map(|(x, k)| x * k);
            let (lo, hi) = (scaled(ci.map(|c| c.0)), scaled(ci.map(|c| c.1)));
            rows.push(ComparisonRow {
                variant: &layout.variants[v],
                metric: def.name,
                n: p.diff.n,
                baseline_mean,
                variant_mean: vs.totals[i].moments.mean(),
                diff_mean: diff,
                diff_se: se,
                diff_ci95_lo: ci.map(|c| c.0),
                diff_ci95_hi: ci.map(|c| c.1),
                relative_change: diff
                    .zip(baseline_mean)
                    .filter(|(_, b)| *b != 0.0)
                    .map(|(d, b)| d / b),
                p_better: def
                    .lower_is_better
                    .and((n > 0.0).then(|| p.better as f64 / n)),
                p_tie: (n > 0.0).then(|| p.ties as f64 / n),
                spend_diff,
                averted_per_1000: scaled(diff),
                averted_per_1000_ci95_lo: lo.zip(hi).map(|(a, b)| a.min(b)),
                averted_per_1000_ci95_hi: lo.zip(hi).map(|(a, b)| a.max(b)),
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::super::moments::CoMoment;
    use super::*;

    /// A layout naming `variants` only: no members, no segments.
    fn bare_layout(variants: &[&str]) -> Layout {
        Layout {
            variants: variants.iter().map(|v| v.to_string()).collect(),
            members: vec![],
            segments: vec![],
            patrol: vec![vec![]; variants.len()],
        }
    }

    /// Where total `name` is in [`TOTALS`].
    fn total(name: &str) -> usize {
        TOTALS.iter().position(|t| t.name == name).unwrap()
    }

    /// What `format_number` wrote before its text went on the stack:
    /// `Display` of the integer or of the number.
    fn allocated_text(x: Option<f64>) -> String {
        match x {
            Some(x) if x.is_finite() => {
                if x.fract() == 0.0 && x.abs() < 1e15 {
                    format!("{}", x as i64)
                } else {
                    format!("{x}")
                }
            }
            _ => String::new(),
        }
    }

    #[test]
    fn numbers_are_serialized_as_format_number_writes_them() {
        // The stack-written text of `num` and `format_number` against the
        // allocating `Display` reference, on integers of every length and
        // sign, fractions, the bounds of the integer form, huge numbers
        // (300 digits: the allocating fallback) and what is written empty.
        let mut xs = vec![
            None,
            Some(f64::NAN),
            Some(f64::INFINITY),
            Some(-0.0),
            Some(0.1 + 0.2),
            Some(1e15),
            Some(1e15 - 1.0),
            Some(-(1e15 - 1.0)),
            Some(999_999_999_999_999.5),
            Some(1.5e300),
            Some(-2.5e-300),
            Some(f64::MAX),
            Some(f64::MIN_POSITIVE),
        ];
        let mut x = 1.0f64;
        for _ in 0..40 {
            xs.extend([Some(x), Some(-x), Some(x / 7.0), Some(-x / 3.0)]);
            x *= 3.7;
        }
        for x in xs {
            let got = num(&x, serde_json::value::Serializer).unwrap();
            assert_eq!(got, serde_json::Value::String(allocated_text(x)), "{x:?}");
            assert_eq!(format_number(x), allocated_text(x), "{x:?}");
        }
    }

    #[test]
    fn state_comparison_and_attack_share_rows_follow_their_formulas() {
        let attacks = total("attacks");
        let spend = total("spend");
        let mut base = VariantStats::new(1, 3, 0, true);
        let mut var = VariantStats::new(1, 3, 0, false);
        (base.trials, base.any_attack) = (120, 30);
        for (s, m) in (0..3).flat_map(|s| (0..N_STATE_METRICS).map(move |m| (s, m))) {
            for q in [10 * s + m, 10 * s + m + 2] {
                base.states[s * N_STATE_METRICS + m].add_grid(q as i64);
            }
        }
        for (x, sp) in [(1.0, 10.0), (2.0, 10.0), (3.0, 10.0), (2.0, 10.0)] {
            base.totals[attacks].moments.add(x);
            base.totals[spend].moments.add(sp);
            var.totals[spend].moments.add(sp + 2.0);
        }
        let paired = &mut var.paired[attacks];
        for d in [-1, -1, 0, 1] {
            paired.diff.add_grid(d);
        }
        (paired.better, paired.ties) = (2, 1);
        let layout = Layout {
            members: vec![(0, "A".into()), (2, "C".into())],
            ..bare_layout(&["baseline", "v"])
        };
        let stats = RunStats {
            variants: vec![base, var],
        };

        let row = p_any_attack_row("baseline", &stats.variants[0]);
        let p: f64 = 0.25;
        assert_eq!(
            (row.n, row.mean, row.sd, row.se),
            (
                120,
                Some(p),
                Some((p * (1.0 - p)).sqrt()),
                Some((p * (1.0 - p) / 120.0).sqrt())
            )
        );
        assert_eq!(
            p_any_attack_row("baseline", &VariantStats::new(1, 0, 0, true)).mean,
            None
        );

        // Each member's row reads its own state's moments: C is state 2.
        let rows = state_rows(&stats, &layout);
        // A row per variant, member and state metric.
        assert_eq!(rows.len(), 2 * 2 * N_STATE_METRICS);
        for r in rows.iter().filter(|r| r.variant == "baseline") {
            let s = if r.state == "A" { 0 } else { 2 };
            let m = StateMetric::ALL
                .iter()
                .position(|x| x.name() == r.metric)
                .unwrap();
            assert_eq!(
                r.mean,
                Some((10 * s + m + 1) as f64),
                "{} {}",
                r.state,
                r.metric
            );
        }

        // Attacks: mean difference −0.25 against a baseline of 2; better in
        // 2 of 4 trials, tied in 1; 2 more spent, so 0.25 × 1000 / 2 averted
        // per 1,000.
        let rows = comparison_rows(&stats, &layout);
        let r = rows.iter().find(|r| r.metric == "attacks").unwrap();
        assert_eq!(
            (
                r.diff_mean,
                r.baseline_mean,
                r.relative_change,
                r.p_better,
                r.p_tie
            ),
            (Some(-0.25), Some(2.0), Some(-0.125), Some(0.5), Some(0.25))
        );
        assert_eq!((r.spend_diff, r.averted_per_1000), (Some(2.0), Some(125.0)));
    }

    /// Every segment's two directions read their own statistics and
    /// patrol law: direction 2b is a>b, 2b + 1 is b>a (borders 0, 2 and 3
    /// are segments; 1 is an internal link with statistics of its own that
    /// no row may show).
    #[test]
    fn border_rows_read_each_direction_of_each_segment() {
        let mut base = VariantStats::new(1, 1, 8, true);
        for (d, ds) in base.directions.iter_mut().enumerate() {
            let d = d as u64;
            for k in [0, 2] {
                ds.attempts.add((10 * d + k) as f64);
                ds.detections.add((100 * d + k) as f64);
                ds.outcomes.add(d + k, 2 * d + k + 1);
            }
        }
        let label = |b: usize, f: bool| format!("{b}{}", if f { ">" } else { "<" });
        let layout = Layout {
            variants: vec!["baseline".into()],
            members: vec![],
            segments: [0, 2, 3]
                .map(|b| (b, format!("B{b}"), label(b, true), label(b, false)))
                .to_vec(),
            patrol: vec![(0..8).map(|d| 0.01 * d as f64).collect()],
        };
        let stats = RunStats {
            variants: vec![base],
        };
        let rows = border_rows(&stats, &layout);
        assert_eq!(rows.len(), 3 * 2 * 6);
        for r in &rows {
            let b: usize = r.border[1..].parse().unwrap();
            let d = (2 * b + usize::from(r.direction.ends_with('<'))) as f64;
            assert_eq!(r.direction[..r.direction.len() - 1], b.to_string());
            let want = match r.metric {
                "attempts" => 10.0 * d + 1.0,
                "detections" => 100.0 * d + 1.0,
                "interdictions" => d + 1.0,
                "crossings" => 2.0 * d + 2.0,
                "interdiction_effectiveness" => (d + 1.0) / (3.0 * d + 3.0),
                "patrol_detection" => 0.01 * d,
                m => panic!("unexpected metric {m}"),
            };
            let got = r.mean.unwrap();
            assert!(
                (got - want).abs() < 1e-12,
                "{} {} {}: {got} vs {want}",
                r.border,
                r.direction,
                r.metric
            );
        }
    }

    /// With no paired trial a comparison has no share better or tied (an
    /// empty cell, not 0/0).
    #[test]
    fn a_comparison_without_pairs_has_no_shares() {
        let attacks = total("attacks");
        let base = VariantStats::new(1, 1, 0, true);
        let var = VariantStats::new(1, 1, 0, false);
        let layout = bare_layout(&["baseline", "v"]);
        let stats = RunStats {
            variants: vec![base, var],
        };
        let rows = comparison_rows(&stats, &layout);
        let r = rows
            .iter()
            .find(|r| r.metric == TOTALS[attacks].name)
            .unwrap();
        assert_eq!((r.n, r.p_better, r.p_tie), (0, None, None));
    }

    /// A comparison row per variant and paired total: not the first
    /// attack's week (conditional) nor spend (deterministic); and a spend
    /// difference of 1e-9 or less is none, so nothing is averted per 1,000
    /// (kills `||` -> `&&` in the skip and `>` -> `>=` in the threshold).
    #[test]
    fn comparison_rows_skip_unpaired_totals_and_a_negligible_spend_difference() {
        let spend = total("spend");
        let attacks = total("attacks");
        let mut base = VariantStats::new(1, 1, 0, true);
        let mut var = VariantStats::new(1, 1, 0, false);
        base.totals[spend].moments.add(0.0);
        // A mean of exactly 1e-9: on the real grid (2^-32 units) a sum of
        // m over n = 2^50 values, 1e-9 = m · 2^-82 with m below 2^53.
        let m = 1e-9 * 2f64.powi(82);
        assert_eq!(m.fract(), 0.0);
        let spent = &mut var.totals[spend].moments;
        (spent.n, spent.sum) = (1 << 50, m as i128);
        assert_eq!(spent.mean(), Some(1e-9));
        for d in [-1, 0, 2] {
            var.paired[attacks].diff.add_grid(d);
        }
        let layout = bare_layout(&["baseline", "v"]);
        let stats = RunStats {
            variants: vec![base, var],
        };
        let rows = comparison_rows(&stats, &layout);
        assert_eq!(rows.len(), TOTALS.len() - 2);
        assert!(
            rows.iter()
                .all(|r| r.metric != TOTALS[FIRST_ATTACK].name && r.metric != "spend")
        );
        let r = rows.iter().find(|r| r.metric == "attacks").unwrap();
        assert_eq!((r.diff_mean, r.spend_diff), (Some(1.0 / 3.0), Some(1e-9)));
        assert_eq!(r.averted_per_1000, None);
    }

    #[test]
    fn effectiveness_is_the_ratio_of_means_with_a_delta_method_interval() {
        // Worked out independently from the raw pairs (a_i interdictions,
        // c_i crossings): R = Σa / Σ(a + c), and the delta method's
        // linearisation R̂ - R ≈ mean(a_i - R t_i) / T̄, t_i = a_i + c_i, so
        // se² = Var(a_i - R t_i) / (n T̄²). Student's t at 30 df from the
        // printed table (2.042, within 5e-4).
        let pairs: Vec<(u64, u64)> = (0..31u64)
            .map(|i| ((i * 7) % 5, (i * 3) % 11 + 1))
            .collect();
        let mut c = CoMoment::new();
        pairs.iter().for_each(|&(a, x)| c.add(a, x));
        let n = pairs.len() as f64;
        let (sa, st) = pairs.iter().fold((0.0, 0.0), |(sa, st), &(a, x)| {
            (sa + a as f64, st + (a + x) as f64)
        });
        let (r, t_bar) = (sa / st, st / n);
        let d: Vec<f64> = pairs
            .iter()
            .map(|&(a, x)| (a as f64 - r * (a + x) as f64) / t_bar)
            .collect();
        let d_mean = d.iter().sum::<f64>() / n;
        let var = d.iter().map(|v| (v - d_mean).powi(2)).sum::<f64>() / (n - 1.0);
        let se = (var / n).sqrt();
        let (got_r, got_se, ci) = effectiveness(&c);
        let (got_r, got_se, (lo, hi)) = (got_r.unwrap(), got_se.unwrap(), ci.unwrap());
        assert!((got_r - r).abs() < 1e-12, "{got_r} vs {r}");
        assert!((got_se - se).abs() < 1e-12, "{got_se} vs {se}");
        assert!(((hi - r) / se - 2.042).abs() <= 5e-4 && ((r - lo) / se - 2.042).abs() <= 5e-4);
        // Nothing ever ended either way, or a single trial: no estimate, no
        // interval; an interval is cut to [0, 1].
        let mut none = CoMoment::new();
        assert_eq!(effectiveness(&none), (None, None, None));
        none.add(0, 0);
        none.add(0, 0);
        assert_eq!(effectiveness(&none), (None, None, None));
        let mut one = CoMoment::new();
        one.add(1, 3);
        assert_eq!(effectiveness(&one), (Some(0.25), None, None));
        let mut all = CoMoment::new();
        [(5, 0), (4, 0), (6, 1)]
            .iter()
            .for_each(|&(a, x)| all.add(a, x));
        let (_, _, ci) = effectiveness(&all);
        assert!(ci.unwrap().1 == 1.0 && ci.unwrap().0 < 1.0);
    }

    /// One variant over two weeks: a row per week and weekly metric, in
    /// the metrics' order; `p_any_attack` is a share with Wilson's
    /// interval and no quantiles, every other metric has the t interval
    /// and its quantiles (kills `weekly_rows -> vec![]` and `==` -> `!=`
    /// in `weekly_row`).
    #[test]
    fn weekly_rows_give_each_week_and_metric_its_own_row() {
        let mut vs = VariantStats::new(2, 1, 0, true);
        for t in 0..2 {
            for m in 0..N_WEEKLY {
                let d = &mut vs.weekly[t * N_WEEKLY + m];
                let xs: Vec<f64> = if m == P_ANY_ATTACK {
                    // 1 of 4 trials attacked in week 0, 3 of 4 in week 1.
                    (0..4).map(|i| f64::from(i < 1 + 2 * t as u8)).collect()
                } else {
                    vec![(m + 1) as f64, (m + 3 + t) as f64]
                };
                for x in xs {
                    d.moments.add(x);
                    d.sketch.add(x);
                }
            }
        }
        let layout = bare_layout(&["baseline"]);
        let stats = RunStats { variants: vec![vs] };
        let rows = weekly_rows(&stats, &layout);
        assert_eq!(rows.len(), 2 * N_WEEKLY);
        for (i, r) in rows.iter().enumerate() {
            let (t, m) = (i / N_WEEKLY, i % N_WEEKLY);
            assert_eq!(
                (r.variant, r.week, r.metric),
                ("baseline", t, weekly_name(m))
            );
            if m == P_ANY_ATTACK {
                let k = 1 + 2 * t as u64;
                let ci = wilson95(k, 4).unwrap();
                assert_eq!((r.n, r.mean), (4, Some(k as f64 / 4.0)));
                assert_eq!((r.ci95_lo, r.ci95_hi), (Some(ci.0), Some(ci.1)));
                assert_eq!((r.p05, r.p50, r.p95), (None, None, None));
            } else {
                let (lo, hi) = ((m + 1) as f64, (m + 3 + t) as f64);
                assert_eq!((r.n, r.mean), (2, Some((lo + hi) / 2.0)), "{}", r.metric);
                let (_, _, ci) = describe(&stats.variants[0].weekly(t, m).moments);
                assert_eq!((r.ci95_lo, r.ci95_hi), (ci.map(|c| c.0), ci.map(|c| c.1)));
                assert_eq!((r.p05, r.p95), (Some(lo), Some(hi)), "{}", r.metric);
            }
        }
    }

    /// A row per total and variant, then `p_any_attack`; the first attack's
    /// week is named as the conditional mean it is (kills `summary_rows ->
    /// vec![]` and `==` -> `!=` in its name).
    #[test]
    fn summary_rows_name_every_total_and_end_with_the_share_attacked() {
        let mut base = VariantStats::new(1, 1, 0, true);
        let var = VariantStats::new(1, 1, 0, false);
        (base.trials, base.any_attack) = (10, 4);
        for (i, d) in base.totals.iter_mut().enumerate() {
            for x in [i as f64, (2 * i + 2) as f64] {
                d.moments.add(x);
                d.sketch.add(x);
            }
        }
        let layout = bare_layout(&["baseline", "v"]);
        let stats = RunStats {
            variants: vec![base, var],
        };
        let rows = summary_rows(&stats, &layout);
        assert_eq!(rows.len(), 2 * (TOTALS.len() + 1));
        for (v, variant) in ["baseline", "v"].into_iter().enumerate() {
            let block = &rows[v * (TOTALS.len() + 1)..(v + 1) * (TOTALS.len() + 1)];
            for (i, r) in block[..TOTALS.len()].iter().enumerate() {
                let name = if i == FIRST_ATTACK {
                    "first_attack_week_given_attack"
                } else {
                    TOTALS[i].name
                };
                assert_eq!((r.variant, r.metric), (variant, name));
                if v == 0 {
                    let mean = (i as f64 + (2 * i + 2) as f64) / 2.0;
                    assert_eq!((r.n, r.mean), (2, Some(mean)), "{name}");
                } else {
                    assert_eq!((r.n, r.mean), (0, None), "{name}");
                }
            }
            assert_eq!(block[TOTALS.len()].metric, "p_any_attack");
        }
        assert_eq!(rows[TOTALS.len()].mean, Some(0.4));
        assert_ne!(TOTALS[FIRST_ATTACK].name, "first_attack_week_given_attack");
    }

    #[test]
    fn describe_gives_the_mean_its_standard_error_and_the_t_interval() {
        let mut m = Moments::new(super::super::moments::Grid::Count);
        [2.0, 4.0, 9.0].iter().for_each(|&x| m.add(x));
        let (mean, se, ci) = describe(&m);
        // Deviations -3, -1, 4: variance (9 + 1 + 16) / 2.
        let var: f64 = 13.0;
        assert_eq!(mean, Some(5.0));
        assert!((se.unwrap() - (var / 3.0).sqrt()).abs() < 1e-12);
        let (lo, hi) = ci.unwrap();
        assert!(
            ((hi - 5.0) / se.unwrap() - 4.303).abs() <= 5e-4
                && (5.0 - lo - (hi - 5.0)).abs() < 1e-12
        );
    }
}
