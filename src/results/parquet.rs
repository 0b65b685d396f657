//! Parquet copies of a run's tables (`cordon run --format parquet`), and
//! the decoding of such a file into the rows [`super::csv`] reads.
//!
//! A Parquet table holds the same columns, in the same order and with the
//! same names, as its CSV twin, and the same values: every cell is parsed
//! from the CSV text cordon writes (which reads back to the exact number),
//! so the two are equal value for value. Types: the text columns
//! (`variant`, `metric`, `state`, `border`, `direction`) are UTF-8 strings;
//! counts (`trial`, `week`, `n` and the per-trial totals that count things)
//! are 64-bit integers; everything else is a 64-bit float; an empty CSV
//! cell is a null. Every column is optional (nullable).
//!
//! The bytes depend on the rows alone: row groups hold a fixed number of
//! rows ([`ROW_GROUP_ROWS`]), the writer's name is cordon's version, and
//! nothing records a time or a path, so a file is byte-identical at any
//! thread count and shard layout, as the CSV files are. Pages are
//! dictionary-encoded where the writer's defaults allow and compressed
//! with Snappy, which every Parquet reader decodes.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::basic::{Compression, ConvertedType, LogicalType, Repetition, Type as PhysicalType};
use parquet::column::reader::ColumnReader;
use parquet::column::writer::ColumnWriter;
use parquet::data_type::ByteArray;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

use super::csv::{Header, Row};
use crate::error::Error;
use crate::stats::aggregate::TOTALS;
use crate::stats::moments::Grid;

/// Rows in every row group but the last. Fixed, so that the bytes of a
/// file never depend on how its rows arrived; 2^16 rows of `trials` take
/// a few MB of memory while they are encoded.
pub(crate) const ROW_GROUP_ROWS: usize = 1 << 16;

/// Columns that hold names, not numbers.
const TEXT_COLUMNS: [&str; 5] = ["variant", "metric", "state", "border", "direction"];

/// Columns of whole numbers besides the per-trial totals that count.
const COUNT_COLUMNS: [&str; 3] = ["trial", "week", "n"];

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// UTF-8 text.
    Text,
    /// A whole number (64-bit signed integer).
    Count,
    /// A real number (64-bit float).
    Real,
}

/// The kind of the column named `name` in any table of a run folder.
pub(crate) fn kind(name: &str) -> Kind {
    if TEXT_COLUMNS.contains(&name) {
        Kind::Text
    } else if COUNT_COLUMNS.contains(&name)
        || TOTALS
            .iter()
            .any(|t| t.name == name && matches!(t.grid, Grid::Count))
    {
        Kind::Count
    } else {
        Kind::Real
    }
}

/// A column's values waiting for the next row group, with definition
/// levels (1: a value, 0: a null).
enum Pending {
    Text(Vec<ByteArray>),
    Count(Vec<i64>),
    Real(Vec<f64>),
}

/// Writes a table as Parquet, row by row from rows of its CSV text.
pub(crate) struct ParquetWriter {
    path: PathBuf,
    writer: SerializedFileWriter<BufWriter<File>>,
    columns: Vec<(Pending, Vec<i16>)>,
    rows: usize,
}

/// Writer properties: fixed, so the bytes depend on the rows alone.
fn properties() -> Arc<WriterProperties> {
    Arc::new(
        WriterProperties::builder()
            .set_created_by(format!("cordon {}", env!("CARGO_PKG_VERSION")))
            .set_compression(Compression::SNAPPY)
            .build(),
    )
}

fn write_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Other(anyhow::anyhow!("cannot write {}: {e}", path.display()))
}

impl ParquetWriter {
    /// Creates `path` for a table with the columns of `header`.
    pub(crate) fn create(path: &Path, header: &Header) -> Result<ParquetWriter, Error> {
        let mut fields = Vec::new();
        let mut columns = Vec::new();
        for name in header.names() {
            let (physical, pending) = match kind(name) {
                Kind::Text => (PhysicalType::BYTE_ARRAY, Pending::Text(Vec::new())),
                Kind::Count => (PhysicalType::INT64, Pending::Count(Vec::new())),
                Kind::Real => (PhysicalType::DOUBLE, Pending::Real(Vec::new())),
            };
            let mut field =
                Type::primitive_type_builder(name, physical).with_repetition(Repetition::OPTIONAL);
            if matches!(pending, Pending::Text(_)) {
                field = field
                    .with_logical_type(Some(LogicalType::String))
                    .with_converted_type(ConvertedType::UTF8);
            }
            fields.push(Arc::new(field.build().map_err(|e| write_error(path, e))?));
            columns.push((pending, Vec::new()));
        }
        let schema = Type::group_type_builder("schema")
            .with_fields(fields)
            .build()
            .map_err(|e| write_error(path, e))?;
        let file = File::create(path).map_err(|e| Error::Io {
            action: "create",
            path: path.to_path_buf(),
            source: e,
        })?;
        let writer = SerializedFileWriter::new(
            BufWriter::with_capacity(1 << 16, file),
            Arc::new(schema),
            properties(),
        )
        .map_err(|e| write_error(path, e))?;
        Ok(ParquetWriter {
            path: path.to_path_buf(),
            writer,
            columns,
            rows: 0,
        })
    }

    /// Adds one row; a cell that is not of its column's kind is invalid
    /// input, named as the CSV reader names it.
    pub(crate) fn push(&mut self, row: &Row<'_>) -> Result<(), Error> {
        for (c, (pending, levels)) in self.columns.iter_mut().enumerate() {
            let cell = row.text(c);
            if cell.trim().is_empty() && !matches!(pending, Pending::Text(_)) {
                levels.push(0);
                continue;
            }
            levels.push(1);
            match pending {
                Pending::Text(v) => v.push(ByteArray::from(cell.as_bytes().to_vec())),
                Pending::Count(v) => v.push(cell.trim().parse::<i64>().map_err(|_| {
                    row.bad(c, &format!("`{}` is not a whole number", cell.trim()))
                })?),
                Pending::Real(v) => v.push(row.required(c)?),
            }
        }
        self.rows += 1;
        if self.rows == ROW_GROUP_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the pending rows as one row group.
    fn flush(&mut self) -> Result<(), Error> {
        if self.rows == 0 {
            return Ok(());
        }
        let path = &self.path;
        let mut group = self
            .writer
            .next_row_group()
            .map_err(|e| write_error(path, e))?;
        for (pending, levels) in &mut self.columns {
            let Some(mut column) = group.next_column().map_err(|e| write_error(path, e))? else {
                return Err(write_error(path, "fewer columns than the header"));
            };
            let written = match (column.untyped(), &*pending) {
                (ColumnWriter::ByteArrayColumnWriter(w), Pending::Text(v)) => {
                    w.write_batch(v, Some(levels), None)
                }
                (ColumnWriter::Int64ColumnWriter(w), Pending::Count(v)) => {
                    w.write_batch(v, Some(levels), None)
                }
                (ColumnWriter::DoubleColumnWriter(w), Pending::Real(v)) => {
                    w.write_batch(v, Some(levels), None)
                }
                _ => return Err(write_error(path, "a column of an unexpected type")),
            };
            written.map_err(|e| write_error(path, e))?;
            column.close().map_err(|e| write_error(path, e))?;
            levels.clear();
            match pending {
                Pending::Text(v) => v.clear(),
                Pending::Count(v) => v.clear(),
                Pending::Real(v) => v.clear(),
            }
        }
        group.close().map_err(|e| write_error(path, e))?;
        self.rows = 0;
        Ok(())
    }

    /// Writes the last row group and the footer, and syncs the file.
    pub(crate) fn finish(mut self) -> Result<(), Error> {
        self.flush()?;
        let path = self.path.clone();
        let file = self
            .writer
            .into_inner()
            .map_err(|e| write_error(&path, e))?
            .into_inner()
            .map_err(|e| write_error(&path, e.error()))?;
        file.sync_all().map_err(|e| write_error(&path, e))
    }
}

/// A Parquet file read one row group at a time, as rows of text: each
/// cell as cordon's CSV writer would write it (numbers in the shortest
/// form that reads back to the same value, nulls as empty cells).
pub(crate) struct ParquetRows {
    path: PathBuf,
    reader: SerializedFileReader<File>,
    next_group: usize,
}

/// A file that is not Parquet, or is damaged.
fn unreadable(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Invalid(format!(
        "{}: not a readable Parquet file ({e}); write it again with `cordon run --format parquet`",
        path.display()
    ))
}

impl ParquetRows {
    /// Opens `path` and reads its footer; returns the column names too.
    pub(crate) fn open(path: &Path) -> Result<(ParquetRows, Vec<String>), Error> {
        let file = File::open(path).map_err(|e| Error::Io {
            action: "read",
            path: path.to_path_buf(),
            source: e,
        })?;
        let reader = guard(path, || SerializedFileReader::new(file))?;
        let schema = reader.metadata().file_metadata().schema_descr();
        let mut names = Vec::with_capacity(schema.num_columns());
        for i in 0..schema.num_columns() {
            let column = schema.column(i);
            if column.max_rep_level() > 0 || column.max_def_level() > 1 {
                return Err(unreadable(
                    path,
                    format!("column `{}` is nested", column.name()),
                ));
            }
            names.push(column.name().to_string());
        }
        Ok((
            ParquetRows {
                path: path.to_path_buf(),
                reader,
                next_group: 0,
            },
            names,
        ))
    }

    /// The rows of the next row group (`None` after the last), in file
    /// order.
    pub(crate) fn next_group(&mut self) -> Result<Option<Vec<csv::StringRecord>>, Error> {
        if self.next_group >= self.reader.num_row_groups() {
            return Ok(None);
        }
        let i = self.next_group;
        self.next_group += 1;
        let path = self.path.clone();
        let reader = &self.reader;
        let columns = guard(&path, || decode_group(reader, i))?;
        let rows = columns.first().map_or(0, |c| c.ends.len());
        let mut records = Vec::with_capacity(rows);
        for r in 0..rows {
            let mut record = csv::StringRecord::with_capacity(128, columns.len());
            for c in &columns {
                let start = if r == 0 { 0 } else { c.ends[r - 1] };
                record.push_field(&c.text[start..c.ends[r]]);
            }
            records.push(record);
        }
        Ok(Some(records))
    }
}

/// Runs a decoding step, turning an error or a panic of the Parquet
/// library (on a damaged file) into [`unreadable`].
fn guard<T>(path: &Path, f: impl FnOnce() -> parquet::errors::Result<T>) -> Result<T, Error> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(Ok(t)) => Ok(t),
        Ok(Err(e)) => Err(unreadable(path, e)),
        Err(_) => Err(unreadable(path, "its data could not be decoded")),
    }
}

/// One column of a row group as text: the cells one after another, and
/// where each ends.
struct TextColumn {
    text: String,
    ends: Vec<usize>,
}

/// Reads every value and level of a column chunk.
macro_rules! read_all {
    ($reader:expr, $rows:expr) => {{
        let mut values = Vec::new();
        let mut levels = Vec::new();
        let mut records = 0;
        while records < $rows {
            let (r, _, _) =
                $reader.read_records($rows - records, Some(&mut levels), None, &mut values)?;
            if r == 0 {
                break;
            }
            records += r;
        }
        (values, levels, records)
    }};
}

/// Decodes row group `i` into text columns of equal length.
fn decode_group(
    reader: &SerializedFileReader<File>,
    i: usize,
) -> parquet::errors::Result<Vec<TextColumn>> {
    use parquet::errors::ParquetError;
    let group = reader.get_row_group(i)?;
    let rows = usize::try_from(group.metadata().num_rows())
        .map_err(|_| ParquetError::General("a negative row count".into()))?;
    let mut out = Vec::with_capacity(group.num_columns());
    for c in 0..group.num_columns() {
        let required = group.metadata().schema_descr().column(c).max_def_level() == 0;
        let mut column = TextColumn {
            text: String::with_capacity(rows * 4),
            ends: Vec::with_capacity(rows),
        };
        macro_rules! cells {
            ($r:expr, $show:expr) => {{
                let (values, levels, records) = read_all!($r, rows);
                fill(
                    &mut column,
                    &values,
                    &levels,
                    (records, rows),
                    required,
                    $show,
                )?
            }};
        }
        match group.get_column_reader(c)? {
            ColumnReader::Int64ColumnReader(mut r) => cells!(r, |t, x: &i64| show(t, x)),
            ColumnReader::Int32ColumnReader(mut r) => cells!(r, |t, x: &i32| show(t, x)),
            ColumnReader::DoubleColumnReader(mut r) => cells!(r, |t, x: &f64| number(t, *x)),
            ColumnReader::FloatColumnReader(mut r) => {
                cells!(r, |t, x: &f32| number(t, f64::from(*x)))
            }
            ColumnReader::BoolColumnReader(mut r) => cells!(r, |t, x: &bool| show(t, x)),
            ColumnReader::ByteArrayColumnReader(mut r) => cells!(r, |t, x: &ByteArray| {
                t.push_str(x.as_utf8()?);
                Ok(())
            }),
            _ => {
                return Err(ParquetError::General(format!(
                    "column `{}` holds a type cordon does not read",
                    group.metadata().schema_descr().column(c).name()
                )));
            }
        }
        out.push(column);
    }
    Ok(out)
}

/// Appends the cells of one column chunk to `column`: `values` (one per
/// non-null cell) placed by definition `levels` (one per row; none for a
/// required column), each written by `show`.
fn fill<T>(
    column: &mut TextColumn,
    values: &[T],
    levels: &[i16],
    (records, rows): (usize, usize),
    required: bool,
    show: impl Fn(&mut String, &T) -> parquet::errors::Result<()>,
) -> parquet::errors::Result<()> {
    use parquet::errors::ParquetError;
    if records != rows {
        return Err(ParquetError::General(format!(
            "{records} rows in a column chunk of a row group of {rows}"
        )));
    }
    let mut values = values.iter();
    for r in 0..records {
        let present = required || levels.get(r).copied().unwrap_or(0) > 0;
        if present {
            let value = values
                .next()
                .ok_or_else(|| ParquetError::General("fewer values than rows".into()))?;
            show(&mut column.text, value)?;
        }
        column.ends.push(column.text.len());
    }
    Ok(())
}

/// Writes a value as `Display` shows it.
fn show(text: &mut String, x: &impl std::fmt::Display) -> parquet::errors::Result<()> {
    use std::fmt::Write;
    write!(text, "{x}").map_err(|e| parquet::errors::ParquetError::General(e.to_string()))
}

/// Writes a number as [`crate::stats::tables::format_number`] does (the
/// CSV's form), without a String of its own.
fn number(text: &mut String, x: f64) -> parquet::errors::Result<()> {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        show(text, &(x as i64))
    } else if x.is_finite() {
        show(text, &x)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::tables::format_number;

    #[test]
    fn numbers_read_back_in_the_csv_form() {
        for x in [
            0.0,
            -0.0,
            1.0,
            -3.0,
            0.1,
            1e-300,
            2.5e20,
            999_999_999_999_999.0,
            1e15,
            f64::NAN,
            f64::INFINITY,
        ] {
            let mut text = String::new();
            number(&mut text, x).expect("written");
            assert_eq!(text, format_number(Some(x)), "{x}");
        }
    }

    #[test]
    fn columns_have_the_kind_of_their_values() {
        assert_eq!(kind("variant"), Kind::Text);
        assert_eq!(kind("trial"), Kind::Count);
        assert_eq!(kind("attacks"), Kind::Count);
        assert_eq!(kind("first_attack_week"), Kind::Count);
        assert_eq!(kind("spend"), Kind::Real);
        assert_eq!(kind("readiness_mean"), Kind::Real);
        assert_eq!(kind("p05"), Kind::Real);
    }
}
