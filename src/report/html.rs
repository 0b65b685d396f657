//! HTML building blocks: escaping, table cells, sortable tables, sections.
//!
//! Every string that comes from the data (scenario and variant names,
//! descriptions, ids, CSV cells) goes through [`escape`]; markup built here
//! is the only text written as is.

use super::numbers::{full, interval, number, percent};
use crate::results::read::Estimate;

/// `s` with `&`, `<`, `>`, `"` and `'` replaced by entities, safe in text
/// and in quoted attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An identifier (a variant name, a path) escaped, with a line-break
/// opportunity after each `_`, `.` and `>` so that long ones wrap in
/// narrow columns.
pub(super) fn ident(s: &str) -> String {
    escape(s)
        .replace('_', "_<wbr>")
        .replace('.', ".<wbr>")
        .replace("&gt;", "&gt;<wbr>")
}

/// How an estimate reads against "no change".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tone {
    /// Its 95% interval lies entirely on the good side.
    Better,
    /// Its 95% interval lies entirely on the bad side.
    Worse,
    /// No judgement (the interval holds 0, or there is no good side).
    Plain,
}

impl Tone {
    /// The tone of a difference where lower is better.
    pub(super) fn of_difference(e: &Estimate) -> Tone {
        match (e.ci95_lo, e.ci95_hi) {
            (_, Some(hi)) if hi < 0.0 => Tone::Better,
            (Some(lo), _) if lo > 0.0 => Tone::Worse,
            _ => Tone::Plain,
        }
    }

    fn class(self) -> &'static str {
        match self {
            Tone::Better => " better",
            Tone::Worse => " worse",
            Tone::Plain => "",
        }
    }
}

/// One table cell.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Cell {
    html: String,
    /// The value the sort script compares (the full number, not the
    /// rounded text); `None`: the cell's text.
    sort: Option<String>,
    /// A tooltip with the full values.
    title: Option<String>,
    class: String,
    row_header: bool,
}

impl Cell {
    /// Text from the data, escaped.
    pub(super) fn text(s: &str) -> Cell {
        Cell::markup(escape(s))
    }

    /// Markup built by this module's callers from escaped parts.
    pub(super) fn markup(html: String) -> Cell {
        Cell {
            html,
            sort: None,
            title: None,
            class: String::new(),
            row_header: false,
        }
    }

    /// A number rounded for reading, `fmt` choosing the form; empty when
    /// missing (sorted last).
    pub(super) fn number_with(x: Option<f64>, fmt: fn(f64) -> String) -> Cell {
        match x {
            Some(x) => Cell {
                sort: Some(full(x)),
                title: Some(full(x)),
                class: "num".into(),
                ..Cell::markup(fmt(x))
            },
            None => Cell {
                sort: Some(String::new()),
                class: "num missing".into(),
                ..Cell::markup("–".into())
            },
        }
    }

    /// A number with three significant digits.
    pub(super) fn number(x: Option<f64>) -> Cell {
        Cell::number_with(x, number)
    }

    /// A whole number (a rank, a count of things), as written.
    pub(super) fn integer(n: u64) -> Cell {
        Cell {
            sort: Some(n.to_string()),
            class: "num".into(),
            ..Cell::markup(n.to_string())
        }
    }

    /// A share as a percentage.
    pub(super) fn percent(p: Option<f64>) -> Cell {
        Cell::number_with(p, percent)
    }

    /// A mean over its 95% interval, `fmt` choosing the form of both,
    /// coloured by `tone`.
    pub(super) fn estimate(e: &Estimate, fmt: fn(f64) -> String, tone: Tone) -> Cell {
        let Some(mean) = e.mean else {
            return Cell::number(None);
        };
        let ci = interval(e, fmt);
        let title = match (e.ci95_lo, e.ci95_hi) {
            (Some(lo), Some(hi)) => {
                format!("{}; 95% interval {} to {}", full(mean), full(lo), full(hi))
            }
            _ => full(mean),
        };
        Cell {
            sort: Some(full(mean)),
            title: Some(title),
            class: format!("num{}", tone.class()),
            ..Cell::markup(format!(
                "<span class=\"m\">{}</span><span class=\"ci\">{ci}</span>",
                fmt(mean)
            ))
        }
    }

    /// Marks the cell as the header of its row.
    pub(super) fn row_header(mut self) -> Cell {
        self.row_header = true;
        self
    }

    /// Appends markup after the cell's content.
    pub(super) fn append(mut self, html: &str) -> Cell {
        self.html.push_str(html);
        self
    }

    /// Sorts the cell by `key` instead of its text.
    pub(super) fn sort_by(mut self, key: String) -> Cell {
        self.sort = Some(key);
        self
    }

    fn render(&self) -> String {
        let tag = if self.row_header { "th" } else { "td" };
        let mut attrs = String::new();
        if self.row_header {
            attrs.push_str(" scope=\"row\"");
        }
        if !self.class.is_empty() {
            attrs.push_str(&format!(" class=\"{}\"", self.class));
        }
        if let Some(s) = &self.sort {
            attrs.push_str(&format!(" data-sort=\"{}\"", escape(s)));
        }
        if let Some(t) = &self.title {
            attrs.push_str(&format!(" title=\"{}\"", escape(t)));
        }
        format!("<{tag}{attrs}>{}</{tag}>", self.html)
    }
}

/// A column of a [`Table`]: its header (markup) and whether it holds
/// numbers (right-aligned).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Column {
    pub label: String,
    pub numeric: bool,
}

impl Column {
    /// A text column.
    pub(super) fn text(label: &str) -> Column {
        Column {
            label: label.into(),
            numeric: false,
        }
    }

    /// A number column.
    pub(super) fn number(label: &str) -> Column {
        Column {
            label: label.into(),
            numeric: true,
        }
    }
}

/// A table whose columns sort on click (with JavaScript; without it the
/// table reads as written).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Table {
    caption: String,
    columns: Vec<Column>,
    rows: Vec<Vec<Cell>>,
    class: &'static str,
}

impl Table {
    /// An empty table with a caption (markup) and columns.
    pub(super) fn new(caption: String, columns: Vec<Column>) -> Table {
        Table {
            caption,
            columns,
            rows: Vec::new(),
            class: "",
        }
    }

    /// A compact table (smaller type, for many columns).
    pub(super) fn compact(mut self) -> Table {
        self.class = " compact";
        self
    }

    /// A table as wide as its content, not the page (for few columns).
    pub(super) fn narrow(mut self) -> Table {
        self.class = " narrow";
        self
    }

    /// Appends a row; it should have one cell per column.
    pub(super) fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    /// The table as HTML, in a scrolling wrapper for narrow screens.
    pub(super) fn render(&self) -> String {
        let mut o = format!(
            "<div class=\"table-wrap\"><table class=\"sortable{}\">\n<caption>{}</caption>\n<thead><tr>",
            self.class, self.caption
        );
        for c in &self.columns {
            let class = if c.numeric { " class=\"num\"" } else { "" };
            o.push_str(&format!("<th scope=\"col\"{class}>{}</th>", c.label));
        }
        o.push_str("</tr></thead>\n<tbody>\n");
        for row in &self.rows {
            o.push_str("<tr>");
            for cell in row {
                o.push_str(&cell.render());
            }
            o.push_str("</tr>\n");
        }
        o.push_str("</tbody></table></div>\n");
        o
    }
}

/// A major section of the report: it starts a new page when printed.
pub(super) fn section(id: &str, title: &str, body: &str) -> String {
    format!(
        "<section id=\"{id}\" class=\"major\">\n<h2>{}</h2>\n{body}</section>\n",
        escape(title)
    )
}

/// A paragraph of markup.
pub(super) fn para(html: &str) -> String {
    format!("<p>{html}</p>\n")
}

/// The file of run table `stem` in `dir`, as markup: `stem.csv`, or
/// `stem.parquet` in a folder written with `--format parquet` only.
pub(super) fn table_file(dir: &std::path::Path, stem: &str) -> String {
    let csv = format!("{stem}.csv");
    let parquet = format!("{stem}.parquet");
    let name = if !dir.join(&csv).exists() && dir.join(&parquet).exists() {
        parquet
    } else {
        csv
    };
    format!("<code>{}</code>", escape(&name))
}

/// A note in small type under a table or chart.
pub(super) fn note(html: &str) -> String {
    format!("<p class=\"note\">{html}</p>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_cannot_become_markup() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        assert_eq!(Cell::text("<b>").render(), "<td>&lt;b&gt;</td>");
        assert_eq!(ident("a_b<c"), "a_<wbr>b&lt;c");
    }

    #[test]
    fn number_cells_sort_by_their_full_value() {
        let cell = Cell::number(Some(9.483333)).render();
        assert_eq!(
            cell,
            "<td class=\"num\" data-sort=\"9.483333\" title=\"9.483333\">9.48</td>"
        );
        assert!(Cell::number(None).render().contains("data-sort=\"\""));
    }

    #[test]
    fn differences_are_toned_only_when_the_interval_excludes_zero() {
        let e = |lo, hi| Estimate {
            mean: Some((lo + hi) / 2.0),
            ci95_lo: Some(lo),
            ci95_hi: Some(hi),
        };
        assert_eq!(Tone::of_difference(&e(-2.0, -1.0)), Tone::Better);
        assert_eq!(Tone::of_difference(&e(1.0, 2.0)), Tone::Worse);
        assert_eq!(Tone::of_difference(&e(-1.0, 1.0)), Tone::Plain);
    }
}
