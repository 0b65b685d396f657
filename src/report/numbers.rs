//! Numbers rounded for reading. The CSV files keep every digit; the report
//! shows three significant digits (never dropping integer digits), a true
//! minus sign and thousands separators, and probabilities as percentages.

use crate::results::read::Estimate;

/// `x` with three significant digits, or as an integer when it has more
/// integer digits than that (`10376.5` → `10,377`); zero is `0`.
pub(super) fn number(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let rounded = round_significant(x, 3);
    let decimals = if rounded == 0.0 {
        0
    } else {
        // Digits after the point that keep three significant ones.
        (2 - rounded.abs().log10().floor() as i32).max(0) as usize
    };
    let text = format!("{:.*}", decimals, rounded.abs());
    let sign = if rounded < 0.0 { "\u{2212}" } else { "" };
    format!("{sign}{}", group_thousands(&text))
}

/// `x` as a whole number when it is one (a quantile of counts: `16`, not
/// `16.0`), else as [`number`].
pub(super) fn whole_or_number(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        let text = count(x.abs() as u64);
        if x < 0.0 {
            format!("\u{2212}{text}")
        } else {
            text
        }
    } else {
        number(x)
    }
}

/// A whole number with thousands separators (`10000` → `10,000`).
pub(super) fn count(n: u64) -> String {
    group_thousands(&n.to_string())
}

/// `x` as [`number`] with an explicit `+` for positive values, for
/// differences.
pub(super) fn signed(x: f64) -> String {
    let text = number(x);
    if x > 0.0 && text != "0" {
        format!("+{text}")
    } else {
        text
    }
}

/// A share in [0, 1] as a percentage with one decimal (`0.9967` → `99.7%`).
pub(super) fn percent(p: f64) -> String {
    if !p.is_finite() {
        return "–".into();
    }
    format!("{:.1}%", p * 100.0)
}

/// `[lo, hi]` of an estimate, through `fmt` (empty when either end is
/// missing).
pub(super) fn interval(e: &Estimate, fmt: fn(f64) -> String) -> String {
    match (e.ci95_lo, e.ci95_hi) {
        (Some(lo), Some(hi)) => format!("[{}, {}]", fmt(lo), fmt(hi)),
        _ => String::new(),
    }
}

/// A number written in full, for sorting and tooltips.
pub(super) fn full(x: f64) -> String {
    crate::stats::tables::format_number(Some(x))
}

fn round_significant(x: f64, digits: i32) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    let magnitude = x.abs().log10().floor() as i32;
    if magnitude >= digits - 1 {
        return x.round();
    }
    let scale = 10f64.powi(digits - 1 - magnitude);
    (x * scale).round() / scale
}

/// `12345.6` → `12,345.6` (the text has no sign).
fn group_thousands(text: &str) -> String {
    let (int, frac) = text.split_at(text.find('.').unwrap_or(text.len()));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped + frac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_significant_digits_but_all_integer_digits() {
        assert_eq!(number(9.483333), "9.48");
        assert_eq!(number(-4.89), "\u{2212}4.89");
        assert_eq!(number(0.0123456), "0.0123");
        assert_eq!(number(173.0966), "173");
        assert_eq!(number(10376.5), "10,377");
        assert_eq!(number(1.5), "1.50");
        assert_eq!(number(-4.0), "\u{2212}4.00");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(9.996), "10.0");
        assert_eq!(number(1234567.0), "1,234,567");
        assert_eq!(count(50), "50");
        assert_eq!(count(10000), "10,000");
    }

    #[test]
    fn differences_carry_their_sign_and_shares_are_percentages() {
        assert_eq!(signed(4.15), "+4.15");
        assert_eq!(signed(-0.6), "\u{2212}0.600");
        assert_eq!(signed(0.0), "0");
        assert_eq!(percent(0.99666), "99.7%");
        assert_eq!(percent(1.0), "100.0%");
        let e = Estimate {
            mean: Some(1.0),
            ci95_lo: Some(-0.5),
            ci95_hi: Some(2.25),
        };
        assert_eq!(interval(&e, signed), "[\u{2212}0.500, +2.25]");
    }
}
