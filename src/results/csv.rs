//! The one reader of the tables of result folders: a file held in memory
//! ([`CsvTable`]) or read a row at a time ([`CsvStream`], for `trials.csv`
//! of a large run), with one wording for every problem:
//!
//! - `PATH: missing; HINT` for a file that is not there;
//! - `PATH: row 0 (the header), column `NAME`: missing; the header has: …`;
//! - `PATH: row N (line L), column `NAME`: WHAT` for a bad cell (rows
//!   count from 1 after the header; lines count the header, as editors do);
//! - `PATH: WHAT` for a malformed file (the CSV parser's words).
//!
//! A table asked for as `X.csv` comes from its Parquet twin `X.parquet`
//! when only that is there (`cordon run --format parquet`): the same rows,
//! each cell as the CSV would hold it, and the same messages naming the
//! `.parquet` file (a bad cell is `row N, column `NAME`: WHAT`, a Parquet
//! file having no lines; a damaged file is `PATH: not a readable Parquet
//! file (…)`).

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use super::parquet::ParquetRows;
use crate::error::Error;

/// A missing file is invalid input, with `hint` saying what was expected;
/// any other failure to open it is an I/O error.
pub(crate) fn open_error(path: &Path, e: std::io::Error, hint: &str) -> Error {
    match e.kind() {
        std::io::ErrorKind::NotFound => {
            Error::Invalid(format!("{}: missing; {hint}", path.display()))
        }
        _ => Error::Io {
            action: "read",
            path: path.to_path_buf(),
            source: e,
        },
    }
}

/// The whole text of a file of a result folder.
pub(crate) fn read_text(path: &Path, hint: &str) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| open_error(path, e, hint))
}

fn malformed(path: &Path, e: &csv::Error) -> Error {
    Error::Invalid(format!("{}: {e}", path.display()))
}

/// The Parquet twin (`X.parquet`) of a table asked for as `X.csv`, when
/// the CSV file is absent and the twin is there.
pub(crate) fn parquet_twin(path: &Path) -> Option<PathBuf> {
    if path.extension().is_none_or(|e| e != "csv") || path.exists() {
        return None;
    }
    let twin = path.with_extension("parquet");
    twin.exists().then_some(twin)
}

/// The header of a file and where it lives, for naming columns and cells.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    path: PathBuf,
    names: csv::StringRecord,
    /// Whether rows have lines (a CSV file; not a Parquet file).
    lines: bool,
}

impl Header {
    /// The file's path, as messages show it.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The column names.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter()
    }

    /// The position of column `name`.
    pub(crate) fn column(&self, name: &str) -> Result<usize, Error> {
        self.names.iter().position(|h| h == name).ok_or_else(|| {
            let have: Vec<&str> = self.names.iter().collect();
            self.invalid(&format!(
                "row 0 (the header), column `{name}`: missing; the header has: {}",
                have.join(", ")
            ))
        })
    }

    /// The positions of the named columns.
    pub(crate) fn columns<const N: usize>(&self, names: [&str; N]) -> Result<[usize; N], Error> {
        let mut found = [0; N];
        for (slot, name) in found.iter_mut().zip(names) {
            *slot = self.column(name)?;
        }
        Ok(found)
    }

    /// A problem of the file as a whole.
    pub(crate) fn invalid(&self, what: &str) -> Error {
        Error::Invalid(format!("{}: {what}", self.path.display()))
    }
}

/// One data row, with what is needed to name a bad cell.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row<'a> {
    header: &'a Header,
    /// 1 for the first row after the header.
    number: usize,
    record: &'a csv::StringRecord,
}

impl<'a> Row<'a> {
    /// The row's number (1 for the first after the header).
    pub(crate) fn number(&self) -> usize {
        self.number
    }

    /// The text of `column` ("" past the end of a short row).
    pub(crate) fn text(&self, column: usize) -> &'a str {
        self.record.get(column).unwrap_or("")
    }

    /// The number in `column`, `None` for an empty cell.
    pub(crate) fn number_at(&self, column: usize) -> Result<Option<f64>, Error> {
        let cell = self.text(column).trim();
        if cell.is_empty() {
            return Ok(None);
        }
        match cell.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(self.bad(column, &format!("`{cell}` is not a number"))),
        }
    }

    /// The number in `column`, which must not be empty.
    pub(crate) fn required(&self, column: usize) -> Result<f64, Error> {
        self.number_at(column)?
            .ok_or_else(|| self.bad(column, "empty, but a number is required"))
    }

    /// The whole number (≥ 0) in `column`.
    pub(crate) fn index(&self, column: usize) -> Result<u64, Error> {
        let cell = self.text(column).trim();
        cell.parse::<u64>()
            .map_err(|_| self.bad(column, &format!("`{cell}` is not a whole number")))
    }

    /// A problem with the cell in `column`.
    pub(crate) fn bad(&self, column: usize, what: &str) -> Error {
        let name = self.header.names.get(column).unwrap_or("?");
        self.header
            .invalid(&format!("{}, column `{name}`: {what}", self.place()))
    }

    /// A problem with the row as a whole.
    pub(crate) fn invalid(&self, what: &str) -> Error {
        self.header.invalid(&format!("{}: {what}", self.place()))
    }

    /// `row N (line L)`, or `row N` in a file without lines.
    fn place(&self) -> String {
        if self.header.lines {
            format!("row {} (line {})", self.number, self.number + 1)
        } else {
            format!("row {}", self.number)
        }
    }
}

/// A CSV file held in memory.
#[derive(Debug, Clone)]
pub(crate) struct CsvTable {
    header: Header,
    records: Vec<csv::StringRecord>,
}

impl CsvTable {
    /// Reads `path` (or its Parquet twin, see [`parquet_twin`]); `hint`
    /// says what was expected if it is missing.
    pub(crate) fn read(path: &Path, hint: &str) -> Result<CsvTable, Error> {
        if let Some(twin) = parquet_twin(path) {
            return CsvTable::read_parquet(&twin);
        }
        let text = read_text(path, hint)?;
        CsvTable::parse(path, text.as_bytes())
    }

    /// Reads a Parquet file whole.
    pub(crate) fn read_parquet(path: &Path) -> Result<CsvTable, Error> {
        let (mut rows, names) = ParquetRows::open(path)?;
        let mut records = Vec::new();
        while let Some(group) = rows.next_group()? {
            records.extend(group);
        }
        Ok(CsvTable {
            header: Header {
                path: path.to_path_buf(),
                names: csv::StringRecord::from(names),
                lines: false,
            },
            records,
        })
    }

    /// Parses `bytes`; `path` names the file in messages.
    pub(crate) fn parse(path: &Path, bytes: &[u8]) -> Result<CsvTable, Error> {
        let mut reader = csv::Reader::from_reader(bytes);
        let names = reader.headers().map_err(|e| malformed(path, &e))?.clone();
        let records = reader
            .records()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| malformed(path, &e))?;
        Ok(CsvTable {
            header: Header {
                path: path.to_path_buf(),
                names,
                lines: true,
            },
            records,
        })
    }

    pub(crate) fn header(&self) -> &Header {
        &self.header
    }

    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    /// The data rows, in file order.
    pub(crate) fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.records.iter().enumerate().map(|(i, record)| Row {
            header: &self.header,
            number: i + 1,
            record,
        })
    }

    /// The rows as text, header first (a table shown as it is).
    pub(crate) fn into_text(self) -> (Vec<String>, Vec<Vec<String>>) {
        (
            self.header.names.iter().map(str::to_string).collect(),
            self.records
                .iter()
                .map(|r| r.iter().map(str::to_string).collect())
                .collect(),
        )
    }

    /// Every row as a `T` whose fields the header names.
    pub(crate) fn deserialize<T: DeserializeOwned>(&self) -> Result<Vec<T>, Error> {
        let names = Some(&self.header.names);
        self.rows()
            .map(|row| {
                row.record
                    .deserialize(names)
                    .map_err(|e| row.invalid(&e.to_string()))
            })
            .collect()
    }
}

/// Where a [`CsvStream`] reads its rows from.
enum Source {
    Csv(csv::Reader<Box<dyn Read>>),
    /// A Parquet file, and the rest of its current row group (in reverse
    /// order, taken from the end).
    Parquet(Box<ParquetRows>, Vec<csv::StringRecord>),
}

/// A table read one row at a time.
pub(crate) struct CsvStream {
    header: Header,
    source: Source,
    record: csv::StringRecord,
    number: usize,
}

impl CsvStream {
    /// Opens `path` (buffered), or its Parquet twin (see [`parquet_twin`]);
    /// `hint` says what was expected if missing.
    pub(crate) fn open(path: &Path, hint: &str) -> Result<CsvStream, Error> {
        if let Some(twin) = parquet_twin(path) {
            let (rows, names) = ParquetRows::open(&twin)?;
            return Ok(CsvStream {
                header: Header {
                    path: twin,
                    names: csv::StringRecord::from(names),
                    lines: false,
                },
                source: Source::Parquet(Box::new(rows), Vec::new()),
                record: csv::StringRecord::new(),
                number: 0,
            });
        }
        let file = std::fs::File::open(path).map_err(|e| open_error(path, e, hint))?;
        let input = std::io::BufReader::with_capacity(1 << 16, file);
        let mut reader = csv::Reader::from_reader(Box::new(input) as Box<dyn Read>);
        let names = reader.headers().map_err(|e| malformed(path, &e))?.clone();
        Ok(CsvStream {
            header: Header {
                path: path.to_path_buf(),
                names,
                lines: true,
            },
            source: Source::Csv(reader),
            record: csv::StringRecord::new(),
            number: 0,
        })
    }

    pub(crate) fn header(&self) -> &Header {
        &self.header
    }

    /// The next row, or `None` at the end of the file.
    pub(crate) fn next_row(&mut self) -> Result<Option<Row<'_>>, Error> {
        let more = match &mut self.source {
            Source::Csv(reader) => reader
                .read_record(&mut self.record)
                .map_err(|e| malformed(&self.header.path, &e))?,
            Source::Parquet(rows, rest) => loop {
                if let Some(record) = rest.pop() {
                    self.record = record;
                    break true;
                }
                match rows.next_group()? {
                    Some(mut group) => {
                        group.reverse();
                        *rest = group;
                    }
                    None => break false,
                }
            },
        };
        if !more {
            return Ok(None);
        }
        self.number += 1;
        Ok(Some(Row {
            header: &self.header,
            number: self.number,
            record: &self.record,
        }))
    }

    /// Rows read so far.
    pub(crate) fn rows_read(&self) -> usize {
        self.number
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> CsvTable {
        CsvTable::parse(Path::new("run/weekly.csv"), text.as_bytes()).expect("parses")
    }

    #[test]
    fn a_missing_column_names_the_file_and_the_header() {
        let t = table("variant,week\nbaseline,1\n");
        let e = t
            .header()
            .columns(["variant", "mean"])
            .expect_err("no mean");
        assert_eq!(
            e.to_string(),
            "run/weekly.csv: row 0 (the header), column `mean`: missing; the header has: variant, week"
        );
        assert!(e.is_invalid_input());
    }

    #[test]
    fn a_bad_cell_names_row_line_and_column() {
        let t = table("variant,mean\nbaseline,1.5\nbaseline,x\nbaseline,\n");
        let rows: Vec<Row<'_>> = t.rows().collect();
        assert_eq!(rows[0].required(1).expect("a number"), 1.5);
        assert_eq!(
            rows[1].number_at(1).expect_err("x").to_string(),
            "run/weekly.csv: row 2 (line 3), column `mean`: `x` is not a number"
        );
        assert_eq!(rows[2].number_at(1).expect("empty"), None);
        assert_eq!(
            rows[2].required(1).expect_err("empty").to_string(),
            "run/weekly.csv: row 3 (line 4), column `mean`: empty, but a number is required"
        );
        assert_eq!(
            rows[1].index(0).expect_err("not whole").to_string(),
            "run/weekly.csv: row 2 (line 3), column `variant`: `baseline` is not a whole number"
        );
    }

    #[test]
    fn a_missing_file_is_invalid_input_with_the_hint() {
        let e = CsvTable::read(Path::new("/nonexistent/x.csv"), "a run folder holds it")
            .expect_err("missing");
        assert_eq!(
            e.to_string(),
            "/nonexistent/x.csv: missing; a run folder holds it"
        );
        assert!(e.is_invalid_input());
    }

    #[test]
    fn a_ragged_file_is_invalid_with_the_parsers_words() {
        let e = CsvTable::parse(Path::new("a.csv"), b"a,b\n1,2,3\n").expect_err("ragged");
        assert!(e.to_string().starts_with("a.csv: "), "{e}");
        assert!(e.is_invalid_input());
    }

    #[test]
    fn streamed_rows_are_numbered_like_held_ones() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("trials.csv");
        std::fs::write(&path, "variant,trial\nbaseline,0\nbaseline,q\n").expect("written");
        let mut s = CsvStream::open(&path, "hint").expect("opens");
        let col = s.header().column("trial").expect("a column");
        assert_eq!(
            s.next_row()
                .expect("a row")
                .expect("some")
                .index(col)
                .expect("0"),
            0
        );
        let e = s
            .next_row()
            .expect("a row")
            .expect("some")
            .index(col)
            .expect_err("q");
        assert!(
            e.to_string()
                .ends_with("row 2 (line 3), column `trial`: `q` is not a whole number"),
            "{e}"
        );
        assert!(s.next_row().expect("the end").is_none());
        assert_eq!(s.rows_read(), 2);
    }

    #[test]
    fn rows_deserialize_by_header_name() {
        #[derive(serde::Deserialize, PartialEq, Debug)]
        struct R {
            b: f64,
            a: String,
        }
        let t = table("a,b\nx,1\n");
        assert_eq!(
            t.deserialize::<R>().expect("rows"),
            vec![R {
                b: 1.0,
                a: "x".into()
            }]
        );
        let bad = table("a,b\nx,y\n");
        assert!(
            bad.deserialize::<R>()
                .expect_err("y")
                .to_string()
                .starts_with("run/weekly.csv: row 1 (line 2): ")
        );
    }
}
